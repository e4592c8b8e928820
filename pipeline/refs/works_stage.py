"""The ``works`` corpus stage: work identity, reference ↔ document matching, citation rankings
and pairs (``refs/works.py``), with cited authors folded through the run's alias table and the
glossary's person groups; mirrored into the store's ``doc_works``, ``citations`` and
``work_references`` tables (migrations of ``store/db.py``) and the pair tables of
``refs/tables.py``."""
from __future__ import annotations

from typing import Any

from ..context import StageContext
from .aliases import extend_aliases, run_aliases
from .works import link_works


def compute_works(ctx: StageContext) -> dict[str, Any]:
    # The corpus's printed pairs (丹·席勒（Dan Schiller）) join a person's spellings; the alias file wins.
    glossary = ctx.results.get("glossary") or {}
    aliases = extend_aliases(run_aliases(ctx.cfg), glossary.get("aliases") or {})
    return link_works(ctx.papers, ctx.iter_part("feat.refs"), aliases)


def persist_works(ctx: StageContext, result: dict[str, Any]) -> None:
    ctx.store.replace_table("doc_works", sorted(result["doc_work"].items()))
    ctx.store.replace_table("citations", [
        (r["doc_id"], r["footnote_n"], r["work_id"], r["matched_doc_id"], r["authors"], r["title"], r["container"],
         r["year"], r["type"], r["classic"], r.get("source", "footnote"), r.get("ref_n", r["footnote_n"]),
         r.get("citing_work_id"), r.get("counted", True))
        for r in list(result["references"]) + list(result.get("listed") or [])])
    ctx.store.replace_table("work_references", [
        (r["citing_work_id"], r["work_id"], r["authors"], r["title"], r["container"], r["year"], r["type"],
         r["classic"], r["sources"], r["citations"], r["matched_doc_id"]) for r in result.get("work_references") or []])
