"""The body's blocks as the line walk builds them (``body.py`` decides what each line is): notes
collected per page, paragraphs joined across cuts, note calls kept as sentinel characters that
remember their marker; then the blocks made into sections of paragraphs of sentences, each
sentence with the footnotes it calls and where.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..records import Citation, Footnote, Paragraph, Section, Sentence
from .footnotes import FootPage, Marker, find_markers
from .sentences import TRAILERS, split_sentences

# A paragraph ends with these (after closers and markers); anything else is cut by a page break.
_END_ACROSS_PAGE = set("。！？!?…")
_END_ADJACENT = _END_ACROSS_PAGE | set("：:；;")
_SENTINEL_BASE = 0xF0000
_SENTINELS = re.compile(f"[{chr(_SENTINEL_BASE)}-{chr(0x10FFFF)}]")  # a marker's stand-in: ord >= base


@dataclass
class BodyResult:
    sections: list[Section] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    funding: str | None = None
    bio_line: str | None = None
    editor_line: str | None = None
    warnings: list[str] = field(default_factory=list)
    trailing: list[str] = field(default_factory=list)  # lines after the closing lines, not body


def _ends_paragraph(text: str, ends: set[str]) -> bool:
    i = len(text.rstrip())
    while i > 0 and (_is_sentinel(text[i - 1]) or text[i - 1] in TRAILERS or text[i - 1].isspace()):
        i -= 1
    if i > 1 and text[i - 1] == "." and _is_han(text[i - 2]):
        return True  # half-width full stop after a Han character (badly typeset text)
    return i > 0 and text[i - 1] in ends


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def _is_sentinel(ch: str) -> bool:
    return ord(ch) >= _SENTINEL_BASE


def _join(a: str, b: str) -> str:
    """Glue a cut line to its continuation: no space in Chinese, one between Latin words."""
    a = a.rstrip()
    b = b.lstrip()
    if a.endswith("-") and len(a) > 1 and a[-2].isascii() and a[-2].isalpha() and b[:1].isascii():
        return a[:-1] + b
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b  # digits cut mid-number (20|25年) join without a space
    return a + b


@dataclass
class _Para:
    text: str
    after_page_break: bool = False  # a footnote block sits after its last line


class _Builder:
    """Walks the lines once: collects notes per page, body paragraphs with sentinels, closers."""

    def __init__(self, max_heading: int, numeric_bare: bool, min_cut_len: int = 20) -> None:
        self.max_heading = max_heading
        self.min_cut_len = min_cut_len
        self.numeric_bare = numeric_bare
        self.pages: list[FootPage] = []
        self.footnotes: list[Footnote] = []
        self.markers: list[Marker] = []
        self.blocks: list[tuple[str | None, int, list[_Para]]] = [(None, 0, [])]
        self.funding: str | None = None
        self.bio: str | None = None
        self.editor: str | None = None
        self.trailing: list[str] = []
        self.in_block = False  # the last non-blank line belonged to a footnote block
        self.last_number: int | None = None  # number of the last note of the current page
        self.closed = False
        self.page_open = False
        self.last_was_note = False

    # -- notes -------------------------------------------------------------------------
    def add_note(self, number: int, printed: str, text: str) -> None:
        # A new page of notes starts with a new block, or where numbering restarts inside one
        # (two pages' notes printed back to back).
        if not self.in_block or not self.page_open or (self.last_number is not None and number <= self.last_number):
            self.pages.append(FootPage())
            self.page_open = True
        n = len(self.footnotes) + 1
        self.pages[-1].notes.setdefault(number, n)
        self.footnotes.append(Footnote(n=n, marker=printed, text=text, page=len(self.pages)))
        self.last_number = number
        self._mark_block()
        self.last_was_note = True

    def _mark_block(self) -> None:
        if not self.in_block:
            paras = self.blocks[-1][2]
            if paras:
                paras[-1].after_page_break = True
        self.in_block = True

    def add_funding(self, text: str) -> None:
        self.funding = text
        if not self.in_block:
            self._leave_block()
        self._mark_block()
        self.last_was_note = False

    def continue_note(self, line: str) -> None:
        self.footnotes[-1].text = _join(self.footnotes[-1].text, line)

    # -- body --------------------------------------------------------------------------
    def add_heading(self, text: str, level: int) -> None:
        self._leave_block()
        clean = self._encode(text)
        self.blocks.append((clean, level, []))

    def add_body(self, line: str) -> None:
        crossed = self.in_block
        self._leave_block()
        encoded = self._encode(line)
        paras = self.blocks[-1][2]
        if paras:
            prev = paras[-1]
            page_break = prev.after_page_break or crossed
            ends = _END_ACROSS_PAGE if page_break else _END_ADJACENT
            # Without a footnote block between them, only a full print line can be a cut one:
            # a short unterminated line (a title, a label) stands on its own.
            long_enough = page_break or len(prev.text) >= self.min_cut_len
            if long_enough and not _ends_paragraph(prev.text, ends):
                prev.text = _join(prev.text, encoded)
                prev.after_page_break = False
                return
        paras.append(_Para(encoded))

    def cut_paragraph_open(self) -> bool:
        """The last paragraph stops mid-sentence right before a footnote block."""
        paras = self.blocks[-1][2]
        if not paras or not paras[-1].after_page_break:
            return False
        text = paras[-1].text.rstrip()
        return bool(text) and not _ends_paragraph(text, _END_ACROSS_PAGE) and (
            _is_han(text[-1]) or text[-1] in "，,、；;：:“《（(")

    def _leave_block(self) -> None:
        self.in_block = False
        self.page_open = False
        self.last_was_note = False
        self.last_number = None

    def _encode(self, line: str) -> str:
        """Replace note calls by sentinels that remember their number and layout page."""
        out: list[str] = []
        pos = 0
        for start, end, number, printed in find_markers(line, self.numeric_bare):
            out.append(line[pos:start])
            out.append(chr(_SENTINEL_BASE + len(self.markers)))
            self.markers.append(Marker(number, printed, layout_page=len(self.pages)))
            pos = end
        out.append(line[pos:])
        return "".join(out)


def _decode(text: str, markers: list[Marker]) -> tuple[str, list[Marker]]:
    # One regex pass each, not a Python test per character: decoding was a third of parsing.
    found = [markers[ord(c) - _SENTINEL_BASE] for c in _SENTINELS.findall(text)]
    return _SENTINELS.sub("", text).strip(), found


def _marker_offsets(text: str, markers: list[Marker], clean: str) -> list[int]:
    """Where each linked marker of ``text`` sits in its decoded, stripped form ``clean`` (the
    stance of a citation reads the sentence up to its marker): the text kept before it (its
    offset less the markers before it), less the leading space ``strip`` took off."""
    out: list[int] = []
    lead = -1
    for i, m in enumerate(_SENTINELS.finditer(text)):
        if markers[ord(m.group()) - _SENTINEL_BASE].n is None:
            continue
        if lead < 0:
            kept = _SENTINELS.sub("", text)
            lead = len(kept) - len(kept.lstrip())
        out.append(min(max(0, m.start() - i - lead), len(clean)))
    return out


def _sections(b: _Builder, result: BodyResult, split_semicolon: bool) -> None:
    for heading, level, paras in b.blocks:
        if heading is None and not paras:
            continue
        head_text = None
        if heading is not None:
            head_text, head_markers = _decode(heading, b.markers)
            for m in head_markers:
                if m.n is not None:
                    result.citations.append(Citation(n=m.n, sentence=head_text))
        section = Section(heading=head_text, level=level)
        for para in paras:
            section.paragraphs.append(_paragraph(para.text, b.markers, result.citations, split_semicolon))
        result.sections.append(section)


def _paragraph(encoded: str, markers: list[Marker], citations: list[Citation], split_semicolon: bool) -> Paragraph:
    text, _ = _decode(encoded, markers)
    para = Paragraph(text=text)
    for piece in split_sentences(encoded, split_semicolon=split_semicolon):
        clean, found = _decode(piece, markers)
        if not clean:
            continue
        linked = [m.n for m in found if m.n is not None]
        para.sentences.append(Sentence(text=clean, footnotes=linked, marker_pos=_marker_offsets(piece, markers, clean)))
        citations.extend(Citation(n=n, sentence=clean) for n in linked)
    return para
