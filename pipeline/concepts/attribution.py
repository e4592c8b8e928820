"""Attribution of a mention to the works its footnote markers cite.

One entry per reference of the footnote (a footnote citing two works attributes to both, as
the gold does); a footnote without a parsed reference (a classic, a remark) still gives one
entry with no authors, so the marker is not lost. ``authors`` are as printed (the gold's
卢获 stays 卢获); ``authors_canonical`` are what users and spread edges count.
"""
from __future__ import annotations

from typing import Any

from pipeline.ingest.normalize import to_simplified


def footnote_index(paper: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(f["n"]): f for f in paper.get("footnotes") or []}


def attribution_for_footnote(footnote: dict[str, Any] | None, n: int) -> list[dict[str, Any]]:
    refs = (footnote or {}).get("refs") or []
    if not refs:
        return [{"footnote_n": n, "ref_index": None, "authors": [], "authors_canonical": [], "year": None,
                 "title": None, "work_id": None, "type": None}]
    out = []
    for i, r in enumerate(refs):
        authors = list(r.get("authors") or [])
        canon = list(r.get("authors_canonical") or []) or [to_simplified(a) for a in authors]
        out.append({"footnote_n": n, "ref_index": i, "authors": authors, "authors_canonical": canon,
                    "year": r.get("year"), "title": r.get("title"), "work_id": r.get("work_id"),
                    "type": r.get("type")})
    return out


def footnote_refs(works: dict[str, Any] | None) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """The works stage's reference rows by (doc_id, footnote_n), in footnote order."""
    by_fn: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in (works or {}).get("references") or []:
        by_fn.setdefault((r["doc_id"], int(r["footnote_n"])), []).append(r)
    return by_fn


def fill_work_ids(mentions: list[dict[str, Any]], works: dict[str, Any] | None,
                  by_fn: dict[tuple[str, int], list[dict[str, Any]]] | None = None) -> None:
    """Give attributed entries the corpus work ids (and matched documents) of the works stage.

    The works stage lists references per (doc_id, footnote_n) in footnote order, so the k-th row
    of a footnote is its k-th reference. ``by_fn``: :func:`footnote_refs` of ``works``, made once
    by a caller that fills many lists.
    """
    if by_fn is None:
        by_fn = footnote_refs(works)
    for m in mentions:
        for a in m.get("attributed") or []:
            lst = by_fn.get((m["doc_id"], a["footnote_n"]))
            i = a.get("ref_index")
            if lst and i is not None and i < len(lst):
                a["work_id"] = lst[i].get("work_id") or a.get("work_id")
                a["matched_doc_id"] = lst[i].get("matched_doc_id")
