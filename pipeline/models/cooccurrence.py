"""Term co-occurrence within windows (sentences or paragraphs): counts, NPMI, log-likelihood.

Counting is one sparse product: with X the binary unit × term matrix, ``X.T @ X`` holds every
pair's number of shared units and its diagonal each term's unit frequency; scores are numpy
expressions over the upper triangle, so no Python loop ever runs over pairs. The concepts corpus
stage adds each document's windows (its ``feat.content`` part) to one :class:`PairCounter`.

Example::

    >>> pairs = PairCounter()
    >>> pairs.add([["数字资本", "垄断"], ["数字资本", "垄断", "平台"], ["平台", "劳动"]])
    >>> pairs.table(min_count=2)[["term_a", "term_b", "count"]].values.tolist()
    [['垄断', '数字资本', 2]]
"""
from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse

COLUMNS = ["term_a", "term_b", "count", "npmi", "llr"]
SPLIT_UNITS = 5_000  # units split into terms at once by PairCounter.add (the ids of all are kept)


def _xlogx_ratio(k: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        v = k * np.log(k / expected)
    return np.where(k > 0, v, 0.0)


class PairCounter:
    """Running co-occurrence counts that grow by batches of units (a corpus streamed document by
    document, or the new documents of ``--update``): term unit-frequencies and the upper triangle
    of ``X.T @ X``; sums, so adding units later gives the counts of counting them all at once."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.freq = np.zeros(0)
        # Counts as 32-bit integers, exact to two billion units: float64 doubled the matrix's
        # values (7 million pairs at 10,000 papers) in memory and in the stored state.
        self.C = sparse.csr_matrix((0, 0), dtype=np.int32)
        self.n = 0

    def add(self, units: Iterable[Iterable[str] | str]) -> None:
        """Count ``units``: each a list of terms, or their text joined by spaces (a
        ``feat.content`` window as stored). Texts are split a slice of ``SPLIT_UNITS`` at a
        time and only the terms' ids are kept: the concepts stage adds 50,000 windows at once,
        and as lists of strings they held about 100 MB of the driver at 10,000 papers, beside
        the topic fit's side process (the full run's memory peak)."""
        units = list(units)
        if not units:
            return
        vocab = self.vocab
        ids: list[np.ndarray] = []
        lengths: list[int] = []
        for i in range(0, len(units), SPLIT_UNITS):
            # A long unit (a paragraph window, a line of one concept repeated) is cut to its distinct
            # terms first: a dict does that in C, where scipy's merge below would sort every token.
            part = [u if len(u) < 256 else list(dict.fromkeys(u))
                    for u in (u.split() if isinstance(u, str) else u if isinstance(u, list) else list(u)
                              for u in units[i:i + SPLIT_UNITS])]
            flat = list(chain.from_iterable(part))
            # Term ids in order of first appearance, as a dict filled token by token would give
            # them, with the loops in C: three million tokens at 1,000 papers.
            for t in dict.fromkeys(flat):  # each distinct term once
                if t not in vocab:
                    vocab[t] = len(vocab)
            ids.append(np.fromiter(map(vocab.__getitem__, flat), dtype=np.int32, count=len(flat)))
            lengths.extend(map(len, part))
        del units
        indices = np.concatenate(ids)
        del ids
        v = len(self.vocab)
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        X = sparse.csr_matrix((np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(len(lengths), v))
        X.sum_duplicates()  # a term twice in a unit is one unit holding it
        X.data[:] = 1
        # Two terms in the same unit: count it in the upper triangle of the term × term matrix.
        C = sparse.triu((X.T @ X).tocsr(), k=1).tocsr()
        if self.C.shape != (v, v):
            self.C.resize((v, v))
        self.C = (self.C + C).tocsr()
        freq = np.zeros(v)
        freq[: len(self.freq)] = self.freq
        freq += np.asarray(X.sum(axis=0)).ravel()
        self.freq = freq
        self.n += len(lengths)

    def table(self, min_count: int = 2, max_rows: int = 50000) -> pd.DataFrame:
        if self.n == 0 or len(self.vocab) < 2:
            return pd.DataFrame(columns=COLUMNS)
        # Order terms alphabetically so ties break the same way however units arrived.
        words = np.array(sorted(self.vocab, key=self.vocab.get), dtype=object)
        C = self.C.tocoo()
        mask = C.data >= min_count
        a, b, k11 = C.row[mask], C.col[mask], C.data[mask].astype(np.float64)
        del C, mask
        if len(k11) == 0:
            return pd.DataFrame(columns=COLUMNS)
        rank = np.empty(len(words), dtype=np.int64)
        rank[np.argsort(words, kind="stable")] = np.arange(len(words))
        n, freq = self.n, self.freq
        # Rank every pair by NPMI, computed in place: a 10,000-paper corpus has ~7 million
        # pairs, and each whole-array temporary costs 57 MB. Only the kept rows get the rest.
        npmi = np.log(k11 / n)  # log p_ab
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = npmi - np.log(freq[a] / n)
            pmi -= np.log(freq[b] / n)
            npmi = np.where(npmi < 0, pmi / -npmi, 1.0)
        del pmi
        key = -np.round(npmi, 12)
        if len(key) > max_rows:
            # Every pair tied with the last kept one stays a candidate, so the order (NPMI,
            # count, terms) is decided on exactly the rows a full sort would compare.
            cut = np.partition(key, max_rows - 1)[max_rows - 1]
            pick = np.flatnonzero(key <= cut)
            a, b, k11, npmi, key = a[pick], b[pick], k11[pick], npmi[pick], key[pick]
        ra, rb = rank[a], rank[b]
        swap = ra > rb
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        ra, rb = np.minimum(ra, rb), np.maximum(ra, rb)
        order = np.lexsort((rb, ra, -k11, key))[:max_rows]
        a, b, k11, npmi = a[order], b[order], k11[order], npmi[order]
        fa, fb = freq[a], freq[b]
        k12, k21 = fa - k11, fb - k11
        k22 = n - fa - fb + k11
        r1, r2, c1, c2 = fa, n - fa, fb, n - fb
        llr = 2.0 * (_xlogx_ratio(k11, r1 * c1 / n) + _xlogx_ratio(k12, r1 * c2 / n)
                     + _xlogx_ratio(k21, r2 * c1 / n) + _xlogx_ratio(k22, r2 * c2 / n))
        return pd.DataFrame({
            "term_a": words[a], "term_b": words[b], "count": k11.astype(np.int64),
            "npmi": np.round(npmi, 6), "llr": np.round(np.maximum(llr, 0.0), 4),
        }, columns=COLUMNS)
