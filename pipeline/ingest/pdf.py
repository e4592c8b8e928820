"""PDF → a paper's text with its layout, for any typesetter (PyMuPDF's text layer, or OCR).

The page decides what the text cannot: which lines are running heads and page numbers (they
repeat in the page's top or bottom band), which are notes (the smaller lines at the page's foot,
each starting with its label), which raised glyphs in the body call which note (per-page or
straight-through numbering, decided from the notes), where a paragraph ends (indent, short line,
gap or change of type, across page and column breaks) and which blocks are set as headings.

The text handed on is one block per line: paragraphs whole, with their note calls as ``^[n]``
(n the note's running number), and after the last paragraph that touches a page, that page's
notes as ``label text``. ``RawDoc.layout`` says for each line what it is (paragraph or note, its
page, its type relative to the body, a note's number and label), so the structure parser need not
guess. Every failure of the file itself is an :class:`IngestError` with the reason.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..records import LayoutLine, RawDoc
from ..settings.fill import filled
from .encoding import IngestError
from .pdf_geometry import Line, Page, page_lines
from .pdf_margins import body_font, body_size, order_columns, short_rules, split_margins
from .pdf_notes import Call, Note, calls_in, decide_scheme, link_calls, read_notes
from .pdf_text import Block, drop_autospace, paragraphs
from .readers import doc_id_for, finish_text, register_reader

_JOURNAL_LINE = re.compile(r"^\s*\S.{1,40}?[\s\u3000]*(?:19|20)\d{2}\s*年\s*(?:第?\s*\d+\s*卷\s*)?第?\s*\d{1,3}\s*期")
_FUNDING = re.compile(r"基金|项目|资助|课题|成果|本文系|本文为|[Ff]und|[Gg]rant")
_SCHEME_WORDS = {"per-page": "per page (labels restart on every page)",
                 "straight": "straight through the paper",
                 "single-page": "all notes on one page"}


@dataclass
class PdfText:
    text: str
    layout: list[LayoutLine | None]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------- opening
def _open(data: bytes) -> Any:
    import pymupdf

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise IngestError("not a PDF (no %PDF- header)")
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise IngestError("truncated PDF: the file ends before its end-of-file marker (%%EOF)")
    pymupdf.TOOLS.mupdf_display_errors(False)  # reasons go into the IngestError, not to stderr
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as e:
        raise IngestError(f"broken PDF: cannot be opened ({e})") from e
    if doc.needs_pass and not doc.authenticate(""):
        raise IngestError("encrypted PDF: a password is needed to read it")
    if doc.page_count == 0:
        raise IngestError("broken PDF: no pages")
    return doc



def _read_pages(doc: Any, cfg: dict[str, Any], warnings: list[str]) -> tuple[list[Page], str | None]:
    """The pages' lines, scans read by OCR; and why OCR did not run where it was needed (or None)."""
    min_chars = int(cfg["min_chars_per_page"])
    pages: list[Page] = []
    empty: list[int] = []
    for i, pg in enumerate(doc):
        page = Page(i, float(pg.rect.width), float(pg.rect.height), page_lines(pg, i), rules=short_rules(pg))
        if sum(len(ln.text.strip()) for ln in page.lines) < min_chars:
            empty.append(i)
        pages.append(page)
    no_ocr = None
    if empty:
        from . import ocr_pages

        no_ocr = ocr_pages.recognise(doc, pages, empty, cfg, warnings)
    return pages, no_ocr


def _note_styles(notes: list[Note]) -> str:
    styles = sorted({n.style for n in notes if n.value is not None})
    return "/".join(styles) or "none"


def _calls(pages: list[Page], notes: list[Note], scheme: str) -> tuple[dict[int, list[tuple[int, int, list[Call]]]], list[Call]]:
    """The note calls of every body line, linked to their notes."""
    page_labels: dict[int, set[int]] = {}
    for note in notes:
        if note.value is not None:
            page_labels.setdefault(note.page, set()).add(note.value)
    known = {v for vs in page_labels.values() for v in vs}
    per_line: dict[int, list[tuple[int, int, list[Call]]]] = {}
    calls: list[Call] = []
    unread: dict[int, int] = {}
    for page in pages:
        labels = page_labels.get(page.index, set()) if scheme == "per-page" else known
        for ln in page.body:  # in reading order: labels grow along it
            found = calls_in(ln, labels, known)
            if found:
                entry = []
                for span_i, k, pairs in found:
                    group = [Call(page.index, label, value) for label, value in pairs]
                    for c in group:
                        if c.label == "?":  # an unreadable label: numbered by its place on the page
                            unread[page.index] = unread.get(page.index, 0) + 1
                            c.value = unread[page.index]
                    calls += group
                    entry.append((span_i, k, group))
                per_line[id(ln)] = entry
    return per_line, calls


def _render(ln: Line, entry: list[tuple[int, int, list[Call]]]) -> str:
    """The line's text with its linked calls as ``^[n]`` and its unlinked calls dropped."""
    spans = [s.text for s in ln.spans]
    for span_i, k, group in sorted(entry, key=lambda e: (e[0], e[1]), reverse=True):
        mark = "".join(f"^[{c.note.n}]" for c in group if c.note is not None)
        if k < 0:
            text = spans[span_i]
            spans[span_i] = mark if not text[:1].isspace() else " " + mark
        else:
            text = spans[span_i]
            spans[span_i] = text[:k] + mark + text[k + 1:]
    return ln.joined(spans)


def _journal(pages: list[Page]) -> str | None:
    if not pages:
        return None
    first = sorted(pages[0].margin + pages[0].lines, key=lambda x: x.y0)
    return next((ln.text.strip() for ln in first if ln.y0 < pages[0].height * 0.2 and _JOURNAL_LINE.match(ln.text)), None)


def _emit(blocks: list[Block], notes: list[Note], size: float, font: str, journal: str | None) -> tuple[list[str], list[LayoutLine | None]]:
    text: list[str] = []
    layout: list[LayoutLine | None] = []

    def put(line: str, info: LayoutLine | None) -> None:
        if text:
            text.append("")
            layout.append(None)
        text.append(drop_autospace(line.replace("\n", " ")))
        layout.append(info)

    if journal and not any(b.text.strip() == journal for b in blocks[:3]):
        put(journal, LayoutLine("plain-note", 1))
    by_page: dict[int, list[Note]] = {}
    for note in notes:
        by_page.setdefault(note.page, []).append(note)
    pending = deque(sorted(by_page))
    for i, b in enumerate(blocks):
        if b.text.strip() == journal:
            put(b.text, LayoutLine("plain-note", b.page + 1))
        else:
            put(b.text, LayoutLine("para", b.page + 1, round(b.size / size, 3), b.bold, bool(font) and b.font != font,
                                   b.lines, b.centered))
        upto = blocks[i + 1].page - 1 if i + 1 < len(blocks) else 10**9
        while pending and pending[0] <= upto:
            for note in by_page[pending.popleft()]:
                _put_note(put, note)
    for p in pending:
        for note in by_page[p]:
            _put_note(put, note)
    return text, layout


def _put_note(put: Any, note: Note) -> None:
    line = f"{note.label} {note.text}".strip() if note.label else note.text
    if note.n:
        put(line, LayoutLine("note", note.page + 1, n=note.n, label=note.label))
    else:
        put(line, LayoutLine("plain-note", note.page + 1, label=note.label))


def pdf_read(data: bytes, cfg: dict[str, Any] | None = None) -> PdfText:
    """The text of a PDF with its layout, and warnings. Raises IngestError for a file that cannot be read.

    cfg (``ingest.pdf``; what it leaves out from ``settings.model.Pdf``): ``header_band`` and
    ``footer_band``, page-height shares where running lines are looked for; ``min_chars_per_page``,
    below which a page has no text layer; ``ocr`` and ``ocr_dpi``.
    """
    cfg = filled(cfg, "ingest", "pdf")
    doc = _open(data)
    warnings: list[str] = []
    if doc.is_encrypted:
        warnings.append("PDF is encrypted without a user password: read")
    try:
        pages, no_ocr = _read_pages(doc, cfg, warnings)
    except IngestError:
        raise
    except Exception as e:
        raise IngestError(f"broken PDF: a page cannot be read ({e.__class__.__name__}: {e})") from e
    finally:
        doc.close()
    total = sum(len(ln.text) for p in pages for ln in p.lines)
    if total < int(cfg["min_chars_per_page"]):
        if no_ocr is not None:
            raise IngestError(f"no text layer: run OCR first ({no_ocr})")
        raise IngestError(f"no text layer, and OCR found no text on its {len(pages)} page(s)")
    bad = sum(ln.text.count("\ufffd") for p in pages for ln in p.lines)
    if bad > total * 0.2:
        raise IngestError("no usable text layer (fonts without a Unicode mapping): run OCR first")

    split_margins(pages, float(cfg["header_band"]), float(cfg["footer_band"]))
    journal = _journal(pages)
    size = body_size(pages)
    notes = read_notes(pages, size)
    scheme = decide_scheme(notes)
    numbered = [n for n in notes if n.value is not None]
    values = [n.value or 0 for n in numbered]
    if scheme == "straight" and all(a < b for a, b in zip(values, values[1:])):
        # numbered through the paper: n is the printed number, so a note the PDF lost leaves a
        # gap and its call stays unlinked instead of every later call shifting by one
        for note in numbered:
            note.n = (note.value or 0) - values[0] + 1
    else:
        for i, note in enumerate(numbered, 1):
            note.n = i
    for note in notes:  # a symbol note on page 1 is the funding or author note, not a numbered one
        if note.value is None and note.style == "symbol" and not _FUNDING.search(note.text):
            note.style = "plain"
    for page in pages:  # reading order, once: calls are numbered and paragraphs built along it
        page.body = order_columns(page.body)
    per_line, calls = _calls(pages, notes, scheme)
    warnings += link_calls(calls, notes, scheme)
    if numbered:
        warnings.append(f"footnote numbering: {_SCHEME_WORDS.get(scheme, scheme)}, {_note_styles(numbered)} labels; "
                        f"{len(numbered)} notes on {len({n.page for n in numbered})} pages")
        cited = {c.note.n for c in calls if c.note is not None}
        uncited = [n.n for n in numbered if n.n not in cited]
        if uncited:
            warnings.append(f"{len(uncited)} footnotes are not called in the body: n={uncited[:10]}")
    lines: list[Line] = []
    texts: dict[int, str] = {}
    for page in pages:
        for ln in page.body:
            lines.append(ln)
            if id(ln) in per_line:
                texts[id(ln)] = _render(ln, per_line[id(ln)])
    blocks = paragraphs(lines, texts, size)
    out, layout = _emit(blocks, notes, size, body_font(pages, size), journal)
    return PdfText("\n".join(out) + "\n", layout, warnings)


def pdf_to_text(data: bytes, cfg: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """The layout text of a PDF and warnings (see :func:`pdf_read`)."""
    got = pdf_read(data, cfg)
    return got.text, got.warnings


def read_pdf(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    try:
        got = pdf_read(data, ((cfg or {}).get("pdf") or {}))
    except IngestError:
        raise
    except Exception as e:  # a reader bug or a damaged file never stops a batch
        raise IngestError(f"broken PDF: {e.__class__.__name__}: {e}") from e
    warnings = list(got.warnings)
    text, script = finish_text(got.text, warnings)
    return [RawDoc(doc_id_for(data), source, text, "pdf", script, warnings, {}, "pdf", got.layout)]


register_reader(".pdf", read_pdf)
