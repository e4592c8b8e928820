"""Benchmark: a re-run over an unchanged corpus does no per-document work and is fast.

Corpus: the seed, its GB18030 copy and ../shared/corpora/works. Prints the start-up time of
`litmap --version`, the first run, the second run, and the ratio of the second run's time beyond
start-up to the first run's. Target (issue 2): second run processes 0 documents and the ratio < 0.1.

    python bench/rerun.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def timed(cmd: list[str], cwd: Path) -> tuple[float, str]:
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr}")
    return dt, p.stdout.strip()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        shutil.copytree(SHARED / "corpora" / "works", corpus / "works")
        seed = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
        shutil.copy(seed, corpus / "seed.txt")
        (corpus / "seed_gb18030.txt").write_bytes(seed.read_text(encoding="utf-8").encode("gb18030"))
        cfg = tmp / "cfg.yaml"
        cfg.write_text(f"store:\n  path: {tmp / 'store.duckdb'}\n", encoding="utf-8")
        base = ["litmap", "run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(tmp / "report")]
        startup = min(timed(["litmap", "--version"], ROOT)[0] for _ in range(3))
        first, out1 = timed(base, ROOT)
        second, out2 = timed(base, ROOT)
        print(f"startup (litmap --version): {startup:.2f} s")
        print(f"first run:  {first:.2f} s  | {out1}")
        print(f"second run: {second:.2f} s  | {out2}")
        ratio = (second - startup) / (first - startup)
        print(f"second run beyond start-up / first run beyond start-up: {ratio:.3f} (target < 0.1)")


if __name__ == "__main__":
    main()
