"""Dicts of one key pattern that share a single key table: records held by the hundred thousand.

A stage result holds many records of the same few shapes (160,000 concept mentions of 22 keys
at 10,000 papers). Each plain dict carries its own hash table of keys: 840 bytes for a mention.
CPython keeps the ``__dict__`` of instances of one class as a *split* table, the keys stored
once on the class and only the values per instance: 290 bytes for the same mention. The
records stay ordinary ``dict`` objects (JSON, pandas, ``{**m}`` and every stage read them as
before); a record that later gets a key outside its pattern, or loses one, becomes a plain dict
by itself, which costs memory, never correctness. On an interpreter without split tables they
are simply plain dicts.

    >>> make = record_maker(("doc_id", "concept"))
    >>> m = make(); m.update(doc_id="d1", concept="数字资本")
    >>> type(m) is dict and m == {"doc_id": "d1", "concept": "数字资本"}
    True
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_CLASSES: dict[tuple[str, ...], type] = {}


def record_maker(keys: tuple[str, ...]) -> Callable[[], dict[str, Any]]:
    """A function giving an empty dict that shares its key table with every other dict it
    gave, once filled with ``keys`` in this order (one class per pattern: patterns filled in
    different orders would not share one table)."""
    cls = _CLASSES.get(keys)
    if cls is None:
        cls = _CLASSES[keys] = type("Record", (), {"__slots__": ("__dict__",)})
    return lambda: cls().__dict__
