"""PDF ingestion on journal-like PDFs typeset at test time from the founding paper's real text.

The PDF read back through the reader and the structure parsers must give what the seed's text
gives: title and header, 77 footnotes with their text, every marker linked to the same note in
the same sentence, and no running header or page number inside the paragraphs.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures_docs import SEED, PdfStyle, build_pdf, encrypted_pdf, image_only_pdf

from pipeline.ingest.encoding import IngestError
from pipeline.ingest.pdf import pdf_to_text, read_pdf
from pipeline.ingest.readers import read_path
from pipeline.structure.paper import build_paper

_END = "。！？!?…”’）)》"


def norm(s: str) -> str:
    """Compare text without whitespace and hyphens (line-break artefacts) and without ä, which the
    PDF's built-in CJK font cannot print."""
    return re.sub(r"[\s\-]", "", s).replace("ä", "")


@pytest.fixture(scope="module")
def seed():
    return build_paper(read_path(SEED)[0])


def _parse(data: bytes, tmp: Path):
    path = tmp / "paper.pdf"
    path.write_bytes(data)
    raw = read_pdf(path, data, str(path))[0]
    return raw, build_paper(raw)


@pytest.fixture(scope="module")
def circled(tmp_path_factory):
    return _parse(build_pdf(style=PdfStyle(two_column_page=3)), tmp_path_factory.mktemp("pdf"))


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return _parse(build_pdf(style=PdfStyle(marker_style="digits", two_column_page=5)),
                  tmp_path_factory.mktemp("pdfd"))


@pytest.mark.parametrize("which", ["circled", "digits"])
def test_header_metadata(which, request, seed):
    raw, paper = request.getfixturevalue(which)
    assert raw.kind == "pdf" and raw.script == "simplified"
    assert paper.meta.title == seed.meta.title
    assert paper.meta.authors == seed.meta.authors
    assert paper.meta.keywords == seed.meta.keywords
    assert paper.meta.abstract == seed.meta.abstract
    assert paper.meta.funding and norm(paper.meta.funding) == norm(seed.meta.funding)
    # The running header printed the journal and issue: kept once, as the CNKI layout has it.
    assert (paper.meta.journal, paper.meta.year, paper.meta.issue) == ("马克思主义与现实", 2025, "3")


@pytest.fixture(scope="module")
def no_rule(tmp_path_factory):
    return _parse(build_pdf(style=PdfStyle(rule=False, two_column_page=None)), tmp_path_factory.mktemp("pdfn"))


@pytest.mark.parametrize("which", ["circled", "digits", "no_rule"])
def test_footnotes_and_links(which, request, seed):
    _, paper = request.getfixturevalue(which)
    assert len(paper.footnotes) == len(seed.footnotes) == 77
    assert [norm(f.text) for f in paper.footnotes] == [norm(f.text) for f in seed.footnotes]
    got = [(c.n, norm(c.sentence)) for c in paper.citations]
    want = [(c.n, norm(c.sentence)) for c in seed.citations]
    assert got == want
    assert not [w for w in paper.warnings if "could not be linked" in w or "not cited" in w]


def test_no_running_headers_or_page_numbers(circled):
    raw, paper = circled
    paras = [p.text for p in paper.paragraphs()]
    assert not [p for p in paras if "马克思主义与现实" in p or "2025年第3期" in p]
    assert not [p for p in paras if re.fullmatch(r"[\s·\d]+", p)]
    assert not re.search(r"^\s*·?\s*\d{1,3}\s*·?\s*$", raw.text, re.MULTILINE)
    # The journal line appears once, first, as header metadata.
    assert raw.text.count("马克思主义与现实") == 1 + sum(
        f.text.count("马克思主义与现实") for f in paper.footnotes)


def test_paragraphs_whole_across_page_breaks(circled, seed):
    _, paper = circled
    paras = paper.paragraphs()
    # Same text in the same order.
    assert norm("".join(p.text for p in paras)) == norm("".join(p.text for p in seed.paragraphs()))
    # No paragraph is a piece cut mid-sentence by a page break or a column break.
    cut = [p.text[-20:] for p in paras if not p.text.rstrip().endswith(tuple(_END))
           and not p.text.startswith("(") and not p.text.startswith("[")]
    assert cut == []
    seed_set = {norm(p.text) for p in seed.paragraphs()}
    whole = sum(1 for p in paras if norm(p.text) in seed_set)
    # A page break right after a full stop cannot be told from a paragraph end in the text layout.
    assert whole >= len(seed.paragraphs()) - 3
    assert [(s.heading, s.level) for s in paper.sections] == [(s.heading, s.level) for s in seed.sections]


def test_two_column_page_read_column_by_column(circled, seed):
    raw, paper = circled
    # Page 3 is set in two columns: its paragraphs, and the heading that wraps from the foot of
    # the left column to the top of the right one, come back whole and in order.
    got = [norm(p.text) for p in paper.paragraphs()]
    for start in ("资本不仅是财富的积累体", "资本增殖是资本主义发展的内在动力"):
        want = norm(next(p.text for p in seed.paragraphs() if p.text.startswith(start[:8])))
        assert want in got
    assert "\n（二）命题的拓展：数字化生产下资本要素的增殖逻辑\n" in raw.text


def test_no_text_layer_without_ocr():
    with pytest.raises(IngestError, match=r"no text layer: run OCR first \(OCR is off \(ingest.pdf.ocr: false\)\)"):
        pdf_to_text(image_only_pdf(), {"ocr": False})


def test_scanned_page_read_by_ocr_through_the_reader(tmp_path):
    """A scan of page 2 of the journal PDF, from three body lines with the calls ⑥ ⑦ down to the
    notes under the rule, read by ``read_pdf`` as any PDF: the OCR lines go through the same layout
    rules, so the notes at the foot come out as notes with their labels and the body as a paragraph."""
    from ocr_score import scan

    from pipeline.ingest.ocr import ocr_available

    if ocr_available():
        pytest.skip(f"OCR engine not available: {ocr_available()}")
    import pymupdf

    original = pymupdf.open(stream=build_pdf(style=PdfStyle(max_pages=2, two_column_page=None)), filetype="pdf")
    original[1].set_cropbox(pymupdf.Rect(0, 292, original[1].rect.width, 685))
    data = scan(original.tobytes(), dpi=200, pages=2)
    pdf = pymupdf.open(stream=data, filetype="pdf")
    pdf.delete_page(0)
    raw = read_pdf(tmp_path / "scan.pdf", pdf.tobytes(), "scan.pdf")[0]
    assert any("read by OCR" in w for w in raw.warnings)
    notes = [(x.label, t) for x, t in zip(raw.layout, raw.text.split("\n")) if x is not None and x.kind == "note"]
    assert [label for label, _ in notes][:2] == ["③", "④"], notes
    # the raised calls ⑥ ⑦ were read as calls; their notes are not on this scrap, so they are
    # reported, not linked to ③ or ④
    lost = next(w for w in raw.warnings if "left unlinked" in w)
    assert "⑥" in lost and "⑦" in lost and "^[" not in raw.text


def test_encrypted():
    with pytest.raises(IngestError, match="^encrypted PDF"):
        pdf_to_text(encrypted_pdf())


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated(cut):
    data = build_pdf(style=PdfStyle(max_pages=2))
    with pytest.raises(IngestError, match="truncated PDF"):
        pdf_to_text(data[: int(len(data) * cut)])


@pytest.mark.parametrize("data, reason", [
    (b"", "not a PDF"), (b"hello world", "not a PDF"),
    (b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "broken PDF"),
])
def test_broken_files_give_a_reason(data, reason, tmp_path):
    with pytest.raises(IngestError, match=reason):
        read_pdf(tmp_path / "x.pdf", data, "x.pdf")


def test_short_pdf_reads_stable(tmp_path):
    data = build_pdf(style=PdfStyle(max_pages=3, two_column_page=None))  # its speed: bench/parse.py
    a = read_pdf(tmp_path / "a.pdf", data, "a.pdf")[0]
    b = read_pdf(tmp_path / "a.pdf", data, "a.pdf")[0]
    assert a.text == b.text and a.doc_id == b.doc_id
    assert a.layout == b.layout
    # calls carry their note's running number; notes keep the label printed on their page
    assert "^[1]" in a.text and "\n① " in a.text
    notes = [x for x in a.layout if x is not None and x.kind == "note"]
    assert [x.n for x in notes] == list(range(1, len(notes) + 1)) and notes[0].label == "①"
