"""Which documents ``--update`` folds into a stored corpus result.

Each result records the documents it covers (``doc_ids``); with ``--update`` a stage folds in
only the documents its stored result has not seen, keeping the corpus-level choices of the last
refit (vocabulary, IDF and SVD basis, term candidates), and says so in its ``mode``/``notes``. A
removed or changed document makes the update a refit, since sums cannot be taken back apart
reliably."""
from __future__ import annotations

from typing import Any

from ..context import StageContext


def new_docs(ctx: StageContext, previous: dict[str, Any] | None) -> list[str] | None:
    """Documents to fold into ``previous``; None when the update must be a refit (a document the
    stored result covers is gone, or the result predates per-document bookkeeping)."""
    if previous is None or "doc_ids" not in previous:
        return None
    old = set(previous["doc_ids"])
    now = set(ctx.doc_ids)
    if old - now:
        ctx.log(f"update: {len(old - now)} document(s) removed or changed since the stored result: refit")
        return None
    return sorted(now - old)
