"""Word vectors for concept neighbours (similar papers are :mod:`pipeline.models.lsa`).

word2vec runs single-threaded with a fixed seed and a hash function that does not depend on
PYTHONHASHSEED (gensim seeds each word's initial vector with ``hashfxn(word + str(seed))``, and
Python's ``hash`` of a str changes per process), so the same sentences give the same vectors in
any process. The vectors corpus stage (``models/vectors_stage.py``) trains it on a stable sample.

    >>> stable_hash("数字资本") == stable_hash("数字资本")
    True
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import numpy as np
from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
from gensim.models import Word2Vec as _GensimWord2Vec


class Word2Vec(_GensimWord2Vec):
    """gensim's word2vec with a faster negative-sampling table, equal to gensim's.

    gensim rebuilds the table from the word counts in a Python loop that reads each count
    through ``get_vecattr``: 0.1 s per model of 13,000 words, paid twice per model on every
    ``--update`` (when the stored model is loaded, the table not being saved, and when the new
    sentences join its vocabulary). Here the counts are read as one array; the arithmetic is
    gensim's, on Python floats in the same order, so the table is the same to the last entry."""

    def make_cum_table(self, domain: int = 2**31 - 1) -> None:
        counts = np.asarray(self.wv.expandos["count"]).tolist() if len(self.wv.index_to_key) else []
        exponent = float(self.ns_exponent)
        # the running sums gensim's two loops make: its total is the last of them
        cumulative = list(accumulate(float(c) ** exponent for c in counts))
        total = cumulative[-1] if cumulative else 0.0
        self.cum_table = np.array([round(c / total * domain) for c in cumulative], dtype=np.uint32)
        if len(self.cum_table) > 0:
            assert self.cum_table[-1] == domain

    def prepare_vocab(self, update: bool = False, keep_raw_vocab: bool = False, trim_rule: Any = None,
                      min_count: int | None = None, sample: float | None = None, dry_run: bool = False) -> Any:
        """gensim's, but an update adds the new sentences' counts to their words alone.

        gensim's update branch reads and writes the count of every word of the vocabulary
        through ``get_vecattr``/``set_vecattr`` (a Python call pair per word: 0.09 s per model
        of 13,000 words, two models on every ``--update`` of one paper), adding 0 to all but
        the new sentences' words. This is that branch with the counts added where they change;
        the rest (sampling thresholds of the new sentences' words, the negative-sampling
        table) is gensim's, in the same order, so the model is the same (tested). Anything
        else (a fresh vocabulary, a dry run, ``max_final_vocab``, the null word, hierarchical
        softmax) is gensim's own method."""
        if not update or dry_run or self.max_final_vocab is not None or self.null_word or self.hs:
            return super().prepare_vocab(update=update, keep_raw_vocab=keep_raw_vocab, trim_rule=trim_rule,
                                         min_count=min_count, sample=sample, dry_run=dry_run)
        from gensim.utils import keep_vocab_item

        min_count = min_count or self.min_count
        sample = sample or self.sample
        self.effective_min_count = min_count
        wv = self.wv
        new_words, pre_exist_words = [], []
        new_total = pre_exist_total = drop_unique = 0
        for word, v in self.raw_vocab.items():
            if keep_vocab_item(word, v, self.effective_min_count, trim_rule=trim_rule):
                if wv.has_index_for(word):
                    pre_exist_words.append(word)
                    pre_exist_total += v
                else:
                    new_words.append(word)
                    new_total += v
                    wv.key_to_index[word] = len(wv.index_to_key)
                    wv.index_to_key.append(word)
            else:
                drop_unique += 1
        wv.allocate_vecattrs(attrs=["count"], types=[type(0)])  # the new words' counts start at 0
        counts = wv.expandos["count"]
        for word, v in self.raw_vocab.items():  # gensim adds raw_vocab.get(word, 0) to every word
            i = wv.key_to_index.get(word)
            if i is not None:
                counts[i] += v
        retain_words = new_words + pre_exist_words
        retain_total = new_total + pre_exist_total
        self.add_lifecycle_event("prepare_vocab", msg=f"added {len(new_words)} new unique words and increased the "
                                 f"count of {len(pre_exist_words)} pre-existing words (drops {drop_unique})")
        if not sample:
            threshold_count = retain_total
        elif sample < 1.0:
            threshold_count = sample * retain_total
        else:
            threshold_count = int(sample * (3 + np.sqrt(5)) / 2)
        downsample_total, downsample_unique = 0, 0
        for w in retain_words:
            v = self.raw_vocab[w]
            word_probability = (np.sqrt(v / threshold_count) + 1) * (threshold_count / v)
            if word_probability < 1.0:
                downsample_unique += 1
                downsample_total += word_probability * v
            else:
                word_probability = 1.0
                downsample_total += v
            wv.set_vecattr(w, "sample_int", np.uint32(word_probability * (2**32 - 1)))
        if not keep_raw_vocab:
            from collections import defaultdict

            self.raw_vocab = defaultdict(int)
        if self.negative:
            self.make_cum_table()
        return {"drop_unique": drop_unique, "retain_total": retain_total, "downsample_unique": downsample_unique,
                "downsample_total": int(downsample_total), "num_retained_words": len(retain_words)}


def stable_hash(text: str) -> int:
    """PYTHONHASHSEED-independent replacement for ``hash`` in word2vec (top-level: picklable)."""
    return zlib.crc32(text.encode("utf-8"))


def train_word2vec(sentences: Sequence[Sequence[str]], vector_size: int = 100, window: int = 5,
                   min_count: int = 2, seed: int = 1, workers: int = 1, epochs: int = 20,
                   sg: int = 1) -> Word2Vec:
    """word2vec for concept neighbours; ``workers=1`` keeps it reproducible across runs.

    Skip-gram (``sg=1``) by default: on a small academic corpus it gives better neighbours for
    rare concept words than CBOW.
    """
    sentences = [list(s) for s in sentences if s]
    return Word2Vec(sentences=sentences, vector_size=vector_size, window=window, min_count=min_count,
                    seed=seed, workers=workers, epochs=epochs, sg=sg, hashfxn=stable_hash)


def top_neighbours(kv: Any, term: str, k: int) -> list[tuple[str, float]]:
    """The ``k`` nearest words of ``term`` in a model's vectors ([] for a word it does not hold)."""
    return top_neighbour_lists(kv, [term], k).get(term, [])


def top_neighbour_lists(model: Any, terms: Sequence[str], k: int) -> dict[str, list[tuple[str, float]]]:
    """The ``k`` nearest words of each of ``terms`` the model holds, as ``most_similar`` lists
    them (cosine over unit-length vectors, highest first, the word itself left out), from one
    matrix product for all of them.

    Why not ``most_similar`` per term: each call is a matrix-vector product that wakes
    OpenBLAS's threads, and while the other core is busy (the report's figures drawn beside the
    corpus stages) waking them cost 7 ms a call: the 68 calls of a 1,000-paper update's traces
    took 0.47 s, one product for all of them a few ms."""
    kv = getattr(model, "wv", model)
    if kv is None:
        return {}
    have = [w for w in dict.fromkeys(terms) if w in kv]
    if not have or len(kv) < 2:
        return {}
    normed = kv.get_normed_vectors()
    rows = np.array([kv.key_to_index[w] for w in have])
    sims = normed[rows] @ normed.T
    sims[np.arange(len(rows)), rows] = -np.inf
    n = min(k, len(kv) - 1)
    top = np.argpartition(-sims, n - 1, axis=1)[:, :n]
    keys = kv.index_to_key
    out: dict[str, list[tuple[str, float]]] = {}
    for w, row, sim in zip(have, top, sims):
        # ties broken by vocabulary index (the more frequent word first), as a stable sort gives
        order = row[np.lexsort((row, -sim[row]))]
        out[w] = [(keys[j], float(sim[j])) for j in order]
    return out


def neighbour_overlap(a: Any, b: Any, term: str, k: int) -> float | None:
    """Share of ``term``'s top-``k`` neighbours in model ``a`` that model ``b`` (another seed,
    the same sentences) also lists; None when either model lacks the word.

    1.0: the list is a property of the text; near k / vocabulary size: of the random start. On
    the seed paper alone (3,600 tokens) words score 0.0-0.2, the chance level; on 2,000 CSL
    abstracts words used 20 times or more score 0.6-0.7 (``bench/vectors_gate.py``).
    """
    return _overlap(top_neighbours(a, term, k), top_neighbours(b, term, k))


def _overlap(x: list[tuple[str, float]], y: list[tuple[str, float]]) -> float | None:
    if not x or not y:
        return None
    return len({w for w, _s in x} & {w for w, _s in y}) / len(x)


def median_overlap(a: Any, b: Any, k: int, n_words: int = 200) -> float | None:
    """Median :func:`neighbour_overlap` over the ``n_words`` most frequent words: one figure for
    how reproducible this corpus's neighbours are. The top lists of all the words come from one
    matrix product per model (400 ``most_similar`` calls were most of a concepts update)."""
    import statistics

    kv = getattr(a, "wv", a)
    words = list(kv.index_to_key[:n_words]) if kv is not None else []
    tops_a, tops_b = _top_sets(a, words, k), _top_sets(b, words, k)
    scores = [len(tops_a[w] & tops_b[w]) / len(tops_a[w]) for w in words
              if tops_a.get(w) and tops_b.get(w)]
    return round(statistics.median(scores), 4) if scores else None


def _top_sets(model: Any, words: list[str], k: int) -> dict[str, set[str]]:
    """The ``k`` nearest words of each of ``words`` (the word itself left out), as sets."""
    return {w: {x for x, _s in rows} for w, rows in top_neighbour_lists(model, words, k).items()}


@dataclass
class NeighbourGate:
    """word2vec neighbours of a term, shown only when the data carries them (issue 15).

    ``model`` and ``check`` are word2vec models of the same sentences with two seeds; a term's
    neighbours are listed when at least ``min_overlap`` of its top ``top`` come back in the
    other model. ``why_none`` says why there is no model at all (too little text)."""
    model: Any = None
    check: Any = None
    top: int = 10
    min_overlap: float = 0.5
    why_none: str | None = None

    def neighbours(self, term: str) -> tuple[list[dict[str, Any]], str | None, float | None]:
        """(neighbours, why they are not shown or None, overlap across seeds or None)."""
        return self.neighbours_of([term])[term]

    def neighbours_of(self, terms: Sequence[str]) -> dict[str, tuple[list[dict[str, Any]], str | None, float | None]]:
        """:meth:`neighbours` of each of ``terms``, with one matrix product per model for all."""
        if self.model is None:
            return {t: ([], self.why_none or "no word2vec model was trained", None) for t in terms}
        shown = top_neighbour_lists(self.model, terms, self.top)
        # the first model's list is the one shown; the second only vouches for it
        checks = top_neighbour_lists(self.check, list(shown), self.top) if self.check is not None else {}
        return {t: self._verdict(shown.get(t, []), checks.get(t, [])) for t in terms}

    def _verdict(self, rows: list[tuple[str, float]], check: list[tuple[str, float]]
                 ) -> tuple[list[dict[str, Any]], str | None, float | None]:
        if not rows:
            return [], "the word2vec model does not hold this term (it occurs too rarely in the sample)", None
        if self.check is None:  # a result stored before the second model: nothing to vouch for the list
            return [], "stability not measured (no second word2vec model): run again without --update", None
        ov = _overlap(rows, check)
        if ov is None or ov < self.min_overlap:
            share = 0.0 if ov is None else ov
            return [], (f"unstable across seeds (overlap {share:.2f} of the top {self.top}, needs "
                        f"{self.min_overlap:.2f}: evidence.neighbours.min_overlap)"), ov
        return [{"term": w, "similarity": round(s, 4)} for w, s in rows], None, ov

    def summary(self, shown: int, withheld: int) -> dict[str, Any]:
        """What the report says about the gate as a whole: the settings, the median overlap of the
        commonest words (how reproducible this corpus's neighbours are) and how many concepts
        got neighbours."""
        both = self.model is not None and self.check is not None
        return {"trained": self.model is not None, "why_none": self.why_none, "top": self.top,
                "min_overlap": self.min_overlap, "median_overlap": median_overlap(self.model, self.check, self.top)
                if both else None, "concepts_shown": shown, "concepts_withheld": withheld}


def neighbour_gate(vectors: dict[str, Any] | None, cfg: dict[str, Any]) -> NeighbourGate:
    """The gate for a vectors stage result under the settings ``cfg`` (the whole config)."""
    ev = cfg["evidence"]["neighbours"]
    vectors = vectors or {}
    why = (vectors.get("notes") or {}).get("word2vec")
    return NeighbourGate(vectors.get("w2v"), vectors.get("w2v_check"), int(ev["top"]), float(ev["min_overlap"]),
                         why)
