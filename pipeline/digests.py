"""Canonical JSON bytes of a value, for keys and digests that are hashed and never read back:
a report page's inputs (``report/reuse.py``, ``report/papers_section.py``), a store table's
rows (``store/tables.py``), a concept trace's or coinage's inputs (``concepts/concept_stage.py``).

orjson, not the standard library's ``json``: these keys are computed on every run, over whole
traces, and the standard encoder was most of computing them (the 34 concept pages' keys of a
1,000-paper corpus: 0.24 s of CPU with ``json.dumps(sort_keys=True)``, 0.05 s with orjson;
``bench/digests.py``). Dict keys are sorted (``sort=True``) and may be numbers or None, as
``json`` allows; a dataclass is the object of its fields; what JSON has no type for goes
through ``default`` (:func:`plain`: a set as its sorted members, so the same set gives the same
key in every process). A value orjson refuses (an integer beyond 64 bits, nesting deeper than
254 levels) is encoded by ``json`` instead, so every value has a key.

These bytes are not the standard library's (no spaces; NaN is ``null``): keys made with them
differ from keys made before, once, which costs a store's traces and a report's pages one
rebuild, never a wrong reuse.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import orjson

# The values JSON holds as they are, with no container inside.
JSON_SCALARS = frozenset((str, int, float, bool, type(None)))

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
_AS_IS = orjson.OPT_NON_STR_KEYS


def plain(v: Any) -> Any:
    """What JSON has no type for: a set as the sorted text of its members (``str`` of a set
    follows the process's string hashing, so its key would change from run to run), anything
    else as its ``str``."""
    if isinstance(v, (set, frozenset)):
        return sorted(map(str, v))
    return str(v)


def only_scalars(values: Any) -> bool:
    """Whether every value's type is exactly one of ``JSON_SCALARS``: the types counted by C code
    (``map(type, ...)`` into a set), not a call or a generator step per value. The store codec
    writes and reads such a list or record as it is (a result holds ~100,000 small lists, a
    coinage's uses), and the concept pages' keys pass over one without descending."""
    return JSON_SCALARS.issuperset(map(type, values))


def canonical_json(obj: Any, default: Callable[[Any], Any] = plain, sort: bool = True) -> bytes:
    """The value as JSON bytes; equal values (dicts in any key order, with ``sort``) give equal
    bytes."""
    try:
        return orjson.dumps(obj, default=default, option=_SORTED if sort else _AS_IS)
    except orjson.JSONEncodeError:
        return json.dumps(obj, ensure_ascii=False, sort_keys=sort, default=default).encode()


def short_hash(obj: Any) -> str:
    """16 hex digits of the SHA-1 of :func:`canonical_json` (the length of ``config.stable_hash``)."""
    return hashlib.sha1(canonical_json(obj)).hexdigest()[:16]
