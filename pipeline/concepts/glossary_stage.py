"""The ``glossary`` corpus stage: every Chinese term or name printed with its foreign original
(``concepts/glossary.py``, rules ``glossary.rules``); its person groups extend the alias table
the works stage folds cited authors with.

The result keeps each paper's pairs (``per_doc``: doc_id -> [zh, foreign, kind] in the order
printed), so ``--update`` reads only the new papers and re-folds the kept pairs in doc_id
order (``concepts/partials.py``): the rows of a fresh run, without reading the corpus again."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..config import resolve
from ..context import StageContext
from ..refs.aliases import run_aliases
from .partials import ids_to_fold, paper_ids


def compute_glossary(ctx: StageContext) -> dict[str, Any]:
    return _glossary(ctx, {}, None)


def update_glossary(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    now = paper_ids(ctx)
    todo = ids_to_fold(ctx, previous, "glossary", now, key="paper_ids")
    if todo is None:
        return _glossary(ctx, {}, None)
    return _glossary(ctx, dict(previous["per_doc"]), todo, previous["paper_ids"])


def _glossary(ctx: StageContext, per_doc: dict[str, list[list[str]]], todo: list[str] | None,
              seen: list[str] = ()) -> dict[str, Any]:
    from .glossary import Gloss, build_glossary, glossary_aliases, load_rules
    from .glosses import texts_glosses

    rules = load_rules(resolve(ctx.cfg, ctx.cfg["glossary"]["rules"]))  # the file the stage's key hashes
    covered = set(seen)
    # each paper's texts with a bracket (features.py), not the whole paper: the same glosses
    for d, texts in ctx.iter_part("feat.gloss", paper_ids(ctx) if todo is None else todo):
        covered.add(d)
        found = texts_glosses(texts, rules)
        if found:
            per_doc[d] = [[g.zh, g.foreign, g.kind] for g in found]
    heads = {h["doc_id"]: h for h in ctx.papers}
    # the fold reads a paper's head (its year and authors) and its pairs, nothing else of it
    entries = build_glossary((heads[d], [Gloss(zh, foreign, kind, 0) for zh, foreign, kind in per_doc[d]])
                             for d in sorted(per_doc) if d in heads)
    linked = glossary_aliases(entries, run_aliases(ctx.cfg))
    for r in linked["refused"]:  # said, never merged: the user decides in configs/aliases.yaml
        ctx.log(f"glossary: not joined as one person: {' / '.join(r['names'])}: {r['reason']}")
    return {"entries": [asdict(e) for e in entries], "aliases": linked["authors"], "refused": linked["refused"],
            "per_doc": per_doc, "paper_ids": sorted(covered), "mode": "refit" if todo is None else "update"}
