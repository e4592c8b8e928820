"""Folding new documents into a stored corpus result (``--update``) from per-document partials.

The glossary, stance and definitions stages are each a fold of per-document parts in doc_id
order (a paper's glosses, its citing footnotes' stances, the definitions among its mentions).
Their results keep those parts with the ids of the documents they cover, so an update reads
and processes only the new documents and re-folds the kept parts: the same rows a fresh run
over the whole corpus gives, at the cost of the new papers plus a pass over small records.

A fold is refused (the stage recomputes) when a covered document is gone or changed (its id is
no longer in the corpus), or when an upstream result it was built from has been refitted since
(``lineage``, set by the runner: an update keeps its result's lineage, a refit starts a new
one). The runner already refuses a stored result of other settings (``fold_basis``).
"""
from __future__ import annotations

from typing import Any

from ..context import StageContext


def paper_ids(ctx: StageContext) -> list[str]:
    """The ids of the corpus's papers, sorted: the order ``ctx.iter_papers()`` streams them in."""
    return sorted(h["doc_id"] for h in ctx.papers)


def ids_to_fold(ctx: StageContext, previous: Any, stage: str, now: list[str], key: str = "doc_ids",
                upstream: tuple[str, ...] = ()) -> list[str] | None:
    """The documents of ``now`` that ``previous`` (a stored result covering ``previous[key]``)
    has not seen, in ``now``'s order; None when it cannot be folded into (say why)."""
    if not isinstance(previous, dict) or key not in previous or previous.get("mode") is None:
        return None  # a result of before per-document parts were kept
    for name in upstream:
        res = ctx.results.get(name)
        held = (previous.get("upstream") or {}).get(name)
        if not isinstance(res, dict) or held is None or res.get("lineage") != held:
            ctx.log(f"{stage}: the {name} result it was built on has been recomputed since: refit")
            return None
    old = set(previous[key])
    gone = old - set(now)
    if gone:
        ctx.log(f"{stage}: {len(gone)} document(s) removed or changed since the stored result: refit")
        return None
    return [d for d in now if d not in old]


def lineages(ctx: StageContext, upstream: tuple[str, ...]) -> dict[str, Any]:
    """The lineage of each upstream result a stage reads (kept in its result, see ``ids_to_fold``)."""
    out = {}
    for name in upstream:
        res = ctx.results.get(name)
        out[name] = res.get("lineage") if isinstance(res, dict) else None
    return out


def merge_by_doc(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows kept in doc_id order (each document's rows together, in their own order) with the
    rows of new documents put in their place: what one pass over all documents would give."""
    return sorted(old + new, key=lambda r: r["doc_id"])  # stable: a document's rows keep their order
