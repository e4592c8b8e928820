"""Rows of the works stage's pair tables (``store/schema.py``): co-citation and co-authorship.
The stage's other tables (doc_works, citations, work_references) are the store's migrations'."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Row = dict[str, Any]


def pair_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    return {"cocitation": ({"work_a": a, "work_b": b, "count": n} for a, b, n in result.get("cocitation") or []),
            "coauthorship": ({"author_a": a, "author_b": b, "count": n}
                             for a, b, n in result.get("coauthorship") or [])}
