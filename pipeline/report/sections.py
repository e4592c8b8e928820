"""Report section builders, in page order. Each takes the run context and returns a section."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from .build import ReportSection, empty_note, table_html, table_md
from .entities import build_entities_cached
from .links import paper_href

NAV: list[dict[str, str]] = [
    {"href": "index.html#overview", "zh": "文献概览", "en": "Documents"},
    {"href": "index.html#changes", "zh": "本次变化", "en": "Changes"},
    {"href": "index.html#figures", "zh": "图表", "en": "Figures"},
    {"href": "index.html#topics", "zh": "主题", "en": "Topics"},
    {"href": "index.html#concepts", "zh": "概念", "en": "Concepts"},
    {"href": "index.html#authors", "zh": "作者", "en": "Authors"},
    {"href": "index.html#papers", "zh": "文献", "en": "Papers"},
    {"href": "index.html#similar", "zh": "相似与新词", "en": "Similar"},
    {"href": "index.html#references", "zh": "引文", "en": "References"},
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
                    "script": p["script"], "n_paragraphs": p["n_paragraphs"],
                    "n_footnotes": p["n_footnotes"], "warnings": " | ".join(p["warnings"] or [])})
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
               "n_footnotes", "error", "doc_id"]].rename(columns={"doc_id": "_doc_id"})
    show["year_inferred"] = show["year_inferred"].map(lambda y: f"{y}（推断 inferred）" if pd.notna(y) else "")
    html = _cards(ctx, len(ok)) + Markup(f"<p>{escape(summary)}</p>") + table_html(
        show, links={"title": lambda r: paper_href(r["_doc_id"]) if r["status"] == "ok" else None}, filter=True,
        hidden=("_doc_id",))
    md = summary + "\n\n" + table_md(show.drop(columns="_doc_id"))
    warn = df[(df.warnings.fillna("") != "")][["source", "warnings"]]
    if len(warn):
        html += Markup("<h3>警告 <span class=\"en\">Warnings</span></h3>") + table_html(warn)
        md += "\n### 警告 Warnings\n\n" + table_md(warn)
    return ReportSection("overview", "文献概览", "Documents", md, html, {"documents": df})


def _cards(ctx: Any, n_docs: int) -> Markup:
    """The corpus at a glance; each count links to the part of the report that lists it."""
    res = ctx.results or {}
    works = res.get("works") or {}
    concepts = res.get("concepts") or {}
    topics = (res.get("topics") or {}).get("result")
    ents = build_entities_cached(ctx)
    cards = [("文献 papers", n_docs, "#papers"), ("作者 authors", len(ents.authors), "#authors"),
             ("引用 references", len(works.get("references") or []), "#references"),
             ("追踪概念 tracked concepts", sum(1 for t in (concepts.get("traces") or {}).values() if t.get("mentions")),
              "#concepts"),
             ("概念提及 concept mentions", len(concepts.get("mentions") or []), "data/concept_mentions.csv"),
             ("主题 topics", len(topics.topics) if topics is not None else 0, "#topics")]
    return Markup('<div class="cards">') + Markup("").join(
        Markup('<div class="card"><a href="{}"><b>{}</b>{}</a></div>').format(h, n, label) for label, n, h in cards
    ) + Markup("</div>")


def changes(ctx: Any) -> ReportSection:
    from .changes_section import changes_section

    return changes_section(ctx)


def _lazy(module: str, func: str) -> Callable[[Any], ReportSection | None]:
    """A section builder imported on first use: a run that reuses its report loads none of them."""
    def build(ctx: Any) -> ReportSection | None:
        return getattr(importlib.import_module(f"{__package__}.{module}"), func)(ctx)

    build.__name__ = func
    return build


def similar_papers(ctx: Any) -> ReportSection | None:
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
    html += table_html(sim[sim["rank"] <= 3], 150, links={"title": lambda r: paper_href(r["doc_id"]),
                                                         "similar_title": lambda r: paper_href(r["similar_doc_id"])})
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
        tc = ctx.cfg.get("terms") or {}
        h, m = empty_note("no term candidates: no quoted or dash-marked coinage and no phrase occurs "
                          f"{tc.get('min_count', 2)} times or more (terms.min_count)")
        html, md = html + h, md + m
    html += table_html(terms, 100)
    md += table_md(terms, 30)
    return ReportSection("similar", "相似文献与新术语", "Similar papers and term candidates", md, html,
                         {"similar_papers": sim, "term_candidates": terms})


SECTIONS: list[Callable[[Any], ReportSection | None]] = [
    overview, changes, _lazy("figures_section", "figures_section"), _lazy("topics_section", "topics_section"),
    _lazy("concepts_section", "concepts_section"), _lazy("authors_section", "authors_section"),
    _lazy("papers_section", "papers_section"), similar_papers, _lazy("refs_section", "references_section")]
