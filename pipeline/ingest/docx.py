""".docx → text in the founding paper's line layout, footnotes included.

python-docx does not read footnotes, and its runs hide where a ``w:footnoteReference`` sits, so
the package is read directly: ``word/document.xml`` for the body (one line per paragraph, Word
headings on their own lines, note calls as ``^①`` at the reference position), then
``word/footnotes.xml`` (and ``endnotes.xml``) for the notes, printed after the body as one page
of ``① text`` lines. Notes are numbered in order of first reference, as Word numbers them:
①…⑳㉑…㊿, then ``^[51]``-style markers, which the body parser also links.

Deleted text of tracked changes and field instructions are left out; inserted text is kept.
The XML parser resolves no entities and fetches nothing (a .docx is untrusted input).
"""
from __future__ import annotations

import io
import zipfile
from typing import Any

from .encoding import IngestError
from .readers import converted_reader, register_reader

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CIRCLED = ("".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(chr(c) for c in range(0x3251, 0x3260))
            + "".join(chr(c) for c in range(0x32B1, 0x32C0)))
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_PART = 200 * 1024 * 1024  # an XML part larger than this is a zip bomb, not a paper


def note_marker(n: int) -> str:
    """The body call for note n: ``^①`` … ``^㊿``, then ``^[51]``."""
    return "^" + (_CIRCLED[n - 1] if n <= len(_CIRCLED) else f"[{n}]")


def note_line_head(n: int) -> str:
    return _CIRCLED[n - 1] if n <= len(_CIRCLED) else f"^[{n}]"


def _parse_xml(zf: zipfile.ZipFile, name: str) -> Any | None:
    from lxml import etree

    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MAX_PART:
        raise IngestError(f"broken .docx: part {name} is implausibly large ({info.file_size} bytes)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        return etree.fromstring(zf.read(name), parser)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError) as e:
        raise IngestError(f"broken .docx: {name} is not readable XML ({e})") from e


def _styles(zf: zipfile.ZipFile) -> dict[str, str]:
    """styleId → lower-case style name (Chinese Word uses ids like "1" named "heading 1")."""
    root = _parse_xml(zf, "word/styles.xml")
    out: dict[str, str] = {}
    if root is None:
        return out
    for st in root.iter(f"{W}style"):
        sid = st.get(f"{W}styleId") or ""
        name = st.find(f"{W}name")
        out[sid] = (name.get(f"{W}val") if name is not None else sid).lower()
    return out


class _Notes:
    """Running numbers of notes in order of first reference."""

    def __init__(self) -> None:
        self.order: list[tuple[str, str]] = []  # (kind, id)
        self.number: dict[tuple[str, str], int] = {}

    def call(self, kind: str, nid: str) -> str:
        key = (kind, nid)
        if key not in self.number:
            self.order.append(key)
            self.number[key] = len(self.order)
        return note_marker(self.number[key])


def _text_of(p: Any, notes: _Notes | None) -> str:
    """A paragraph's visible text in order, note references rendered as markers."""
    out: list[str] = []

    def walk(el: Any) -> None:
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in (f"{W}del", f"{W}instrText", f"{W}delText", f"{W}footnoteRef", f"{W}endnoteRef", f"{W}p"):
                continue  # deleted text, field codes, a note's own number, nested paragraphs
            if tag == f"{W}t":
                out.append(child.text or "")
            elif tag in (f"{W}tab", f"{W}ptab"):
                out.append(" ")
            elif tag in (f"{W}br", f"{W}cr"):
                out.append(" " if child.get(f"{W}type") in (None, "textWrapping") else "")
            elif tag == f"{W}noBreakHyphen":
                out.append("-")
            elif tag == f"{W}sym":
                out.append(_sym(child))
            elif tag == f"{W}footnoteReference" and notes is not None:
                out.append(notes.call("footnote", child.get(f"{W}id") or ""))
            elif tag == f"{W}endnoteReference" and notes is not None:
                out.append(notes.call("endnote", child.get(f"{W}id") or ""))
            else:
                walk(child)

    walk(p)
    return "".join(out)


def _sym(el: Any) -> str:
    try:
        code = int(el.get(f"{W}char") or "", 16)
    except ValueError:
        return ""
    return chr(code - 0xF000) if 0xF000 <= code <= 0xF0FF else chr(code)


def _style_of(p: Any, styles: dict[str, str]) -> str:
    ppr = p.find(f"{W}pPr")
    if ppr is None:
        return ""
    st = ppr.find(f"{W}pStyle")
    return styles.get(st.get(f"{W}val") or "", (st.get(f"{W}val") or "").lower()) if st is not None else ""


def _is_title(style: str) -> bool:
    return style in ("title", "标题") or style.startswith(("heading", "标题"))


def _note_texts(zf: zipfile.ZipFile, part: str, tag: str) -> dict[str, str]:
    root = _parse_xml(zf, part)
    out: dict[str, str] = {}
    if root is None:
        return out
    for note in root.iter(f"{W}{tag}"):
        if note.get(f"{W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paras = [_text_of(p, None).strip() for p in note.iter(f"{W}p")]
        out[note.get(f"{W}id") or ""] = " ".join(x for x in paras if x)
    return out


def docx_to_text(data: bytes) -> tuple[str, list[str]]:
    """Layout text of a .docx and warnings. Raises IngestError for a file that cannot be read."""
    if data.startswith(_OLE_MAGIC):
        raise IngestError("encrypted .docx or legacy .doc (OLE container): save it as a plain .docx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as e:
        raise IngestError(f"broken .docx: not a zip archive ({e})") from e
    with zf:
        doc = _parse_xml(zf, "word/document.xml")
        if doc is None:
            raise IngestError("broken .docx: no word/document.xml (not a Word document)")
        styles = _styles(zf)
        notes = _Notes()
        body = doc.find(f"{W}body")
        lines: list[str] = []
        for p in (body.iter(f"{W}p") if body is not None else []):
            text = _text_of(p, notes).strip()
            if not text:
                continue
            if _is_title(_style_of(p, styles)) and not lines:
                text = text.rstrip()  # the Title style: the header parser takes the first line
            lines.append(text)  # headings stand on their own line like every paragraph
        foot = _note_texts(zf, "word/footnotes.xml", "footnote")
        end = _note_texts(zf, "word/endnotes.xml", "endnote")
    warnings: list[str] = []
    note_lines: list[str] = []
    missing = 0
    for kind, nid in notes.order:
        text = (foot if kind == "footnote" else end).get(nid)
        if text is None:
            missing += 1
            text = ""
        n = notes.number[(kind, nid)]
        note_lines.append(f"{note_line_head(n)} {text}".rstrip())
    if missing:
        warnings.append(f"{missing} note references point to no footnote text in the file")
    uncited = len(foot) + len(end) - (len(notes.order) - missing)
    if uncited > 0:
        warnings.append(f"{uncited} footnotes/endnotes are never referenced in the body: left out")
    if not lines:
        raise IngestError("empty .docx (no text in the body)")
    return "\n\n".join(lines + note_lines) + "\n", warnings


read_docx = converted_reader(docx_to_text, "docx", ".docx")
register_reader(".docx", read_docx)
