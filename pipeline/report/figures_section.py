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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .background import submit
from .build import ReportSection, empty_note
from .entities import build_entities_cached
from .links import author_href, concept_slugs, topic_href


@dataclass
class Spec:
    """A figure to draw: ``figures.<kind>(path, *args)``; ``path`` is relative to the report."""
    kind: str  # "lines" | "heatmap"
    path: str
    title: str
    args: tuple
    kwargs: dict[str, Any]


def draw(specs: list[Spec]) -> list[tuple[str, bytes]]:
    """(path, PNG) of every figure; run in a side process (background.py)."""
    from . import figures

    return [(f.path, f.png) for f in (getattr(figures, s.kind)(s.path, *s.args, **s.kwargs) for s in specs)]


def _links(items: list[tuple[str, str]]) -> Markup:
    return Markup("证据 evidence: ") + Markup(" · ").join(
        Markup('<a href="{}">{}</a>').format(h, t) for t, h in items)


def _figure(fig: Spec, caption_zh: str, caption_en: str, evidence: Markup) -> Markup:
    return Markup('<figure><a href="{0}"><img src="{0}" alt="{1}" loading="lazy"></a><figcaption>{1} '
                  '<span class="en">{2}</span><br>{3}</figcaption></figure>').format(
        fig.path, caption_zh, caption_en, evidence)


def _topic_figures(ctx: Any, figs: list[Spec]) -> Markup:
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
        f = Spec("lines", "figures/topic_by_year.png", title, (dict(series), title, "年份 year", "平均权重 mean weight"), {})
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
                                       [labels[t] for t in tids], f"{zh}", "主题 topic", "作者 author"), {})
        figs.append(f)
        html += _figure(f, zh, en, _links([(a, author_href(a, "topics")) for a in authors]) + Markup("<br>") + ev)
    return html


def _concept_figure(ctx: Any, figs: list[Spec]) -> Markup:
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
             (m, [n for n, _ in rows], [str(y) for y in years], title, "年份 year", "概念 concept"), {"fmt": "{:.0f}"})
    figs.append(f)
    return _figure(f, "概念时间线（提及次数 + 当年首次使用该概念的被引作者数）",
                   "Concept timelines: mentions plus cited authors first using it that year",
                   _links([(n, pages[n] + "#timeline") for n, _ in rows if n in pages]))


def figures_section(ctx: Any) -> ReportSection | None:
    from .figures import NO_FONT, cjk_font_path
    from .networks import citation_network, cooccurrence_network

    figs: list[Spec] = []
    html = Markup("")
    if cjk_font_path() is None:  # no CJK font on this machine: say so rather than draw tofu
        html += Markup('<p class="failed">%s</p>') % NO_FONT
    else:
        html += _topic_figures(ctx, figs) + _concept_figure(ctx, figs)
    res = ctx.results.get("concepts") or {}
    cooc = res.get("cooccurrence")
    pages = concept_slugs(res)
    if cooc is not None and len(cooc):
        html += Markup("<h3>共现网络 <span class=\"en\">Co-occurrence network (hover a node; click a tracked concept "
                       "for its KWIC)</span></h3>") + cooccurrence_network(cooc, pages)
        html += Markup('<p class="muted">证据 evidence: <a href="data/cooccurrence.csv">cooccurrence.csv</a> · '
                       '<a href="concepts.html">概念表 concept table</a></p>')
    works = ctx.results.get("works") or {}
    if works.get("references"):
        ents = build_entities_cached(ctx)
        doc_authors = {d: [a for a in (p.paper["meta"].get("authors") or [])] for d, p in ents.papers.items()}
        html += Markup("<h3>引用网络 <span class=\"en\">Citation network: citing author → cited author "
                       "(click a name for the footnotes)</span></h3>") + citation_network(
            works["references"], doc_authors, author_href)
        html += Markup('<p class="muted">蓝: 被引 cited · 橙: 语料作者 corpus authors · 灰: 经典 classics · '
                       '证据 evidence: <a href="data/references.csv">references.csv</a></p>')
    if not html:
        h, md = empty_note("no figure to draw: no dated topics, concept uses or citations in this corpus")
        return ReportSection("figures", "图表", "Figures", md, h)
    sec = ReportSection("figures", "图表", "Figures", html=html)
    if figs:
        job = submit(ctx, draw, figs)

        def pngs() -> Iterator[tuple[str, bytes]]:
            yield from job.result()

        sec.files = pngs
    sec.md = "\n\n".join(f"![{f.title}]({f.path})" for f in figs) + "\n"
    return sec
