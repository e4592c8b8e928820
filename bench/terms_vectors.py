"""Time and profile the ``vectors`` and ``terms`` corpus stages (issue 19).

Two modes:

    python bench/terms_vectors.py profile CONFIG CORPUS [--update NEW_PAPER] [--top 25]
        Re-runs ``litmap run`` over a store that already holds the corpus (run it once first)
        with the vectors and terms results forced to recompute (every other stage loads its
        cached result, and the report is kept), and prints each stage's wall and CPU time and
        its cProfile top functions. With ``--update NEW_PAPER`` the paper is copied into a
        temporary copy of the corpus and the two stages fold it in (``--update``).

    python bench/terms_vectors.py scale N [N ...]
        Generates N papers like ``bench/scale.py`` (real paragraphs, seeded), runs litmap in
        full and then with ``--update`` after one added paper, and prints every stage's wall
        time of both runs, and the CPU time of vectors and terms.

CPU time is the figure to compare on a shared machine; wall time moves with the load.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # pipeline itself comes from PYTHONPATH (compare two trees)

STAGES = ("vectors", "terms")


def _instrument(profile: bool, force: bool) -> dict[str, dict[str, float]]:
    """Wrap the two stages' compute and update functions (timing and, if asked, cProfile);
    with ``force`` their stored results are not loaded, so they are computed again."""
    from pipeline.runner import corpus

    seen: dict[str, dict[str, float]] = {}
    for st in corpus.STAGES:
        if st.name not in STAGES:
            continue
        for attr in ("compute", "update", "tables"):
            fn = getattr(st, attr)
            if fn is None:
                continue

            def wrapped(*args: Any, _fn: Any = fn, _name: str = st.name, _attr: str = attr) -> Any:
                prof = cProfile.Profile() if profile and _attr != "tables" else None
                w, c = time.perf_counter(), time.process_time()
                if prof is not None:
                    prof.enable()
                try:
                    return _fn(*args)
                finally:
                    if prof is not None:
                        prof.disable()
                    rec = seen.setdefault(_name, {})
                    rec[f"{_attr}_wall"] = rec.get(f"{_attr}_wall", 0) + time.perf_counter() - w
                    rec[f"{_attr}_cpu"] = rec.get(f"{_attr}_cpu", 0) + time.process_time() - c
                    if prof is not None:
                        s = io.StringIO()
                        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(_TOP)
                        rec["profile"] = s.getvalue()  # type: ignore[assignment]
            setattr(st, attr, wrapped)
    if force:
        from pipeline.store.db import Store

        orig = Store.corpus_loader

        def loader(self: Any, stage: str, h: str) -> Any:
            return None if stage in STAGES else orig(self, stage, h)
        Store.corpus_loader = loader  # type: ignore[method-assign]
    return seen


_TOP = 25


def _run(cfg_path: Path, corpus: Path, out: Path, update: bool) -> Any:
    from pipeline.api import run

    return run(corpus, cfg_path, out=out, update=update)


def profile(args: argparse.Namespace) -> None:
    global _TOP
    _TOP = args.top
    corpus = Path(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        if args.update:
            copy = Path(tmp) / "corpus"
            shutil.copytree(corpus, copy)
            shutil.copy(args.update, copy / Path(args.update).name)
            corpus = copy
        seen = _instrument(True, force=not args.update)
        out = Path(tmp) / "report"
        t = time.perf_counter()
        ctx = _run(Path(args.config), corpus, out, bool(args.update))
        print(f"run: {time.perf_counter() - t:.1f} s wall; stage timings: "
              + ", ".join(f"{k} {v:.1f}" for k, v in ctx.timings.items()))
        for name in STAGES:
            rec = seen.get(name, {})
            print(f"== {name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in rec.items() if k != "profile"))
            if "profile" in rec and not args.quiet:
                print(rec["profile"])
        if args.dump:
            Path(args.dump).write_text(json.dumps(_outputs(ctx), ensure_ascii=False, indent=0, default=str),
                                       encoding="utf-8")


def _outputs(ctx: Any) -> dict[str, Any]:
    """What must not change when only the computation does: the term rows, the similar papers,
    and the word2vec neighbours of the 100 most frequent words in both models."""
    terms, vec = ctx.results["terms"], ctx.results["vectors"]
    out: dict[str, Any] = {"terms": terms["rows"], "similar": vec["similar"]}
    for key in ("w2v", "w2v_check"):
        m = vec.get(key)
        if m is not None:
            out[key] = {w: [(x, round(s, 5)) for x, s in m.wv.most_similar(w, topn=10)] for w in m.wv.index_to_key[:100]}
    return out


def scale(args: argparse.Namespace) -> None:
    from scale import authors, make_paper, real_paragraphs

    paras, names = real_paragraphs(), authors()
    seen = _instrument(False, force=False)
    for n in args.n:
        rng = random.Random(n)
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            corpus = tmp / "corpus"
            corpus.mkdir()
            for i in range(n):
                (corpus / f"p{i:05d}.md").write_text(make_paper(rng, paras, names, i), encoding="utf-8")
            cfg = tmp / "cfg.yaml"
            cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp / "s.duckdb")}, "topics": {"k": 20}}),
                           encoding="utf-8")
            seen.clear()
            t = time.perf_counter()
            full = _run(cfg, corpus, tmp / "report", False)
            w_full = time.perf_counter() - t
            f_seen = {k: dict(v) for k, v in seen.items()}
            seen.clear()
            (corpus / "new.md").write_text(make_paper(rng, paras, names, n + 1), encoding="utf-8")
            t = time.perf_counter()
            upd = _run(cfg, corpus, tmp / "report", True)
            w_upd = time.perf_counter() - t
            for label, w, ctx, rec in (("full", w_full, full, f_seen), ("update", w_upd, upd, seen)):
                print(f"N={n} {label}: {w:.1f} s wall; stages (wall s): "
                      + ", ".join(f"{k} {v:.1f}" for k, v in ctx.timings.items()))
                for name in STAGES:
                    r = rec.get(name, {})
                    print(f"    {name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.items()))
            sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("profile")
    p.add_argument("config")
    p.add_argument("corpus")
    p.add_argument("--update")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--dump", help="write the stages' outputs to this JSON file (compare two trees)")
    s = sub.add_parser("scale")
    s.add_argument("n", type=int, nargs="+")
    args = ap.parse_args()
    profile(args) if args.mode == "profile" else scale(args)


if __name__ == "__main__":
    main()
