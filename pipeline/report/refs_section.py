"""Report section: references, most cited authors and works (classics apart), aliases, misses."""
from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from .build import ReportSection, table_html, table_md
from .labels import labels_cached
from .links import paper_href

REF_COLUMNS = ["doc_id", "footnote_n", "work_id", "authors", "title", "container", "year", "type",
               "matched_doc_id", "classic", "raw"]


def _h3(zh: str, en: str) -> tuple[Markup, str]:
    return Markup(f"<h3>{zh} <span class=\"en\">{en}</span></h3>"), f"\n### {zh} ({en})\n\n"


def references_section(ctx: Any) -> ReportSection | None:
    works = ctx.results.get("works")
    if works is None:
        return None
    refs = pd.DataFrame(works["references"], columns=REF_COLUMNS)
    refs["year"] = refs["year"].astype("Int64")
    html, md = Markup(""), ""
    n_classic = int(refs["classic"].sum()) if len(refs) else 0
    intro = (f"{len(refs)} 条引用 references ({n_classic} 条经典文献 classics), "
             f"{refs.work_id.nunique()} 部被引作品 works; {refs.matched_doc_id.notna().sum()} 条匹配到语料中的文献 "
             f"matched to corpus documents.")
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
    tables["cocitation"] = co
    tables["coauthorship"] = pd.DataFrame(works["coauthorship"], columns=["author_a", "author_b", "works"])
    al = pd.DataFrame([{"names": " / ".join(a["names"]), "canonical": a["canonical"], "reason": a["reason"],
                        "already_in_aliases_yaml": a["known"]} for a in works["alias_suggestions"]],
                      columns=["names", "canonical", "reason", "already_in_aliases_yaml"])
    h, m = _h3("建议的作者别名（未合并，需在 configs/aliases.yaml 中确认）", "Suggested aliases, never merged silently")
    html += h + table_html(al)
    md += m + table_md(al)
    tables["alias_suggestions"] = al
    un = pd.DataFrame(works["unparsed"], columns=["doc_id", "footnote_n", "text"])
    h, m = _h3("未能解析的引用", "References that could not be parsed")
    html += h + table_html(un.assign(document=un.doc_id.map(labels.doc))[["document", "footnote_n", "text", "doc_id"]],
                           links={"document": lambda r: paper_href(r["doc_id"], f"fn{r['footnote_n']}")},
                           hidden=("doc_id",))
    md += m + table_md(un)
    tables["unparsed_references"] = un
    return ReportSection("references", "引文与被引", "References and citations", md, html, tables)
