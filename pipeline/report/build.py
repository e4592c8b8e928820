"""Write the report directory: ``index.html``, ``report.md`` and the tables in ``data/``.

A report is a list of sections; each section builder (``sections.py``) reads the run context
and returns a :class:`ReportSection` holding its tables, Markdown and HTML. Adding a part of
the report is appending one builder to ``SECTIONS``. Every text that comes from a paper goes
through Jinja2 autoescaping or ``markupsafe.escape``: a paper holding ``<script>`` runs nothing.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

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


def table_html(df: pd.DataFrame, max_rows: int = 200, links: dict[str, Callable[[Any], str | None]] | None = None) -> Markup:
    """An escaped HTML table; ``links`` maps a column to a function giving each cell's href."""
    links = links or {}
    head = "".join(f"<th>{escape(c)}</th>" for c in df.columns)
    rows = []
    for rec in df.head(max_rows).to_dict("records"):
        cells = []
        for c in df.columns:
            v = rec[c]
            text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            href = links[c](rec) if c in links else None
            cells.append(f"<td><a href=\"{escape(href)}\">{escape(text)}</a></td>" if href else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p class=\"muted\">… {len(df) - max_rows} more rows in the CSV</p>" if len(df) > max_rows else ""
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}")


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


def _env() -> Environment:
    return Environment(loader=PackageLoader("pipeline", "report/templates"),
                       autoescape=select_autoescape(["html"]))


def render_page(title: str, title_en: str, sections: list[ReportSection], root: str = "") -> str:
    from .sections import NAV

    return _env().get_template("page.html").render(
        title=title, title_en=title_en, sections=sections, root=root, nav=NAV, version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M"))


def write_report(ctx: Any) -> Path:
    from .sections import SECTIONS

    out = Path(ctx.out)
    data = out / "data"
    # Rebuild into a fresh directory and swap, so a report is never half old, half new.
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    sections = [s for s in (build(ctx) for build in SECTIONS) if s is not None]
    md = [f"# litmap 报告 (report)\n\n语料 corpus: `{ctx.corpus}` · run {ctx.run_id} · mode {ctx.mode}\n"]
    for s in sections:
        md.append(f"## {s.title_zh} ({s.title_en})\n\n{s.md}")
        for name, df in s.tables.items():
            df.to_csv(tmp / "data" / f"{name}.csv", index=False, lineterminator="\n")
        for rel, html in s.pages.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(html, encoding="utf-8")
    (tmp / "report.md").write_text("\n".join(md), encoding="utf-8")
    (tmp / "index.html").write_text(render_page("litmap 文献图谱报告", "litmap report", sections), encoding="utf-8")
    (tmp / "run.json").write_text(json.dumps({
        "run_id": ctx.run_id, "corpus": str(ctx.corpus), "store": str(ctx.store.path.resolve()),
        "mode": ctx.mode, "stats": ctx.stats, "changes": ctx.changes, "stage_hashes": ctx.stage_hashes,
        "parse_key": list(ctx.parse_key), "files": [[f.source, f.key] for f in ctx.files if f.status == "ok"],
        "timings": {k: round(v, 3) for k, v in ctx.timings.items()}}, ensure_ascii=False, indent=1), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    del data
    return out
