"""Body lines → paragraphs, decided by layout: indents, short lines, gaps, type size and weight.

Lines arrive in reading order over the whole paper, so a paragraph cut by a page or column
break joins its continuation unless the next line is indented, follows a short line, or changes
type; the punctuation at the cut decides nothing. Each block keeps what the layout said of it
(page, size, weight, face, lines, centred), so the structure parser can tell headings by type.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from .pdf_geometry import Line

_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$|/\S*$")
# A front-matter label opens a block of its own whatever the layout says: an abstract and its
# keywords are often set alike, one under the other, with nothing else to part them.
_FRONT_LABEL = re.compile(r"^\s*[\[【〔(（]?\s*(?:摘\s*要|关\s*键\s*[词字]|中图分类号|文献标[识志]码|文章编号|作者简介|基金项目|"
                          r"收稿日期|Abstract|Key\s*words)\s*[\]】〕)）]?\s*[:：]?", re.IGNORECASE)
# The quarter-em a typesetter sets between Chinese and Latin or digits (CJK autospace) is spacing,
# not a character; PDFs carry it as a space that the paper's text does not have (2025 年, 17 个).
_AUTOSPACE = re.compile(r"(?<=[\u3400-\u9fff])[ \u2005\u2009\u200a]+(?=[A-Za-z0-9])|(?<=[A-Za-z0-9%])[ \u2005\u2009\u200a]+(?=[\u3400-\u9fff])")
_LEAD_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-'’.,:;/]*")
# A numbered heading's start: a display line that begins so starts a block of its own.
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*、|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]|第[一二三四五六七八九十\d]{1,3}[章节部分]|\d{1,2}(?:\.\d{1,2})*\s*[.．、\s])")


def drop_autospace(text: str) -> str:
    """``2025 年`` → ``2025年``: the CJK–Latin spacing a typesetter added, removed."""
    return _AUTOSPACE.sub("", text)


def join_lines(a: str, b: str) -> str:
    """Glue a printed line to the next: no space in Chinese, one between Latin words, none inside
    a hyphenated word or a URL."""
    a, b = a.rstrip(), b.lstrip()
    if a.endswith("-") and len(a) > 1 and a[-2].isascii() and a[-2].isalpha() and b[:1].isascii() and b[:1].islower() \
            and not _URL_TAIL.search(a):  # a URL broken at its own hyphen keeps it
        return a[:-1] + b
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + b if _URL_TAIL.search(a) else a + " " + b
    if a and b and a[-1] in ",.;:" and b[0].isascii() and b[0].isalpha() and not _URL_TAIL.search(a):
        return a + " " + b
    return a + b


@dataclass
class Block:
    text: str
    page: int  # 0-based page of its first line
    size: float  # type size of its first line
    bold: bool
    font: str
    lines: int
    centered: bool
    end_page: int = 0  # 0-based page of its last line


def _same_col(a: Line, b: Line) -> bool:
    em = max(a.size, b.size, 1.0)
    return abs(a.col[0] - b.col[0]) <= em and abs(a.col[1] - b.col[1]) <= em


def _centered(ln: Line) -> bool:
    lo, hi = ln.col
    em = max(ln.size, 1.0)
    left, right = ln.x0 - lo, hi - ln.x1
    return ln.width < 0.8 * (hi - lo) and abs(left - right) <= 1.5 * em and min(left, right) >= 2 * em


def _left_edges(lines: list[Line]) -> list[float]:
    """Each line's column left margin: the least x0 among the nearby lines of its column and size."""
    out: list[float] = []
    recent: list[Line] = []
    for ln in lines:
        mates = [x for x in recent[-8:] if _same_col(x, ln) and abs(x.size - ln.size) <= 0.6]
        out.append(min([x.x0 for x in mates] + [ln.x0]))
        recent.append(ln)
        if len(recent) > 32:
            del recent[:16]
    return out


def indent_share(lines: list[Line], lefts: list[float]) -> float:
    """Of the lines that follow a clearly short line (a paragraph's end), the share set indented:
    near 1 for papers whose paragraphs open with an indent, where indents alone mark paragraphs."""
    hits = total = 0
    for i in range(1, len(lines)):
        a, b = lines[i - 1], lines[i]
        if a.page != b.page or not _same_col(a, b) or abs(a.size - b.size) > 0.6:
            continue
        if b.col[1] - a.x1 > 6 * a.size:
            total += 1
            hits += b.x0 > lefts[i] + 0.8 * b.size
    return hits / total if total >= 3 else 0.0


def paragraphs(lines: list[Line], texts: dict[int, str], body_size: float) -> list[Block]:
    """Blocks in reading order. ``texts`` maps id(line) to its rendered text (calls as ``^[n]``).

    Where paragraphs open with an indent (most papers), a line that is not indented continues the
    paragraph above however ragged that one's right edge is (CJK text set ragged right, or with
    kinsoku pushing a character over, stops short of the margin); elsewhere a short line ends it."""
    gaps = [b.y0 - a.y1 for a, b in zip(lines, lines[1:])
            if a.page == b.page and _same_col(a, b) and 0 <= b.y0 - a.y1 < 3 * body_size]
    normal_gap = statistics.median(gaps) if gaps else body_size * 0.6
    indents = indent_share(lines, _left_edges(lines)) >= 0.6
    blocks: list[Block] = []
    cur: Block | None = None
    prev: Line | None = None
    recent: list[Line] = []
    prev_raw = ""
    for ln in lines:
        text = texts.get(id(ln), ln.text).strip()
        if not text:
            continue
        em = max(ln.size, 1.0)
        mates = [x for x in recent[-8:] if _same_col(x, ln) and abs(x.size - ln.size) <= 0.6]
        left = min((x.x0 for x in mates), default=ln.col[0])
        indented = ln.x0 > left + 0.8 * em
        new = True
        if prev is not None and cur is not None:
            same_type = abs(ln.size - prev.size) <= 0.6 and ln.bold == prev.bold
            prev_mates = [x for x in recent[-8:] if _same_col(x, prev) and abs(x.size - prev.size) <= 0.6]
            right = max([x.x1 for x in prev_mates] + [prev.x1]
                        + ([ln.x1] if _same_col(ln, prev) and abs(ln.size - prev.size) <= 0.6 else []))
            room = right - prev.x1
            word = _LEAD_WORD.match(text)
            # Ragged right before a Latin word: the word did not fit, so the line was full.
            if indents:  # only a clearly short line (a heading, a paragraph's last words) ends a block
                prev_full = room <= max(6 * prev.size, 0.5 * (prev.col[1] - prev.col[0])) and not _centered(prev) \
                    and not (_NUMBERED.match(text) and ln.x1 < ln.col[1] - 6 * ln.size)
            else:
                prev_full = room <= 2.5 * prev.size or bool(word and len(word.group()) * 0.55 * ln.size > room)
            together = ln.page == prev.page and _same_col(ln, prev)
            gap = ln.y0 - prev.y1 if together else 0.0
            big_gap = together and gap > normal_gap + 0.6 * em
            # a title or heading set large or bold over two lines stays one block
            display = same_type and (ln.size >= body_size * 1.1 or ln.bold) and together and gap < em \
                and cur.lines < 4 and not _NUMBERED.match(text)
            new = not display and (not same_type or indented or not prev_full or big_gap) or bool(_FRONT_LABEL.match(text))
        if new:
            cur = Block(text, ln.page, ln.size, ln.bold, ln.font, 1, _centered(ln), ln.page)
            blocks.append(cur)
        else:
            assert cur is not None
            spaced = bool(prev_raw) and (prev_raw[-1].isspace() or ln.text[:1].isspace())
            joined = join_lines(cur.text, text)
            if spaced and joined == cur.text.rstrip() + text and cur.text.rstrip()[-1:].isascii():
                joined = cur.text.rstrip() + " " + text
            cur.text = joined
            cur.lines += 1
            cur.end_page = ln.page
            cur.bold = cur.bold and ln.bold
            cur.centered = cur.centered and _centered(ln)
        prev_raw = ln.text
        prev = ln
        recent.append(ln)
        if len(recent) > 32:
            del recent[:16]
    return blocks
