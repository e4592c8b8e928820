"""The topic input in one read: every unit's cleaned word counts as one sparse matrix over the
corpus' raw vocabulary, and the topic vocabulary (a gensim ``Dictionary``) cut from it with numpy.

Why: the fit used to read the units three times (lengths, vocabulary, bags) and clean every
token occurrence in Python each time, then ``Dictionary.doc2bow`` again per unit; on 200 papers
that was a third of the stage. Here each unit's tokens are counted once (``Counter``, in C),
each distinct token is cleaned once, and the vocabulary's document frequencies, its filter and
the bags are array operations on the counts.

The dictionary is the one gensim builds by adding the fitted units one by one and then
``filter_extremes`` and ``compactify``: the same ids in the same order (gensim numbers a unit's
new tokens in sorted order, units in order), so the fit sees what it saw before.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
from gensim.corpora import Dictionary
from scipy import sparse

from pipeline.models.topics_bows import CsrBows
from pipeline.models.topics_vocab import clean_counts


@dataclass
class RawCounts:
    """Cleaned counts of units (rows) over the raw vocabulary ``words`` (columns, in order of
    first occurrence)."""
    matrix: sparse.csr_matrix
    words: list[str]

    def lengths(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=1)).ravel()


class RawCountsBuilder:
    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.vocab: dict[str, int] = {}
        self.indptr = array("q", [0])
        self.indices = array("i")
        self.data = array("i")

    def add(self, tokens: Iterable[str]) -> int:
        """Count one unit's tokens; returns its number of cleaned tokens."""
        vocab, indices, data = self.vocab, self.indices, self.data
        n_all = 0
        for t, n in clean_counts(tokens, self.cfg).items():
            j = vocab.get(t)
            if j is None:
                j = vocab[t] = len(vocab)
            indices.append(j)
            data.append(n)
            n_all += n
        self.indptr.append(len(indices))
        return n_all

    def build(self) -> RawCounts:
        m = sparse.csr_matrix((np.frombuffer(self.data, dtype=np.int32).copy(),
                               np.frombuffer(self.indices, dtype=np.int32).copy(),
                               np.frombuffer(self.indptr, dtype=np.int64).copy()),
                              shape=(len(self.indptr) - 1, len(self.vocab)))
        return RawCounts(m, list(self.vocab))


def topic_dictionary(raw: RawCounts, rows: np.ndarray, cfg: dict) -> tuple[Dictionary, np.ndarray]:
    """The dictionary gensim would build from ``rows`` (added in order), filtered as
    :func:`topics_vocab.filter_dictionary` filters it; and each dictionary id's raw column."""
    sub = raw.matrix[rows]
    n_words = len(raw.words)
    df = np.bincount(sub.indices, minlength=n_words)
    cf = np.bincount(sub.indices, weights=sub.data, minlength=n_words)
    row_of = np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr))
    first = np.full(n_words, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, sub.indices, row_of)
    present = np.flatnonzero(df > 0)
    # gensim's id order: units in order, a unit's new tokens sorted
    words = raw.words
    gensim_order = sorted(present.tolist(), key=lambda j: (int(first[j]), words[j]))
    cols = np.array(gensim_order, dtype=np.int64)
    n = len(rows)
    if n >= 4:
        no_below = int(cfg.get("no_below") or (2 if n < 500 else 3))
        no_above = float(cfg.get("no_above") or (0.5 if n >= 200 else 0.8))
        keep_n = int(cfg["keep_n"])
        d = df[cols]
        good = np.flatnonzero((d >= no_below) & (d <= int(no_above * n)))
        # most frequent first, ties in id order (gensim's stable sort), then back to id order
        ranked = good[np.argsort(-d[good], kind="stable")][:keep_n]
        cols = cols[np.sort(ranked)]
    dictionary = Dictionary()
    dictionary.token2id = {words[j]: i for i, j in enumerate(cols.tolist())}
    dictionary.dfs = {i: int(df[j]) for i, j in enumerate(cols.tolist())}
    dictionary.cfs = {i: int(cf[j]) for i, j in enumerate(cols.tolist())}
    dictionary.num_docs = n
    dictionary.num_pos = int(sub.data.sum())
    dictionary.num_nnz = int(sub.nnz)
    return dictionary, cols


def bows_of_columns(raw: RawCounts, cols: np.ndarray) -> CsrBows:
    """Every unit's bag over the dictionary whose ids map to raw columns ``cols``."""
    m = raw.matrix[:, cols].tocsr()
    m.sort_indices()
    return CsrBows(m)


def bows_of_tokens(token_lists: Iterable[Iterable[str]], dictionary: Dictionary, cfg: dict) -> CsrBows:
    """Bags of cleaned tokens over a fixed dictionary (what ``doc2bow(clean_tokens(t))`` gives)."""
    t2i = dictionary.token2id
    indptr, indices, data = array("q", [0]), array("i"), array("i")
    for toks in token_lists:
        pairs = sorted((t2i[t], n) for t, n in clean_counts(toks, cfg).items() if t in t2i)
        for j, n in pairs:
            indices.append(j)
            data.append(n)
        indptr.append(len(indices))
    m = sparse.csr_matrix((np.frombuffer(data, dtype=np.int32).copy(), np.frombuffer(indices, dtype=np.int32).copy(),
                           np.frombuffer(indptr, dtype=np.int64).copy()), shape=(len(indptr) - 1, len(dictionary)))
    return CsrBows(m)
