"""The concept part of the report: a table of tracked concepts on the index, one page per
concept (timeline, spread graph, KWIC with evidence sentences, co-occurring terms, users), the
``concept_mentions`` and ``cooccurrence`` tables, and the new coinages with their first users.

Figures are inline SVG so the report opens offline with no plotting library. Every paper text
goes through ``markupsafe.escape`` (directly or via ``table_html``).
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from .build import ReportSection, render_page, table_html, table_md

MENTION_COLUMNS = ["concept", "surface", "doc_id", "doc_authors", "year", "where", "sentence", "attributed_authors"]
COOC_COLUMNS = ["term_a", "term_b", "count", "npmi"]


def slug(name: str, en: str | None = None) -> str:
    """An ASCII file name: the English rendering when there is one, plus a short hash (unique)."""
    base = re.sub(r"[^a-z0-9]+", "-", (en or "").lower()).strip("-")[:40]
    h = hashlib.sha1(name.encode("utf-8")).hexdigest()[:6]
    return f"{base}-{h}" if base else f"c-{h}"


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


def _timeline_svg(counts: list[dict[str, Any]]) -> Markup:
    rows = [c for c in counts if c.get("year") is not None]
    if not rows:
        return Markup("<p class=\"muted\">无年份 no dated use</p>")
    w, h, pad = max(240, 48 * len(rows)), 160, 24
    top = max(max(c["mentions"], c.get("cited_authors_first_year", 0)) for c in rows) or 1
    bars = []
    for i, c in enumerate(rows):
        x = pad + i * 48
        bh = int((h - 2 * pad) * c["mentions"] / top)
        ch = int((h - 2 * pad) * c.get("cited_authors_first_year", 0) / top)
        bars.append(f'<rect x="{x}" y="{h - pad - bh}" width="18" height="{bh}" fill="#4a78b5"><title>{c["mentions"]} mentions</title></rect>'
                    f'<rect x="{x + 20}" y="{h - pad - ch}" width="10" height="{ch}" fill="#e0a030"><title>{c.get("cited_authors_first_year", 0)} cited authors</title></rect>'
                    f'<text x="{x}" y="{h - 6}" font-size="11">{int(c["year"])}</text>'
                    f'<text x="{x}" y="{h - pad - bh - 3}" font-size="10">{c["mentions"]}</text>')
    return Markup(f'<svg width="{w + pad}" height="{h}" role="img" aria-label="timeline">{"".join(bars)}</svg>'
                  '<p class="muted">蓝: 提及 mentions · 橙: 被引作者首年 cited authors by first year</p>')


def _spread_svg(users: list[dict[str, Any]], edges: list[dict[str, Any]]) -> Markup:
    """Authors placed by first year (x) and row (y); arrows for spread edges."""
    if not edges:
        return Markup("<p class=\"muted\">无扩散边 no spread edges</p>")
    names: list[str] = []
    year_of: dict[str, int | None] = {}
    for e in edges:
        for n, y in ((e["from"], e["from_year"]), (e["to"], e["to_year"])):
            if n not in names:
                names.append(n)
                year_of[n] = y
    years = sorted({y for y in year_of.values() if y is not None}) or [0]
    col = {y: i for i, y in enumerate(years)}
    rows_in: dict[int, int] = {}
    pos = {}
    for n in names:
        c = col.get(year_of[n], len(years))
        r = rows_in.get(c, 0)
        rows_in[c] = r + 1
        pos[n] = (60 + 150 * c, 40 + 28 * r)
    width = 150 * (len(years) + 1) + 60
    height = 40 + 28 * max(rows_in.values()) + 20
    parts = [('<defs><marker id="arr" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>')]
    for y, c in col.items():
        parts.append(f'<text x="{60 + 150 * c}" y="18" font-size="11" fill="#777">{escape(str(y))}</text>')
    for e in edges:
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        dash = ' stroke-dasharray="4 3"' if e["via"] == "co-use" else ""
        parts.append(f'<line x1="{x1 + 40}" y1="{y1 - 4}" x2="{x2 - 4}" y2="{y2 - 4}" stroke="#888"{dash} '
                     f'marker-end="url(#arr)"><title>{escape(e["via"])}</title></line>')
    for n, (x, y) in pos.items():
        parts.append(f'<text x="{x}" y="{y}" font-size="12">{escape(n)}</text>')
    return Markup(f'<svg width="{width}" height="{height}" role="img" aria-label="spread">{"".join(parts)}</svg>'
                  '<p class="muted">实线: 引用 citation · 虚线: 共用 co-use</p>')


def _kwic_table(mentions: list[dict[str, Any]], max_rows: int = 300) -> Markup:
    rows = []
    for m in mentions[:max_rows]:
        k = m.get("kwic") or {}
        att = "; ".join(f"{'、'.join(a.get('authors') or []) or '—'} ({a.get('year') or '?'}) [{a['footnote_n']}]"
                        for a in m.get("attributed") or [])
        rows.append(Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"kwic\">{}<mark>{}</mark>{}</td><td>{}</td></tr>").format(
            "、".join(m.get("doc_authors") or []), m.get("year") or "", m["where"], k.get("left", ""),
            k.get("match", m["surface"]), k.get("right", ""), att))
    head = Markup("<tr><th>作者 authors</th><th>年 year</th><th>位置 where</th><th>上下文 KWIC</th><th>归属 attributed</th></tr>")
    return Markup("<table><thead>") + head + Markup("</thead><tbody>") + Markup("").join(rows) + Markup("</tbody></table>")


def _concept_page(name: str, en: str | None, t: dict[str, Any]) -> str:
    fu = t.get("first_use") or {}
    intro = Markup("<p>变体 variants: {} · 首次使用 first use: {} ({}) · 文献 documents: {} · 作品 works: {}</p>").format(
        "、".join(t.get("variants") or []), fu.get("author") or "—", fu.get("year") or "?", t.get("n_documents", 0),
        t.get("n_works", 0))
    users = pd.DataFrame([{**u, "doc_ids": ";".join(u["doc_ids"])} for u in t["users"]])
    spread = pd.DataFrame(t["spread"], columns=["from", "from_year", "to", "to_year", "via", "evidence"])
    cooc = pd.DataFrame(t.get("cooccurring") or [], columns=["term", "count", "npmi"])
    neigh = pd.DataFrame(t.get("neighbors") or [], columns=["term", "similarity"])
    shifts = pd.DataFrame([{**s, "gained": ";".join(s["gained"]), "lost": ";".join(s["lost"])}
                           for s in (t.get("profiles") or {}).get("year_shifts", [])])
    prof = pd.DataFrame([{"author": p["author"], "mentions": p["mentions"], "distinctive": ";".join(p["distinctive"])}
                         for p in (t.get("profiles") or {}).get("by_author", [])])
    parts = [
        ReportSection("summary", "概要", "Summary", html=intro),
        ReportSection("timeline", "时间线", "Timeline", html=_timeline_svg(t.get("counts_by_year") or [])),
        ReportSection("spread", "扩散", "Spread", html=_spread_svg(t["users"], t["spread"]) + table_html(spread)),
        ReportSection("users", "使用者", "Users", html=table_html(users)),
        ReportSection("kwic", "上下文与证据句", "KWIC and evidence", html=_kwic_table(t["mentions"])),
        ReportSection("cooc", "共现词", "Co-occurring terms", html=table_html(cooc) + (
            Markup("<h3>词向量近邻 <span class=\"en\">word2vec neighbours</span></h3>") + table_html(neigh) if len(neigh) else Markup(""))),
        ReportSection("profiles", "语境变化", "Profile shift",
                      html=table_html(prof) + (table_html(shifts) if len(shifts) else Markup(""))),
    ]
    return render_page(name, en or "concept", parts, root="../")


def _cooc_df(ctx: Any, res: dict[str, Any]) -> pd.DataFrame | None:
    c = ctx.results.get("cooccurrence")
    if isinstance(c, dict):
        c = c.get("table", c.get("df"))
    if c is None:
        c = res.get("cooccurrence")
    return c if isinstance(c, pd.DataFrame) else None


def concepts_section(ctx: Any) -> ReportSection | None:
    res = (getattr(ctx, "results", None) or {}).get("concepts")
    if not res:
        return None
    traces: dict[str, dict[str, Any]] = res.get("traces") or {}
    en_of = {s["concept"]: s.get("en") for s in res.get("summary") or []}
    mentions = mention_rows(res.get("mentions") or [])
    tables = {"concept_mentions": mentions}
    cooc = _cooc_df(ctx, res)
    if cooc is not None:
        tables["cooccurrence"] = cooc[[c for c in COOC_COLUMNS + ["llr"] if c in cooc.columns]]
    pages: dict[str, str] = {}
    rows = []
    used: set[str] = set()
    for name in [s["concept"] for s in res.get("summary") or []] + sorted(set(traces) - set(en_of)):
        t = traces.get(name)
        if t is None:
            continue
        s = slug(name, en_of.get(name))
        while s in used:
            s += "-x"
        used.add(s)
        pages[f"concepts/{s}.html"] = _concept_page(name, en_of.get(name), t)
        fu = t.get("first_use") or {}
        rows.append({"concept": name, "en": en_of.get(name) or "", "mentions": len(t["mentions"]),
                     "documents": t.get("n_documents"), "users": len(t["users"]), "first_use": fu.get("author"),
                     "first_year": fu.get("year"), "spread_edges": len(t["spread"]), "_href": f"concepts/{s}.html"})
    table = pd.DataFrame(rows, columns=["concept", "en", "mentions", "documents", "users", "first_use", "first_year",
                                        "spread_edges", "_href"])
    show = table.drop(columns="_href")
    html = table_html(show, links={"concept": lambda r: table.loc[table.concept == r["concept"], "_href"].iloc[0]})
    md = table_md(show)
    coin = pd.DataFrame(res.get("coinages") or [])
    if len(coin):
        html += Markup("<h3>新造词 <span class=\"en\">New coinages</span></h3>") + table_html(coin)
        md += "\n### 新造词 New coinages\n\n" + table_md(coin)
    if cooc is not None and len(cooc):
        html += Markup("<h3>最强共现 <span class=\"en\">Strongest co-occurrences</span></h3>") + table_html(cooc.head(30))
    return ReportSection("concepts", "概念追踪", "Concept traces", md, html, tables, pages)
