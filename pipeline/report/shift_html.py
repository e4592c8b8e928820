"""Meaning over time in the report: ``data/concept_shift.csv`` (and the concepts it could not
test, with why), a line on the concepts index, and the block on each concept page.

The numbers come from the ``shift`` corpus stage (``concepts/shift.py``); this module only
shows them. Every text goes through ``markupsafe.escape`` (via ``cells_table`` or ``format``).
"""
from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from ..concepts.shift import SHIFT_COLUMNS, ShiftResult, shift_records, why_not
from ..context import ReportContext
from .html import cells_table, gate_note

WITHHELD_COLUMNS = ["concept", "period_a", "period_b", "reason"]


def shift_result(ctx: ReportContext) -> ShiftResult | None:
    res = (getattr(ctx, "results", None) or {}).get("shift")
    return res if isinstance(res, ShiftResult) else None


def shift_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """``concept_shift`` (the tested pairs, largest shift first) and ``concept_shift_withheld``."""
    res = shift_result(ctx)
    if res is None:
        return {}
    rows = pd.DataFrame(shift_records(res), columns=SHIFT_COLUMNS)
    held = pd.DataFrame([{"concept": w.concept, "period_a": w.period_a, "period_b": w.period_b, "reason": w.reason}
                         for w in res.withheld], columns=WITHHELD_COLUMNS)
    return {"concept_shift": rows, "concept_shift_withheld": held}


def shift_index_html(ctx: ReportContext) -> Markup:
    """One line on the concepts index: the periods, what was tested, what changed."""
    res = shift_result(ctx)
    if res is None:
        return Markup("")
    flagged = [r.concept for r in res.rows if r.significant]
    periods = " · ".join(p.label for p in res.periods) or "—"
    return Markup('<p class="muted">词义变化 meaning over time (periods {}): {} concept–period pairs tested, '
                  '{} significant{}; {} not testable (data/concept_shift.csv, data/concept_shift_withheld.csv)</p>'
                  ).format(periods, len(res.rows), len(flagged), (": " + "、".join(flagged)) if flagged else "",
                           len(res.withheld))


def _terms(terms: list[tuple[str, int, int]], pa: str, pb: str) -> Markup:
    if not terms:
        return Markup('<p class="muted">—</p>')
    return cells_table(["词 term", f"{pa} 用例 uses", f"{pb} 用例 uses"], [[t, a, b] for t, a, b in terms])


def shift_block(res: ShiftResult | None, concept: str) -> Markup:
    """The concept page's "meaning over time": each tested pair with its test and the terms
    that entered and left the concept's company, or why no shift is measured."""
    if res is None:
        return gate_note("词义变化未计算 meaning over time was not computed in this run")
    cfg = res.config
    out = Markup("")
    for r in (r for r in res.rows if r.concept == concept):
        verdict = "显著变化 significant change" if r.significant else "无显著变化 no significant change"
        out += Markup("<h3>{} → {}: {}</h3><p>shift {} (1 − cosine of the context vectors ({}) {}, {} expected when "
                      "the periods' works are shuffled), permutation p = {} ({} permutations), q = {} ({}); flagged at "
                      "q ≤ {} and shift ≥ {}; uses {} / {}, works {} / {}</p>").format(
            r.period_a, r.period_b, verdict, f"{r.shift:.3f}",
            "PPMI" if cfg.weighting == "ppmi" else "square-rooted counts", f"{r.distance:.3f}", f"{r.expected:.3f}",
            r.p_value, cfg.permutations, r.q_value,
            "Benjamini–Hochberg over all concepts tested" if cfg.correction == "fdr" else "uncorrected",
            cfg.alpha, cfg.min_shift, r.uses_a, r.uses_b, r.documents_a, r.documents_b)
        out += Markup("<h4>进入语境 <span class=\"en\">Entered its context</span></h4>") + _terms(r.entered, r.period_a, r.period_b)
        out += Markup("<h4>退出语境 <span class=\"en\">Left its context</span></h4>") + _terms(r.left, r.period_a, r.period_b)
    for why in why_not(res, concept):
        out += gate_note(f"未测量词义变化 no shift measured: {why}")
    return out
