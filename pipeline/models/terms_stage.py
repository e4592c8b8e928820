"""The ``terms`` corpus stage: ranked candidates for new terms (quoted coinages, dash compounds,
statistical phrases), counted over the whole corpus (``text/terms.py`` holds the counting and
ranking). Marked candidates come from every document's ``feat.terms`` part; phrase statistics
from a bounded, stable sample of sentences (``models/sample.py``); ``--update`` counts the known
candidates in the new documents only."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def _example_of(ctx: StageContext) -> Callable[[list[tuple[str, int]]], list[str]]:
    from ..structure.texts import other_texts, sentence_texts

    def original(p: dict[str, Any]) -> list[str]:  # the texts of _counted_texts, in its order
        return sentence_texts(p) + [t for t in other_texts(p) if t]

    def get(wanted: list[tuple[str, int]]) -> list[str]:
        texts = {p["doc_id"]: original(p) for p in ctx.iter_papers(sorted({d for d, _k in wanted}))}
        return [texts[d][k].strip() if d in texts and k < len(texts[d]) else "" for d, k in wanted]
    return get


def compute_terms(ctx: StageContext) -> dict[str, Any]:
    """Ranked new-term candidates (quoted coinages, dash compounds, statistical phrases).

    Marked candidates come from every document; phrase statistics (NPMI of adjacent tokens) from
    a bounded, stable sample of sentences (``terms.max_tokens``), so time and memory stay flat
    on a large corpus; every candidate is then counted over the whole corpus."""
    from collections import Counter, defaultdict

    from ..text.registry import load_registry
    from ..text.stopwords import load_stopwords
    from ..text.terms import TermCounter, _phrase_candidates, rank_candidates, term_settings

    reg = load_registry(str(resolve(ctx.cfg, ctx.cfg["concepts"]["registry"])))
    min_count, min_npmi, share = term_settings(ctx.cfg)
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
    counts = TermCounter(sorted(kinds))
    years = _years(ctx)
    for d, part in ctx.iter_part("feat.content"):
        counts.add(d, years.get(d), _counted_texts(part))
    has_word = _DictWords(ctx, reg, {})
    rows = rank_candidates(kinds, marked, npmi, counts, has_word, reg, min_count, share, 200, _example_of(ctx))
    return {"rows": rows, "dict_words": has_word.memo, "kinds": {k: sorted(v) for k, v in kinds.items()}, "marked": dict(marked), "npmi": npmi,
            "freq": dict(counts.freq), "n_docs": dict(counts.n_docs), "first": counts.first,
            "doc_ids": list(ctx.doc_ids), "mode": "refit"}


class _DictWords:
    """Whether the segmenter's dictionary keeps a term whole, remembered per term: building the
    segmenter loads jieba's dictionary (about a second), which an update with no new candidate
    then never pays."""

    def __init__(self, ctx: StageContext, registry: Registry, memo: dict[str, bool]) -> None:
        self.ctx, self.registry, self.memo, self.seg = ctx, registry, memo, None

    def __call__(self, term: str) -> bool:
        if term not in self.memo:
            if self.seg is None:
                from ..text.segment import Segmenter

                self.seg = Segmenter(self.ctx.cfg, registry=self.registry)  # whole config: paths resolve against _root
            self.memo[term] = bool(self.seg.backend.has_word(term))
        return self.memo[term]


def _raw_content(tokens: dict[str, Any]) -> dict[str, Any]:
    """Segment results in the shape content_sentences reads (phrase mining wants raw tokens:
    its runs may hold the particles 的/之 that content filtering drops)."""
    return {"title": tokens["title"], "abstract": tokens["abstract"], "paragraphs": tokens["paragraphs"]}


def update_terms(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: the new documents' marked candidates join; every known candidate is counted
    in the new documents. Phrase statistics stay those of the last refit."""
    from collections import Counter

    from ..text.registry import load_registry
    from ..text.terms import TermCounter, rank_candidates, term_settings

    todo = new_docs(ctx, previous)
    if todo is None or "kinds" not in previous:
        return compute_terms(ctx)
    reg = load_registry(str(resolve(ctx.cfg, ctx.cfg["concepts"]["registry"])))
    min_count, _min_npmi, share = term_settings(ctx.cfg)
    kinds = {k: set(v) for k, v in previous["kinds"].items()}
    marked = Counter(previous["marked"])
    for _d, part in ctx.iter_part("feat.terms", todo):
        for t, ks in part["kinds"].items():
            kinds.setdefault(t, set()).update(ks)
        marked.update(part["marked"])
    counts = TermCounter(sorted(kinds))
    counts.freq.update(previous["freq"])
    counts.n_docs.update(previous["n_docs"])
    counts.first.update({k: tuple(v) for k, v in previous["first"].items()})
    years = _years(ctx)
    for d, part in ctx.iter_part("feat.content", todo):
        counts.add(d, years.get(d), _counted_texts(part))
    has_word = _DictWords(ctx, reg, dict(previous.get("dict_words") or {}))
    rows = rank_candidates(kinds, marked, previous["npmi"], counts, has_word, reg, min_count, share, 200,
                           _example_of(ctx))
    return {**previous, "rows": rows, "dict_words": has_word.memo, "kinds": {k: sorted(v) for k, v in kinds.items()}, "marked": dict(marked),
            "freq": dict(counts.freq), "n_docs": dict(counts.n_docs), "first": counts.first,
            "doc_ids": list(ctx.doc_ids), "mode": "update"}


def term_rows(terms: Any) -> list[dict[str, Any]]:
    """The ranked rows of a terms result (a dict since results carry their update state)."""
    if isinstance(terms, dict):
        return terms.get("rows") or []
    return list(terms or [])
