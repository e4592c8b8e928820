""".docx ingestion: a Word file built at test time from the seed's real text, with real footnotes
(footnotes.xml and w:footnoteReference runs) and Word heading styles."""
from __future__ import annotations

import io
import zipfile

import pytest
from fixtures_docs import SEED, build_docx

from pipeline.ingest.docx import docx_to_text, read_docx
from pipeline.ingest.encoding import IngestError
from pipeline.ingest.readers import read_path
from pipeline.structure.paper import build_paper


@pytest.fixture(scope="module")
def seed():
    return build_paper(read_path(SEED)[0])


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    data = build_docx()
    path = tmp_path_factory.mktemp("docx") / "paper.docx"
    path.write_bytes(data)
    raw = read_docx(path, data, str(path))[0]
    return raw, build_paper(raw)


def test_header_and_sections(parsed, seed):
    raw, paper = parsed
    assert raw.kind == "docx" and raw.script == "simplified"
    assert paper.meta.title == seed.meta.title
    assert paper.meta.authors == seed.meta.authors
    assert paper.meta.keywords == seed.meta.keywords
    assert [(s.heading, s.level) for s in paper.sections] == [(s.heading, s.level) for s in seed.sections]
    assert [p.text for p in paper.paragraphs()] == [p.text for p in seed.paragraphs()]


def test_footnotes_and_markers_linked(parsed, seed):
    raw, paper = parsed
    assert len(paper.footnotes) == 77
    assert [f.text for f in paper.footnotes] == [f.text for f in seed.footnotes]
    assert [(c.n, c.sentence) for c in paper.citations] == [(c.n, c.sentence) for c in seed.citations]
    # Past ⑳ the circled run goes on (㉑…㊿), past 50 the [n] style takes over.
    assert "^㉑" in raw.text and "\n㉑ " in raw.text and "^[51]" in raw.text and "\n^[77] " in raw.text
    assert not paper.warnings


def test_unreferenced_and_missing_notes_warn():
    data = build_docx(max_notes=10)  # the body calls only notes 1-10; footnotes.xml holds those
    text, warnings = docx_to_text(data)
    assert text.count("^") == 10 and not warnings
    # Drop footnotes.xml: the references now point nowhere and say so.
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != "word/footnotes.xml":
                dst.writestr(item, src.read(item.filename))
    _, warnings = docx_to_text(out.getvalue())
    assert any("point to no footnote" in w for w in warnings)


@pytest.mark.parametrize("data, reason", [
    (b"not a zip at all", "not a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "encrypted .docx or legacy .doc"),
])
def test_broken_files(data, reason, tmp_path):
    with pytest.raises(IngestError, match=reason):
        read_docx(tmp_path / "x.docx", data, "x.docx")


def test_zip_without_document(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match="no word/document.xml"):
        read_docx(tmp_path / "x.docx", buf.getvalue(), "x.docx")
    data = build_docx(max_notes=0)
    truncated = data[: len(data) // 2]
    with pytest.raises(IngestError, match="broken .docx"):
        read_docx(tmp_path / "y.docx", truncated, "y.docx")
