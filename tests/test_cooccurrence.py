"""Co-occurrence counts, NPMI, G² and the concept report section.

Counting is :class:`PairCounter`, the concepts stage's own counter; the corpus checks read the
concepts stage's result over the seed and the works (``works_ctx``) and the seed's windows from
its ``feat.content`` part, as the runner computed them."""
from __future__ import annotations

import math
import types
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.concepts.concept_stage import concepts_from_parts
from pipeline.models.cooccurrence import PairCounter
from pipeline.report.concepts_section import MENTION_COLUMNS, concepts_section

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"


def cooccurrence(units: list[list[str]], min_count: int = 2, max_rows: int = 50000) -> pd.DataFrame:
    """All units counted in two batches, as the stage adds documents: sums must not depend on it."""
    pairs = PairCounter()
    pairs.add(units[: len(units) // 2])
    pairs.add(units[len(units) // 2:])
    return pairs.table(min_count, max_rows)


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


def test_seed_cooccurrence_and_report_section(works_ctx):
    seed_id = next(h["doc_id"] for h in works_ctx.papers if h["source"].endswith(SEED.name))
    units = [u.split() for u in dict(works_ctx.iter_part("feat.content", [seed_id]))[seed_id]["cooc"]]
    assert len(units) > 150 and all(u == sorted(set(u)) for u in units)
    res = works_ctx.results["concepts"]
    cooc = res["cooccurrence"]
    assert len(cooc) > 100 and cooc.npmi.between(-1, 1.000001).all()
    near = {c["term"] for c in res["traces"]["数字食利国"]["cooccurring"]}
    assert "寡头" in near  # the contract's example neighbour of 数字食利国
    again = concepts_from_parts(works_ctx, None)["cooccurrence"]
    pd.testing.assert_frame_equal(cooc, again)
    # A paper text holding markup must come out escaped (on a copy: the result is shared).
    t = res["traces"]["数字食利国"]
    t = {**t, "mentions": list(t["mentions"])}
    t["mentions"][0] = {**t["mentions"][0], "sentence": "<script>x</script>",
                        "kwic": {"left": "<b>", "match": "数字食利国", "right": "</b>"}}
    res = {**res, "mentions": list(res["mentions"]), "traces": {**res["traces"], "数字食利国": t}}
    res["mentions"][0] = {**res["mentions"][0], "sentence": "<script>alert(1)</script>"}
    ctx = types.SimpleNamespace(papers=works_ctx.papers, results={"concepts": res}, cfg=works_ctx.cfg, memo={})
    sec = concepts_section(ctx)
    assert list(sec.tables["concept_mentions"].columns) == MENTION_COLUMNS
    assert list(sec.tables["cooccurrence"].columns)[:4] == ["term_a", "term_b", "count", "npmi"]
    assert len(sec.tables["concept_mentions"]) == len(res["mentions"])
    page = next(v for k, v in sec.pages.items() if k.startswith("concepts/digital-rentier-state"))
    assert "<script>" not in page and "&lt;b&gt;" in page and "温旭" in page and "<svg" in page
    assert "<script>" not in str(sec.html) and all(k.startswith("concepts/") for k in sec.pages)
    assert concepts_section(types.SimpleNamespace(papers=[], results={}, cfg={}, memo={})) is None


def test_empty_and_degenerate_inputs():
    assert cooccurrence([], min_count=1).empty
    assert cooccurrence([["a"], ["a"]], min_count=1).empty
    assert np.isfinite(cooccurrence([["a", "b"]] * 3, min_count=1).npmi).all()


def test_counts_equal_a_count_of_pairs_on_real_units_with_repeats():
    """Counts are of units: a term printed twice in one sentence counts once, in any order, and
    batches sum. Windows of the seed's phrases, given unsorted, with terms repeated, some as
    tuples, in uneven batches, against a plain count of the pairs of each window's distinct
    terms; term ids in order of first appearance."""
    import random
    from collections import Counter
    from itertools import combinations

    text = SEED.read_text(encoding="utf-8")
    words = sorted({w for w in text.replace("\n", "").split("，") if 1 < len(w) < 6})[:400]
    rng = random.Random(7)
    units = [rng.sample(words, rng.randint(1, 9)) for _ in range(3000)]
    units[1500] = rng.sample(words, min(30, len(words)))  # a long window: given below with every term many times
    noisy = [tuple(u + u[: rng.randint(0, len(u))]) if i % 3 == 0 else list(reversed(u)) + u[:1]
             for i, u in enumerate(units)]
    noisy[1500] = units[1500] * 12
    pairs = PairCounter()
    for lo, hi in ((0, 1), (1, 700), (700, 701), (701, 3000)):
        pairs.add(noisy[lo:hi])
    want = Counter(p for u in units for p in combinations(sorted(set(u)), 2))
    got = pairs.table(min_count=1, max_rows=10**6)
    assert dict(zip(zip(got.term_a, got.term_b), got["count"])) == want
    freq = Counter(t for u in units for t in set(u))
    assert {t: int(pairs.freq[i]) for t, i in pairs.vocab.items()} == freq
    assert pairs.n == 3000 and list(pairs.vocab) == list(dict.fromkeys(t for u in noisy for t in u))


def test_windows_given_as_text_count_as_their_terms_a_slice_at_a_time(monkeypatch):
    """``PairCounter.add`` takes a window as its terms or as their text joined by spaces (as a
    ``feat.content`` part stores it) and splits texts ``SPLIT_UNITS`` at a time: the vocabulary
    (its order too), the pair counts, the frequencies and the number of units are those of
    counting the term lists at once, a long window of repeated terms included."""
    from pipeline.models import cooccurrence as co

    text = SEED.read_text(encoding="utf-8")
    # terms hold no space, as in a stored window
    sentences = ["".join(s.split()) for s in text.replace("\n", "。").split("。") if len("".join(s.split())) > 4][:300]
    units = [[s[i:i + 2] for i in range(0, len(s) - 1, 2)] for s in sentences]
    units.append(["数字", "资本"] * 200 + ["平台"])  # over 256 terms: cut to its distinct ones
    whole = PairCounter()
    whole.add(units)
    for split in (1, 7, 5_000):
        monkeypatch.setattr(co, "SPLIT_UNITS", split)
        as_text = PairCounter()
        as_text.add([" ".join(u) for u in units[:150]])
        as_text.add(units[150:200] + [" ".join(u) for u in units[200:]])
        assert list(as_text.vocab) == list(whole.vocab) and as_text.n == whole.n == len(units)
        assert (as_text.C != whole.C).nnz == 0 and as_text.C.nnz == whole.C.nnz > 0
        assert (as_text.freq == whole.freq).all()
