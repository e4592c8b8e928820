"""What the report's networks are drawn from: nodes and edges with the years they are active in.

The stage results hold pair counts without dates (``cooccurrence``, the works stage's
``cocitation`` and ``coauthorship``). A reader filtering a network by year, or reading a
timeline, needs to know when each term, work and person was in use, so the years are put back
here from the documents' own years, for the drawn nodes only:

- a term (co-occurrence): the years of the documents holding it in a co-occurrence window, and
  of a pair the years of the documents holding both in one window;
- a cited work (co-citation): the years of the documents citing it (its publication year is
  kept apart, for the timeline), and of a pair the years of the documents citing both;
- a person (co-authorship): the publication years of the works they wrote, cited or in the corpus.

Every function is one pass over its input (documents, references), so the report stays linear.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from ..context import ReportContext


def doc_years(papers: Iterable[dict[str, Any]]) -> dict[str, int]:
    """doc_id -> the document's year (printed, else inferred); undated documents are left out."""
    out = {}
    for p in papers:
        m = p.get("meta") or {}
        y = m.get("year") or m.get("year_inferred")
        if y not in (None, ""):
            try:
                out[p["doc_id"]] = int(y)
            except (TypeError, ValueError):
                continue
    return out


@dataclass
class Dated:
    """Years of the drawn nodes and edges (edge key: the sorted pair)."""
    nodes: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    edges: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))

    def of_node(self, n: str) -> list[int]:
        return sorted(self.nodes.get(n) or ())

    def of_edge(self, a: str, b: str) -> list[int]:
        return sorted(self.edges.get((a, b) if a <= b else (b, a)) or ())


def cooccurrence_years(units: Iterable[tuple[str, list[str]]], years: dict[str, int],
                       terms: set[str], pairs: set[tuple[str, str]] | None) -> Dated:
    """``units``: (doc_id, co-occurrence window as one space-joined string of sorted terms), the
    ``cooc`` of each document's ``feat.content`` part. Only ``terms`` and ``pairs`` (the drawn
    ones, pairs sorted) are dated: each window costs its length plus the pairs among its drawn
    terms, which are few. ``pairs`` None: every pair of ``terms``."""
    out = Dated()
    for d, unit in units:
        y = years.get(d)
        if y is None:
            continue
        here = [t for t in unit.split() if t in terms]
        for t in here:
            out.nodes[t].add(y)
        for a, b in combinations(sorted(set(here)), 2):
            if pairs is None or (a, b) in pairs:
                out.edges[(a, b)].add(y)
    return out


def ctx_cooccurrence_years(ctx: ReportContext, terms: set[str], pairs: set[tuple[str, str]],
                           wider: set[str] | None = None) -> Dated | None:
    """The years of the drawn terms and pairs over the run's documents (None without a store:
    a report built from results alone draws the network undated). ``wider``: terms around
    the drawn ones (of the next strongest pairs), dated too, with every pair of them, when the
    documents are read in full, so the next report finds what it draws among them after one
    paper moved the ranking (:func:`kept_cooccurrence_years`)."""
    if not hasattr(ctx, "iter_part"):
        return None
    # The front page and the figures page draw the same network: read the parts once per report.
    key = (frozenset(terms), frozenset(pairs))
    cache = ctx.memo.setdefault("_cooc_years", {})
    if key not in cache:
        years = doc_years(ctx.papers)
        cache.clear()
        if getattr(getattr(ctx, "store", None), "con", None) is not None and getattr(ctx, "doc_ids", None):
            cache[key] = kept_cooccurrence_years(ctx, years, terms, pairs, wider)
        else:
            units = ((d, u) for d, part in ctx.iter_part("feat.content") if d in years
                     for u in part.get("cooc") or ())
            cache[key] = cooccurrence_years(units, years, terms, pairs)
    return cache[key]


KV_KEY = "report:cooccurrence_years"


def kept_cooccurrence_years(ctx: ReportContext, years: dict[str, int], terms: set[str],
                            pairs: set[tuple[str, str]], wider: set[str] | None = None) -> Dated:
    """:func:`cooccurrence_years` over the run's documents, reading only the documents the
    previous report did not: the dated terms and pairs of the last report are kept in the
    store (``kv``) with the documents they were read from (each with its year and the time its
    ``feat.content`` part was stored, so a part made again is read again). A year is a union
    over documents, so the documents added since are read and added; when a document was
    removed or changed, the features key changed, or a drawn term is not among the kept ones
    (every pair of the kept terms is kept), every document is read again. Equal to the full
    pass (tests/test_report_reuse.py)."""
    import json

    fkey = list(getattr(ctx, "features_key", ("", "")))
    ids = [d for d in ctx.doc_ids if d in years]
    created = dict(ctx.store.con.execute(
        "SELECT doc_id, created FROM stage_results WHERE stage='feat.content' AND version=? AND cfg_hash=?",
        fkey).fetchall())
    now = {d: [created.get(d), years[d]] for d in ids}
    row = ctx.store.con.execute("SELECT value FROM kv WHERE key=?", [KV_KEY]).fetchone()
    try:
        old = json.loads(row[0]) if row else None
        fits = (isinstance(old, dict) and old.get("features_key") == fkey
                and all(now.get(d) == v for d, v in old["docs"].items())
                and terms <= set(old["terms"]))
    except (ValueError, KeyError, TypeError, AttributeError):  # written by another litmap: read all
        fits = False
    if fits:
        all_terms = set(old["terms"])
        read = [d for d in ids if d not in old["docs"]]
        got = Dated()
        for t, ys in old["nodes"].items():
            got.nodes[t].update(ys)
        for a, b, ys in old["edges"]:
            got.edges[(a, b)].update(ys)
        covered = dict(old["docs"])
    else:
        all_terms = terms | (wider or set())
        read, got, covered = ids, Dated(), {}
    seen: list[str] = []

    def units() -> Iterable[tuple[str, str]]:
        for d, part in ctx.iter_part("feat.content", read):
            seen.append(d)
            for u in part.get("cooc") or ():
                yield d, u

    new = cooccurrence_years(units(), years, all_terms, None)
    for t, ys in new.nodes.items():
        got.nodes[t].update(ys)
    for e, ys in new.edges.items():
        got.edges[e].update(ys)
    covered.update({d: now[d] for d in seen})
    if callable(getattr(ctx, "log", None)) and fits:
        ctx.log(f"report: co-occurrence years: read {len(read)} of {len(ids)} documents, the others kept")
    ctx.store.con.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", [KV_KEY, json.dumps({
        "features_key": fkey, "docs": covered, "terms": sorted(all_terms),
        "nodes": {t: sorted(ys) for t, ys in got.nodes.items()},
        "edges": [[a, b, sorted(ys)] for (a, b), ys in sorted(got.edges.items())]}, ensure_ascii=False)])
    out = Dated()
    for t in terms:
        if t in got.nodes:
            out.nodes[t] = set(got.nodes[t])
    for e in pairs:
        if e in got.edges:
            out.edges[e] = set(got.edges[e])
    return out


@dataclass
class CitedWork:
    work_id: str
    authors: list[str]
    year: int | None
    title: str | None
    matched_doc_id: str | None
    citing: set[str] = field(default_factory=set)  # citing doc_ids


def _year(v: Any) -> int | None:
    try:
        return int(v) if v not in (None, "") and v == v else None
    except (TypeError, ValueError):
        return None


def _str(v: Any) -> str:
    """A text cell, empty when missing (None, or NaN from a table read back)."""
    return v if isinstance(v, str) else ""


def cited_works(references: Iterable[dict[str, Any]], include_classics: bool = False) -> dict[str, CitedWork]:
    """work_id -> the cited work (first reference seen names it) and the documents citing it."""
    out: dict[str, CitedWork] = {}
    for r in references:
        if r.get("classic") and not include_classics:
            continue
        w = out.get(r["work_id"])
        if w is None:
            w = out[r["work_id"]] = CitedWork(r["work_id"], [a for a in _str(r.get("authors")).split(";") if a],
                                              _year(r.get("year")), _str(r.get("title")) or None,
                                              _str(r.get("matched_doc_id")) or None)
        w.citing.add(r["doc_id"])
    return out


def cocitation_graph(references: Iterable[dict[str, Any]], years: dict[str, int], max_edges: int,
                     counted: list[Any] | None = None) -> tuple[dict[str, CitedWork], list[tuple[str, str, int]], Dated]:
    """The ``max_edges`` strongest co-citation pairs (documents citing both, classics apart),
    their works, and the citing years of each. ``counted``: the works stage's pairs
    (``cocitation``, strongest first), so the quadratic count per citing document is not done
    twice; without them the pairs are counted here the same way."""
    works = cited_works(references)
    if counted is not None:
        pairs = [((str(a), str(b)), int(n)) for a, b, n, *_ in counted if a in works and b in works][:max_edges]
    else:
        by_doc: dict[str, set[str]] = defaultdict(set)
        for w in works.values():
            for d in w.citing:
                by_doc[d].add(w.work_id)
        count: dict[tuple[str, str], int] = defaultdict(int)
        for ws in by_doc.values():
            for a, b in combinations(sorted(ws), 2):
                count[(a, b)] += 1
        pairs = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[:max_edges]
    dated = Dated()
    for (a, b), _n in pairs:
        for d in works[a].citing & works[b].citing:
            if d in years:
                dated.edges[(a, b)].add(years[d])
    for wid in {x for (a, b), _ in pairs for x in (a, b)}:
        dated.nodes[wid] = {years[d] for d in works[wid].citing if d in years}
    return works, [(a, b, n) for (a, b), n in pairs], dated


def coauthorship_graph(references: Iterable[dict[str, Any]], papers: Iterable[dict[str, Any]],
                       doc_work: dict[str, str], max_edges: int
                       ) -> tuple[dict[str, int], list[tuple[str, str, int]], Dated]:
    """People writing together, over the cited works and the corpus's own papers (one work
    counted once: a corpus paper its references match is one work): the ``max_edges`` strongest
    pairs, each person's number of works, and the publication years of each."""
    from pipeline.refs.names import paper_authors

    work: dict[str, tuple[list[str], int | None]] = {}
    for p in papers:
        m = p.get("meta") or {}
        wid = doc_work.get(p["doc_id"]) or p["doc_id"]
        work.setdefault(wid, (paper_authors(m), _year(m.get("year") or m.get("year_inferred"))))
    for r in references:
        if not r.get("classic"):
            work.setdefault(r["work_id"], ([a for a in _str(r.get("authors")).split(";") if a], _year(r.get("year"))))
    n_works: dict[str, int] = defaultdict(int)
    count: dict[tuple[str, str], int] = defaultdict(int)
    dated = Dated()
    for names, y in work.values():
        names = sorted(set(names))
        for a in names:
            n_works[a] += 1
            if y is not None:
                dated.nodes[a].add(y)
        for a, b in combinations(names, 2):
            count[(a, b)] += 1
            if y is not None:
                dated.edges[(a, b)].add(y)
    pairs = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[:max_edges]
    return dict(n_works), [(a, b, n) for (a, b), n in pairs], dated
