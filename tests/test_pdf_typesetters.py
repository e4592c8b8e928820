"""`litmap parse` on the founding paper typeset by software other than the reading library (issue 14).

WeasyPrint (CSS paged media) and Typst set the seed's real text at test time (tests/typeset.py)
in every footnote numbering scheme the issue names; the parse must reach the issue's levels on
each: all 77 notes with their texts, marker links >= 0.95, paragraphs whole >= 0.90, reference
fields of notes 1-38 within 0.02 of the text file's, and a warning stating the numbering scheme
decided on. Before the parse, each PDF is checked to hold what it is meant to test (running head,
a page with no notes, two columns, a note continued on the next page), so a change in an engine
cannot make a case silently easier.

One test per case: the PDF is built and parsed once, and every figure is reported together.
"""
from __future__ import annotations

import os
import re

import pymupdf
import pytest
from pdf_score import norm, parse_json, ref_field_accuracy, reference, score
from typeset import (CONTINUED_NOTE, TypesetStyle, office_available, paper_document, paper_title, tex_available,
                     typeset_pdf, typst_available, weasy_available)

CASES = [
    # WeasyPrint lays out two columns three times slower (6 s against 2 s for the paper), and
    # per-page labels take two layouts: the columns go with the one-layout scheme.
    TypesetStyle(engine="weasy", numbering="page-circled", two_column=False),
    TypesetStyle(engine="weasy", numbering="through-decimal"),  # notes full width under two columns
    # a note continued on the next page; page columns with a note area under each column
    TypesetStyle(numbering="page-circled", **CONTINUED_NOTE),
    TypesetStyle(engine="typst", numbering="through-circled"),
    TypesetStyle(engine="typst", numbering="through-paren", paper="A5", two_column=False),
    # LibreOffice Writer's PDF export, a third typesetter (Writer's own footnotes, per-page
    # restart): only where soffice is installed (scripts/test.sh does not install it)
    TypesetStyle(engine="office", numbering="page-circled", two_column=False),
    # XeLaTeX with ctex, a fourth (its circled labels have no Unicode in the PDF: read by their
    # place on the page), where installed (Debian texlive-xetex, texlive-lang-chinese)
    TypesetStyle(engine="tex", numbering="through-circled", two_column=False),
]
LINKS, PARAGRAPHS, FIELDS_SLACK = 0.95, 0.90, 0.02


def _id(style: TypesetStyle) -> str:
    return f"{style.engine}-{style.numbering}-{style.paper}{'' if style.two_column else '-1col'}"


def _document_problems(data: bytes, style: TypesetStyle) -> list[str]:
    """What the typeset PDF lacks of the layout it is meant to test (empty when all is there)."""
    doc = paper_document()
    pdf = pymupdf.open(stream=data)
    pages = [norm(p.get_text()) for p in pdf]
    problems = []
    title = norm(paper_title(doc))
    if style.running_head and not all(title in t for t in pages[1:]):
        problems.append("the running head (the title) is missing from some page after the first")
    starts = [norm(n)[:14] for n in doc.notes]
    if style.note_free_page and not any(not any(s in t for s in starts) for t in pages):
        problems.append("no page without notes")
    if style.two_column:
        def right_lines(page) -> int:
            mid = page.rect.width / 2
            return sum(1 for b in page.get_text("dict")["blocks"] for ln in b.get("lines", [])
                       if ln["bbox"][0] > mid and ln["bbox"][2] - ln["bbox"][0] > page.rect.width * 0.25)
        if not any(right_lines(p) >= 10 for p in pdf):
            problems.append("no page set in two columns")
    if style.engine == CONTINUED_NOTE["engine"] and style.paper == CONTINUED_NOTE["paper"]:
        def page_of(piece: str) -> int:
            return next((i for i, t in enumerate(pages) if piece in t), -1)
        long_notes = [norm(n) for n in doc.notes if len(norm(n)) > 60]
        if not any(page_of(n[:14]) + 1 == page_of(n[-14:]) for n in long_notes):
            problems.append("no note continued on the next page")
    return problems


@pytest.mark.shared
@pytest.mark.parametrize("style", CASES, ids=_id)
def test_typeset_paper_reads_as_the_text_file(style: TypesetStyle, tmp_path):
    optional = {"office": office_available, "tex": tex_available}.get(style.engine)
    if optional is not None and optional():
        pytest.skip(optional())
    missing = {"weasy": weasy_available, "typst": typst_available}.get(style.engine, lambda: None)()
    if missing:
        if os.environ.get("CI"):  # CI installs both (scripts/test.sh): a missing engine is a failure there
            pytest.fail(f"{missing} (scripts/test.sh installs it)")
        pytest.skip(missing)
    data = typeset_pdf(style)
    problems = _document_problems(data, style)
    assert not problems, f"the test PDF is not what it should be: {problems}"
    path = tmp_path / f"{_id(style)}.pdf"
    path.write_bytes(data)
    out = parse_json(path)
    ref = reference()
    s = score(out, ref)
    text_fields = ref_field_accuracy(ref)
    failures = []
    if not s.notes_all_right:
        failures.append(f"footnotes {s.footnotes} found, {s.footnotes_right} right, of {s.footnotes_total}")
    if s.markers_linked < LINKS:
        failures.append(f"markers linked {s.markers_linked:.3f} < {LINKS}")
    if s.paragraphs_whole < PARAGRAPHS:
        failures.append(f"paragraphs whole {s.paragraphs_whole:.3f} < {PARAGRAPHS}")
    low = {k: (round(v, 3), round(text_fields[k], 3)) for k, v in s.ref_fields.items()
           if v < text_fields[k] - FIELDS_SLACK}
    if low:
        failures.append(f"reference fields below the text file's (pdf, text): {low}")
    scheme = "per page" if style.per_page else "straight through"
    if not (s.numbering and re.search(scheme, s.numbering, re.I)):
        failures.append(f"no warning stating the numbering '{scheme}' (numbering warning: {s.numbering!r})")
    assert not failures, f"{_id(style)}: " + "; ".join(failures)
