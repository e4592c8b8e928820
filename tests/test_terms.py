"""Term mining finds the seed's coinages by itself; stopwords filter noise, not concepts.

Candidates come from the terms corpus stage (``compute_terms``) over papers that went through the
runner's parse, segment and features stages: the rows of ``term_candidates.csv``."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SEED, corpus_results, stage_context
from pipeline.text.stopwords import content_tokens, load_stopwords

TARGETS = ["数字食利国", "中心—散点", "数据美元", "数字—金融"]


def _empty_registry(tmp: Path) -> dict:
    """Settings with no tracked concept: segmentation and marking know no registry term."""
    empty = tmp / "empty_concepts.yaml"
    empty.write_text("concepts: []\n", encoding="utf-8")
    return {"concepts": {"registry": str(empty)}}


def _doc_id(ctx, name: str) -> str:
    return next(h["doc_id"] for h in ctx.papers if h["source"].endswith(name))


@pytest.fixture(scope="module")
def empty_ctx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("terms_empty")
    ctx = stage_context(tmp, [SEED], **_empty_registry(tmp))
    corpus_results(ctx, "terms")
    yield ctx
    ctx.store.close()


@pytest.fixture(scope="module")
def empty_rows(empty_ctx) -> list[dict]:
    return empty_ctx.results["terms"]["rows"]


def test_seed_coinages_in_top_30_with_empty_registry(empty_rows):
    top30 = [r["term"] for r in empty_rows[:30]]
    for t in TARGETS:
        assert t in top30, (t, top30)
    assert not any(r["known"] for r in empty_rows)


def test_rows_have_the_table_fields(empty_ctx, empty_rows):
    row = next(r for r in empty_rows if r["term"] == "数据美元")
    assert row["freq"] >= 3 and row["n_docs"] == 1 and row["first_seen"] == 2025
    assert row["first_doc"] == _doc_id(empty_ctx, SEED.name) and "数据美元" in row["example"]
    assert "quoted" in row["kind"]
    dash = next(r for r in empty_rows if r["term"] == "数字—金融")
    assert "dash" in dash["kind"] and dash["freq"] >= 12
    # a fragment of a longer coinage is not a candidate of its own
    assert "数字食利" not in [r["term"] for r in empty_rows]
    scores = [r["score"] for r in empty_rows]
    assert scores == sorted(scores, reverse=True)


def test_statistical_phrases_found_without_quotes(tmp_path):
    # 数字食利国 is split by jieba (数字 / 食 / 利国): here it is never quoted, only repeated
    papers = {"a.md": (2024, ["数字食利国加快对全球数字市场的跨国瓜分。", "所谓数字食利国依靠平台收取租金。"]),
              "b.md": (2023, ["数字食利国的寄生性更为突出。", "全球数字市场与平台租金。", "数字技术改变了市场。"])}
    files = []
    for name, (year, sents) in papers.items():
        path = tmp_path / "src" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"---\ntitle: {name[0]}\nyear: {year}\n---\n# {name[0]}\n\n" + "".join(sents) + "\n",
                        encoding="utf-8")
        files.append(path)
    ctx = stage_context(tmp_path / "run", files, **_empty_registry(tmp_path))
    try:
        rows = corpus_results(ctx, "terms")["terms"]["rows"]
    finally:
        ctx.store.close()
    row = next(r for r in rows if r["term"] == "数字食利国")
    assert row["kind"] == "phrase" and row["freq"] == 3 and row["n_docs"] == 2
    assert row["first_seen"] == 2023 and row["first_doc"] == _doc_id(ctx, "b.md")


def test_known_terms_marked_with_registry(works_ctx):
    rows = works_ctx.results["terms"]["rows"]  # the seed and the works, with configs/concepts.yaml
    by_term = {r["term"]: r for r in rows}
    for t in TARGETS:
        assert by_term[t]["known"] is True
    assert by_term["数字食利国"]["concept"] == "数字食利国"
    assert any(not r["known"] for r in rows[:30])


def test_stopwords_and_content_tokens():
    stop = load_stopwords()
    assert {"的", "参见", "人民出版社", "第", "期", "页"} <= stop
    toks = ["参见", "数字资本", "的", "2024", "年", "第", "6", "期", "，", "a", "3.5%", "——", "中心—散点",
            "Harvey", "人民出版社"]
    assert content_tokens(toks, stop) == ["数字资本", "中心—散点", "Harvey"]
    extra = load_stopwords({"segment": {"stopwords": "configs/stopwords.txt", "stopwords_iso": False}})
    assert "参见" in extra and "只怕" not in extra


def test_update_counting_equals_the_automaton(empty_ctx):
    """``--update`` counts a few new papers by looking each substring up among the candidates
    instead of building the Aho-Corasick automaton: the same counts and first uses."""
    import numpy as np

    from pipeline.models.terms_stage import _counted_texts
    from pipeline.text.terms import TermCounter, TermState

    stored = TermState.from_dict(empty_ctx.results["terms"]["state"])
    assert len(stored.terms) > 100 and stored.freq.sum() > 0

    def fresh() -> TermState:
        z = TermState.from_dict(stored.to_dict())
        z.freq, z.n_docs = np.zeros_like(z.freq), np.zeros_like(z.n_docs)
        z.first_k, z.first_year, z.first_doc = np.full_like(z.first_k, -1), np.full_like(z.first_year, 10**6), \
            np.zeros(len(z.terms), dtype="<U1")
        return z

    counters = [TermCounter(fresh()), TermCounter(fresh(), few=True)]
    for d, part in empty_ctx.iter_part("feat.content"):
        for c in counters:
            c.add(d, 2025, _counted_texts(part))
    full, few = (c.done() for c in counters)
    for name in ("freq", "n_docs", "first_doc", "first_k"):
        assert np.array_equal(getattr(full, name), getattr(few, name)), name
        assert np.array_equal(getattr(full, name), getattr(stored, name)), name


def test_fragment_check_equals_its_definition_on_csl_keywords():
    """A candidate is a fragment when another candidate holds it and is used at least
    ``fragment_share`` times as often. The check searches only the candidates heavy enough to
    count; on the CSL abstracts' keywords (real terms, many held in longer ones: 数据 ⊂ 数据挖掘)
    it answers as the definition does for every keyword, ties at the bound included."""
    import json
    from collections import Counter

    from pipeline.text.terms import _fragments

    shared = Path(__file__).resolve().parents[1].parent / "shared"
    rows = [json.loads(ln) for ln in (shared / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines()]
    counts = Counter(k for r in rows[:800] for k in r["keywords"] if k and "\n" not in k)
    terms = sorted(counts)
    freqs = [counts[t] for t in terms]
    for share in (0.8, 1.0):
        is_fragment = _fragments(terms, freqs, share)
        got = [is_fragment(j) for j in range(len(terms))]
        want = [any(h != j and terms[j] in terms[h] and freqs[h] >= share * freqs[j] for h in range(len(terms)))
                for j in range(len(terms))]
        assert got == want, share
        assert sum(want) >= 20, sum(want)  # the check is asked something


@pytest.mark.parametrize("stream", [False, True], ids=["listed", "streamed"])
def test_corpus_count_equals_its_definition_on_csl_abstracts(stream, monkeypatch):
    """The terms stage's count of every candidate over the corpus (one Aho-Corasick pass per
    document, every overlapping match) equals the definition, asked one candidate and one
    document at a time with ``str.find``: occurrences (overlapping ones too: 数据 twice in 数据数据),
    documents, and the first use, the earliest year, then the smallest document id, then the
    first sentence holding it. On 600 real abstracts in document order, with few years (ties
    of years are broken by the id) and some undated, and the CSL keywords as candidates (many
    held in others: 数据 ⊂ 数据挖掘). Both ways of matching: the matches of a text listed at
    once, and streamed (how a text of millions of characters is matched)."""
    import json

    from pipeline.text import terms as terms_module

    if stream:
        monkeypatch.setattr(terms_module, "STREAM_CHARS", 0)
    from collections import Counter

    import numpy as np

    from pipeline.text.protect import fast_normalize
    from pipeline.text.terms import _NO_YEAR, TermCounter, TermState

    shared = Path(__file__).resolve().parents[1].parent / "shared"
    rows = [json.loads(ln) for ln in (shared / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = rows[:600]
    terms = sorted({fast_normalize(k) for r in rows for k in r["keywords"] if k and "\n" not in k and len(k) > 1})
    docs = []
    for i, r in enumerate(rows):
        sents = [fast_normalize(s) for s in (r["title"] + "。" + r["abstract"]).split("。") if s]
        year = None if i % 7 == 0 else 2015 + (i * 5) % 3  # document ids below do not follow the years
        docs.append((f"d{(i * 7919) % 1000:03d}-{i}", year, sents))
    counter = TermCounter(TermState.new({t: {"phrase"} for t in terms}, Counter(), {}))
    for d, y, sents in docs:
        counter.add(d, y, sents)
    got = counter.done()
    assert list(got.terms) == terms
    for j, t in enumerate(terms):
        freq, n_docs, first = 0, 0, None
        for d, y, sents in docs:
            text = "\n".join(sents)
            n, at = 0, text.find(t)
            where = at
            while at >= 0:
                n, at = n + 1, text.find(t, at + 1)
            if n:
                freq, n_docs = freq + n, n_docs + 1
                k = next(i for i, s in enumerate(sents) if t in s) if "\n" not in t else None
                key = (y if y is not None else _NO_YEAR, d, k)
                first = key if first is None or key[:2] < first[:2] else first
                assert where >= 0
        assert int(got.freq[j]) == freq, t
        assert int(got.n_docs[j]) == n_docs, t
        if first is None:
            assert int(got.first_k[j]) == -1 and got.first_doc[j] == "", t
        else:
            assert (int(got.first_year[j]), str(got.first_doc[j]), int(got.first_k[j])) == first, t
    assert int(np.sum(got.freq > got.n_docs)) > 50  # candidates used twice in one abstract are counted twice
    assert len({int(y) for y in got.first_year if y != _NO_YEAR}) == 3


def test_merged_state_equals_its_definition():
    """``--update`` joins a new paper's marked candidates into the stored state: the terms stay
    sorted, a known term gains the new kinds and marks and keeps its counts, a new term (longer
    than any stored one too) starts uncounted. Checked against the definition built term by
    term, on the CSL keywords as the stored state, and on an empty one."""
    import json
    from collections import Counter

    import numpy as np

    from pipeline.text.terms import _NO_YEAR, KIND_BITS, TermState

    shared = Path(__file__).resolve().parents[1].parent / "shared"
    rows = [json.loads(ln) for ln in (shared / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines()]
    words = sorted({k for r in rows[:500] for k in r["keywords"] if k and "\n" not in k})
    old_kinds = {t: {("phrase", "quoted", "dash")[i % 3]} for i, t in enumerate(words)}
    stored = TermState.new(old_kinds, Counter({t: i % 4 for i, t in enumerate(words)}), {t: 0.4 for t in words[::2]})
    stored.freq[:] = np.arange(len(words)) + 5
    stored.first_doc = np.array([f"doc{i % 37:02d}" for i in range(len(words))])
    kinds = {words[3]: {"dash"}, words[-1]: {"quoted", "dash"}, "“数字食利国”的新说法": {"quoted"}, "一": {"dash"},
             "中心—散点": {"dash"}}
    marked = Counter({words[3]: 2, "中心—散点": 1, "一": 3})
    for base in (stored, TermState.new({}, Counter(), {})):
        got = base.merged(kinds, marked)
        old = {t: i for i, t in enumerate(base.terms.tolist())}
        want_terms = sorted(set(old) | set(kinds))
        assert got.terms.tolist() == want_terms
        for j, t in enumerate(want_terms):
            bits = sum(KIND_BITS[k] for k in kinds.get(t, ()))
            if t in old:
                i = old[t]
                assert int(got.kind_bits[j]) == int(base.kind_bits[i]) | bits, t
                assert int(got.marked[j]) == int(base.marked[i]) + marked.get(t, 0), t
                assert (int(got.freq[j]), str(got.first_doc[j]), float(got.npmi[j])) == \
                    (int(base.freq[i]), str(base.first_doc[i]), float(base.npmi[i])), t
            else:
                assert (int(got.kind_bits[j]), int(got.marked[j]), int(got.freq[j]), int(got.n_docs[j])) == \
                    (bits, marked.get(t, 0), 0, 0), t
                assert (int(got.first_year[j]), int(got.first_k[j]), str(got.first_doc[j])) == (_NO_YEAR, -1, ""), t
    assert stored.freq[0] == 5  # the stored state is left as it was


def test_dictionary_answers_kept_for_updates(empty_ctx, monkeypatch):
    """Whether the segmenter's dictionary keeps a candidate whole (such a candidate is no new
    word): a refit asks about every candidate and keeps the answers in the state
    (``TermState.dict_word``); the worker that cut a paper answers for its marked candidates
    (``feat.terms``'s ``dict``). Both are the segmenter's answers, and an update ranks from them
    without building a segmenter of its own (0.2 s of an update's critical path)."""
    import numpy as np

    from pipeline.models import terms_stage
    from pipeline.text.segment import Segmenter
    from pipeline.text.terms import TermState

    result = empty_ctx.results["terms"]
    state = TermState.from_dict(result["state"])
    has_word = Segmenter(empty_ctx.cfg).backend.has_word
    want = [int(has_word(t)) for t in state.terms.tolist()]
    assert state.dict_word.tolist() == want and 0 in want and 1 in want
    hints = {}
    for _d, part in empty_ctx.iter_part("feat.terms"):
        assert part["dict"] == {t: bool(has_word(t)) for t in part["kinds"]}
        hints.update(part["dict"])
    # A stored state that knows nothing of the marked candidates: the hints answer for them.
    forgot = TermState.from_dict(result["state"])
    asked = np.array([t in hints for t in forgot.terms.tolist()])
    assert asked.sum() == len(hints) > 10
    forgot.dict_word[asked] = -1

    def no_segmenter(self):
        raise AssertionError("an update built a segmenter")

    monkeypatch.setattr(terms_stage._DictWords, "_segmenter", no_segmenter)
    folded = terms_stage.update_terms(empty_ctx, {**result, "state": forgot.to_dict(), "doc_ids": []})
    got = TermState.from_dict(folded["state"])
    assert got.terms.tolist() == state.terms.tolist() and got.dict_word.tolist() == want


@pytest.mark.parametrize("terms", [
    # not sorted: looked up through an order
    ["数字食利国", "食利国", "数字", "帝国主义", "金融帝国主义", "资本"],
    ["国", "数字", "数字食利国", "食利", "资本"],  # a one-character candidate: every position is tried
    ["一", "数字\x00资本", "数字资本", "资本"],  # a NUL inside a candidate, and one at a text's end
])
@pytest.mark.parametrize("long_text", [None, "automaton", "streamed"])
def test_update_counting_of_odd_states_equals_the_automaton(terms, long_text, monkeypatch):
    """The few-documents path looks a paper's substrings up among the sorted candidates: on
    states it does not expect (terms out of order, a one-character candidate, NUL characters)
    it counts what the Aho-Corasick automaton counts, first uses included. A text too long to
    hold its substrings (here made short: ``FEW_CHARS``) is counted by the automaton, or
    streamed past ``STREAM_CHARS``, as a refit counts it."""
    import numpy as np

    from pipeline.text import terms as terms_module
    from pipeline.text.terms import TermCounter, TermState

    if long_text:
        monkeypatch.setattr(terms_module, "FEW_CHARS", 5)
    if long_text == "streamed":
        monkeypatch.setattr(terms_module, "STREAM_CHARS", 12)

    texts = {"d1": ["数字食利国与金融帝国主义", "资本的数字化，数字食利国"],
             "d2": ["食利国\n数字\x00资本", "国一资本"],
             "d3": ["帝国主义和资本主义", "数字资本\x00"]}

    def state() -> TermState:
        st = TermState.new({t: {"quoted"} for t in terms}, __import__("collections").Counter(), {})
        order = [sorted(terms).index(t) for t in terms]  # the state as given, not as new() sorts it
        return TermState(*(getattr(st, f)[order] for f in st.__dataclass_fields__))

    counters = [TermCounter(state()), TermCounter(state(), few=True)]
    for year, (d, sents) in zip((2021, 2020, 2020), texts.items()):
        for c in counters:
            c.add(d, year, sents)
    full, few = (c.done() for c in counters)
    assert full.freq.sum() > len(terms)
    for name in ("freq", "n_docs", "first_doc", "first_k", "first_year"):
        assert np.array_equal(getattr(full, name), getattr(few, name)), name
