"""Pages without a text layer (scans) get their lines from OCR, as typed lines like any other."""
from __future__ import annotations

from typing import Any

from .pdf_geometry import Line, Page, Span, merge_lines


def recognise(doc: Any, pages: list[Page], empty: list[int], cfg: dict[str, Any], warnings: list[str]) -> None:
    """Fill the lines of the ``empty`` pages by OCR when an engine is installed and ``ocr`` is on;
    otherwise say which pages are missing."""
    listed = [i + 1 for i in empty[:20]]
    reason: str | None
    try:
        from .ocr import ocr_available, ocr_page

        reason = ocr_available() if cfg.get("ocr", True) else "OCR is off (ingest.pdf.ocr: false)"
    except ImportError as e:  # the engine's package is not installed
        reason = f"no OCR engine ({e})"
    if reason is not None:
        warnings.append(f"pages without a text layer (scanned?): {listed}; their text is missing: {reason}")
        return
    dpi = int(cfg.get("ocr_dpi", 200))
    done = 0
    for i in empty:
        got = ocr_page(doc[i], dpi)
        lines = [Line([Span(o.text, o.size, o.x0, o.y0, o.x1, o.y1, o.y1 - 0.15 * o.size)], i).measure()
                 for o in got if o.text.strip()]
        if lines:
            pages[i].lines = merge_lines(lines)
            pages[i].scanned = True
            done += 1
    warnings.append(f"pages without a text layer read by OCR: {listed} ({done} with text)")
