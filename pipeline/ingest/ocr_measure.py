"""Measuring OCR'd lines on the page image (see ``ocr.py``, which runs the engine): the band of
rows that hold a line's ink gives its top, foot and glyph height, hence its type size; raised,
small ink is a note call, read again alone and enlarged; pieces the engine cut apart on one
text line are joined when they share the band and the size.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A line of CJK text inks about this share of its em (Noto Sans/Serif CJK and the Droid
# fallback measure 0.86-0.92 at 150-300 dpi), so size = ink height / share. See bench/ocr.py.
_INK_PER_EM = 0.92

# A line without ideographs is measured on Latin letters without descenders: capitals and
# ascenders reach about 0.72 em in common text faces.
_LATIN_INK_PER_EM = 0.72

# Raised: the glyph's ink ends this share of the line's glyph height above the line's ink bottom
# (a superscript sits 0.33-0.5 em up; body digits and circled numbers sit on the baseline, within
# a few pixels of it).
_RAISED_LIFT = 0.22

# Two detections on one band are one line if the gap between them is under this many ems (CJK
# text has no gap; a two-column gutter is 1.5 em or more).
_JOIN_GAP_EM = 1.0

# A space is kept between two Latin letters or digits further apart than this share of an em
# (a word space is 0.25-0.33 em; letters of a word touch).
_SPACE_EM = 0.2

# A raised glyph is read again alone, scaled to this height in pixels (the recogniser's input is 48).
_REREAD_HEIGHT = 32

# Characters that can be a note call. * is not among them: its glyph sits high in every font, so
# on the image a raised star cannot be told from a star on the line; it is returned inline.
_MARKER_CHARS = set("0123456789†‡[]［］()（）") | {chr(c) for c in range(0x2460, 0x2474)} \
    | {chr(c) for c in range(0x3251, 0x3260)} | {chr(c) for c in range(0x32B1, 0x32C0)} \
    | {chr(c) for c in range(0x2776, 0x2794)}


_BRACKETED = re.compile(r"^[(（](\d{1,2})[)）]$")
_DESCENDERS = set("gjpqy")
_QUOTES = set("“”‘’\"'「」『』〝〞")

# Lowercase letters with neither ascender nor descender; their ink is the x-height, about half an
# em in text faces (0.45 Times-like to 0.54 Noto Sans).
_X_HEIGHT = set("acemnorsuvwxz")
_X_HEIGHT_PER_EM = 0.5


# ------------------------------------------------------------------------------ measuring
def _ink_mask(gray: Any) -> Any:
    """Inked pixels: darker than halfway between Otsu's threshold for the page (a scan's paper is
    not pure white) and white, so the thin grey strokes of a small circled numeral stay whole."""
    import cv2

    otsu, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return (gray < (otsu + 255) / 2).astype("uint8")


def _band(ink: Any, y0: int, y1: int, x0: int, x1: int,
          centre: float | None = None) -> tuple[int, int] | None:
    """The run of inked rows in [y0, y1) over columns [x0, x1) that holds ``centre`` (else the one
    with most ink): the glyphs of one line, without the neighbour lines a padded box may touch."""
    import numpy as np

    if y1 <= y0 or x1 <= x0:
        return None
    profile = ink[y0:y1, x0:x1].sum(axis=1)
    rows = np.flatnonzero(profile > 0)
    if rows.size == 0:
        return None
    cuts = np.flatnonzero(np.diff(rows) > 1)  # a blank row separates runs
    starts = np.concatenate(([rows[0]], rows[cuts + 1]))
    ends = np.concatenate((rows[cuts], [rows[-1]])) + 1
    best = None
    if centre is not None:
        c = centre - y0
        for s, e in zip(starts, ends):
            if s <= c < e:
                best = (s, e)
    if best is None:
        weights = [profile[s:e].sum() for s, e in zip(starts, ends)]
        i = int(np.argmax(weights))
        best = (starts[i], ends[i])
    return y0 + int(best[0]), y0 + int(best[1])


@dataclass
class _Char:
    text: str
    x0: float
    x1: float
    band: tuple[int, int] | None = None  # its own ink rows, when it is a raised glyph
    ink: tuple[int, int] | None = None  # and its own ink columns


@dataclass
class _Row:
    chars: list[_Char]
    x0: float
    x1: float
    top: float
    bottom: float
    score: float
    em: float  # its type size in pixels, from the ink height of its reference glyphs

    def pieces(self) -> list[tuple[str, float, float, float, float, bool, float]]:
        """Runs of ordinary and raised characters: (text, x0, y0, x1, y1, raised, em); the first
        and last run reach the line's ink edges, a raised run's box is its own ink."""
        runs: list[list[_Char]] = []
        for ch in self.chars:
            if runs and (runs[-1][-1].band is None) == (ch.band is None):
                runs[-1].append(ch)
            else:
                runs.append([ch])
        out = []
        for i, run in enumerate(runs):
            x0 = self.x0 if i == 0 else run[0].x0
            x1 = self.x1 if i == len(runs) - 1 else run[-1].x1
            if run[0].band is None:
                out.append((_spaced(run, self.em), x0, self.top, x1, self.bottom, False, self.em))
            else:
                top = min(c.band[0] for c in run if c.band)
                bottom = max(c.band[1] for c in run if c.band)
                out.append((_spaced(run, self.em), x0, float(top), x1, float(bottom), True,
                            (bottom - top) / _INK_PER_EM))
        return out


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _spaced(chars: list[_Char], em: float) -> str:
    """The run's text, with a space kept between Latin words (CJK text has none)."""
    parts = [chars[0].text]
    for a, b in zip(chars, chars[1:]):
        if _latin(a.text[-1:]) and _latin(b.text[:1]) and b.x0 - a.x1 > _SPACE_EM * em:
            parts.append(" ")
        parts.append(b.text)
    return "".join(parts)


def _ideograph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _reference(ch: str) -> bool:
    """A glyph whose ink stands on the line: ideographs (they fill their em: the size is measured
    on them), Latin letters without descenders. Markers, punctuation, quotes and brackets are not."""
    return _ideograph(ch) or (ch.isascii() and ch.isalpha() and ch not in _DESCENDERS)


def _measure(ink: Any, box: Any, text: str, score: float, chars: Any) -> _Row | None:
    import numpy as np

    pts = np.asarray(box, dtype=float)
    h, w = ink.shape
    x0, x1 = max(0, int(pts[:, 0].min())), min(w, int(np.ceil(pts[:, 0].max())))
    y0, y1 = max(0, int(pts[:, 1].min())), min(h, int(np.ceil(pts[:, 1].max())))
    band = _band(ink, y0, y1, x0, x1, centre=(y0 + y1) / 2)
    if band is None:
        return None
    top, bottom = band
    cols = ink[top:bottom, x0:x1].sum(axis=0)
    inked = np.flatnonzero(cols)
    if inked.size:  # the ink's own left and right, not the padded box
        x0, x1 = x0 + int(inked[0]), x0 + int(inked[-1]) + 1
    glyphs: list[_Char] = []
    if chars and chars[0] and chars[0][2] is not None and "".join(c[0] for c in chars).replace(" ", "") \
            == text.replace(" ", ""):
        for ch, _s, cbox in chars:
            cx = [p[0] for p in cbox]
            glyphs.append(_Char(ch, float(min(cx)), float(max(cx))))
    else:  # no character boxes: the line as one run
        glyphs = [_Char(text, float(x0), float(x1))]
    # The glyph height and the line's foot, measured on the reference glyphs only: brackets, quotes
    # and descenders reach past the em and would make the size too large and hide a raised marker.
    # Ideographs when the line has any (Latin letters of a CJK font are drawn to other heights).
    cjk = any(_ideograph(g.text) for g in glyphs)
    share = _INK_PER_EM if cjk else _LATIN_INK_PER_EM
    ref = np.zeros(w, dtype=bool)
    for g in glyphs:
        if len(g.text) == 1 and (_ideograph(g.text) if cjk else _reference(g.text)):
            ref[int(g.x0) + 1:max(int(g.x0) + 2, int(np.ceil(g.x1)) - 1)] = True
    ref_cols = np.flatnonzero(ref[x0:x1]) + x0
    foot, height = bottom, bottom - top
    if ref_cols.size:
        rows = np.flatnonzero(ink[top:bottom, ref_cols].sum(axis=1))
        if rows.size:
            foot, height = top + int(rows[-1]) + 1, int(rows[-1] - rows[0]) + 1
    if not cjk:  # Latin: the median x-height letter, robust to a neighbour's slash or bracket
        own = [_band(ink, top, bottom, int(g.x0) + 1, int(np.ceil(g.x1)) - 1) for g in glyphs
               if g.text in _X_HEIGHT]
        own = [b for b in own if b is not None]
        if len(own) >= 3:
            height = float(np.median([b[1] - b[0] for b in own]))
            foot = int(np.median([b[1] for b in own]))
            share = _X_HEIGHT_PER_EM
    _raised_glyphs(ink, glyphs, top, bottom, foot, height, x0, x1)
    if glyphs:
        glyphs[0].x0, glyphs[-1].x1 = min(glyphs[0].x0, x0), max(glyphs[-1].x1, x1)
    return _Row(glyphs, float(x0), float(x1), float(top), float(bottom), score, height / share)


def _raised_glyphs(ink: Any, glyphs: list[_Char], top: int, bottom: int, foot: int, height: float,
                   x0: int, x1: int) -> None:
    """Mark the raised small glyphs of a line: clusters of connected ink whose foot is well above
    the line's (a circled numeral is a circle and a digit). A cluster under a recognised marker
    character marks it; a cluster under no character at all (the engine dropped a small numeral)
    is added as a glyph to read again; one under other characters (quotes) is left alone."""
    import cv2
    import numpy as np

    lo = max(0, int(top - 0.5 * height))  # a raised glyph may reach above the line's band
    strip = np.ascontiguousarray(ink[lo:bottom, x0:x1], dtype=np.uint8)
    if strip.size == 0:
        return
    n, _labels, stats, _c = cv2.connectedComponentsWithStats(strip, connectivity=8)
    boxes = [(x0 + int(sx), lo + int(sy), x0 + int(sx + sw), lo + int(sy + sh))
             for sx, sy, sw, sh, area in stats[1:n] if area > 1]  # (x0, y0, x1, y1), specks left out
    other = [(g.x0, g.x1) for g in glyphs if g.text not in _MARKER_CHARS]
    lifted = [b for b in boxes if b[3] < foot - _RAISED_LIFT * height and b[3] - b[1] < 0.85 * height
              and b[2] - b[0] < height  # small and high, not a stroke of another recognised glyph (位's top)
              and not any(gx0 <= (b[0] + b[2]) / 2 <= gx1 for gx0, gx1 in other)]
    clusters: list[list[int]] = []  # components side by side or nested: one glyph
    for b in sorted(lifted):
        if clusters and b[0] <= clusters[-1][2] + 0.15 * height:
            c = clusters[-1]
            c[1], c[2], c[3] = min(c[1], b[1]), max(c[2], b[2]), max(c[3], b[3])
        else:
            clusters.append(list(b))
    added = []
    for cx0, cy0, cx1, cy1 in clusters:
        under = [g for g in glyphs if cx0 - 1 <= (g.x0 + g.x1) / 2 <= cx1 + 1]
        near = [g for g in glyphs if g.x0 < cx1 + 0.3 * height and g.x1 > cx0 - 0.3 * height]
        # the cluster must not be a piece of a taller glyph (a bracket, a slash) standing on the line
        whole = [bb for bb in boxes if min(bb[2], cx1) - max(bb[0], cx0) > 0.3 * (cx1 - cx0)
                 and bb[3] >= foot - _RAISED_LIFT * height]  # (a neighbour touching its edge does not count)
        if whole:
            continue
        if under and all(g.text in _MARKER_CHARS for g in under):
            for g in under:
                g.band, g.ink = (cy0, cy1), (cx0, cx1)
        elif not under and not any(g.text in _QUOTES for g in near) \
                and not any(_ideograph(g.text) and min(g.x1, cx1) - max(g.x0, cx0) > 0.5 * (cx1 - cx0)
                            for g in near) \
                and cy1 - cy0 >= 0.45 * height and cx1 - cx0 >= 0.35 * height:
            # the size of a small numeral (not a speck or the dot of 小), not a quote, not a stroke
            # of an ideograph whose box it lies in
            added.append(_Char("", float(cx0), float(cx1), (cy0, cy1), (cx0, cx1)))
    if added:
        glyphs.extend(added)
        glyphs.sort(key=lambda g: g.x0)


def _reread(engine: Any, gray: Any, rows: list[_Row]) -> None:
    """Read each raised glyph again on its own, enlarged: at 0.6 of the body size the engine, reading
    the whole line, misreads small circled numerals (⑦ as ①) or drops them. A glyph that does not
    read as a marker is dropped if the engine had not seen it, else left as it read it."""
    import cv2
    import numpy as np

    for row in rows:
        seen: dict[tuple[int, int], _Char] = {}
        for g in row.chars:
            if g.ink is None or g.band is None:
                continue
            if g.ink in seen:  # one cluster under two characters ("11"): read once, for the first
                g.text = ""
                continue
            seen[g.ink] = g
            (ix0, ix1), (iy0, iy1) = g.ink, g.band
            crop = gray[iy0:iy1, ix0:ix1]  # its own ink only: a neighbour's edge would be read too
            if crop.size == 0:
                continue
            scale = _REREAD_HEIGHT / crop.shape[0]
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
            crop = cv2.copyMakeBorder(crop, 8, 8, 16, 16, cv2.BORDER_CONSTANT, value=255)
            try:
                res = engine(np.ascontiguousarray(np.dstack([crop] * 3)), use_det=False, use_cls=False,
                             use_rec=True, return_word_box=False, return_single_char_box=False)
            except Exception:  # nothing read: keep what the line's reading gave
                continue
            text = "".join(res.txts or ()).strip() if res.txts else ""
            m = _BRACKETED.match(text)
            if m and 0.75 <= (ix1 - ix0) / max(1, iy1 - iy0) <= 1.33 and 1 <= int(m.group(1)) <= 20:
                text = chr(0x2460 + int(m.group(1)) - 1)  # a round glyph read as (7): the circled ⑦
            if text and all(ch in _MARKER_CHARS for ch in text):
                g.text = text
        row.chars = [g for g in row.chars if g.text]


def _join(rows: list[_Row]) -> list[_Row]:
    """Join detections that continue each other on one text line (same band and size, small gap)."""
    out: list[_Row] = []
    for row in sorted(rows, key=lambda r: (r.x0)):
        for other in out:
            overlap = min(other.bottom, row.bottom) - max(other.top, row.top)
            small, big = sorted((row.em, other.em))
            gap = row.x0 - other.x1
            if overlap > 0.5 * small and small > 0.85 * big and -0.5 * small < gap < _JOIN_GAP_EM * big:
                other.chars.extend(row.chars)
                other.x1 = row.x1
                other.top, other.bottom = min(other.top, row.top), max(other.bottom, row.bottom)
                other.score = min(other.score, row.score)
                break
        else:
            out.append(row)
    return out
