"""A list of records (dicts) as one Parquet table, read back as equal dicts.

A column whose values all have one scalar type (text, integer, float, boolean) is stored with
that type; any other column as JSON text of the values (encoded by the caller's ``enc``, so a
tuple stays a tuple). Records need not share their keys or key order (a mention in a footnote
has ``in_ref``, one in the body ``markers``): each row names its key pattern, so a record comes
back with exactly its own keys, in its own order (the trace JSON lists them in that order).
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

FETCH_ROWS = 8192  # rows a read fetches at a time (about 3 MB of tuples for mentions)
_SCALARS = ((bool, "BOOLEAN"), (int, "BIGINT"), (float, "DOUBLE"), (str, "VARCHAR"))
# One encoder for every cell: json.dumps with arguments builds a new one per call, which was a
# third of writing a table of mentions.
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def json_cells(encode: Callable[[Any], Any] | None = None) -> Callable[[Any], str]:
    """A function giving a value's JSON text (of ``encode(value)`` when given), made once per
    list or dict object: mentions share their document's title and authors and their sentence's
    context words (concepts/compact.py), so one text serves them all. Each object is kept beside
    its text, so a value built on the fly and dropped cannot lend its id to another; an empty
    list (most mentions cite nothing, a fresh ``[]`` each) costs no encoder call."""
    memo: dict[int, tuple[Any, str]] = {}

    def cell(v: Any) -> str:
        if not isinstance(v, (list, dict)):
            return _dumps(encode(v) if encode else v)
        if not v:
            return "[]" if isinstance(v, list) else "{}"
        hit = memo.get(id(v))
        if hit is None or hit[0] is not v:
            hit = memo[id(v)] = (v, _dumps(encode(v) if encode else v))
        return hit[1]

    return cell


def _column_type(values: list[Any]) -> str:
    return _type_of(set(map(type, values)))


def _type_of(types: set[type]) -> str:
    types = types - {type(None)}
    for py, sql in _SCALARS:
        if types <= {py}:
            return sql
    return "JSON"


_SCRATCH = threading.local()


def scratch() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that reads and writes the Parquet files of stored results, so the
    store's own connection never holds their rows. One per process and thread, kept: opening
    one costs 33 ms of CPU, and an ``--update`` opened 18 (0.5 s of the driver's work). It holds
    nothing between calls (a frame registered on it is unregistered once written); a forked
    child opens its own."""
    con = getattr(_SCRATCH, "con", None)
    if con is None or _SCRATCH.pid != os.getpid():
        con = _SCRATCH.con = duckdb.connect()
        _SCRATCH.pid = os.getpid()
    return con


def frame_to_parquet(frame: Any, path: Path, select: str = "*") -> None:
    """Write a pandas frame (its columns as ``select`` picks or casts them) to a Parquet file."""
    con = scratch()
    con.register("_frame", frame)
    try:
        con.execute(f"COPY (SELECT {select} FROM _frame) TO '{path}' (FORMAT parquet)")
    finally:
        con.unregister("_frame")


@dataclass
class Schema:
    """The columns of a table of records (key names in first-seen order), each column's type
    (``_column_type``) and the key patterns by the number the rows give them."""

    names: list[str]
    types: list[str]
    patterns: dict[tuple[str, ...], int]

    @classmethod
    def of_meta(cls, meta: dict[str, Any]) -> Schema:
        names = list(meta["columns"])
        return cls(names, list(meta["types"]), {tuple(names[i] for i in p): n for n, p in enumerate(meta["patterns"])})

    def meta(self) -> dict[str, Any]:
        at = {k: i for i, k in enumerate(self.names)}
        return {"columns": self.names, "types": self.types, "patterns": [[at[k] for k in p] for p in self.patterns]}


def scan(records: list[dict[str, Any]], base: Schema | None = None, values: bool = True
         ) -> tuple[Schema, list[int], dict[str, list[Any]] | None]:
    """The schema of ``records`` (with ``base``, of the table that holds ``base``'s rows and
    these: its columns and patterns first, a column's type the one both agree on, a column with
    values of two types JSON text), each record's pattern number, and with ``values`` the
    values of each column not stored as JSON text: what :func:`write_records` writes of them,
    looked up once. A table written in parts leaves them to each part (``values=False``): the
    whole table's columns at once were 19 MB at 10,000 papers' 160,000 mentions."""
    names: dict[str, None] = dict.fromkeys(base.names) if base else {}
    patterns = dict(base.patterns) if base else {}
    which = []
    for r in records:
        keys = tuple(r)
        n = patterns.get(keys)
        if n is None:
            n = patterns[keys] = len(patterns)
            names.update(dict.fromkeys(keys))
        which.append(n)
    before = dict(zip(base.names, base.types)) if base else {}
    types = []
    columns: dict[str, list[Any]] | None = {} if values else None
    for k in names:
        column = [r.get(k) for r in records] if columns is not None else None
        seen = set(map(type, column if column is not None else (r.get(k) for r in records)))
        seen.discard(type(None))
        t = _type_of(seen) if seen else None  # no value: the type ``base`` gives
        b = before.get(k)
        t = (b if t is None or t == b else t if b is None else "JSON") or _column_type([])
        types.append(t)
        if t != "JSON" and columns is not None and column is not None:
            columns[k] = column
    return Schema(list(names), types, patterns), which, columns


def write_records(path: Path, records: list[dict[str, Any]], enc: Callable[[Any], Any],
                  cell: Callable[[Any], str] | None = None,
                  scanned: tuple[Schema, list[int], dict[str, list[Any]] | None] | None = None) -> dict[str, Any]:
    """Write ``records`` to one Parquet file. ``scanned``: what :func:`scan` gave for exactly
    these records, with the whole table's schema when they are one part of it (every part has
    the table's columns, so the parts read as one), its column values None when they are to be
    looked up here; ``cell``: the JSON cells' encoder (``json_cells``)."""
    import pandas as pd

    schema, which, columns = scanned if scanned is not None else scan(records)
    names, types = schema.names, schema.types
    cell = cell or json_cells(enc)
    data: dict[str, list[Any]] = {}
    for i, (k, t) in enumerate(zip(names, types)):
        if t == "JSON":
            data[f"c{i}"] = [cell(r[k]) if k in r else None for r in records]
        else:
            data[f"c{i}"] = columns[k] if columns is not None else [r.get(k) for r in records]
    data["keys"] = which
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    sql_types = [t if t != "JSON" else "VARCHAR" for t in types] + ["INTEGER"]
    casts = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in zip(data, sql_types))
    frame_to_parquet(frame, path, casts)
    return schema.meta()


def read_records(path: Path | list[Path], meta: dict[str, Any], dec: Callable[[Any], Any]) -> list[dict[str, Any]]:
    """The records of a table :func:`write_records` wrote, from one file or from the parts of
    one schema in their order (one query: a query a part cost 5-7 ms more each)."""
    names, types, patterns = meta["columns"], meta["types"], meta["patterns"]
    files = [str(p) for p in path] if isinstance(path, list) else str(path)
    cur = scratch().execute("SELECT * FROM read_parquet(?)", [files])
    is_json = [t == "JSON" for t in types]
    # Equal texts and equal word lists come back as one object, as they were held before they
    # were stored (concepts/compact.py shares a document's title, authors and a sentence's
    # context words among its mentions): decoded one by one, 10,000 papers' mentions take
    # several times the memory.
    texts: dict[str, str] = {}
    lists: dict[str, list[str]] = {}  # by their JSON text
    # Lists of numbers (a mention's kwic offsets) and empty lists (its citations, mostly) are
    # decoded once per text and given out as fresh copies, never shared: half the cells of a
    # table of mentions, and json.loads with the decoder's walk was most of reading one.
    numbers: dict[str, tuple[Any, ...]] = {"[]": ()}
    # Each key pattern's records share one key table (shared_keys.py): 160,000 mentions of 22
    # keys held 840 bytes each as plain dicts, 290 so.
    from .shared_keys import record_maker

    makers = [record_maker(tuple(names[i] for i in p)) for p in patterns]
    out = []
    # Fetched a batch at a time: the tuples of a whole table of 160,000 mentions, held at once
    # beside the records made of them, were 190 MB of an update's peak.
    for row in (row for rows in iter(lambda: cur.fetchmany(FETCH_ROWS), []) for row in rows):
        rec = makers[row[-1]]()
        for i in patterns[row[-1]]:
            v = row[i]
            if v is None:
                rec[names[i]] = None
            elif not is_json[i]:
                rec[names[i]] = texts.setdefault(v, v) if isinstance(v, str) else v
            elif v in lists:
                rec[names[i]] = lists[v]
            elif v in numbers:
                rec[names[i]] = list(numbers[v])
            else:
                value = dec(json.loads(v))
                if isinstance(value, list) and value and all(isinstance(x, str) for x in value):
                    lists[v] = value = [texts.setdefault(x, x) for x in value]
                elif isinstance(value, list) and all(type(x) in (int, float) for x in value):
                    numbers[v] = tuple(value)
                rec[names[i]] = value
        out.append(rec)
    return out
