"""Concept traces over the seed plus ../shared/corpora/works (users, first use, spread, works once).

The corpus traces are the concepts stage's own result (``works_ctx``: the runner's per-document
stages and corpus stages over the 39 documents); the seed-only traces take the path ``litmap
trace`` takes for a term the stage did not trace (find_mentions_many, then build_trace)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pipeline.api import parse
from pipeline.concepts.concept_stage import concepts_from_parts
from pipeline.concepts.mentions import find_mentions_many
from pipeline.concepts.trace import build_trace
from pipeline.ingest.normalize import normalize_for_match
from pipeline.refs.works import link_works
from pipeline.text.registry import load_registry

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
CONTRACT_KEYS = {"concept", "variants", "mentions", "users", "first_use", "spread", "cooccurring", "neighbors"}


@pytest.fixture(scope="module")
def corpus(works_ctx):
    return works_ctx.results["concepts"]


@pytest.fixture(scope="module")
def seed_only():
    papers = [parse(SEED).to_store_dict()]
    works = link_works(papers)
    reg = load_registry()
    return papers, works, reg, find_mentions_many(papers, reg)


def test_rentier_state_spreads_from_wen_xu(seed_only):
    papers, works, reg, ms = seed_only
    t = build_trace("數字食利國", ms, papers, works, registry=reg)  # a variant finds the concept
    assert CONTRACT_KEYS <= set(t)
    assert t["concept"] == "数字食利国"
    assert t["first_use"]["author"] == "温旭" and t["first_use"]["year"] == 2024
    users = {(u["author"], u["role"]) for u in t["users"]}
    assert {("温旭", "cited"), ("陈灏", "author"), ("钟锦宸", "author")} <= users
    edges = {(e["from"], e["to"], e["via"]) for e in t["spread"]}
    assert {("温旭", "陈灏", "citation"), ("温旭", "钟锦宸", "citation")} <= edges
    ev = [e["evidence"] for e in t["spread"] if e["from"] == "温旭"]
    assert all("数字食利国" in normalize_for_match(x) for x in ev)
    assert t["mentions"][0]["year_inferred"] is True


def test_centre_scatter_users(seed_only):
    papers, works, reg, ms = seed_only
    t = build_trace("中心-散点", ms, papers, works, registry=reg)
    cited = {u["author"]: u["first_year"] for u in t["users"] if u["role"] == "cited"}
    assert cited.get("邱卫东") == 2024 and cited.get("陈晓颜") == 2024


def test_unknown_concept_gives_none(seed_only):
    papers, works, reg, ms = seed_only
    assert build_trace("量子纠缠帝国", ms, papers, works, registry=reg) is None


def _gold_carriers(concept: str) -> list[dict]:
    gold = json.loads((SHARED / "gold" / "works.json").read_text(encoding="utf-8"))
    key = normalize_for_match(concept)
    out = []
    for wid, g in gold.items():
        fields = [g["title"] or ""] + list(g["keywords"] or [])
        if any(key in normalize_for_match(f) for f in fields):
            out.append({**g, "id": wid})
    return out


@pytest.mark.parametrize("concept", ["数字帝国主义", "数字殖民", "数字劳动", "中心—外围", "数据殖民"])
def test_users_and_first_use_over_works(corpus, concept):
    t = corpus["traces"][concept]
    carriers = _gold_carriers(concept)
    assert carriers, concept
    authors = {normalize_for_match(u["author"]) for u in t["users"] if u["role"] == "author"}
    for g in carriers:
        for a in g["authors"]:
            assert normalize_for_match(a) in authors, (concept, a, g["id"])
    years = [g["year"] for g in carriers if g["year"]]
    if concept != "中心—外围":  # its one gold carrier prints no year: nothing to compare with
        assert years and t["first_use"]["year"] <= min(years)
    print(f"\n{concept}: first use {t['first_use']}, {len(t['users'])} users, {len(t['spread'])} edges")


def test_traditional_document_counts(corpus):
    t = corpus["traces"]["中心—外围"]
    sun = [m for m in t["mentions"] if "孙来斌" in [normalize_for_match(a) for a in m["doc_authors"]]]
    assert sun and any(m["surface"] == "中心-外圍" for m in sun)
    assert "中心-外圍" in t["variants"]


def test_mirror_counts_once(corpus):
    t = corpus["traces"]["数字帝国主义"]
    liu = [u for u in t["users"] if u["author"] == "刘皓琰" and u["role"] == "author"]
    assert len(liu) == 1 and len(liu[0]["doc_ids"]) == 1
    assert t["duplicates_dropped"] >= 1
    assert len({m["doc_id"] for m in t["mentions"]}) == t["n_works"]


def test_spread_edges_are_dated_and_forward(corpus):
    vias = set()
    for name, t in corpus["traces"].items():
        for e in t["spread"]:
            assert e["via"] in ("citation", "co-use") and e["from"] != e["to"]
            vias.add(e["via"])
            if e["via"] == "co-use":
                assert e["from_year"] < e["to_year"], (name, e)
    # Both kinds occur on this corpus: the checks above ran on edges of each kind.
    assert vias == {"citation", "co-use"}, vias


def test_trace_is_json_and_deterministic(works_ctx, corpus):
    """The stage gives the same traces whatever order the documents arrive in; a trace as
    ``litmap trace`` prints it is JSON."""
    from pipeline.concepts.trace import public_mention

    reversed_ctx = dataclasses.replace(works_ctx, papers=list(reversed(works_ctx.papers)),
                                       doc_ids=list(reversed(works_ctx.doc_ids)))
    again = concepts_from_parts(reversed_ctx, None)

    def printed(res):
        t = res["traces"]["数字劳动"]
        return json.dumps({**t, "mentions": [public_mention(m) for m in t["mentions"]]}, ensure_ascii=False,
                          sort_keys=True)
    assert printed(corpus) == printed(again)
    assert corpus["summary"] and {"concept", "first_use_author", "first_use_year"} <= set(corpus["summary"][0])


def test_profiles_count_each_mention_once_per_bag(corpus, monkeypatch):
    """A profile's counts are, per term, the number of mentions whose sentence holds it (in the
    year, in the author's documents); its top terms are the most frequent, ties by term; the
    year-to-year similarity is the cosine of those counts. Checked against the works corpus's
    mentions of every concept (fails when terms tied at the tenth place are dropped), and the
    same when every bag's words are counted in batches of a few (a document of a million
    mentions)."""
    import math
    from collections import Counter

    from pipeline.concepts import profiles
    from pipeline.concepts.profiles import TOP, build_profiles

    by_concept: dict[str, list] = {}
    for m in corpus["mentions"]:
        by_concept.setdefault(m["concept"], []).append(m)
    checked = 0
    for name, ms in sorted(by_concept.items()):
        prof = build_profiles(name, ms, {}, min_docs=1)
        years: dict[int, Counter] = {}
        for m in ms:
            if m.get("year") is not None:
                years.setdefault(m["year"], Counter()).update(set(m["context_tokens"]) - {name})
        assert [r["year"] for r in prof["by_year"]] == sorted(years)
        for row in prof["by_year"]:
            want = sorted(years[row["year"]].items(), key=lambda x: (-x[1], x[0]))[:TOP]
            assert [tuple(x) for x in row["top_terms"]] == want, (name, row["year"])
        for s in prof["year_shifts"]:
            a, b = years[s["from_year"]], years[s["to_year"]]
            dot = sum(v * b[k] for k, v in a.items())
            norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
            assert s["similarity"] == (round(dot / norm, 4) if norm else 0.0), name
        for row in prof["by_author"]:
            bag = Counter()
            for m in ms:
                if row["author"] in (m.get("doc_authors") or []):
                    bag.update(set(m["context_tokens"]) - {name})
            assert [tuple(x) for x in row["top_terms"]] == sorted(bag.items(), key=lambda x: (-x[1], x[0]))[:TOP]
        checked += len(prof["year_shifts"]) > 0
        with monkeypatch.context() as mp:
            mp.setattr(profiles, "_BATCH", 7)
            assert build_profiles(name, ms, {}, min_docs=1) == prof, name
    assert checked >= 5


def test_cooccurrence_index_of_the_traced_concepts_is_the_whole_index_for_them(corpus):
    """The concepts stage indexes the co-occurrence table for its traced concepts only (their
    rows picked before the pass): each of them gets the list, in table order, that the index
    of every term gives it, and the traces' co-occurring terms are those of the table."""
    from pipeline.concepts.trace import cooc_index, cooccurring_terms

    cooc = corpus["cooccurrence"]
    names = sorted(corpus["traces"])
    whole, few = cooc_index(cooc), cooc_index(cooc, names)
    assert len(whole) > len(few) > 0 and set(few) <= set(names)
    assert all(few.get(n) == whole.get(n) for n in names)
    assert sum(len(v) for v in few.values()) > 20  # the concepts co-occur with something
    for n in names:
        assert corpus["traces"][n]["cooccurring"] == cooccurring_terms(n, few) == cooccurring_terms(n, cooc)
