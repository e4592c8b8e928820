"""A page per author: authors of corpus papers and cited authors, with their papers, the works
of theirs the corpus cites (each citation links to its footnote), the concepts they use, their
topics and co-authors; and an author table on the index."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..context import ReportContext
from .html import bar, cells_table, gate_note, link, render_page, table_md
from .section import ReportSection
from .entities import AuthorInfo, Entities, build_entities_cached
from .labels import Labels, labels_cached
from .links import author_href, concept_slugs, paper_href, topic_href
from .reuse import Reuse, code_hash, replace_section, section_key

R = "../"


def n_works(a: AuthorInfo, ents: Entities) -> int:
    """Distinct works among the author's corpus documents: a mirror or an export record of the
    same paper is one paper, not two."""
    return len({ents.papers[d].work_id or d for d in a.papers if d in ents.papers})


def _topics_html(a: AuthorInfo, ents: Entities, min_units: int) -> Markup | None:
    """The author's topics section (None: the page has none). After an ``--update`` it is
    mostly all that changed on an author's page (the online topic update moves every author's
    weights a little and relabels topics), so it is made apart (:func:`author_pages`)."""
    # A topic profile resting on fewer than min_units fitted units is one paper's weights, not the
    # author's: withheld with a note (evidence.authors.min_units); weights drawn as bars.
    own = [r for r in a.topics if (r.get("n_units") or 0) >= min_units]
    model = [r for r in a.model_topics if (r.get("n_units") or 0) >= min_units]
    trows = [[link(R + topic_href(r["topic_id"]), f"{r['topic_id']} {ents.topic_labels.get(r['topic_id'], '')}"),
              bar(r["weight"], 1.0, f"{r['weight']:.2f}"), r.get("n_units"), "语料 corpus prevalence"]
             for r in sorted(own, key=lambda r: -r["weight"])]
    trows += [[link(R + topic_href(r["topic_id"]), f"{r['topic_id']} {ents.topic_labels.get(r['topic_id'], '')}"),
               bar(r["weight"], 1.0, f"{r['weight']:.2f}"), r.get("n_units"), "作者主题模型 author-topic model"]
              for r in sorted(model, key=lambda r: -r["weight"])]
    held = Markup("")
    out = [(name, rows) for name, rows, kept in (("语料 corpus prevalence", a.topics, own),
                                                  ("作者主题模型 author-topic model", a.model_topics, model))
           if len(kept) < len(rows)]
    if out:
        held = gate_note("主题分布未显示 topic profile withheld: " + "; ".join(
            f"{name} rests on {max((r.get('n_units') or 0) for r in rows)} fitted unit(s)" for name, rows in out)
            + f", fewer than {min_units} (evidence.authors.min_units)")
    if not (trows or a.topics or a.model_topics):
        return None
    return held + (cells_table(["主题 topic", "权重 weight", "单元 units", "来源 measure"], trows) if trows else Markup(""))


def author_page(a: AuthorInfo, ents: Entities, concept_pages: dict[str, str], labels: Labels,
                min_units: int = 1) -> str:
    role = "语料作者 corpus author" if a.papers else "被引作者 cited author"
    intro = Markup("<p>{} · 语料文献 papers: {} · 被引 cited {} 次 times ({} 部作品 works) · 概念 concepts: {}</p>").format(
        role, n_works(a, ents), a.n_citations, len(a.cited), len({c["concept"] for c in a.concepts}))
    if a.variants:
        intro += Markup("<p>又作 also printed as: {}</p>").format("、".join(sorted(a.variants)))
    secs = [ReportSection("summary", "概要", "Summary", html=intro)]
    if a.papers:
        rows = [[labels.doc_link(d, R), ents.papers[d].paper["meta"].get("journal"),
                 "、".join(ents.papers[d].paper["meta"].get("authors") or [])] for d in a.papers]
        secs.append(ReportSection("papers", "语料中的文献", "Papers in the corpus",
                                  html=cells_table(["文献 paper", "期刊 journal", "署名 as printed"], rows)))
    if a.cited:
        rows = []
        for w in sorted(a.cited.values(), key=lambda w: (-len(w["by"]), str(w.get("title")))):
            title = link(R + paper_href(w["matched_doc_id"]), w.get("title") or "—") if w.get("matched_doc_id") in ents.papers \
                else (w.get("title") or "—")
            by = Markup("; ").join(labels.doc_link(d, R, f"fn{n}") + Markup(f" 注{n}") for d, n in w["by"])
            rows.append([title, w.get("container"), w.get("year"), w.get("type"), "经典 classic" if w.get("classic") else "",
                         len(w["by"]), by])
        secs.append(ReportSection("cited", "被引作品与脚注", "Cited works and the footnotes citing them",
                                  html=cells_table(["作品 work", "来源 container", "年 year", "类型 type", "", "次数 n",
                                                    "引用处 cited in (footnote)"], rows, filter=True)))
    if a.cites:
        rows = [[link(R + author_href(b), b), n] for b, n in sorted(a.cites.items(), key=lambda kv: (-kv[1], kv[0]))]
        secs.append(ReportSection("cites", "引用的作者", "Authors cited", html=cells_table(["作者 author", "次数 n"], rows,
                                                                                       filter=True)))
    if a.concepts:
        rows = [[link(R + concept_pages[c["concept"]] + "#kwic", c["concept"]) if c["concept"] in concept_pages else c["concept"],
                 "作者 author" if c["role"] == "author" else "被引 cited", c.get("first_year"), c.get("count"),
                 Markup("；").join(labels.doc_link(d, R) for d in c["doc_ids"] if d in ents.papers)]
                for c in sorted(a.concepts, key=lambda c: (c.get("first_year") or 9999, c["concept"]))]
        secs.append(ReportSection("concepts", "使用的概念", "Concepts used",
                                  html=cells_table(["概念 concept", "角色 role", "首年 first year", "次数 count",
                                                    "文献 papers"], rows)))
    topics = _topics_html(a, ents, min_units)
    if topics is not None:
        secs.append(ReportSection("topics", "主题", "Topics", html=topics))
    if a.coauthors:
        rows = [[link(R + author_href(b), b), n] for b, n in sorted(a.coauthors.items(), key=lambda kv: (-kv[1], kv[0]))]
        secs.append(ReportSection("coauthors", "合作者", "Co-authors", html=cells_table(["作者 author", "合著 works"], rows)))
    return render_page(a.name, "author", secs, root=R)


def page_key(a: AuthorInfo, ents: Entities, concept_pages: dict[str, str], labels: Labels, min_units: int,
             code: str) -> str:
    """Everything :func:`author_page` reads: the author's record, and of what it links to the
    labels, hrefs and facts shown (a paper's journal and byline, a topic's label, whether a
    cited work is a corpus paper). Equal keys, equal pages (tests/test_report_reuse.py).

    Two parts, ``page.topics``: the digest of all but the topics section's inputs (the author's
    topic weights and their topics' labels), then that of those: a page whose first part is
    unchanged is the previous page with its topics section made again (:func:`author_pages`)."""
    docs = set(a.papers)
    for w in a.cited.values():
        docs.update(d for d, _n in w["by"])
    for c in a.concepts:
        docs.update(c["doc_ids"])
    papers = {d: [labels.docs.get(d), ents.papers[d].work_id, ents.papers[d].paper["meta"].get("journal"),
                  ents.papers[d].paper["meta"].get("authors")] if d in ents.papers else labels.docs.get(d)
              for d in sorted(docs)}
    matched = sorted({w.get("matched_doc_id") for w in a.cited.values() if w.get("matched_doc_id") in ents.papers})
    tids = {r["topic_id"] for r in a.topics} | {r["topic_id"] for r in a.model_topics}
    people = {b: author_href(b) for b in (*a.cites, *a.coauthors)}
    return section_key([code, min_units, a.name, a.papers, a.variants, a.cited, a.concepts, a.coauthors, a.cites,
                        papers, matched, people, {c["concept"]: concept_pages.get(c["concept"]) for c in a.concepts},
                        bool(a.topics or a.model_topics)],  # whether the page has a topics section (its contents)
                       [a.topics, a.model_topics, {str(t): ents.topic_labels.get(t) for t in tids}])


def author_pages(ctx: ReportContext, ents: Entities, concept_pages: dict[str, str], labels: Labels, min_units: int,
                 run_info: dict[str, Any] | None = None) -> Iterator[tuple[str, str | Path]]:
    """(path, HTML or kept file) of every author page; a page whose key (:func:`page_key`) is the
    one the previous report wrote it under is kept from that report (``reuse.py``)."""
    reuse = Reuse(ctx, "author", run_info)
    code = code_hash("authors_section.py", "entities.py")
    patched = 0
    for name, a in ents.authors.items():
        href = author_href(name)
        key = page_key(a, ents, concept_pages, labels, min_units, code)
        kept = reuse.kept(href, key)
        if kept is not None:
            yield href, kept
            continue
        page, old = None, reuse.previous(href, key)
        if old is not None and (topics := _topics_html(a, ents, min_units)) is not None:
            # Only the topics section's inputs changed: the previous page with that section made again.
            with open(old, encoding="utf-8", newline="") as fh:  # its bytes as written
                page = replace_section(fh.read(), "topics", "主题", "Topics", topics)
        patched += page is not None
        yield href, page if page is not None else author_page(a, ents, concept_pages, labels, min_units)
    if (reuse.n_kept or patched) and callable(getattr(ctx, "log", None)):
        ctx.log(f"report: {reuse.n_kept + patched} of {len(ents.authors)} author pages kept from the previous report"
                + (f", {patched} with their topics made again" if patched else ""))


def authors_section(ctx: ReportContext) -> ReportSection | None:
    ents = build_entities_cached(ctx)
    if not ents.authors:
        return None
    concept_pages = concept_slugs((ctx.results or {}).get("concepts"))
    labels = labels_cached(ctx)
    min_units = int(ctx.cfg["evidence"]["authors"]["min_units"])

    works = {a.name: n_works(a, ents) for a in ents.authors.values()}
    order = sorted(ents.authors.values(), key=lambda a: (-works[a.name], -a.n_citations, -len(a.concepts), a.name))
    rows = [[link(author_href(a.name), a.name), "语料作者 corpus" if a.papers else "被引 cited",
             link(author_href(a.name, "papers"), works[a.name]) if a.papers else 0,
             link(author_href(a.name, "cited"), a.n_citations) if a.cited else 0,
             link(author_href(a.name, "concepts"), len({c["concept"] for c in a.concepts})) if a.concepts else 0,
             len(a.coauthors)] for a in order]
    df = pd.DataFrame([{"author": a.name, "corpus_papers": works[a.name], "citations": a.n_citations,
                        "cited_works": len(a.cited), "concepts": len({c["concept"] for c in a.concepts}),
                        "coauthors": len(a.coauthors), "variants": ";".join(sorted(a.variants))} for a in order],
                      columns=["author", "corpus_papers", "citations", "cited_works", "concepts", "coauthors", "variants"])
    intro = f"{sum(1 for a in order if a.papers)} 位语料作者 corpus authors, {sum(1 for a in order if not a.papers)} 位仅被引作者 cited-only authors."
    html = Markup("<p>%s</p>") % intro + cells_table(["作者 author", "类型 kind", "语料文献 papers", "被引次数 citations",
                                                       "概念 concepts", "合作者 co-authors"], rows, max_rows=300, filter=True)
    sec = ReportSection("authors", "作者", "Authors", intro + "\n\n" + table_md(df), html, {"authors": df})
    # Lazy: a large corpus has tens of thousands of (mostly cited) authors; each page is written
    # as soon as it is rendered instead of all being held at once.
    sec.pages = lambda: author_pages(ctx, ents, concept_pages, labels, min_units, sec.run_info)
    sec.n_pages = len(ents.authors)
    return sec
