"""The ``definitions`` corpus stage: definitions and characterizations of tracked concepts, with
their definers (issue 17), found in the concept stage's mentions by the cues of
``definitions.cues``. It reads no paper again: a mention carries its sentence, its place in it
and its attribution, which is all a cue and a definer need. Its key holds the cue file's
content (``keys.FILE_KEYS``), so editing the cues re-runs this stage only."""
from __future__ import annotations

from typing import Any

from ..config import resolve
from ..context import StageContext


def compute_definitions(ctx: StageContext) -> dict[str, Any]:
    from .definitions import definitions_of, load_cues

    cues = load_cues(resolve(ctx.cfg, ctx.cfg["definitions"]["cues"]))
    concepts = ctx.results.get("concepts") or {}
    defs = definitions_of(concepts.get("mentions") or [], cues)
    ctx.log(f"definitions: {len(defs)} sentences define or characterize a tracked concept "
            f"({len(cues.cues)} cues)")
    return {"rows": [d.as_dict() for d in defs], "cues": [c.name for c in cues.cues], "doc_ids": list(ctx.doc_ids)}


def definitions_for(results: Any, concept: str) -> list[dict[str, Any]]:
    """The stored definitions of one concept (the trace JSON's ``definitions``)."""
    res = (results or {}).get("definitions") if hasattr(results, "get") else None
    return [d for d in ((res or {}).get("rows") or []) if d["concept"] == concept]
