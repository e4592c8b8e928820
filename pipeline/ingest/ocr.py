"""Text lines of a scanned PDF page (no text layer), read by OCR: RapidOCR on ONNX Runtime.

The engine is ``rapidocr`` (PP-OCRv6 small detection and recognition models for Chinese and
Latin, shipped inside the wheel, so nothing is downloaded at run time) on ``onnxruntime`` with
OpenCV headless (no libGL). It is loaded once per process.

A page is rendered at ``ocr_dpi`` and recognised in one engine call. The engine gives a box and a
text per detected line and, on request, a box per character; the box of a line is padded around
its glyphs, so the geometry returned here is measured on the page image instead: the band of rows
that hold ink across the line gives its top, its bottom (the baseline region) and the glyph height,
from which ``size`` estimates the type size in points. That is what layout code needs to tell body
text from smaller footnote text.

A note call set raised and small (``力量⑦。`` with ⑦ above the baseline, or a superscript 1) is
found on the image: connected ink in the line whose foot is well above the line's foot and that is
smaller than its glyphs. Under a recognised marker character (digits, circled numbers, † ‡,
brackets) that character is raised; under no character at all (the engine dropped it) it is added.
Each raised glyph is then read again alone, enlarged, because reading the whole line the engine
misreads or drops small circled numerals. The line is returned in pieces: the text before, the
raised marker (``raised=True``, its own box and size), the text after; pieces of one text line
share ``line``. A star (*) stays inline: its glyph sits high in every font.

Detections the engine cut apart on one text line (it does so at wide gaps, e.g. letter-spaced
Latin) are joined when they share the band, have the same size and the gap is under an em, so a
column gutter (wider) still separates two columns.

The engine and the page are here; the measuring on the image is in ``ocr_measure.py``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from .ocr_measure import _ink_mask, _join, _measure, _reread


@dataclass(frozen=True)
class OcrLine:
    """A recognised text line, or a piece of one (see ``raised``), in PDF points (y down)."""

    text: str
    x0: float
    y0: float  # top of the glyphs' ink
    x1: float
    y1: float  # bottom of the glyphs' ink (the baseline, or the descenders of Latin text)
    size: float  # estimated type size in points (glyph ink height / a CJK glyph's share of its em)
    score: float  # the engine's confidence, 0-1
    raised: bool = False  # a small raised glyph run inside a line: a note call
    line: int = 0  # pieces of the same text line share this number (lines numbered top to bottom)


@functools.lru_cache(maxsize=1)
def _engine() -> tuple[Any, str | None]:
    """(engine, None) or (None, reason). Cached: the models load once per process."""
    try:
        from rapidocr import RapidOCR
    except Exception as e:  # ImportError, or a broken native library under it
        return None, f"the OCR engine is not installed (pip install rapidocr onnxruntime: {e})"
    try:
        # Images are rendered at the configured dpi on purpose: the engine's own shrinking of large
        # images (max_side_len 2000 px, i.e. 170 dpi for A4) would override it.
        # One thread per model: litmap reads files in a pool of processes, one per core, and on a
        # busy machine ONNX Runtime's spinning thread pool took 1.4-2x longer than one thread
        # (bench/ocr.py, 2 cores shared).
        # Detection finds lines as well on an image of 1600 px (137 dpi for A4) and took 4-6 s
        # instead of 1-1.5 s per page on the full 200 dpi image; recognition still reads its crops
        # from the full image.
        engine = RapidOCR(params={"Global.log_level": "error", "Global.max_side_len": 20000,
                                  "Global.use_cls": False,
                                  "Det.limit_type": "max", "Det.limit_side_len": 1600,
                                  "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                                  "EngineConfig.onnxruntime.inter_op_num_threads": 1})
    except Exception as e:
        return None, f"the OCR engine cannot start ({type(e).__name__}: {e})"
    return engine, None


def ocr_available() -> str | None:
    """None if scanned pages can be read, else the reason they cannot (for the user's message)."""
    return _engine()[1]


def ocr_page(page: Any, dpi: int) -> list[OcrLine]:
    """The text lines of a PyMuPDF page, read from its image rendered at ``dpi``.

    Lines come top to bottom (by the middle of their band), pieces of a line left to right.
    """
    import cv2
    import numpy as np
    import pymupdf

    engine, reason = _engine()
    if engine is None:
        raise RuntimeError(reason)
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)
    rgb = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # OpenCV's channel order, as the engine expects
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    ink = _ink_mask(gray)
    try:
        # Every switch given on every call: the engine keeps the last call's switches. No line
        # orientation classifier: it turned clear upright lines over (read as 胡关存边热热花乔热期,
        # score 0.55) on a WeasyPrint page; printed lines stand upright.
        result = engine(bgr, use_det=True, use_cls=False, use_rec=True, return_word_box=True,
                        return_single_char_box=True)
    except Exception as e:  # a blank page: the engine raises on "no text detected" in some paths
        if "empty" in str(e).lower():
            return []
        raise
    if result.boxes is None or not result.txts:
        return []
    rect = page.rect
    sx, sy = rect.width / pix.width, rect.height / pix.height
    words = result.word_results if len(result.word_results) == len(result.txts) else [None] * len(result.txts)
    rows = []
    for box, text, score, chars in zip(result.boxes, result.txts, result.scores, words):
        row = _measure(ink, box, text, float(score), chars)
        if row is not None:
            rows.append(row)
    _reread(engine, gray, rows)
    rows = _join(sorted(rows, key=lambda r: ((r.top + r.bottom) / 2, r.x0)))
    out: list[OcrLine] = []
    for n, row in enumerate(sorted(rows, key=lambda r: ((r.top + r.bottom) / 2, r.x0))):
        for piece in row.pieces():
            text, x0, y0, x1, y1, raised, em = piece
            if not text.strip():
                continue
            out.append(OcrLine(text, rect.x0 + x0 * sx, rect.y0 + y0 * sy,
                               rect.x0 + x1 * sx, rect.y0 + y1 * sy,
                               round(em * sy, 2), round(row.score, 4), raised, n))
    return out


