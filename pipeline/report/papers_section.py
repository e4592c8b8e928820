"""A page per corpus paper: metadata, the text by section with numbered paragraphs (anchors
``p{N}``, the numbering of KWIC and topic units), footnotes with their parsed references
(anchors ``fn{N}``), the concepts it uses and its topics; and the paper list on the index."""
from __future__ import annotations

from collections import Counter
from typing import Any

from markupsafe import Markup

from .build import ReportSection, cells_table, link, render_page
from .entities import Entities, PaperInfo, build_entities_cached
from .links import author_href, concept_slugs, mention_anchor, paper_href, topic_href

R = "../"


def _authors(names: list[str] | str | None) -> Markup:
    if isinstance(names, str):
        names = [x for x in names.split(";") if x]
    return Markup("、").join(link(R + author_href(n), n) for n in names or [])


def _meta(p: dict[str, Any]) -> Markup:
    m = p["meta"]
    year = m.get("year") or (f"{m['year_inferred']}（推断 inferred）" if m.get("year_inferred") else "")
    rows = [("作者 authors", _authors(m.get("authors"))), ("年 year", year), ("期刊 journal", m.get("journal")),
            ("期 issue", m.get("issue")), ("关键词 keywords", "；".join(m.get("keywords") or [])),
            ("摘要 abstract", m.get("abstract")), ("基金 funding", m.get("funding")),
            ("单位 affiliations", "；".join(f"{k}：{v}" for k, v in (m.get("affiliations") or {}).items())),
            ("来源 source", p["source"]), ("doc_id", p["doc_id"]), ("警告 warnings", " | ".join(p.get("warnings") or []))]
    return cells_table(["字段 field", "值 value"], [[k, v] for k, v in rows if v])


def _body(p: dict[str, Any]) -> Markup:
    out = []
    n = 0
    for i, s in enumerate(p["sections"]):
        if s.get("heading"):
            level = min(6, 2 + int(s.get("level") or 1))
            out.append(Markup('<h{0} id="sec{1}">{2}</h{0}>').format(level, i, s["heading"]))
        for para in s["paragraphs"]:
            out.append(Markup('<p id="p{0}"><a class="pn" href="#p{0}">¶{0}</a>{1}</p>').format(n, para))
            n += 1
    return Markup('<div class="paper">') + Markup("").join(out) + Markup("</div>")


def _footnotes(info: PaperInfo, ents: Entities) -> Markup:
    items = []
    cites = Counter(c["n"] for c in info.paper.get("citations") or [])
    for f in info.paper["footnotes"]:
        refs = []
        for r in info.refs.get(f["n"], []):
            target = link(R + paper_href(r["matched_doc_id"]), "语料中 in corpus") if r.get("matched_doc_id") in ents.papers else ""
            refs.append(Markup('<div class="ref">{} 《{}》 {} {} · {} · {}{}</div>').format(
                _authors(r.get("authors")), r.get("title") or "—", r.get("container") or "", r.get("year") or "",
                r.get("type") or "", r.get("work_id") or "", Markup(" · ") + target if target else ""))
        where = Markup(" <span class=\"muted\">(正文引用 cited {} 次 times)</span>").format(cites[f["n"]]) if cites[f["n"]] else ""
        items.append(Markup('<li id="fn{}" value="{}">{}{}{}</li>').format(
            f["n"], f["n"] if isinstance(f["n"], int) else "", f.get("text") or "", where, Markup("").join(refs)))
    return Markup('<ol class="fn-list">') + Markup("").join(items) + Markup("</ol>")


def paper_page(info: PaperInfo, ents: Entities, concept_pages: dict[str, str]) -> str:
    p = info.paper
    title = p["meta"].get("title") or p["source"]
    secs = [ReportSection("meta", "元数据", "Metadata", html=_meta(p))]
    if info.cited_by:
        secs[0].html += Markup("<p>被语料引用 cited in the corpus by: ") + Markup("; ").join(
            link(R + paper_href(d, f"fn{n}"), f"{ents.papers[d].paper['meta'].get('title') or d} 注{n}")
            for d, n in info.cited_by) + Markup("</p>")
    if info.mentions:
        by = Counter(m["concept"] for m in info.mentions)
        rows = []
        for name, n in by.most_common():
            first = next(m for m in info.mentions if m["concept"] == name)
            rows.append([link(R + concept_pages[name], name) if name in concept_pages else name, n,
                         link("#" + mention_anchor(first), first["sentence"][:60])])
        secs.append(ReportSection("concepts", "概念", "Concepts", html=cells_table(
            ["概念 concept", "次数 mentions", "首处 first occurrence"], rows)))
    if info.topics:
        rows = [[link(R + topic_href(t), f"{t} {ents.topic_labels.get(t, '')}"), w]
                for t, w in sorted(info.topics.items(), key=lambda kv: -kv[1])]
        secs.append(ReportSection("topics", "主题", "Topics", html=cells_table(["主题 topic", "平均权重 mean weight"], rows)))
    secs.append(ReportSection("body", "正文", "Text", html=_body(p)))
    if p["footnotes"]:
        secs.append(ReportSection("footnotes", "脚注与参考文献", "Footnotes and parsed references",
                                  html=_footnotes(info, ents)))
    return render_page(title, "paper", secs, root=R)


def papers_section(ctx: Any) -> ReportSection | None:
    ents = build_entities_cached(ctx)
    if not ents.papers:
        return None
    concept_pages = concept_slugs((ctx.results or {}).get("concepts"))
    pages = {paper_href(d): paper_page(info, ents, concept_pages) for d, info in ents.papers.items()}
    rows = []
    for d, info in ents.papers.items():
        m = info.paper["meta"]
        rows.append([link(paper_href(d), m.get("title") or info.paper["source"]),
                     Markup("、").join(link(author_href(a), a) for a in m.get("authors") or []),
                     m.get("year") or m.get("year_inferred"), m.get("journal"),
                     link(paper_href(d, "footnotes"), len(info.paper["footnotes"])) if info.paper["footnotes"] else 0,
                     link(paper_href(d, "concepts"), len(info.mentions)) if info.mentions else 0])
    html = cells_table(["标题 title", "作者 authors", "年 year", "期刊 journal", "脚注 footnotes", "概念提及 concept mentions"],
                       rows, max_rows=500, filter=True)
    return ReportSection("papers", "文献页面", "Paper pages", f"{len(rows)} 篇文献 papers, 每篇一页 one page each.\n", html,
                         pages=pages)
