"""The figures section of the index: topic prevalence by year, author × topic heat maps, concept
timelines (PNG, CJK font file), and the co-occurrence and citation networks (interactive SVG).
Every figure is followed by links to its evidence (topic, author and concept pages, which hold
the passages, KWIC sentences and footnotes).

The section is built from figure *specs* (which drawing function, with what data); the PNGs
are drawn by ``draw`` in a side process (``background.py``) while the pages are
written, and collected after them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..context import ReportContext
from .background import submit
from .early_figures import take_early
from .figures import Spec, draw, svg_path
from .html import empty_note
from .section import ReportSection
from .entities import build_entities_cached
from .links import author_href, concept_slugs, topic_href


def _links(items: list[tuple[str, str]]) -> Markup:
    return Markup("证据 evidence: ") + Markup(" · ").join(
        Markup('<a href="{}">{}</a>').format(h, t) for t, h in items)


def _figure(fig: Spec, caption_zh: str, caption_en: str, evidence: Markup) -> Markup:
    svg = Markup(' · <a href="{}" download>SVG</a>').format(svg_path(fig.path)) if fig.kwargs.get("svg") else ""
    return Markup('<figure><a href="{0}"><img src="{0}" alt="{1} {2}" loading="lazy"></a><figcaption>{1} '
                  '<span class="en">{2}</span> <span class="save">下载 download: <a href="{0}" download>PNG</a>{4}'
                  '</span><br>{3}</figcaption></figure>').format(fig.path, caption_zh, caption_en, evidence, svg)


def _svg_too(ctx: ReportContext) -> dict[str, Any]:
    return {"svg": ctx.cfg["report"]["figure_svg"]}


def _topic_figures(ctx: ReportContext, figs: list[Spec]) -> Markup:
    res = ((ctx.results.get("topics") or {}).get("result"))
    if res is None:
        return Markup("")
    labels = {t["topic_id"]: f"{t['topic_id']} {t['label']}" for t in res.topics}
    ev = _links([(labels[t], topic_href(t)) for t in labels])
    html = Markup("")
    series: dict[str, dict[int, float]] = defaultdict(dict)
    for r in res.prevalence_by_year:
        if r.get("year") is not None and r["topic_id"] in labels:
            series[labels[r["topic_id"]]][int(r["year"])] = r["weight"]
    if series:
        title = "主题按年份的分布 Topic prevalence by year"
        f = Spec("lines", "figures/topic_by_year.png", title, (dict(series), title, "年份 year", "平均权重 mean weight"),
                 _svg_too(ctx))
        figs.append(f)
        html += _figure(f, "主题按年份", "Topic prevalence by year", ev)
    for key, rows_in, name, zh, en in (
            ("prev", res.prevalence_by_author, "figures/author_topic.png", "作者 × 主题（语料作者）",
             "Author × topic (corpus authors)"),
            ("model", (ctx.results.get("topics") or {}).get("authors") or [], "figures/author_topic_model.png",
             "作者 × 主题（作者主题模型，含被引作者，前 30 位）", "Author × topic (author-topic model, top 30)")):
        tot: dict[str, float] = defaultdict(float)
        cell: dict[tuple[str, Any], float] = {}
        for r in rows_in:
            if r["topic_id"] in labels:
                cell[(r["author"], r["topic_id"])] = r["weight"]
                tot[r["author"]] += r.get("n_units") or 1
        authors = sorted(tot, key=lambda a: (-tot[a], a))[:30]
        if not authors:
            continue
        tids = list(labels)
        f = Spec("heatmap", name, zh, ([[cell.get((a, t), 0.0) for t in tids] for a in authors], authors,
                                       [labels[t] for t in tids], f"{zh}", "主题 topic", "作者 author"), _svg_too(ctx))
        figs.append(f)
        html += _figure(f, zh, en, _links([(a, author_href(a, "topics")) for a in authors]) + Markup("<br>") + ev)
    return html


def _concept_figure(ctx: ReportContext, figs: list[Spec]) -> Markup:
    res = ctx.results.get("concepts") or {}
    traces = res.get("traces") or {}
    pages = concept_slugs(res)
    rows = sorted(((n, t) for n, t in traces.items() if t.get("mentions")), key=lambda x: -len(x[1]["mentions"]))[:30]
    years = sorted({c["year"] for _, t in rows for c in t.get("counts_by_year") or [] if c.get("year") is not None})
    if not rows or not years:
        return Markup("")
    m = []
    for _, t in rows:
        by = {c["year"]: c["mentions"] + c.get("cited_authors_first_year", 0) for c in t.get("counts_by_year") or []}
        m.append([float(by.get(y, 0)) for y in years])
    title = "概念时间线：每年的提及与被引首用 Concept timelines"
    f = Spec("heatmap", "figures/concept_timelines.png", title,
             (m, [n for n, _ in rows], [str(y) for y in years], title, "年份 year", "概念 concept"),
             {"fmt": "{:.0f}", **_svg_too(ctx)})
    figs.append(f)
    return _figure(f, "概念时间线（提及次数 + 当年首次使用该概念的被引作者数）",
                   "Concept timelines: mentions plus cited authors first using it that year",
                   _links([(n, pages[n] + "#timeline") for n, _ in rows if n in pages]))


def _h3(anchor: str, zh: str, en: str) -> Markup:
    return Markup('<h3 id="{}">{} <span class="en">{}</span></h3>').format(anchor, zh, en)


def _muted(html: str) -> Markup:
    return Markup('<p class="muted">') + Markup(html) + Markup("</p>")


def network_figures(ctx: ReportContext) -> Markup:
    """The networks part of the figures section: co-occurrence, co-citation and co-authorship
    networks coloured by community, the timelines of the co-occurrence and co-citation
    communities, and the citation network. Anchors: ``#cooccurrence-network``,
    ``#cooccurrence-timeline``, ``#cocitation-network``, ``#cocitation-timeline``,
    ``#coauthorship-network``, ``#citation-network``."""
    from .net_data import doc_years
    from .networks import citation_network, coauthorship_graph, cocitation_graph, cooccurrence_graph, draw_network
    from .timeviews import timeline_svg

    nc = ctx.cfg["report"]["networks"]
    max_nodes, seed = nc["max_nodes"], nc["seed"]
    rows, per_year = nc["timeline_rows"], nc["timeline_labels"]
    legend_rows = nc["legend_rows"]
    years = doc_years(ctx.papers)
    corpus_years = sorted(set(years.values()))
    html = Markup("")

    res = ctx.results.get("concepts") or {}
    cooc = res.get("cooccurrence")
    if cooc is not None and len(cooc):
        nodes, edges = cooccurrence_graph(cooc, concept_slugs(res), "", nc["cooccurrence_edges"], ctx)
        d = draw_network(nodes, edges, label="共现网络：词语按 Louvain 社区着色 co-occurrence network, terms coloured "
                         "by Louvain community", max_nodes=max_nodes, seed=seed, communities=True,
                         legend_rows=legend_rows, save="cooccurrence-network")
        html += _h3("cooccurrence-network", "共现网络（按社区着色）",
                    "Co-occurrence network, coloured by community (hover a node; click a ringed tracked concept "
                    "for its KWIC)") + d.svg
        html += _muted('证据 evidence: <a href="data/cooccurrence.csv">cooccurrence.csv</a> · '
                       '<a href="concepts.html">概念表 concept table</a> · 黑圈: 追踪的概念 ringed: tracked concepts')
        html += _h3("cooccurrence-timeline", "共现社区时间线",
                    "Timeline of the co-occurrence communities: each term at the year it first appears, sized "
                    "by frequency (CiteSpace's timeline view)") + timeline_svg(
            d, "共现社区时间线 timeline of the co-occurrence communities", "cooccurrence-timeline", corpus_years,
            rows, per_year)
    works = ctx.results.get("works") or {}
    from ..refs.union import all_rows

    refs = all_rows(works, counted_only=True)
    if refs:
        nodes, edges = cocitation_graph(refs, years, "", nc["cocitation_edges"], works.get("cocitation"))
        if edges and max(e.weight for e in edges) < 2:
            # Every pair cited together once: the network is one clique per citing document, and
            # its "communities" would be cuts through a clique.
            html += _h3("cocitation-network", "共被引网络", "Co-citation network") + _muted(
                "无共被引结构：没有两部作品被两篇以上文献同时引用 no structure yet: no two works are cited together "
                f"by two documents or more ({len({r['doc_id'] for r in refs})} 篇施引文献 citing documents)")
        elif edges:
            d = draw_network(nodes, edges, label="共被引网络：被引作品按社区着色 co-citation network, cited works "
                             "coloured by community", max_nodes=max_nodes, seed=seed, communities=True,
                             legend_rows=legend_rows, save="cocitation-network")
            html += _h3("cocitation-network", "共被引网络（按社区着色）",
                        "Co-citation network: works cited by the same document, coloured by community") + d.svg
            html += _muted('年份: 引用它的文献的年份 years: of the citing documents · 证据 evidence: '
                           '<a href="data/cocitation.csv">cocitation.csv</a> · '
                           '<a href="data/references.csv">references.csv</a>')
            html += _h3("cocitation-timeline", "共被引社区时间线",
                        "Timeline of the co-citation communities: each work at its year of publication") + timeline_svg(
                d, "共被引社区时间线 timeline of the co-citation communities", "cocitation-timeline", None, rows,
                per_year)
        nodes, edges = coauthorship_graph(refs, ctx.papers, works.get("doc_work") or {}, author_href, "",
                                          nc["coauthorship_edges"])
        if edges:
            html += _h3("coauthorship-network", "合著网络（按社区着色）",
                        "Co-authorship network: people who wrote a work together (cited works and the corpus's "
                        "papers), coloured by community") + draw_network(
                nodes, edges, label="合著网络 co-authorship network", max_nodes=max_nodes, seed=seed,
                communities=True, legend_rows=legend_rows, save="coauthorship-network").svg
            html += _muted('年份: 作品的出版年 years: of the joint works · 证据 evidence: '
                           '<a href="data/coauthorship.csv">coauthorship.csv</a>')
        ents = build_entities_cached(ctx)
        doc_authors = {d: [a for a in (p.paper["meta"].get("authors") or [])] for d, p in ents.papers.items()}
        html += _h3("citation-network", "引用网络", "Citation network: citing author → cited author "
                    "(click a name for the footnotes)") + citation_network(refs, doc_authors, author_href)
        html += _muted('蓝: 被引 cited · 橙: 语料作者 corpus authors · 灰: 经典 classics · '
                       '证据 evidence: <a href="data/references.csv">references.csv</a>')
    if not html:
        return html
    return _muted('网络可按年份筛选，每个图都可存为 SVG 或 PNG（图下按钮）。 <span class="en">Each network can be '
                  'filtered by year (the sliders above it); every figure can be saved as SVG or PNG (the buttons '
                  'below it).</span>') + html


def figure_keys() -> Callable[[Spec], str]:
    """The key of a figure: its spec (data, labels, options), the code and the font that draw it."""
    from .figures import cjk_font_path
    from .reuse import code_hash, digest

    code = code_hash("figures.py", "figures_section.py")
    font = str(cjk_font_path())
    return lambda f: digest([code, font, f.kind, f.path, f.title, f.args, f.kwargs])


def figure_paths(f: Spec) -> list[str]:
    return [f.path] + ([svg_path(f.path)] if f.kwargs.get("svg") else [])


def _kept_figures(ctx: ReportContext, figs: list[Spec], run_info: dict[str, Any]
                  ) -> tuple[list[tuple[str, Path]], list[Spec]]:
    """The figures the previous report drew from the same spec (its files, PNG and SVG, kept:
    ``reuse.py``), and the specs to draw. A spec is the figure's whole input: its data, labels
    and options; the code and the font that draw it are in the key too."""
    from .reuse import Reuse

    reuse = Reuse(ctx, "figure", run_info)
    key_of = figure_keys()
    kept: list[tuple[str, Path]] = []
    todo: list[Spec] = []
    for f in figs:
        key = key_of(f)
        paths = figure_paths(f)
        old = [reuse.kept(p, key) for p in paths]
        if all(o is not None for o in old):
            kept += [(p, o) for p, o in zip(paths, old) if o is not None]
        else:
            todo.append(f)
    return kept, todo


def figures_section(ctx: ReportContext) -> ReportSection | None:
    from .figures import NO_FONT, cjk_font_path

    figs: list[Spec] = []
    html = Markup("")
    if cjk_font_path() is None:  # no CJK font on this machine: say so rather than draw tofu
        html += Markup('<p class="failed">%s</p>') % NO_FONT
    else:
        html += _topic_figures(ctx, figs) + _concept_figure(ctx, figs)
    html += network_figures(ctx)
    if not html:
        h, md = empty_note("no figure to draw: no dated topics, concept uses or citations in this corpus")
        return ReportSection("figures", "图表", "Figures", md, h)
    sec = ReportSection("figures", "图表", "Figures", html=html)
    if figs:
        kept, todo = _kept_figures(ctx, figs, sec.run_info)
        # Figures drawn while the corpus stages ran (``early_figures.py``), when their specs are
        # the ones this report asks for; the others are drawn now.
        early, todo = take_early(ctx, todo)
        job = submit(ctx, draw, todo) if todo else None

        def pngs() -> Iterator[tuple[str, bytes | Path]]:
            yield from kept
            yield from early()
            if job is not None:
                yield from job.result()

        sec.files = pngs
    sec.md = "\n\n".join(f"![{f.title}]({f.path})" for f in figs) + "\n"
    return sec
