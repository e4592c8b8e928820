"""Write the report directory: ``index.html``, ``report.md``, the tables in ``data/`` (CSV) and
``report.xlsx``, a page per topic, concept, author and paper, figures, and the shared assets.

A report is a list of sections; each section builder (``sections.py``) reads the run context
and returns a :class:`ReportSection` holding its tables, Markdown and HTML. Adding a part of
the report is appending one builder to ``SECTIONS``. Every text that comes from a paper goes
through Jinja2 autoescaping or ``markupsafe.escape``: a paper holding ``<script>`` runs nothing.
"""
from __future__ import annotations

import functools
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__


@dataclass
class ReportSection:
    key: str
    title_zh: str
    title_en: str
    md: str = ""
    html: Markup = field(default_factory=lambda: Markup(""))
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # name -> table written to data/NAME.csv
    pages: dict[str, str] = field(default_factory=dict)  # extra pages: relative path -> full HTML
    files: dict[str, bytes] = field(default_factory=dict)  # other files (figures): relative path -> bytes


def table_html(df: pd.DataFrame, max_rows: int = 200, links: dict[str, Callable[[Any], str | None]] | None = None,
               filter: bool = False, hidden: tuple[str, ...] = ()) -> Markup:
    """An escaped HTML table; ``links`` maps a column to a function giving each cell's href;
    ``filter`` adds a search box (assets/litmap.js) above long tables."""
    links = links or {}
    cols = [c for c in df.columns if c not in hidden]  # hidden columns feed links but are not shown
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    rows = []
    for rec in df.head(max_rows).to_dict("records"):
        cells = []
        for c in cols:
            v = rec[c]
            text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            href = links[c](rec) if c in links else None
            cells.append(f"<td><a href=\"{escape(href)}\">{escape(text)}</a></td>" if href else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class=\"muted\">… {len(df) - max_rows} more rows in the CSV</p>" if len(df) > max_rows else ""
    attr = " data-filter" if filter and len(df) > 15 else ""
    return Markup(f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}")


def cells_table(columns: list[str], rows: list[list[Any]], max_rows: int = 500, filter: bool = False) -> Markup:
    """A table whose cells may already be Markup (links built by the caller); other cells are escaped."""
    head = Markup("").join(Markup("<th>{}</th>").format(c) for c in columns)
    body = Markup("").join(
        Markup("<tr>") + Markup("").join(Markup("<td>{}</td>").format("" if v is None else v) for v in r) + Markup("</tr>")
        for r in rows[:max_rows])
    more = Markup('<p class="muted">… {} more rows</p>').format(len(rows) - max_rows) if len(rows) > max_rows else ""
    attr = Markup(" data-filter") if filter and len(rows) > 15 else Markup("")
    return Markup("<table{}><thead><tr>{}</tr></thead><tbody>{}</tbody></table>{}").format(attr, head, body, more)


def link(href: str, text: Any) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, "" if text is None else text)


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
    # Cached: compiling the template per page would dominate reports with thousands of pages.
    return Environment(loader=PackageLoader("pipeline", "report/templates"),
                       autoescape=select_autoescape(["html"]))


def render_page(title: str, title_en: str, sections: list[ReportSection], root: str = "") -> str:
    from .sections import NAV

    return _env().get_template("page.html").render(
        title=title, title_en=title_en, sections=sections, root=root, nav=NAV, version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M"))


ASSETS = Path(__file__).with_name("assets")


def _build_section(build: Callable[[Any], ReportSection | None], ctx: Any) -> ReportSection | None:
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
                             html=Markup('<p class="failed">{}</p>').format(msg))


def write_report(ctx: Any) -> Path:
    from .changes_section import save_summary
    from .sections import SECTIONS
    from .xlsx import write_xlsx

    started = time.time()
    out = Path(ctx.out)
    # Rebuild into a fresh directory and swap, so a report is never half old, half new.
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    shutil.copytree(ASSETS, tmp / "assets", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    sections = [s for s in (_build_section(build, ctx) for build in SECTIONS) if s is not None]
    tables: dict[str, pd.DataFrame] = {}
    md = [f"# litmap 报告 (report)\n\n语料 corpus: `{ctx.corpus}` · run {ctx.run_id} · mode {ctx.mode}\n"]
    for s in sections:
        md.append(f"## {s.title_zh} ({s.title_en})\n\n{s.md}")
        for name, df in s.tables.items():
            df.to_csv(tmp / "data" / f"{name}.csv", index=False, lineterminator="\n")
            tables[name] = df
        made: set[Path] = set()
        for rel, content in list(s.pages.items()) + list(s.files.items()):
            path = tmp / rel
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
    (tmp / "report.md").write_text("\n".join(md), encoding="utf-8")
    write_xlsx(tables, tmp / "report.xlsx")
    save_summary(ctx, tmp / "summary.json")
    (tmp / "index.html").write_text(render_page("litmap 文献图谱报告", "litmap report", sections), encoding="utf-8")
    (tmp / "run.json").write_text(json.dumps({
        "run_id": ctx.run_id, "corpus": str(ctx.corpus), "store": str(ctx.store.path.resolve()),
        "mode": ctx.mode, "stats": ctx.stats, "changes": ctx.changes, "stage_hashes": ctx.stage_hashes,
        "report_hash": getattr(ctx, "report_hash", ""),
        "parse_key": list(ctx.parse_key), "files": [[f.source, f.key] for f in ctx.files if f.status == "ok"],
        "timings": {k: round(v, 3) for k, v in ctx.timings.items()}}, ensure_ascii=False, indent=1), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    getattr(ctx, "timings", {})["report_write"] = time.time() - started
    return out
