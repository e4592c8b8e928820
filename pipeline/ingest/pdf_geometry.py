"""What a PDF page knows, as typed lines: text spans with their size, weight, position and baseline.

PyMuPDF groups glyphs into spans and lines, but typesetters differ in how they cut them: TeX and
office suites often emit a raised note call, or each word, as a line of its own. The lines here
are rebuilt by baseline, so a line is one printed line of one column whatever engine wrote it.
Which lines are columns is decided here too; running heads, page numbers, the body's type and the
reading order of columns in ``pdf_margins.py``.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..text.circled import circled_value

_BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold|[-,]bd\b|粗", re.IGNORECASE)


@dataclass
class Span:
    text: str
    size: float
    x0: float
    y0: float
    x1: float
    y1: float
    base: float  # baseline y
    sup: bool = False  # MuPDF's superscript flag
    bold: bool = False
    font: str = ""
    xs: list[float] | None = None  # each character's left edge, where the PDF says

    def split_at(self, x: float) -> tuple[Span, Span] | None:
        """The span cut before its first character at or right of x (None: no such cut)."""
        if not self.xs or len(self.xs) != len(self.text):
            return None
        k = next((i for i, cx in enumerate(self.xs) if cx >= x), len(self.xs))
        if k == 0 or k == len(self.xs):
            return None
        left = Span(self.text[:k], self.size, self.x0, self.y0, self.xs[k], self.y1, self.base, self.sup, self.bold,
                    self.font, self.xs[:k])
        right = Span(self.text[k:], self.size, self.xs[k], self.y0, self.x1, self.y1, self.base, self.sup, self.bold,
                     self.font, self.xs[k:])
        return left, right


@dataclass
class Line:
    spans: list[Span]
    page: int = 0  # 0-based page index
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    size: float = 0.0  # the size most of its characters have
    base: float = 0.0  # the baseline most of its characters sit on
    bold: bool = False  # most of its characters are bold (flag or a bold/黑体 face)
    font: str = ""  # the face most of its characters use
    text: str = ""
    col: tuple[float, float] = (0.0, 0.0)  # left / right edge of its column

    def measure(self) -> Line:
        self.spans.sort(key=lambda s: s.x0)
        self.x0 = min(s.x0 for s in self.spans)
        self.x1 = max(s.x1 for s in self.spans)
        self.y0 = min(s.y0 for s in self.spans)
        self.y1 = max(s.y1 for s in self.spans)
        size: Counter[float] = Counter()
        base: Counter[float] = Counter()
        bold = 0
        font: Counter[str] = Counter()
        # a note call's label ("（17）") may outnumber the text beside it ("。"): weigh the text
        text_spans = [s for s in self.spans if not _LABEL.match(s.text)] or self.spans
        for s in text_spans:
            n = len(s.text.strip())
            size[round(s.size * 2) / 2] += n
            base[round(s.base, 1)] += n
            font[s.font] += n
            bold += n if s.bold else 0
        total = sum(size.values())
        self.size = size.most_common(1)[0][0] if total else text_spans[0].size
        self.base = base.most_common(1)[0][0] if total else text_spans[0].base
        self.font = font.most_common(1)[0][0] if total else text_spans[0].font
        self.bold = total > 0 and bold >= 0.8 * total
        self.text = self.joined([s.text for s in self.spans])
        return self

    def joined(self, texts: list[str]) -> str:
        """The spans' texts (as given, one per span) as one line: a gap between runs is a space
        the PDF did not write (TeX's glue), unless one is there."""
        parts: list[str] = []
        prev: Span | None = None
        for s, t in zip(self.spans, texts):
            if prev is not None and parts and t and parts[-1][-1:].strip() and t[:1].strip():
                if s.x0 - prev.x1 > space_gap(parts[-1][-1], t[0]) * max(self.size, 1.0):
                    parts.append(" ")
            parts.append(t)
            prev = s
        return "".join(parts)

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass
class Page:
    index: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)  # everything not yet sorted into body/notes/margin
    body: list[Line] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)
    margin: list[Line] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1) short rules
    scanned: bool = False


def _cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f" or ch in "“”‘’—…·"


def space_gap(a: str, b: str) -> float:
    """The gap, in ems, between two characters above which the PDF meant a space: a third of an em
    between Latin words; a full em between Chinese characters (justification stretches them, a
    \\quad parts two names); between the two, half an em."""
    ca, cb = _cjk(a), _cjk(b)
    if ca and cb:
        return 0.9
    if not ca and not cb:
        return 0.2
    return 0.45


def _span(s: dict[str, Any]) -> Span:
    font = str(s.get("font", ""))
    bold = bool(s["flags"] & 16) or bool(_BOLD_FONT.search(font))
    chars = s.get("chars")
    if chars is not None:  # rawdict: the characters with their positions
        # TeX and others set word spaces as glue, not as a character: a visible gap is a space
        # (a narrower one between Latin letters, whose word spaces are a third of an em)
        size = float(s["size"])
        out: list[str] = []
        xs = []
        prev = None
        for c in chars:
            if prev is not None and not c["c"].isspace() and not prev["c"].isspace():
                if c["bbox"][0] - prev["bbox"][2] > space_gap(prev["c"], c["c"]) * size:
                    out.append(" ")
                    xs.append(float(prev["bbox"][2]))
            out.append(c["c"])
            xs.append(float(c["bbox"][0]))
            prev = c
        text = "".join(out)
    else:
        text, xs = s["text"], None
    text = text.replace("\r", " ").replace("\n", " ")
    return Span(text, float(s["size"]), *map(float, s["bbox"]), float(s["origin"][1]), bool(s["flags"] & 1), bold,
                font, xs)


def page_lines(page: Any, index: int) -> list[Line]:
    """The page's printed lines, rebuilt by baseline from PyMuPDF's spans."""
    raw = page.get_text("rawdict", sort=False)
    pieces: list[Line] = []
    for block in raw.get("blocks", []):
        for ln in block.get("lines", []):
            if ln.get("dir", (1, 0))[0] < 0.5:  # vertical or rotated text: a stamp, not the paper
                continue
            spans = [sp for sp in (_span(s) for s in ln.get("spans", [])) if sp.text.strip()]
            if not spans:
                continue
            piece = Line(spans, index).measure()
            # a span far off the line's baseline belongs to another printed line (LibreOffice
            # groups the next note's raised label with the line above it): a piece of its own
            stray = [sp for sp in spans if abs(sp.base - piece.base) > 0.5 * piece.size]
            if stray:
                piece = Line([sp for sp in spans if sp not in stray] or stray[:1], index).measure()
                pieces += [Line([sp], index).measure() for sp in stray if sp not in piece.spans]
            pieces.append(piece)
    return build_lines(pieces, float(page.rect.width))


def build_lines(pieces: list[Line], page_width: float) -> list[Line]:
    """Printed lines from pieces (text-layer spans or OCR lines). Pieces either side of the page's
    middle join only when they touch, unless the page turns out to be set in one column: then a
    wide justified space at the middle is just a space."""
    lines = merge_lines(_fresh(pieces), page_width / 2)
    return lines if columns(lines) is not None else merge_lines(pieces, None)


def _fresh(pieces: list[Line]) -> list[Line]:
    return [Line(list(p.spans), p.page).measure() for p in pieces]


def _insert(host: Line, p: Line) -> None:
    for i, s in enumerate(host.spans):
        if s.x0 < p.x0 < s.x1:
            cut = s.split_at(p.x0)
            if cut is not None:
                host.spans[i:i + 1] = list(cut)
            break
    host.spans += p.spans


def merge_lines(pieces: list[Line], middle: float | None = None) -> list[Line]:
    """Join pieces that sit on one printed line: the same baseline, and a gap under one em, or a
    wider one (justified text, a label set apart) that is not the gutter at the page's middle."""
    pieces.sort(key=lambda ln: (ln.x0, ln.y0))
    out: list[Line] = []
    # Small raised pieces (note calls) are attached after the full-size lines are built.
    small = [p for p in pieces if _marker_like(p)]
    big = [p for p in pieces if not _marker_like(p)]
    for p in sorted(big, key=lambda ln: (round(ln.base), ln.x0)):
        host = None
        for ln in reversed(out[-12:]):
            em = max(ln.size, p.size, 1.0)
            # a note's label set apart from its text (a hanging indent) is still on its line
            gap = p.x0 - ln.x1
            gutter = middle is not None and ln.x1 - em <= middle <= p.x0 + em
            reach = 12.0 * em if _LABEL.match(ln.text) else (0.3 * em if gutter else 10.0 * em)
            if abs(ln.base - p.base) <= 0.35 * em and -1.0 * em <= gap <= reach \
                    and abs(ln.size - p.size) <= 0.25 * em:
                host = ln
                break
            # a glyph drawn inside another run's extent (LibreOffice sets “” in a Latin face,
            # in a gap it leaves in the Chinese run): cut the run there and put it between
            if abs(ln.base - p.base) <= 0.35 * em and ln.x0 < p.x0 < ln.x1 and p.x1 <= ln.x1 + em:
                _insert(ln, p)
                host = ln
                break
        if host is None:
            out.append(p)
        elif host is not p:
            if p.spans[0] not in host.spans:
                host.spans += p.spans
            host.measure()
    # lines by baseline band, so each call looks at the lines near it only (linear in the page)
    bands: dict[int, list[Line]] = {}
    for ln in out:
        bands.setdefault(int(ln.base // 8), []).append(ln)
    for m in small:
        mid = (m.y0 + m.y1) / 2
        best = None
        k = int(m.base // 8)
        nearby = [ln for b in range(k - 3, k + 5) for ln in bands.get(b, ())]
        for ln in nearby:
            if ln.size > m.size * 1.12 and ln.y0 - 0.6 * ln.size <= mid <= ln.y1 + 0.1 * ln.size \
                    and ln.x0 - ln.size <= m.x0 <= ln.x1 + ln.size:
                d = abs(ln.base - m.base)
                if best is None or d < best[0]:
                    best = (d, ln)
        if best is None:  # a label at the size of its text, set apart from it: a note's label
            em = max(m.size, 1.0)
            near = [(max(ln.x0 - m.x1, m.x0 - ln.x1, 0.0), ln) for ln in nearby
                    if abs(ln.base - m.base) <= 0.35 * em and abs(ln.size - m.size) <= 0.25 * em
                    and ln.x0 - 12 * em <= m.x0 <= ln.x1 + 1.0 * em]
            if near:
                best = min(near, key=lambda t: t[0])
        if best is None:
            out.append(m)
            bands.setdefault(k, []).append(m)
        else:
            best[1].spans += m.spans
            best[1].measure()
    return out


_LABEL = re.compile(r"^\s*(?:[\[［(（〔]\s*\d{1,3}\s*[\]］)）〕]|\d{1,3}\s*[.．]?|[*＊※†‡]+|[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])\s*$")
_MARKER_TEXT = re.compile(r"^[\[［(（]?\s*(?:\d{1,3}|[*＊※†‡])\s*[\]］)）]?[,，、\-–]?$")


def _marker_like(line: Line) -> bool:
    t = line.text.strip()
    return 0 < len(t) <= 6 and (all(circled_value(c) for c in t) or bool(_MARKER_TEXT.match(t)))


def columns(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line]] | None:
    """(left, right, spanning) lines of a page set in two columns, or None for one column.
    Two columns: lines left and right of the text block's middle that sit side by side."""
    if not lines:
        return None
    x_lo, x_hi = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    mid, slack = (x_lo + x_hi) / 2, (x_hi - x_lo) * 0.02
    left = [ln for ln in lines if ln.x1 <= mid + slack]
    right = [ln for ln in lines if ln.x0 >= mid - slack]
    if len(left) < 2 or len(right) < 2:
        return None
    ys = sorted((ln.y0, ln.y1) for ln in right)
    side_by_side = 0
    for a in left:  # right lines overlapping a's band, found by bisection: linear in the page
        i = bisect.bisect_left(ys, (a.y0 - 3 * a.size, 0.0))
        while i < len(ys) and ys[i][0] < a.y1:
            if ys[i][1] > a.y0:
                side_by_side += 1
                break
            i += 1
    # a few short lines either side of the middle are not columns: most lines must have a partner
    if side_by_side < max(2, 0.5 * min(len(left), len(right))):
        return None
    # and a right column has a left edge: several of its lines start at the same x (a justified
    # line split at a wide space in the middle does not)
    edges = Counter(round(ln.x0 / 2) for ln in right)
    edge, count = edges.most_common(1)[0]
    near = sum(c for e, c in edges.items() if abs(e - edge) <= 1)
    if near < 2 or near < 0.4 * len(right):
        return None
    ids = {id(x) for x in left} | {id(x) for x in right}
    return left, right, [ln for ln in lines if id(ln) not in ids]


