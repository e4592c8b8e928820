"""Report generation time on the seed corpus (issue 8: under 10 s).

Runs `litmap run` once on a copy of the seed (fills a fresh store), then times `write_report`
alone over that run's context, three times, and prints the pages and files it wrote.

    python bench/report.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"
sys.path.insert(0, str(ROOT))


def main() -> None:
    from pipeline.config import load_config
    from pipeline.report.build import write_report
    from pipeline.runner.run import run

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "corpus").mkdir()
        shutil.copy(SEED, t / "corpus" / SEED.name)
        cfg = load_config(None)
        cfg["store"]["path"] = str(t / "store.duckdb")
        started = time.time()
        ctx = run(t / "corpus", cfg, out=t / "report")
        print(f"litmap run (fresh store, report included): {time.time() - started:.2f} s; "
              f"report stage {ctx.timings.get('report', 0):.2f} s")
        times = []
        for _ in range(3):
            s = time.time()
            write_report(ctx)
            times.append(time.time() - s)
        out = Path(ctx.out)
        pages = list(out.rglob("*.html"))
        print(f"report generation (seed, write_report alone): best {min(times):.2f} s, worst {max(times):.2f} s "
              f"(target < 10 s)")
        print(f"{len(pages)} HTML pages ({sum(1 for p in pages if p.parent.name == 'authors')} authors, "
              f"{sum(1 for p in pages if p.parent.name == 'papers')} papers, "
              f"{sum(1 for p in pages if p.parent.name == 'concepts')} concepts, "
              f"{sum(1 for p in pages if p.parent.name == 'topics')} topics), "
              f"{len(list((out / 'figures').glob('*.png')))} figures, "
              f"{sum(p.stat().st_size for p in out.rglob('*') if p.is_file()) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
