"""Choosing K: coherence (c_v, NPMI) of each candidate and stability of its topics across seeds.

A K is worth reporting when its topics read as themes (coherence: do the top terms co-occur in the
corpus?) and when they do not depend on the random start (stability: do fits with other seeds find
the same topics?). The score mixes both; ties go to the smaller K, which is easier to read.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
from gensim.models.coherencemodel import CoherenceModel
from gensim.topic_coherence.probability_estimation import p_boolean_sliding_window, unique_ids_from_segments

from .coherence_counts import sliding_window_counts


def top_term_ids(topic_term: np.ndarray, n: int) -> list[list[int]]:
    """Each row's ``n`` largest, highest first; equal weights in dictionary order (identical
    output run to run). Only the terms at least as heavy as the n-th are sorted: a stable sort
    of the whole vocabulary (20,000 terms) per row, 41 rows per description of a topic model,
    was most of the describing's own time on an update. The order is the full sort's: those
    terms are its first ones, and a stable sort of them keeps ties in dictionary order."""
    out = []
    for row in np.asarray(topic_term):
        if n <= 0:
            out.append([])
            continue
        if n < len(row):
            nth = np.partition(row, len(row) - n)[len(row) - n]
            cand = np.flatnonzero(row >= nth)
        else:
            cand = np.arange(len(row))
        out.append(list(cand[np.argsort(-row[cand], kind="stable")][:n]))
    return out


def coherence(
    topics: list[list[str]], texts: list[list[str]], dictionary, measure: str, topn: int = 10
) -> tuple[float, list[float]]:
    """Mean and per-topic coherence; processes=1 keeps it deterministic and off the other core."""
    topics = [t[:topn] for t in topics if len(t) >= 2]
    if not topics:
        return 0.0, []
    cm = CoherenceModel(
        topics=topics, texts=texts, dictionary=dictionary, coherence=measure,
        topn=min(topn, min(len(t) for t in topics)), processes=1,
    )
    if cm.measure.prob is p_boolean_sliding_window:  # c_v, c_npmi, c_uci
        # the window counts gensim would accumulate, counted with numpy (5-18x faster, equal
        # counts: models/coherence_counts.py); the figures are gensim's own arithmetic on them
        segmented = cm.measure.seg(cm.topics)
        cm._accumulator = sliding_window_counts(texts, unique_ids_from_segments(segmented), dictionary,
                                                cm.window_size)
    # A word pair that never shares a window gives log(0) inside gensim: the topic's figure is
    # then not finite and counts as 0 below. numpy's warnings about it reached the user's terminal.
    with np.errstate(divide="ignore", invalid="ignore"):
        per = [float(x) if np.isfinite(x) else 0.0 for x in cm.get_coherence_per_topic()]
    return float(np.mean(per)) if per else 0.0, per


def stability(term_sets_by_seed: list[list[set[int]]]) -> float:
    """Mean Jaccard of top-term sets between seeds, topics matched one-to-one (Hungarian).

    1.0: every seed finds the same topics; near 0: topics are artefacts of the start.
    """
    if len(term_sets_by_seed) < 2:
        return 1.0
    # here, not at the top: an --update imports this module but never matches seeds, and
    # scipy.optimize is 0.15 s of import (models/gensim_import.py)
    from scipy.optimize import linear_sum_assignment

    scores = []
    for a, b in combinations(term_sets_by_seed, 2):
        sim = np.array([[len(x & y) / max(len(x | y), 1) for y in b] for x in a])
        r, c = linear_sum_assignment(-sim)
        scores.append(float(sim[r, c].mean()))
    return float(np.mean(scores))


def k_score(c_v: float, npmi: float, stab: float) -> float:
    # all three on [0, 1]: c_v already is, NPMI is [-1, 1]
    return 0.4 * c_v + 0.3 * (npmi + 1.0) / 2.0 + 0.3 * stab


def choose_k(curve: list[dict]) -> int:
    best = max(curve, key=lambda r: (round(r["score"], 6), -r["k"]))
    return int(best["k"])
