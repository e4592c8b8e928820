"""Time to find the body structure of the founding paper, and to read a 3-page journal PDF built
from it (tests/fixtures_docs.py): the figures the tests used to assert on the clock.

Targets: parse_body under 0.5 s per parse of the seed; the 3-page PDF read under 5 s.

Run: python bench/parse.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"


def main(repeat: int = 5) -> None:
    from fixtures_docs import PdfStyle, build_pdf

    from pipeline.ingest.pdf import read_pdf
    from pipeline.structure.body import parse_body
    from pipeline.structure.header import parse_header

    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = parse_header(lines).body_start
    t = time.perf_counter()
    for _ in range(repeat):
        parse_body(lines, start)
    per = (time.perf_counter() - t) / repeat
    print(f"parse_body, seed ({len(lines)} lines): {per:.3f} s per parse (target < 0.5 s: {'ok' if per < 0.5 else 'SLOW'})")
    data = build_pdf(style=PdfStyle(max_pages=3, two_column_page=None))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        read_pdf(Path(tmp) / "a.pdf", data, "a.pdf")
        took = time.perf_counter() - t
    print(f"read_pdf, 3-page journal PDF: {took:.2f} s (target < 5 s: {'ok' if took < 5 else 'SLOW'})")


if __name__ == "__main__":
    main()
