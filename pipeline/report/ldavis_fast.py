"""pyLDAvis's term relevance ranking and topic distances, in numpy: the same result, a fraction
of the time.

``pyLDAvis.prepare`` ranks the whole vocabulary for every topic at each of 101 values of λ
(``_find_relevance``: a pandas ``nlargest`` per topic and λ, 2,020 of them for K = 20). That
loop was 88% of the pyLDAvis page: ~10 s of CPU for a 20,000-word vocabulary, the largest single
cost of a report, paid again on every ``--update`` (the topic state changes). Here each λ is one
``argpartition`` over a K × V array, and the R best of each topic are ordered as ``nlargest``
orders them (descending, ties in vocabulary order), so the page is the one pyLDAvis writes
(``tests/test_report_reuse.py`` compares the two). The topic map's Jensen-Shannon distances
call ``scipy.stats.entropy`` per pair of topics; :func:`entropy` does its arithmetic without the
wrapper around it.

:func:`fast_relevance` swaps the function in for the length of a ``with`` block. The report
itself no longer calls pyLDAvis (``ldavis_prepare.py`` does all of ``prepare`` in numpy, with
:func:`best`'s ranking); it is used where pyLDAvis still lays the page out: inputs
``ldavis_prepare`` does not cover (``ldavis_render.render_inputs``), and the tests.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


def top_terms(log_ttd: Any, log_lift: Any, R: int, lambda_seq: Any) -> Any:
    """What ``pyLDAvis._prepare._find_relevance_chunks`` returns: for each λ, an R × K frame
    whose column ``k`` lists topic k's R most relevant terms (their labels), most relevant first."""
    import pandas as pd

    ttd = log_ttd.to_numpy(dtype="float64")
    lift = log_lift.to_numpy(dtype="float64")
    terms = np.asarray(log_ttd.columns)
    frames = []
    for lam in lambda_seq:
        rel = lam * ttd + (1 - lam) * lift  # the same expression, in the same order, as pyLDAvis
        if np.isnan(rel).any():  # nlargest drops NaN: let pyLDAvis rank such a model itself
            raise _Fallback
        cols = [best(row, R) for row in rel]
        frames.append(pd.DataFrame({k: terms[c] for k, c in zip(log_ttd.index, cols)}))
    return pd.concat(frames)


def best(row: np.ndarray, R: int) -> np.ndarray:
    """Positions of the R largest values, largest first, equal values in position order
    (``Series.nlargest(R, keep="first")``)."""
    if R >= len(row):
        return np.argsort(-row, kind="stable")
    cut = np.partition(row, len(row) - R)[len(row) - R]  # the R-th largest value
    cand = np.flatnonzero(row >= cut)  # every value tied with the R-th is a candidate
    return cand[np.argsort(-row[cand], kind="stable")][:R]


def entropy(pk: np.ndarray, qk: np.ndarray) -> Any:
    """``scipy.stats.entropy(pk, qk)`` of two 1-d distributions, the same operations in the same
    order, without the array-API and NaN-policy wrapper that costs ~20 ms a call: pyLDAvis calls it
    for every pair of topics (380 calls for K = 20)."""
    from scipy.special import rel_entr

    pk, qk = np.asarray(pk, dtype="float64"), np.asarray(qk, dtype="float64")
    if pk.ndim != 1 or qk.shape != pk.shape or np.isnan(pk).any() or np.isnan(qk).any():
        from scipy.stats import entropy as scipy_entropy

        return scipy_entropy(pk, qk)
    with np.errstate(invalid="ignore"):
        qk = qk / np.sum(qk, axis=0, keepdims=True)
        pk = pk / np.sum(pk, axis=0, keepdims=True)
    return np.sum(rel_entr(pk, qk), axis=0)


class _Fallback(Exception):
    pass


@contextmanager
def fast_relevance() -> Iterator[None]:
    """``pyLDAvis.prepare`` with :func:`top_terms` for its relevance loop (pyLDAvis's own for a
    model whose relevance holds NaN)."""
    from pyLDAvis import _prepare

    slow = _prepare._find_relevance_chunks

    def chunks(log_ttd: Any, log_lift: Any, R: int, lambda_seq: Any) -> Any:
        try:
            return top_terms(log_ttd, log_lift, R, lambda_seq)
        except _Fallback:
            return slow(log_ttd, log_lift, R, lambda_seq)

    slow_entropy = _prepare.entropy
    _prepare._find_relevance_chunks, _prepare.entropy = chunks, entropy
    try:
        yield
    finally:
        _prepare._find_relevance_chunks, _prepare.entropy = slow, slow_entropy
