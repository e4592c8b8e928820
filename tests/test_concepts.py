"""Concept mentions on the founding paper against its hand labels (../shared/gold/seed/concepts.jsonl)."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.api import parse
from pipeline.concepts.matcher import ConceptMatcher
from pipeline.concepts.mentions import find_mentions
from pipeline.records import Paper
from pipeline.text.protect import fast_normalize
from pipeline.text.registry import load_registry

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = SHARED / "gold" / "seed" / "concepts.jsonl"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def seed_mentions(registry):
    return find_mentions(parse(SEED).to_store_dict(), registry)


@pytest.fixture(scope="module")
def gold():
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]


def _locator():
    """Map a predicted body mention to its line in the source file through its KWIC context."""
    lines = [fast_normalize(x) for x in SEED.read_text(encoding="utf-8").splitlines()]

    def overlap(line: str, sent: str) -> int:
        s = fast_normalize(sent)
        return max([k for k in (40, 20, 10, 6) for c in (s[:k], s[-k:], s[len(s) // 2:len(s) // 2 + k])
                    if len(c) >= min(k, len(s)) and c in line] or [0])

    def locate(m) -> int | None:
        left, match, right = (fast_normalize(m["kwic"][k]) for k in ("left", "match", "right"))
        for lw, rw in ((8, 6), (4, 3), (0, 6), (2, 0), (0, 0)):
            key = (left[len(left) - lw:] if lw else "") + match + right[:rw]
            found = [i for i, line in enumerate(lines) if key in line]
            if found:
                return max(found, key=lambda i: (overlap(lines[i], m["sentence"]), -i)) + 1
        return None
    return locate


def _keys(seed_mentions, gold):
    """(concept, where, line | footnote n) multisets: header parts have one line each."""
    locate = _locator()
    concepts = {g["concept"] for g in gold}

    def pkey(m):
        if m["where"] in ("title", "abstract", "keywords"):
            return (m["concept"], m["where"], None)
        if m["where"] == "footnote":
            return (m["concept"], "footnote", m["footnote_n"])
        return (m["concept"], "body", locate(m))

    def gkey(g):
        if g["where"] in ("title", "abstract", "keywords"):
            return (g["concept"], g["where"], None)
        if g["where"] == "footnote":
            return (g["concept"], "footnote", (g["attributed_footnotes"] or [None])[0])
        return (g["concept"], "body", g["line"])

    pred = [m for m in seed_mentions if m["concept"] in concepts]
    return pred, Counter(pkey(m) for m in pred), Counter(gkey(g) for g in gold), pkey, gkey


def test_seed_recall_precision(seed_mentions, gold):
    _pred, p, g, _pk, _gk = _keys(seed_mentions, gold)
    tp = sum((p & g).values())
    recall, precision = tp / sum(g.values()), tp / max(sum(p.values()), 1)
    print(f"\nmentions of the 17 gold concepts: gold {sum(g.values())} predicted {sum(p.values())} "
          f"recall {recall:.3f} precision {precision:.3f}")
    assert recall >= 0.98, sorted((g - p).items())
    assert precision >= 0.98, sorted((p - g).items())


def test_seed_attribution_agrees_with_gold(seed_mentions, gold):
    pred, _p, _g, pkey, gkey = _keys(seed_mentions, gold)
    pa = Counter(pkey(m) + (tuple(sorted({a["footnote_n"] for a in m["attributed"]})),) for m in pred)
    ga = Counter(gkey(x) + (tuple(sorted(x["attributed_footnotes"])),) for x in gold)
    agree = sum((pa & ga).values()) / sum(ga.values())
    print(f"\nattributed footnotes agree on {agree:.3f} of gold mentions")
    assert agree >= 0.97


def test_rentier_state_attributed_to_wen_xu(seed_mentions):
    ms = [m for m in seed_mentions if m["concept"] == "数字食利国"]
    assert {m["surface"] for m in ms} >= {"“数字食利国”", "数字食利性"}
    via_55 = [a for m in ms for a in m["attributed"] if a["footnote_n"] == 55]
    assert via_55 and via_55[0]["authors"] == ["温旭"] and via_55[0]["year"] == 2024
    assert all(m["doc_authors"] == ["陈灏", "钟锦宸"] and m["year"] == 2025 and m["year_inferred"] for m in ms)


def test_centre_scatter_attributed_to_qiu_and_chen(seed_mentions):
    ms = [m for m in seed_mentions if m["concept"] == "中心—散点"]
    authors = {(x, a["year"]) for m in ms for a in m["attributed"] for x in a["authors"]}
    assert {("邱卫东", 2024), ("陈晓颜", 2024)} <= authors
    fn = [m for m in ms if m["where"] == "footnote"]
    assert fn and fn[0]["footnote_n"] == 51 and fn[0]["in_ref"] == 0


def test_funding_note_is_a_footnote_and_headings_are_body(seed_mentions):
    fund = [m for m in seed_mentions if m.get("funding_note")]
    assert [m["concept"] for m in fund if m["concept"] == "新质生产力"] and all(m["where"] == "footnote" for m in fund)
    assert any(m["heading"] and m["where"] == "body" for m in seed_mentions)


def test_variants_script_dash_zero_width_and_longest_match(registry):
    m = ConceptMatcher(registry)
    hits = m.find("所谓“數字食利國”与中心－散點、中心 - 外围，数\u200b字资本与数字资本主义并存")
    got = [(h.concept, h.surface) for h in hits]
    assert ("数字食利国", "“數字食利國”") in got
    assert ("中心—散点", "中心－散點") in got
    assert ("中心—外围", "中心 - 外围") in got
    assert ("数字资本主义", "数字资本主义") in got
    assert [c for c, _s in got].count("数字资本") == 1  # 数字资本主义 is not also 数字资本
    gloss = m.find("“中心（工业国）—外围（原材料供应国）”的体系")
    assert [(h.concept, h.surface, h.variant) for h in gloss] == [("中心—外围", "“中心（工业国）—外围（原材料供应国）”", True)]


def test_terms_outside_the_registry(registry):
    paper = parse(SEED)
    ms = find_mentions(paper, registry, terms=["寡头", "數字食利國"])
    assert {m["concept"] for m in ms} == {"寡头", "数字食利国"}
    assert all(m["kwic"]["match"] in m["sentence"] for m in ms)


def test_store_dict_round_trip_gives_same_mentions(registry):
    paper = parse(SEED)
    a = find_mentions(paper, registry)
    b = find_mentions(Paper.from_dict(paper.to_store_dict()).to_store_dict(), registry)
    assert [(m["concept"], m["where"], m["sentence"]) for m in a] == [(m["concept"], m["where"], m["sentence"]) for m in b]


def test_compact_mentions_keep_their_kwic_windows(seed_mentions):
    """The corpus stage keeps a KWIC window as offsets into the sentence; the report and
    ``litmap trace`` rebuild exactly the window find_mentions gave."""
    import copy
    import itertools

    from pipeline.concepts.compact import compact_mentions as _compact
    from pipeline.concepts.mentions import kwic_of
    from pipeline.concepts.trace import public_mention

    kept = _compact(copy.deepcopy(seed_mentions))
    assert all(isinstance(m["kwic"], tuple) for m in kept)
    assert [kwic_of(m) for m in kept] == [m["kwic"] for m in seed_mentions]
    assert [public_mention(m)["kwic"] for m in kept] == [m["kwic"] for m in seed_mentions]
    assert all(a["sentence"] is b["sentence"] for a, b in itertools.pairwise(kept) if a["sentence"] == b["sentence"])


def _result_without(ctx, new: list[str]) -> dict:
    """The stored concepts result an update of ``new`` folds into: the stage over every other
    document (a fresh one per call: an update changes the counts it is given)."""
    from pipeline.concepts.concept_stage import concepts_from_parts

    all_ids, papers = list(ctx.doc_ids), list(ctx.papers)
    ctx.doc_ids, ctx.papers = [d for d in all_ids if d not in new], [p for p in papers if p["doc_id"] not in new]
    try:
        prev = concepts_from_parts(ctx, None)
    finally:
        ctx.doc_ids, ctx.papers = all_ids, papers
    prev["doc_ids"] = [d for d in all_ids if d not in new]
    return prev


def test_update_keeps_the_traces_whose_inputs_are_unchanged(works_ctx):
    """``--update`` keeps a stored concept trace only when build_trace would make it again: the
    traces of an update over the seed and the works records equal those of the same update
    with every trace built again, and some were kept, some (the new documents') built again."""
    from pipeline.concepts.concept_stage import concepts_from_parts

    ctx = works_ctx
    all_ids, papers = list(ctx.doc_ids), list(ctx.papers)
    seed = [p["doc_id"] for p in papers if p["source"].endswith(SEED.name)]
    new = [d for d in all_ids if d not in seed][-4:]

    prev = _result_without(ctx, new)
    kept = concepts_from_parts(ctx, prev, new)
    again = concepts_from_parts(ctx, _result_without(ctx, new), new, reuse=False)
    assert kept["traces"] == again["traces"]
    assert kept["trace_inputs"] == again["trace_inputs"]
    same = [n for n in kept["traces"] if kept["traces"][n] is prev["traces"].get(n)]
    assert same and len(same) < len(kept["traces"])
    # the rows of the mined coinages likewise: kept when their key is the stored one, equal to
    # the rows built again, and the stored row object itself for some
    assert kept["coinages"] and kept["coinages"] == again["coinages"]
    assert kept["coinage_inputs"] == again["coinage_inputs"]
    old_rows = {id(r) for r in prev["coinages"]}
    reused = [r["term"] for r in kept["coinages"] if id(r) in old_rows]
    assert reused, "no coinage row was kept"


def test_update_builds_again_the_coinage_row_a_new_paper_uses(works_ctx):
    """A mined coinage whose uses the new paper adds to gets its row built again (its counts
    change), equal to the row of an update that builds every row again; a stored row is kept
    only when nothing it is made of changed."""
    from pipeline.concepts.concept_stage import concepts_from_parts

    ctx = works_ctx
    seed = {p["doc_id"] for p in ctx.papers if p["source"].endswith(SEED.name)}
    full = concepts_from_parts(ctx, None)
    term, new_doc = next((r["term"], u[0]) for r in full["coinages"] if r["documents"] >= 2
                         for u in full["coinage_mentions"][r["term"]]["uses"] if u[0] not in seed)
    new = [new_doc]

    prev = _result_without(ctx, new)
    kept = concepts_from_parts(ctx, prev, new)
    again = concepts_from_parts(ctx, _result_without(ctx, new), new, reuse=False)
    assert kept["coinages"] == again["coinages"] and kept["coinage_inputs"] == again["coinage_inputs"]
    was = {r["term"]: r for r in prev["coinages"]}.get(term)
    now = {r["term"]: r for r in kept["coinages"]}[term]
    assert was is None or (now["documents"], now["mentions"]) != (was["documents"], was["mentions"])
    assert now == {r["term"]: r for r in full["coinages"]}[term]


def test_coinage_uses_are_runs_of_every_use(works_ctx):
    """A mined coinage's uses are kept as runs (the use's values and how many uses in a row
    have them): no two neighbouring runs are equal, and for each term the runs count every
    mention a fresh search of the corpus finds, document by document."""
    from collections import Counter

    from pipeline.concepts.concept_stage import concepts_from_parts
    from pipeline.concepts.matcher import ConceptMatcher
    from pipeline.concepts.mentions import find_mentions
    from pipeline.text.registry import Registry

    ctx = works_ctx
    full = concepts_from_parts(ctx, None)
    uses = full["coinage_mentions"]
    assert uses
    for term, f in uses.items():
        runs = f["uses"]
        assert all(len(r) == 7 and r[-1] >= 1 for r in runs)
        assert all(a[:-1] != b[:-1] for a, b in zip(runs, runs[1:])), term
    terms = sorted(uses)
    found: Counter[tuple[str, str]] = Counter()
    for paper in ctx.iter_papers():
        for m in find_mentions(paper, Registry.empty(), terms, ctx.cfg, ConceptMatcher(Registry.empty(), terms)):
            found[m["concept"], m["doc_id"]] += 1
    held: Counter[tuple[str, str]] = Counter()
    for term, f in uses.items():
        for r in f["uses"]:
            held[term, r[0]] += r[-1]
    assert held == found
    assert max(r[-1] for f in uses.values() for r in f["uses"]) > 1, "no run holds two uses: nothing was merged"
