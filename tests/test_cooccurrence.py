"""Co-occurrence counts, NPMI, G², network communities, and the concept report section."""
from __future__ import annotations

import math
import types
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.api import parse
from pipeline.concepts.compute import compute_concepts, cooccurrence_units
from pipeline.models.cooccurrence import cooc_network, cooccurrence, ego_network
from pipeline.report.concepts_section import MENTION_COLUMNS, concepts_section
from pipeline.runner.works import link_works
from pipeline.text.registry import load_registry
from pipeline.text.segment import Segmenter

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"


def test_counts_npmi_and_llr_by_hand():
    units = [["a", "b", "c"], ["a", "b"], ["c", "d"], ["a", "b", "d"], ["c", "d", "e"]]
    df = cooccurrence(units, min_count=1)
    row = df[(df.term_a == "c") & (df.term_b == "d")].iloc[0]
    n, fc, fd, k = 5, 3, 3, 2
    npmi = math.log((k / n) / ((fc / n) * (fd / n))) / -math.log(k / n)
    assert row["count"] == 2 and abs(row["npmi"] - npmi) < 1e-6
    ab = df[(df.term_a == "a") & (df.term_b == "b")].iloc[0]
    assert ab["npmi"] == 1.0 and abs(ab["llr"] - 2 * (3 * math.log(5 / 3) + 2 * math.log(2.5))) < 1e-3
    assert list(df.columns) == ["term_a", "term_b", "count", "npmi", "llr"]
    assert df.npmi.is_monotonic_decreasing and (df.term_a < df.term_b).all()
    assert len(cooccurrence(units, min_count=2)) == 2  # a–b (3) and c–d (2)
    assert len(cooccurrence(units, min_count=1, max_rows=3)) == 3


def test_network_communities_and_ego():
    units = [["a", "b", "c"], ["a", "b"], ["a", "c"], ["b", "c"], ["x", "y", "z"], ["x", "y"], ["y", "z"], ["x", "z"]]
    G = cooc_network(cooccurrence(units, min_count=1))
    comms = G.graph["communities"]
    assert sorted(map(tuple, comms)) == [("a", "b", "c"), ("x", "y", "z")]
    assert set(ego_network(G, "a").nodes) == {"a", "b", "c"} and len(ego_network(G, "nope")) == 0


def _tokens(papers, seg):
    out = {}
    for p in papers:
        m = p["meta"]
        out[p["doc_id"]] = {
            "title": " ".join(seg.cut(m.get("title") or "")), "abstract": " ".join(seg.cut(m.get("abstract") or "")),
            "keywords": [" ".join(seg.cut(k)) for k in m.get("keywords") or []],
            "paragraphs": [[" ".join(seg.cut(s["text"])) for s in para] for sec in p["sections"] for para in sec["sentences"]],
            "footnotes": [" ".join(seg.cut(f["text"])) for f in p["footnotes"]]}
    return out


def test_seed_cooccurrence_and_report_section():
    papers = [parse(SEED).to_store_dict()]
    reg = load_registry()
    toks = _tokens(papers, Segmenter({"backend": "jieba"}, registry=reg))
    units = cooccurrence_units(toks, reg)
    assert len(units) > 150 and all(u == sorted(set(u)) for u in units)
    works = link_works(papers)
    res = compute_concepts(papers, reg, works, toks, {})
    cooc = res["cooccurrence"]
    assert len(cooc) > 100 and cooc.npmi.between(-1, 1.000001).all()
    near = {c["term"] for c in res["traces"]["数字食利国"]["cooccurring"]}
    assert "寡头" in near  # the contract's example neighbour of 数字食利国
    again = compute_concepts(papers, reg, works, toks, {})["cooccurrence"]
    pd.testing.assert_frame_equal(cooc, again)
    # A paper text holding markup must come out escaped.
    res["mentions"][0] = {**res["mentions"][0], "sentence": "<script>alert(1)</script>"}
    t = res["traces"]["数字食利国"]
    t["mentions"][0] = {**t["mentions"][0], "sentence": "<script>x</script>",
                        "kwic": {"left": "<b>", "match": "数字食利国", "right": "</b>"}}
    ctx = types.SimpleNamespace(papers=papers, results={"concepts": res, "cooccurrence": cooc}, cfg={})
    sec = concepts_section(ctx)
    assert list(sec.tables["concept_mentions"].columns) == MENTION_COLUMNS
    assert list(sec.tables["cooccurrence"].columns)[:4] == ["term_a", "term_b", "count", "npmi"]
    assert len(sec.tables["concept_mentions"]) == len(res["mentions"])
    page = next(v for k, v in sec.pages.items() if k.startswith("concepts/digital-rentier-state"))
    assert "<script>" not in page and "&lt;b&gt;" in page and "温旭" in page and "<svg" in page
    assert "<script>" not in str(sec.html) and all(k.startswith("concepts/") for k in sec.pages)
    assert concepts_section(types.SimpleNamespace(papers=[], results={}, cfg={})) is None


def test_empty_and_degenerate_inputs():
    assert cooccurrence([], min_count=1).empty
    assert cooccurrence([["a"], ["a"]], min_count=1).empty
    assert len(cooc_network(pd.DataFrame(columns=["term_a", "term_b", "count", "npmi"]))) == 0
    assert np.isfinite(cooccurrence([["a", "b"]] * 3, min_count=1).npmi).all()
