"""Report section: topics (table, K curve, prevalence, trends, bursts, authors), a page per topic
with its representative passages, and the offline pyLDAvis page."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..context import ReportContext
from .html import bar, cells_table, empty_note, gate_note, link, render_page, table_html, table_md
from .section import ReportSection
from .labels import Labels, labels_cached
from .ldavis_page import PAGE, start_ldavis
from .links import author_href, paper_href

TOPIC_COLUMNS = ["topic_id", "label", "top_terms", "coherence"]
DOC_TOPIC_COLUMNS = ["doc_id", "unit_id", "topic_id", "weight"]


def _h3(zh: str, en: str) -> tuple[Markup, str]:
    return Markup(f"<h3>{zh} <span class=\"en\">{en}</span></h3>"), f"\n### {zh} ({en})\n\n"


def evidence_html(ev: dict[str, Any] | None) -> tuple[Markup, str]:
    """What the fit rests on (see models/topics_evidence.py): a plain line when it carries the
    topics, a tentative label (主题仅供参考) when it does not."""
    if not ev:
        return Markup(""), ""
    from ..models.topics_evidence import TopicEvidence

    line = TopicEvidence(**ev).line()
    if ev.get("ok"):
        return Markup('<p class="muted">%s</p>') % line, f"{line}\n\n"
    text = f"主题仅供参考 tentative: {ev.get('why')} (evidence.topics). {line}"
    return gate_note(text), f"> {text}\n\n"


def _bars(rows: list[dict[str, Any]], key: str, head: str, href: Any = None) -> Markup:
    """Prevalence rows as bars: one row per author / year / journal, its weight drawn to scale."""
    top = max((r["weight"] for r in rows), default=1.0)
    cells = [[link(href(r), r[key]) if href else r[key], bar(r["weight"], top, f"{r['weight']:.2f}"), r.get("n_units")]
             for r in sorted(rows, key=lambda r: -r["weight"])]
    return cells_table([head, "权重 weight", "单元 units"], cells)


def _weights_table(df: pd.DataFrame, max_rows: int) -> Markup:
    """An author × topic table with the weights drawn as bars (linked author names)."""
    cols = list(df.columns)
    rows = []
    for r in df.head(max_rows).to_dict("records"):
        rows.append([link(author_href(r["author"], "topics"), r["author"]) if c == "author" else
                     bar(r["weight"], 1.0, f"{r['weight']:.2f}") if c == "weight" else r[c] for c in cols])
    more = f"… {len(df) - max_rows} more rows in the CSV" if len(df) > max_rows else ""
    return cells_table(cols, rows, max_rows) + (Markup('<p class="muted">%s</p>') % more if more else Markup(""))


def author_rows(rows: list[dict[str, Any]], min_units: int) -> tuple[list[dict[str, Any]], int]:
    """Rows of authors whose topic profile rests on ``min_units`` fitted units or more, and how
    many authors fell short (a profile of one unit is that unit's weights, not the author's)."""
    kept = [r for r in rows if (r.get("n_units") or 0) >= min_units]
    return kept, len({r["author"] for r in rows} - {r["author"] for r in kept})


def author_note(n: int, min_units: int) -> Markup:
    return gate_note(f"{n} 位作者单元不足 author(s) with fewer than {min_units} fitted units "
                     f"(evidence.authors.min_units) are not profiled here; their weights are in the CSV")


def topic_page(t: dict[str, Any], res: Any, labels: Labels, evidence: dict[str, Any] | None = None,
               min_units: int = 1) -> str:
    tid = t["topic_id"]
    passages = [p for p in res.passages if p["topic_id"] == tid]
    parts = [evidence_html(evidence)[0],
             Markup("<p>%s</p>") % f"主题词 top terms: {'、'.join(t['top_terms'])}; 一致性 coherence c_v {t['coherence']}"]
    h, _ = _h3("代表性段落", "Representative passages")
    parts.append(h)
    for p in passages:
        who = Markup("、").join(link("../" + author_href(a), a) for a in p.get("authors") or [])
        para = p["unit_id"].rsplit(":", 1)[-1] if ":" in str(p.get("unit_id")) else ""
        src = labels.doc_link(p["doc_id"], "../", para if para.startswith("p") else None)
        parts.append(Markup("<blockquote><p>{}</p><footer>— {} {} {} {} · 权重 weight {}</footer></blockquote>").format(
            p["text"], who, src, p.get("year") or "", p.get("section") or "", p.get("weight")))
    for key, zh, en in (("prevalence_by_author", "按作者", "By author"), ("prevalence_by_year", "按年份", "By year"),
                        ("prevalence_by_journal", "按期刊", "By journal")):
        rows = [r for r in getattr(res, key) if r.get("topic_id") == tid]
        held = 0
        if key == "prevalence_by_author":
            rows, held = author_rows(rows, min_units)
        if rows or held:
            h, _ = _h3(f"主题分布：{zh}", f"Prevalence {en.lower()}")
            col = key.removeprefix("prevalence_by_")
            href = (lambda r: "../" + author_href(r["author"], "topics")) if col == "author" else None
            parts += [h, author_note(held, min_units) if held else Markup(""),
                      _bars(rows, col, {"author": "作者 author", "year": "年 year", "journal": "期刊 journal"}[col], href)
                      if rows else Markup("")]
    docs = sorted((r for r in res.doc_topics if r["topic_id"] == tid), key=lambda r: -r["weight"])[:50]
    if docs:
        h, _ = _h3("文献", "Documents")
        rows = []
        for r in docs:
            tail = str(r["unit_id"]).rsplit(":", 1)[-1]
            para = tail if tail.startswith("p") and tail[1:].isdigit() else None
            # The unit a reader can open: a paragraph (第 n 段), a section, or the whole paper.
            unit = (f"第 {int(tail[1:]) + 1} 段 ¶" if para else f"第 {int(tail[1:]) + 1} 节 §"
                    if tail.startswith("s") and tail[1:].isdigit() else "全文 whole")
            rows.append([labels.doc_link(r["doc_id"], "../"), link("../" + paper_href(r["doc_id"], para), unit),
                         bar(r["weight"])])
        parts += [h, cells_table(["文献 document", "单元 unit", "权重 weight"], rows)]
    sec = ReportSection(f"topic-{tid}", "概要与证据", "Summary and evidence", html=Markup("").join(parts))
    return render_page(f"主题 {tid}：{t['label']}", f"Topic {tid}", [sec], root="../")


def topics_section(ctx: ReportContext) -> ReportSection | None:
    res_all = ctx.results.get("topics")
    if not res_all:
        return None
    if res_all.get("result") is None:
        # Too little text to model: the section says why, and the contract's tables exist, empty.
        html, md = empty_note(res_all.get("note") or "no topic model was fitted")
        return ReportSection("topics", "主题", "Topics", md, html,
                             {"topics": pd.DataFrame(columns=TOPIC_COLUMNS),
                              "doc_topics": pd.DataFrame(columns=DOC_TOPIC_COLUMNS)})
    res = res_all["result"]
    topics = pd.DataFrame([{**t, "top_terms": ";".join(t["top_terms"])} for t in res.topics], columns=TOPIC_COLUMNS)
    doc_topics = pd.DataFrame(res.doc_topics, columns=DOC_TOPIC_COLUMNS)
    mode = "增量更新 update: new papers folded into the stored model" if res.mode == "update" else "重新拟合 refit"
    intro = (f"模型 model: {res.model_name}, K = {res.k}, 单元 unit: {res_all['unit']}; "
             f"{res.n_fit_units} 个单元参与拟合 units fitted, {res.n_inferred_units} 个单元仅推断 inferred only "
             f"(too short or reference-like); {mode}.")
    html = Markup("<p>%s</p>") % intro
    md = intro + "\n\n"
    evidence = res_all.get("evidence")
    h, m = evidence_html(evidence)
    html, md = html + h, md + m
    min_units = int(ctx.cfg["evidence"]["authors"]["min_units"])
    for note in res.notes:
        html += Markup("<p class=\"muted\">%s</p>") % note
        md += f"> {note}\n"
    html += table_html(topics, links={"label": lambda r: f"topics/topic-{r['topic_id']}.html"})
    md += table_md(topics)
    tables = {"topics": topics, "doc_topics": doc_topics}
    extra = {
        "k_curve": ("K 的选择（一致性与稳定性）", "Choice of K: coherence and stability", res.k_curve),
        "topic_trends": ("上升与下降的主题", "Rising and falling topics", res.trends),
        "term_bursts": ("术语突现（Kleinberg）", "Term bursts (Kleinberg)", res.bursts),
        "topic_by_year": ("主题按年份", "Topics by year", res.prevalence_by_year),
        "topic_by_author": ("主题按作者", "Topics by author", res.prevalence_by_author),
        "topic_by_journal": ("主题按期刊", "Topics by journal", res.prevalence_by_journal),
        "author_topics": ("作者—主题（作者主题模型，含被引作者）", "Author × topic (author-topic model, cited authors included)",
                          res_all.get("authors") or []),
    }
    for name, (zh, en, rows) in extra.items():
        df = pd.DataFrame(rows)
        tables[name] = df  # the CSV keeps every row; the page shows what the data can carry
        held = 0
        if name in ("topic_by_author", "author_topics"):
            shown, held = author_rows(rows, min_units)
            df = pd.DataFrame(shown)
        if len(df) or held:
            h, m = _h3(zh, en)
            html += h + (author_note(held, min_units) if held else Markup(""))
            md += m + (f"> {held} author(s) with fewer than {min_units} fitted units not profiled\n\n" if held else "")
            if len(df):
                html += _weights_table(df, 60) if "weight" in df.columns and "author" in df.columns else table_html(df, 60)
                md += table_md(df, 20)
    pages: dict[str, str] = {}
    labels = labels_cached(ctx)
    for t in res.topics:
        pages[f"topics/topic-{t['topic_id']}.html"] = topic_page(t, res, labels, evidence, min_units)
    sec = ReportSection("topics", "主题", "Topics", md, html, tables, pages)
    key, page = start_ldavis(ctx, res.state)

    def ldavis() -> Iterator[tuple[str, str]]:
        # Called after every page is written (see ReportSection.files): the layout overlaps them.
        try:
            text = page()
        except Exception as e:  # pyLDAvis cannot lay out every model (e.g. K < 3): say so, keep the report
            sec.html += Markup("<p class=\"muted\">%s</p>") % f"pyLDAvis page not written: {e.__class__.__name__}: {e}"
            return
        sec.html += Markup('<p><a href="topics/ldavis.html">交互式主题图 (pyLDAvis, offline)</a></p>')
        sec.run_info["ldavis_key"] = key
        yield PAGE, text

    sec.files = ldavis
    return sec
