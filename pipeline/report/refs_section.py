"""Report section: references, most cited authors and works (classics apart), aliases, misses."""
from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from ..context import ReportContext
from .html import table_html, table_md
from .section import ReportSection
from .labels import labels_cached
from .links import paper_href

REF_COLUMNS = ["doc_id", "footnote_n", "work_id", "authors", "title", "container", "year", "type",
               "matched_doc_id", "classic", "raw", "source", "ref_n", "citing_work_id", "counted"]


def _h3(zh: str, en: str) -> tuple[Markup, str]:
    return Markup(f"<h3>{zh} <span class=\"en\">{en}</span></h3>"), f"\n### {zh} ({en})\n\n"


def references_section(ctx: ReportContext) -> ReportSection | None:
    works = ctx.results.get("works")
    if works is None:
        return None
    refs = pd.DataFrame(list(works["references"]) + list(works.get("listed") or []), columns=REF_COLUMNS)
    for col in ("year", "footnote_n", "ref_n"):
        refs[col] = refs[col].astype("Int64")
    html, md = Markup(""), ""
    n_classic = int(refs["classic"].sum()) if len(refs) else 0
    n_listed = int((refs.source != "footnote").sum()) if len(refs) else 0
    n_merged = int((~refs.counted.astype(bool)).sum()) if len(refs) else 0
    intro = (f"{len(refs)} 条引用 references ({n_classic} 条经典文献 classics"
             + (f"; {n_listed} 条来自文献记录的参考文献表 from printed reference lists (CSSCI)" if n_listed else "")
             + f"), {refs.work_id.nunique()} 部被引作品 works; {refs.matched_doc_id.notna().sum()} 条匹配到语料中的文献 "
             f"matched to corpus documents."
             + (f" {n_merged} 条与同一作品的其他来源重复，已合并不重复计数 name a work another record of the same "
                f"paper already cites: merged, not counted twice (work_references.csv)." if n_merged else ""))
    html += Markup("<p>%s</p>") % intro
    md += intro + "\n"
    tables = {"references": refs}
    labels = labels_cached(ctx)
    for key, zh, en in (("contemporary", "被引最多的作者", "Most cited authors"),
                        ("classics", "经典文献（单列）", "Classics, ranked apart")):
        df = pd.DataFrame(works["author_counts"][key], columns=["name", "citations", "documents", "works"])
        h, m = _h3(zh, en)
        html += h + table_html(df, 30)
        md += m + table_md(df, 20)
        tables[f"cited_authors_{key}"] = df
    wc = pd.DataFrame(works["work_counts"]["contemporary"])
    if len(wc):
        h, m = _h3("被引最多的作品", "Most cited works")
        shown = wc.assign(work=wc.work_id.map(labels.work)) if "work_id" in wc else wc
        cols = ["work"] + [c for c in shown.columns if c not in ("work", "work_id", "label")] + ["work_id"]
        html += h + table_html(shown[[c for c in cols if c in shown.columns]], 30, hidden=("work_id",),
                               links={"work": lambda r: paper_href(labels.work_doc[r["work_id"]])
                                      if r.get("work_id") in labels.work_doc else None})
        md += m + table_md(wc, 20)
        tables["cited_works"] = wc
    co = pd.DataFrame(works["cocitation"], columns=["work_a", "work_b", "documents"])
    classic = set(works.get("classic_works") or [])
    co["classic"] = co.work_a.isin(classic) | co.work_b.isin(classic)
    tables["cocitation"] = co
    from ..refs.union import WORK_REF_COLUMNS

    wr = pd.DataFrame(works.get("work_references") or [], columns=WORK_REF_COLUMNS)
    for col in ("year", "citations"):
        wr[col] = wr[col].astype("Int64")
    tables["work_references"] = wr
    from .works_table import works_table

    tables["works"] = works_table(ctx, wr)
    tables["coauthorship"] = pd.DataFrame(works["coauthorship"], columns=["author_a", "author_b", "works"])
    al = pd.DataFrame([{"names": " / ".join(a["names"]), "canonical": a["canonical"], "reason": a["reason"],
                        "already_in_aliases_yaml": a["known"]} for a in works["alias_suggestions"]],
                      columns=["names", "canonical", "reason", "already_in_aliases_yaml"])
    h, m = _h3("建议的作者别名（未合并，需在 configs/aliases.yaml 中确认）", "Suggested aliases, never merged silently")
    html += h + table_html(al)
    md += m + table_md(al)
    tables["alias_suggestions"] = al
    un = pd.DataFrame(works["unparsed"], columns=["doc_id", "footnote_n", "source", "ref_n", "text", "reason"])
    un["footnote_n"] = un["footnote_n"].astype("Int64")
    un["ref_n"] = un["ref_n"].astype("Int64")
    h, m = _h3("未能解析的引用", "References that could not be parsed")
    html += h + table_html(un.assign(document=un.doc_id.map(labels.doc))[["document", "source", "ref_n", "text", "reason",
                                                                          "doc_id", "footnote_n"]],
                           links={"document": lambda r: paper_href(r["doc_id"], f"fn{r['footnote_n']}"
                                                                   if pd.notna(r["footnote_n"]) else None)},
                           hidden=("doc_id", "footnote_n"))
    md += m + table_md(un)
    tables["unparsed_references"] = un
    from .stance_html import stance_block

    h, m, tables["stances"] = stance_block(ctx)
    html, md = html + h, md + m
    return ReportSection("references", "引文与被引", "References and citations", md, html, tables)
