"""The ``glossary`` corpus stage: every Chinese term or name printed with its foreign original
(``concepts/glossary.py``, rules ``glossary.rules``); its person groups extend the alias table
the works stage folds cited authors with."""
from __future__ import annotations

from typing import Any

from ..config import resolve
from ..context import StageContext
from ..refs.aliases import run_aliases


def compute_glossary(ctx: StageContext) -> dict[str, Any]:
    from .glossary import glossary_stage

    rules = resolve(ctx.cfg, ctx.cfg["glossary"]["rules"])  # the file the stage's key hashes
    result = glossary_stage(ctx.iter_papers(), rules, run_aliases(ctx.cfg))
    for r in result["refused"]:  # said, never merged: the user decides in configs/aliases.yaml
        ctx.log(f"glossary: not joined as one person: {' / '.join(r['names'])}: {r['reason']}")
    return result
