"""Corpus-level work identity: documents ↔ works ↔ references.

Identity is corpus-level on purpose: adding a document can give the seed's references a match
without the seed changing, so this never lives in the per-document cache.
"""
from __future__ import annotations

from typing import Any

from ..records import Ref


def _apply_glossary_names(refs: list[Ref], aliases: dict[str, Any] | None) -> None:
    """Fold cited authors through the names the corpus glossary joined (Dan Schiller -> 丹·席勒);
    only names it added (``glossary_index``, see ``refs.aliases.extend_aliases``) change."""
    from .names import name_key

    extra = (aliases or {}).get("glossary_index") or {}
    if not extra:
        return
    for r in refs:
        if r.authors_canonical:
            r.authors_canonical = [extra.get(name_key(n), n) for n in r.authors_canonical]


def link_works(papers: list[dict[str, Any]], parts: Any = None, aliases: dict[str, Any] | None = None) -> dict[str, Any]:
    """``papers``: heads (or full papers); ``parts``: (doc_id, feat.refs part) pairs, or None to
    read references, footnotes and text from full papers; ``aliases``: the run's alias table
    (``refs.aliases``; None: the repository's), which says which suggested aliases are known.

    ``references`` are the footnote references (one row per footnote reference, as before),
    ``listed`` the items of printed reference lists (CSSCI); both carry ``source``, ``ref_n``,
    ``citing_work_id`` and ``counted`` (see :mod:`pipeline.refs.union`), and
    ``work_references`` is their union per citing work."""
    from . import assign_work_ids, match_references, work_id_for_doc
    from .names import paper_authors
    from .union import doc_rank, fold_collections, mark_counted, work_references

    if parts is None:
        parts = [(p["doc_id"], refs_part(p)) for p in papers]

    docs = []
    doc_work: dict[str, str] = {}
    for p in papers:
        m = p["meta"]
        year = m.get("year") or None
        wid = work_id_for_doc(m.get("title") or "", m.get("authors") or [], year)
        doc_work[p["doc_id"]] = wid
        docs.append({"doc_id": p["doc_id"], "title": m.get("title") or "", "authors": paper_authors(m),
                     "year": year, "work_id": wid, "source": p.get("source")})
    refs: list[Ref] = []
    where: list[tuple[str, int | None, str, int | None]] = []  # (doc_id, footnote_n, source, ref_n)
    unparsed: list[dict[str, Any]] = []
    latin: set[str] = set()
    for doc_id, part in parts:
        for n, r in part["refs"]:
            refs.append(Ref(**r))
            where.append((doc_id, n, "footnote", n))
        for n, r in part.get("listed", []):
            refs.append(Ref(**r))
            where.append((doc_id, None, r.get("source") or "list", n))
        unparsed += part["unparsed"]
        latin.update(part["latin"])
    _apply_glossary_names(refs, aliases)
    variants = assign_work_ids(refs)
    matched = match_references(refs, docs)
    # A reference matched to a corpus document takes that document's work id, so the citation
    # graph joins papers in the corpus to the works citing them.
    for r, d in zip(refs, matched):
        if d is not None:
            r.work_id = doc_work[d]
    rows = []
    for (doc_id, n, source, ref_n), r, d in zip(where, refs, matched):
        rows.append({"doc_id": doc_id, "footnote_n": n, "work_id": r.work_id,
                     "authors": ";".join(r.authors_canonical or r.authors), "title": r.title,
                     "container": r.container, "year": r.year, "type": r.type, "classic": r.classic,
                     "matched_doc_id": d, "raw": r.raw, "nationality": r.nationality, "source": source,
                     "ref_n": ref_n, "citing_work_id": doc_work.get(doc_id, doc_id),
                     "authors_printed": ";".join(r.authors), "publisher": r.publisher, "volume": r.volume,
                     "issue": r.issue, "pages": r.pages})
    n_fn: dict[str, int] = {}
    n_list: dict[str, int] = {}
    for row in rows:
        c = n_fn if row["source"] == "footnote" else n_list
        c[row["doc_id"]] = c.get(row["doc_id"], 0) + 1
    rank = doc_rank(docs, n_fn, n_list)
    fold_collections(rows, rank)
    mark_counted(rows, rank)
    counted = [(row["citing_work_id"], r) for row, r in zip(rows, refs) if row["counted"]]
    return {"doc_work": doc_work, "references": [r for r in rows if r["source"] == "footnote"],
            "listed": [r for r in rows if r["source"] != "footnote"],
            "work_references": work_references(rows, rank), "variants": variants,
            **_summaries(counted, sorted({n for r in refs for n in r.authors}), unparsed, sorted(latin), aliases)}


def refs_part(p: dict[str, Any]) -> dict[str, Any]:
    """The feat.refs part of a full paper (see ``features.py``), for callers without a run."""
    import re

    from .names import _LATIN_DOTS, _LATIN_IN_PARENS

    body = [s["text"] for sec in p["sections"] for para in sec.get("sentences", []) for s in para]
    listed = p.get("references") or []
    return {"refs": [[f["n"], r] for f in p["footnotes"] for r in f.get("refs", [])],
            "listed": [[r.get("list_n"), r] for r in listed if not r.get("unparsed")],
            # A note with a book title mark, a year of publication or a URL but no reference is
            # probably a citation the parser missed: show it rather than drop it silently.
            "unparsed": [{"doc_id": p["doc_id"], "footnote_n": f["n"], "source": "footnote", "ref_n": f["n"],
                          "text": f["text"], "reason": "looks like a citation (a title mark, a year or a URL) "
                                                       "but no reference was parsed"}
                         for f in p["footnotes"]
                         if not f.get("refs") and re.search(r"《[^》]+》|https?://|\d{4}\s*年", f["text"])]
            + [{"doc_id": p["doc_id"], "footnote_n": None, "source": r.get("source") or "list",
                "ref_n": r.get("list_n"), "text": r.get("raw"), "reason": r["unparsed"]}
               for r in listed if r.get("unparsed")],
            # a name with its Latin original has a middle dot: only such sentences are searched
            # (the pattern tries up to 8 characters at every Han character of every sentence)
            "latin": sorted({m.group(0) for t in body if any(d in t for d in _LATIN_DOTS)
                             for m in _LATIN_IN_PARENS.finditer(t)})}


def _file_aliases(aliases: dict[str, Any] | None) -> dict[str, Any] | None:
    """The alias table without the names the glossary stage added (``glossary_index``)."""
    added = (aliases or {}).get("glossary_index")
    if not added:
        return aliases
    return {**aliases, "index": {k: v for k, v in aliases["index"].items() if k not in added}, "glossary_index": {}}


def _summaries(counted: list[tuple[str, Ref]], names: list[str], unparsed: list[dict[str, Any]], latin: list[str],
               aliases: dict[str, Any] | None = None) -> dict[str, Any]:
    """Rankings (classics apart), pairs, alias suggestions and footnotes that look cited but gave
    nothing. ``counted``: (citing work, reference) for the references that count (``refs.union``)."""
    from . import (
        author_citation_counts,
        coauthorship_pairs,
        cocitation_pairs,
        suggest_aliases,
        work_citation_counts,
    )

    by_work: dict[str, list[Ref]] = {}
    for citing, r in counted:
        by_work.setdefault(citing, []).append(r)
    cited = sorted(by_work.items())
    return {
        "author_counts": author_citation_counts(cited),
        "work_counts": work_citation_counts(cited),
        # Classics included, so the pairs equal what a tool reading our WoS export counts; the
        # report's network leaves them out (``classic_works``).
        "cocitation": cocitation_pairs(cited, include_classics=True),
        "classic_works": sorted({r.work_id for _c, r in counted if r.classic and r.work_id}),
        "coauthorship": coauthorship_pairs(cited),
        # "already in aliases.yaml" means the file: names the corpus glossary joined are suggested
        # until a researcher writes them there.
        "alias_suggestions": suggest_aliases(names, latin, _file_aliases(aliases)),
        "unparsed": unparsed,
    }
