"""No stage worse than linear (issue 13): each path that was quadratic on an adversarial shape.

Work is counted, not timed: ``executed_lines`` counts the Python lines a call runs (a
deterministic counter, the same on a loaded machine), and doubling the input must not more
than ~2.5x it; a quadratic path gives ~4x. The shapes are made of the seed's own text.
The figures at full size (a 15 MB line, 5,000 notes, ...) are printed by ``bench/adversarial.py``.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from conftest import SEED

CONCEPT = "数字资本"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def executed_lines(fn, *args, **kw) -> int:
    """Python lines executed by ``fn(*args, **kw)`` (every frame it calls)."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn(*args, **kw)
    finally:
        sys.settrace(old)
    return count


def assert_linear(work_small: int, work_double: int) -> None:
    assert work_double <= 2.5 * work_small, f"doubling the input took {work_double / work_small:.2f}x the work"


@pytest.fixture(scope="module")
def seed_text() -> tuple[list[str], list[str]]:
    """Body lines and footnote texts of the seed."""
    body, notes = [], []
    for ln in SEED.read_text(encoding="utf-8").splitlines():
        ln = ln.strip()
        if re.match(r"^\^?[①-⑳]", ln):
            notes.append(re.sub(r"^\^?[①-⑳]\s*", "", ln))
        elif len(ln) > 60:
            body.append(re.sub(r"\^?[①-⑳]", "", ln))  # the shapes place their own markers
    return body, notes


@pytest.fixture(scope="module")
def features_env():
    """The features stage's worker state and a segmenter, as the runner sets them up."""
    from pipeline.config import load_config
    from pipeline.runner import stages
    from pipeline.runner.features import init_features
    from pipeline.runner.run import features_initargs, segment_initargs

    cfg = load_config()
    stages.init_segment(*segment_initargs(cfg))
    init_features(*features_initargs(cfg))
    return cfg


def _paper(tmp_path: Path, name: str, text: str) -> dict:
    from pipeline.runner.stages import parse_file

    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    res = parse_file((str(f), name))
    assert "papers" in res, res
    return res["papers"][0]


def _features(paper: dict) -> dict:
    from pipeline.runner.features import doc_features
    from pipeline.runner.stages import segment_paper

    tokens = segment_paper(paper)["tokens"]
    out = doc_features((paper, tokens))
    assert "error" not in out, out
    return out


def _concept_line(body: list[str], n: int) -> str:
    """One line without sentence punctuation: the concept among prose, as OCR text gives it."""
    prose = [re.sub(r"[。！？；，、：“”（）《》\s]", "", p)[:40] for p in body]
    return "".join(CONCEPT + prose[i % len(prose)] for i in range(n)) + "\n"


def test_mentions_of_a_long_line_cost_linear_work(tmp_path, seed_text, features_env):
    """The features stage on one line holding n and 2n mentions (attach_context gave each
    mention the content tokens of the whole line: quadratic)."""
    small = _paper(tmp_path, "a.txt", _concept_line(seed_text[0], 150))
    double = _paper(tmp_path, "b.txt", _concept_line(seed_text[0], 300))
    _features(small)  # warm: stopword decisions and lazy imports are not the paper's work
    assert_linear(executed_lines(_features, small), executed_lines(_features, double))


def test_mentions_of_a_long_sentence_show_their_window(tmp_path, seed_text, features_env):
    """A sentence over concepts.max_sentence_chars is shown as each mention's KWIC window, and
    its context words are the window's; the stored part grows with what varies."""
    from pipeline.concepts.compact import compact_mentions as _compact
    from pipeline.concepts.mentions import kwic_of
    from pipeline.concepts.packed import unpack_rows

    width = features_env["report"]["kwic_width"]
    paper = _paper(tmp_path, "a.txt", _concept_line(seed_text[0], 300))
    (sentence,) = [s["text"] for sec in paper["sections"] for para in sec["sentences"] for s in para]
    assert len(sentence) > features_env["concepts"]["max_sentence_chars"]
    out = _features(paper)
    ms = _compact(unpack_rows(out["feat.concepts"]["mentions"]))
    assert len([m for m in ms if m["concept"] == CONCEPT]) >= 300
    for m in ms:
        k = kwic_of(m)
        assert len(m["sentence"]) <= 2 * width + len(k["match"]) + 2
        assert m["sentence"].strip("…") == k["left"] + k["match"] + k["right"]
        assert sentence.find(k["left"] + k["match"] + k["right"]) >= 0
        # the context is the words of the window (and the two it cuts): none from far away
        window = k["left"] + k["match"] + k["right"]
        at = sentence.find(window)
        near = sentence[max(0, at - 8):at + len(window) + 8]
        assert m["context_tokens"] and all(t in near for t in m["context_tokens"])
    assert "context_span" not in ms[0]
    # a line of the concept alone: one window repeated, stored as one value and a run
    alone = _features(_paper(tmp_path, "c.txt", CONCEPT * 2000 + "\n"))["feat.concepts"]["mentions"]
    assert alone["n"] == 2000
    assert len(json.dumps(alone, ensure_ascii=False)) < 5000


def test_seed_mentions_pack_and_unpack_unchanged(seed_path, features_env):
    """The stored columns give back the very mentions the features stage found."""
    from pipeline.api import parse
    from pipeline.concepts.mentions import find_mentions
    from pipeline.concepts.packed import pack_rows, unpack_rows
    from pipeline.text.registry import load_registry

    ms = find_mentions(parse(seed_path).to_store_dict(), load_registry())
    assert len(ms) > 100
    assert json.loads(json.dumps(unpack_rows(json.loads(json.dumps(pack_rows(ms)))))) == json.loads(json.dumps(ms))


def test_one_long_sentence_is_tokenized_once(tmp_path, seed_text, features_env, monkeypatch):
    """Mentions of one sentence under the length limit share one tokenization of it."""
    import pipeline.text.stopwords as sw
    from pipeline.concepts.compute import attach_context
    from pipeline.concepts.mentions import find_mentions
    from pipeline.runner.features import _state
    from pipeline.runner.stages import segment_paper

    paper = _paper(tmp_path, "a.txt", _concept_line(seed_text[0], 20))
    tokens = segment_paper(paper)["tokens"]
    ms = find_mentions(paper, _state["registry"], cfg=features_env)
    assert len(ms) >= 20 and len({m["sentence"] for m in ms}) == 1
    calls = []
    real = sw.is_content
    monkeypatch.setattr(sw, "is_content", lambda t, stop: calls.append(t) or real(t, stop))
    attach_context(ms, {paper["doc_id"]: tokens}, _state["registry"], features_env)
    assert len(calls) == len(set(tokens["paragraphs"][0][0].split()))  # each token decided once
    assert all(m["context_tokens"] == ms[0]["context_tokens"] for m in ms)


def _notes_paper(body: list[str], notes: list[str], n_pages: int, per_page: int = 5) -> str:
    """Pages as the seed lays them out: a paragraph with markers ^① …, then that page's notes."""
    out = ["论数字资本\n\n陈 灏\n\n一、引言\n"]
    for page in range(n_pages):
        text = body[page % len(body)]
        cut = max(1, len(text) // (per_page + 1))
        out.append("".join(text[k * cut:(k + 1) * cut] + f"^{CIRCLED[k]}" for k in range(per_page))
                   + text[per_page * cut:] + "\n")
        out += [f"{CIRCLED[k]} {notes[(page * per_page + k) % len(notes)]}\n" for k in range(per_page)]
    return "\n".join(out)


def test_footnote_linking_is_linear_in_pages(seed_text):
    """Markers restarting on every page are aligned to pages (was O(runs x pages^2))."""
    from pipeline.structure.footnotes import FootPage, Marker, link_markers

    def case(n_pages: int):
        pages = [FootPage({k: p * 5 + k for k in range(1, 6)}) for p in range(n_pages)]
        markers = [Marker(k, CIRCLED[k - 1], p) for p in range(n_pages) for k in range(1, 6)]
        return markers, pages

    m, p = case(2)
    link_markers(m, p)
    assert [x.n for x in m] == list(range(1, 11))
    assert_linear(executed_lines(link_markers, *case(100)), executed_lines(link_markers, *case(200)))


def test_paper_of_many_notes_links_every_marker(tmp_path, seed_text):
    from pipeline.runner.stages import init_parse

    init_parse(None, {})
    paper = _paper(tmp_path, "notes.txt", _notes_paper(*seed_text, n_pages=200))
    assert len(paper["footnotes"]) == 1000
    ns = [c["n"] for c in paper["citations"]]
    # every marker linked, each to its own note, in page order (one page's paragraph is cut
    # where the body parser takes it for a heading: 5 notes uncited, as before the rewrite)
    assert len(ns) >= 990 and ns == sorted(set(ns)) and None not in ns


def test_sentence_cuts_are_linear_with_unclosed_quotations():
    from pipeline.structure.sentences import split_sentences

    def stray(n: int) -> str:  # openers the OCR never closed, then closers of another kind
        return "《" * n + "数字资本”" * n + "。"

    def unclosed(n: int) -> str:  # an opener that never closes before each full stop
        return "（数字资本。" * n

    for shape in (stray, unclosed):
        assert_linear(executed_lines(split_sentences, shape(300)), executed_lines(split_sentences, shape(600)))
    assert split_sentences("他说：“我来了。你呢？”然后走了。") == ["他说：“我来了。你呢？”", "然后走了。"]


def test_glossed_concepts_are_matched_in_linear_work():
    """Gloss hits were checked against every plain hit of the sentence."""
    from pipeline.concepts.matcher import ConceptMatcher
    from pipeline.text.registry import load_registry

    matcher = ConceptMatcher(load_registry())
    line = "中心（工业国）—散点与数字资本"
    assert any(h.concept == "中心—散点" for h in matcher.find(line))
    assert_linear(executed_lines(matcher.find, line * 200), executed_lines(matcher.find, line * 400))


def test_long_reference_note_attributes_each_mention_to_its_reference(tmp_path, seed_text, features_env):
    """A footnote of references run together: each mention is attributed to the reference that
    holds it (all of them for every mention was mentions x references)."""
    from pipeline.concepts.mentions import find_mentions
    from pipeline.runner.features import _state
    from pipeline.runner.stages import init_parse

    init_parse(None, {})
    refs = [n.rstrip("。") + "；" for n in seed_text[1] if "《" in n and CONCEPT in n]
    assert refs

    def paper(n: int) -> dict:
        note = "".join(refs[i % len(refs)] for i in range(n))
        return _paper(tmp_path, f"r{n}.txt", f"论数字资本\n\n陈 灏\n\n一、引言\n\n{seed_text[0][0]}^①\n\n① {note}\n")

    small, double = paper(40), paper(80)
    ms = find_mentions(double, _state["registry"], cfg=features_env)
    fn = [m for m in ms if m["where"] == "footnote"]
    assert len(fn) >= 80
    assert all(len(m["attributed"]) == 1 for m in fn)
    held = [m for m in fn if m["in_ref"] is not None]
    assert len(held) >= len(fn) // 2
    assert all(m["attributed"][0]["ref_index"] == m["in_ref"] for m in held)
    run = lambda p: find_mentions(p, _state["registry"], cfg=features_env, matcher=_state["matcher"])  # noqa: E731
    run(small)
    assert_linear(executed_lines(run, small), executed_lines(run, double))


def test_references_with_many_urls_split_in_linear_work(seed_text):
    """A note of references run together, with URLs: each character looked through every URL."""
    from pipeline.refs import parse_references
    from pipeline.refs.names import default_aliases

    with_url = [n.rstrip("。") + "；" for n in seed_text[1] if "http" in n]
    assert with_url
    aliases = default_aliases()
    parse_references(with_url[0], aliases)  # warm: OpenCC and the alias table load once

    def note(n: int) -> str:
        return "".join(with_url[i % len(with_url)] for i in range(n))

    assert len(parse_references(note(4), aliases)) >= 3
    assert_linear(executed_lines(parse_references, note(60), aliases),
                  executed_lines(parse_references, note(120), aliases))


def test_a_notes_attribution_is_built_once(tmp_path, seed_text, features_env, monkeypatch):
    """Each sentence of a long note rebuilt the attribution of every reference of the note."""
    import pipeline.concepts.mentions as mentions_mod
    from pipeline.runner.features import _state
    from pipeline.runner.stages import init_parse

    init_parse(None, {})
    refs = [n for n in seed_text[1] if "《" in n and CONCEPT in n]
    note = "".join(refs[i % len(refs)] for i in range(60))
    paper = _paper(tmp_path, "n.txt", f"论数字资本\n\n陈 灏\n\n一、引言\n\n{seed_text[0][0]}^①\n\n① {note}\n")
    calls = []
    real = mentions_mod.attribution_for_footnote
    monkeypatch.setattr(mentions_mod, "attribution_for_footnote", lambda f, n: calls.append(n) or real(f, n))
    ms = mentions_mod.find_mentions(paper, _state["registry"], cfg=features_env)
    assert len({m["sentence_index"] for m in ms if m["where"] == "footnote"}) >= 30
    assert len(calls) <= len(paper["footnotes"])
