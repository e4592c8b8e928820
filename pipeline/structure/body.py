"""Body structure of a PDF-extracted paper: sections, paragraphs, sentences, page footnotes.

The text arrives in page blocks: body lines, then that page's footnote block (lines starting
with ①②…, numbering restarting on every page, plus a ``*`` funding line on page 1), then the
next page. A page break can cut a sentence or a word, so a body line that does not end its
paragraph continues with the next body line after the footnote block. The paper closes with
the authors' bio line ``(…系…)`` and ``[责任编辑：…]``; the last page's notes may follow them.

Markers are replaced by plane-15 sentinel characters while paragraphs are rebuilt, so the
sentence splitter keeps each marker with its sentence and the linker can resolve it later.

>>> r = parse_body(["一、引言", "数字资本^①。随", "① 参见甲：《乙》。", "着发展。"])
>>> [(s.heading, [p.text for p in s.paragraphs]) for s in r.sections]
[('一、引言', ['数字资本。随着发展。'])]
>>> [(c.n, c.sentence) for c in r.citations]
[(1, '数字资本。')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..records import Citation, Footnote, LayoutLine, Paragraph, Section, Sentence
from ..settings.model import filled
from .footnotes import (
    FUNDING_LINE,
    FootPage,
    Marker,
    find_markers,
    link_markers,
    match_footnote_line,
    note_is_open,
)
from .sentences import TRAILERS, split_sentences

_NUM = "一二三四五六七八九十百零〇"
HEADING_PATTERNS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(rf"^[{_NUM}]{{1,3}}\s*、\s*\S"), 1),
    (re.compile(r"^第[一二三四五六七八九十百0-9]{1,3}[章节部分篇]\s*\S*"), 1),
    (re.compile(rf"^[（(]\s*[{_NUM}]{{1,3}}\s*[)）]\s*\S"), 2),
    (re.compile(r"^\d{1,2}\s*[.．、]\s*(?!\d)\S"), 3),
    (re.compile(r"^[（(]\s*\d{1,2}\s*[)）]\s*\S"), 4),
]
# Unnumbered headings that papers print on a line of their own.
NAMED_HEADINGS = {"引言", "前言", "导言", "结语", "结论", "结束语", "余论", "参考文献", "注释"}
_HEADING_BAD_END = re.compile(r"[。！？!?；;，,]\s*$")

# (陈灏系福建商学院金融学院教授；钟锦宸系…): a name (or 作者) right before 系, no full stop.
BIO_LINE = re.compile(r"^[（(]\s*[\u3400-\u9fff·•]{2,8}\s*系[^。\n]{2,300}[)）]$")
EDITOR_LINE = re.compile(r"^[\[［【〔(（]\s*(?:[责責]任)?[编編][辑輯]\s*[：:]\s*[^\]］】〕)）]*[\]］】〕)）]$")

# A paragraph ends with these (after closers and markers); anything else is cut by a page break.
_END_ACROSS_PAGE = set("。！？!?…")
_END_ADJACENT = _END_ACROSS_PAGE | set("：:；;")
_SENTINEL_BASE = 0xF0000
_FUNDING_WORDS = re.compile(r"基金|项目|资助|课题|成果|本文系|本文为|[Ff]und|[Gg]rant")
_MD_HEADING = re.compile(r"^#{1,6}\s*")


def _strip_md(line: str) -> str:
    return _MD_HEADING.sub("", line)


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


def heading_level(line: str, max_len: int = 60) -> int:
    """1-4 for a heading line, 0 for anything else."""
    text = _strip_md(line.strip())
    if not text or len(text) > max_len or _HEADING_BAD_END.search(text):
        return 0
    if text in NAMED_HEADINGS:
        return 1
    for pattern, level in HEADING_PATTERNS:
        if pattern.match(text):
            return level
    return 0


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
    found = [markers[ord(c) - _SENTINEL_BASE] for c in text if _is_sentinel(c)]
    clean = "".join(c for c in text if not _is_sentinel(c)).strip()
    return clean, found


def _marker_offsets(text: str, markers: list[Marker], clean: str) -> list[int]:
    """Where each linked marker of ``text`` sits in its decoded, stripped form ``clean`` (the
    stance of a citation reads the sentence up to its marker)."""
    out: list[int] = []
    kept: list[str] = []
    for c in text:
        if not _is_sentinel(c):
            kept.append(c)
        elif markers[ord(c) - _SENTINEL_BASE].n is not None:
            out.append(min(len("".join(kept).lstrip()), len(clean)))
    return out


def _wrapped_note(b: _Builder, line: str, nxt: str | None, numeric_bare: bool, max_heading: int) -> bool:
    """A line inside a footnote block that continues the previous note rather than the body:
    the note stops mid-sentence, or the next line is the same page's following note."""
    if heading_level(line, max_heading):
        return False
    if note_is_open(b.footnotes[-1].text):
        return True
    following = match_footnote_line(nxt, numeric_bare) if nxt else None
    return following is not None and b.last_number is not None and following.number == b.last_number + 1


def _uses_numeric_notes(lines: list[str]) -> bool:
    """Whether bare ``[n]`` lines are page notes and bare ``[n]`` in the text calls them: yes when
    some note line has the caret (``^[n]``), or ``[n]`` lines come in page blocks separated by
    body text more than once (a reference list at the end is a single run)."""
    from .footnotes import BARE_NUMERIC_FOOTNOTE_LINE, NUMERIC_FOOTNOTE_LINE

    runs, inside = 0, False
    for line in lines:
        if not line.strip():
            continue
        if NUMERIC_FOOTNOTE_LINE.match(line):
            return True
        hit = bool(BARE_NUMERIC_FOOTNOTE_LINE.match(line))
        if hit and not inside:
            runs += 1
        inside = hit
    return runs >= 2


_LAYOUT_CALL = re.compile(r"\^\[(\d{1,5})\]")


def _layout_heading(text: str, info: LayoutLine, max_heading: int) -> int:
    """A heading by its type: numbered or named and set apart (larger, bold, another face, or a
    line of its own), or unnumbered but set larger or bold and not a sentence."""
    if info.lines > 3:
        return 0
    level = heading_level(text, max_heading)
    styled = info.size >= 1.08 or info.bold or info.face
    if level and (styled or info.lines <= 2):
        return level
    if (info.size >= 1.08 or info.bold) and info.lines <= 2 and not _ends_paragraph(text, _END_ADJACENT) \
            and len(text) <= max_heading:
        return 1 if info.size >= 1.15 else 2
    return 0


def _parse_layout(lines: list[str], layout: list[LayoutLine | None], start: int, max_heading: int,
                  split_semicolon: bool) -> BodyResult:
    """The body of a PDF read by layout: notes come numbered, paragraphs whole, calls resolved."""
    b = _Builder(max_heading, False)
    for i in range(start, len(lines)):
        line = lines[i].strip()
        info = layout[i] if i < len(layout) else None
        if not line or info is None:
            continue
        if info.kind == "note" and info.n:
            text = line[len(info.label):].strip() if info.label and line.startswith(info.label) else line
            b.footnotes.append(Footnote(n=info.n, marker=info.label, text=text, page=info.page))
            continue
        if info.kind == "plain-note":
            text = line[len(info.label):].strip() if info.label and line.startswith(info.label) else line
            if b.funding is None and _FUNDING_WORDS.search(text) and not BIO_LINE.match(text):
                b.funding = text
            elif BIO_LINE.match(text) and b.bio is None:
                b.bio = text
            continue
        if EDITOR_LINE.match(line):
            b.editor = b.editor or line
            b.closed = True
            continue
        if BIO_LINE.match(line) and b.bio is None:
            b.bio = line
            b.closed = True
            continue
        if b.closed:
            b.trailing.append(line)
            continue
        encoded = _encode_layout(b, line, info.page)
        level = _layout_heading(_LAYOUT_CALL.sub("", line), info, max_heading)
        if level:
            b.blocks.append((encoded, level, []))
        else:
            b.blocks[-1][2].append(_Para(encoded))
    result = BodyResult(footnotes=b.footnotes, funding=b.funding, bio_line=b.bio, editor_line=b.editor,
                        trailing=b.trailing)
    _sections(b, result, split_semicolon)
    if b.trailing:
        result.warnings.append(f"{len(b.trailing)} lines after the closing lines were left out of the body")
    return result


def _encode_layout(b: _Builder, line: str, page: int) -> str:
    out: list[str] = []
    pos = 0
    for m in _LAYOUT_CALL.finditer(line):
        out.append(line[pos:m.start()])
        out.append(chr(_SENTINEL_BASE + len(b.markers)))
        n = int(m.group(1))
        b.markers.append(Marker(n, f"[{n}]", layout_page=page, n=n))
        pos = m.end()
    out.append(line[pos:])
    return "".join(out)


def parse_body(lines: list[str], start: int = 0, cfg: dict[str, Any] | None = None,
               layout: list[LayoutLine | None] | None = None) -> BodyResult:
    """Sections, paragraphs, sentences, page footnotes and linked citations from ``lines[start:]``.

    cfg (``structure.body`` of the config, what it leaves out from ``settings.model.Body``):
    ``max_heading_len``, ``split_semicolon``, ``numeric_notes`` ("auto" | true | false: whether
    ``[n]`` lines are page notes), ``min_cut_line_len`` (shorter unterminated lines join the next
    only across a note block).
    """
    cfg = filled(cfg, "structure", "body")
    max_heading, split_semicolon = cfg["max_heading_len"], cfg["split_semicolon"]
    if layout is not None:
        return _parse_layout(lines, layout, start, max_heading, split_semicolon)
    numeric = cfg["numeric_notes"]
    body_lines = lines[start:]
    numeric_bare = _uses_numeric_notes(body_lines) if numeric == "auto" else bool(numeric)

    b = _Builder(max_heading, numeric_bare, cfg["min_cut_line_len"])
    warnings: list[str] = []
    nonblank = [line.strip() for line in body_lines if line.strip()]
    for i, line in enumerate(nonblank):
        note = match_footnote_line(line, numeric_bare)
        if note is not None:
            b.add_note(note.number, note.marker, note.text)
            continue
        fund = FUNDING_LINE.match(line)
        if fund and b.funding is None and not b.closed and _FUNDING_WORDS.search(line):
            b.add_funding(fund.group(1).strip())
            continue
        if EDITOR_LINE.match(line):
            b.editor = b.editor or line
            b.closed = True
            b._leave_block()
            continue
        if BIO_LINE.match(line) and b.bio is None:
            b.bio = line
            b.closed = True
            b._leave_block()
            continue
        if b.last_was_note and _wrapped_note(b, line, nonblank[i + 1] if i + 1 < len(nonblank) else None,
                                             numeric_bare, max_heading):
            b.continue_note(line)
            continue
        if b.closed:
            b.trailing.append(line)
            continue
        level = heading_level(line, max_heading)
        if level and b.cut_paragraph_open():
            level = 0  # a page break fell mid-sentence: "(一)…" here is the sentence going on
        if level:
            b.add_heading(_strip_md(line), level)
        else:
            b.add_body(line)

    warnings += link_markers(b.markers, b.pages)
    result = BodyResult(footnotes=b.footnotes, funding=b.funding, bio_line=b.bio,
                        editor_line=b.editor, trailing=b.trailing, warnings=warnings)
    _sections(b, result, split_semicolon)
    if b.trailing:
        warnings.append(f"{len(b.trailing)} lines after the closing lines were left out of the body")
    return result


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
