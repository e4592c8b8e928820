"""How a concept's company of words shifts between authors and between years.

A profile is the bag of content words in the sentences that use the concept. Groups (each
author, each year) are compared by cosine similarity; consecutive years also list the words
gained and lost, and each author the words most particular to them (smoothed log ratio against
the other authors' profiles).
"""
from __future__ import annotations

import heapq
import itertools
import math
from collections import Counter
from functools import lru_cache
from itertools import chain, repeat
from operator import mul
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


def cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    # counts are integers: the sums are exact in any order, so they are taken with map
    dot = sum(map(mul, a.values(), map(b.get, a, repeat(0))))
    na = math.sqrt(sum(map(mul, a.values(), a.values())))
    nb = math.sqrt(sum(map(mul, b.values(), b.values())))
    return round(dot / (na * nb), 4) if na and nb else 0.0


def _top(c: Counter, n: int = TOP) -> list[list[Any]]:
    if len(c) > n > 0:  # only the terms at least as frequent as the n-th can be among the first n
        bound = heapq.nlargest(n, c.values())[-1]
        items = [(t, k) for t, k in c.items() if k >= bound]
    else:
        items = list(c.items())
    return [[t, k] for t, k in sorted(items, key=lambda x: (-x[1], x[0]))[:n]]


def _distinctive(c: Counter, rest: Counter, n: int = TOP) -> list[str]:
    tc, tr = sum(c.values()) or 1, sum(rest.values()) or 1
    score = {t: math.log((k + 0.5) / tc) - math.log((rest.get(t, 0) + 0.5) / tr) for t, k in c.items()}
    return [t for t, _s in sorted(score.items(), key=lambda x: (-x[1], x[0]))[:n]]


_BATCH = 200_000  # words a bag's list holds before they are counted into its Counter


def _gather(lists: dict[Any, list[str]], counted: dict[Any, Counter], key: Any, ctx: set[str]) -> None:
    got = lists.setdefault(key, [])
    got.extend(ctx)
    if len(got) > _BATCH:
        counted.setdefault(key, Counter()).update(got)
        got.clear()


def _bag(keys: Any, lists: dict[Any, list[str]], counted: dict[Any, Counter]) -> Counter:
    """The counts of ``keys``' words: their lists counted at once, plus what was counted before."""
    bag = Counter(chain.from_iterable(lists[k] for k in keys))
    for k in keys:
        if k in counted:
            bag.update(counted[k])
    return bag


def build_profiles(name: str, mentions: list[dict[str, Any]], docs: dict[str, Any], max_authors: int = 12,
                   min_docs: int = 2) -> dict[str, Any]:
    """Profiles by author and by year (see the module doc).

    Authors are compared only where their documents can tell them apart (issue 15): an author
    gets a profile with ``min_docs`` documents (works: a mirror counts once) or more; a profile's
    distinctive words are measured against the documents that are not the author's, so a
    co-author's identical bag does not cancel them; and two authors are compared only when they
    share no document (two authors of one paper have one profile, not two)."""
    # Each mention's context words (once each) go onto its document's and its year's list, and
    # each bag is counted over those lists at once (C-level), not by a Counter.update per
    # mention: the same counts (nothing read from a bag depends on its order), a quarter less
    # time for the three traces a one-paper update of 1,000 papers rebuilds. A list longer than
    # _BATCH words is counted into its key's Counter and emptied, so one document of a million
    # mentions (a 15 MB line) holds a bounded list, not a million mentions' words.
    words: dict[str, list[str]] = {}
    counted: dict[str, Counter] = {}
    year_words: dict[int, list[str]] = {}
    year_counted: dict[int, Counter] = {}
    doc_authors: dict[str, list[str]] = {}
    n_mentions: Counter = Counter()
    for m in mentions:
        toks = m.get("context_tokens")
        ctx = {t for t in (fallback_context(m.get("sentence") or "") if toks is None else toks) if t != name}
        d = docs.get(m["doc_id"])
        key = d.work_id if d and d.work_id else m["doc_id"]
        _gather(words, counted, key, ctx)
        n_mentions[key] += 1
        if key not in doc_authors:
            doc_authors[key] = list(d.authors if d else m.get("doc_authors") or [])
        year = d.year if d else m.get("year")
        if year is not None:
            _gather(year_words, year_counted, year, ctx)
    n_author: Counter = Counter()
    author_docs: dict[str, set[str]] = {}
    for key, authors in doc_authors.items():
        for a in authors:
            n_author[a] += n_mentions[key]
            author_docs.setdefault(a, set()).add(key)
    by_year = {y: _bag([y], year_words, year_counted) for y in year_words}
    total = _bag(words, words, counted)
    eligible = [a for a in author_docs if len(author_docs[a]) >= min_docs]
    authors = sorted(eligible, key=lambda a: (-n_author[a], a))[:max_authors]
    bags = {a: _bag(author_docs[a], words, counted) for a in authors}
    author_rows = [{"author": a, "mentions": n_author[a], "documents": len(author_docs[a]), "top_terms": _top(bags[a]),
                    "distinctive": _distinctive(bags[a], total - bags[a])} for a in authors]
    pairs = [{"a": a, "b": b, "similarity": cosine(bags[a], bags[b])}
             for i, a in enumerate(authors) for b in authors[i + 1:] if not author_docs[a] & author_docs[b]]
    years = sorted(by_year)
    year_rows = [{"year": y, "top_terms": _top(by_year[y])} for y in years]
    shifts = []
    for y0, y1 in itertools.pairwise(years):
        a, b = by_year[y0], by_year[y1]
        gained = sorted((t for t in b if t not in a), key=lambda t: (-b[t], t))[:TOP]
        lost = sorted((t for t in a if t not in b), key=lambda t: (-a[t], t))[:TOP]
        shifts.append({"from_year": y0, "to_year": y1, "similarity": cosine(a, b), "gained": gained, "lost": lost})
    return {"by_author": author_rows, "author_similarity": pairs, "by_year": year_rows, "year_shifts": shifts,
            # who was left out and why, for the page to say
            "authors_withheld": len(author_docs) - len(eligible), "min_documents": min_docs}
