"""The concept part of the report: a table of tracked concepts on the index, one page per
concept (timeline, spread graph, KWIC with evidence sentences, co-occurring terms, users), the
``concept_mentions`` and ``cooccurrence`` tables, and the new coinages with their first users.

Figures are inline SVG so the report opens offline with no plotting library. Every paper text
goes through ``markupsafe.escape`` (directly or via ``table_html``).
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from ..concepts.mentions import kwic_of
from ..context import ReportContext
from ..digests import only_scalars
from .html import bar, cells_table, empty_note, gate_note, join, link, render_page, table_html, table_md
from .section import ReportSection
from .glossary_html import foreign_html, glossary_entries, glossary_table, with_foreign
from .definitions_html import by_concept, concept_definitions_html, definitions_table
from .labels import Labels, labels_cached
from .links import author_href, concept_slugs, mention_anchor, paper_href
from .links import slug as slug  # re-exported: the page name of a concept
from .networks import svg_open
from .stance_html import concept_stance_html
from .shift_html import shift_block, shift_index_html, shift_result, shift_tables
from .timeviews import spread_svg
from .entities import run_aliases
from .reuse import Reuse, code_hash, digest
from ..concepts.shift import why_not

MENTION_COLUMNS = ["concept", "surface", "doc_id", "doc_authors", "year", "where", "sentence", "attributed_authors"]
COOC_COLUMNS = ["term_a", "term_b", "count", "npmi"]


def mention_rows(mentions: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for m in mentions:
        authors = []
        for a in m.get("attributed") or []:
            for x in a.get("authors") or []:
                if x not in authors:
                    authors.append(x)
        rows.append({"concept": m["concept"], "surface": m["surface"], "doc_id": m["doc_id"],
                     "doc_authors": ";".join(m.get("doc_authors") or []), "year": m.get("year"),
                     "where": m["where"], "sentence": m["sentence"], "attributed_authors": ";".join(authors)})
    df = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    return df


def _timeline_svg(counts: list[dict[str, Any]], concept: str = "") -> Markup:
    """Bars per year: mentions (blue, linked to the KWIC lines) and cited authors first using the
    concept that year (orange, linked to the users table)."""
    rows = [c for c in counts if c.get("year") is not None]
    if not rows:
        return Markup("<p class=\"muted\">无年份 no dated use</p>")
    step, h, pad = 72, 200, 28
    w = max(260, step * len(rows) + 2 * pad)
    top = max(max(c["mentions"], c.get("cited_authors_first_year", 0)) for c in rows) or 1
    bars = [f'<line x1="{pad - 4}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>']
    for i, c in enumerate(rows):
        x = pad + i * step
        m, ca = c["mentions"], c.get("cited_authors_first_year", 0)
        bh = int((h - 2 * pad - 14) * m / top)
        ch = int((h - 2 * pad - 14) * ca / top)
        bars.append(f'<a href="#kwic"><rect x="{x}" y="{h - pad - bh}" width="24" height="{bh}" fill="#4a78b5">'
                    f'<title>{int(c["year"])}: {m} 次提及 mentions</title></rect></a>'
                    f'<a href="#users"><rect x="{x + 28}" y="{h - pad - ch}" width="16" height="{ch}" fill="#e0a030">'
                    f'<title>{int(c["year"])}: {ca} 位被引作者首用 cited authors first use</title></rect></a>'
                    f'<text x="{x}" y="{h - 8}" font-size="12">{int(c["year"])}</text>'
                    f'<text x="{x}" y="{h - pad - bh - 4}" font-size="11" fill="#4a78b5">{m}</text>'
                    f'<text x="{x + 28}" y="{h - pad - ch - 4}" font-size="11" fill="#b07010">{ca}</text>')
    label = f"{concept} 每年的提及次数与首次使用的被引作者数 mentions of {concept} per year"
    return Markup(svg_open(w, h, label, "fig", f"timeline-{concept}") + "".join(bars) + "</svg>"
                  '<p class="muted">蓝: 提及次数 mentions（点击看上下文 click for KWIC） · '
                  '橙: 当年首次使用的被引作者数 cited authors first using it that year（点击看使用者 click for users）</p>')


def _attribution(doc_id: str, a: dict[str, Any]) -> str:
    who = join("、", (link("../" + author_href(x), x) for x in a.get("authors") or [])) or "—"
    fn = link("../" + paper_href(doc_id, f"fn{a['footnote_n']}"), f"[注 {a['footnote_n']}]")
    return f"{who} ({escape(a.get('year') or '?')}) {fn}"


# KWIC lines a concept page shows; the others are counted (all are in concept_mentions.csv).
KWIC_ROWS = 300


def _kwic_table(mentions: list[dict[str, Any]], labels: Labels, max_rows: int = KWIC_ROWS) -> Markup:
    """KWIC lines; each links to its sentence's paragraph or footnote on the paper page, and each
    attribution to the footnote that carries it. (f-strings with ``escape``: see build.cells_table.)"""
    rows = []
    for m in mentions[:max_rows]:
        k = kwic_of(m)
        att = "; ".join(_attribution(m["doc_id"], a) for a in m.get("attributed") or [])
        where = link("../" + paper_href(m["doc_id"], mention_anchor(m)),
                     f'{labels.titles.get(m["doc_id"], "")} {m["where"]}')
        authors = join("、", (link("../" + author_href(a), a) for a in m.get("doc_authors") or []))
        rows.append(f'<tr><td>{authors}</td><td>{escape(m.get("year") or "")}</td><td>{where}</td>'
                    f'<td class="kwic">{escape(k["left"])}<mark>{escape(k["match"] or m["surface"])}</mark>'
                    f'{escape(k["right"])}</td><td>{att}</td></tr>')
    head = "<tr><th>作者 authors</th><th>年 year</th><th>文献与位置 paper, where</th><th>上下文 KWIC</th><th>归属 attributed</th></tr>"
    more = f'<p class="muted">… {len(mentions) - max_rows} more in data/concept_mentions.csv</p>' \
        if len(mentions) > max_rows else ""
    return Markup(f"<table data-filter><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>{more}")


def _year_from(u: dict[str, Any]) -> str:
    """Where a user's first year comes from: the paper's metadata, the citing reference, or an
    inference for a paper that prints no year (see concepts/spread.doc_infos)."""
    if u.get("year_inferred"):
        return "推断 inferred"
    return "题录 metadata" if u.get("role") == "author" else "引文 reference"


def _users_table(users: list[dict[str, Any]], labels: Labels) -> Markup:
    rows = [[link("../" + author_href(u["author"], "concepts"), u["author"]), "作者 author" if u.get("role") == "author" else "被引 cited",
             u.get("first_year"), _year_from(u) if u.get("first_year") is not None else "", u.get("count"),
             join("；", (labels.doc_link(d, "../") for d in u.get("doc_ids") or [])),
             labels.work_link(u.get("source"), "../") if u.get("source") else ""]
            for u in users]
    return cells_table(["作者 author", "角色 role", "首年 first year", "年份来源 year from", "次数 count", "文献 papers", "来源 source"], rows)


def _spread_table(spread: list[dict[str, Any]]) -> Markup:
    rows = []
    for e in spread:
        ev = e.get("evidence") or ""
        if e.get("doc_id"):
            ev = link("../" + paper_href(e["doc_id"], f"fn{e['footnote_n']}" if e.get("footnote_n") is not None else None), ev)
        rows.append([link("../" + author_href(e["from"]), e["from"]), e.get("from_year"),
                     link("../" + author_href(e["to"]), e["to"]), e.get("to_year"), e.get("via"),
                     e.get("stance") or "", ev])
    return cells_table(["从 from", "年", "到 to", "年", "途径 via", "立场 stance", "证据 evidence"], rows)


def _neighbours_html(t: dict[str, Any]) -> Markup:
    """word2vec neighbours where two seeds agree on them; otherwise why not, and the terms that
    share sentences with the concept (counted, not modelled) as its neighbours."""
    cooc = t.get("cooccurring") or []
    top = max((c["count"] for c in cooc), default=1)
    cooc_rows = [[c["term"], bar(c["count"], top, str(c["count"])), c["npmi"]] for c in cooc]
    cooc_table = cells_table(["词 term", "共现次数 count", "NPMI"], cooc_rows) if cooc_rows else \
        Markup('<p class="muted">无共现词 no term shares two sentences with it</p>')
    neigh = t.get("neighbors") or []
    if neigh:
        ov = t.get("neighbors_overlap")
        rows = [[n["term"], bar(n["similarity"], 1.0, f"{n['similarity']:.3f}")] for n in neigh]
        return (Markup("<h3>词向量近邻 <span class=\"en\">word2vec neighbours</span></h3>")
                + Markup('<p class="muted">两个随机种子结果一致 stable across two seeds: overlap {}</p>').format(
                    "?" if ov is None else f"{ov:.2f}")
                + cells_table(["词 term", "余弦相似度 cosine similarity"], rows)
                + Markup("<h3>共现词 <span class=\"en\">Co-occurring terms</span></h3>") + cooc_table)
    why = t.get("neighbors_note") or "no word2vec model"
    return (gate_note(f"词向量近邻未显示 word2vec neighbours withheld: {why}. "
                      "以下为共现近邻 Shown instead: the terms that share sentences with it, with their counts.")
            + Markup("<h3>共现近邻 <span class=\"en\">Neighbours by co-occurrence</span></h3>") + cooc_table)


def _profiles_html(t: dict[str, Any]) -> Markup:
    prof = t.get("profiles") or {}
    rows = pd.DataFrame([{"author": p["author"], "documents": p.get("documents"), "mentions": p["mentions"],
                          "distinctive": ";".join(p["distinctive"])} for p in prof.get("by_author", [])])
    shifts = pd.DataFrame([{**s, "gained": ";".join(s["gained"]), "lost": ";".join(s["lost"])}
                           for s in prof.get("year_shifts", [])])
    out = Markup("")
    n_min, held = prof.get("min_documents"), prof.get("authors_withheld", 0)
    if n_min is not None and (held or not len(rows)):
        out += gate_note(f"作者比较需要至少 {n_min} 篇文献 authors are compared only on {n_min} or more documents each "
                         f"(evidence.authors.min_documents), never with a co-author of the same paper; "
                         f"{held} author(s) below that are not profiled")
    if len(rows):
        out += table_html(rows)
    return out + (table_html(shifts) if len(shifts) else Markup(""))


def _concept_page(name: str, en: str | None, t: dict[str, Any], labels: Labels, max_people: int = 60,
                  definitions: list[dict[str, Any]] | None = None, shift: Any = None) -> str:
    fu = t.get("first_use") or {}
    intro = Markup("<p>变体 variants: {} · 首次使用 first use: {} ({}) · 文献 documents: {} · 作品 works: {}</p>").format(
        "、".join(t.get("variants") or []), fu.get("author") or "—", fu.get("year") or "?", t.get("n_documents", 0),
        t.get("n_works", 0))
    parts = [
        ReportSection("summary", "概要", "Summary", html=intro),
        *([ReportSection("foreign", "外文原文", "Foreign originals", html=foreign_html(t))] if t.get("foreign") else []),
        ReportSection("timeline", "时间线", "Timeline", html=_timeline_svg(t.get("counts_by_year") or [], name)),
        ReportSection("spread", "扩散", "Spread", html=spread_svg(t["users"], t["spread"], author_href, name, max_people=max_people)
                      + _spread_table(t["spread"])),
        ReportSection("stance", "引用立场", "Adopted and disputed", html=concept_stance_html(t)),
        ReportSection("users", "使用者", "Users", html=_users_table(t["users"], labels)),
        ReportSection("kwic", "上下文与证据句", "KWIC and evidence", html=_kwic_table(t["mentions"], labels)),
        ReportSection("cooc", "近邻与共现词", "Neighbours and co-occurring terms", html=_neighbours_html(t)),
        ReportSection("profiles", "语境变化", "Profile shift", html=_profiles_html(t)),
        ReportSection("shift", "词义变化", "Meaning over time", html=shift_block(shift, name)),
    ]
    parts[1:1] = [p for p in [concept_definitions_html(definitions)] if p is not None]  # issue 17
    return render_page(name, en or "concept", parts, root="../")


# Keys of a trace whose values name a document or a work: the page shows their labels.
_DOC_KEYS = frozenset({"doc_id", "doc_ids", "source", "first_doc", "matched_doc_id", "work_id"})


_NESTED = (dict, list, tuple)


def _named(value: Any, out: set[str]) -> None:
    """Every document or work id under a ``_DOC_KEYS`` key anywhere in ``value``.

    Only containers are descended into, and a list of plain values is passed over in one C
    call: a trace's shown mentions and profiles are a quarter of a million values, most of them
    words and numbers, and a call per value was most of the concept page keys' time."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k in _DOC_KEYS:
                for x in v if isinstance(v, (list, tuple, set)) else [v]:
                    if isinstance(x, str):
                        out.add(x)
            if isinstance(v, _NESTED):
                _named(v, out)
    elif isinstance(value, (list, tuple)) and not only_scalars(value):
        for v in value:
            if isinstance(v, _NESTED):
                _named(v, out)


def _page_key(name: str, en: str | None, t: dict[str, Any], labels: Labels, max_people: int,
              definitions: list[dict[str, Any]] | None, shift: Any, code: str, aliases: str) -> str:
    """Everything :func:`_concept_page` reads: the trace (mentions, users, spread, stances,
    neighbours, profiles, foreign originals), the concept's definitions and shift rows, and the
    labels of the documents and works they name. Equal keys, equal pages (tests/test_report_reuse.py).
    Of the mentions the page shows the first ``KWIC_ROWS`` and the number of the rest, so only they
    are in the key: a concept has thousands, with their sentences, and hashing them all was most
    of the concept pages' time on ``--update``."""
    shown = {**t, "mentions": t["mentions"][:KWIC_ROWS]}
    ids: set[str] = set()
    _named([shown, definitions], ids)
    named = {i: [labels.docs.get(i), labels.titles.get(i), labels.works.get(i), labels.work_doc.get(i)]
             for i in sorted(ids)}
    rows = [r for r in shift.rows if r.concept == name] if shift is not None else None
    why = why_not(shift, name) if shift is not None else None
    return digest([code, aliases, name, en, shown, len(t["mentions"]), max_people, definitions, rows, why,
                   shift.config if shift is not None else None, named])


def _cooc_df(ctx: ReportContext, res: dict[str, Any]) -> pd.DataFrame | None:
    c = ctx.results.get("cooccurrence")
    if isinstance(c, dict):
        c = c.get("table", c.get("df"))
    if c is None:
        c = res.get("cooccurrence")
    return c if isinstance(c, pd.DataFrame) else None


def concepts_section(ctx: ReportContext) -> ReportSection | None:
    res = (getattr(ctx, "results", None) or {}).get("concepts")
    if not res:
        return None
    traces: dict[str, dict[str, Any]] = res.get("traces") or {}
    en_of = {s["concept"]: s.get("en") for s in res.get("summary") or []}
    mentions = mention_rows(res.get("mentions") or [])
    tables = {"concept_mentions": mentions, "definitions": definitions_table(ctx), **shift_tables(ctx)}
    defs = by_concept(ctx)
    cooc = _cooc_df(ctx, res)
    if cooc is not None:
        tables["cooccurrence"] = cooc[[c for c in COOC_COLUMNS + ["llr"] if c in cooc.columns]]
    pages: dict[str, str] = {}
    rows = []
    labels = labels_cached(ctx)
    spread_people = ctx.cfg["report"]["networks"]["spread_people"]
    glossary = glossary_entries(ctx)
    tables["glossary"] = glossary_table(ctx)
    shift = shift_result(ctx)
    reuse = Reuse(ctx, "concept", None)
    code = code_hash("concepts_section.py", "stance_html.py", "shift_html.py", "definitions_html.py",
                     "glossary_html.py", "timeviews.py", "networks.py")
    aliases = digest(run_aliases(ctx))  # the author pages every name links to
    for name, href in concept_slugs(res).items():
        t = with_foreign(traces[name], name, glossary)
        key = _page_key(name, en_of.get(name), t, labels, spread_people, defs.get(name), shift, code, aliases)
        pages[href] = reuse.kept(href, key) or _concept_page(name, en_of.get(name), t, labels, spread_people,
                                                             defs.get(name), shift)
        fu = t.get("first_use") or {}
        rows.append({"concept": name, "en": en_of.get(name) or "", "mentions": len(t["mentions"]),
                     "documents": t.get("n_documents"), "users": len(t["users"]), "first_use": fu.get("author"),
                     "first_year": fu.get("year"), "spread_edges": len(t["spread"]), "_href": href})
    table = pd.DataFrame(rows, columns=["concept", "en", "mentions", "documents", "users", "first_use", "first_year",
                                        "spread_edges", "_href"])
    show = table.drop(columns="_href")
    href_of = dict(zip(table.concept, table._href))
    html = table_html(show, links={"concept": lambda r: href_of[r["concept"]],
                                   "mentions": lambda r: href_of[r["concept"]] + "#kwic",
                                   "users": lambda r: href_of[r["concept"]] + "#users",
                                   "first_use": lambda r: author_href(r["first_use"]) if isinstance(r["first_use"], str) and r["first_use"] else None,
                                   "spread_edges": lambda r: href_of[r["concept"]] + "#spread"}, filter=True)
    html += shift_index_html(ctx)
    md = table_md(show)
    if not len(mentions):
        h, m = empty_note("no tracked concept occurs in this corpus: none of the concepts of concepts.registry "
                          "is mentioned; add the corpus's own concepts there to trace them")
        html, md = h + html, m + md
    coin = pd.DataFrame(res.get("coinages") or [])
    if len(coin):
        html += Markup("<h3>新造词 <span class=\"en\">New coinages</span></h3>") + table_html(coin)
        md += "\n### 新造词 New coinages\n\n" + table_md(coin)
    if cooc is not None and len(cooc):
        html += Markup("<h3>最强共现 <span class=\"en\">Strongest co-occurrences</span></h3>") + table_html(cooc.head(30))
    else:
        cc = ctx.cfg["cooccurrence"]
        h, m = empty_note(f"no co-occurrence: no pair of terms occurs together in a {cc['window']} "
                          f"{cc['min_count']} times or more (cooccurrence.min_count)")
        html += Markup("<h3>最强共现 <span class=\"en\">Strongest co-occurrences</span></h3>") + h
        md += "\n" + m
    sec = ReportSection("concepts", "概念追踪", "Concept traces", md, html, tables, pages)
    sec.run_info[reuse.name] = reuse.keys
    if reuse.n_kept and callable(getattr(ctx, "log", None)):
        ctx.log(f"report: {reuse.n_kept} of {len(pages)} concept pages kept from the previous report")
    return sec
