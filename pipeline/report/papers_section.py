"""A page per corpus paper: metadata, the text by section with numbered paragraphs (anchors
``p{N}``, the numbering of KWIC and topic units), footnotes with their parsed references
(anchors ``fn{N}``), the concepts it uses and its topics; and the paper list on the index.

The run context holds paper *heads* (metadata and counts); the text is streamed from the store
by ``ctx.iter_papers`` while the pages are written, so a batch of papers is in memory at a time.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from pipeline.refs.names import paper_authors

from ..context import ReportContext
from .html import cells_table, join, link, render_page
from .reuse import replace_section, same_page, section_key
from .section import ReportSection, previous_run_info
from .entities import Entities, PaperInfo, build_entities_cached
from .labels import Labels, build_labels, labels_cached
from .links import author_href, concept_slugs, mention_anchor, paper_href, topic_href

R = "../"


def _authors(names: list[str] | str | None) -> Markup:
    if isinstance(names, str):
        names = [x for x in names.split(";") if x]
    return join("、", (link(R + author_href(n), n) for n in names or []))


def _people(m: dict[str, Any]) -> Markup:
    """The paper's authors by their one identity, linked; a name printed otherwise (劉皓琰 in a
    traditional-script mirror) is shown beside it."""
    out = []
    for printed, canon in zip(m.get("authors") or [], paper_authors(m)):
        a = link(R + author_href(canon), canon)
        out.append(a + Markup(f'<span class="muted">（印作 printed {escape(printed)}）</span>') if printed != canon else a)
    return join("、", out)


def _meta(p: dict[str, Any], same_work: list[Markup] | None = None) -> Markup:
    m = p["meta"]
    year = m.get("year") or (f"{m['year_inferred']}（推断 inferred）" if m.get("year_inferred") else "")
    rows = [("作者 authors", _people(m)), ("年 year", year), ("期刊 journal", m.get("journal")),
            ("期 issue", m.get("issue")), ("关键词 keywords", "；".join(m.get("keywords") or [])),
            ("摘要 abstract", m.get("abstract")), ("基金 funding", m.get("funding")),
            ("单位 affiliations", "；".join(f"{k}：{v}" for k, v in (m.get("affiliations") or {}).items())),
            ("来源 source", p["source"]), ("同一作品 same work", join("；", same_work or [])),
            ("警告 warnings", " | ".join(p.get("warnings") or []))]
    return cells_table(["字段 field", "值 value"], [[k, v] for k, v in rows if v])


# _body and _footnotes build the bulk of every paper page: f-strings with ``escape`` on each
# text (see build.cells_table) rather than Markup.format.

def _body(p: dict[str, Any]) -> Markup:
    out = ['<div class="paper">']
    n = 0
    for i, s in enumerate(p["sections"]):
        if s.get("heading"):
            level = min(6, 2 + int(s.get("level") or 1))
            out.append(f'<h{level} id="sec{i}">{escape(s["heading"])}</h{level}>')
        for para in s["paragraphs"]:
            out.append(f'<p id="p{n}"><a class="pn" href="#p{n}">¶{n}</a>{escape(para)}</p>')
            n += 1
    out.append("</div>")
    return Markup("".join(out))


def _footnotes(info: PaperInfo, text: dict[str, Any], ents: Entities) -> Markup:
    items = ['<ol class="fn-list">']
    cites = Counter(c["n"] for c in text.get("citations") or [])
    for f in text["footnotes"]:
        refs = []
        for r in info.refs.get(f["n"], []):
            target = " · " + link(R + paper_href(r["matched_doc_id"]), "语料中 in corpus") \
                if r.get("matched_doc_id") in ents.papers else ""
            refs.append(f'<div class="ref">{_authors(r.get("authors"))} 《{escape(r.get("title") or "—")}》 '
                        f'{escape(r.get("container") or "")} {escape(r.get("year") or "")} · {escape(r.get("type") or "")}'
                        f'{target}</div>')
        n = f["n"]
        where = f' <span class="muted">(正文引用 cited {escape(cites[n])} 次 times)</span>' if cites[n] else ""
        items.append(f'<li id="fn{escape(n)}" value="{escape(n if isinstance(n, int) else "")}">'
                     f'{escape(f.get("text") or "")}{where}{"".join(refs)}</li>')
    items.append("</ol>")
    return Markup("".join(items))


def _listed(info: PaperInfo, ents: Entities) -> Markup:
    """A record's printed reference list as parsed; an item another record of the same paper
    already cites (its footnote) is marked merged, so no reader counts it twice."""
    items = ['<ol class="ref-list">']
    for r in sorted(info.listed, key=lambda r: r.get("ref_n") or 0):
        target = " · " + link(R + paper_href(r["matched_doc_id"]), "语料中 in corpus") \
            if r.get("matched_doc_id") in ents.papers else ""
        merged = "" if r.get("counted", True) else ' · <span class="muted">已由同一作品的脚注计数 counted in a footnote of the same paper</span>'
        items.append(f'<li value="{escape(r.get("ref_n") or "")}">{escape(r.get("raw") or "")}'
                     f'<div class="ref">{_authors(r.get("authors"))} 《{escape(r.get("title") or "—")}》 '
                     f'{escape(r.get("container") or "")} {escape(r.get("year") or "")} · {escape(r.get("type") or "")}'
                     f'{target}{merged}</div></li>')
    items.append("</ol>")
    return Markup("".join(items))


def _concept_uses(info: PaperInfo) -> list[tuple[str, int, dict[str, Any]]]:
    """(concept, mentions, first mention) of a paper, most used first: its page's concept table."""
    by = Counter(m["concept"] for m in info.mentions)
    return [(name, n, next(m for m in info.mentions if m["concept"] == name)) for name, n in by.most_common()]


def same_work(ents: Entities, info: PaperInfo) -> list[str]:
    """The other documents of the paper's work (a mirror, an export record of the same paper)."""
    return [d for d in ents.works.get(info.work_id or "", []) if d != info.paper["doc_id"]]


def _topics_html(info: PaperInfo, ents: Entities) -> Markup:
    """The paper's topics with their labels: the only part of its page a topic's new label changes."""
    rows = [[link(R + topic_href(t), f"{t} {ents.topic_labels.get(t, '')}"), w]
            for t, w in sorted(info.topics.items(), key=lambda kv: -kv[1])]
    return cells_table(["主题 topic", "平均权重 mean weight"], rows)


def relabelled(old: str, info: PaperInfo, ents: Entities) -> str | None:
    """The previous report's page of a paper whose page differs only by its topics' labels, with
    its topics section made again: the page a full render gives (but for the footer's time, as
    a kept page). None when the page does not have the one topics section expected."""
    if not info.topics:
        return None
    return replace_section(old, "topics", "主题", "Topics", _topics_html(info, ents))


def paper_page(info: PaperInfo, text: dict[str, Any], ents: Entities, concept_pages: dict[str, str],
               labels: Labels | None = None) -> str:
    """``info.paper`` is the head (metadata); ``text`` the full paper (sections, footnotes, citations)."""
    p = info.paper
    title = p["meta"].get("title") or p["source"]
    labels = labels or build_labels([x.paper for x in ents.papers.values()])
    twins = [labels.doc_link(d, R) + Markup(f' <span class="muted">{escape(ents.papers[d].paper["source"])}</span>')
             for d in same_work(ents, info)]
    secs = [ReportSection("meta", "元数据", "Metadata", html=_meta(p, twins))]
    if info.cited_by:
        secs[0].html += Markup("<p>被语料引用 cited in the corpus by: ") + join("; ", (
            labels.doc_link(d, R, f"fn{n}") + Markup(f" 注{n}") if n is not None
            else labels.doc_link(d, R, "references") + Markup(" 参考文献 reference list")
            for d, n in info.cited_by)) + Markup("</p>")
    if info.mentions:
        rows = [[link(R + concept_pages[name], name) if name in concept_pages else name, n,
                 link("#" + mention_anchor(first), first["sentence"][:60])] for name, n, first in _concept_uses(info)]
        secs.append(ReportSection("concepts", "概念", "Concepts", html=cells_table(
            ["概念 concept", "次数 mentions", "首处 first occurrence"], rows)))
    if info.topics:
        secs.append(ReportSection("topics", "主题", "Topics", html=_topics_html(info, ents)))
    secs.append(ReportSection("body", "正文", "Text", html=_body(text)))
    if text["footnotes"]:
        secs.append(ReportSection("footnotes", "脚注与参考文献", "Footnotes and parsed references",
                                  html=_footnotes(info, text, ents)))
    if info.listed:
        secs.append(ReportSection("references", "参考文献表", "Printed reference list (CSSCI)",
                                  html=_listed(info, ents)))
    return render_page(title, "paper", secs, root=R)


def papers_section(ctx: ReportContext) -> ReportSection | None:
    ents = build_entities_cached(ctx)
    if not ents.papers:
        return None
    concept_pages = concept_slugs((ctx.results or {}).get("concepts"))
    rows = []
    for d, info in ents.papers.items():
        m = info.paper["meta"]
        n_fn = info.paper.get("n_footnotes") or 0
        rows.append([link(paper_href(d), m.get("title") or info.paper["source"]),
                     join("、", (link(author_href(a), a) for a in paper_authors(m))),
                     m.get("year") or m.get("year_inferred"), m.get("journal"),
                     link(paper_href(d, "footnotes"), n_fn) if n_fn else 0,
                     link(paper_href(d, "concepts"), len(info.mentions)) if info.mentions else 0])
    html = cells_table(["标题 title", "作者 authors", "年 year", "期刊 journal", "脚注 footnotes", "概念提及 concept mentions"],
                       rows, max_rows=500, filter=True)
    sec = ReportSection("papers", "文献页面", "Paper pages", f"{len(rows)} 篇文献 papers, 每篇一页 one page each.\n", html)
    sec.pages = lambda: paper_pages(ctx, ents, concept_pages, sec.run_info)
    sec.n_pages = len(ents.papers)
    return sec


def _code_hash() -> str:
    """The code between a paper's data and its page: this module, the page frame and its
    template, the navigation, the links. (A kept page keeps its "generated" time too.)"""
    from .. import __version__

    here = Path(__file__).parent
    h = hashlib.sha1(__version__.encode())
    for f in ("papers_section.py", "build.py", "links.py", "labels.py", "sections.py", "templates/page.html"):
        try:
            h.update((here / f).read_bytes())
        except OSError:
            h.update(f.encode())
    return h.hexdigest()


def page_key(ctx: ReportContext, d: str, info: PaperInfo, ents: Entities, concept_pages: dict[str, str], code: str) -> str:
    """Everything a paper's page is made of but its text, which the file key stands for: equal
    keys, equal pages. What the page shows of the rest of the corpus (who cites it, the
    concepts' and topics' pages and labels, which references are papers of the corpus) is in it."""
    concepts = [(name, n, concept_pages.get(name), mention_anchor(first), first["sentence"][:60])
                for name, n, first in _concept_uses(info)]
    refs = {str(n): [(r, r.get("matched_doc_id") in ents.papers) for r in rs] for n, rs in info.refs.items()}
    cited = [(c, n, ents.papers[c].paper["meta"]) for c, n in info.cited_by]  # their labels
    twins = [(t, ents.papers[t].paper["source"], ents.papers[t].paper["meta"]) for t in same_work(ents, info)]
    topics = [(str(t), w) for t, w in sorted(info.topics.items(), key=lambda kv: str(kv[0]))]
    parts = [code, list(getattr(ctx, "parse_key", ())), (getattr(ctx, "doc_file", {}).get(d) or ("", ""))[0],
             info.paper, concepts, refs, cited, topics, twins]
    labels = [ents.topic_labels.get(t) for t, _ in sorted(info.topics.items(), key=lambda kv: str(kv[0]))]
    return section_key(parts, labels)


def paper_pages(ctx: ReportContext, ents: Entities, concept_pages: dict[str, str],
                run_info: dict[str, Any] | None = None) -> Iterator[tuple[str, str | Path]]:
    """(path, HTML or kept file) of every paper page. A page whose key (:func:`page_key`) is the
    one the previous report wrote it under is kept from that report (the writer links it):
    ``--update`` adds a paper and leaves the other pages as they were, and reading their texts
    from the store was most of the report's time. The others are rendered as
    ``ctx.iter_papers`` streams their texts."""
    ids = list(ents.papers)
    labels = labels_cached(ctx)
    out = Path(getattr(ctx, "out", "") or ".")
    code = _code_hash()
    keys = {d: page_key(ctx, d, ents.papers[d], ents, concept_pages, code) for d in ids}
    if run_info is not None:
        run_info["paper_pages"] = keys
    before = previous_run_info(out).get("paper_pages") if getattr(ctx, "doc_file", None) else None
    before = before if isinstance(before, dict) else {}
    done: set[str] = set()
    relabel = 0
    for d in ids:
        f = out / paper_href(d)
        if before.get(d) == keys[d] and f.is_file():
            done.add(d)
            yield paper_href(d), f  # the writer links it into the new report
        elif same_page(str(before.get(d)), keys[d]) and f.is_file():
            # Only its topics' labels changed (the online topic update relabels a topic that
            # half the papers hold): the page is the previous one with a new topics section.
            with open(f, encoding="utf-8", newline="") as fh:  # its bytes as written: no newline translated
                page = relabelled(fh.read(), ents.papers[d], ents)
            if page is not None:
                done.add(d)
                relabel += 1
                yield paper_href(d), page
    kept = len(done) - relabel
    for text in ctx.iter_papers([d for d in ids if d not in done]):
        d = text["doc_id"]
        if d in ents.papers and d not in done:
            done.add(d)
            yield paper_href(d), paper_page(ents.papers[d], text, ents, concept_pages, labels)
    if kept and callable(getattr(ctx, "log", None)):
        ctx.log(f"report: {kept} of {len(ids)} paper pages kept from the previous report"
                + (f", {relabel} with their topics' new labels" if relabel else ""))
    missing = [d for d in ids if d not in done]
    if missing and callable(getattr(ctx, "log", None)):
        ctx.log(f"warning: report: no stored text for {len(missing)} papers ({', '.join(missing[:5])}); "
                "their pages hold the metadata only")
    for d in missing:  # every link to a paper must land on a page, text or not
        keys.pop(d, None)  # a page without its text is never reused
        yield paper_href(d), paper_page(ents.papers[d], {"sections": [], "footnotes": []}, ents, concept_pages, labels)
