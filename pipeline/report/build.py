"""Write the report directory: ``index.html`` (the front page of findings, ``findings.py``), a
page per section (``documents.html``, ``topics.html``, …), ``report.md``, the tables in ``data/`` (CSV) and
``report.xlsx``, a page per topic, concept, author and paper, figures, and the shared assets.

A report is a list of sections; each section builder (``sections.py``) reads the run context
and returns a :class:`ReportSection` holding its tables, Markdown and HTML. Adding a part of
the report is appending one builder to ``SECTIONS``. Every text that comes from a paper goes
through Jinja2 autoescaping or ``markupsafe.escape``: a paper holding ``<script>`` runs nothing.
"""
from __future__ import annotations

import functools
import gc
import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..context import ReportContext


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
    page: str = ""  # the report page the section is on (``sections.page_of``); the front page is index.html


def failed_sections(sections: list[ReportSection]) -> list[str]:
    """Every failure shown in the report, one message each (``--strict`` exits 1 on any)."""
    return [msg for s in sections for msg in s.failed]


def previous_run_info(out: Path) -> dict[str, Any]:
    """The ``run.json`` of the report now in ``out`` ({} if there is none or it is unreadable):
    what sections kept for the next report (``ReportSection.run_info``) to reuse pages by."""
    from .outdir import read_run_info

    return read_run_info(out) or {}


def empty_note(reason: str) -> tuple[Markup, str]:
    """Why a model's part of the report is empty (a small or odd corpus), as HTML and Markdown:
    a reader sees the reason where the model's tables would be, not a missing section."""
    return Markup('<p class="empty">{}</p>').format(f"空 empty: {reason}"), f"> 空 empty: {reason}\n\n"


def gate_note(reason: str) -> Markup:
    """Why a model-derived figure is withheld or tentative (issue 15's evidence gates): said where
    the figure would be, in the style of an empty note."""
    return Markup('<p class="empty gate">{}</p>').format(reason)


def iter_pages(section: ReportSection) -> Iterable[tuple[str, str | Path]]:
    """The section's pages as (relative path, HTML or a kept file) pairs, rendered lazily when they are lazy."""
    pages = section.pages
    return pages() if callable(pages) else pages.items()


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


ASSETS = Path(__file__).with_name("assets")


def _build_section(build: Callable[[ReportContext], ReportSection | None], ctx: ReportContext) -> ReportSection | None:
    """One section failing (unexpected data from a stage) leaves the rest of the report standing,
    with the error shown where the section would be and printed on the terminal."""
    try:
        return build(ctx)
    except Exception as e:
        import traceback

        name = getattr(build, "__name__", "section").strip("_")
        msg = f"report section {name} failed: {e.__class__.__name__}: {e}"
        log = getattr(ctx, "log", None)
        if callable(log):
            log("warning: " + msg + "\n" + traceback.format_exc(limit=3))
        return ReportSection(f"error-{name}", f"{name}（生成失败）", "section failed", md=f"> {msg}\n",
                             html=Markup('<p class="failed">{}</p>').format(msg), failed=[msg])


def _guarded(section: ReportSection, items: Callable[[], Iterable[tuple[str, Any]]], ctx: ReportContext,
             what: str) -> Iterable[tuple[str, Any]]:
    """A section's lazy pages or files. They are made after the section's index part was built,
    so a failure part-way is reported like a failed section: on the terminal and, since the
    index is rendered last, under the section's heading. What was already written stays."""
    try:
        yield from items()
    except Exception as e:
        import traceback

        msg = f"report {what} of {section.key} failed: {e.__class__.__name__}: {e}"
        section.html = Markup(section.html) + Markup('<p class="failed">{}</p>').format(msg)
        section.failed.append(msg)
        log = getattr(ctx, "log", None)
        if callable(log):
            log("warning: " + msg + "\n" + traceback.format_exc(limit=3))


def _write_sections(ctx: ReportContext, tmp: Path) -> tuple[list[ReportSection], list[ReportSection]]:
    """Build the sections and the front page's blocks, and write everything but the top-level
    pages (``write_pages``) and run.json into ``tmp``.

    Order matters for time: the tables (CSV, report.xlsx), the figures and the pyLDAvis page
    are made in side processes as soon as their data exist, the pages are rendered
    meanwhile (and written by a thread), and the children's results are collected last."""
    from .background import submit
    from .changes_section import save_summary
    from .findings import front_page
    from .sections import SECTIONS, page_of
    from .writer import FileWriter, write_tables

    from .entities import run_aliases
    from .links import use_aliases

    use_aliases(run_aliases(ctx))  # before any section links a person (see links.author_href)
    sections = []
    for build in SECTIONS:
        s = _build_section(build, ctx)
        if s is not None:
            s.page = page_of(build)  # a failed section too: its box stands where the section would be
            sections.append(s)
    # Submitted before any page is rendered: the side process writes the tables meanwhile.
    tables = submit(ctx, write_tables, [item for s in sections for item in s.tables.items()], tmp)
    files = FileWriter(tmp)
    try:
        for s in sections:
            files.write_all(_guarded(s, lambda s=s: iter_pages(s), ctx, "pages"))
            if not callable(s.files):
                files.write_all(s.files.items())
        for s in sections:
            if callable(s.files):
                files.write_all(_guarded(s, s.files, ctx, "files"))
    finally:
        files.close()
    # After every file: the front page reads the stage results, not the pages, but its failures
    # count with the sections' (``--strict``).
    front = front_page(ctx, sections)
    md = [f"# litmap 报告 (report)\n\n语料 corpus: `{ctx.corpus}` · run {ctx.run_id} · mode {ctx.mode}\n"]
    md += [f"## {s.title_zh} ({s.title_en})\n\n{s.md}" for s in sections]
    (tmp / "report.md").write_text("\n".join(md), encoding="utf-8")
    failures = failed_sections(sections + front)
    try:
        save_summary(ctx, tmp / "summary.json")
    except Exception as e:  # the next run then compares with nothing; the report stands
        msg = f"report summary.json failed: {e.__class__.__name__}: {e}"
        failures.append(msg)
        log = getattr(ctx, "log", None)
        if callable(log):
            log("warning: " + msg)
    tables.result()
    if hasattr(ctx, "failed_sections"):
        ctx.failed_sections = failures
    return sections, front


def write_pages(tmp: Path, sections: list[ReportSection], front: list[ReportSection]) -> None:
    """``index.html`` (the front page of findings) and a page per section (``sections.PAGES``:
    documents.html, topics.html, …). Rendered last: a section's lazy files may still add to its
    HTML (the pyLDAvis link, a failure box)."""
    by_page: dict[str, list[ReportSection]] = {}
    for s in sections:
        by_page.setdefault(s.page or f"{s.key}.html", []).append(s)
    for page, secs in by_page.items():
        title, title_en = (secs[0].title_zh, secs[0].title_en) if len(secs) == 1 else ("litmap 报告", "litmap report")
        (tmp / page).write_text(render_page(title, title_en, secs, current=page), encoding="utf-8")
    (tmp / "index.html").write_text(render_page("litmap 文献图谱报告", "litmap report: findings", front, toc=False,
                                                layout="findings", current="index.html"), encoding="utf-8")


def write_report(ctx: ReportContext) -> Path:
    """Build the report in a sibling folder and swap it in whole (see ``outdir.py``): a run
    killed while writing leaves the previous report as it was."""
    from .background import workers
    from .outdir import GENERATOR, new_build_dir, swap_in

    started = time.time()
    out = Path(ctx.out)
    tmp = new_build_dir(out)
    try:
        (tmp / "data").mkdir()
        shutil.copytree(ASSETS, tmp / "assets", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        # No cyclic garbage collection while the report is written. The report allocates millions
        # of objects (stage results unpickled on first use, the JSON of the streamed papers, page
        # strings) and makes almost no reference cycles, but each allocation burst triggers full
        # collections that walk every live object: 0.5-1 s of a 1,000-paper report, for no
        # difference in peak memory.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            with workers(ctx):
                sections, front = _write_sections(ctx, tmp)
        finally:
            if was_enabled:
                gc.enable()
        write_pages(tmp, sections, front)
        entries = sorted({p.name for p in tmp.iterdir()} | {"run.json"})
        (tmp / "run.json").write_text(json.dumps({
            "generator": GENERATOR, "version": __version__,
            "run_id": ctx.run_id, "corpus": str(ctx.corpus), "store": str(ctx.store.path.resolve()),
            "mode": ctx.mode, "stats": ctx.stats, "changes": ctx.changes, "stage_hashes": ctx.stage_hashes,
            "report_hash": getattr(ctx, "report_hash", ""), **{k: v for s in sections for k, v in s.run_info.items()},
            "failed_sections": getattr(ctx, "failed_sections", failed_sections(sections)),
            "parse_key": list(ctx.parse_key), "features_key": list(getattr(ctx, "features_key", ())), "files": [[f.source, f.key] for f in ctx.files if f.status == "ok"],
            "entries": [e for e in entries if e != ".litmap-partial"],
            "timings": {k: round(v, 3) for k, v in ctx.timings.items()}}, ensure_ascii=False, indent=1), encoding="utf-8")
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    getattr(ctx, "timings", {})["report_write"] = time.time() - started
    return out
