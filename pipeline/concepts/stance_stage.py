"""The ``stance`` corpus stage: every footnote that cites a work, labelled with how its citing
sentence uses the work (``pipeline/concepts/stance.py``, lexicon ``stance.lexicon``). Linear in
the corpus: one regex pass over each citing sentence and note, papers streamed one at a time."""
from __future__ import annotations

from typing import Any

from ..config import resolve
from ..context import StageContext


def compute_stance(ctx: StageContext) -> dict[str, Any]:
    from .stance import load_lexicon, stance_rows

    lex = load_lexicon(resolve(ctx.cfg, ctx.cfg["stance"]["lexicon"]))  # the file the stage's key hashes
    rows: list[dict[str, Any]] = []
    for p in ctx.iter_papers():
        rows.extend(stance_rows(p, lex))
    return {"rows": rows, "default": lex.default}
