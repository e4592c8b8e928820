"""Typed result tables in the store: a table's spec (columns, DuckDB types, meaning) and the
writers that replace a table whole with a stage result's rows (skipped when the rows are the
ones last written) or replace the rows of a few documents (``--update``).

Why whole-table replacement (``CREATE OR REPLACE``) rather than a migration per table: a result
table mirrors one corpus result, the current run's, and is rewritten whenever that result
changes; its columns are the spec's, so a new column is a new spec, never a schema migration
of a table someone else may have filled.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb

from ..digests import canonical_json
from .records_table import json_cells


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type: VARCHAR, INTEGER, DOUBLE, BOOLEAN, VARCHAR[], INTEGER[], JSON text as VARCHAR
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    stage: str  # the corpus stage whose result the table mirrors
    doc: str  # one row per ...
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self, name: str | None = None) -> str:
        cols = ", ".join(f'"{c.name}" {c.type}' for c in self.columns)
        return f'CREATE OR REPLACE TABLE "{name or self.name}" ({cols})'


def C(name: str, type_: str, doc: str) -> Column:  # noqa: N802 - reads as a table row in schema.py
    return Column(name, type_, doc)


def specs_digest(tables: Iterable[Table]) -> str:
    """A short hash of table specs: a changed spec rewrites its tables even for a cached result."""
    blob = json.dumps([[t.name, [(c.name, c.type) for c in t.columns]] for t in tables])
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _cell(value: Any, type_: str, json_text: Callable[[Any], str]) -> Any:
    if value is None:
        return None
    if type_ == "JSON":
        return json_text(value)
    if type_.endswith("[]"):
        return list(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _frame_column(values: list[Any], type_: str, json_text: Callable[[Any], str]) -> list[Any]:
    """A frame's column as cells: a scalar column holding no tuple is its values as they are
    (what :func:`_cell` returns for each), found in one C pass; the co-occurrence table's 50,000
    rows took 0.11 s of every ``--update`` through a call per cell."""
    if type_ != "JSON" and not type_.endswith("[]") and tuple not in set(map(type, values)):
        return values
    return [_cell(v, type_, json_text) for v in values]


def _columns(table: Table, rows: Iterable[Mapping[str, Any]] | Any) -> tuple[dict[str, list[Any]], int]:
    """The table's columns from ``rows``: dicts keyed by column name, or a DataFrame, taken a
    column at a time (the co-occurrence table's pairs: turning them into a dict per row and
    back into columns cost 0.5 s of an update of 1,000 papers)."""
    return next(_column_chunks(table, rows, None))  # one chunk, empty for no rows


def _column_chunks(table: Table, rows: Iterable[Mapping[str, Any]] | Any, size: int | None
                   ) -> Iterator[tuple[dict[str, list[Any]], int]]:
    """The table's columns from ``rows``, ``size`` rows at a time (None: all in one); a
    DataFrame is one chunk, taken a column at a time."""
    json_text = json_cells()
    if hasattr(rows, "columns") and hasattr(rows, "to_dict"):  # a DataFrame: the same cells as its records
        n = len(rows)
        yield {c.name: _frame_column(rows[c.name].tolist(), c.type, json_text) if c.name in rows.columns
               else [None] * n for c in table.columns}, n
        return
    cols: dict[str, list[Any]] = {c.name: [] for c in table.columns}
    n = 0
    for r in rows:
        for c in table.columns:
            cols[c.name].append(_cell(r.get(c.name), c.type, json_text))
        n += 1
        if size is not None and n == size:
            yield cols, n
            # the JSON texts of a chunk's cells go with it: kept for the whole table, the
            # 160,000 mentions of 10,000 papers held every cell's text to the table's end
            cols, n, json_text = {c.name: [] for c in table.columns}, 0, json_cells()
    if n or size is None:
        yield cols, n


def _insert(con: duckdb.DuckDBPyConnection, table: Table, cols: dict[str, list[Any]], n: int,
            into: str | None = None) -> None:
    """Bulk insert through a DataFrame: executemany is row by row. ``into``: the table's
    name when it is written under another (``write_table``)."""
    import pandas as pd

    if not n:
        return
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in cols.items()})
    con.register("_result_rows", frame)
    casts = ", ".join(f'CAST("{c.name}" AS {c.type.replace("JSON", "VARCHAR")})' for c in table.columns)
    con.execute(f'INSERT INTO "{into or table.name}" SELECT {casts} FROM _result_rows')
    con.unregister("_result_rows")


INSERT_ROWS = 20_000  # rows a table write holds as cells at a time (see write_table)


def _digest(table: Table, chunks: Iterable[dict[str, list[Any]]]) -> str:
    """The table's spec and its rows, in order, taken ``INSERT_ROWS`` at a time: equal digests,
    equal tables."""
    h = hashlib.sha256(specs_digest([table]).encode())
    for cols in chunks:
        for name, values in cols.items():
            h.update(canonical_json([name, values], repr, sort=False))
    return h.hexdigest()[:24]


def _digest_key(table: Table) -> str:
    return f"table:{table.name}"


def write_table(con: duckdb.DuckDBPyConnection, table: Table,
                rows: Callable[[], Iterable[Mapping[str, Any]] | Any]) -> int:
    """Replace ``table`` with the rows ``rows()`` gives (dicts keyed by column name, a missing
    key is NULL; or a DataFrame). Returns the number of rows written: 0 when they are unchanged
    (the digest of the rows last written, kept in ``kv``), which are not written again: on
    ``--update`` most of a stage's tables are.

    The rows are made into cells ``INSERT_ROWS`` at a time for the digest, and kept for the
    insert only while the table is no longer than that; a longer one is made again for the
    insert, a chunk at a time (``rows()`` is called again). Why: the 160,000 mentions of
    10,000 papers held at once as cells and a frame were the run's peak of memory, with
    DuckDB's copy of them beside it; a chunk costs a fraction, and a table that did not
    change is made once as before. A longer table is also written a chunk a transaction
    (``_write_staged``)."""
    held: list[tuple[dict[str, list[Any]], int]] = []  # the cells, while the table is one chunk
    n, many = 0, False

    def chunks() -> Iterator[dict[str, list[Any]]]:
        nonlocal n, many
        for cols, k in _column_chunks(table, rows(), INSERT_ROWS):
            n += k
            if held:
                many = True
                held.clear()
            if not many:
                held.append((cols, k))
            yield cols

    digest = _digest(table, chunks())
    key = _digest_key(table)
    # the digest first: most tables an update writes changed, and asking DuckDB's catalogue
    # whether a table exists took as long as the rest of a small table's write
    stored = (con.execute("SELECT value FROM kv WHERE key=?", [key]).fetchone() or (None,))[0]
    if stored == digest and _exists(con, table):
        return 0
    if many:
        _write_staged(con, table, _column_chunks(table, rows(), INSERT_ROWS), key, digest)
        return n
    with _transaction(con):
        con.execute(table.ddl().replace("JSON", "VARCHAR"))
        for cols, k in held:
            _insert(con, table, cols, k)
        con.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", [key, digest])
    return n


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction on ``con``, rolled back if the block raises (``Store.transaction`` for a
    bare connection, which these functions are given)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


STAGED = "__writing"  # the suffix of the name a long table is written under (``_write_staged``)


def _write_staged(con: duckdb.DuckDBPyConnection, table: Table, chunks: Iterable[tuple[dict[str, list[Any]], int]],
                  key: str, digest: str) -> None:
    """A table of several chunks written under a name of its own, a chunk a transaction, then
    put in the old table's place (and its digest noted) in one last transaction: readers see
    the old table or the new one whole, and a run killed meanwhile leaves the old one. Why
    not one transaction: DuckDB holds a transaction's appended rows in memory until it commits;
    the 160,000 mentions of 10,000 papers took 209 MB beside the run that way (the concepts
    stage's end, the full run's memory peak), 81 MB a chunk a transaction."""
    writing = f"{table.name}{STAGED}"
    con.execute(table.ddl(writing).replace("JSON", "VARCHAR"))  # or replace what a killed run left
    try:
        for cols, k in chunks:
            with _transaction(con):
                _insert(con, table, cols, k, into=writing)
        with _transaction(con):
            con.execute(f'DROP TABLE IF EXISTS "{table.name}"')
            con.execute(f'ALTER TABLE "{writing}" RENAME TO "{table.name}"')
            con.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", [key, digest])
    except BaseException:
        con.execute(f'DROP TABLE IF EXISTS "{writing}"')
        raise


def replace_docs(con: duckdb.DuckDBPyConnection, table: Table, rows: Iterable[Mapping[str, Any]],
                 doc_ids: Iterable[str]) -> int:
    """Replace the rows of ``doc_ids`` in a table with one row group per document (a
    ``doc_id`` column): ``rows`` are those documents' rows. What ``--update`` writes when a
    few documents were added to a stage result whose other rows the table already holds."""
    docs = sorted(set(doc_ids))
    cols, n = _columns(table, rows)
    with _transaction(con):
        if docs:
            con.execute(f'DELETE FROM "{table.name}" WHERE doc_id IN (SELECT unnest(?))', [docs])
        _insert(con, table, cols, n)
        # the whole table's digest is not known without reading it: the next full write compares nothing
        con.execute("DELETE FROM kv WHERE key=?", [_digest_key(table)])
    return n


def _exists(con: duckdb.DuckDBPyConnection, table: Table) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name=?",
                            [table.name]).fetchone()[0])


def read_rows(con: duckdb.DuckDBPyConnection, table: Table) -> list[dict[str, Any]]:
    """The table's rows as dicts in stored order (JSON columns decoded)."""
    cur = con.execute(f'SELECT {", ".join(chr(34) + n + chr(34) for n in table.names)} FROM "{table.name}" '
                      "ORDER BY rowid")
    json_cols = [c.type == "JSON" for c in table.columns]
    out = []
    for row in cur.fetchall():
        out.append({n: (json.loads(v) if j and v is not None else v)
                    for n, v, j in zip(table.names, row, json_cols)})
    return out
