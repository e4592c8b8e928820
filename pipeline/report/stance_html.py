"""Stance toward the cited in the report: the ``stances`` table (data/stances.csv) with a count
per label on the references page, and on each concept page who adopted the notion (defines,
supports, extends) apart from who disputed it (contests). See ``concepts/stance.py``."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd
from markupsafe import Markup, escape

from ..concepts.stance import ADOPTING, LABELS, STANCE_COLUMNS
from ..context import ReportContext
from .html import cells_table, empty_note, join, link, table_html, table_md
from .links import author_href, paper_href

ZH = {"defines": "采用其定义 defines", "supports": "引为依据 supports", "extends": "在其基础上发展 extends",
      "contests": "提出异议 contests", "background": "文献指引 background"}


def stance_table(ctx: ReportContext) -> pd.DataFrame:
    rows = ((getattr(ctx, "results", None) or {}).get("stance") or {}).get("rows") or []
    df = pd.DataFrame(rows, columns=STANCE_COLUMNS)
    df["footnote_n"] = df["footnote_n"].astype("Int64")
    return df


def stance_block(ctx: ReportContext) -> tuple[Markup, str, pd.DataFrame]:
    """The references page's block: counts per label, then every citation with its cue."""
    df = stance_table(ctx)
    head = Markup("<h3>引用立场 <span class=\"en\">Stance toward the cited</span></h3>")
    md = "\n### 引用立场 (Stance toward the cited)\n\n"
    if not len(df):
        h, m = empty_note("no footnote cites a work, so no citation has a stance")
        return head + h, md + m, df
    n = Counter(df.label)
    counts = pd.DataFrame([{"label": lab, "meaning": ZH[lab], "citations": n.get(lab, 0)} for lab in LABELS])
    intro = ("每条引用按引用句的线索词标注（configs/stance.yaml）；无线索时为默认标签、线索为空。"
             "Each citation is labelled by the cue words of its citing sentence and note (configs/stance.yaml, "
             "stance.lexicon); the cue that decided is shown, and a citation no cue fires on takes the default "
             "label with an empty cue. Chinese papers argue from authority: most citations are `supports`.")
    html = head + Markup("<p class=\"muted\">%s</p>") % intro + table_html(counts)
    from .labels import labels_cached

    # Documents are named by authors, year and title (no id in visible text); the CSV keeps doc_id.
    shown = df.assign(document=df.doc_id.map(labels_cached(ctx).doc))
    shown = shown[["document"] + [c for c in df.columns if c != "doc_id"] + ["doc_id"]]
    html += table_html(shown, 500, links={"document": lambda r: paper_href(r["doc_id"], f"fn{r['footnote_n']}")},
                       filter=True, hidden=("doc_id",))
    md += intro + "\n\n" + table_md(counts) + "\n" + table_md(df, 30)
    return html, md, df


def concept_stance_html(t: dict[str, Any]) -> Markup:
    """Who adopted the concept's cited notion and who disputed it (``trace["stances"]``)."""
    rows = t.get("stances") or []
    if not rows:
        return Markup('<p class="muted">无带脚注的使用 no use of it carries a footnote, so no stance</p>')

    def table(sel: list[dict[str, Any]]) -> Markup:
        return cells_table(
            ["引用者 citing", "年 year", "被引 cited", "立场 stance", "线索 cue", "引用句 sentence"],
            [[join("、", (link("../" + author_href(a), a) for a in r["citing"])), r.get("year"),
              join("、", (link("../" + author_href(a), a) for a in r["cited"])) or "—",
              ZH[r["label"]], f"{r['cue']} ({r['cue_in']})" if r["cue"] else "—（默认 default）",
              link("../" + paper_href(r["doc_id"], f"fn{r['footnote_n']}"), r["sentence"])] for r in sel])

    adopted = [r for r in rows if r["label"] in ADOPTING]
    disputed = [r for r in rows if r["label"] == "contests"]
    pointers = [r for r in rows if r["label"] == "background"]
    out = Markup("<h3>采用者 <span class=\"en\">Adopted (defines, supports, extends)</span></h3>")
    out += table(adopted) if adopted else Markup('<p class="muted">无 none</p>')
    out += Markup("<h3>异议者 <span class=\"en\">Disputed (contests)</span></h3>")
    out += table(disputed) if disputed else Markup('<p class="muted">无 none: no citing sentence disputes it</p>')
    if pointers:
        out += Markup("<h3>文献指引 <span class=\"en\">Background pointers</span></h3>") + table(pointers)
    return out + Markup('<p class="muted">%s</p>') % escape(
        "立场由线索词判定（configs/stance.yaml）The stance is read from cue words (configs/stance.yaml); "
        "data/stances.csv has every citation.")
