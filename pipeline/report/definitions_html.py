"""Definitions by author in the report: ``data/definitions.csv``, the table of definitions on each
concept page, and the front-page block of concepts whose definers disagree (issue 17).

The rows are the ``definitions`` stage's (``pipeline/concepts/definitions.py``). "self" in the CSV
is the paper's own authors, named on the pages. Paper text goes through ``escape`` (cells_table).
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from ..concepts.definitions import COLUMNS, SELF, divergent
from ..context import ReportContext
from .html import cells_table, join, link
from .section import ReportSection
from .links import author_href, concept_slugs, paper_href

KIND_LABEL = {"definition": "定义 definition", "characterization": "刻画 characterization"}


def definition_rows(ctx: ReportContext) -> list[dict[str, Any]]:
    res = (getattr(ctx, "results", None) or {}).get("definitions") or {}
    return list(res.get("rows") or [])


def definitions_table(ctx: ReportContext) -> pd.DataFrame:
    """The rows of ``data/definitions.csv`` (columns exactly ``COLUMNS``)."""
    df = pd.DataFrame([{k: d.get(k) for k in COLUMNS} for d in definition_rows(ctx)], columns=COLUMNS)
    for c in ("definer_footnote", "year"):
        df[c] = df[c].astype("Int64")
    return df


def by_concept(ctx: ReportContext) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for d in definition_rows(ctx):
        out.setdefault(d["concept"], []).append(d)
    return out


def _definer_cell(d: dict[str, Any], root: str) -> Markup:
    if d["definer"] == SELF:
        own = d.get("doc_authors") or []
        who = join("、", (link(root + author_href(a), a) for a in own)) if own else Markup("")
        return Markup("{} <span class=\"muted\">(作者自己 own)</span>").format(who)
    fn = d.get("definer_footnote")
    note = link(root + paper_href(d["doc_id"], f"fn{fn}"), f"[注 {fn}]") if fn is not None else Markup("")
    return Markup("{} {}").format(d["definer"], note)


def concept_definitions_html(defs: list[dict[str, Any]] | None, root: str = "../") -> ReportSection | None:
    """The concept page's table: definer, year, sentence, the cue that matched, kind."""
    if not defs:
        return None
    rows = [[_definer_cell(d, root), d.get("year"), link(root + paper_href(d["doc_id"]), d["sentence"]),
             d["cue"], KIND_LABEL.get(d["kind"], d["kind"])] for d in defs]
    html = cells_table(["界定者 definer", "年 year", "句子 sentence", "线索 cue", "类型 kind"], rows)
    html += Markup('<p class="muted">线索见 cues from configs/definitions.yaml · 全部 all in data/definitions.csv</p>')
    return ReportSection("definitions", "定义与刻画", "Definitions by author", html=html)


def divergence_block(ctx: ReportContext, top: int) -> ReportSection | None:
    """Front page: concepts that two or more definers define, each definer's words side by side."""
    rows_in = divergent(definition_rows(ctx))
    if not rows_in:
        return None
    pages = concept_slugs((ctx.results or {}).get("concepts"))
    rows = []
    for r in rows_in[:top]:
        href = pages.get(r["concept"])
        name = link(href + "#definitions", r["concept"]) if href else r["concept"]
        said = join(" ｜ ", (Markup("<b>{}</b> ({}): {}").format(x["definer"], x.get("year") or "?", x["cue"])
                            for x in r["definers"]))
        rows.append([name, len(r["definers"]), said])
    html = cells_table(["概念 concept", "界定者 definers", "各自的定义 their definitions"], rows)
    return ReportSection("definitions", "定义的分歧", "Where definitions diverge", html=html)
