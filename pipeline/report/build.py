"""Write the report directory: ``index.html`` (the front page of findings, ``findings.py``), a
page per section (``documents.html``, ``topics.html``, …), ``report.md``, the tables in ``data/`` (CSV) and
``report.xlsx``, a page per topic, concept, author and paper, figures, and the shared assets.

A report is a list of sections; each section builder (``sections.py``) reads the run context
and returns a :class:`~pipeline.report.section.ReportSection` holding its tables, Markdown and
HTML. Adding a part of the report is appending one builder to ``SECTIONS``. This module only
assembles and writes them; the HTML primitives they are made of are in ``html.py``.
"""
from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import __version__
from ..context import ReportContext
from .html import (BAR_COLUMNS, bar, cells_table, empty_note, gate_note, join, link, render_page, table_html,
                   table_md, wrap_table)
from .section import ReportSection, failed_sections, iter_pages, previous_run_info

# Where they were defined before the split: importers of ``report.build`` keep working.
__all__ = ["ASSETS", "BAR_COLUMNS", "ReportSection", "bar", "cells_table", "empty_note", "failed_sections",
           "gate_note", "iter_pages", "join", "link", "previous_run_info", "render_page", "table_html", "table_md",
           "wrap_table", "write_pages", "write_report"]


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


def _pages_bar(ctx: ReportContext, total: int) -> Any:
    """``ctx.progress`` over the report's pages (a bar on a terminal after a few seconds, nothing
    elsewhere); None for a context without one (a script's own object)."""
    progress = getattr(ctx, "progress", None)
    return progress("pages", total, "pages") if callable(progress) and total else None


def _counted(items: Iterable[tuple[str, Any]], bar: Any) -> Iterable[tuple[str, Any]]:
    for item in items:
        yield item
        if bar is not None:
            bar.update(1)


def _write_sections(ctx: ReportContext, tmp: Path) -> tuple[list[ReportSection], list[ReportSection]]:
    """Build the sections and the front page's blocks, and write everything but the top-level
    pages (``write_pages``) and run.json into ``tmp``.

    Order matters for time: the tables (CSV, report.xlsx), the figures and the pyLDAvis page
    are made in side processes as soon as their data exist, the pages are rendered
    meanwhile (and written by a thread), and the children's results are collected last."""
    from .background import stream_tables
    from .changes_section import save_summary
    from .early_figures import drawn_early as figures_drawn_early
    from .findings import front_page
    from .sections import SECTIONS, build_order, page_of
    from .writer import FileWriter, finish_tables, share_tables

    from .entities import run_aliases
    from .links import use_aliases

    use_aliases(run_aliases(ctx))  # before any section links a person (see links.author_href)
    # Each section's tables go to the side process as soon as it is built: it writes them while
    # the next sections are built and the pages rendered.
    tables = stream_tables(ctx, [], tmp, done=False)
    try:
        built: dict[int, ReportSection] = {}
        for build in build_order(figures_drawn_early(ctx)):
            s = _build_section(build, ctx)
            if s is not None:
                s.page = page_of(build)  # a failed section too: its box stands where the section would be
                built[SECTIONS.index(build)] = s
                tables.add(s.tables.items())
    finally:
        tables.finish()
    sections = [built[i] for i in sorted(built)]  # shown in SECTIONS' order
    all_tables = [item for s in sections for item in s.tables.items()]
    files = FileWriter(tmp)
    # One bar over every page of the sections (paper, author, concept, topic pages): most of a
    # large report's time. The section pages and the front page come after, in a moment.
    bar = _pages_bar(ctx, sum(s.n_pages if callable(s.pages) else len(s.pages) for s in sections))
    try:
        for s in sections:
            files.write_all(_counted(_guarded(s, lambda s=s: iter_pages(s), ctx, "pages"), bar))
            if not callable(s.files):
                files.write_all(s.files.items())
        for s in sections:
            if callable(s.files):
                files.write_all(_guarded(s, s.files, ctx, "files"))
    finally:
        if bar is not None:
            bar.close()
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
    share_tables(all_tables, tmp)  # the CSVs the side process has not reached: no waiting for it
    tables.result()
    finish_tables(all_tables, tmp)
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
        # of objects (stage results loaded on first use, the JSON of the streamed papers, page
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
