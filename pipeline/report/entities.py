"""One pass over the run's results that indexes them by author and by paper.

Author and paper pages draw on every stage (works, topics, concepts); building the indexes once
keeps the report linear in the corpus size, so thousands of pages stay cheap.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pipeline.refs.names import paper_authors

from ..context import ReportContext

T = TypeVar("T")


@dataclass
class AuthorInfo:
    name: str  # the canonical name (one person across scripts and aliases)
    papers: list[str] = field(default_factory=list)  # corpus doc_ids written by the author
    variants: set[str] = field(default_factory=set)  # other printed forms of the name (劉皓琰 for 刘皓琰)
    cited: dict[str, dict[str, Any]] = field(default_factory=dict)  # work_id -> {title, year, ..., by: [(doc_id, fn)]}
    concepts: list[dict[str, Any]] = field(default_factory=list)  # {concept, role, first_year, count}
    topics: list[dict[str, Any]] = field(default_factory=list)  # prevalence rows of the corpus author
    model_topics: list[dict[str, Any]] = field(default_factory=list)  # author-topic model rows
    coauthors: dict[str, int] = field(default_factory=dict)
    cites: dict[str, int] = field(default_factory=dict)  # authors this (corpus) author cites -> count

    @property
    def n_citations(self) -> int:
        return sum(len(w["by"]) for w in self.cited.values())


@dataclass
class PaperInfo:
    paper: dict[str, Any]  # the head (metadata, n_paragraphs, n_footnotes); the text is in ctx.iter_papers
    work_id: str | None = None
    mentions: list[dict[str, Any]] = field(default_factory=list)
    topics: dict[Any, float] = field(default_factory=dict)  # topic_id -> mean weight over the paper's units
    refs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # footnote_n -> references rows
    cited_by: list[tuple[str, int | None]] = field(default_factory=list)  # (doc_id, footnote_n or None) citing it
    listed: list[dict[str, Any]] = field(default_factory=list)  # its printed reference list (CSSCI), rows


@dataclass
class Entities:
    authors: dict[str, AuthorInfo]
    papers: dict[str, PaperInfo]
    topic_labels: dict[Any, str]
    works: dict[str, list[str]] = field(default_factory=dict)  # work_id -> its corpus doc_ids (mirrors, records)


def _split(authors: Any) -> list[str]:
    if isinstance(authors, list):
        return [a for a in authors if a]
    return [a.strip() for a in str(authors or "").split(";") if a.strip()]


def per_run(ctx: ReportContext, key: str, build: Callable[[ReportContext], T]) -> T:
    """``build(ctx)`` once per report, kept in the context's ``memo`` under ``key`` (sections share it);
    built again when the context's papers change."""
    stamp = (id(ctx.papers), len(ctx.papers))
    cached = ctx.memo.get(key)
    if cached is None or cached[0] != stamp:
        cached = ctx.memo[key] = (stamp, build(ctx))
    return cached[1]


def run_aliases(ctx: ReportContext) -> dict[str, Any]:
    """The run's alias table (``refs.aliases``), the one the parse folded names with; read once
    per report."""
    return per_run(ctx, "_report_aliases", _load_aliases)


def _load_aliases(ctx: ReportContext) -> dict[str, Any]:
    from pipeline.config import resolve
    from pipeline.refs import load_aliases

    refs = (getattr(ctx, "cfg", None) or {}).get("refs")
    path = resolve(ctx.cfg, refs.get("aliases")) if isinstance(refs, dict) and refs.get("aliases") else None
    return load_aliases(path) if path and path.is_file() else load_aliases(None)


def build_entities(ctx: ReportContext) -> Entities:
    from pipeline.refs.names import canonical_name

    from .links import use_aliases

    authors: dict[str, AuthorInfo] = {}
    aliases = run_aliases(ctx)
    use_aliases(aliases)
    canon_of: dict[str, str] = {}

    def au(name: str) -> AuthorInfo:
        # Every name is folded to its person, wherever it comes from (a stage result written
        # before names were canonical, a cited author, a trace): one page per person.
        c = canon_of.get(name)
        if c is None:
            c = canon_of[name] = canonical_name(name, aliases) or name
        if c not in authors:
            authors[c] = AuthorInfo(c)
        if name != c:
            authors[c].variants.add(name)
        return authors[c]

    results = getattr(ctx, "results", None) or {}
    works = results.get("works") or {}
    doc_work = works.get("doc_work", {})
    papers: dict[str, PaperInfo] = {}
    for p in ctx.papers:
        if p["doc_id"] in papers:
            continue
        papers[p["doc_id"]] = PaperInfo(p, doc_work.get(p["doc_id"]))
        for printed, a in zip(_split(p["meta"].get("authors")), paper_authors(p["meta"])):
            info = au(a)
            info.papers.append(p["doc_id"])
            if printed != info.name:
                info.variants.add(printed)
    from ..refs.union import all_rows

    for r in all_rows(works):
        info = papers.get(r["doc_id"])
        if info is not None:
            if r.get("source", "footnote") == "footnote":
                info.refs.setdefault(r["footnote_n"], []).append(r)
            else:
                info.listed.append(r)
        if r.get("matched_doc_id") in papers and r["matched_doc_id"] != r["doc_id"]:
            papers[r["matched_doc_id"]].cited_by.append((r["doc_id"], r.get("footnote_n")))
        if not r.get("counted", True):
            continue  # another record of the same paper already cites this work: counted there
        citing = paper_authors(info.paper["meta"]) if info else []
        for a in _split(r.get("authors")):
            w = au(a).cited.setdefault(r.get("work_id") or r.get("raw", ""), {
                "work_id": r.get("work_id"), "title": r.get("title"), "container": r.get("container"),
                "year": r.get("year"), "type": r.get("type"), "classic": r.get("classic"),
                "matched_doc_id": r.get("matched_doc_id"), "by": []})
            w["by"].append((r["doc_id"], r["footnote_n"]))
            a = au(a).name
            for c in citing:
                au(c).cites[a] = au(c).cites.get(a, 0) + 1
    for a, b, n in works.get("coauthorship") or []:
        ia, ib = au(a), au(b)
        ia.coauthors[ib.name] = ia.coauthors.get(ib.name, 0) + n
        ib.coauthors[ia.name] = ib.coauthors.get(ia.name, 0) + n
    topics = results.get("topics") or {}
    res = topics.get("result")
    labels: dict[Any, str] = {}
    if res is not None:
        labels = {t["topic_id"]: t["label"] for t in res.topics}
        acc: dict[tuple[str, Any], list[float]] = defaultdict(list)
        units: dict[str, set[str]] = defaultdict(set)
        for r in res.doc_topics:
            acc[(r["doc_id"], r["topic_id"])].append(r["weight"])
            units[r["doc_id"]].add(r["unit_id"])
        for (doc, tid), ws in acc.items():
            if doc in papers:
                # Mean over all the paper's units (absent = 0), so a topic in one paragraph of many is small.
                papers[doc].topics[tid] = round(sum(ws) / max(1, len(units[doc])), 4)
        for r in res.prevalence_by_author:
            au(r["author"]).topics.append(r)
        for r in topics.get("authors") or []:
            c = canonical_name(r["author"], aliases)
            if c in authors:  # the model also covers names never shown elsewhere; skip those
                authors[c].model_topics.append(r)
    concepts = results.get("concepts") or {}
    for m in concepts.get("mentions") or []:
        if m["doc_id"] in papers:
            papers[m["doc_id"]].mentions.append(m)
    for name, t in (concepts.get("traces") or {}).items():
        # Names the concept pages link to: attributions and spread edges get a page too.
        for m in t.get("mentions") or []:
            for a in m.get("attributed") or []:
                for x in a.get("authors") or []:
                    au(x)
            for x in m.get("doc_authors") or []:
                au(x)
        for e in t.get("spread") or []:
            au(e["from"])
            au(e["to"])
        for u in t.get("users") or []:
            au(u["author"]).concepts.append({"concept": name, "role": u.get("role"), "first_year": u.get("first_year"),
                                             "count": u.get("count"), "doc_ids": u.get("doc_ids") or []})
    by_work: dict[str, list[str]] = {}
    for d, info in papers.items():
        if info.work_id:
            by_work.setdefault(info.work_id, []).append(d)
    return Entities(authors, papers, labels, by_work)


def build_entities_cached(ctx: ReportContext) -> Entities:
    """The entities of this run's context, built once per report (sections share them)."""
    return per_run(ctx, "_report_entities", build_entities)
