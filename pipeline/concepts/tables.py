"""Rows of the concept stages' result tables (``store/schema.py`` names and types the columns):
mentions, co-occurrence, the concept summary, users, spread edges and coinages (concepts stage),
definitions, stances, the glossary and concept shift. Each function reads a stage result and
yields dicts keyed by column name; the runner writes them into the store on every run."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from .mentions import kwic_of

Row = dict[str, Any]


def mention_row(m: dict[str, Any]) -> Row:
    k = kwic_of(m)
    attributed = m.get("attributed") or []
    return {**m, "place": m.get("where"), "kwic_left": k["left"], "kwic_match": k["match"], "kwic_right": k["right"],
            "attributed_authors": [a for r in attributed for a in (r.get("authors_canonical") or r.get("authors") or [])],
            "attributed_footnotes": sorted({r["footnote_n"] for r in attributed if r.get("footnote_n") is not None}),
            "attributed": attributed}


def concept_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    traces = result.get("traces") or {}
    cooc = result.get("cooccurrence")

    def users() -> Iterator[Row]:
        for name, t in traces.items():
            for u in t["users"]:
                yield {**u, "concept": name}

    def spread() -> Iterator[Row]:
        for name, t in traces.items():
            for e in t["spread"]:
                yield {**e, "concept": name, "from_user": e.get("from"), "to_user": e.get("to")}

    return {
        "mentions": (mention_row(m) for m in result.get("mentions") or []),
        "cooccurrence": (cooc if cooc is not None and len(cooc) else iter(())),  # a frame: written by column
        "concepts": iter(result.get("summary") or []),
        "concept_users": users(),
        "spread_edges": spread(),
        "coinages": iter(result.get("coinages") or []),
    }


def definition_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    return {"definitions": ({**r, "place": r.get("where")} for r in result.get("rows") or [])}


def stance_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    return {"stances": iter(result.get("rows") or [])}


def glossary_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    return {"glossary": (e if isinstance(e, dict) else asdict(e) for e in result.get("entries") or [])}


def shift_tables(result: Any) -> dict[str, Iterator[Row]]:
    return {"concept_shift": (asdict(r) for r in getattr(result, "rows", None) or [])}
