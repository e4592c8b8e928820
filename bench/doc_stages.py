"""Cost of the per-document stages (parse, segment, features) of ``litmap run`` (issue 19).

Runs the runner's own scheduling (``runner/doc_stages.py``: the pool, the store writes, the
cache) over N papers, the way ``litmap run`` starts, and stops before the corpus stages. N
papers are generated as ``bench/scale.py`` does (real paragraphs, ~30 KB each), or a folder
is given. Printed per stage: wall seconds; then for the three together the driver's CPU, the
workers' CPU (the pool's children, counted once they exit) and the peak resident memory of
the driver and of the largest worker. Then it adds one paper and times the same stages again
(what ``--update`` of one paper spends in them). Each run is a fresh process, as ``litmap
run`` is, so start-up and imports count. Run it against two trees to compare them:

    PYTHONPATH=/work/main python bench/doc_stages.py 200        # before
    PYTHONPATH=$PWD      python bench/doc_stages.py 200        # after
    PYTHONPATH=$PWD      python bench/doc_stages.py /work/wt/corp200 [--workers 2] [--backend jieba]

On a shared machine CPU time is the steadier figure; wall time is what a user waits.
"""
from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cpu() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, ch.ru_utime + ch.ru_stime


def _stages(corpus: Path, cfg: dict, workers: int, executor: str) -> dict[str, float]:
    from pipeline.config import resolve
    from pipeline.runner import doc_stages
    from pipeline.runner import keys
    from pipeline.runner.context import RunContext
    from pipeline.runner.discover import discover
    from pipeline.store.db import Store

    cfg = keys.with_files_resolved(cfg)
    store = Store(resolve(cfg, cfg["store"]["path"]), cfg["store"]["memory_limit"], cfg["store"]["storage_compatibility"])
    run_id = store.start_run(str(corpus), "bench", "refit")
    ctx = RunContext(cfg, store, run_id, corpus, Path(cfg["report"]["out"]), workers=workers)
    times: dict[str, float] = {}
    t0 = time.time()
    ctx.files = discover(corpus, cfg["ingest"]["suffixes"], int(cfg["ingest"]["max_bytes"]))
    stages = getattr(doc_stages, "doc_stages", None)
    if stages is not None:  # one call for the three (their own times in ctx.timings)
        stages(ctx, workers, executor, None)
        times.update({k: ctx.timings[k] for k in ("parse", "segment", "features")})
    else:
        for name in ("parse", "segment", "features"):
            t = time.time()
            getattr(doc_stages, f"{name}_stage")(ctx, workers, executor, None)
            times[name] = time.time() - t
    times["total"] = time.time() - t0
    times["docs"] = len(ctx.doc_ids)
    store.close()
    return times


def _phase(corpus: Path, tmp: Path, workers: int, executor: str, backend: str | None) -> None:
    """One run of the three stages in this (fresh) process; prints its figures as JSON."""
    import json

    from pipeline.config import load_config

    cfg = load_config(None)
    cfg["store"]["path"] = str(tmp / "s.duckdb")
    cfg["report"]["out"] = str(tmp / "report")
    if backend:
        cfg["segment"]["backend"] = backend
    times = _stages(corpus, cfg, workers, executor)
    d, c = _cpu()
    print(json.dumps({**times, "cpu_driver": d, "cpu_workers": c, "backend": cfg["segment"]["backend"],
                      "rss_driver": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def main() -> None:
    import json
    import os
    import subprocess

    ap = argparse.ArgumentParser()
    ap.add_argument("n_or_dir", nargs="?", default="200")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--executor", default="local")
    ap.add_argument("--backend", default=None, help="segment.backend (default: the config's)")
    ap.add_argument("--phase", default=None, help=argparse.SUPPRESS)  # internal: one run in a fresh process
    args = ap.parse_args()
    if args.phase:
        _phase(Path(args.n_or_dir), Path(args.phase), args.workers, args.executor, args.backend)
        return

    import pipeline

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        src = Path(args.n_or_dir)
        if src.is_dir():
            shutil.copytree(src, corpus)
        else:
            from scale import authors, make_paper, real_paragraphs

            corpus.mkdir()
            paras, names = real_paragraphs(), authors()
            rng = random.Random(int(args.n_or_dir))
            for i in range(int(args.n_or_dir)):
                (corpus / f"p{i:05d}.md").write_text(make_paper(rng, paras, names, i), encoding="utf-8")

        def phase() -> dict:
            # each run in a fresh process, as `litmap run` is: start-up and imports counted
            cmd = [sys.executable, __file__, str(corpus), "--phase", tmp, "--workers", str(args.workers),
                   "--executor", args.executor] + (["--backend", args.backend] if args.backend else [])
            out = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, check=True).stdout
            return json.loads(out.strip().splitlines()[-1])

        n_files = len(list(corpus.iterdir()))
        full = phase()
        print(f"{pipeline.__file__}: {n_files} files, {full['docs']} documents, {args.workers} workers, "
              f"backend {full['backend']}")
        print(f"  full:     parse {full['parse']:.1f} s, segment {full['segment']:.1f} s, features {full['features']:.1f} s "
              f"= {full['total']:.1f} s wall; CPU driver {full['cpu_driver']:.1f} s, workers {full['cpu_workers']:.1f} s "
              f"({1000 * (full['cpu_driver'] + full['cpu_workers']) / max(1, full['docs']):.0f} ms a document); "
              f"peak RSS driver {full['rss_driver']:.0f} MB, largest worker {full['rss_worker']:.0f} MB")
        # --update of one added paper: the same stages over the corpus plus one new file
        from scale import authors, make_paper, real_paragraphs

        (corpus / "zz_new.md").write_text(make_paper(random.Random(-1), real_paragraphs(), authors(), 99999),
                                          encoding="utf-8")
        one = phase()
        print(f"  +1 paper: parse {one['parse']:.2f} s, segment {one['segment']:.2f} s, features {one['features']:.2f} s "
              f"= {one['total']:.2f} s wall; CPU driver {one['cpu_driver']:.2f} s, workers {one['cpu_workers']:.2f} s")


if __name__ == "__main__":
    main()
