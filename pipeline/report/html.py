"""The report's HTML and Markdown primitives: escaped tables, links, bars, notes, and the page
shell (the Jinja2 template with the navigation). Every text that comes from a paper goes
through Jinja2 autoescaping or ``markupsafe.escape`` here: a paper holding ``<script>`` runs
nothing. The assembly of the report from its sections is in ``build.py``.
"""
from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from .section import ReportSection


def empty_note(reason: str) -> tuple[Markup, str]:
    """Why a model's part of the report is empty (a small or odd corpus), as HTML and Markdown:
    a reader sees the reason where the model's tables would be, not a missing section."""
    return Markup('<p class="empty">{}</p>').format(f"空 empty: {reason}"), f"> 空 empty: {reason}\n\n"


def gate_note(reason: str) -> Markup:
    """Why a model-derived figure is withheld or tentative (issue 15's evidence gates): said where
    the figure would be, in the style of an empty note."""
    return Markup('<p class="empty gate">{}</p>').format(reason)


# Columns that hold a weight or a share in [0, 1]: drawn as bars (``bar``), not number columns.
BAR_COLUMNS = frozenset({"weight", "prevalence", "share"})


def bar(value: Any, top: float = 1.0, label: str | None = None, digits: int = 2) -> Markup:
    """A weight as a small bar (its width a share of ``top``) with its number, or ``label``,
    beside it. The number stays the cell's text, so sorting and filtering (assets/litmap.js)
    and copying read the value; the bar is decoration.

    >>> str(bar(0.5))
    '<span class="bar" aria-hidden="true"><span style="width:50%"></span></span><span class="num">0.50</span>'
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return Markup(escape("" if value is None else value))
    if v != v:  # NaN: no value
        return Markup("")
    pct = max(0.0, min(100.0, 100.0 * v / top)) if top else 0.0
    return Markup(f'<span class="bar" aria-hidden="true"><span style="width:{pct:.0f}%"></span></span>'
                  f'<span class="num">{escape(label) if label is not None else f"{v:.{digits}f}"}</span>')


def _bar_columns(df: pd.DataFrame, cols: list[str]) -> set[str]:
    """The weight columns of ``df`` whose values all lie in [0, 1] (a count named weight is not a share)."""
    out = set()
    for c in cols:
        if c in BAR_COLUMNS and pd.api.types.is_numeric_dtype(df[c]):
            v = df[c].dropna()
            if len(v) and float(v.min()) >= 0 and float(v.max()) <= 1:
                out.add(c)
    return out


def wrap_table(table: str) -> str:
    """A table inside a box that scrolls sideways: a wide table never widens the page (phones)."""
    return f'<div class="table-wrap">{table}</div>'


def table_html(df: pd.DataFrame, max_rows: int = 200, links: dict[str, Callable[[Any], str | None]] | None = None,
               filter: bool = False, hidden: tuple[str, ...] = ()) -> Markup:
    """An escaped HTML table; ``links`` maps a column to a function giving each cell's href;
    ``filter`` adds a search box (assets/litmap.js) above long tables. Weight and share columns
    (``BAR_COLUMNS``, values in [0, 1]) are drawn as bars. Tables over 50 rows are paged by
    assets/litmap.js; without JavaScript every row stays readable."""
    links = links or {}
    cols = [c for c in df.columns if c not in hidden]  # hidden columns feed links but are not shown
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    shown = df.head(max_rows)
    bars = _bar_columns(shown, cols)
    rows = []
    for rec in shown.to_dict("records"):
        cells = []
        for c in cols:
            v = rec[c]
            if c in bars:
                cells.append(f"<td>{bar(v)}</td>")
                continue
            text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            href = links[c](rec) if c in links else None
            cells.append(f"<td><a href=\"{escape(href)}\">{escape(text)}</a></td>" if href else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class=\"muted\">… {len(df) - max_rows} more rows in the CSV</p>" if len(df) > max_rows else ""
    attr = " data-filter" if filter and len(df) > 15 else ""
    return Markup(wrap_table(f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>") + more)


# The builders below run for every cell of every page (hundreds of thousands at 1,000 papers):
# they escape each value with ``escape`` inside f-strings, five times faster than
# ``Markup.format`` (a Python string formatter) and escaping the same way (Markup passes as is).

def cells_table(columns: list[str], rows: list[list[Any]], max_rows: int = 500, filter: bool = False) -> Markup:
    """A table whose cells may already be Markup (links built by the caller); other cells are escaped."""
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape('' if v is None else v)}</td>" for v in r) + "</tr>"
                   for r in rows[:max_rows])
    more = f'<p class="muted">… {len(rows) - max_rows} more rows</p>' if len(rows) > max_rows else ""
    attr = " data-filter" if filter and len(rows) > 15 else ""
    return Markup(wrap_table(f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>") + more)


def link(href: str, text: Any) -> Markup:
    return Markup(f'<a href="{escape(href)}">{escape("" if text is None else text)}</a>')


def join(sep: str, items: Iterable[Any]) -> Markup:
    """``Markup(sep).join(items)`` for many items: each item escaped (Markup kept as it is)."""
    return Markup(escape(sep).join(escape(x) for x in items))


def table_md(df: pd.DataFrame, max_rows: int = 30) -> str:
    if df.empty:
        return "_(none)_\n"
    def cell(v: Any) -> str:
        s = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        return s.replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    for rec in df.head(max_rows).itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in rec) + " |")
    if len(df) > max_rows:
        lines.append(f"\n… {len(df) - max_rows} more rows in the CSV")
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=1)
def _env() -> Environment:
    # Cached: compiling the template per page would dominate reports with thousands of pages;
    # auto_reload off: Jinja would otherwise stat the template file before every page.
    return Environment(loader=PackageLoader("pipeline", "report/templates"),
                       autoescape=select_autoescape(["html"]), auto_reload=False)


def render_page(title: str, title_en: str, sections: list[ReportSection], root: str = "", *,
                toc: bool = True, layout: str = "", current: str = "") -> str:
    """A page of the report: the navigation, a heading, the sections. ``toc`` lists the sections
    at the top (pages of three or more); ``layout`` is a class on <main> (``findings``: the
    front page's blocks side by side); ``current`` marks the navigation link of this page."""
    from .sections import NAV

    return _env().get_template("page.html").render(
        title=title, title_en=title_en, sections=sections, root=root, nav=NAV, version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M"), toc=toc, layout=layout, current=current)
