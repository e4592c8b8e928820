"""Report generation time and memory (issue 8: under 10 s on the seed; under 4 s at 1,000 papers).

Runs `litmap run` once (on a copy of the seed, or on ``--corpus`` with ``--config``; the stages
come from the store's cache when they are there), then times `write_report` alone over that
run's context, ``--repeat`` times, sampling the resident memory of this process and of the
report's worker processes while it runs, and prints the pages and files it wrote.
``--profile`` prints the top functions of one more pass (this process only).

Each pass prints its wall time and its CPU time, of this process and of the report's side
processes (``background.py``): on a shared machine wall times are noise, CPU time is the figure
to compare. ``--fresh`` writes every pass into an empty folder (nothing kept from a previous
report: what a first run pays); by default a pass writes over the previous pass's report, so
pages whose inputs are unchanged are kept (``reuse.py``). ``--add FILE`` then copies FILE into
the corpus and times ``litmap run --update`` with it, its report stage apart (the one-new-paper
case of issue 19); the corpus is changed, so give a copy.

    python bench/report.py
    python bench/report.py --corpus /tmp/rep/corpus --config /tmp/rep/cfg.yaml --out /tmp/rep/report
    python bench/report.py --corpus /tmp/rep/c1000 --config /tmp/rep/cfg.yaml --out /tmp/rep/report \
        --fresh --repeat 1 --add /work/wt/corp1000_new.md
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"
sys.path.insert(0, str(ROOT))


def _rss_children_mb() -> float:
    """Resident memory of this process's children (the report's worker processes), if psutil is
    installed; 0 otherwise. Forked pages shared with this process are counted again."""
    try:
        import psutil
    except ImportError:
        return 0.0
    total = 0.0
    for c in psutil.Process().children(recursive=True):
        try:
            total += c.memory_info().rss / 2**20
        except psutil.Error:
            pass
    return total


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, ch.ru_utime + ch.ru_stime


def _timed(write_report, ctx) -> tuple[float, float, float]:
    """(seconds, peak RSS of this process, peak RSS of its workers, in MB) of one report; prints
    its CPU time, here and in the side processes."""
    from pipeline.runner.memory import rss_mb

    peak = [rss_mb(), 0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_mb())
            peak[1] = max(peak[1], _rss_children_mb())

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    s, c = time.time(), _cpu()
    write_report(ctx)
    took = time.time() - s
    c2 = _cpu()
    print(f"  write_report: wall {took:.2f} s, cpu {c2[0] - c[0]:.2f} s here + {c2[1] - c[1]:.2f} s in side processes",
          flush=True)
    done.set()
    th.join()
    return took, max(peak[0], rss_mb()), peak[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus")
    ap.add_argument("--config")
    ap.add_argument("--out")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="every pass into an empty folder: nothing kept")
    ap.add_argument("--add", help="then add this file to the corpus and time `litmap run --update`")
    a = ap.parse_args()

    from pipeline.config import load_config
    from pipeline.report.build import write_report
    from pipeline.runner.memory import rss_mb
    from pipeline.runner.run import run
    from pipeline.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        if a.corpus:
            corpus, cfg = Path(a.corpus), load_config(a.config)
        else:
            corpus = t / "corpus"
            corpus.mkdir()
            shutil.copy(SEED, corpus / SEED.name)
            cfg = load_config(None)
            cfg["store"]["path"] = str(t / "store.duckdb")
        started = time.time()
        ctx = run(corpus, cfg, out=Path(a.out) if a.out else t / "report")
        print(f"litmap run (report included): {time.time() - started:.2f} s; "
              f"report stage {ctx.timings.get('report', 0):.2f} s")
        ctx.store = Store(ctx.store.path)  # run() closed it; paper pages stream their text from it
        print(f"rss before the report: {rss_mb():.0f} MB")
        # The first report pays for unpickling the cached stage results (ctx.results loads each
        # on first use), as a re-run of `litmap run` does; later ones find them loaded.
        def one() -> tuple[float, float, float]:
            if a.fresh:
                shutil.rmtree(ctx.out, ignore_errors=True)
            return _timed(write_report, ctx)

        runs = [one() for _ in range(max(1, a.repeat))]
        print(f"write_report, first (stage results load on first use): {runs[0][0]:.2f} s")
        if len(runs) > 1:
            times = [r[0] for r in runs[1:]]
            print(f"write_report, results loaded: best {min(times):.2f} s, worst {max(times):.2f} s")
        print(f"peak rss while writing: {max(r[1] for r in runs):.0f} MB; largest side process "
              f"{max(r[2] for r in runs):.0f} MB (a fresh interpreter with its inputs, report/background.py; 0: no psutil)")
        if a.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.runcall(write_report, ctx)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        out = Path(ctx.out)
        pages = list(out.rglob("*.html"))
        print(f"{len(pages)} HTML pages ({sum(1 for p in pages if p.parent.name == 'authors')} authors, "
              f"{sum(1 for p in pages if p.parent.name == 'papers')} papers, "
              f"{sum(1 for p in pages if p.parent.name == 'concepts')} concepts, "
              f"{sum(1 for p in pages if p.parent.name == 'topics')} topics), "
              f"{len(list((out / 'figures').glob('*.png')))} figures, "
              f"{sum(p.stat().st_size for p in out.rglob('*') if p.is_file()) / 1e6:.1f} MB")
        ctx.store.close()
        if a.add:
            _update(corpus, cfg, Path(ctx.out), Path(a.add))


def _update(corpus: Path, cfg: dict, out: Path, new: Path) -> None:
    """``litmap run --update`` after adding ``new`` to ``corpus``, over the report just written."""
    import pipeline.report.build as build
    from pipeline.runner.run import run

    shutil.copy(new, corpus / new.name)
    plain = build.write_report
    took: dict[str, float] = {}

    def timed(ctx):
        s, c = time.time(), _cpu()
        try:
            return plain(ctx)
        finally:
            c2 = _cpu()
            took.update(wall=time.time() - s, here=c2[0] - c[0], side=c2[1] - c[1])

    build.write_report = timed  # run() imports it from the module when the report is due
    try:
        started = time.time()
        ctx = run(corpus, cfg, out=out, update=True)
    finally:
        build.write_report = plain
    total = time.time() - started
    print(f"litmap run --update with {new.name}: {total:.2f} s; report stage {ctx.timings.get('report', 0):.2f} s "
          f"({100 * ctx.timings.get('report', 0) / total:.0f}%); write_report wall {took.get('wall', 0):.2f} s, cpu "
          f"{took.get('here', 0):.2f} s here + {took.get('side', 0):.2f} s in side processes")
    print("stages: " + ", ".join(f"{k} {v:.1f}" for k, v in ctx.timings.items()))


if __name__ == "__main__":
    main()
