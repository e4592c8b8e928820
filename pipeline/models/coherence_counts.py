"""The word and word-pair counts of gensim's boolean sliding window, computed with numpy.

gensim's ``c_v`` and ``c_npmi`` read how many windows of the texts hold each of the topics' top
terms, and each pair of them (``WordOccurrenceAccumulator``). gensim slides the window in Python,
one window at a time, adding every pair of the words present to a ``Counter``: on the
coherence sample of 1,000 papers (61,000 tokens, 58,000 windows) that was 0.35 s for the two
topics an update had moved and 0.77 s for all twenty of a fit. :func:`sliding_window_counts`
gives the accumulator the same counts and leaves every figure to gensim's own code, so the
coherence is the same number to the last bit (``tests/test_topics.py`` compares the counts and
the figures with gensim's).

What "the same counts" means is gensim's window, including how it slides: entering window k
it first marks the word that left (window k-1's first token) absent, then the word that entered
(window k's last token) present. A word that left while another of its occurrences is still in
the window is thus absent until it enters again; counted here the same way. Per document, each
relevant word's presence is the last of those events up to each window; a pair's count is the
overlap of the two words' presence, summed from prefix counts over the runs of the first. A long
text goes a block of windows at a time, each block starting from the state the last one left:
time and memory are linear in the text, and the block's arrays stay near ``block_cells``.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np


def sliding_window_counts(texts: list[list[str]], relevant_ids: Any, dictionary: Any, window_size: int,
                          block_cells: int = 1 << 20) -> Any:
    """A gensim ``WordOccurrenceAccumulator`` for ``relevant_ids`` over ``texts`` with windows
    of ``window_size``, as its ``accumulate`` would leave it, counted without its Python loop.
    A long text is taken ``block_cells`` (windows x its relevant words) at a time, so memory
    stays flat whatever one text's length (gensim's loop holds one window)."""
    import scipy.sparse as sps
    from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
    from gensim.topic_coherence.text_analysis import WordOccurrenceAccumulator

    acc = WordOccurrenceAccumulator(relevant_ids, dictionary)
    n = acc._vocab_size
    occurrences = np.zeros(n, dtype=np.int64)
    pairs = np.zeros((n, n), dtype=np.int64)
    windows = 0
    t2i, words, contiguous = acc.token2id, acc.relevant_words, acc.id2contiguous
    pos = np.full(n + 1, -1, dtype=np.int64)
    for text in texts:
        ids = np.fromiter((contiguous[t2i[w]] if w in words else n for w in text), dtype=np.int64, count=len(text))
        windows += max(1, len(ids) - window_size + 1)
        cols = np.unique(ids[ids != n])
        if len(cols) == 0:
            continue
        pos[cols] = np.arange(len(cols))
        block = np.zeros((len(cols), len(cols)), dtype=np.int64)
        for present in _presence(pos[ids], window_size, max(1, block_cells // len(cols))):
            _count(present, block)
        pos[cols] = -1
        occurrences[cols] += np.diagonal(block)
        pairs[np.ix_(cols, cols)] += block
    acc._occurrences = occurrences.astype(np.uint32)
    acc._co_occurrences = sps.lil_matrix(np.triu(pairs, k=1).astype(np.uint32), dtype="uint32")
    acc._num_docs = windows
    acc._symmetrize()  # gensim's own: the diagonal holds the occurrences, the matrix made symmetric
    return acc


def _presence(cols_of: np.ndarray, w: int, rows: int) -> Iterator[np.ndarray]:
    """Which of a text's relevant words (``cols_of``: each token's column, -1 for the others)
    each window holds, as gensim's sliding leaves them, ``rows`` windows at a time."""
    r = int(cols_of.max()) + 1
    length = len(cols_of)
    if length < w:  # one window, the whole text
        yield np.ones((1, r), dtype=bool)
        return
    k = length - w + 1
    state = np.zeros(r, dtype=bool)
    first = cols_of[:w]
    state[first[first >= 0]] = True
    for k0 in range(0, k, rows):
        k1 = min(k, k0 + rows)
        # events per window and word: +1 entered (the window's last token), -1 left (the
        # previous window's first token), entering applied after leaving; the block's first
        # row starts from the state the previous window left (window 0: what it holds)
        event = np.zeros((k1 - k0, r), dtype=np.int8)
        event[0] = np.where(state, 1, -1)
        steps = np.arange(max(k0, 1), k1)
        left = cols_of[steps - 1]
        keep = left >= 0
        event[steps[keep] - k0, left[keep]] = -1
        entered = cols_of[steps + w - 1]
        keep = entered >= 0
        event[steps[keep] - k0, entered[keep]] = 1
        last = np.where(event != 0, np.arange(k1 - k0)[:, None], 0)
        np.maximum.accumulate(last, axis=0, out=last)
        present = np.take_along_axis(event, last, axis=0) == 1
        state = present[-1]
        yield present


def _count(present: np.ndarray, block: np.ndarray) -> None:
    """Add to ``block[x, y]`` the windows of ``present`` holding both x and y (x = y: holding x)."""
    prefix = np.zeros((present.shape[0] + 1, present.shape[1]), dtype=np.int64)
    np.cumsum(present, axis=0, out=prefix[1:])
    # runs of windows each word is present in, word by word in window order: where it turns on and off
    padded = np.zeros((present.shape[0] + 2, present.shape[1]), dtype=np.int8)
    padded[1:-1] = present
    change = np.diff(padded, axis=0).T
    word, start = np.nonzero(change == 1)
    _word, end = np.nonzero(change == -1)
    if not len(word):
        return
    # each run of word x adds, for every word y, the windows of the run where y is present;
    # the runs come word by word, so each word's are one slice to sum
    heads = np.flatnonzero(np.r_[True, word[1:] != word[:-1]])
    block[word[heads]] += np.add.reduceat(prefix[end] - prefix[start], heads, axis=0)
