"""One work, many records: the union of a work's references over its documents.

A paper can reach the corpus as a full text (its footnotes), a CSSCI record (its printed
reference list) and a CNKI record (no references). They are one work (``work_id_for_doc``), and
the work cites each cited work once per source that names it, not once per record:

* documents of a work are ranked: full texts with the most footnote references first, then
  records with a reference list, then the rest (ties: the source name), so the richest record
  leads and the order never depends on the file system;
* a footnote reference counts as a citation, as always (a paper that cites one book in three
  footnotes cites it three times), but only in the leading document that cites that work;
* a list item counts only if no earlier document of the work, and no footnote of its own
  document, cites the same work: otherwise it is merged into that citation, whose ``sources``
  then name both (``footnote 1;cssci 1``).

Rankings, co-citation and co-authorship are then computed over citing *works*, so the seed's
full text and its CSSCI record never count a pair twice.

Example::

    >>> rows = [{"doc_id": "a", "citing_work_id": "W", "work_id": "x", "source": "footnote", "ref_n": 1},
    ...         {"doc_id": "b", "citing_work_id": "W", "work_id": "x", "source": "cssci", "ref_n": 4},
    ...         {"doc_id": "b", "citing_work_id": "W", "work_id": "y", "source": "cssci", "ref_n": 5}]
    >>> [r["counted"] for r in mark_counted(rows, {"a": 0, "b": 1})]
    [True, False, True]
    >>> [r["sources"] for r in work_references(rows, {"a": 0, "b": 1})]
    ['footnote 1;cssci 4', 'cssci 5']
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

# The columns of ``data/work_references.csv`` (one row per citing work and cited work).
WORK_REF_COLUMNS = ["citing_work_id", "work_id", "authors", "first_author", "title", "container", "publisher",
                    "year", "volume", "issue", "pages", "type", "classic", "sources", "citations", "matched_doc_id"]


def doc_rank(docs: list[dict[str, Any]], n_footnote_refs: dict[str, int], n_listed: dict[str, int]) -> dict[str, int]:
    """doc_id -> its rank among all documents (lower leads); see the module's rule."""
    order = sorted(docs, key=lambda d: (-n_footnote_refs.get(d["doc_id"], 0), -n_listed.get(d["doc_id"], 0),
                                        d.get("source") or "", d["doc_id"]))
    return {d["doc_id"]: i for i, d in enumerate(order)}


def _in_order(rows: list[dict[str, Any]], rank: dict[str, int]) -> list[dict[str, Any]]:
    # Footnotes before list items within a document; each in printed order.
    return sorted(rows, key=lambda r: (rank.get(r["doc_id"], len(rank)), r["source"] != "footnote",
                                       r["ref_n"] if r["ref_n"] is not None else -1))


def fold_collections(rows: list[dict[str, Any]], rank: dict[str, int]) -> list[dict[str, Any]]:
    """A list item naming a collected work without its volume (CSSCI's ``.列宁全集.北京:人民出版社``)
    is the same citation as the footnotes of the same paper citing volumes of it (《列宁全集》第27卷):
    it takes the work id of the first such footnote, so the union merges it instead of adding a
    volume-less work the paper's footnotes never cite. In place; returns ``rows``."""
    from .identity import main_title_key

    first_volume: dict[tuple[str, str], str] = {}
    for r in _in_order(rows, rank):
        if r["source"] == "footnote" and r.get("classic"):
            first_volume.setdefault((r["citing_work_id"], main_title_key(r.get("title"))), r["work_id"])
    for r in rows:
        if r["source"] != "footnote" and r.get("classic") and not r.get("volume"):
            wid = first_volume.get((r["citing_work_id"], main_title_key(r.get("title"))))
            if wid:
                r["work_id"] = wid
    return rows


def mark_counted(rows: list[dict[str, Any]], rank: dict[str, int]) -> list[dict[str, Any]]:
    """Set ``counted`` on every reference row (in place; returns ``rows``)."""
    first_doc: dict[tuple[str, str], str] = {}  # (citing work, cited work) -> the document that counts it
    fn_works = {(r["doc_id"], r["work_id"]) for r in rows if r["source"] == "footnote"}
    listed: set[tuple[str, str]] = set()
    for r in _in_order(rows, rank):
        first = first_doc.setdefault((r["citing_work_id"], r["work_id"]), r["doc_id"])
        if first != r["doc_id"]:
            r["counted"] = False
        elif r["source"] == "footnote":
            r["counted"] = True
        else:  # a list names each work once; a footnote of the same document already counts it
            key = (r["doc_id"], r["work_id"])
            r["counted"] = key not in fn_works and key not in listed
            listed.add(key)
    return rows


def work_references(rows: list[dict[str, Any]], rank: dict[str, int]) -> list[dict[str, Any]]:
    """One row per (citing work, cited work): the fullest record of it and every source naming it."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in _in_order(rows, rank):
        groups.setdefault((r["citing_work_id"], r["work_id"]), []).append(r)
    out = []
    for (citing, wid), rs in groups.items():
        best = max(rs, key=lambda r: sum(r.get(k) not in (None, "", []) for k in
                                         ("title", "container", "publisher", "year", "volume", "issue", "pages")))
        srcs = list(dict.fromkeys(f"{r['source']} {r['ref_n']}" if r["ref_n"] is not None else r["source"]
                                  for r in rs))
        printed = next((r.get("authors_printed") for r in rs if r.get("authors_printed")), "") or ""
        out.append({"citing_work_id": citing, "work_id": wid, "authors": best.get("authors"),
                    "first_author": printed.split(";")[0] if printed else "",
                    **{k: best.get(k) for k in ("title", "container", "publisher", "year", "volume", "issue",
                                                "pages", "type", "classic")},
                    "sources": ";".join(srcs), "citations": sum(bool(r.get("counted")) for r in rs),
                    "matched_doc_id": next((r.get("matched_doc_id") for r in rs if r.get("matched_doc_id")), None)})
    out.sort(key=lambda r: (r["citing_work_id"], _first_pos(r, groups)))
    return out


def _first_pos(row: dict[str, Any], groups: dict[tuple[str, str], list[dict[str, Any]]]) -> tuple:
    r = groups[(row["citing_work_id"], row["work_id"])][0]
    return (r["source"] != "footnote", r["ref_n"] if r["ref_n"] is not None else -1, row["work_id"])


def all_rows(works: dict[str, Any] | None, counted_only: bool = False) -> list[dict[str, Any]]:
    """The works stage's footnote references and list items together; ``counted_only``: without
    the ones merged into another record's citation of the same work (for counting)."""
    works = works or {}
    rows = list(works.get("references") or []) + list(works.get("listed") or [])
    return [r for r in rows if r.get("counted", True)] if counted_only else rows
