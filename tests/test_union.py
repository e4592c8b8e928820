"""One work, many records: the seed as a full text and as a CSSCI record, and one CNKI export in
two encodings, through the runner's per-document stages and its works stage.

The seed's CSSCI record prints 26 of the works its footnotes cite; as one work with the full
text, its references are the union (nothing counted twice, every source named), and co-citation
over citing works equals what the full text alone gives.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SEED, corpus_results, stage_context

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CSSCI = SHARED / "cssci" / "LY_20251201120000.txt"
CNKI = SHARED / "cnki"


@pytest.fixture(scope="module")
def union_ctx(tmp_path_factory: pytest.TempPathFactory):
    ctx = stage_context(tmp_path_factory.mktemp("union"), [SEED, CSSCI, CNKI / "download_refworks.txt",
                                                          CNKI / "download_refworks_gbk.txt"])
    corpus_results(ctx, "works")
    yield ctx
    ctx.store.close()


@pytest.fixture(scope="module")
def seed_only(tmp_path_factory: pytest.TempPathFactory):
    ctx = stage_context(tmp_path_factory.mktemp("seed_only"), [SEED])
    corpus_results(ctx, "works")
    yield ctx
    ctx.store.close()


def _seed_work(ctx) -> str:
    doc_work = ctx.results["works"]["doc_work"]
    seed = next(p for p in ctx.papers if p["source"].endswith(SEED.name))
    return doc_work[seed["doc_id"]]


def test_the_gbk_copy_of_an_export_is_a_duplicate_not_dropped_silently(union_ctx) -> None:
    files = {Path(f.source).name: f for f in union_ctx.files}
    gbk, utf8 = files["download_refworks_gbk.txt"], files["download_refworks.txt"]
    assert utf8.status == "ok" and gbk.status == "duplicate"
    assert gbk.duplicate_of.endswith("download_refworks.txt") and "37 records" in gbk.error
    # its records are read once, under the file that names them
    assert not any("download_refworks_gbk" in p["source"] for p in union_ctx.papers)
    assert sum("download_refworks.txt#" in p["source"] for p in union_ctx.papers) == 37


def test_the_seed_full_text_and_its_cssci_record_are_one_work(union_ctx) -> None:
    works = union_ctx.results["works"]
    wid = _seed_work(union_ctx)
    members = [d for d, w in works["doc_work"].items() if w == wid]
    kinds = sorted(p["kind"] for p in union_ctx.papers if p["doc_id"] in members)
    assert kinds == ["record", "text"]
    listed = [r for r in works["listed"] if r["citing_work_id"] == wid]
    assert len(listed) == 26 and all(r["source"] == "cssci" for r in listed)
    # every CSSCI item names a work the footnotes already cite: merged, none counted twice
    fn_works = {r["work_id"] for r in works["references"] if r["citing_work_id"] == wid}
    assert {r["work_id"] for r in listed} <= fn_works
    assert not any(r["counted"] for r in listed)
    union = [r for r in works["work_references"] if r["citing_work_id"] == wid]
    assert len(union) == len(fn_works)
    both = [r for r in union if "cssci" in r["sources"] and "footnote" in r["sources"]]
    assert len(both) == 26
    cheng = next(r for r in union if (r["title"] or "").startswith("论新帝国主义的五大特征"))
    assert cheng["sources"] == "footnote 1;cssci 1"


def test_counts_over_the_union_equal_the_full_text_alone(union_ctx, seed_only) -> None:
    """The download's other citing record (the format sample) adds its own pairs; every pair and
    count of the seed's cited works is what the full text alone gives."""
    u, s = union_ctx.results["works"], seed_only.results["works"]
    other = {r["work_id"] for r in u["listed"] if r["citing_work_id"] != _seed_work(union_ctx)}
    pairs_u = {(a, b): n for a, b, n in u["cocitation"]}
    pairs_s = {(a, b): n for a, b, n in s["cocitation"]}
    assert {k: pairs_u.get(k) for k in pairs_s} == pairs_s
    assert all(a in other and b in other and n == 1 for (a, b), n in pairs_u.items() if (a, b) not in pairs_s)
    seed_cited = {r["work_id"] for r in s["work_counts"]["contemporary"]}
    assert [r for r in u["work_counts"]["contemporary"] if r["work_id"] in seed_cited] == \
        s["work_counts"]["contemporary"]


def test_a_cssci_record_alone_counts_its_list(tmp_path: Path) -> None:
    """Without the full text, the CSSCI list is the seed's citations: each item counts once."""
    ctx = stage_context(tmp_path, [CSSCI])
    try:
        works = corpus_results(ctx, "works")["works"]
        wid = _seed_work_by_title(ctx)
        listed = [r for r in works["listed"] if r["citing_work_id"] == wid]
        assert len(listed) == 26 and all(r["counted"] for r in listed)
        cited = {r["work_id"]: r for r in works["work_counts"]["contemporary"]}
        cheng = next(r for r in listed if r["title"].startswith("论新帝国主义的五大特征"))
        assert cited[cheng["work_id"]]["citations"] == 1
    finally:
        ctx.store.close()


def _seed_work_by_title(ctx) -> str:
    p = next(p for p in ctx.papers if p["meta"]["title"] == "数字化生产下金融帝国主义积累模式的新变化及其启示")
    return ctx.results["works"]["doc_work"][p["doc_id"]]


def test_the_full_text_speaks_for_its_work_in_a_concept_trace() -> None:
    """The seed's CSSCI record uses 数字资本 in its keywords; the full text uses it throughout. As
    one work, the trace keeps the full text's mentions, not the record's one (the path ``litmap
    trace`` takes: find_mentions_many, then build_trace)."""
    from pipeline.api import parse
    from pipeline.concepts.mentions import find_mentions_many
    from pipeline.concepts.trace import build_trace
    from pipeline.refs.works import link_works
    from pipeline.text.registry import load_registry

    seed = parse(SEED).to_store_dict()
    record = parse(f"{CSSCI}#1").to_store_dict()
    reg = load_registry()
    both = [record, seed]
    t_both = build_trace("数字资本", find_mentions_many(both, reg), both, link_works(both), registry=reg)
    t_seed = build_trace("数字资本", find_mentions_many([seed], reg), [seed], link_works([seed]), registry=reg)
    assert {m["doc_id"] for m in t_both["mentions"]} == {seed["doc_id"]}
    assert len(t_both["mentions"]) == len(t_seed["mentions"]) > 10
