"""OCR of a scanned page (no text layer) through pipeline.ingest.ocr, on the founding paper's text.

One page of the seed typeset as a journal (10.5pt body with raised circled note calls, 9pt notes
under a rule) is cut to two bands, three body lines holding two note calls and five lines of notes,
and each band is kept only as a picture: a small scan, so the test reads eight lines (a whole page
takes 10-20 s, bench/ocr.py). The
reading must match the original text layer (1 - CER; the bench measures 0.98-0.99 on whole pages),
the sizes must tell the body from the notes, and the note calls must come out as raised pieces.
"""
from __future__ import annotations

import pytest

from fixtures_docs import CIRCLED, PdfStyle, build_pdf
from ocr_score import scan, score, truth_lines
from pipeline.ingest.ocr import ocr_available, ocr_page

pymupdf = pytest.importorskip("pymupdf")

# Page 2 of the seed set by tests/fixtures_docs.py: y 292-350 is three body lines with the calls
# ⑥ ⑦; y 614-685 the notes ③ and ④ under the rule (nothing cut at either edge).
BANDS = {"body": (292, 350), "notes": (614, 685)}


def read_bands():
    reason = ocr_available()
    if reason:
        pytest.skip(f"OCR engine not available: {reason}")
    data = build_pdf(style=PdfStyle(max_pages=2, two_column_page=None))
    out = {}
    for region, (y0, y1) in BANDS.items():
        original = pymupdf.open(stream=data, filetype="pdf")
        page = original[1]
        page.set_cropbox(pymupdf.Rect(0, y0, page.rect.width, y1))
        truth = truth_lines(page, region)
        scanned = pymupdf.open(stream=scan(original.tobytes(), dpi=200, pages=2), filetype="pdf")[1]
        assert not scanned.get_text().strip()  # a picture only
        out[region] = (truth, ocr_page(scanned, 200))
    return out


def test_scanned_page_is_read_with_sizes_and_raised_note_calls() -> None:
    """One test (the two test processes would each OCR the bands for two)."""
    bands = read_bands()
    # Read right, body and notes.
    for region, (truth, lines) in bands.items():
        accuracy, chars = score(truth, lines)[region]
        assert chars > 100
        assert accuracy > 0.95, (region, accuracy, [ln.text for ln in lines])
    body = [ln.size for ln in bands["body"][1] if not ln.raised]
    small = [ln.size for ln in bands["notes"][1] if not ln.raised]
    assert len(body) >= 3 and len(small) >= 4
    assert min(body) > max(small), (sorted(body), sorted(small))  # 10.5pt body, 9pt notes
    assert all(8.5 < s < 11.5 for s in body + small)
    # The note calls: raised pieces of their line.
    lines = bands["body"][1]
    raised = [ln for ln in lines if ln.raised]
    # ⑥ ⑦ are set at 0.6 of the body size, 0.4 em up: each is a piece of a body line, between
    # text pieces of the same line.
    assert len(raised) == 2, [ln.text for ln in raised]
    for r in raised:
        assert r.text in CIRCLED
        row = [ln for ln in lines if ln.line == r.line and not ln.raised]
        assert row and r.size < 0.8 * min(ln.size for ln in row)
        assert r.y1 < max(ln.y1 for ln in row) - 2  # its foot well above the line's
    assert [r.text for r in raised] == ["⑥", "⑦"]  # read again alone: the line's reading gave ① for ⑦
    # The notes band starts each note with its circled number on the line, not raised.
    notes = bands["notes"][1]
    assert not any(ln.raised for ln in notes)
    assert [ln.text[0] for ln in notes if ln.text[0] in CIRCLED] == list("③④")
