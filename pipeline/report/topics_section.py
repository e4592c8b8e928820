"""Report section: topics (table, K curve, prevalence, trends, bursts, authors), a page per topic
with its representative passages, and the offline pyLDAvis page."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
from markupsafe import Markup

from .build import ReportSection, bar, cells_table, empty_note, link, render_page, table_html, table_md
from .labels import Labels, labels_cached
from .ldavis_page import PAGE, start_ldavis
from .links import author_href, paper_href

TOPIC_COLUMNS = ["topic_id", "label", "top_terms", "coherence"]
DOC_TOPIC_COLUMNS = ["doc_id", "unit_id", "topic_id", "weight"]


def _h3(zh: str, en: str) -> tuple[Markup, str]:
    return Markup(f"<h3>{zh} <span class=\"en\">{en}</span></h3>"), f"\n### {zh} ({en})\n\n"


def topic_page(t: dict[str, Any], res: Any, labels: Labels) -> str:
    tid = t["topic_id"]
    passages = [p for p in res.passages if p["topic_id"] == tid]
    parts = [Markup("<p>%s</p>") % f"主题词 top terms: {'、'.join(t['top_terms'])}; 一致性 coherence c_v {t['coherence']}"]
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
        if rows:
            h, _ = _h3(f"主题分布：{zh}", f"Prevalence {en.lower()}")
            lk = {"author": lambda r: "../" + author_href(r["author"], "topics")} if key == "prevalence_by_author" else {}
            parts += [h, table_html(pd.DataFrame(rows), links=lk)]
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


def topics_section(ctx: Any) -> ReportSection | None:
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
        tables[name] = df
        if len(df):
            h, m = _h3(zh, en)
            html += h + table_html(df, 60)
            md += m + table_md(df, 20)
    pages: dict[str, str] = {}
    labels = labels_cached(ctx)
    for t in res.topics:
        pages[f"topics/topic-{t['topic_id']}.html"] = topic_page(t, res, labels)
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
