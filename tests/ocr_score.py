"""Scans made from a typeset PDF, and OCR scored against the text layer they were made from.

``scan`` keeps only pictures of the pages (no text layer remains), as a scanner would give them.
``score`` compares the OCR lines of one page with the original page's text lines: each OCR line
(or piece of one) goes to the original line its box overlaps most, and the character accuracy
(1 - edit distance / characters, whitespace removed) is summed per region, body and notes, so the
order in which lines come out (columns, pieces) does not count, only what they read. Text the OCR
finds where no original line is counts against it in full.

The regions come from the original layout: notes are the lines set smaller than the body (the
most common size) in the lower half of the page; the running head and page number in the margins
are left out of both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SPACE = re.compile(r"\s+")


def scan(data: bytes, dpi: int = 200, pages: int | None = None) -> bytes:
    """The PDF's pages as greyscale pictures only, at ``dpi``."""
    import pymupdf

    src = pymupdf.open(stream=data, filetype="pdf")
    out = pymupdf.open()
    for page in list(src)[:pages]:
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        new = out.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, pixmap=pix)
    return out.tobytes(garbage=3, deflate=True)


@dataclass
class TruthLine:
    region: str  # body | notes | margin
    box: tuple[float, float, float, float]
    text: str
    size: float
    got: list[tuple[float, str]] = field(default_factory=list)  # OCR pieces (x0, text)


def body_size(doc) -> float:
    """The body's type size: the largest size a quarter of the document's characters are set in
    (on the first pages of the seed the 9pt abstract and notes outweigh the 10.5pt body)."""
    chars: dict[float, int] = {}
    for page in doc:
        for block in page.get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                for s in line["spans"]:
                    chars[round(s["size"], 1)] = chars.get(round(s["size"], 1), 0) + len(s["text"].strip())
    total = sum(chars.values())
    return max((size for size, n in chars.items() if n >= 0.25 * total), default=0.0)


def truth_lines(page, region: str | None = None, body: float | None = None) -> list[TruthLine]:
    """The text lines of an original (text-layer) page, with their region (or all in ``region``:
    a page cropped to a band of body text or of notes). ``body``: the body size (else the most
    common line size of the page)."""
    if region is not None:
        return [TruthLine(region, tuple(ln["bbox"]), text, max(s["size"] for s in ln["spans"]))
                for block in page.get_text("dict")["blocks"] for ln in block.get("lines", [])
                if (text := "".join(s["text"] for s in ln["spans"])).strip()
                and 0 < (ln["bbox"][1] + ln["bbox"][3]) / 2 < page.rect.height]  # not the cropped edge's
    h = page.rect.height
    out = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            text = "".join(s["text"] for s in line["spans"])
            if not text.strip():
                continue
            x0, y0, x1, y1 = line["bbox"]
            size = max(s["size"] for s in line["spans"])
            region = "margin" if y1 < 0.08 * h or y0 > 0.95 * h else "body"
            out.append(TruthLine(region, (x0, y0, x1, y1), text, size))
    if body is None:
        sizes = [t.size for t in out if t.region == "body"]
        body = max(set(sizes), key=sizes.count, default=0)  # the most common line size
    for t in out:  # notes: lines smaller than the body in the lower half (not the abstract)
        if t.region == "body" and t.box[1] > h / 2 and t.size < body - 0.5:
            t.region = "notes"
    return out


def levenshtein(a: str, b: str) -> int:
    """Edit distance, O(len(a) * len(b)) on one line at a time."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def score(truth: list[TruthLine], lines) -> dict[str, tuple[float, int]]:
    """Per region: (character accuracy, characters in the original)."""
    for t in truth:
        t.got = []
    stray: dict[str, int] = {"body": 0, "notes": 0, "margin": 0}
    for ln in lines:
        best, area = None, 0.0
        for t in truth:
            w = min(ln.x1, t.box[2]) - max(ln.x0, t.box[0])
            h = min(ln.y1, t.box[3]) - max(ln.y0, t.box[1])
            if w > 0 and h > 0 and w * h > area:
                best, area = t, w * h
        if best is None:  # nothing there in the original: all of it is wrong
            near = min(truth, key=lambda t: abs((t.box[1] + t.box[3]) / 2 - (ln.y0 + ln.y1) / 2))
            stray[near.region] += len(_SPACE.sub("", ln.text))
        else:
            best.got.append((ln.x0, ln.text))
    out = {}
    for region in ("body", "notes"):
        errors, chars = stray[region], 0
        for t in truth:
            if t.region != region:
                continue
            want = _SPACE.sub("", t.text)
            got = _SPACE.sub("", "".join(text for _, text in sorted(t.got)))
            errors += levenshtein(want, got)
            chars += len(want)
        out[region] = (1 - errors / chars if chars else float("nan"), chars)
    return out
