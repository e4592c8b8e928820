"""The spaCy Doc of each paper (issue 18): built in the features step, cached as a DocBin, read
back with ``pipeline.api.docs``; its concept spans are the seed's hand-labelled mentions."""
from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import DocBin, Span
from test_report import seed_report

from pipeline import api
from pipeline.concepts.doc_read import DocView, cooc_windows, mentions_from_doc
from pipeline.concepts.matcher import ConceptMatcher
from pipeline.concepts.mentions import find_mentions, iter_units
from pipeline.concepts.paper_doc import build_doc_view
from pipeline.config import load_config, resolve
from pipeline.runner import stages
from pipeline.text.protect import fast_normalize
from pipeline.text.registry import load_registry
from pipeline.text.docbin import doc_bin_bytes
from pipeline.text.spacy_doc import paper_vocab

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = SHARED / "gold" / "seed"
ORDER = {"title": 0, "abstract": 1, "keywords": 2, "body": 3, "footnote": 4}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def seed_doc():
    docs = api.docs(seed_report())
    assert len(docs) == 1
    return docs[0]


@pytest.fixture(scope="module")
def seed_paper():
    return api.parse(SEED).to_store_dict()


def test_seed_doc_concepts_are_the_gold_mentions(seed_doc, seed_paper) -> None:
    assert seed_doc.user_data["doc_id"] == seed_paper["doc_id"] == seed_doc._.doc_id
    assert seed_doc.user_data["source"].endswith(SEED.name)
    assert seed_doc.user_data["title"] == "数字化生产下金融帝国主义积累模式的新变化及其启示"
    gold = _jsonl(GOLD / "concepts.jsonl")
    concepts = {g["concept"] for g in gold}
    spans = [s for s in seed_doc.spans["concepts"] if s.label_ in concepts]
    assert len(spans) == len(gold) == 195
    # the gold is in file order: footnotes sit at the page feet between body lines, so it is
    # put in the Doc's reading order (title, abstract, keywords, body, footnotes by number)
    gold.sort(key=lambda g: (ORDER[g["where"]], (g["attributed_footnotes"] or [0])[0] if g["where"] == "footnote"
                             else 0, g["line"], g["col"]))
    got = [(s._.unit["where"], s.label_, s._.quoted, s._.variant) for s in spans]
    assert got == [(g["where"], g["concept"], g["quoted"], g["variant"]) for g in gold]
    # the surface as printed; the gold extends three of them over the word they form with it
    # (“数字—金融”复合体), and a glossed one is the span from its first to its last word
    assert all(s.text == g["surface"] or s.text in g["surface"] for s, g in zip(spans, gold))
    assert sum(s.text == g["surface"] for s, g in zip(spans, gold)) == 192
    # attribution: the footnote markers of a mention's sentence, read from the Doc's marker spans
    agree = 0
    for s, g in zip(spans, gold):
        if s._.unit["where"] == "footnote":  # its own note (none for the funding note)
            fns = [s._.unit["footnote_n"]] if s._.unit.get("footnote_n") else []
        else:
            fns = [m._.footnote for m in seed_doc.spans["markers"] if m.sent.start == s.sent.start]
        agree += sorted(set(fns)) == sorted(g["attributed_footnotes"])
    assert agree / len(gold) >= 0.97  # as tests/test_concepts.py requires of the mention finder


def test_seed_doc_sentences_are_the_parsers(seed_doc, seed_paper) -> None:
    units = list(iter_units(seed_paper))
    sents = list(seed_doc.sents)
    assert len(sents) == len(units)  # title, abstract, keywords, headings, body, funding, footnotes
    body = [s["text"] for sec in seed_paper["sections"] for para in sec["sentences"] for s in para]
    in_paras = [s.text for p in seed_doc.spans["paragraphs"] for s in p.sents]
    assert in_paras == body and len(body) == 178
    assert [s.label_ for s in seed_doc.spans["sections"]] == [sec["heading"] or "" for sec in seed_paper["sections"]]
    assert [int(f.label_) for f in seed_doc.spans["footnotes"]] == list(range(1, 78))
    assert seed_doc.text.startswith(seed_paper["meta"]["title"] + " " + seed_paper["meta"]["abstract"])


def test_seed_markers_point_to_their_footnotes(seed_doc, seed_paper) -> None:
    markers = list(seed_doc.spans["markers"])
    assert len(markers) == 77
    notes = {int(f.label_): f for f in seed_doc.spans["footnotes"]}
    parsed = {f["n"]: f for f in seed_paper["footnotes"]}
    for m in markers:
        n = m._.footnote
        assert notes[n].text == parsed[n]["text"]
        assert [r["raw"] for r in m._.refs] == [r["raw"] for r in parsed[n]["refs"]]
    gold = {g["n"]: g for g in _jsonl(GOLD / "markers.jsonl")}
    gold_refs = {f["n"]: [r["raw"] for r in f["refs"]] for f in _jsonl(GOLD / "footnotes.jsonl")}
    first = {}
    for m in markers:
        first.setdefault(m._.footnote, m)
    assert set(gold) <= set(first)
    assert sum(fast_normalize(first[n].sent.text) == fast_normalize(g["context"]) for n, g in gold.items()) == 38
    assert sum([r["raw"] for r in first[n]._.refs] == gold_refs[n] for n in gold_refs) == 38


@Language.component("litmap_concept_pairs")
def concept_pairs(doc):
    """A user's component: the sentences that name two different concepts."""
    sents = {}
    for s in doc.spans["concepts"]:
        sents.setdefault(s.sent.start, (s.sent, set()))[1].add(s.label_)
    doc.spans["concept_pairs"] = [Span(doc, sent.start, sent.end, label=" + ".join(sorted(names)))
                                  for sent, names in sents.values() if len(names) > 1]
    return doc


def test_a_user_component_runs_over_the_docs() -> None:
    import spacy

    nlp = spacy.blank("zh")
    nlp.add_pipe("litmap_concept_pairs")
    docs = list(nlp.pipe(api.docs(seed_report(), nlp=nlp)))
    pairs = docs[0].spans["concept_pairs"]
    assert len(pairs) == 90
    assert any("数字资本" in p.label_ and "金融帝国主义" in p.label_ for p in pairs)


def test_rows_read_from_the_doc_are_the_rows_found_in_the_paper() -> None:
    """On the seed, the works and headers corpora and CNKI/CSSCI records: the mention rows read
    from the Doc equal ``find_mentions``', the co-occurrence windows equal the segment tokens'
    (the outputs stay byte-identical), and both survive the DocBin."""
    cfg = load_config(None)
    stages.init_parse(str(resolve(cfg, cfg["refs"]["aliases"])), cfg["structure"], cfg["ingest"])
    stages.init_segment(cfg["segment"], str(resolve(cfg, cfg["concepts"]["registry"])),
                        str(resolve(cfg, cfg["segment"]["userdict"])))
    registry = load_registry(str(resolve(cfg, cfg["concepts"]["registry"])))
    matcher = ConceptMatcher(registry)
    files = [SEED, *random.Random(18).sample(sorted(p for p in (SHARED / "corpora").rglob("*") if p.is_file()), 12)]
    vocab = paper_vocab()
    n = 0
    for f in files:
        for paper in stages.parse_file((str(f), f.name)).get("papers", []):
            toks = stages.segment_paper(paper)["tokens"]
            doc, view = build_doc_view(paper, toks, matcher, vocab)
            found = json.dumps(find_mentions(paper, registry, cfg=cfg, matcher=matcher), ensure_ascii=False)
            assert json.dumps(mentions_from_doc(doc, cfg), ensure_ascii=False) == found, f
            old = [toks["title"].split(), toks["abstract"].split()] + [s.split() for p in toks["paragraphs"] for s in p]
            assert cooc_windows(doc, "sentence", view) == cooc_windows(doc) == old, f
            data = doc_bin_bytes(doc, view.strings())
            assert data == doc_bin_bytes(doc)  # the builder's strings are the Doc's
            back = next(iter(DocBin().from_bytes(data).get_docs(paper_vocab())))
            assert back.text == doc.text == view.text
            assert json.dumps(mentions_from_doc(back, cfg), ensure_ascii=False) == found, f
            assert DocView.of(back).norms == view.norms
            n += 1
    assert n >= 13


def test_a_paper_over_max_doc_tokens_gets_the_same_parts_without_a_doc() -> None:
    """``concepts.max_doc_tokens`` keeps a paper of millions of words (a 15 MB line) from being a
    Doc; its features are then read from the paper itself, and are the same."""
    import copy

    from pipeline.runner import features

    cfg = load_config(None)
    stages.init_parse(str(resolve(cfg, cfg["refs"]["aliases"])), cfg["structure"], cfg["ingest"])
    stages.init_segment(cfg["segment"], str(resolve(cfg, cfg["concepts"]["registry"])),
                        str(resolve(cfg, cfg["segment"]["userdict"])))
    paper = stages.parse_file((str(SEED), SEED.name))["papers"][0]
    item = (paper, stages.segment_paper(paper)["tokens"])

    def parts(c: dict) -> dict:
        sub = {k: c[k] for k in ("segment", "cooccurrence", "report", "concepts")}
        features.init_features(str(resolve(c, c["concepts"]["registry"])), {**sub, "_root": c.get("_root")})
        return features.doc_features(item)

    small = copy.deepcopy(cfg)
    small["concepts"]["max_doc_tokens"] = 1000
    with_doc, without = parts(cfg), parts(small)
    assert features.DOC_PART in with_doc and features.DOC_PART not in without
    assert json.dumps({k: with_doc[k] for k in features.PARTS}, ensure_ascii=False) == \
        json.dumps({k: without[k] for k in features.PARTS}, ensure_ascii=False)
