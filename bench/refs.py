"""Time to parse every reference of the founding paper in one process (target < 0.5 s).

Run: python bench/refs.py
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.refs import assign_work_ids, parse_footnotes
from pipeline.refs.names import default_aliases

SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"


def main() -> None:
    marker = re.compile(r"^\^?[\u2460-\u2473]\s*")
    fns = [marker.sub("", ln) for ln in SEED.read_text(encoding="utf-8").split("\n") if marker.match(ln)]
    t0 = time.perf_counter()
    default_aliases()
    parse_footnotes(fns[:1])  # warm-up: OpenCC and the alias file load once per process
    t1 = time.perf_counter()
    refs = [r for fn in parse_footnotes(fns) for r in fn]
    t2 = time.perf_counter()
    assign_work_ids(refs)
    t3 = time.perf_counter()
    print(f"footnotes: {len(fns)}  references: {len(refs)}")
    print(f"warm-up (OpenCC, aliases): {t1 - t0:.3f} s")
    print(f"parse every reference of the seed: {t2 - t1:.3f} s (target < 0.5 s)")
    print(f"parse including warm-up: {t2 - t0:.3f} s")
    print(f"work identity: {t3 - t2:.3f} s")


if __name__ == "__main__":
    main()
