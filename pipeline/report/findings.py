"""The front page (``index.html``): the answers a researcher comes with, before any table.

Five blocks, each a :class:`~pipeline.report.section.ReportSection` with its own heading, the
count of documents and sentences it rests on, and a link to its evidence page:

- ``changes``: what changed since the last run (files, new papers, new concepts and users, topic shifts);
- ``topics``: the themes, their share of the corpus and a sparkline of their share over the years,
  rising or falling when the years carry a trend;
- ``concepts``: tracked concepts ranked by how far they spread (users, spread edges), with their
  first user and a sparkline of mentions per year;
- ``citations``: the most cited works and authors, classics apart;
- ``cooccurrence``: the term co-occurrence map (``networks.cooccurrence_network``).

Where the data cannot carry a block (no topic model, no traced concept, no reference) the block
says what is missing instead. The section tables stay on their own pages (``sections.PAGES``);
this page only reads the stage results, so it stays small at any corpus size (``site.front_top``
rows per block).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from markupsafe import Markup, escape

from ..context import ReportContext
from .html import bar, cells_table, empty_note, link
from .section import ReportSection
from .entities import build_entities_cached
from .labels import authors_text, labels_cached, short_title, work_label
from .links import author_href, concept_slugs, paper_href, topic_href
from .sections import PAGES

SPARK_W, SPARK_H = 120, 26  # px: a sparkline fits a table cell on a phone


def page(builder: str) -> str:
    """The page of a section builder (``sections.PAGES``), e.g. ``topics_section`` -> topics.html."""
    return PAGES[builder][0]


# -- small pieces ---------------------------------------------------------------------------------

def sentence_counts(ctx: ReportContext) -> dict[str, int] | None:
    """Sentences per document, from the store (one grouped query); None when the store cannot say."""
    store = getattr(ctx, "store", None)
    if store is None:
        return None
    try:
        return dict(store.con.execute("SELECT doc_id, count(*) FROM sentences GROUP BY doc_id").fetchall())
    except Exception:  # a closed or older store: the blocks give documents only
        return None


def basis(documents: int, n: int | None, unit_zh: str = "个句子", unit_en: str = "sentences") -> Markup:
    """``据 12 篇文献、85 个句子 · from 12 documents, 85 sentences``: what a block rests on."""
    if n is None:
        return Markup('<p class="basis" data-documents="{0}">据 {0:,} 篇文献 <span class="en">from {0:,} documents</span>'
                      '</p>').format(documents)
    return Markup('<p class="basis" data-documents="{0}" data-sentences="{1}" data-unit="{3}">据 {0:,} 篇文献、{1:,} {2} '
                  '<span class="en">from {0:,} documents, {1:,} {3}</span></p>').format(documents, n, unit_zh, unit_en)


def evidence(href: str, zh: str, en: str) -> Markup:
    return Markup('<p class="evidence"><a href="{}">证据 {} <span class="en">evidence: {}</span> →</a></p>').format(
        href, zh, en)


def sparkline(series: dict[int, float], label: str, fill: float | None = 0.0, fmt: str = "{:g}") -> Markup:
    """A small inline SVG line of ``series`` (year -> value) with its years under it. Years
    between the first and last that have no value count as ``fill`` (0 mentions), or are left
    out when ``fill`` is None (a share not measured that year). The values are in the label."""
    years = sorted(y for y in series if y is not None)
    if not years:
        return Markup('<span class="muted">—</span>')
    if fill is not None:
        years = list(range(years[0], years[-1] + 1))
    vals = [series.get(y, fill if fill is not None else 0.0) for y in years]
    top = max(vals) or 1.0
    pad = 3
    span = (years[-1] - years[0]) or 1

    def xy(y: int, v: float) -> tuple[float, float]:
        x = pad + (y - years[0]) / span * (SPARK_W - 2 * pad) if len(years) > 1 else SPARK_W / 2
        return x, SPARK_H - pad - v / top * (SPARK_H - 2 * pad)

    pts = [xy(y, v) for y, v in zip(years, vals)]
    text = "; ".join(f"{y}: {fmt.format(v)}" for y, v in zip(years, vals))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    lx, ly = pts[-1]
    svg = (f'<svg class="spark" viewBox="0 0 {SPARK_W} {SPARK_H}" width="{SPARK_W}" height="{SPARK_H}" role="img" '
           f'aria-label="{escape(label)}: {escape(text)}"><title>{escape(label)}: {escape(text)}</title>'
           f'<polyline points="{line}"/><circle cx="{lx:.1f}" cy="{ly:.1f}" r="2"/></svg>')
    when = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    return Markup(f'<span class="sparkline">{svg}<span class="years">{escape(when)}</span></span>')


def others(label: str, items: list[tuple[str, str]]) -> Markup:
    """The rest of a ranked list as one line of links: every theme and concept stays one click
    from the front page, at a few dozen bytes each."""
    return Markup('<p class="others">{} ({}): {}</p>').format(
        label, len(items), Markup(" · ").join(link(h, t) for t, h in items))


def _author(name: str, known: Iterable[str]) -> Markup:
    return link(author_href(name), name) if name in known else Markup(escape(name))


# -- the blocks ---------------------------------------------------------------------------------

def corpus_block(ctx: ReportContext, sections: list[ReportSection]) -> ReportSection:
    """The corpus at a glance (each count links to the page that lists it), and the report's
    failed parts, so a failure is seen on the page everyone opens."""
    res = ctx.results or {}
    works = res.get("works") or {}
    concepts = res.get("concepts") or {}
    topics = (res.get("topics") or {}).get("result")
    ents = build_entities_cached(ctx)
    cards = [("文献 papers", len(ctx.papers), page("overview")), ("作者 authors", len(ents.authors), page("authors_section")),
             ("引用 references", len(works.get("references") or []), page("references_section")),
             ("追踪概念 tracked concepts", sum(1 for t in (concepts.get("traces") or {}).values() if t.get("mentions")),
              page("concepts_section")),
             ("概念提及 concept mentions", len(concepts.get("mentions") or []), "data/concept_mentions.csv"),
             ("主题 topics", len(topics.topics) if topics is not None else 0, page("topics_section"))]
    html = Markup('<div class="cards">') + Markup("").join(
        Markup('<div class="card"><a href="{}"><b>{:,}</b>{}</a></div>').format(h, n, label) for label, n, h in cards
    ) + Markup("</div>")
    stats = ctx.stats or {}
    if stats.get("n_failed") or stats.get("n_skipped"):
        html += Markup('<p class="muted">{} 个文件失败 failed, {} 个跳过 skipped: <a href="{}">文献概览 documents</a></p>').format(
            stats.get("n_failed", 0), stats.get("n_skipped", 0), page("overview"))
    failed = [s for s in sections if s.failed]
    if failed:
        html += Markup('<p class="failed">{} 个报告部分生成失败 report part(s) failed: {}</p>').format(
            sum(len(s.failed) for s in failed), Markup("、").join(link(s.page or f"{s.key}.html", s.title_zh) for s in failed))
    return ReportSection("corpus", "语料概况", "The corpus at a glance", html=html)


def changes_block(ctx: ReportContext, top: int, sents: dict[str, int] | None) -> ReportSection:
    from .changes_section import compare, load_previous, summarize

    ch = ctx.changes or {}
    labels = labels_cached(ctx)
    touched = set(ch.get("added") or []) | set(ch.get("changed") or [])
    failed = [f for f in ctx.files if f.status == "failed"]
    prev = load_previous(ctx)
    d = compare(prev, summarize(ctx)) if prev is not None else None
    if d is not None:
        new_docs = [x for x in d["new_papers"] if x in labels.docs]
    else:  # no earlier summary: every paper of an added or changed file is new to the report
        new_docs = [p["doc_id"] for p in ctx.papers if p["source"].split("#")[0] in touched]
    items = [Markup("新增文件 added <b>{}</b> · 修改 changed <b>{}</b> · 移除 removed <b>{}</b> · 失败 failed <b>{}</b>").format(
        len(ch.get("added") or []), len(ch.get("changed") or []), len(ch.get("removed") or []), len(failed))]
    if new_docs:
        shown = Markup("；").join(labels.doc_link(x) for x in new_docs[:top])
        more = Markup(' … <a href="{}">另 {:,} 篇 {} more</a>').format(
            page("overview"), len(new_docs) - top, len(new_docs) - top) if len(new_docs) > top else Markup("")
        items.append(Markup("新文献 <span class=\"en\">new papers</span> ({:,}): {}{}").format(len(new_docs), shown, more))
    if d is not None:
        pages = concept_slugs((ctx.results or {}).get("concepts"))
        con = lambda n: link(pages[n], n) if n in pages else Markup(escape(n))  # noqa: E731
        if d["new_concepts"]:
            items.append(Markup("新出现的追踪概念 <span class=\"en\">tracked concepts new in the corpus</span>: {}").format(
                Markup("、").join(con(n) for n in d["new_concepts"][:top])))
        if d["new_users"]:
            known = build_entities_cached(ctx).authors
            items.append(Markup("追踪概念的新使用者 <span class=\"en\">new users of tracked concepts</span> ({}): {}").format(
                len(d["new_users"]), Markup("；").join(Markup("{} ← {}").format(con(n), _author(u, known))
                                                      for n, u in d["new_users"][:top])))
        new_t = [s for s in d["topic_shifts"] if s["status"] == "new"]
        if new_t or d["topics_gone"]:
            items.append(Markup("主题 <span class=\"en\">topics</span>: {} 个新主题 new, {} 个消失 gone").format(
                len(new_t), len(d["topics_gone"])))
        head = Markup('<p class="muted">与上次运行 {} 相比 <span class="en">compared with run {}</span></p>').format(
            prev.get("run_id"), prev.get("run_id"))
    else:
        head = Markup('<p class="muted">首次运行：下次运行将与本次比较 <span class="en">first run: the next run is compared '
                      'with this one</span></p>')
    html = basis(len(new_docs), sum(sents.get(x, 0) for x in new_docs) if sents is not None else None) + head
    html += Markup("<ul>") + Markup("").join(Markup("<li>{}</li>").format(i) for i in items) + Markup("</ul>")
    html += evidence(page("changes"), "本次变化", "what changed")
    return ReportSection("changes", "本次变化", "What changed since the last run", html=html)


def topics_block(ctx: ReportContext, top: int, sents: dict[str, int] | None) -> ReportSection:
    from pipeline.models.topics_describe import trends as _trends

    from .topics_section import evidence_html

    res_all = (ctx.results or {}).get("topics") or {}
    res = res_all.get("result")
    title = ("主题及其走势", "Themes and their share over the years")
    if res is None:
        h, _ = empty_note(res_all.get("note") or "no topic model was fitted")
        return ReportSection("topics", *title, html=h + evidence(page("topics_section"), "主题", "topics"))
    docs = sorted({r["doc_id"] for r in res.doc_topics})
    by_year: dict[Any, dict[int, float]] = defaultdict(dict)
    units_year: dict[int, int] = {}
    for r in res.prevalence_by_year:
        if r.get("year") is not None:
            by_year[r["topic_id"]][int(r["year"])] = float(r["weight"])
            units_year[int(r["year"])] = max(units_year.get(int(r["year"]), 0), int(r.get("n_units") or 0))
    trend = {r["topic_id"]: r for r in res.trends}
    ev = res_all.get("evidence")
    firm = bool((ev or {}).get("ok", True))
    word = {"rising": "上升 rising", "falling": "下降 falling", "flat": "平稳 flat"}
    order = sorted(res.topics, key=lambda t: (-(t.get("prevalence") or 0), t["topic_id"]))
    top_share = max((t.get("prevalence") or 0) for t in order) if order else 1.0
    rows = []
    for t in order[:top]:
        tid = t["topic_id"]
        tr = trend.get(tid)
        rows.append([link(topic_href(tid), f"{tid} {t['label']}"), bar(t.get("prevalence") or 0, top_share or 1.0),
                     # Every year that has units: a year without this topic's row is a share under
                     # 0.01 (not stored), a year without units is no measure (left out).
                     sparkline({y: by_year.get(tid, {}).get(y, 0.0) for y in units_year},
                               f"主题 {tid} 各年比重 share by year", fill=None, fmt="{:.2f}"),
                     f"{word[tr['direction']]} {tr['slope']:+.3f}/年" if tr and firm else "—"])
    html = basis(len(docs), sum(sents.get(x, 0) for x in docs) if sents is not None else None)
    # Topics fitted on too little (evidence.topics) are labelled tentative here as on their
    # pages, and no rise or fall is called on them.
    html += evidence_html(ev)[0]
    html += Markup('<p class="muted">{} · K = {} · {:,} 个单元 units · {:,} 个年份 years</p>').format(
        res.model_name, res.k, res.n_fit_units + res.n_inferred_units, len(units_year))
    html += cells_table(["主题 theme", "比重 share", "各年比重 share by year", "走势 trend"], rows)
    if len(order) > top:
        html += others("其他主题 other topics", [(f"{t['topic_id']} {t['label']}", topic_href(t["topic_id"]))
                                               for t in order[top:]])
    if not trend:
        need = _trends.__defaults__[-1]
        html += Markup('<p class="empty">走势 trend: 年份太少，不判断升降 <span class="en">too few years to call a trend: '
                       '{} year(s) with dated units, a trend needs {}</span></p>').format(len(units_year), need)
    html += evidence(page("topics_section"), "主题页与代表性段落", "topic pages and their passages")
    return ReportSection("topics", *title, html=html)


def concepts_block(ctx: ReportContext, top: int) -> ReportSection:
    res = (ctx.results or {}).get("concepts") or {}
    traces = {n: t for n, t in (res.get("traces") or {}).items() if t.get("mentions")}
    title = ("概念的扩散", "Tracked concepts, by how far they spread")
    if not traces:
        h, _ = empty_note("no tracked concept occurs in this corpus: none of the concepts of concepts.registry is "
                          "mentioned; add the corpus's own concepts there to trace them")
        return ReportSection("concepts", *title, html=h + evidence(page("concepts_section"), "概念", "concepts"))
    pages = concept_slugs(res)
    known = build_entities_cached(ctx).authors

    def n_users(t: dict[str, Any]) -> int:
        return len({u["author"] for u in t.get("users") or []})

    ranked = sorted(traces.items(), key=lambda kv: (-n_users(kv[1]), -len(kv[1].get("spread") or []),
                                                    -len(kv[1]["mentions"]), kv[0]))
    docs = {m["doc_id"] for t in traces.values() for m in t["mentions"]}
    sentences = {(m["doc_id"], m.get("where"), m.get("footnote_n"), m.get("sentence")) for t in traces.values()
                 for m in t["mentions"]}
    rows = []
    for name, t in ranked[:top]:
        href = pages.get(name)
        fu = t.get("first_use") or {}
        who = _author(fu["author"], known) if fu.get("author") else Markup("—")
        per_year = {c["year"]: c["mentions"] for c in t.get("counts_by_year") or [] if c.get("year") is not None}
        rows.append([link(href, name) if href else name,
                     Markup("{} {}").format(who, fu.get("year") or ""),
                     link(href + "#users", n_users(t)) if href else n_users(t),
                     link(href + "#spread", len(t.get("spread") or [])) if href else len(t.get("spread") or []),
                     sparkline(per_year, f"{name} 每年提及 mentions per year")])
    html = basis(len(docs), len(sentences))
    html += cells_table(["概念 concept", "首用 first user", "使用者 users", "扩散 spread edges", "每年提及 mentions per year"],
                        rows)
    if len(ranked) > top:
        html += others("其他追踪概念 other tracked concepts", [(n, pages[n]) for n, _ in ranked[top:] if n in pages])
    html += evidence(page("concepts_section"), "概念页（KWIC、扩散图）", "concept pages: KWIC, spread")
    return ReportSection("concepts", *title, html=html)


def citations_block(ctx: ReportContext, top: int) -> ReportSection:
    works = (ctx.results or {}).get("works") or {}
    from ..refs.union import all_rows

    refs = all_rows(works, counted_only=True)
    title = ("被引最多的作品与作者", "Most cited works and authors, classics apart")
    if not refs:
        h, _ = empty_note("no parsed reference in this corpus: no footnote or reference list was read as a citation")
        return ReportSection("citations", *title, html=h + evidence(page("references_section"), "引文", "references"))
    labels = labels_cached(ctx)
    known = build_entities_cached(ctx).authors
    by_work: dict[str, dict[str, Any]] = {}
    for r in refs:
        wid = r.get("work_id") or r.get("raw") or ""
        w = by_work.setdefault(wid, {"row": r, "citations": 0, "docs": set(), "matched": None})
        w["citations"] += 1
        w["docs"].add(r["doc_id"])
        if r.get("matched_doc_id") in labels.docs:
            w["matched"] = r["matched_doc_id"]

    def work_cell(w: dict[str, Any], same: set[str]) -> Markup | str:
        r = w["row"]
        names = [a for a in str(r.get("authors") or "").split(";") if a]
        text = label_of(w)
        if text in same:  # two works named alike (volumes of one collection): their reference tells them apart
            text += f" · {short_title(r.get('raw'), 30)}"
        if w["matched"]:
            return link(paper_href(w["matched"]), text)
        if names and names[0] in known:  # the author's page lists the footnotes citing it
            return link(author_href(names[0], "cited"), text)
        return text

    def label_of(w: dict[str, Any]) -> str:
        r = w["row"]
        names = [a for a in str(r.get("authors") or "").split(";") if a]
        if r.get("title"):
            return work_label(names, r.get("year"), r["title"])
        head = " ".join(x for x in (authors_text(names), str(r.get("year") or "")) if x)  # a web page, a report
        return (head + " " if head else "") + short_title(r.get("raw"), 30)

    def ranked(classic: bool) -> list[dict[str, Any]]:
        ws = [w for w in by_work.values() if bool(w["row"].get("classic")) == classic]
        return sorted(ws, key=lambda w: (-len(w["docs"]), -w["citations"], str(w["row"].get("title"))))

    html = basis(len({r["doc_id"] for r in refs}), len({(r["doc_id"], r["footnote_n"]) for r in refs}),
                 "条脚注", "footnotes")
    for classic, zh, en, n in ((False, "作品", "Works", top), (True, "经典（单列）", "Classics, ranked apart", max(3, top // 2))):
        ws = ranked(classic)
        if not ws:
            continue
        html += Markup('<h3>{} <span class="en">{}</span></h3>').format(zh, en)
        seen = [label_of(w) for w in ws[:n]]
        same = {x for x in seen if seen.count(x) > 1}
        html += cells_table(["作品 work", "被引文献 citing papers", "引用 citations"],
                            [[work_cell(w, same), len(w["docs"]), w["citations"]] for w in ws[:n]])
    authors = (works.get("author_counts") or {}).get("contemporary") or []
    if authors:
        html += Markup('<h3>作者 <span class="en">Authors</span></h3>')
        html += cells_table(["作者 author", "被引文献 citing papers", "引用 citations", "作品 works"],
                            [[_author(a["name"], known), a["documents"], a["citations"], a["works"]] for a in authors[:top]])
    html += evidence(page("references_section"), "引文与被引", "references and citation counts")
    return ReportSection("citations", *title, html=html)


def cooccurrence_block(ctx: ReportContext, sents: dict[str, int] | None) -> ReportSection:
    from .networks import cooccurrence_network

    res = (ctx.results or {}).get("concepts") or {}
    cooc = res.get("cooccurrence")
    title = ("术语共现图", "Term co-occurrence map")
    if cooc is None or not len(cooc):
        cc = ctx.cfg["cooccurrence"]
        h, _ = empty_note(f"no co-occurrence: no pair of terms occurs together in a {cc['window']} "
                          f"{cc['min_count']} times or more (cooccurrence.min_count)")
        return ReportSection("cooccurrence", *title, html=h)
    docs = [d for d in (res.get("doc_ids") or [p["doc_id"] for p in ctx.papers]) if d in labels_cached(ctx).docs]
    window = ctx.cfg["cooccurrence"]["window"]
    if window == "paragraph":
        n_par = {p["doc_id"]: p.get("n_paragraphs") or 0 for p in ctx.papers}
        line = basis(len(docs), sum(n_par.get(d, 0) for d in docs), "个段落", "paragraphs")
    else:
        line = basis(len(docs), sum(sents.get(d, 0) for d in docs) if sents is not None else None)
    html = line + Markup('<p class="muted">节点为术语，连线为同一{}中的共现；点击追踪概念查看其语境 '
                         '<span class="en">terms joined when they share a {}; click a tracked concept for its KWIC</span>'
                         '</p>').format("句" if window != "paragraph" else "段", window)
    nc = ctx.cfg["report"]["networks"]  # as the figures page draws the same network
    html += cooccurrence_network(cooc, concept_slugs(res), max_edges=nc["cooccurrence_edges"], seed=nc["seed"],
                                 max_nodes=nc["max_nodes"], ctx=ctx, save="front-cooccurrence")
    html += Markup('<p class="evidence">证据 <span class="en">evidence</span>: <a href="data/cooccurrence.csv">'
                   'cooccurrence.csv</a> · <a href="{}">概念 concepts</a> · <a href="{}">图表 figures</a></p>').format(
        page("concepts_section"), page("figures_section"))
    return ReportSection("cooccurrence", *title, html=html)


# -- the page -----------------------------------------------------------------------------------

def _guard(ctx: ReportContext, key: str, title: tuple[str, str], build: Callable[[], ReportSection]) -> ReportSection:
    """A block that fails stands as a failure box; the rest of the front page is written."""
    try:
        return build()
    except Exception as e:
        import traceback

        msg = f"report front page block {key} failed: {e.__class__.__name__}: {e}"
        log = getattr(ctx, "log", None)
        if callable(log):
            log("warning: " + msg + "\n" + traceback.format_exc(limit=3))
        return ReportSection(key, *title, html=Markup('<p class="failed">{}</p>').format(msg), failed=[msg])


def front_page(ctx: ReportContext, sections: list[ReportSection]) -> list[ReportSection]:
    """The blocks of index.html, in reading order."""
    from .definitions_html import divergence_block
    top = int(ctx.cfg["site"]["front_top"])
    sents = sentence_counts(ctx)
    return [
        _guard(ctx, "corpus", ("语料概况", "The corpus at a glance"), lambda: corpus_block(ctx, sections)),
        _guard(ctx, "changes", ("本次变化", "What changed since the last run"), lambda: changes_block(ctx, top, sents)),
        _guard(ctx, "topics", ("主题及其走势", "Themes"), lambda: topics_block(ctx, top, sents)),
        _guard(ctx, "concepts", ("概念的扩散", "Tracked concepts"), lambda: concepts_block(ctx, top)),
        *[b for b in [_guard(ctx, "definitions", ("定义的分歧", "Where definitions diverge"),
                             lambda: divergence_block(ctx, top))] if b is not None],
        _guard(ctx, "citations", ("被引最多的作品与作者", "Most cited"), lambda: citations_block(ctx, top)),
        _guard(ctx, "cooccurrence", ("术语共现图", "Term co-occurrence map"), lambda: cooccurrence_block(ctx, sents)),
    ]
