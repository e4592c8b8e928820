"""Pages without a text layer (scans) get their lines from OCR, as typed lines like any other."""
from __future__ import annotations

from typing import Any

from .pdf_geometry import Line, Page, Span, build_lines


def recognise(doc: Any, pages: list[Page], empty: list[int], cfg: dict[str, Any], warnings: list[str]) -> str | None:
    """Fill the lines of the ``empty`` pages by OCR when an engine is installed and ``ingest.pdf.ocr``
    is on. Returns None when OCR ran, else the reason it did not (the pages stay empty)."""
    listed = [i + 1 for i in empty[:20]]
    reason: str | None
    if not cfg["ocr"]:
        reason = "OCR is off (ingest.pdf.ocr: false)"
    else:
        try:
            from .ocr import ocr_available

            reason = ocr_available()
        except ImportError as e:  # the engine's package is not installed
            reason = f"no OCR engine ({e})"
    if reason is not None:
        warnings.append(f"pages without a text layer (scanned?): {listed}; their text is missing: {reason}")
        return reason
    from .ocr import ocr_page

    dpi = int(cfg["ocr_dpi"])
    done = 0
    for i in empty:
        pieces = []
        for o in ocr_page(doc[i], dpi):
            if o.text.strip():
                # the ink's foot is the baseline of Chinese text; a raised call keeps its own
                span = Span(o.text, o.size, o.x0, o.y0, o.x1, o.y1, o.y1, o.raised)
                pieces.append(Line([span], i).measure())
        if pieces:
            pages[i].lines = build_lines(pieces, float(doc[i].rect.width))
            pages[i].scanned = True
            done += 1
    warnings.append(f"pages without a text layer read by OCR ({dpi} dpi): {listed}; {done} gave text")
    return None
