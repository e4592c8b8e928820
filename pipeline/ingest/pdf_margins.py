"""What the lines of a PDF's pages are, from geometry alone: running heads and page numbers in the
margins, the body's type size and face, and the reading order of two-column pages. The typed
lines themselves (spans rebuilt by baseline) are in ``pdf_geometry.py``.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .pdf_geometry import Line, Page, columns

_PAGE_NUMBER = re.compile(r"^[\s\-—–·•.．()（）第页Pp]*\d{1,4}[\s\-—–·•.．()（）页/共]*\d{0,4}[\s页]*$")


def short_rules(page: Any) -> list[tuple[float, float, float]]:
    """Horizontal rules shorter than the page: the line typesetters draw above the notes."""
    out: list[tuple[float, float, float]] = []
    try:
        drawings = page.get_drawings()
    except Exception:  # noqa: BLE001 - a damaged content stream: no rules; the size rule still works
        return out
    w = page.rect.width
    for d in drawings:
        r = d.get("rect")
        if r is not None and r.height <= 2.5 and 15 <= r.width <= 0.95 * w:
            out.append((float(r.y0), float(r.x0), float(r.x1)))
    return out


def margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def split_margins(pages: list[Page], header_band: float, footer_band: float) -> None:
    """Move running heads, running feet and page numbers out of the page's lines.

    A line in the top or bottom band is a running line when its text (digits masked) repeats on
    another page, or when it is a lone page number; odd and even pages may carry different heads.
    """
    in_band = {id(ln): (ln.y1 <= p.height * header_band or ln.y0 >= p.height * (1 - footer_band))
               for p in pages for ln in p.lines}
    # Each page's first and last lines in its outer sixth: where the typesetter put its running
    # lines when its margins are wider than the bands (a small page, a tall header).
    ends: dict[int, list[Line]] = {}
    for i, p in enumerate(pages):
        by_y = sorted(p.lines, key=lambda ln: ln.y0)
        ends[i] = [ln for ln in by_y[:1] + by_y[-1:] if ln.y1 <= p.height / 6 or ln.y0 >= p.height * 5 / 6]
    seen: Counter[str] = Counter()
    outer_seen: Counter[str] = Counter()
    for i, p in enumerate(pages):
        seen.update({margin_key(ln.text) for ln in p.lines if in_band[id(ln)]})
        outer_seen.update({margin_key(ln.text) for ln in ends[i]})
    min_repeat = 2 if len(pages) >= 2 else 10**9
    for i, p in enumerate(pages):
        for ln in ends[i]:
            key = margin_key(ln.text)
            lone_number = len(ln.text.strip()) <= 12 and _PAGE_NUMBER.match(ln.text)
            if lone_number or outer_seen[key] >= max(min_repeat, 0.3 * len(pages)):
                in_band[id(ln)] = True
                seen[key] = max(seen[key], outer_seen[key])
        keep = []
        for ln in p.lines:
            if in_band[id(ln)] and (seen[margin_key(ln.text)] >= min_repeat or _PAGE_NUMBER.match(ln.text)):
                p.margin.append(ln)
            else:
                keep.append(ln)
        p.lines = keep


def body_size(pages: list[Page]) -> float:
    """The size most characters of the paper are set in."""
    weight: Counter[float] = Counter()
    for p in pages:
        for ln in p.lines:
            weight[ln.size] += len(ln.text.strip())
    return weight.most_common(1)[0][0] if weight else 10.5


def body_font(pages: list[Page], size: float) -> str:
    weight: Counter[str] = Counter()
    for p in pages:
        for ln in p.lines:
            if abs(ln.size - size) <= 0.3:
                weight[ln.font] += len(ln.text.strip())
    return weight.most_common(1)[0][0] if weight else ""


def order_columns(lines: list[Line]) -> list[Line]:
    """Reading order: top to bottom; two-column stretches are read left column first, in bands
    closed by the lines that span both columns (titles, a one-column stretch)."""
    if not lines:
        return lines
    lines = sorted(lines, key=lambda ln: (round(ln.y0, 1), ln.x0))
    x_lo, x_hi = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    for ln in lines:
        ln.col = (x_lo, x_hi)
    cols = columns(lines)
    if cols is None:
        return lines
    left, right, _span = cols
    for group in (left, right):
        lo, hi = min(ln.x0 for ln in group), max(ln.x1 for ln in group)
        for ln in group:
            ln.col = (lo, hi)
    left_ids, right_ids = {id(x) for x in left}, {id(x) for x in right}
    out: list[Line] = []
    band_l: list[Line] = []
    band_r: list[Line] = []
    for ln in lines:
        if id(ln) in left_ids:
            band_l.append(ln)
        elif id(ln) in right_ids:
            band_r.append(ln)
        else:
            out += band_l + band_r + [ln]
            band_l, band_r = [], []
    return out + band_l + band_r
