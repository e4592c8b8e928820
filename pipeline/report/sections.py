"""Report section builders, in page order. Each takes the run context and returns a section."""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd
from markupsafe import Markup, escape

from .build import ReportSection, table_html, table_md

NAV: list[dict[str, str]] = [
    {"href": "index.html#overview", "zh": "文献概览", "en": "Documents"},
    {"href": "index.html#changes", "zh": "本次变化", "en": "Changes"},
    {"href": "index.html#references", "zh": "引文", "en": "References"},
    {"href": "index.html#topics", "zh": "主题", "en": "Topics"},
    {"href": "index.html#concepts", "zh": "概念", "en": "Concepts"},
]

DOC_COLUMNS = ["doc_id", "work_id", "source", "status", "error", "title", "authors", "year", "year_inferred",
               "journal", "issue", "kind", "encoding", "script", "n_paragraphs", "n_footnotes", "warnings"]


def document_rows(ctx: Any) -> pd.DataFrame:
    doc_work = ctx.results.get("works", {}).get("doc_work", {})
    rows = []
    by_source: dict[str, list[dict[str, Any]]] = {}
    for p in ctx.papers:
        by_source.setdefault(p["source"].split("#")[0], []).append(p)
    for f in ctx.files:
        if f.status == "ok":
            for p in by_source.get(f.source, []):
                m = p["meta"]
                rows.append({
                    "doc_id": p["doc_id"], "work_id": doc_work.get(p["doc_id"]), "source": p["source"],
                    "status": "ok", "error": "", "title": m.get("title"), "authors": ";".join(m.get("authors") or []),
                    "year": m.get("year"), "year_inferred": m.get("year_inferred"), "journal": m.get("journal"),
                    "issue": m.get("issue"), "kind": p.get("kind", "text"), "encoding": p["encoding"],
                    "script": p["script"], "n_paragraphs": sum(len(s["paragraphs"]) for s in p["sections"]),
                    "n_footnotes": len(p["footnotes"]), "warnings": " | ".join(p["warnings"])})
        else:
            rows.append({"doc_id": f.key, "source": f.source, "status": f.status, "error": f.error or ""})
    df = pd.DataFrame(rows, columns=DOC_COLUMNS)
    for col in ("year", "year_inferred", "n_paragraphs", "n_footnotes"):
        df[col] = df[col].astype("Int64")
    return df


def overview(ctx: Any) -> ReportSection:
    df = document_rows(ctx)
    ok = df[df.status == "ok"]
    n_works = ok.work_id.nunique() if len(ok) else 0
    stats = ctx.stats
    summary = (f"{len(ok)} 篇文献 documents ({n_works} 部作品 works), {stats.get('n_failed', 0)} 个失败 failed, "
               f"{stats.get('n_skipped', 0)} 个跳过 skipped; 本次处理 processed {stats.get('n_processed', 0)}, "
               f"缓存 cached {stats.get('n_cached', 0)}.")
    show = df[["source", "status", "title", "authors", "year", "year_inferred", "journal", "n_paragraphs",
               "n_footnotes", "error"]].copy()
    show["year_inferred"] = show["year_inferred"].map(lambda y: f"{y}（推断 inferred）" if pd.notna(y) else "")
    html = Markup(f"<p>{escape(summary)}</p>") + table_html(show)
    md = summary + "\n\n" + table_md(show)
    warn = df[(df.warnings.fillna("") != "")][["source", "warnings"]]
    if len(warn):
        html += Markup("<h3>警告 <span class=\"en\">Warnings</span></h3>") + table_html(warn)
        md += "\n### 警告 Warnings\n\n" + table_md(warn)
    return ReportSection("overview", "文献概览", "Documents", md, html, {"documents": df})


def changes(ctx: Any) -> ReportSection:
    ch = ctx.changes
    prev = ch.get("previous_run") or []
    lines = [f"上次运行 previous run: {prev[0] if prev else '无 none (first run)'}",
             f"模式 mode: {'增量更新 update (models folded forward, not refit)' if ctx.mode == 'update' else '重新拟合 refit'}"]
    for key, zh in (("added", "新增"), ("changed", "修改"), ("removed", "移除")):
        items = ch.get(key, [])
        lines.append(f"{zh} {key}: {len(items)}" + (" — " + ", ".join(items[:50]) if items else ""))
    failed = [f for f in ctx.files if f.status == "failed"]
    lines.append(f"失败 failed: {len(failed)}" + (" — " + "; ".join(f"{f.source}: {f.error}" for f in failed[:50]) if failed else ""))
    html = Markup("<ul>") + Markup("").join(Markup("<li>%s</li>") % line for line in lines) + Markup("</ul>")
    return ReportSection("changes", "本次变化", "What changed", "\n".join(f"- {x}" for x in lines) + "\n", html)


def _references(ctx: Any) -> ReportSection | None:
    from .refs_section import references_section

    return references_section(ctx)


def _topics(ctx: Any) -> ReportSection | None:
    from .topics_section import topics_section

    return topics_section(ctx)


def _concepts(ctx: Any) -> ReportSection | None:
    from .concepts_section import concepts_section

    return concepts_section(ctx)


SECTIONS: list[Callable[[Any], ReportSection | None]] = [changes, overview, _references, _topics, _concepts]
