"""``pyLDAvis.prepare`` in numpy alone: the same data, to the last bit, without its imports.

Importing pyLDAvis costs ~6 s of CPU (``pyLDAvis._prepare`` imports scipy.stats, sklearn.manifold,
pandas and joblib), more than laying out the page, and the page is laid out again on every
``--update`` (the topic state changes) in a side process that competes with the report's driver
for the cores. This module computes what ``prepare(..., sort_topics=False, start_index=0,
mds=js_PCoA, R=30)`` computes, step for step and in the order pyLDAvis does it, so that every
float comes out with the same bits; :func:`vis_data` returns ``PreparedData.to_dict()`` as plain
Python values, whose ``json.dumps`` is the text ``to_json`` gives. Where pandas' reductions and
numpy's differ in summation order (pairwise along a contiguous axis, one row after another across
rows), the arrays are laid out as pandas lays out its blocks. The term ranking is
``ldavis_fast.best``'s, all topics at once. ``tests/test_topics.py`` compares the page with the one pyLDAvis writes.

Inputs it was not checked on (a term list shorter than R, rows that pyLDAvis's validation
rejects, relevance holding NaN, fewer than 3 topics) raise :class:`Unsupported`; the caller then
lets pyLDAvis itself lay the page out (or say why it cannot).
"""
from __future__ import annotations

from typing import Any

import numpy as np

R_TERMS = 30  # pyLDAvis.prepare's default R
PLOT_OPTS = {"xlab": "PC1", "ylab": "PC2"}  # its default plot_opts


class Unsupported(ValueError):
    """An input this module does not reproduce pyLDAvis on: use pyLDAvis."""


def _col_sums(a: np.ndarray) -> np.ndarray:
    """``DataFrame.sum()`` (over rows) of a K × N frame: pandas keeps the frame's block as its
    transpose and sums each column along that block's contiguous rows (pairwise)."""
    return np.ascontiguousarray(a.T).sum(axis=1)


def _rel_entr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``scipy.special.rel_entr`` (scipy 1.15 and 1.16 bit for bit, its xsf C++ code; scipy
    1.17's compiled code differs in the last bit for a few percent of values): ``x log(x / y)`` through
    ``log1p`` where x and y are within a factor of 2 of each other (more accurate there), through
    ``log(x) - log(y)`` where the ratio under- or overflows. Each logarithm is taken only where
    its branch applies (``where=``): the same values, less work."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pos = (x > 0) & (y > 0)
        r = x / y
        near = pos & (0.5 < r) & (r < 2)
        mid = pos & ~near & (np.finfo(np.float64).tiny < r) & (r < np.inf)
        lg = np.log1p((x - y) / y, where=near, out=np.zeros_like(r))
        np.log(r, where=mid, out=lg)
        far = pos & ~near & ~mid
        if far.any():
            lg[far] = np.log(x[far]) - np.log(y[far])
        out = x * lg
        out[~pos] = np.where((x[~pos] == 0) & (y[~pos] >= 0), 0.0, np.inf)
    return out


def _entropy(pk: np.ndarray, qk: np.ndarray) -> float:
    """``scipy.stats.entropy(pk, qk)``: both normalised, then the sum of ``rel_entr``."""
    pk = 1.0 * pk / np.sum(pk, axis=0, keepdims=True)
    qk = 1.0 * qk / np.sum(qk, axis=0, keepdims=True)
    return float(np.sum(_rel_entr(pk, qk), axis=0))


def _jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    m = 0.5 * (p + q)
    return 0.5 * (_entropy(p, m) + _entropy(q, m))


def _pcoa(pair_dists: np.ndarray, n_components: int = 2) -> np.ndarray:
    """``pyLDAvis._prepare._pcoa`` (classical multidimensional scaling), the same operations."""
    n = pair_dists.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    B = - H.dot(pair_dists ** 2).dot(H) / 2
    eigvals, eigvecs = np.linalg.eig(B)
    ix = eigvals.argsort()[::-1][:n_components]
    eigvals = eigvals[ix]
    eigvecs = eigvecs[:, ix]
    eigvals[np.isclose(eigvals, 0)] = 0
    if np.any(eigvals < 0):
        ix_neg = eigvals < 0
        eigvals[ix_neg] = np.zeros(eigvals[ix_neg].shape)
        eigvecs[:, ix_neg] = np.zeros(eigvecs[:, ix_neg].shape)
    return np.sqrt(eigvals) * eigvecs


def js_pcoa(dists: np.ndarray) -> np.ndarray:
    """``pyLDAvis.js_PCoA``: Jensen-Shannon distances of every pair (``pdist`` order, i < j),
    the symmetric matrix ``squareform`` makes of them, then :func:`_pcoa`."""
    k = dists.shape[0]
    d = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            d[i, j] = d[j, i] = _jensen_shannon(dists[i], dists[j])
    return _pcoa(d)


def _sort_desc(values: np.ndarray) -> np.ndarray:
    """``Series.sort_values(ascending=False)``'s order (pandas' ``nargsort``: reversed, argsorted
    with quicksort, reversed back)."""
    idx = np.arange(len(values))[::-1]
    return idx[values[::-1].argsort(kind="quicksort")][::-1]


def _top_rows(rel: np.ndarray, R: int, prev: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """``ldavis_fast.best`` of every row: each row's R largest values, largest first, equal values
    in position order (``Series.nlargest(R)``). ``prev``: each row's R terms at the previous λ.
    Their smallest value now is at most the R-th largest, so only the terms at or above it can
    rank (a few dozen of 20,000): the same terms in the same order, without a partition of all."""
    K, V = rel.shape
    if prev is not None:
        out = []
        for k in range(K):
            row = rel[k]
            cand = np.flatnonzero(row >= row[prev[k]].min())
            out.append(cand[np.lexsort((cand, -row[cand]))][:R])
        return out
    top = np.argpartition(rel, V - R, axis=1)[:, V - R:]  # each row's R largest, in no order
    vals = np.take_along_axis(rel, top, axis=1)
    cut = vals.min(axis=1)
    if ((rel >= cut[:, None]).sum(axis=1) == R).all():  # no value tied with a row's R-th
        order = np.lexsort((top, -vals), axis=1)
        return list(np.take_along_axis(top, order, axis=1))
    rows, cols = np.nonzero(rel >= cut[:, None])  # ties: every value tied with the R-th
    vals = rel[rows, cols]
    order = np.lexsort((cols, -vals, rows))
    starts = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=K))[:-1]))
    ranked = cols[order]
    return [ranked[s:s + R] for s in starts]


def vis_data(phi: np.ndarray, theta: np.ndarray, doc_lengths: np.ndarray, vocab: list[str],
             lambda_step: float = 0.01) -> dict[str, Any]:
    """``pyLDAvis.prepare(phi, theta, doc_lengths, vocab, tf, sort_topics=False, start_index=0,
    lambda_step=lambda_step).to_dict()``, its values plain Python (what ``json.loads(to_json())``
    gives). pyLDAvis recomputes the term frequencies from phi and the topic sizes, so the given
    ones do not enter."""
    phi = np.ascontiguousarray(phi, dtype="float64")
    theta = np.asarray(theta, dtype="float64")
    doc_lengths = np.asarray(doc_lengths, dtype="float64")
    K, V = phi.shape
    R = R_TERMS
    if K < 3 or V < R or theta.shape[1] != K or len(vocab) != V or len(doc_lengths) != len(theta):
        raise Unsupported(f"K = {K}, {V} terms")
    # pyLDAvis's validation: every row a distribution (its threshold is 0.999; keep clear of it).
    if (phi.sum(axis=1) < 0.9999).any() or (theta.sum(axis=1) < 0.9999).any():
        raise Unsupported("rows that are not distributions")

    topic_freq = _col_sums(theta * doc_lengths[:, None])  # doc_topic.mul(lengths).sum()
    topic_proportion = topic_freq / np.sum(topic_freq)
    term_topic_freq = phi * topic_freq[:, None]
    term_frequency = _col_sums(term_topic_freq)

    # _topic_info: the default (no topic selected) terms by saliency
    term_proportion = term_frequency / np.sum(term_frequency)
    topic_given_term = phi / _col_sums(phi)
    log_1 = np.log(topic_given_term.T / topic_proportion)
    kernel = topic_given_term * log_1.T
    distinctiveness = _col_sums(kernel)
    saliency = term_proportion * distinctiveness
    default = _sort_desc(saliency)[:R]
    vocab_arr = np.asarray(vocab, dtype=object)
    terms = list(vocab_arr[default])
    freq = list(np.floor(term_frequency[default]))
    total = list(freq)
    category = ["Default"] * R
    logprob = [float(r) for r in range(R, 0, -1)]
    loglift = list(logprob)

    # each topic's R most relevant terms at each λ, in order of first appearance
    log_lift = np.log(phi / term_proportion)
    log_ttd = np.log(phi)
    lambda_seq = np.arange(0, 1 + lambda_step, lambda_step)
    if not (np.isfinite(log_ttd).all() and np.isfinite(log_lift).all()):
        raise Unsupported("infinite log weights")  # relevance would hold NaN, which nlargest drops
    tops: list[list[np.ndarray]] = [[] for _ in range(K)]
    rel, part = np.empty_like(log_ttd), np.empty_like(log_lift)
    prev: list[np.ndarray] | None = None
    for lam in lambda_seq:
        # lam * log_ttd + (1 - lam) * log_lift, as pyLDAvis writes it, without new arrays
        np.multiply(log_ttd, lam, out=rel)
        np.multiply(log_lift, 1 - lam, out=part)
        rel += part
        prev = _top_rows(rel, R, prev)
        for k, ix in enumerate(prev):
            tops[k].append(ix)
    for k in range(K):
        seq = np.concatenate(tops[k])
        _, first = np.unique(seq, return_index=True)
        ix = seq[np.sort(first)]  # Series.unique(): order of first appearance
        terms += list(vocab_arr[ix])
        freq += list(term_topic_freq[k, ix])
        total += list(term_frequency[ix])
        category += ["Topic%d" % k] * len(ix)
        logprob += list(np.round(log_ttd[k, ix], 4))
        loglift += list(np.round(log_lift[k, ix], 4))
    info_terms = np.concatenate([default] + [np.concatenate(t) for t in tops])

    # _token_table: every term shown anywhere, its topics with at least half a token
    term_ix = np.unique(info_terms)
    ttf = term_topic_freq[:, term_ix]  # K × T; unstack() walks it term by term
    t_pos, k_pos = np.nonzero(ttf.T >= 0.5)
    tok_term = term_ix[t_pos]
    tok_freq = np.round(ttf[k_pos, t_pos]) / term_frequency[tok_term]
    tok_names = vocab_arr[tok_term]
    order = sorted(range(len(tok_term)), key=lambda i: (tok_names[i], k_pos[i]))  # stable, by Term, Topic

    coords = js_pcoa(phi)
    return {
        "mdsDat": {"x": [float(v) for v in coords[:, 0]], "y": [float(v) for v in coords[:, 1]],
                   "topics": list(range(K)), "cluster": [1] * K,
                   "Freq": [float(v) for v in topic_proportion * 100]},
        "tinfo": {"Term": [str(t) for t in terms], "Freq": [float(v) for v in freq],
                  "Total": [float(v) for v in total], "Category": category,
                  "logprob": [float(v) for v in logprob], "loglift": [float(v) for v in loglift]},
        "token.table": {"Topic": [int(k_pos[i]) for i in order],
                        "Freq": [float(tok_freq[i]) for i in order],
                        "Term": [str(tok_names[i]) for i in order]},
        "R": R,
        "lambda.step": lambda_step,
        "plot.opts": dict(PLOT_OPTS),
        "topic.order": list(range(K)),
    }
