"""A part of the report as its builders return it: tables, Markdown, HTML, extra pages and
files (:class:`ReportSection`), and what the writer asks of it. No HTML is made here
(``html.py``) and nothing is written (``build.py``)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup


@dataclass
class ReportSection:
    key: str
    title_zh: str
    title_en: str
    md: str = ""
    html: Markup = field(default_factory=lambda: Markup(""))
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # name -> table written to data/NAME.csv
    # Extra pages: relative path -> full HTML, or a callable yielding (relative path, HTML) pairs,
    # called once while the report is written: a page per paper or author of a 10,000-paper corpus
    # is rendered, written and dropped one at a time instead of held in one dict.
    pages: dict[str, str] | Callable[[], Iterable[tuple[str, str | Path]]] = field(default_factory=dict)
    # Other files (figures): relative path -> bytes or text, or a callable yielding the pairs,
    # called after every page is written, so the work it waits for (in a side process, see
    # background.py) overlaps the pages; it may still add to ``html``.
    files: dict[str, bytes | str] | Callable[[], Iterable[tuple[str, bytes | str]]] = field(default_factory=dict)
    run_info: dict[str, Any] = field(default_factory=dict)  # facts kept in run.json for the next report
    failed: list[str] = field(default_factory=list)  # what of this section failed ("section failed" boxes)
    n_pages: int = 0  # how many pages a lazy ``pages`` yields (the progress bar's total)
    page: str = ""  # the report page the section is on (``sections.page_of``); the front page is index.html


def failed_sections(sections: list[ReportSection]) -> list[str]:
    """Every failure shown in the report, one message each (``--strict`` exits 1 on any)."""
    return [msg for s in sections for msg in s.failed]


def previous_run_info(out: Path) -> dict[str, Any]:
    """The ``run.json`` of the report now in ``out`` ({} if there is none or it is unreadable):
    what sections kept for the next report (``ReportSection.run_info``) to reuse pages by."""
    from .outdir import read_run_info

    return read_run_info(out) or {}


def iter_pages(section: ReportSection) -> Iterable[tuple[str, str | Path]]:
    """The section's pages as (relative path, HTML or a kept file) pairs, rendered lazily when they are lazy."""
    pages = section.pages
    return pages() if callable(pages) else pages.items()
