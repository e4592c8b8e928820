"""The ``stance`` corpus stage: every footnote that cites a work, labelled with how its citing
sentence uses the work (``pipeline/concepts/stance.py``, lexicon ``stance.lexicon``). Linear in
the corpus: one regex pass over each citing sentence and note, read from each paper's small
``feat.cites`` part (what ``stance_rows`` reads of it, computed with its features).
A paper's rows depend on that paper alone, so ``--update`` labels the new papers only and puts
their rows in doc_id order among the stored ones (``concepts/partials.py``)."""
from __future__ import annotations

from typing import Any

from ..config import resolve
from ..context import StageContext
from .partials import ids_to_fold, merge_by_doc, paper_ids


def compute_stance(ctx: StageContext) -> dict[str, Any]:
    return _stance(ctx, [], None)


def update_stance(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    todo = ids_to_fold(ctx, previous, "stance", paper_ids(ctx), key="paper_ids")
    if todo is None:
        return _stance(ctx, [], None)
    return _stance(ctx, list(previous["rows"]), todo, previous["paper_ids"])


def _stance(ctx: StageContext, kept: list[dict[str, Any]], todo: list[str] | None,
            seen: list[str] = ()) -> dict[str, Any]:
    from .stance import load_lexicon, stance_rows

    lex = load_lexicon(resolve(ctx.cfg, ctx.cfg["stance"]["lexicon"]))  # the file the stage's key hashes
    rows: list[dict[str, Any]] = []
    covered = set(seen)
    # what stance_rows reads of each paper (features.py), not the whole paper: the same rows
    for d, part in ctx.iter_part("feat.cites", paper_ids(ctx) if todo is None else todo):
        covered.add(d)
        rows.extend(stance_rows(part, lex))
    return {"rows": merge_by_doc(kept, rows) if todo is not None else rows, "default": lex.default,
            "paper_ids": sorted(covered), "mode": "refit" if todo is None else "update",
            "changed_docs": todo}  # the documents whose rows the store's table must take (runner/corpus.py)
