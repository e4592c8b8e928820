"""How a concept's company of words shifts between authors and between years.

A profile is the bag of content words in the sentences that use the concept. Groups (each
author, each year) are compared by cosine similarity; consecutive years also list the words
gained and lost, and each author the words most particular to them (smoothed log ratio against
the other authors' profiles).
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from functools import lru_cache
from typing import Any

TOP = 10


@lru_cache(maxsize=1)
def _fallback_tools():
    """The project's segmenter and stopwords, for mentions that carry no segmented context
    (a free term traced after the run): the same tokens the run itself would have made."""
    from pipeline.text.registry import load_registry
    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    seg = Segmenter({}, registry=load_registry())
    stop = load_stopwords()
    return seg, lambda toks: content_tokens(toks, stop)


def fallback_context(sentence: str) -> list[str]:
    """Content tokens of a sentence the run did not segment as context (a heading, a funding
    note): the features stage stores them, so tracing a corpus never loads a second segmenter."""
    seg, filt = _fallback_tools()
    return sorted(set(filt(seg.cut(sentence or ""))))


def context_of(m: dict[str, Any], name: str) -> list[str]:
    toks = m.get("context_tokens")
    if toks is None:
        toks = fallback_context(m.get("sentence") or "")
    return sorted({t for t in toks if t != name})


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return round(dot / (na * nb), 4) if na and nb else 0.0


def _top(c: Counter, n: int = TOP) -> list[list[Any]]:
    return [[t, k] for t, k in sorted(c.items(), key=lambda x: (-x[1], x[0]))[:n]]


def _distinctive(c: Counter, rest: Counter, n: int = TOP) -> list[str]:
    tc, tr = sum(c.values()) or 1, sum(rest.values()) or 1
    score = {t: math.log((k + 0.5) / tc) - math.log((rest.get(t, 0) + 0.5) / tr) for t, k in c.items()}
    return [t for t, _s in sorted(score.items(), key=lambda x: (-x[1], x[0]))[:n]]


def build_profiles(name: str, mentions: list[dict[str, Any]], docs: dict[str, Any], max_authors: int = 12) -> dict[str, Any]:
    by_author: dict[str, Counter] = {}
    n_author: Counter = Counter()
    by_year: dict[int, Counter] = {}
    for m in mentions:
        ctx = context_of(m, name)
        d = docs.get(m["doc_id"])
        authors = d.authors if d else list(m.get("doc_authors") or [])
        year = d.year if d else m.get("year")
        for a in authors:
            by_author.setdefault(a, Counter()).update(ctx)
            n_author[a] += 1
        if year is not None:
            by_year.setdefault(year, Counter()).update(ctx)
    total = Counter()
    for c in by_author.values():
        total.update(c)
    authors = sorted(by_author, key=lambda a: (-n_author[a], a))[:max_authors]
    author_rows = [{"author": a, "mentions": n_author[a], "top_terms": _top(by_author[a]),
                    "distinctive": _distinctive(by_author[a], total - by_author[a])} for a in authors]
    pairs = [{"a": a, "b": b, "similarity": cosine(by_author[a], by_author[b])}
             for i, a in enumerate(authors) for b in authors[i + 1:]]
    years = sorted(by_year)
    year_rows = [{"year": y, "top_terms": _top(by_year[y])} for y in years]
    shifts = []
    for y0, y1 in itertools.pairwise(years):
        a, b = by_year[y0], by_year[y1]
        gained = sorted((t for t in b if t not in a), key=lambda t: (-b[t], t))[:TOP]
        lost = sorted((t for t in a if t not in b), key=lambda t: (-a[t], t))[:TOP]
        shifts.append({"from_year": y0, "to_year": y1, "similarity": cosine(a, b), "gained": gained, "lost": lost})
    return {"by_author": author_rows, "author_similarity": pairs, "by_year": year_rows, "year_shifts": shifts}
