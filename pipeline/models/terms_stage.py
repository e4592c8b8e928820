"""The ``terms`` corpus stage: ranked candidates for new terms (quoted coinages, dash compounds,
statistical phrases), counted over the whole corpus (``text/terms.py`` holds the counting and
ranking). Marked candidates come from every document's ``feat.terms`` part; phrase statistics
from a bounded, stable sample of sentences (``models/sample.py``); ``--update`` counts the known
candidates in the new documents only."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..config import resolve
from ..context import StageContext
from ..text.registry import Registry
from .fold import new_docs
from .sample import sample_sentences


def _years(ctx: StageContext) -> dict[str, Any]:
    return {h["doc_id"]: h["meta"].get("year") or h["meta"].get("year_inferred") for h in ctx.papers}


def _counted_texts(part: dict[str, Any]) -> list[str]:
    """The normalized texts a term is counted in: title, abstract and body sentences, then
    keywords, headings and footnotes (a coinage quoted in a note is a use too)."""
    return part["norm"] + part["norm_other"]


def _example_of(ctx: StageContext, known: dict[tuple[str, int], str] | None = None
                ) -> Callable[[list[tuple[str, int]]], list[str]]:
    """The original text of text k of each (doc_id, k), reading only the papers whose texts are
    not in ``known`` (the previous result's examples: an unchanged paper is not read again)."""
    from ..structure.texts import other_texts, sentence_texts

    def original(p: dict[str, Any]) -> list[str]:  # the texts of _counted_texts, in its order
        return sentence_texts(p) + [t for t in other_texts(p) if t]

    def get(wanted: list[tuple[str, int]]) -> list[str]:
        have = dict(known or {})
        todo = sorted({d for d, k in wanted if (d, k) not in have})
        for p in ctx.iter_papers(todo) if todo else ():
            texts = original(p)
            have.update({(p["doc_id"], k): texts[k] for d, k in wanted if d == p["doc_id"] and k < len(texts)})
        return [have[(d, k)].strip() if (d, k) in have else "" for d, k in wanted]
    return get


def compute_terms(ctx: StageContext) -> dict[str, Any]:
    """Ranked new-term candidates (quoted coinages, dash compounds, statistical phrases).

    Marked candidates come from every document; phrase statistics (NPMI of adjacent tokens) from
    a bounded, stable sample of sentences (``terms.max_tokens``), so time and memory stay flat
    on a large corpus; every candidate is then counted over the whole corpus."""
    from collections import Counter, defaultdict

    from ..text.stopwords import load_stopwords
    from ..text.terms import TermState, _phrase_candidates, term_settings

    min_count, min_npmi, _share = term_settings(ctx.cfg)
    stop = load_stopwords(ctx.cfg)
    kinds: dict[str, set[str]] = defaultdict(set)
    marked: Counter[str] = Counter()
    for _d, part in ctx.iter_part("feat.terms"):
        for t, ks in part["kinds"].items():
            kinds[t].update(ks)
        marked.update(part["marked"])
    max_tokens = ctx.cfg["terms"]["max_tokens"]
    sample = sample_sentences(((d, {"content": _raw_content(t)}) for d, t in ctx.iter_tokens()), max_tokens)
    npmi = _phrase_candidates(sample, stop, min_count, min_npmi)
    del sample
    for t in npmi:
        kinds[t].add("phrase")
    return _count_and_rank(ctx, TermState.new(kinds, marked, npmi), None, {}, "refit")


_FEW = 10  # up to this many documents to count, a dict lookup per substring beats building the automaton


def _count_and_rank(ctx: StageContext, state: Any, todo: list[str] | None,
                    known: dict[tuple[str, int], str], mode: str) -> dict[str, Any]:
    """Count the state's candidates in ``todo`` (None: every document), rank, and build the result."""
    from ..text.registry import load_registry
    from ..text.terms import TermCounter, rank_candidates, term_settings

    reg = load_registry(str(resolve(ctx.cfg, ctx.cfg["concepts"]["registry"])))
    min_count, _min_npmi, share = term_settings(ctx.cfg)
    counts = TermCounter(state, few=todo is not None and len(todo) <= _FEW)
    years = _years(ctx)
    for d, part in ctx.iter_part("feat.content", todo):
        counts.add(d, years.get(d), _counted_texts(part))
    state = counts.done()
    has_word = _DictWords(ctx, reg, state)
    if todo is None:  # a refit asks the dictionary about every candidate: updates then need not
        has_word.ask_all()
    get = _example_of(ctx, known)
    shown: dict[tuple[str, int], str] = {}

    def example_of(wanted: list[tuple[str, int]]) -> list[str]:  # remembers the texts for the next update
        texts = get(wanted)
        shown.update(zip(wanted, texts))
        return texts

    rows = rank_candidates(state, has_word, reg, min_count, share, 200, example_of)
    examples = [[d, k, t] for (d, k), t in sorted(shown.items())]
    return {"rows": rows, "state": state.to_dict(), "examples": examples, "doc_ids": list(ctx.doc_ids), "mode": mode}


class _DictWords:
    """Whether the segmenter's dictionary keeps a term whole (a candidate it does is no new word):
    the answers are kept in the state (``TermState.dict_word``). A refit asks about every
    candidate at once (0.03 s for 107,000 at 1,000 papers, beside the 0.13 s of building the
    segmenter), so an ``--update`` builds no segmenter for a known candidate whose counts rise
    into the ranking; a new paper's marked candidates come answered by the worker that cut it
    (``features._dictionary_words``, put in the state by :func:`update_terms`). Asked here only
    otherwise: building the segmenter was 0.2 s of an update's critical path."""

    def __init__(self, ctx: StageContext, registry: Registry, state: Any) -> None:
        self.ctx, self.registry, self.state, self.seg = ctx, registry, state, None

    def _segmenter(self) -> Any:
        if self.seg is None:
            from ..text.segment import Segmenter

            self.seg = Segmenter(self.ctx.cfg, registry=self.registry)  # whole config: paths resolve against _root
        return self.seg

    def ask_all(self) -> None:
        has_word, terms = self._segmenter().backend.has_word, self.state.terms.tolist()
        self.state.dict_word = np.fromiter((has_word(t) for t in terms), dtype=np.int8, count=len(terms))

    def __call__(self, term: str) -> bool:
        i = self.state.index_of(term)
        if i is not None and self.state.dict_word[i] >= 0:
            return bool(self.state.dict_word[i])
        answer = bool(self._segmenter().backend.has_word(term))
        if i is not None:
            self.state.dict_word[i] = answer
        return answer


def _raw_content(tokens: dict[str, Any]) -> dict[str, Any]:
    """Segment results in the shape content_sentences reads (phrase mining wants raw tokens:
    its runs may hold the particles 的/之 that content filtering drops)."""
    return {"title": tokens["title"], "abstract": tokens["abstract"], "paragraphs": tokens["paragraphs"]}


def update_terms(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: the new documents' marked candidates join; every known candidate is counted
    in the new documents and summed with the stored counts. Phrase statistics stay those of the
    last refit; the dictionary's answers and the examples' texts are reused."""
    from collections import Counter

    from ..text.terms import TermState

    todo = new_docs(ctx, previous)
    if todo is None or "state" not in previous:
        return compute_terms(ctx)
    kinds: dict[str, set[str]] = {}
    marked: Counter[str] = Counter()
    hints: dict[str, bool] = {}
    for _d, part in ctx.iter_part("feat.terms", todo):
        for t, ks in part["kinds"].items():
            kinds.setdefault(t, set()).update(ks)
        marked.update(part["marked"])
        hints.update(part.get("dict") or {})
    state = TermState.from_dict(previous["state"]).merged(kinds, marked)
    # The answers known before ranking go into the state (kept for the updates after this one,
    # asked or not): the workers' for the new papers' marked candidates, and those a result
    # stored before ``dict_word`` kept by term.
    for t, answer in {**hints, **(previous.get("dict_words") or {})}.items():
        i = state.index_of(t)
        if i is not None and state.dict_word[i] < 0:
            state.dict_word[i] = bool(answer)
    known = {(d, int(k)): t for d, k, t in previous.get("examples") or []}
    return _count_and_rank(ctx, state, todo, known, "update")


def term_rows(terms: Any) -> list[dict[str, Any]]:
    """The ranked rows of a terms result (a dict since results carry their update state)."""
    if isinstance(terms, dict):
        return terms.get("rows") or []
    return list(terms or [])
