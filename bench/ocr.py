"""OCR of a scanned PDF of the founding paper: seconds per page and character accuracy, body text
and footnotes apart, at a few rendering resolutions (ingest.pdf.ocr_dpi).

The first pages of the seed are typeset as a journal would (tests/fixtures_docs.py: 10.5pt body,
9pt notes under a rule, raised circled note calls), each page is turned into a greyscale picture
at --scan-dpi and only the pictures are kept, then every page is read by pipeline.ingest.ocr at
each --dpi. Accuracy is 1 - CER against the original page's text layer, whitespace removed
(tests/ocr_score.py). Raised markers: note calls in the body found as raised pieces, and of those
the ones read as the right numeral.

With --typesetter weasy or typst the pages come from tests/typeset.py instead (WeasyPrint or Typst,
Noto Serif CJK, notes at 0.8 of the body size, --numbering as there, e.g. through-decimal for
superscript digits).

Run: python bench/ocr.py [--pages 2] [--scan-dpi 200] [--dpi 150 200 300] [--typesetter weasy]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def body_markers(page) -> list[tuple[float, float, str]]:
    """The raised note calls of an original page: (x, y, text) of spans much smaller than their line."""
    out = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            big = max(s["size"] for s in line["spans"])
            for s in line["spans"]:
                if s["text"].strip() and s["size"] < 0.8 * big:
                    x0, y0, x1, y1 = s["bbox"]
                    out.append(((x0 + x1) / 2, (y0 + y1) / 2, s["text"].strip()))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2)
    ap.add_argument("--scan-dpi", type=int, default=200)
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    ap.add_argument("--typesetter", choices=["fixture", "weasy", "typst"], default="fixture")
    ap.add_argument("--numbering", default="page-circled")
    args = ap.parse_args()

    import pymupdf
    from fixtures_docs import PdfStyle, build_pdf
    from ocr_score import body_size, score, scan, truth_lines

    from pipeline.ingest.ocr import _engine, ocr_available, ocr_page

    t = time.perf_counter()
    reason = ocr_available()
    if reason:
        sys.exit(f"OCR not available: {reason}")
    print(f"engine loaded in {time.perf_counter() - t:.1f} s ({type(_engine()[0]).__module__})")
    if args.typesetter == "fixture":
        data = build_pdf(style=PdfStyle(max_pages=args.pages, two_column_page=None))
    else:
        from typeset import TypesetStyle, typeset_pdf

        data = typeset_pdf(TypesetStyle(engine=args.typesetter, numbering=args.numbering))
    original = pymupdf.open(stream=data, filetype="pdf")
    original.select(list(range(min(args.pages, len(original)))))
    body = body_size(original)
    scanned = pymupdf.open(stream=scan(original.tobytes(), args.scan_dpi), filetype="pdf")
    assert not any(p.get_text().strip() for p in scanned), "the scan kept a text layer"
    print(f"{len(scanned)} pages by {args.typesetter} scanned at {args.scan_dpi} dpi (pictures only)")
    print("dpi  s/page  body acc (chars)  notes acc (chars)  sizes body / notes (pt, median)"
          "  markers raised / read right")
    for dpi in args.dpi:
        secs, acc = [], {"body": [0.0, 0], "notes": [0.0, 0]}
        sizes: dict[str, list[float]] = {"body": [], "notes": []}
        found = right = total = 0
        for original_page, page in zip(original, scanned):
            t = time.perf_counter()
            lines = ocr_page(page, dpi)
            secs.append(time.perf_counter() - t)
            truth = truth_lines(original_page, body=body)
            for region, (a, n) in score(truth, lines).items():
                if n:
                    acc[region][0] += a * n
                    acc[region][1] += n
            for tl in truth:
                if tl.region in sizes:
                    sizes[tl.region] += [ln.size for ln in lines if not ln.raised
                                         and tl.box[0] <= (ln.x0 + ln.x1) / 2 <= tl.box[2]
                                         and tl.box[1] <= (ln.y0 + ln.y1) / 2 <= tl.box[3]]
            raised = [ln for ln in lines if ln.raised]
            for x, y, text in body_markers(original_page):
                total += 1
                hit = [r for r in raised if r.x0 - 2 <= x <= r.x1 + 2 and r.y0 - 4 <= y <= r.y1 + 4]
                found += bool(hit)
                right += any(r.text == text for r in hit)
        row = [f"{dpi:>3}", f"{statistics.mean(secs):6.1f}"]
        for region in ("body", "notes"):
            a, n = acc[region]
            row.append(f"{a / n:.4f} ({n})" if n else "-")
        row.append(" / ".join(f"{statistics.median(sizes[r]):.1f}" if sizes[r] else "-"
                              for r in ("body", "notes")))
        row.append(f"{found}/{total} / {right}/{total}")
        print("  ".join(row), flush=True)


if __name__ == "__main__":
    main()
