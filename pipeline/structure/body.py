"""Body structure of a PDF-extracted paper: sections, paragraphs, sentences, page footnotes.

The text arrives in page blocks: body lines, then that page's footnote block (lines starting
with ①②…, numbering restarting on every page, plus a ``*`` funding line on page 1), then the
next page. A page break can cut a sentence or a word, so a body line that does not end its
paragraph continues with the next body line after the footnote block. The paper closes with
the authors' bio line ``(…系…)`` and ``[责任编辑：…]``; the last page's notes may follow them.

Markers are replaced by plane-15 sentinel characters while paragraphs are rebuilt, so the
sentence splitter keeps each marker with its sentence and the linker can resolve it later.
This module decides what each line is (heading, note, funding, closing line; or, for a PDF, what
its layout says); the blocks they build and the sections made of them are in ``body_blocks.py``.

>>> r = parse_body(["一、引言", "数字资本^①。随", "① 参见甲：《乙》。", "着发展。"])
>>> [(s.heading, [p.text for p in s.paragraphs]) for s in r.sections]
[('一、引言', ['数字资本。随着发展。'])]
>>> [(c.n, c.sentence) for c in r.citations]
[(1, '数字资本。')]
"""
from __future__ import annotations

import re
from typing import Any

from ..records import Footnote, LayoutLine
from ..settings.fill import filled
from .body_blocks import _END_ADJACENT, _SENTINEL_BASE, BodyResult, _Builder, _ends_paragraph, _Para, _sections
from .footnotes import FUNDING_LINE, Marker, link_markers, match_footnote_line, note_is_open

__all__ = ["BIO_LINE", "EDITOR_LINE", "HEADING_PATTERNS", "NAMED_HEADINGS", "BodyResult", "heading_level", "parse_body"]

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

_FUNDING_WORDS = re.compile(r"基金|项目|资助|课题|成果|本文系|本文为|[Ff]und|[Gg]rant")
_MD_HEADING = re.compile(r"^#{1,6}\s*")


def _strip_md(line: str) -> str:
    return _MD_HEADING.sub("", line)


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


