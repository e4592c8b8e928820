"""How well `litmap parse` reads the founding paper typeset by other software (issue 14).

For each engine (WeasyPrint, Typst) and footnote numbering scheme, plus an A5 and a one-column
variant, the paper is typeset (tests/typeset.py), read with `litmap parse FILE --json` in a
subprocess, and scored (tests/pdf_score.py): footnotes found and right (of 77), marker links,
paragraphs whole, headings found, reference fields of notes 1-38 (mean over authors, title,
container, year, issue, type; the text file's own level is printed first), the numbering the
paper's warnings state, and seconds to typeset and to parse.

Targets (issue 14): 77/77 notes right, links >= 0.95, paragraphs whole >= 0.90, reference
fields no more than 0.02 below the text file's.

Run: python bench/pdf_typesetters.py [--quick]   (--quick: one case per engine)
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

CASES = [
    dict(engine="weasy", numbering="page-circled"),
    dict(engine="weasy", numbering="through-circled"),
    dict(engine="weasy", numbering="through-decimal"),
    dict(engine="weasy", numbering="through-bracket"),
    dict(engine="weasy", numbering="through-paren"),
    dict(engine="weasy", numbering="page-circled", paper="A5", two_column=False),
    dict(engine="typst", numbering="page-circled"),
    dict(engine="typst", numbering="through-circled"),
    dict(engine="typst", numbering="through-decimal"),
    dict(engine="typst", numbering="through-bracket"),
    dict(engine="typst", numbering="through-paren"),
    dict(engine="typst", numbering="page-circled", paper="B5"),  # a note continued on the next page
    dict(engine="typst", numbering="through-decimal", paper="A5", two_column=False),
    dict(engine="office", numbering="page-circled", two_column=False),  # LibreOffice, when installed
    dict(engine="office", numbering="through-decimal", two_column=False),
    dict(engine="office", numbering="through-paren", paper="A5", two_column=False),
    dict(engine="tex", numbering="page-circled", two_column=False),  # XeLaTeX + ctex, when installed
    dict(engine="tex", numbering="through-circled", two_column=False),
    dict(engine="tex", numbering="through-decimal", two_column=False),
    dict(engine="tex", numbering="through-paren", paper="A5", two_column=False),
]
QUICK = [CASES[0], CASES[6]]


def _label(case: dict) -> str:
    extra = [case.get("paper", "A4")] + (["1col"] if case.get("two_column") is False else [])
    return f"{case['engine']:5} {case['numbering']:16} {' '.join(extra):8}"


def main(quick: bool = False) -> None:
    from pdf_score import parse_json, ref_field_accuracy, reference, score
    from typeset import TypesetStyle, office_available, tex_available, typeset_pdf, weasy_available

    ref = reference()
    text_fields = ref_field_accuracy(ref)
    text_mean = sum(text_fields.values()) / len(text_fields)
    print(f"text file: {len(ref['footnotes'])} notes, {len(ref['citations'])} citations, "
          f"reference fields {text_mean:.3f} ({', '.join(f'{k} {v:.2f}' for k, v in text_fields.items())})")
    print(f"{'case':32} pages notes right links paras heads fields  type s  parse s  numbering")
    no_weasy = weasy_available()
    with tempfile.TemporaryDirectory() as tmp:
        for case in QUICK if quick else CASES:
            if case["engine"] == "weasy" and no_weasy:
                print(f"{_label(case)}  skipped: {no_weasy}")
                continue
            optional = {"office": office_available, "tex": tex_available}.get(case["engine"])
            if optional is not None and optional():
                print(f"{_label(case)}  skipped: {optional()}")
                continue
            style = TypesetStyle(**case)
            t = time.perf_counter()
            data = typeset_pdf(style)
            t_type = time.perf_counter() - t
            path = Path(tmp) / f"{case['engine']}_{case['numbering']}.pdf"
            path.write_bytes(data)
            import pymupdf

            pages = len(pymupdf.open(stream=data))
            t = time.perf_counter()
            try:
                out = parse_json(path)
            except RuntimeError as exc:
                print(f"{_label(case)} {pages:5}  parse failed: {exc}")
                continue
            t_parse = time.perf_counter() - t
            s = score(out, ref)
            fields = sum(s.ref_fields.values()) / len(s.ref_fields)
            print(f"{_label(case)} {pages:5} {s.footnotes:5} {s.footnotes_right:5} {s.markers_linked:5.2f} "
                  f"{s.paragraphs_whole:5.2f} {s.headings_found:5.2f} {fields:6.3f} {t_type:6.1f} "
                  f"{t_parse:7.1f}  {s.numbering or '-'}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
