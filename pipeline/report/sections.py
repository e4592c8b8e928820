"""Report section builders, in page order. Each takes the run context and returns a section."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from pipeline.refs.names import paper_authors

from ..context import ReportContext
from .html import empty_note, table_html, table_md
from .section import ReportSection
from .labels import labels_cached
from .links import paper_href

# Each section on its own page, in navigation order: builder name -> (page, nav label zh, en).
# index.html is the front page of findings (findings.py), which links to these pages for its
# evidence; a builder missing here gets the page ``<section key>.html``, outside the navigation.
PAGES: dict[str, tuple[str, str, str]] = {
    "overview": ("documents.html", "文献概览", "Documents"),
    "changes": ("changes.html", "本次变化", "Changes"),
    "figures_section": ("figures.html", "图表", "Figures"),
    "topics_section": ("topics.html", "主题", "Topics"),
    "concepts_section": ("concepts.html", "概念", "Concepts"),
    "authors_section": ("authors.html", "作者", "Authors"),
    "papers_section": ("papers.html", "文献", "Papers"),
    "similar_papers": ("similar.html", "相似与新词", "Similar"),
    "references_section": ("references.html", "引文", "References"),
}


def page_of(build: Callable[..., Any]) -> str:
    """The page a section builder's section is written to (its failure box too)."""
    name = getattr(build, "__name__", "section").strip("_")
    return PAGES[name][0] if name in PAGES else ""


def nav() -> list[dict[str, str]]:
    return [{"href": page, "zh": zh, "en": en} for page, zh, en in PAGES.values()]


NAV: list[dict[str, str]] = nav()

# ``authors``: one identity per person (canonical names); ``authors_printed``: as the paper prints them.
DOC_COLUMNS = ["doc_id", "work_id", "source", "status", "error", "title", "authors", "year", "year_inferred",
               "journal", "issue", "kind", "encoding", "script", "n_paragraphs", "n_footnotes", "warnings",
               "authors_printed", "duplicate_of"]


def document_rows(ctx: ReportContext) -> pd.DataFrame:
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
                    "status": "ok", "error": "", "title": m.get("title"), "authors": ";".join(paper_authors(m)),
                    "authors_printed": ";".join(m.get("authors") or []),
                    "year": m.get("year"), "year_inferred": m.get("year_inferred"), "journal": m.get("journal"),
                    "issue": m.get("issue"), "kind": p.get("kind", "text"), "encoding": p["encoding"],
                    "script": p["script"], "n_paragraphs": p["n_paragraphs"],
                    "n_footnotes": p["n_footnotes"], "warnings": " | ".join(p["warnings"] or [])})
        else:
            rows.append({"doc_id": f.key, "source": f.source, "status": f.status, "error": f.error or "",
                         "duplicate_of": getattr(f, "duplicate_of", None)})
    df = pd.DataFrame(rows, columns=DOC_COLUMNS)
    for col in ("year", "year_inferred", "n_paragraphs", "n_footnotes"):
        df[col] = df[col].astype("Int64")
    return df


def overview(ctx: ReportContext) -> ReportSection:
    """The documents table (documents.html): every file and record, sortable and filterable,
    each title linking to its paper page. The corpus counts head the front page (findings.py)."""
    df = document_rows(ctx)
    ok = df[df.status == "ok"]
    n_works = ok.work_id.nunique() if len(ok) else 0
    stats = ctx.stats
    dup = f", {stats['n_duplicates']} 个重复文件 duplicate files" if stats.get("n_duplicates") else ""
    summary = (f"{len(ok)} 篇文献 documents ({n_works} 部作品 works), {stats.get('n_failed', 0)} 个失败 failed, "
               f"{stats.get('n_skipped', 0)} 个跳过 skipped{dup}; 本次处理 processed {stats.get('n_processed', 0)}, "
               f"缓存 cached {stats.get('n_cached', 0)}.")
    show = df[["source", "status", "title", "authors", "year", "year_inferred", "journal", "n_paragraphs",
               "n_footnotes", "error", "doc_id"]].rename(columns={"doc_id": "_doc_id"})
    show["year_inferred"] = show["year_inferred"].map(lambda y: f"{y}（推断 inferred）" if pd.notna(y) else "")
    # Every document up to site.table_max_rows: the page pages them 50 at a time (litmap.js).
    max_rows = int(ctx.cfg["site"]["table_max_rows"])
    html = Markup(f"<p>{escape(summary)}</p>") + table_html(
        show, max_rows, links={"title": lambda r: paper_href(r["_doc_id"]) if r["status"] == "ok" else None},
        filter=True, hidden=("_doc_id",))
    md = summary + "\n\n" + table_md(show.drop(columns="_doc_id"))
    warn = df[(df.warnings.fillna("") != "")][["source", "warnings"]]
    if len(warn):
        html += Markup("<h3>警告 <span class=\"en\">Warnings</span></h3>") + table_html(warn, max_rows, filter=True)
        md += "\n### 警告 Warnings\n\n" + table_md(warn)
    return ReportSection("overview", "文献概览", "Documents", md, html, {"documents": df})


def changes(ctx: ReportContext) -> ReportSection:
    from .changes_section import changes_section

    return changes_section(ctx)


def _lazy(module: str, func: str) -> Callable[[Any], ReportSection | None]:
    """A section builder imported on first use: a run that reuses its report loads none of them."""
    def build(ctx: ReportContext) -> ReportSection | None:
        return getattr(importlib.import_module(f"{__package__}.{module}"), func)(ctx)

    build.__name__ = func
    return build


def similar_papers(ctx: ReportContext) -> ReportSection | None:
    """The most similar papers by LSA cosine (the vectors stage), and the term candidates."""

    vec = ctx.results.get("vectors") or {}
    titles = {p["doc_id"]: p["meta"].get("title") or p["source"] for p in ctx.papers}
    sim = pd.DataFrame([{**r, "title": titles.get(r["doc_id"], ""), "similar_title": titles.get(r["similar_doc_id"], "")}
                        for r in vec.get("similar", [])],
                       columns=["doc_id", "rank", "similar_doc_id", "similarity", "title", "similar_title"])
    terms_result = ctx.results.get("terms") or {}
    terms = pd.DataFrame(terms_result.get("rows", []) if isinstance(terms_result, dict) else terms_result,
                         columns=["term", "kind", "freq", "n_docs", "first_seen", "first_doc", "known", "concept",
                                  "score", "example"])
    html = Markup("<h3>最相似的文献 <span class=\"en\">Most similar papers (TF-IDF + LSA cosine)</span></h3>")
    md = "### 最相似的文献 (Most similar papers)\n\n"
    n_docs = len(vec.get("docs") or [])
    if sim.empty:
        h, m = empty_note(f"similar papers need at least 2 documents with content words; this corpus has {n_docs}"
                          if n_docs < 2 else "no two documents share terms found in vectors.lsa.min_df papers")
        html, md = html + h, md + m
    labels = labels_cached(ctx)
    shown = sim[sim["rank"] <= 3].assign(paper=lambda d: d.doc_id.map(labels.doc),
                                         similar=lambda d: d.similar_doc_id.map(labels.doc))
    html += table_html(shown[["paper", "rank", "similar", "similarity", "doc_id", "similar_doc_id"]], 150,
                       links={"paper": lambda r: paper_href(r["doc_id"]),
                              "similar": lambda r: paper_href(r["similar_doc_id"])},
                       hidden=("doc_id", "similar_doc_id"))
    md += table_md(sim[sim["rank"] <= 1])
    why_no_w2v = (vec.get("notes") or {}).get("word2vec")
    gate = (ctx.results.get("concepts") or {}).get("neighbours") or {}
    if why_no_w2v:
        h, m = empty_note(why_no_w2v + "; concept pages list co-occurring terms instead of word2vec neighbours")
        html += Markup("<h3>词向量 <span class=\"en\">word2vec</span></h3>") + h
        md += "\n### 词向量 (word2vec)\n\n" + m
    elif gate.get("trained"):
        st = vec.get("w2v_stats") or {}
        line = (f"word2vec on {st.get('tokens', 0):,} sampled tokens, trained with two seeds; a concept's neighbours "
                f"are listed when at least {gate['min_overlap']:.2f} of its top {gate['top']} come back with the other "
                f"seed (evidence.neighbours.min_overlap). Median overlap of the 200 commonest words: "
                f"{gate.get('median_overlap')}; concepts with neighbours: {gate.get('concepts_shown', 0)}, "
                f"withheld as unstable: {gate.get('concepts_withheld', 0)}")
        html += Markup("<h3>词向量 <span class=\"en\">word2vec</span></h3><p class=\"muted\">%s</p>") % line
        md += "\n### 词向量 (word2vec)\n\n" + line + "\n"
    html += Markup("<h3>候选新术语 <span class=\"en\">Term candidates (promote with one line in configs/concepts.yaml)"
                   "</span></h3>")
    md += "\n### 候选新术语 (Term candidates)\n\n"
    if terms.empty:
        h, m = empty_note("no term candidates: no quoted or dash-marked coinage and no phrase occurs "
                          f"{ctx.cfg['terms']['min_count']} times or more (terms.min_count)")
        html, md = html + h, md + m
    html += table_html(terms.assign(first_doc_label=terms.first_doc.map(labels.doc))[
        ["term", "kind", "freq", "n_docs", "first_seen", "first_doc_label", "known", "concept", "score", "example",
         "first_doc"]].rename(columns={"first_doc_label": "first_paper"}), 100,
        links={"first_paper": lambda r: paper_href(r["first_doc"]) if r["first_doc"] else None}, hidden=("first_doc",))
    md += table_md(terms, 30)
    return ReportSection("similar", "相似文献与新术语", "Similar papers and term candidates", md, html,
                         {"similar_papers": sim, "term_candidates": terms})


_FIGURES = _lazy("figures_section", "figures_section")
_CONCEPTS = _lazy("concepts_section", "concepts_section")
SECTIONS: list[Callable[[Any], ReportSection | None]] = [
    overview, changes, _FIGURES, _lazy("topics_section", "topics_section"), _CONCEPTS,
    _lazy("authors_section", "authors_section"), _lazy("papers_section", "papers_section"), similar_papers,
    _lazy("refs_section", "references_section")]


def build_order(figures_drawn: bool = True) -> list[Callable[[Any], ReportSection | None]]:
    """``SECTIONS`` in the order they are built (the report shows them in ``SECTIONS``' order).
    With ``figures_drawn`` (the figures were drawn while the stages ran: ``early_figures``),
    the figures section, which makes no table, comes after the concepts section. Why: each
    section's tables go to the tables' side process as it is built, and the concepts section's
    are the largest (co-occurrence and mentions: 1.0 of the 1.7 s that process takes at 1,000
    papers). Built third, the figures section (0.3-0.5 s of an update's report: its networks)
    kept that process idle first, and the report then waited for it at its end. Figures still
    to draw keep it third: their side process then starts as early as it can (built later,
    a report of 1,000 papers that drew them took 0.5-0.8 s longer). The order of the tables,
    and so of report.xlsx's sheets, is the same either way."""
    if not figures_drawn:
        return list(SECTIONS)
    order = [b for b in SECTIONS if b is not _FIGURES]
    at = order.index(_CONCEPTS) + 1
    return order[:at] + [_FIGURES] + order[at:]
