"""Corpus stages beyond work identity: vectors, term candidates, concepts and co-occurrence.

Each is a reduce over the per-document parts of ``features.py``, streamed from the store, so no
stage holds the corpus's papers or tokens. Each result records the documents it covers
(``doc_ids``); with ``--update`` a stage folds in only the documents its stored result has not
seen, keeping the corpus-level choices of the last refit (vocabulary, IDF and SVD basis, term
candidates), and says so in its ``mode``/``notes``. A removed or changed document makes the
update a refit, since sums cannot be taken back apart reliably.
"""
from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterator
from typing import Any

from ..config import resolve


def content_sentences(content: dict[str, Any]) -> list[list[str]]:
    """Content tokens of the title, abstract and each body sentence of one document."""
    out = [content["title"].split(), content["abstract"].split()]
    out += [s.split() for para in content["paragraphs"] for s in para]
    return [s for s in out if s]


def doc_bag(content: dict[str, Any]) -> list[str]:
    return [t for s in content_sentences(content) for t in s]


def new_docs(ctx: Any, previous: dict[str, Any] | None) -> list[str] | None:
    """Documents to fold into ``previous``; None when the update must be a refit (a document the
    stored result covers is gone, or the result predates per-document bookkeeping)."""
    if previous is None or "doc_ids" not in previous:
        return None
    old = set(previous["doc_ids"])
    now = set(ctx.doc_ids)
    if old - now:
        ctx.log(f"update: {len(old - now)} document(s) removed or changed since the stored result: refit")
        return None
    return sorted(now - old)


# -- vectors: word2vec on a bounded sample, similar papers by LSA ----------------------------

def _key(doc_id: str, k: int) -> int:
    return zlib.crc32(f"{doc_id}:{k}".encode())


def sample_sentences(parts: Iterator[tuple[str, dict[str, Any]]], max_tokens: int, on_doc: Any = None
                     ) -> list[list[str]]:
    """Bottom-k sample of sentences by a stable hash, at most ``max_tokens`` tokens: the same
    sentences whatever the order documents arrive in, and memory bounded by the sample, not the
    corpus. ``on_doc(doc_id, content)`` sees every document on the way (one pass for all uses)."""
    heap: list[tuple[int, str, int, list[str]]] = []  # max-heap by hash (negated)
    total = 0
    for d, part in parts:
        content = part["content"]
        if on_doc is not None:
            on_doc(d, content)
        for k, s in enumerate(content_sentences(content)):
            h = _key(d, k)
            if total + len(s) <= max_tokens or (heap and -heap[0][0] > h):
                heapq.heappush(heap, (-h, d, k, s))
                total += len(s)
                while total > max_tokens and heap:
                    total -= len(heapq.heappop(heap)[3])
    return [s for _h, _d, _k, s in sorted(heap, key=lambda x: (x[1], x[2]))]


def compute_vectors(ctx: Any) -> dict[str, Any]:
    """word2vec over a sample of the corpus's sentences (one worker, fixed seed), a second model
    on the same sample with ``stability_seed`` (the neighbour gate compares them), and the
    similar-papers table."""
    import time

    from ..models.lsa import LsaIndex

    w2 = ctx.cfg["vectors"]["word2vec"]  # validated and complete (pipeline.settings)
    lsa = LsaIndex(ctx.cfg["vectors"]["lsa"])
    sents = sample_sentences(ctx.iter_part("feat.content"), w2["max_tokens"], on_doc=lambda d, c: lsa.add(d, doc_bag(c)))
    model = check = None
    stats: dict[str, Any] = {"tokens": sum(len(s) for s in sents), "sentences": len(sents)}
    why_not = word2vec_shortfall(sents, w2)
    if why_not is None:
        t = time.perf_counter()
        model, check = train_pair(sents, w2)
        stats.update(vocab=len(model.wv), seconds=round(time.perf_counter() - t, 2))
        ctx.log(f"vectors: word2vec on {stats['tokens']:,} tokens, seeds {w2['seed']} and {w2['stability_seed']} "
                f"one after the other: {stats['seconds']} s")
    else:
        ctx.log(f"vectors: {why_not}")
    lsa.fit()
    return {"w2v": model, "w2v_check": check, "w2v_stats": stats, "lsa": lsa, "similar": lsa.similar(),
            "docs": lsa.doc_ids, "doc_ids": list(ctx.doc_ids), "mode": "refit",
            "notes": {"word2vec": why_not} if why_not else {}}


def train_pair(sents: list[list[str]], w2: dict[str, Any]) -> tuple[Any, Any]:
    """The word2vec model and its stability twin (``stability_seed``) on the same sentences, one
    after the other: the twin doubles word2vec's time, which the sample bounds (about 12 s more at
    the 150,000-token cap). Trained in two threads they were no faster here, and inside a run
    thirty times slower (gensim's job queues of two models contending for the GIL)."""
    from ..models.vectors import train_word2vec

    return tuple(train_word2vec(sents, vector_size=w2["vector_size"], window=w2["window"], min_count=w2["min_count"],
                                seed=seed, workers=1, epochs=w2["epochs"]) for seed in (w2["seed"], w2["stability_seed"]))


def word2vec_shortfall(sents: list[list[str]], w2: dict[str, Any]) -> str | None:
    """Why no word2vec model is trained on these sentences, or None when one can be: below
    ``vectors.word2vec.min_tokens`` the neighbours would be noise, and a vocabulary where no
    word reaches ``min_count`` is one gensim refuses to train on at all."""
    from collections import Counter

    n = sum(len(s) for s in sents)
    need = w2["min_tokens"]
    if n < need:
        return f"too little text for a word2vec model: {n:,} tokens, needs {need:,} (vectors.word2vec.min_tokens)"
    min_count = w2["min_count"]
    counts = Counter(t for s in sents for t in s)
    if not any(c >= min_count for c in counts.values()):
        return f"no word occurs {min_count} times, so word2vec has no vocabulary (vectors.word2vec.min_count)"
    return None


def update_vectors(ctx: Any, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: train the stored word2vec on the new documents' sentences; project them into
    the stored LSA space and merge them into the similar-papers table."""
    todo = new_docs(ctx, previous)
    model, lsa = previous.get("w2v"), previous.get("lsa")
    if todo is None or model is None or lsa is None:
        return compute_vectors(ctx)
    sents: list[list[str]] = []
    bags = []
    for d, part in ctx.iter_part("feat.content", todo):
        sents += content_sentences(part["content"])
        bags.append((d, doc_bag(part["content"])))
    check = previous.get("w2v_check")
    if sents:
        for m in (model, check):  # both seeds see the same new sentences, so the gate still compares like with like
            if m is not None:
                m.build_vocab(sents, update=True)
                m.train(sents, total_examples=len(sents), epochs=m.epochs)
    lsa.fold_in(bags)
    return {"w2v": model, "w2v_check": check, "w2v_stats": previous.get("w2v_stats") or {}, "lsa": lsa,
            "similar": lsa.similar(), "docs": lsa.doc_ids, "doc_ids": list(ctx.doc_ids), "mode": "update"}


# -- term candidates -----------------------------------------------------------------------

def _years(ctx: Any) -> dict[str, Any]:
    return {h["doc_id"]: h["meta"].get("year") or h["meta"].get("year_inferred") for h in ctx.papers}


def _counted_texts(part: dict[str, Any]) -> list[str]:
    """The normalized texts a term is counted in: title, abstract and body sentences, then
    keywords, headings and footnotes (a coinage quoted in a note is a use too)."""
    return part["norm"] + part["norm_other"]


def _example_of(ctx: Any):
    from .features import _other_texts, sentence_texts

    def original(p: dict[str, Any]) -> list[str]:  # the texts of _counted_texts, in its order
        return sentence_texts(p) + [t for t in _other_texts(p) if t]

    def get(wanted: list[tuple[str, int]]) -> list[str]:
        texts = {p["doc_id"]: original(p) for p in ctx.iter_papers(sorted({d for d, _k in wanted}))}
        return [texts[d][k].strip() if d in texts and k < len(texts[d]) else "" for d, k in wanted]
    return get


def compute_terms(ctx: Any) -> dict[str, Any]:
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

    def __init__(self, ctx: Any, registry: Any, memo: dict[str, bool]) -> None:
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


def update_terms(ctx: Any, previous: dict[str, Any]) -> dict[str, Any]:
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


# -- concepts ------------------------------------------------------------------------------

def compute_concept_stage(ctx: Any) -> dict[str, Any]:
    from ..concepts.compute import concepts_from_parts

    return concepts_from_parts(ctx, None)


def update_concept_stage(ctx: Any, previous: dict[str, Any]) -> dict[str, Any]:
    from ..concepts.compute import concepts_from_parts

    todo = new_docs(ctx, previous)
    if todo is None or "cooc_state" not in previous:
        return concepts_from_parts(ctx, None)
    return concepts_from_parts(ctx, previous, todo)


def term_rows(terms: Any) -> list[dict[str, Any]]:
    """The ranked rows of a terms result (a dict since results carry their update state)."""
    if isinstance(terms, dict):
        return terms.get("rows") or []
    return list(terms or [])
