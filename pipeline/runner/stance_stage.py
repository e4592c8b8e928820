"""The ``stance`` corpus stage: every footnote that cites a work, labelled with how its citing
sentence uses the work (``pipeline/concepts/stance.py``, lexicon ``stance.lexicon``). Linear in
the corpus: one regex pass over each citing sentence and note, papers streamed one at a time."""
from __future__ import annotations

from typing import Any


def compute_stance(ctx: Any) -> dict[str, Any]:
    from ..concepts.stance import load_lexicon, stance_rows
    from .keys import config_file

    lex = load_lexicon(config_file(ctx.cfg, "stance", "lexicon"))  # the file the stage's key hashes
    rows: list[dict[str, Any]] = []
    for p in ctx.iter_papers():
        rows.extend(stance_rows(p, lex))
    return {"rows": rows, "default": lex.default}
