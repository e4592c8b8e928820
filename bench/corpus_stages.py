"""The concept-side corpus stages, full and on ``--update`` (issue 19).

On N generated papers (``bench/scale.py``'s generator, the same seed) or a given corpus folder,
it runs ``litmap run`` (``topics.k: 20``), then adds one paper and runs ``--update``, and prints
the wall time of each corpus stage in both runs (``report/run.json`` timings) and of the
corpus-stage runner as a whole, with its CPU time from cProfile (``--profile`` also writes the
profiles: ``full.prof``, ``update.prof``, and prints their top functions).

``--again`` times the concept-side stages once more on the full run's store with their stored
results dropped (the per-document stages, vectors, topics and terms stay cached): how long the
stages take from nothing, without paying for parse, segment and topics again.

Measured on /work/wt/corp200 (+ corp200_new.md), CPU s of each stage's compute (and of the
runner's reading of the stored result and writing of the tables), no profiler, a machine
loaded 8-fold (wall times meaningless), issue 19:

    stage         from nothing: main -> this     --update of one paper: main -> this
    glossary      1.57 -> 1.78                    1.73 (recomputed whole) -> 0.70 (+0.13 read)
    works         0.24 -> 0.20                    0.29 -> 0.21
    stance        0.53 -> 0.45                    0.47 (recomputed whole) -> 0.07
    concepts      18.01 -> 11.73                  7.37 + 0.74 read + 0.93 tables -> 6.44 + 0.53 + 1.08
    definitions   1.46 -> 0.92                    1.08 (recomputed whole) -> 0.14
    shift         0.80 -> 0.60                    0.65 (recomputed whole) -> 0.37

    python bench/corpus_stages.py N [--profile] [--again]
    python bench/corpus_stages.py --corpus DIR --new FILE [--keep DIR] [--base DIR] [--tree SRC] [--profile] [--again]

``--keep DIR`` keeps the folder (its store: ``--base DIR`` starts a later run from a copy of it);
``--tree SRC`` runs another litmap source tree (a checkout of main: the figures before a change).
"""
from __future__ import annotations

import argparse
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MINE = ("glossary", "works", "stance", "concepts", "definitions", "shift")


def _wrapped(profile: Path | None) -> str:
    """A ``python -c`` program: the CLI with the corpus-stage runner's parts timed in CPU seconds
    per stage (``time.process_time``: the stage's own work, whatever the other processes on the
    machine do), and with ``--profile`` the whole runner under cProfile."""
    return (
        "import cProfile, sys, time\n"
        "import pipeline.runner.corpus as c\n"
        "cpu = {}\n"
        "def timed(part, f):\n"
        "    def g(ctx, stage, *a):\n"
        "        t = time.process_time()\n"
        "        try:\n"
        "            return f(ctx, stage, *a)\n"
        "        finally:\n"
        "            d = cpu.setdefault(stage.name, {}); d[part] = d.get(part, 0) + time.process_time() - t\n"
        "    return g\n"
        "for part in ('_compute', '_persist_if_stale', '_previous', 'input_hash'):\n"
        "    setattr(c, part, timed(part.strip('_'), getattr(c, part)))\n"
        "inner = c.run_corpus_stages\n"
        "def run(ctx):\n"
        "    p = cProfile.Profile() if %r else None\n"
        "    t, t_cpu = time.time(), time.process_time()\n"
        "    p and p.enable()\n"
        "    try:\n"
        "        inner(ctx)\n"
        "    finally:\n"
        "        p and (p.disable(), p.dump_stats(%r))\n"
        "        print(f'BENCH corpus {time.time() - t:.3f} {time.process_time() - t_cpu:.3f}', file=sys.stderr)\n"
        "        for name, d in cpu.items():\n"
        "            print('BENCH stage', name, ' '.join(f'{k}={v:.3f}' for k, v in d.items()), file=sys.stderr)\n"
        "c.run_corpus_stages = run\n"
        "from pipeline.cli import main\n"
        "sys.argv = ['litmap'] + sys.argv[1:]\n"
        "sys.exit(main())\n" % (profile is not None, str(profile)))


def _run(args: list[str], profile: Path | None, tree: Path) -> tuple[float, str]:
    t = time.time()
    proc = subprocess.run([sys.executable, "-c", _wrapped(profile), "run", *args],
                          capture_output=True, text=True, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)})
    wall = time.time() - t
    if proc.returncode != 0:
        sys.exit(proc.stderr[-4000:])
    return wall, proc.stderr


def _report(label: str, wall: float, log: str, profile: Path | None) -> None:
    """The stages' wall times from the run's own log lines, their CPU times (compute, the
    stored result read for --update, the table writes, the input hash) from the wrapper."""
    walls = {m[0]: float(m[2]) for m in re.findall(r"^(\w+): (computed in|updated in|cached,) ([\d.]+) s", log, re.M)}
    kinds = {m[0]: m[1].split()[0].rstrip(",") for m in re.findall(r"^(\w+): (computed in|updated in|cached,)", log, re.M)}
    corpus = re.search(r"^BENCH corpus ([\d.]+) ([\d.]+)", log, re.M)
    print(f"{label}: run {wall:.1f} s wall; corpus stages {float(corpus[1]):.2f} s wall, {float(corpus[2]):.2f} s CPU")
    for m in re.finditer(r"^BENCH stage (\w+) (.*)$", log, re.M):
        parts = dict(x.split("=") for x in m[2].split())
        total = sum(float(v) for v in parts.values())
        print(f"  {m[1]:<12} {kinds.get(m[1], '?'):<9} wall {walls.get(m[1], float('nan')):6.2f}  CPU {total:6.2f} = "
              + ", ".join(f"{k} {float(v):.2f}" for k, v in parts.items()))
    if profile is not None:
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(45)


def _drop_mine(store: Path) -> None:
    import duckdb

    con = duckdb.connect(str(store))
    try:
        con.execute("DELETE FROM corpus_cache WHERE stage IN (SELECT unnest(?))", [list(MINE)])
        con.execute("DELETE FROM kv WHERE key IN (SELECT 'persisted:' || unnest(?))", [list(MINE)])
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, help="generated papers (bench/scale.py's generator)")
    ap.add_argument("--corpus", type=Path, help="a corpus folder (copied; never written)")
    ap.add_argument("--new", type=Path, help="the paper --update adds (with --corpus)")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    ap.add_argument("--base", type=Path, help="copy this kept folder's store first (skips computing it all)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="the litmap source tree to run (default: this one)")
    ap.add_argument("--profile", action="store_true", help="print the top functions of each profile")
    ap.add_argument("--again", action="store_true", help="also time the concept-side stages from nothing")
    a = ap.parse_args()
    tmp = a.keep or Path(tempfile.mkdtemp(prefix="corpus_stages."))
    tmp.mkdir(parents=True, exist_ok=True)
    corpus = tmp / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    if a.corpus:
        shutil.copytree(a.corpus, corpus)
        new_text = a.new.read_text(encoding="utf-8")
    else:
        import random

        sys.path.insert(0, str(ROOT / "bench"))
        from scale import authors, make_paper, real_paragraphs

        paras, names = real_paragraphs(), authors()
        rng = random.Random(a.n)
        corpus.mkdir()
        for i in range(a.n):
            (corpus / f"p{i:05d}.md").write_text(make_paper(rng, paras, names, i), encoding="utf-8")
        new_text = make_paper(rng, paras, names, a.n + 1)
    store = tmp / "s.duckdb"
    if a.base:
        for p in (store, store.with_name(store.name + ".results"), store.with_name(store.name + ".wal")):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        for name in ("s.duckdb", "s.duckdb.wal"):
            if (a.base / name).exists():
                shutil.copy(a.base / name, tmp / name)
        shutil.copytree(a.base / "s.duckdb.results", store.with_name(store.name + ".results"))
    cfg = tmp / "cfg.yaml"
    cfg.write_text(yaml.safe_dump({"store": {"path": str(store)}, "topics": {"k": 20}}), encoding="utf-8")
    args = ["--corpus", str(corpus), "--config", str(cfg), "--out", str(tmp / "report")]
    prof = (lambda name: tmp / name) if a.profile else (lambda name: None)
    wall, log = _run(args, prof("full.prof"), a.tree)
    _report("full", wall, log, prof("full.prof"))
    if a.again:
        _drop_mine(store)
        wall, log = _run(args, prof("again.prof"), a.tree)
        _report("concept-side stages from nothing", wall, log, prof("again.prof"))
    if a.keep:  # the store before the update: --base KEEP/before repeats the update alone
        before = tmp / "before"
        shutil.rmtree(before, ignore_errors=True)
        before.mkdir()
        for name in ("s.duckdb", "s.duckdb.wal"):
            if (tmp / name).exists():
                shutil.copy(tmp / name, before / name)
        shutil.copytree(tmp / "s.duckdb.results", before / "s.duckdb.results")
    (corpus / "new.md").write_text(new_text, encoding="utf-8")
    wall, log = _run(args + ["--update"], prof("update.prof"), a.tree)
    _report("update (+1 paper)", wall, log, prof("update.prof"))
    (corpus / "new.md").unlink()
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
