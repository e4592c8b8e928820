"""Topic models on real data: CSL abstracts and the founding paper (issue 5)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sklearn.metrics import normalized_mutual_info_score

from pipeline.models.topic_state import unpack
from pipeline.models.topics import TopicUnit, choose_unit, fit_topics, update_topics
from pipeline.models.topics_author import author_topics
from pipeline.models.topics_bursts import kleinberg
from pipeline.models.topics_tokens import content_tokenizer
from pipeline.models.topics_vocab import clean_tokens, is_citation_like

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora/seed/000_085182e16f623625.txt"
NOISE = {"参见", "年", "第", "期", "出版社", "北京"}


@pytest.fixture(scope="module")
def cut():
    return content_tokenizer()[0]


@pytest.fixture(scope="module")
def csl_rows():
    with open(SHARED / "data/csl/csl_2000.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def csl_units(cut, csl_rows):
    units = []
    for n, r in enumerate(csl_rows):
        text = r["title"] + "。" + r["abstract"]
        units.append(TopicUnit(f"csl{n:04d}", f"csl{n:04d}", cut(text) + list(r["keywords"]),
                               text=text, year=2010 + n % 7, journal=r["discipline"]))
    return units


@pytest.fixture(scope="module")
def seed_body_units(cut):
    body = (SHARED / "gold/seed/body.txt").read_text(encoding="utf-8").splitlines()
    return [TopicUnit("seed", f"seed:p{i}", cut(p), text=p, authors=["陈灏", "钟锦宸"], year=2025)
            for i, p in enumerate(body) if p.strip()]


@pytest.fixture(scope="module")
def seed_raw_units():
    """Blank-line blocks of the PDF text (body paragraphs and page footnotes interleaved), with
    every token the segmenter gives, stopwords too: the citation apparatus (参见, 年, 第, 期,
    出版社, 北京) is in the input, so keeping it out of the topics is the model's own doing."""
    from pipeline.text.segment import Segmenter

    seg = Segmenter({})
    raw = SEED.read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", raw) if b.strip()]
    return [TopicUnit("seed", f"seed:b{i}", seg.cut(b), text=b) for i, b in enumerate(blocks)]


def _top_topic(result) -> dict[str, int]:
    best: dict[str, tuple[float, int]] = {}
    for r in result.doc_topics:
        if r["unit_id"] not in best or r["weight"] > best[r["unit_id"]][0]:
            best[r["unit_id"]] = (r["weight"], r["topic_id"])
    return {u: t for u, (_, t) in best.items()}


def test_choose_unit():
    assert choose_unit(1, {}) == "paragraph"
    assert choose_unit(37, {}) == "paper"
    assert choose_unit(37, {"unit": "section"}) == "section"
    assert choose_unit(1, {"topics": {"unit": "paper"}}) == "paper"


def test_clean_tokens_drops_citation_apparatus():
    toks = ["参见", "数字资本", "2019年", "第5期", "北京", "人民出版社", "年", "https", "the", "帝国主义"]
    assert clean_tokens(toks, {}) == ["数字资本", "北京", "帝国主义"]


def test_footnotes_are_citation_like_body_is_not():
    lines = (SHARED / "gold/seed/footnotes.jsonl").read_text(encoding="utf-8").splitlines()
    notes = [json.loads(line)["text"] for line in lines if line.strip()]
    body = [p for p in (SHARED / "gold/seed/body.txt").read_text(encoding="utf-8").splitlines()
            if p.strip()]
    assert sum(map(is_citation_like, notes)) >= 0.9 * len(notes)
    assert sum(map(is_citation_like, body)) == 0


@pytest.mark.parametrize("model", ["nmf", "lda"])
def test_seed_by_paragraph_topics_carry_no_citation_noise(seed_body_units, seed_raw_units, model):
    given = {t for u in seed_raw_units for t in u.tokens}
    assert NOISE <= given  # the check below is about input that holds the noise
    for units in (seed_body_units, seed_raw_units):
        res = fit_topics(units, {"model": model})
        assert 2 <= res.k <= 10
        for t in res.topics:
            assert len(t["top_terms"]) == 10
            assert 2 <= len(t["label"].split("·")) <= 3
        # K chosen over a grid, the curve reported with the chosen K marked
        assert sum(r["chosen"] for r in res.k_curve) == 1
        assert {"k", "c_v", "npmi", "stability"} <= set(res.k_curve[0])
    for t in res.topics:
        assert not NOISE & set(t["top_terms"]), (t["label"], t["top_terms"])
    # reference blocks of the raw text are inferred, not fitted
    assert res.n_inferred_units > 50


def test_csl_nmi_at_least_twice_baseline(csl_units, csl_rows):
    res = fit_topics(csl_units, {"k": 13, "unit": "paper"})
    assert res.model_name == "nmf"  # abstracts are short: the auto rule picks NMF
    top = _top_topic(res)
    ids = [u.unit_id for u in csl_units]
    assert len(top) == len(ids)
    score = normalized_mutual_info_score([r["category"] for r in csl_rows], [top[i] for i in ids])
    assert score >= 2 * 0.145, score
    assert res.k == 13 and len(res.topics) == 13
    assert all(r["weight"] >= 0.01 and r["weight"] == round(r["weight"], 4) for r in res.doc_topics)
    assert res.prevalence_by_year and res.prevalence_by_journal and res.trends
    assert {"rising", "falling", "flat"} >= {t["direction"] for t in res.trends}
    assert len(res.passages) >= 13 and all(p["text"] and p["weight"] >= 0.05 for p in res.passages)


def test_two_fits_identical_tables(csl_units, seed_body_units):
    for units, cfg in ((csl_units[:400], {"k": 8}), (seed_body_units, {"model": "lda"})):
        a, b = fit_topics(units, cfg), fit_topics(units, cfg)
        assert a.topics == b.topics
        assert a.doc_topics == b.doc_topics
        assert a.k_curve == b.k_curve and a.passages == b.passages


def test_short_units_left_out_of_fit_but_get_topics(csl_units, csl_rows, cut):
    units = list(csl_units[:300])
    # metadata-only records: title and keywords, no abstract
    for n, r in enumerate(csl_rows[300:310]):
        units.append(TopicUnit(f"meta{n}", f"meta{n}", cut(r["title"]) + list(r["keywords"]),
                               text=r["title"]))
    res = fit_topics(units, {"k": 8, "min_tokens": 20})
    assert res.n_inferred_units >= 10
    got = {r["unit_id"] for r in res.doc_topics}
    assert sum(f"meta{n}" in got for n in range(10)) >= 8


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_update_folds_new_paper_without_refit(csl_units, model):
    base, new = csl_units[:300], csl_units[300]
    cfg = {"k": 8, "model": model}
    res = fit_topics(base, cfg)
    before = unpack(res.state)["model"]
    upd = update_topics(res.state, [new], cfg)
    assert upd.mode == "update" and res.mode == "refit"
    assert upd.k == res.k and upd.k_curve == res.k_curve
    assert any(r["unit_id"] == new.unit_id for r in upd.doc_topics)
    assert len({r["unit_id"] for r in upd.doc_topics}) == 301
    # Not a refit: the units fitted before keep their topic weights; only the new one is added.
    assert [r for r in upd.doc_topics if r["unit_id"] != new.unit_id] == res.doc_topics
    assert upd.notes and "update" in upd.notes[0]
    if model == "lda":  # the online update moved the topic-word posterior
        after = unpack(upd.state)["model"]
        assert (abs(after.state.get_lambda() - before.state.get_lambda())).max() > 0


def _page_without_pyldavis(state: bytes, tmp: Path) -> tuple[str, list[str]]:
    """The report's page of a state, laid out as its side process does (a fresh interpreter given
    the decoded inputs: ``ldavis_render.render_inputs``), and the heavy modules it imported."""
    import pickle
    import subprocess
    import sys

    from pipeline.models.topics_ldavis import vis_inputs

    (tmp / "inputs.pkl").write_bytes(pickle.dumps(vis_inputs(state)))
    code = (
        "import pickle, sys\n"
        "from pipeline.report.ldavis_render import render_inputs\n"
        f"page = render_inputs(*pickle.loads(open({str(tmp / 'inputs.pkl')!r}, 'rb').read()))\n"
        f"open({str(tmp / 'fast.html')!r}, 'w', encoding='utf-8').write(page)\n"
        "heavy = ('pyLDAvis', 'scipy', 'sklearn', 'pandas', 'gensim')\n"
        "print(' '.join(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return (tmp / "fast.html").read_text(encoding="utf-8"), out.stdout.split()


def _assert_same_page(state: bytes, tmp: Path, fresh: bool, ref: str | None = None) -> None:
    """The report's page (pyLDAvis's computation in numpy) is the page pyLDAvis itself lays out:
    every float has the same bits but the topic map's coordinates, which agree to 1e-12 (below).
    ``fresh``: laid out in a fresh interpreter, which must import none of pyLDAvis's dependencies;
    ``ref``: the page pyLDAvis wrote, if the caller has it."""
    from pipeline.models.topics_ldavis import vis_inputs, write_ldavis
    from pipeline.report.ldavis_page import TITLE
    from pipeline.report.ldavis_render import render_inputs

    if fresh:
        fast, imported = _page_without_pyldavis(state, tmp)
        assert imported == []  # numpy alone: no pyLDAvis, scipy.stats, sklearn, pandas
    else:
        fast = render_inputs(*vis_inputs(state))
    if ref is None:
        ref = write_ldavis(state, tmp / "ref.html", title=TITLE).read_text(encoding="utf-8")
    data = re.compile(r"var ldavis_data = (.*);\nnew LDAvis")
    ours, theirs = json.loads(data.search(fast)[1]), json.loads(data.search(ref)[1])
    # The topic map's coordinates go through scipy.special.rel_entr in pyLDAvis, through its
    # numpy formula here: bit for bit up to scipy 1.16; scipy 1.17's compiled rel_entr differs in
    # the last bit for a few percent of values, which moves a coordinate by ~1e-16.
    for axis in ("x", "y"):
        a, b = ours["mdsDat"].pop(axis), theirs["mdsDat"].pop(axis)
        assert len(a) == len(b) and all(abs(u - v) <= 1e-12 for u, v in zip(a, b)), axis
    assert ours == theirs
    assert data.sub("", fast) == data.sub("", ref)  # the page around the data, character for character


def test_ldavis_page_is_offline(seed_body_units, tmp_path):
    pytest.importorskip("pyLDAvis")
    from pipeline.models.topics_ldavis import write_ldavis
    from pipeline.report.ldavis_page import TITLE

    res = fit_topics(seed_body_units, {"model": "lda", "k": 5})
    page = write_ldavis(res.state, tmp_path / "ldavis.html", title=TITLE).read_text(encoding="utf-8")
    # nothing the page would fetch: script src, link href, CSS imports
    fetches = re.compile(r"""<script[^>]+src\s*=|<link[^>]+href\s*=\s*["']?https?:|@import|url\(\s*["']?https?:""",
                         re.IGNORECASE)
    assert fetches.findall(page) == []
    assert not re.search(r"src=[\"']https?://|cdn\.jsdelivr", page)  # d3's licence names its site
    assert "function LDAvis" in page or "LDAvis = function" in page
    assert "d3" in page and len(page) > 200_000  # d3 itself is inlined
    assert "new LDAvis(" in page and "资本" in page
    # The report lays the same page out without pyLDAvis (report/ldavis_prepare.py).
    _assert_same_page(res.state, tmp_path, fresh=False, ref=page)


def test_ldavis_page_without_pyldavis_on_csl(csl_units, tmp_path):
    """A bigger model than the seed's: 400 CSL abstracts, 8 topics, 2,201 terms."""
    pytest.importorskip("pyLDAvis")
    res = fit_topics(csl_units[:400], {"model": "lda", "k": 8, "unit": "paper"})
    _assert_same_page(res.state, tmp_path, fresh=True)


def test_ldavis_page_of_two_topics_is_laid_out_by_pyldavis(seed_body_units, tmp_path):
    """A model ``ldavis_prepare`` does not reproduce (K < 3) goes to pyLDAvis itself: the page is
    still pyLDAvis's."""
    pytest.importorskip("pyLDAvis")
    from pipeline.models.topics_ldavis import vis_inputs, write_ldavis
    from pipeline.report.ldavis_page import TITLE
    from pipeline.report.ldavis_prepare import Unsupported, vis_data
    from pipeline.report.ldavis_render import render_inputs

    res = fit_topics(seed_body_units, {"model": "lda", "k": 2})
    inputs = vis_inputs(res.state)
    with pytest.raises(Unsupported):
        vis_data(*inputs[:4])
    ref = write_ldavis(res.state, tmp_path / "ref.html", title=TITLE).read_text(encoding="utf-8")
    assert render_inputs(*inputs) == ref


def test_author_topics(seed_body_units, csl_units):
    units = list(seed_body_units)
    for u in csl_units[:60]:
        units.append(TopicUnit(u.doc_id, u.unit_id, u.tokens, u.text, authors=[u.journal or "x"]))
    rows = author_topics(units, {"k": 5})
    share: dict[str, float] = {}
    for r in rows:
        share[r["author"]] = share.get(r["author"], 0.0) + r["weight"]
    assert "陈灏" in share and "钟锦宸" in share
    assert len({(r["author"], r["topic_id"]) for r in rows}) == len(rows)  # one row per (author, topic)
    assert all(0.9 <= s <= 1.01 for s in share.values())  # each author's topics share out their words
    assert rows == author_topics(units, {"k": 5})


def test_kleinberg_finds_the_burst_years():
    d = [100] * 9
    r = [5, 4, 6, 5, 30, 35, 5, 4, 6]
    assert kleinberg(r, d) == [0, 0, 0, 0, 1, 1, 0, 0, 0]
    assert kleinberg([5] * 9, d) == [0] * 9


def test_bursts_on_real_years(csl_units):
    from pipeline.models.topics_bursts import term_bursts

    # a concept that only the 2016 slice of real abstracts uses must burst there and nowhere else
    units = [TopicUnit(u.doc_id, u.unit_id, list(u.tokens), u.text, year=u.year)
             for u in csl_units[:700]]
    for u in units:
        if u.year == 2016 and int(u.doc_id[3:]) % 2 == 0:
            u.tokens.append("金融帝国主义")
    texts = [u.tokens for u in units]
    rows = term_bursts(units, texts, ["金融帝国主义", "研究"], {})
    hit = [b for b in rows if b["term"] == "金融帝国主义"]
    assert [(b["start"], b["end"]) for b in hit] == [(2016, 2016)]
    assert hit[0]["weight"] > 0
    assert term_bursts(units[:50], texts[:50], ["金融帝国主义"], {"burst_min_years": 99}) == []


def test_update_weighs_new_papers_as_papers(csl_units):
    """Folding in moves the topics by what the new documents weigh. gensim's default step after
    a fit let one abstract replace the top terms of half the topics of a 300-abstract model
    (top-10 overlap 0-2 on 4 of 8 topics) and ten abstracts all of them."""
    cfg = {"k": 8, "model": "lda"}
    res = fit_topics(csl_units[:300], cfg)
    before = {t["topic_id"]: t for t in res.topics}
    for n_new, least in ((1, 9), (10, 7)):
        after = {t["topic_id"]: t for t in update_topics(res.state, csl_units[300:300 + n_new], cfg).topics}
        overlap = [len(set(before[t]["top_terms"][:10]) & set(after[t]["top_terms"][:10])) for t in before]
        assert min(overlap) >= least, (n_new, overlap)


def test_an_update_measures_coherence_only_of_topics_whose_terms_changed(csl_units, monkeypatch):
    """c_v confirms each top term against the set of all of them, so reordering a topic's top
    terms leaves its figure (on real abstracts: equal to 1e-12); an update measures only the
    topics whose set of top terms it changed, and keeps the stored figure of the others."""
    from pipeline.models import topics as topics_mod
    from pipeline.models.topics_select import coherence

    res = fit_topics(csl_units[:300], {"k": 6, "model": "lda"})
    st = unpack(res.state)
    known = st["coh_topics"]
    tops = [list(t) for t in known["tops"]]
    n = min(10, min(len(t) for t in tops))
    _, forward = coherence([t[:n] for t in tops], st["coh_texts"], st["dictionary"], "c_v", n)
    _, backward = coherence([t[:n][::-1] for t in tops], st["coh_texts"], st["dictionary"], "c_v", n)
    assert forward == pytest.approx(backward, abs=1e-12)
    assert len(set(forward)) > 1  # figures that differ by topic: not a constant
    measured: list[list[str]] = []

    def spy(topics, *args, **kw):
        measured.extend(topics)
        return coherence(topics, *args, **kw)

    monkeypatch.setattr(topics_mod, "coherence", spy)
    order = list(range(len(tops)))
    moved = [t[:n][::-1] + t[n:] for t in tops]  # every topic reordered
    other = [w for w in st["dictionary"].token2id if w not in tops[0][:n]][0]
    moved[0] = [other] + tops[0][1:n] + tops[0][n:]  # and one topic with a new term
    stored = list(known["c_v"])
    per = topics_mod._topic_coherence(st, moved, order, 10)
    assert measured == [moved[0]]
    assert per[1:] == stored[1:]  # the stored figures, not measured again
    assert per[1:] == pytest.approx(backward[1:], abs=1e-12)
    assert per[0] == pytest.approx(coherence([moved[0][:n]], st["coh_texts"], st["dictionary"], "c_v", n)[1][0])


def test_top_terms_and_relevance_order_are_those_of_a_full_stable_sort(csl_units, csl_rows):
    """Topics are described from the heaviest terms of each row, found without sorting the whole
    vocabulary: the lists equal a stable sort of every row, ties (many in integer counts) in
    dictionary order, for any n; and a label pool comes out in the full relevance order."""
    import numpy as np

    from pipeline.models.topics_describe import in_relevance_order, relevance_scores
    from pipeline.models.topics_select import top_term_ids

    vocab: dict[str, int] = {}
    cats = sorted({r["category"] for r in csl_rows})
    rows = []
    for u, r in zip(csl_units, csl_rows):
        ids = [vocab.setdefault(w, len(vocab)) for w in u.tokens]
        rows.append((cats.index(r["category"]), ids))
    counts = np.zeros((len(cats), len(vocab)))
    for c, ids in rows:
        np.add.at(counts[c], ids, 1.0)
    assert (counts[0] == 1).sum() > 100  # ties: the test means something
    for n in (1, 10, 30, len(vocab) - 1, len(vocab), len(vocab) + 3):
        full = [list(np.argsort(-row, kind="stable")[:n]) for row in counts]
        assert [list(map(int, r)) for r in top_term_ids(counts, n)] == [list(map(int, r)) for r in full], n
    assert top_term_ids(counts, 0) == [[] for _ in cats]
    phi = (counts + 0.01) / (counts + 0.01).sum(axis=1, keepdims=True)
    tf = counts.sum(axis=0)
    scores = relevance_scores(phi, tf, 0.6)
    order = np.argsort(-scores, axis=1, kind="stable")
    for t in range(len(cats)):
        pool = top_term_ids(phi[t:t + 1], 30)[0]
        assert in_relevance_order(scores[t], pool) == [int(i) for i in order[t][np.isin(order[t], pool)]]


def test_sliding_window_counts_are_gensims(csl_units):
    """Coherence reads window counts made with numpy (models/coherence_counts.py): for CSL
    texts with an empty, a short and cut texts added, at the window sizes of c_v (110) and
    c_npmi (10) and a few others, the occurrence and pair counts and the number of windows are
    gensim's accumulator's, and so c_v and NPMI are gensim's figures to the last bit."""
    import numpy as np
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel
    from gensim.topic_coherence.text_analysis import WordOccurrenceAccumulator

    from pipeline.models.coherence_counts import sliding_window_counts
    from pipeline.models.topics_select import coherence

    texts = [u.tokens for u in csl_units[:300]]
    texts = texts + [[], texts[0][:3], texts[1][:9], texts[2][:10], texts[3][:11], texts[4] * 12]
    d = Dictionary(texts)
    frequent = [d[i] for i, _n in sorted(d.dfs.items(), key=lambda kv: (-kv[1], kv[0]))[:60]]
    topics = [frequent[i:i + 10] for i in range(0, 60, 10)]
    ids = {d.token2id[w] for t in topics for w in t}
    for window in (110, 10, 3, 1):
        theirs = WordOccurrenceAccumulator(ids, d).accumulate(texts, window)
        # a long text is counted in blocks of windows: the smallest blocks give the same counts
        for block_cells in (1 << 20, 100, 1):
            ours = sliding_window_counts(texts, ids, d, window, block_cells)
            assert ours.num_docs == theirs.num_docs
            assert np.array_equal(ours._occurrences, theirs._occurrences), (window, block_cells)
            assert (ours._co_occurrences != theirs._co_occurrences).nnz == 0, (window, block_cells)
    for measure in ("c_v", "c_npmi"):
        ref = CoherenceModel(topics=topics, texts=texts, dictionary=d, coherence=measure, topn=10, processes=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            want = [float(x) if np.isfinite(x) else 0.0 for x in ref.get_coherence_per_topic()]
        assert coherence(topics, texts, d, measure, 10)[1] == want, measure


def test_an_update_keeps_a_topics_label_while_its_terms_stay_in_the_pool(csl_units):
    """``topics.keep_labels``: after a fold-in, a topic keeps the label it had as long as every
    term of it is still among the topic's ``label_pool`` top terms; a label with a term that left
    the pool gives way to the fresh one; a refit, or keep_labels false, labels anew."""
    cfg = {"k": 8, "model": "lda"}
    res = fit_topics(csl_units[:300], cfg)
    new = csl_units[300:310]
    fresh = update_topics(res.state, new, {**cfg, "keep_labels": False})
    assert fresh.topics and all(t["label"] for t in fresh.topics)
    # what each topic was called before: its own pool's terms in another order (kept), or a
    # label holding a word the topic's pool does not hold (replaced)
    old = []
    for t in fresh.topics:
        if t["topic_id"] % 2 == 0:
            old.append("·".join(reversed(t["relevant_terms"][-3:])))
        else:
            old.append("·".join([t["relevant_terms"][0], "从未出现的词"]))
    kept = update_topics(res.state, new, cfg, old)
    for t, f, o in zip(kept.topics, fresh.topics, old):
        assert t["label"] == (o if t["topic_id"] % 2 == 0 else f["label"]), (t["topic_id"], t["label"], o)
    assert any("keep their label" in n for n in kept.notes)
    # everything but the labels is the same fold
    assert [{k: v for k, v in t.items() if k != "label"} for t in kept.topics] == \
        [{k: v for k, v in t.items() if k != "label"} for t in fresh.topics]
    assert kept.doc_topics == fresh.doc_topics
    assert update_topics(res.state, new, {**cfg, "keep_labels": False}, old).topics == fresh.topics


def test_topic_evidence_is_read_from_the_result_not_its_unpacked_state(csl_units, csl_rows, cut):
    """``topics_evidence.topic_evidence`` takes the fitted documents and tokens the result keeps
    (``fit_docs``, ``fit_tokens``), not the whole state unpacked (the model and every unit, the
    run's peak at 10,000 papers): the same figures as from the state, for a fit with units left
    out of it (metadata-only records) and for an update; a result stored without them is still
    read from its state."""
    import dataclasses

    from pipeline.models import topic_state
    from pipeline.models.topics_evidence import topic_evidence

    units = list(csl_units[:300])
    for n, r in enumerate(csl_rows[300:310]):  # title and keywords only: too short to be fitted
        units.append(TopicUnit(f"meta{n}", f"meta{n}", cut(r["title"]) + list(r["keywords"]), text=r["title"]))
    cfg = {"k": 8, "min_tokens": 20}
    res = fit_topics(units, cfg)
    upd = update_topics(res.state, [csl_units[300]], cfg)
    with_text = {u.doc_id for u in csl_units[:150]}
    thresholds = {"min_documents": 100, "min_tokens": 1000, "min_stability": 0.5}
    for r in (res, upd):
        assert r.fit_docs and len(r.fit_docs) < len({u.doc_id for u in units}) and r.fit_tokens > 1000
        old = dataclasses.replace(r, fit_docs=None, fit_tokens=0)  # as stored before
        assert topic_evidence(r, with_text, thresholds) == topic_evidence(old, with_text, thresholds)

    def refuse(state):
        raise AssertionError("the state was unpacked")

    orig = topic_state.unpack
    topic_state.unpack = refuse
    try:
        ev = topic_evidence(res, with_text, thresholds)
    finally:
        topic_state.unpack = orig
    assert ev.units == res.n_fit_units and ev.docs == len(res.fit_docs)
    assert ev.docs_with_text == len(set(res.fit_docs) & with_text) > 100
    assert "meta0" not in res.fit_docs


def test_passages_are_those_of_ranking_every_unit(csl_units):
    """A topic's passages rank only the units whose weight can round to the 0.05 floor: the same
    rows as ranking every unit of every topic, on weights with many ties and values around the
    floor (0.04995 rounds up to it, 0.049949 does not)."""
    import numpy as np

    from pipeline.models.topics_describe import passages

    units = csl_units[:600]
    rng = np.random.default_rng(7)
    weights = rng.dirichlet(np.full(8, 0.3), size=len(units))
    near = rng.random(weights.shape) < 0.1
    weights[near] = rng.choice([0.04995, 0.049949, 0.05, 0.0500049, 0.1, 0.04], size=int(near.sum()))

    def ranking_every_unit(per_topic: int, max_chars: int) -> list[dict]:
        rows = []
        for t in range(weights.shape[1]):
            idx = sorted(range(len(units)), key=lambda i: (-round(float(weights[i, t]), 4), units[i].unit_id))
            seen, n = set(), 0
            for i in idx:
                w = round(float(weights[i, t]), 4)
                if w < 0.05 or n >= per_topic:
                    break
                u = units[i]
                if not u.text or u.doc_id in seen and len(units) > per_topic * 4:
                    continue
                seen.add(u.doc_id)
                rows.append((t, n + 1, u.unit_id, w))
                n += 1
        return rows

    for per_topic in (3, 40, 400):
        got = [(r["topic_id"], r["rank"], r["unit_id"], r["weight"]) for r in passages(units, weights, per_topic, 80)]
        assert got == ranking_every_unit(per_topic, 80), per_topic
        assert len({r[0] for r in got}) == weights.shape[1]
    assert sum(1 for r in passages(units, weights, 400, 80) if r["weight"] == 0.05) > 10  # the floor's ties count
