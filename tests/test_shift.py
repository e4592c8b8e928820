"""Meaning over time (issue 17): the detector on a planted shift in real text (CSL abstracts,
segmented and filtered as the concepts stage does; see bench/shift.py), its false-flag control,
and the reasons it gives where the data cannot carry a shift."""
from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipeline.concepts.shift import (SHIFT_COLUMNS, ShiftConfig, make_periods, measure_shift, shift_records,
                                     uses_from_mentions)
from pipeline.report.shift_html import shift_block
from pipeline.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
N_DOCS = 600
N_CONCEPTS = 6


def _bench():
    spec = importlib.util.spec_from_file_location("bench_shift", ROOT / "bench" / "shift.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_planted_shift_in_real_text():
    """One corpus for every check (segmenting it is most of the time): the planted concept first
    and alone flagged, an unplanted copy flagging nothing, too few uses and one period said,
    byte-identical reruns, and the concept page's block."""
    b = _bench()
    docs = b.segmented(N_DOCS)
    concepts = b.pick_concepts(docs, N_CONCEPTS)
    years = b.years_for(len(docs))
    # the configured test (alpha, min_shift, minimums) with fewer permutations, to stay fast
    cfg = replace(ShiftConfig.from_cfg(load_settings().as_dict()), permutations=499)
    a, donor = concepts[0], concepts[3]

    planted = b.mentions_of(docs, years, concepts, (a, donor))
    res = measure_shift(uses_from_mentions(planted), cfg, concepts)
    assert [p.label for p in res.periods] == ["2011–2015", "2016–2020"]
    assert len(res.rows) == len(concepts), res.withheld
    top = res.rows[0]
    assert top.concept == a and top.significant and top.q_value <= cfg.alpha and top.shift >= cfg.min_shift, top
    assert [r.concept for r in res.rows if r.significant] == [a]
    # A's later contexts are B's: terms whose share of A's uses rose, counted in uses
    assert top.entered and all(cb / top.uses_b > ca / top.uses_a for _t, ca, cb in top.entered)
    rec = shift_records(res)[0]
    assert list(rec) == SHIFT_COLUMNS and rec["entered"].count("→") == len(top.entered)
    tested = str(shift_block(res, a))
    assert "significant change" in tested and "permutation p =" in tested and "Entered its context" in tested

    # byte-identical reruns; a concept's result does not depend on the concepts beside it
    csv = [pd.DataFrame(shift_records(measure_shift(uses_from_mentions(planted), cfg, concepts)),
                        columns=SHIFT_COLUMNS).to_csv(index=False) for _ in range(2)]
    assert csv[0] == csv[1] == pd.DataFrame(shift_records(res), columns=SHIFT_COLUMNS).to_csv(index=False)
    alone = measure_shift(uses_from_mentions([m for m in planted if m["concept"] == a]), cfg, [a])
    assert alone.rows[0].p_value == top.p_value

    # --update keeps a pair's row while its inputs are unchanged (the stored rows, marked here,
    # come back), and tests again the pairs whose uses changed; the correction is run-wide
    marked = {k: replace(r, distance=-1.0) for k, r in res.memo.items()}
    gone = next(m["doc_id"] for m in planted if m["concept"] == a)  # A's uses in one paper
    fewer = [m for m in planted if not (m["concept"] == a and m["doc_id"] == gone)]
    again = measure_shift(uses_from_mentions(fewer), cfg, concepts, memo=marked)
    assert {r.concept for r in again.rows if r.distance != -1.0} == {a}
    fresh = measure_shift(uses_from_mentions(fewer), cfg, concepts)
    same = measure_shift(uses_from_mentions(fewer), cfg, concepts, memo=res.memo)
    assert shift_records(same) == shift_records(fresh)

    # the unplanted copy: nothing flagged, no shift near the threshold
    clean = b.mentions_of(docs, years, concepts)
    res = measure_shift(uses_from_mentions(clean), cfg, concepts)
    assert len(res.rows) == len(concepts)
    assert not [r.concept for r in res.rows if r.significant], [(r.concept, r.shift, r.p_value) for r in res.rows]
    assert max(r.shift for r in res.rows) < cfg.min_shift

    # where the data cannot carry a shift, the reason
    rare, early_only, undated = concepts[1], concepts[2], concepts[3]
    kept, n_rare = [], 0
    for m in clean:
        if m["concept"] == rare and m["year"] <= 2015:
            n_rare += 1
            if n_rare > 3:
                continue  # three early uses left
        if m["concept"] == early_only and m["year"] > 2015:
            continue
        kept.append({**m, "year": None} if m["concept"] == undated else m)
    res = measure_shift(uses_from_mentions(kept), cfg, concepts + ["未用概念"])
    why = {w.concept: w.reason for w in res.withheld}
    assert why[rare] == "too few uses in 2011–2015: 3 (shift.min_uses 10)"
    assert why[early_only].startswith("one period only: all ") and why[early_only].endswith("dated uses fall in 2011–2015")
    assert why[undated] == why["未用概念"] == "no dated use"
    assert {r.concept for r in res.rows} == set(concepts) - {rare, early_only, undated}
    page = str(shift_block(res, rare))
    assert "no shift measured" in page and "too few uses in 2011–2015: 3" in page


def test_periods_from_config():
    years = [2011, 2012, 2012, 2015, 2018, 2019, 2020]
    cfg = ShiftConfig()
    assert [(p.label, p.lo, p.hi) for p in make_periods(years, cfg)] == [("2011–2015", 2011, 2017), ("2018–2020", 2018, 2020)]
    assert [p.label for p in make_periods(years, replace(cfg, periods=[2013, 2019]))] == ["2011–2012", "2015–2018", "2019–2020"]
    assert [p.label for p in make_periods(years, replace(cfg, width=3))] == ["2011–2012", "2015", "2018–2019", "2020"]
    assert [p.label for p in make_periods([2019, 2019], cfg)] == ["2019"]


def test_stage_and_report_on_the_works_corpus(works_ctx):
    """The runner's shift stage on the seed and the works (too few uses per period for any
    concept: each says why), and its report tables and page block."""
    import types

    from pipeline.report.concepts_section import concepts_section
    from pipeline.runner.corpus import STAGES

    names = [s.name for s in STAGES]
    stage = STAGES[names.index("shift")]
    assert names.index("shift") > names.index("concepts") and set(stage.after) == {"works", "concepts"}
    assert stage.sections == ("shift",)
    ctx = types.SimpleNamespace(papers=works_ctx.papers, cfg=works_ctx.cfg, memo={},
                                results={"concepts": works_ctx.results["concepts"], "works": works_ctx.results["works"]})
    res = stage.compute(ctx)
    traced = set(works_ctx.results["concepts"]["traces"])
    assert {r.concept for r in res.rows} | {w.concept for w in res.withheld} == traced
    assert all(w.reason.startswith(("too few uses in", "too few works in", "one period only", "no dated use"))
               for w in res.withheld)
    ctx.results["shift"] = res
    sec = concepts_section(ctx)
    assert list(sec.tables["concept_shift"].columns) == SHIFT_COLUMNS
    assert list(sec.tables["concept_shift_withheld"].columns) == ["concept", "period_a", "period_b", "reason"]
    assert len(sec.tables["concept_shift_withheld"]) == len(res.withheld)
    page = next(v for k, v in sec.pages.items() if k.startswith("concepts/digital-rentier-state"))
    assert "Meaning over time" in page and ("no shift measured" in page or "permutation p =" in page)
    assert "meaning over time (periods" in str(sec.html)


def test_uses_of_mentions_sharing_one_context_list_leave_out_each_ones_own_concept():
    """Mentions read from the store share their context lists (one list a sentence), and the
    uses sort each list once per concept: two concepts of one sentence each get the sentence's
    other words, never their own name, as from lists of their own."""
    from pipeline.concepts.shift import uses_from_mentions

    shared = ["数字资本", "平台", "金融化", "帝国主义"]
    mentions = [
        {"concept": "数字资本", "doc_id": "d1", "year": 2020, "where": "body", "sentence": "s1",
         "context_tokens": shared},
        {"concept": "帝国主义", "doc_id": "d1", "year": 2020, "where": "body", "sentence": "s1",
         "context_tokens": shared},
        {"concept": "数字资本", "doc_id": "d2", "year": 2021, "where": "body", "sentence": "s2",
         "context_tokens": shared},
        {"concept": "平台", "doc_id": "d3", "year": 2022, "where": "body", "sentence": "s3",
         "context_tokens": list(shared)},
    ]
    own = [{**m, "context_tokens": list(m["context_tokens"])} for m in mentions]  # no list shared
    got, want = uses_from_mentions(mentions), uses_from_mentions(own)
    assert [(u.concept, u.tokens) for u in got] == [(u.concept, u.tokens) for u in want]
    assert [u.tokens for u in got] == [("帝国主义", "平台", "金融化"), ("平台", "数字资本", "金融化"),
                                       ("帝国主义", "平台", "金融化"), ("帝国主义", "数字资本", "金融化")]
