""""What changed since the last run": new, changed and removed files, and (comparing this run's
``summary.json`` with the previous run's) new papers, new concepts and coinages, new users of
tracked concepts, and topic shifts.

Where the previous summary comes from: every report writes ``summary.json`` beside ``index.html``
and stores the same JSON in the store (``stage_results``, stage ``report_summary``, keyed by run
id). The previous finished run over the same corpus (``ctx.changes["previous_run"]``) is looked up
in the store first, so the comparison survives ``--out`` pointing elsewhere; the old report
directory's ``summary.json`` (read before the directory is replaced) is the fallback.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.refs.names import paper_authors

from ..context import ReportContext
from .html import cells_table, link
from .section import ReportSection
from .links import author_href, concept_slugs, paper_href, topic_href

SUMMARY_STAGE = "report_summary"
SUMMARY_VERSION = "1"


def summarize(ctx: ReportContext) -> dict[str, Any]:
    res = ctx.results or {}
    concepts = res.get("concepts") or {}
    papers = {}
    for p in ctx.papers:
        m = p["meta"]
        papers[p["doc_id"]] = {"title": m.get("title") or p["source"], "authors": paper_authors(m),
                               "year": m.get("year") or m.get("year_inferred"), "source": p["source"]}
    topics = []
    t = (res.get("topics") or {}).get("result")
    if t is not None:
        topics = [{"topic_id": x["topic_id"], "label": x["label"], "top_terms": list(x["top_terms"]),
                   "prevalence": x.get("prevalence")} for x in t.topics]
    return {
        "version": SUMMARY_VERSION, "run_id": ctx.run_id, "papers": papers,
        "concepts": {n: {"mentions": len(tr.get("mentions") or []), "users": sorted({u["author"] for u in tr.get("users") or []})}
                     for n, tr in (concepts.get("traces") or {}).items()},
        "coinages": [c["term"] for c in concepts.get("coinages") or [] if c.get("term")],
        "topics": topics,
    }


def load_previous(ctx: ReportContext) -> dict[str, Any] | None:
    prev = (ctx.changes or {}).get("previous_run") or []
    store = getattr(ctx, "store", None)
    if prev and store is not None:
        try:
            got = store.get_result(SUMMARY_STAGE, str(prev[0]), SUMMARY_VERSION, "")
            if got:
                return got
        except Exception:  # a closed or older store: fall back to the report directory
            pass
    old = Path(ctx.out) / "summary.json"
    if old.is_file():
        try:
            data = json.loads(old.read_text(encoding="utf-8"))
            if data.get("version") == SUMMARY_VERSION and data.get("run_id") != ctx.run_id:
                return data
        except (OSError, ValueError):
            pass
    return None


def save_summary(ctx: ReportContext, path: Path) -> dict[str, Any]:
    s = summarize(ctx)
    path.write_text(json.dumps(s, ensure_ascii=False, indent=1), encoding="utf-8")
    store = getattr(ctx, "store", None)
    if store is not None:
        try:
            store.put_result(SUMMARY_STAGE, str(ctx.run_id), SUMMARY_VERSION, "", s)
        except Exception:  # the report must not fail because the store is read-only or closed
            pass
    return s


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def compare(prev: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    new_papers = [d for d in now["papers"] if d not in prev.get("papers", {})]
    removed = [prev["papers"][d] for d in prev.get("papers", {}) if d not in now["papers"]]
    pc = prev.get("concepts", {})
    new_concepts = [n for n, c in now["concepts"].items() if c["mentions"] and not (pc.get(n) or {}).get("mentions")]
    coin_prev = set(prev.get("coinages") or [])
    new_coinages = [c for c in now["coinages"] if c not in coin_prev]
    new_users = [(n, u) for n, c in now["concepts"].items() if n in pc
                 for u in c["users"] if u not in set(pc[n].get("users") or [])]
    shifts, matched = [], set()
    for t in now["topics"]:
        best = max(prev.get("topics") or [], key=lambda p: _jaccard(p["top_terms"], t["top_terms"]), default=None)
        sim = _jaccard(best["top_terms"], t["top_terms"]) if best else 0.0
        if best is not None and sim >= 0.3:
            matched.add(best["topic_id"])
            shifts.append({"topic_id": t["topic_id"], "label": t["label"], "status": "kept", "previous": best["label"],
                           "similarity": round(sim, 2), "prevalence": t.get("prevalence"),
                           "delta": None if t.get("prevalence") is None or best.get("prevalence") is None
                           else round(t["prevalence"] - best["prevalence"], 4)})
        else:
            shifts.append({"topic_id": t["topic_id"], "label": t["label"], "status": "new", "previous": "",
                           "similarity": round(sim, 2), "prevalence": t.get("prevalence"), "delta": None})
    gone = [p for p in prev.get("topics") or [] if p["topic_id"] not in matched]
    return {"new_papers": new_papers, "removed_papers": removed, "new_concepts": new_concepts,
            "new_coinages": new_coinages, "new_users": new_users, "topic_shifts": shifts, "topics_gone": gone}


def changes_section(ctx: ReportContext) -> ReportSection:
    ch = ctx.changes or {}
    prev_run = ch.get("previous_run") or []
    lines = [f"上次运行 previous run: {prev_run[0] if prev_run else '无 none (first run)'}",
             f"模式 mode: {'增量更新 update (models folded forward, not refit)' if ctx.mode == 'update' else '重新拟合 refit'}"]
    for key, zh in (("added", "新增文件"), ("changed", "修改文件"), ("removed", "移除文件")):
        items = ch.get(key, [])
        lines.append(f"{zh} {key}: {len(items)}" + (" — " + ", ".join(items[:50]) if items else ""))
    failed = [f for f in ctx.files if f.status == "failed"]
    lines.append(f"失败 failed: {len(failed)}" + (" — " + "; ".join(f"{f.source}: {f.error}" for f in failed[:50]) if failed else ""))
    dups = [f for f in ctx.files if f.status == "duplicate"]
    if dups:
        lines.append(f"重复文件 duplicate files: {len(dups)} — " + "; ".join(f"{f.source}: {f.error}" for f in dups[:50]))
    html = Markup("<ul>") + Markup("").join(Markup("<li>%s</li>") % line for line in lines) + Markup("</ul>")
    md = "\n".join(f"- {x}" for x in lines) + "\n"
    prev = load_previous(ctx)
    now = summarize(ctx)
    if prev is None:
        note = "没有上一次运行的摘要，以下比较从本次开始 no summary of a previous run: comparisons start with this run."
        return ReportSection("changes", "本次变化", "What changed", md + f"\n{note}\n",
                             html + Markup('<p class="muted">%s</p>') % note)
    d = compare(prev, now)
    pages = concept_slugs((ctx.results or {}).get("concepts"))
    con = lambda n: link(pages[n] + "#kwic", n) if n in pages else n
    items: list[tuple[str, str, Markup | str, str]] = [
        ("新文献", "New papers", Markup("、").join(link(paper_href(x), now["papers"][x]["title"]) for x in d["new_papers"]),
         "; ".join(now["papers"][x]["title"] for x in d["new_papers"])),
        ("移除的文献", "Removed papers", "、".join(p["title"] for p in d["removed_papers"]),
         "; ".join(p["title"] for p in d["removed_papers"])),
        ("新出现的追踪概念", "Tracked concepts new in the corpus", Markup("、").join(con(n) for n in d["new_concepts"]),
         "、".join(d["new_concepts"])),
        ("新造词", "New coinages", "、".join(d["new_coinages"][:100]), "、".join(d["new_coinages"][:100])),
        ("追踪概念的新使用者", "New users of tracked concepts", Markup("; ").join(
            Markup("{} ← {}").format(con(n), link(author_href(u), u)) for n, u in d["new_users"][:300]),
         "; ".join(f"{n} ← {u}" for n, u in d["new_users"][:300])),
    ]
    html += Markup("<h3>与上次运行相比 <span class=\"en\">Compared with run {}</span></h3>").format(prev.get("run_id"))
    rows = []
    md += f"\n### 与上次运行相比 (compared with run {prev.get('run_id')})\n\n"
    for zh, en, cell, text in items:
        n = {"New papers": len(d["new_papers"]), "Removed papers": len(d["removed_papers"]),
             "Tracked concepts new in the corpus": len(d["new_concepts"]), "New coinages": len(d["new_coinages"]),
             "New users of tracked concepts": len(d["new_users"])}[en]
        rows.append([Markup("{} <span class=\"en\">{}</span>").format(zh, en), n, cell or "—"])
        md += f"- {zh} ({en}): {n}" + (f" — {text}" if text else "") + "\n"
    html += cells_table(["变化 change", "数量 n", "明细 details"], rows)
    trows = []
    for s in d["topic_shifts"]:
        status = "新主题 new" if s["status"] == "new" else "延续 kept"
        trows.append([link(topic_href(s["topic_id"]), f"{s['topic_id']} {s['label']}"), status, s["previous"],
                      s["similarity"], s["prevalence"], s["delta"]])
        md += f"- 主题 topic {s['topic_id']} {s['label']}: {status}, Δ prevalence {s['delta']}\n"
    for g in d["topics_gone"]:
        trows.append([f"({g['topic_id']}) {g['label']}", "消失 gone", g["label"], "", "", ""])
        md += f"- 消失的主题 topic gone: {g['label']}\n"
    if trows:
        html += Markup("<h3>主题变化 <span class=\"en\">Topic shifts (matched by top-term overlap)</span></h3>") + cells_table(
            ["主题 topic", "状态 status", "上次对应 previous", "重合 Jaccard", "比重 prevalence", "变化 Δ"], trows)
    return ReportSection("changes", "本次变化", "What changed since the last run", md, html)
