"""The embedded DuckDB store: schema, versioned migrations, cache reads and writes.

Why DuckDB: one file, no server, SQL over the tables a researcher may want to query directly
(documents, sentences, footnotes, references), and fast columnar reads for the corpus stages.
Only the driver process opens it for writing; workers return records and the driver stores
them, one transaction per document, so a run killed half-way leaves every finished document
stored and nothing half-written.

Cache keys: per-document results are keyed by (stage, doc_id = hash of the bytes, stage version,
the stage's key); corpus results by (stage, hash of all their inputs). The keys are made in
``runner/keys.py`` and chain (a segment key holds the parse key it cut …), so any change to
what a result was computed from simply misses the cache. Corpus results are folders beside the
store (``store/results.py``, no pickle); one that cannot be loaded raises
:class:`ResultUnavailable`, and the runner recomputes it.
"""
from __future__ import annotations

import json
import os
import sys
import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Iterator

import duckdb

from ..settings.fill import size_bytes
from .codec import Parts
from .read_ahead import read_ahead
from .results import ResultFolders, ResultUnavailable, StoredResult

__all__ = ["MIGRATIONS", "ResultUnavailable", "payload_text", "Store", "StoreBusy", "StoreCorrupt", "StoreError", "StoreNotWritable"]

# Each migration moves the schema from version i to i+1. Never edit a released one: add another.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY, started DOUBLE, finished DOUBLE, corpus VARCHAR, config_hash VARCHAR,
        mode VARCHAR, n_files INTEGER, n_added INTEGER, n_changed INTEGER, n_removed INTEGER,
        n_failed INTEGER, n_processed INTEGER, n_cached INTEGER, seconds DOUBLE, status VARCHAR);
    CREATE TABLE run_files (
        run_id INTEGER, source VARCHAR, doc_id VARCHAR, status VARCHAR, error VARCHAR);
    CREATE TABLE stage_results (
        stage VARCHAR, doc_id VARCHAR, version VARCHAR, cfg_hash VARCHAR, created DOUBLE, payload VARCHAR,
        PRIMARY KEY (stage, doc_id, version, cfg_hash));
    CREATE TABLE corpus_cache (
        stage VARCHAR, input_hash VARCHAR, created DOUBLE, payload BLOB, PRIMARY KEY (stage, input_hash));
    CREATE TABLE documents (
        doc_id VARCHAR PRIMARY KEY, source VARCHAR, kind VARCHAR, encoding VARCHAR, script VARCHAR,
        title VARCHAR, authors VARCHAR, year INTEGER, year_inferred INTEGER, journal VARCHAR, issue VARCHAR,
        n_paragraphs INTEGER, n_footnotes INTEGER, parse_version VARCHAR);
    CREATE TABLE sections (doc_id VARCHAR, section_idx INTEGER, heading VARCHAR, level INTEGER);
    CREATE TABLE paragraphs (doc_id VARCHAR, para_idx INTEGER, section_idx INTEGER, text VARCHAR);
    CREATE TABLE sentences (doc_id VARCHAR, para_idx INTEGER, sent_idx INTEGER, text VARCHAR, footnotes VARCHAR);
    CREATE TABLE footnotes (doc_id VARCHAR, n INTEGER, marker VARCHAR, page INTEGER, text VARCHAR);
    CREATE TABLE refs (doc_id VARCHAR, footnote_n INTEGER, ref_idx INTEGER, raw VARCHAR, authors VARCHAR,
        title VARCHAR, container VARCHAR, year INTEGER, type VARCHAR, classic BOOLEAN);
    CREATE TABLE warnings (doc_id VARCHAR, source VARCHAR, message VARCHAR);
    CREATE TABLE failures (run_id INTEGER, source VARCHAR, error VARCHAR);
    """,
    # 2: the citation graph (documents → works → authors), rewritten by the works stage each run.
    """
    CREATE TABLE doc_works (doc_id VARCHAR, work_id VARCHAR);
    CREATE TABLE citations (doc_id VARCHAR, footnote_n INTEGER, work_id VARCHAR, matched_doc_id VARCHAR,
        authors VARCHAR, title VARCHAR, container VARCHAR, year INTEGER, type VARCHAR, classic BOOLEAN);
    """,
    # 3: small key/value facts (which corpus result the citation tables mirror, …).
    """
    CREATE TABLE kv (key VARCHAR PRIMARY KEY, value VARCHAR);
    """,
    # 4: printed reference lists (CSSCI) beside footnotes, and the union of a work's references.
    """
    ALTER TABLE citations ADD COLUMN source VARCHAR;
    ALTER TABLE citations ADD COLUMN ref_n INTEGER;
    ALTER TABLE citations ADD COLUMN citing_work_id VARCHAR;
    ALTER TABLE citations ADD COLUMN counted BOOLEAN;
    CREATE TABLE work_references (citing_work_id VARCHAR, work_id VARCHAR, authors VARCHAR, title VARCHAR,
        container VARCHAR, year INTEGER, type VARCHAR, classic BOOLEAN, sources VARCHAR, citations INTEGER,
        matched_doc_id VARCHAR);
    """,
    # 5: each paper's spaCy Doc as DocBin bytes (user data kept), keyed like its features parts
    # (pipeline/store/docs.py writes and reads it; runner/features.py makes it).
    """
    CREATE TABLE doc_bins (doc_id VARCHAR, version VARCHAR, cfg_hash VARCHAR, created DOUBLE,
        spacy_version VARCHAR, payload BLOB, PRIMARY KEY (doc_id, version, cfg_hash));
    """,
    # 6: the per-document results without a primary key (``Store.replace_frame`` keeps one row
    # per key). In a store of DuckDB 1.0's format an insert into a table with an index makes the
    # next checkpoint rewrite the table's last row group whole, which holds every payload until
    # 122,880 rows: 0.4 s per run at 1,000 papers, 2.8 s at 10,000, and in a run that adds
    # papers once per automatic checkpoint (duckdb/duckdb#18829, #21316). The index served only
    # INSERT OR REPLACE: reads select by a semi-join, which does not use it.
    """
    CREATE TABLE stage_results_6 AS SELECT * FROM stage_results;
    DROP TABLE stage_results;
    ALTER TABLE stage_results_6 RENAME TO stage_results;
    CREATE TABLE doc_bins_6 AS SELECT * FROM doc_bins;
    DROP TABLE doc_bins;
    ALTER TABLE doc_bins_6 RENAME TO doc_bins;
    """,
    # 7: whether a per-document result may be an error (its JSON text holds '"error": '), set
    # when it is written, so every run finds the failed documents without reading every payload
    # of a stage (``doc_cache.failed_ids``: two scans of 38-81 MB per run at 1,000 papers, 0.33 s
    # of an update's driver).
    """
    ALTER TABLE stage_results ADD COLUMN failed BOOLEAN;
    UPDATE stage_results SET failed = payload LIKE '%"error": %';
    """,
]

# The key of each table written by ``Store.replace_frame``: one row per key.
KEYS: dict[str, tuple[str, ...]] = {
    "stage_results": ("stage", "doc_id", "version", "cfg_hash"),
    "doc_bins": ("doc_id", "version", "cfg_hash"),
}


def payload_text(payload: Any) -> str:
    """A per-document result as the JSON text ``stage_results`` holds (workers call it too, so
    the driver stores text it never encodes or decodes)."""
    return json.dumps(payload, ensure_ascii=False)


class StoreError(Exception):
    """The store cannot be opened; the message names the file and what to do, ``exit_status`` is
    what ``litmap`` exits with."""

    exit_status = 2


@contextmanager
def _connect_gate(path: Path) -> Iterator[None]:
    """Hold an advisory lock on ``<store>.lock`` while connecting, so that a run reopening its
    store (``Store.reopen``) keeps it: another litmap waits for the lock, then finds the store
    in use (DuckDB's own lock) and says so. Without ``fcntl`` (Windows) or a writable folder,
    no gate: the gap it closes is a fraction of a second."""
    try:
        import fcntl

        f = open(path.with_name(path.name + ".lock"), "a")
    except (ImportError, OSError):
        yield
        return
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
            locked = True
        except OSError:  # a file system without locks (some network mounts): no gate
            locked = False
        try:
            yield
        finally:
            if locked:
                fcntl.flock(f, fcntl.LOCK_UN)


class StoreBusy(StoreError):
    """The DuckDB file is locked by another process: wait and run again (exit 1)."""

    exit_status = 1


class StoreCorrupt(StoreError):
    """The file is not a DuckDB database, or a damaged one (exit 2: a setup error)."""


class StoreNotWritable(StoreError):
    """The store's folder or file cannot be created or written (exit 2: a setup error)."""


DOC_TABLES = ("documents", "sections", "paragraphs", "sentences", "footnotes", "refs", "warnings")

# DuckDB raises one IOException for all of these; its message is what tells them apart.
_BUSY = ("could not set lock", "conflicting lock")
_NOT_WRITABLE = ("permission denied", "read-only file system", "not a directory", "is a directory",
                 "operation not permitted", "no space left")


def _classify(path: Path, e: BaseException) -> StoreError:
    detail = str(e).strip()
    low = detail.lower()
    if any(k in low for k in _BUSY):
        return StoreBusy(f"the store {path} is in use by another process ({detail.split('. See also')[0]}). "
                         "One litmap run per store at a time: wait for the other run to finish and run again, "
                         "or give this run its own store.path in a --config file")
    if isinstance(e, (PermissionError, NotADirectoryError, FileExistsError, IsADirectoryError)) or \
            any(k in low for k in _NOT_WRITABLE):
        return StoreNotWritable(f"cannot create or write the store {path}: {detail}. Set store.path in a --config "
                                "file to a file in a folder you can write, or fix that folder's permissions")
    return StoreCorrupt(f"the store {path} is not a readable DuckDB database ({detail}): it is another kind of "
                        "file, or was damaged (a full disk, a copy cut short). Move it aside (with "
                        f"{path.name}.wal and the folder {path.name}.results beside it, if present) and run "
                        "again: the store is rebuilt from the corpus, which litmap never changes")


def _texts(con: duckdb.DuckDBPyConnection, stage: str, version: str, cfg_hash: str,
           doc_ids: list[str] | None) -> dict[str, str]:
    """{doc_id: payload JSON text} of a stage under a key: of ``doc_ids``, or of every document (None)."""
    sql = "SELECT doc_id, payload FROM stage_results WHERE stage=? AND version=? AND cfg_hash=?"
    args: list[Any] = [stage, version, cfg_hash]
    if doc_ids is not None:
        sql += " AND doc_id IN (SELECT unnest(?))"
        args.append(doc_ids)
    return dict(con.execute(sql, args).fetchall())


class Store:
    def __init__(self, path: str | Path, memory_limit: str | None = None, storage_compatibility: str | None = None,
                 defer_checkpoint_mb: float = 0, read_ahead: bool = True):
        self.path = Path(path)
        self._memory_limit = memory_limit
        self._limit_now = memory_limit  # the pool's limit in force (``reading``, ``writing``)
        self._in_transaction = False
        self._defer_bytes = defer_checkpoint_mb * 2**20
        self.read_ahead = read_ahead  # ``texts_ahead``: the next batch read by a thread (store.read_ahead)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a parent is a file, or a folder we may not write
            raise _classify(self.path, e) from e
        if self.path.exists() and not self.path.is_file():
            raise StoreNotWritable(f"cannot use the store {self.path}: it is a folder, not a file. "
                                   "Set store.path in a --config file to a file name")
        if self.path.is_file() and not os.access(self.path, os.W_OK):
            raise StoreNotWritable(f"cannot write the store {self.path}: the file is read-only for this user. "
                                   "Make it writable, or set store.path in a --config file to another file")
        try:
            # DuckDB's buffer pool defaults to 80% of RAM and keeps every block a run has read;
            # a run streams each cached result once, so a small pool keeps the driver smaller for
            # little speed (a pass over 10,000 feature parts: 7.0 s at 512MB, 7.8 s at 128MB).
            config: dict[str, str] = {"memory_limit": memory_limit} if memory_limit else {}
            if storage_compatibility and not self.path.exists():
                # Only a new file takes it: DuckDB keeps the format a store was created in. A store
                # in DuckDB 2's default format could not be opened by a DuckDB 1.x program (the
                # `duckdb` command, R, a colleague's Python), which is how researchers query it.
                config["storage_compatibility_version"] = storage_compatibility
            self._config = {k: v for k, v in config.items() if k != "storage_compatibility_version"}
            with _connect_gate(self.path):
                self.con = duckdb.connect(str(self.path), config=config)
        except (duckdb.Error, OSError) as e:
            err = _classify(self.path, e)
            if isinstance(err, StoreCorrupt) and not self.path.is_file():
                raise  # nothing there to be damaged: not a store problem we can name
            raise err from e
        try:
            self._migrate()
        except (duckdb.Error, OSError) as e:  # opened, but its blocks cannot be read: damaged
            self.con.close()
            raise _classify(self.path, e) from e

    # -- schema -------------------------------------------------------------------------------
    def _migrate(self) -> None:
        self.con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)")
        row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] if row and row[0] is not None else 0
        if 0 < current < len(MIGRATIONS):
            # a store of 10,000 papers takes a minute to copy its per-document results (migration 6)
            print(f"litmap: upgrading the store {self.path} from schema {current} to {len(MIGRATIONS)} (once)",
                  file=sys.stderr, flush=True)
        for version in range(current, len(MIGRATIONS)):
            with self.transaction():
                self.con.execute(MIGRATIONS[version])
                self.con.execute("INSERT INTO schema_version VALUES (?)", [version + 1])

    @property
    def schema_version(self) -> int:
        return self.con.execute("SELECT max(version) FROM schema_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; inside another, part of that one."""
        if self._in_transaction:
            yield
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._in_transaction = False
            self.con.execute("ROLLBACK")
            raise
        self._in_transaction = False
        self.con.execute("COMMIT")

    def close(self, defer_checkpoint: bool = False) -> None:
        """Close the connection. DuckDB checkpoints on closing: what the write-ahead log holds is
        written into the file, and each table written to has its last row group rewritten.
        ``defer_checkpoint`` (an ``--update``) leaves a log smaller than ``defer_checkpoint_mb``
        for the next connection to read back instead: after a one-paper update of a 1,000-paper
        store, closing took 0.50 s with the checkpoint and 0.02 s without, and reading the 3.9 MB
        log back 0.08 s when the store was next opened. Later updates add to the log until it
        passes the bound, and that close checkpoints them all at once. The log is DuckDB's
        journal (nothing is lost if the machine stops in between), and DuckDB 1.1 and later read
        a store with its log as they read the store alone."""
        if defer_checkpoint and self._defer_bytes > 0:
            try:
                small = self.wal_path.stat().st_size < self._defer_bytes
            except OSError:  # no log: nothing to checkpoint
                small = False
            if small:
                self.con.execute("PRAGMA disable_checkpoint_on_shutdown")
        self.con.close()

    @property
    def wal_path(self) -> Path:
        return self.path.with_name(self.path.name + ".wal")

    def set_memory_limit(self, limit: str | None) -> None:
        """DuckDB's buffer pool from now on (None: DuckDB's default); lowering it lets go of the
        blocks held beyond it at once, which a run's reads had filled up to the old limit."""
        value = limit if limit else "-1"
        self.con.execute(f"SET memory_limit = '{value}'")  # a size the settings model checked
        self._config = {**self._config, "memory_limit": value}
        self._limit_now = limit

    def reading(self, limit: str | None) -> AbstractContextManager[None]:
        """Work under a smaller pool, ``limit`` (None: as it is): a corpus stage's computation
        and the report, which read the store and write nothing to it, and a result table's
        write (``store.table_memory_limit``). The blocks held beyond it are let go, and the pool
        does not fill up to the write limit again. The limit in force before is back after:
        the store's own (``memory_limit``, which writes of large papers need), or the read
        limit of the stage a nested stage ran in.

        Why not always the store's own: a stage computed while another waits for its side
        processes (the concepts stage inside the topics stage) gave the pool back its 256MB at
        its end, and the topics stage then read its evidence paragraphs into it: 220 MB more,
        the 10,000-paper run's peak."""
        if not limit or size_bytes(limit) >= size_bytes(self._memory_limit):
            return nullcontext()  # a store given a smaller pool than the read limit keeps it: never more than asked for
        return self._pool(limit)

    def writing(self) -> AbstractContextManager[None]:
        """Work that writes results, with the store's own limit even inside ``reading`` (a stage
        computed while another waits); the limit in force before is back after, which lets go
        of the blocks the writes left beyond it."""
        return self._pool(self._memory_limit)

    @contextmanager
    def _pool(self, limit: str | None) -> Iterator[None]:
        """DuckDB's pool at ``limit`` for the work inside, then the limit in force before."""
        outer = self._limit_now
        if limit == outer:
            yield
            return
        self.set_memory_limit(limit)
        try:
            yield
        finally:
            self.set_memory_limit(outer)

    def let_go(self, limit: str | None, reconnect: bool = False) -> None:
        """Shrink DuckDB's buffer pool to ``limit`` now and give it back its own limit; with
        ``reconnect``, let go of everything the connection holds (``reopen``).

        Writes fill the pool up to ``memory_limit`` with blocks nothing reads again: 228 MB
        after the per-document stages of 10,000 papers, 220 MB after the topics stage's tables
        were written. They stayed resident until the next ``reading`` let them go, while the
        next stage (or the report) grew beside them; what the next work reads is read again
        from the file (or the system's page cache), which costs little beside the stage.

        A long insert leaves more than the pool behind: writing the 160,000 mentions of 10,000
        papers grew the process by 287 MB, of which DuckDB's pool counted 45 MB; a checkpoint
        kept it, closing the connection gave back all but 71 MB. Reconnecting costs 0.03 s and,
        after a write, the checkpoint DuckDB makes on closing (which the write owed anyway)."""
        if reconnect:
            self.reopen()
            return
        with self.reading(limit):
            pass  # lowering the pool lets go of the blocks beyond it; leaving gives its own limit back

    def reopen(self) -> None:
        """Close the connection and connect again, with the same settings.

        Why: after a run has written many results, queries in the connection that wrote them
        stayed slow: each batch of ``iter_results`` scanned the results table at a cost that grew
        with everything written (3,000 papers: one pass over a small part 2.9 s, 0.25 s after
        reopening; at 10,000 papers the stance stage spent 31.7 s reading 4.5 MB), which made
        every corpus stage's reading quadratic in the corpus. A new connection reads the stored
        table (0.08 s to reopen at 3,000 papers). Another run cannot take the store in the gap:
        every connection to a store is made holding ``<store>.lock`` (``_connect_gate``)."""
        with _connect_gate(self.path):
            self.con.close()
            try:
                self.con = duckdb.connect(str(self.path), config=self._config)
            except (duckdb.Error, OSError) as e:  # taken by a program that does not use the gate
                raise _classify(self.path, e) from e

    # -- per-document cache -------------------------------------------------------------------
    def cached_ids(self, stage: str, version: str, cfg_hash: str) -> set[str]:
        rows = self.con.execute(
            "SELECT doc_id FROM stage_results WHERE stage=? AND version=? AND cfg_hash=?",
            [stage, version, cfg_hash]).fetchall()
        return {r[0] for r in rows}

    def stage_texts(self, stage: str, version: str, cfg_hash: str) -> dict[str, str]:
        """{doc_id: payload JSON text} of every document of a stage under a key, in one query:
        for a stage whose payloads are small (the heads: 4.8 MB at 10,000 papers). Why: each
        query scans the table whatever its size, and in the connection that has just written
        10,000 papers' results the heads read 512 at a time took 9 s of the run's 263 s of
        per-document stages (0.38 s in a fresh connection, 0.04 s in one query)."""
        return _texts(self.con, stage, version, cfg_hash, None)

    def get_result(self, stage: str, doc_id: str, version: str, cfg_hash: str) -> Any | None:
        text = _texts(self.con, stage, version, cfg_hash, [doc_id]).get(doc_id)
        return json.loads(text) if text is not None else None

    def get_results(self, stage: str, doc_ids: list[str], version: str, cfg_hash: str) -> dict[str, Any]:
        return {d: json.loads(t) for d, t in self.get_texts(stage, doc_ids, version, cfg_hash).items()}

    def get_texts(self, stage: str, doc_ids: list[str], version: str, cfg_hash: str) -> dict[str, str]:
        """{doc_id: payload JSON text}, undecoded (what a worker decodes itself)."""
        return _texts(self.con, stage, version, cfg_hash, doc_ids) if doc_ids else {}

    def texts_ahead(self, stage: str, batches: list[list[str]], version: str, cfg_hash: str) -> Iterator[dict[str, str]]:
        """``get_texts`` of each batch of ids, in order; with ``read_ahead`` (the default, but
        inside a transaction, whose writes another connection would not see) each next batch is
        read by a thread while the caller works on this one (``read_ahead.py``)."""
        if not self.read_ahead or self._in_transaction or len(batches) < 2:
            for ids in batches:
                yield self.get_texts(stage, ids, version, cfg_hash)
            return
        yield from read_ahead(self.con, batches, lambda cur, ids: _texts(cur, stage, version, cfg_hash, ids))

    def iter_results(self, stage: str, doc_ids: list[str], version: str, cfg_hash: str,
                     batch: int = 256) -> Iterator[tuple[str, Any]]:
        """(doc_id, payload) in the order of ``doc_ids``, read a batch at a time: a corpus stage
        walks 10,000 documents holding only ``batch`` of them in memory. Missing ids are skipped.

        Batches are large on purpose: each query costs ~40 ms whatever its size (DuckDB scans
        the payload column), so 64 ids per query spent most of a 1,000-paper run's corpus time
        waiting on the store; 256 cut that fourfold (measured on a 1,000-paper store).

        A batch is held as JSON text and each payload decoded as it is taken: 256 decoded
        ``feat.content`` parts of the 10,000-paper corpus grew a process by 28 MB beside their
        18 MB of text, on every pass over the corpus."""
        batches = [doc_ids[i:i + batch] for i in range(0, len(doc_ids), batch)]
        for ids, got in zip(batches, self.texts_ahead(stage, batches, version, cfg_hash)):
            for d in ids:
                text = got.pop(d, None)
                if text is not None:
                    yield d, json.loads(text)

    def put_result(self, stage: str, doc_id: str, version: str, cfg_hash: str, payload: Any) -> None:
        self.put_texts([(stage, doc_id, version, cfg_hash, payload_text(payload))])

    def put_texts(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        """Store many results at once, each (stage, doc_id, version, cfg_hash, payload as JSON
        text, see :func:`payload_text`), in one statement. Why: DuckDB spends ~15-45 ms on any
        parameterized INSERT whatever its size, so one statement per result cost a 200-paper
        run 63 s of its driver's time; one statement over a frame of rows costs ~1 ms a row.
        The last of two rows with the same key wins, as with one INSERT OR REPLACE each."""
        if not rows:
            return
        import pandas as pd

        last = {r[:4]: r for r in rows}  # DuckDB refuses to replace one row twice in one statement
        now = time.time()
        # ``failed``: the text may be an error result ({"error": ...}), which failed_ids parses
        frame = pd.DataFrame([(*k, now, r[4], '"error": ' in r[4]) for k, r in last.items()],
                             columns=["stage", "doc_id", "version", "cfg_hash", "created", "payload", "failed"])
        self.replace_frame("stage_results", frame)

    def replace_frame(self, table: str, frame: Any) -> None:
        """Insert a frame's rows into a table of ``KEYS``, each replacing the row of its key, in
        one transaction (two statements: delete the keys, insert the rows)."""
        keys = ", ".join(KEYS[table])
        with self.transaction():
            self.insert_frame(table, frame, delete=f"DELETE FROM {table} WHERE ({keys}) IN (SELECT {keys} FROM {{}})")

    def insert_frame(self, table: str, frame: Any, delete: str | None = None) -> None:
        """Insert a pandas frame whose columns are the table's, in order, in one statement
        (after ``delete``, a statement on the frame's name, when given)."""
        name = f"_frame_{table}"
        self.con.register(name, frame)
        try:
            if delete:
                self.con.execute(delete.format(name))
            self.con.execute(f"INSERT INTO {table} SELECT * FROM {name}")
        except BaseException:
            # A failed INSERT aborts the transaction, and unregistering in it then raises a
            # TransactionException that would hide why the INSERT failed (out of memory, ...).
            try:
                self.con.unregister(name)
            except duckdb.Error:
                pass
            raise
        self.con.unregister(name)

    def columns(self, table: str) -> list[str]:
        """A table's column names (asked once per store: the schema only changes by migration)."""
        cache = self.__dict__.setdefault("_columns", {})
        if table not in cache:
            cache[table] = [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
        return cache[table]

    # -- corpus cache (store/results.py) ------------------------------------------------------
    @property
    def results_dir(self) -> Path:
        return self.path.with_name(self.path.name + ".results")

    @property
    def _results(self) -> ResultFolders:
        return ResultFolders(self.con, self.results_dir)

    def corpus_loader(self, stage: str, input_hash: str) -> StoredResult | None:
        """The stored result (read when called), or None if there is none."""
        return self._results.loader(stage, input_hash)

    def latest_corpus(self, stage: str, env: dict[str, Any] | None = None) -> Any | None:
        """The newest stored result of a stage, whatever its inputs (what ``--update`` folds into);
        None if there is none. Raises :class:`ResultUnavailable` if it cannot be loaded, or was
        written by other code than ``env`` (another litmap, gensim, numpy …): a model saved by
        another library version is not folded into, it is refitted."""
        return self._results.latest(stage, env)

    def newest_corpus(self, stage: str) -> StoredResult | None:
        """The newest stored result of a stage, not read yet (``read_corpus`` reads it)."""
        return self._results.newest(stage)

    def read_corpus(self, stored: StoredResult, env: dict[str, Any] | None = None) -> Any:
        """``latest_corpus`` of a result ``newest_corpus`` gave."""
        return self._results.read(stored, env)

    def put_corpus(self, stage: str, input_hash: str, result: Any, keep: int = 3,
                   env: dict[str, Any] | None = None, parts: Parts | None = None,
                   base_hash: str | None = None) -> None:
        """Store a corpus result as a folder (``store/codec.py``); only the ``keep`` newest of a
        stage stay, folders included (every run over a changed corpus adds one). ``env``, the
        versions of the code that wrote it, is its ``versions.json``; ``parts`` and
        ``base_hash``: how its per-document tables are cut and the stored result whose unchanged
        parts it may link (``ResultFolders.put``)."""
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self._results.put(stage, input_hash, result, keep, env, parts, base_hash)

    def replace_table(self, table: str, rows: list[tuple]) -> None:
        """Replace a corpus-level table whole (it mirrors a cached corpus result)."""
        import pandas as pd

        cols = [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]
        frame = pd.DataFrame(rows, columns=cols)  # bulk insert: executemany is row by row
        with self.transaction():
            self.con.execute(f"DELETE FROM {table}")
            if rows:
                self.con.register("_rows", frame)
                self.con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
                self.con.unregister("_rows")

    # -- runs ---------------------------------------------------------------------------------
    def start_run(self, corpus: str, config_hash: str, mode: str) -> int:
        row = self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()
        run_id = int(row[0])
        # A run still marked running was killed: only one process can hold the store, so no
        # other run is alive now.
        self.con.execute("UPDATE runs SET status='aborted' WHERE status='running'")
        self.con.execute("INSERT INTO runs (run_id, started, corpus, config_hash, mode, status) "
                         "VALUES (?, ?, ?, ?, ?, 'running')", [run_id, time.time(), corpus, config_hash, mode])
        return run_id

    def finish_run(self, run_id: int, stats: dict[str, Any], files: list[tuple[str, str | None, str, str | None]]) -> None:
        with self.transaction():
            self.con.execute("DELETE FROM run_files WHERE run_id=?", [run_id])
            # One statement per table: executemany goes row by row (1.3 s for 1,000 files).
            import pandas as pd

            if files:
                self.insert_frame("run_files", pd.DataFrame([(run_id, *f) for f in files], dtype=object))
            failed = [(run_id, f[0], f[3]) for f in files if f[2] == "failed"]
            if failed:
                self.insert_frame("failures", pd.DataFrame(failed, dtype=object))
            self.con.execute(
                "UPDATE runs SET finished=?, n_files=?, n_added=?, n_changed=?, n_removed=?, n_failed=?, "
                "n_processed=?, n_cached=?, seconds=?, status='finished' WHERE run_id=?",
                [time.time(), stats["n_files"], stats["n_added"], stats["n_changed"], stats["n_removed"],
                 stats["n_failed"], stats["n_processed"], stats["n_cached"], stats["seconds"], run_id])

    def last_finished_run(self, corpus: str, before: int | None = None) -> int | None:
        q = "SELECT max(run_id) FROM runs WHERE status='finished' AND corpus=?"
        args: list[Any] = [corpus]
        if before is not None:
            q += " AND run_id < ?"
            args.append(before)
        row = self.con.execute(q, args).fetchone()
        return row[0] if row and row[0] is not None else None

    def run_files(self, run_id: int) -> list[tuple[str, str | None, str, str | None]]:
        return [tuple(r) for r in self.con.execute(
            "SELECT source, doc_id, status, error FROM run_files WHERE run_id=? ORDER BY source", [run_id]).fetchall()]

    def runs(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT * FROM runs ORDER BY run_id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
