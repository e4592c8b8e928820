"""What a reader sees of a topic: its label, its evidence, who carries it and when.

Every row here is computed from the unit-topic weights, so each prevalence figure can be traced to
the passages (units) behind it.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np


def relevance_scores(topic_term: np.ndarray, term_freq: np.ndarray, lam: float = 0.6) -> np.ndarray:
    """LDAvis relevance (Sievert & Shirley 2014): lam*log p(w|t) + (1-lam)*log(p(w|t)/p(w)).

    lam=0.6 was their user study's best for interpretation: frequent enough to be familiar,
    distinctive enough to tell topics apart.
    """
    pw = term_freq / max(term_freq.sum(), 1e-12)
    eps = 1e-12
    return lam * np.log(topic_term + eps) + (1 - lam) * np.log((topic_term + eps) / (pw + eps))


def in_relevance_order(scores: np.ndarray, ids: Any) -> list[int]:
    """``ids`` (a topic's label pool) from most to least relevant, ties in dictionary order: the
    order a stable sort of the whole row gives them, without sorting the whole vocabulary."""
    return sorted((int(i) for i in ids), key=lambda i: (-scores[i], i))


LABEL_SEP = "·"  # between a label's terms (an update reads a stored label back into its terms)


def make_label(top_terms: list[str], relevant_terms: list[str], n: int = 3) -> str:
    """2-3 terms joined with ·: distinctive terms first, skipping one contained in another."""
    picked: list[str] = []
    for t in relevant_terms + top_terms:
        if any(t in p or p in t for p in picked):
            continue
        picked.append(t)
        if len(picked) == n:
            break
    return LABEL_SEP.join(picked)


_PASSAGE_FLOOR = 0.05  # a passage weighs at least this much on its topic (rounded to 4 places)


def passages(units, weights: np.ndarray, per_topic: int, max_chars: int) -> list[dict]:
    """The units that weigh most on each topic, with where they come from."""
    rows = []
    order_key = [u.unit_id for u in units]
    for t in range(weights.shape[1]):
        # Only units that can round to the 0.05 floor are ranked: the rest would sort after
        # them and end the loop (a sort key per unit and topic was 20,000 keys at 1,000 papers).
        near = np.flatnonzero(weights[:, t] >= _PASSAGE_FLOOR - 1e-3).tolist()
        idx = sorted(near, key=lambda i: (-round(float(weights[i, t]), 4), order_key[i]))
        seen_docs: set[str] = set()
        n = 0
        for i in idx:
            w = round(float(weights[i, t]), 4)
            if w < _PASSAGE_FLOOR or n >= per_topic:
                break
            u = units[i]
            if not u.text or u.doc_id in seen_docs and len(units) > per_topic * 4:
                continue  # prefer evidence from several documents when there are many
            seen_docs.add(u.doc_id)
            text = u.text if len(u.text) <= max_chars else u.text[: max_chars - 1] + "…"
            rows.append({
                "topic_id": t, "rank": n + 1, "doc_id": u.doc_id, "unit_id": u.unit_id,
                "authors": list(u.authors), "year": u.year, "section": u.section,
                "text": text, "weight": w,
            })
            n += 1
    return rows


def prevalence(units, weights: np.ndarray, key: str) -> list[dict]:
    """Mean topic weight over the units of each author / year / journal (units without one skip)."""
    groups: dict[object, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        if key == "author":
            for a in u.authors or []:
                groups[a].append(i)
        else:
            v = getattr(u, key)
            if v is not None and v != "":
                groups[v].append(i)
    rows = []
    for g in sorted(groups, key=lambda x: (str(type(x)), x)):
        idx = groups[g]
        mean = weights[idx].mean(axis=0)
        for t, w in enumerate(mean):
            w = round(float(w), 4)
            if w >= 0.01:
                rows.append({key: g, "topic_id": t, "weight": w, "n_units": len(idx)})
    return rows


def trends(by_year: list[dict], k: int, labels: list[str], min_years: int = 3) -> list[dict]:
    """Least-squares slope of each topic's yearly prevalence; rising / falling / flat."""
    years = sorted({r["year"] for r in by_year})
    if len(years) < min_years:
        return []
    table = np.zeros((len(years), k))
    pos = {y: i for i, y in enumerate(years)}
    for r in by_year:
        table[pos[r["year"]], r["topic_id"]] = r["weight"]
    x = np.array(years, dtype=float)
    x = x - x.mean()
    denom = float((x ** 2).sum()) or 1.0
    rows = []
    for t in range(k):
        slope = float((x * (table[:, t] - table[:, t].mean())).sum() / denom)
        # a topic moving less than half a point of prevalence a year is not a trend
        direction = "rising" if slope > 0.005 else "falling" if slope < -0.005 else "flat"
        rows.append({"topic_id": t, "label": labels[t], "slope": round(slope, 4),
                     "direction": direction, "first_year": years[0], "last_year": years[-1]})
    rows.sort(key=lambda r: (-r["slope"], r["topic_id"]))
    return rows
