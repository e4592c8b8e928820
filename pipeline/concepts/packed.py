"""The mentions of one document as stored: columns of codes into each column's distinct values,
run-length encoded.

A mention repeats most of its fields (the document's authors and title, the sentence, its
attributions, its context words) with every other mention of the same sentence; as one JSON
object each, a line of 数字资本 repeated over 15 MB made 1.25 million objects of ~600 bytes,
more than the store's buffer pool can take in one row. As columns, each distinct value is
written once and a run of equal codes is two numbers, so the record grows with what varies.

>>> rows = [{"a": "x", "b": 1}, {"a": "x", "c": [1]}, {"a": "x", "b": 2}, {"a": "y", "b": True}]
>>> unpack_rows(pack_rows(rows)) == rows
True
"""
from __future__ import annotations

import json
from itertools import groupby
from typing import Any

_MISSING = "\0missing"  # a key the row does not have (shapes differ: in_ref is for footnotes only)


def _key(v: Any) -> Any:
    """A hashable stand-in for a value: equal keys, equal values (True and 1 kept apart)."""
    if isinstance(v, (str, int, float, bool)) or v is None:
        return (type(v), v)
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return (type(v), tuple(v))
    return (type(v), json.dumps(v, ensure_ascii=False, sort_keys=True))


def _column(col: list[Any]) -> dict[str, list[Any]]:
    values: list[Any] = []
    index: dict[Any, int] = {}
    runs: list[int] = []
    for v, group in groupby(col):  # neighbours are compared, and mostly equal; only changes are hashed
        kv = _key(v)
        code = index.get(kv)
        if code is None:
            code = index[kv] = len(values)
            values.append(v)
        n = len(list(group))
        if runs and runs[-2] == code:
            runs[-1] += n
        else:
            runs += [code, n]
    return {"values": values, "runs": runs}


def pack_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Dicts → {"n", "shapes": key lists, "shape_runs", "columns": {key: {"values", "runs"}}};
    the order of rows and of the keys in each row are kept."""
    shapes: dict[tuple[str, ...], int] = {}
    keys: dict[str, None] = {}
    for row in rows:
        shape = tuple(row)
        if shape not in shapes:
            shapes[shape] = len(shapes)
            keys.update(dict.fromkeys(shape))
    if len(shapes) == 1:  # one key order throughout: columns are the rows transposed, in C
        columns = dict(zip(keys, (list(c) for c in zip(*(row.values() for row in rows)))))
    else:
        columns = {k: [row.get(k, _MISSING) for row in rows] for k in keys}
    return {"n": len(rows), "shapes": [list(s) for s in shapes],
            "shape_runs": [x for s, g in groupby(shapes[tuple(row)] for row in rows) for x in (s, sum(1 for _ in g))],
            "columns": {k: _column(c) for k, c in columns.items()}}


def _expand(runs: list[int]) -> list[int]:
    out: list[int] = []
    for i in range(0, len(runs), 2):
        out.extend([runs[i]] * runs[i + 1])
    return out


def unpack_rows(packed: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows :func:`pack_rows` was given; equal values are one shared object. A plain list
    (no rows: nothing was packed) is returned as it is."""
    if isinstance(packed, list):
        return packed
    n = packed["n"]
    shapes = packed["shapes"]
    codes = {k: _expand(c["runs"]) for k, c in packed["columns"].items()}
    values = {k: c["values"] for k, c in packed["columns"].items()}
    shape_of = _expand(packed["shape_runs"])
    # the rows of one shape share one key table (store/shared_keys.py): a third of the memory
    from pipeline.store.shared_keys import record_maker

    makers = [record_maker(tuple(s)) for s in shapes]
    out = []
    for i in range(n):
        keys = shapes[shape_of[i]]
        row = makers[shape_of[i]]()
        row.update(zip(keys, [values[k][codes[k][i]] for k in keys]))
        out.append(row)
    return out
