"""The ``definitions`` corpus stage: definitions and characterizations of tracked concepts, with
their definers (issue 17), found in the concept stage's mentions by the cues of
``definitions.cues``. It reads no paper again: a mention carries its sentence, its place in it
and its attribution, which is all a cue and a definer need. Its key holds the cue file's
content (``keys.FILE_KEYS``), so editing the cues re-runs this stage only.

A definition is one per concept and sentence of one document, so ``--update`` looks at the new
documents' mentions only and puts their rows in doc_id order among the stored ones, as long as
the concepts result is the one the stored rows were found in, updated since (its ``lineage``)."""
from __future__ import annotations

from typing import Any

from ..config import resolve
from ..context import StageContext
from .partials import ids_to_fold, lineages, merge_by_doc

UPSTREAM = ("concepts",)


def compute_definitions(ctx: StageContext) -> dict[str, Any]:
    return _definitions(ctx, [], None)


def update_definitions(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    todo = ids_to_fold(ctx, previous, "definitions", list(ctx.doc_ids), upstream=UPSTREAM)
    if todo is None:
        return _definitions(ctx, [], None)
    return _definitions(ctx, list(previous["rows"]), set(todo))


def _definitions(ctx: StageContext, kept: list[dict[str, Any]], todo: set[str] | None) -> dict[str, Any]:
    from .definitions import definitions_of, load_cues

    cues = load_cues(resolve(ctx.cfg, ctx.cfg["definitions"]["cues"]))
    concepts = ctx.results.get("concepts") or {}
    mentions = concepts.get("mentions") or []
    if todo is not None:
        mentions = [m for m in mentions if m["doc_id"] in todo]
    rows = [d.as_dict() for d in definitions_of(mentions, cues)]
    if todo is not None:
        rows = merge_by_doc(kept, rows)
    ctx.log(f"definitions: {len(rows)} sentences define or characterize a tracked concept "
            f"({len(cues.cues)} cues)")
    return {"rows": rows, "cues": [c.name for c in cues.cues], "doc_ids": list(ctx.doc_ids),
            "upstream": lineages(ctx, UPSTREAM), "mode": "refit" if todo is None else "update",
            "changed_docs": sorted(todo) if todo is not None else None}


def definitions_for(results: Any, concept: str) -> list[dict[str, Any]]:
    """The stored definitions of one concept (the trace JSON's ``definitions``)."""
    res = (results or {}).get("definitions") if hasattr(results, "get") else None
    return [d for d in ((res or {}).get("rows") or []) if d["concept"] == concept]
