"""Rows of the model stages' result tables (``store/schema.py`` names and types the columns):
topics, document topics and author topics (topics stage), term candidates (terms stage) and
similar papers (vectors stage)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Row = dict[str, Any]


def topic_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    fitted = result.get("result")
    return {"topics": iter(fitted.topics if fitted is not None else []),
            "doc_topics": iter(fitted.doc_topics if fitted is not None else []),
            "author_topics": iter(result.get("authors") or [])}


def term_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    return {"terms": iter(result.get("rows") or [])}


def vector_tables(result: dict[str, Any]) -> dict[str, Iterator[Row]]:
    return {"similar_papers": iter(result.get("similar") or [])}
