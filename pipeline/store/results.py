"""Corpus results beside the store: one folder per result, named by its stage and input hash
(``<store>.results/<stage>-<input_hash>/``, see ``store/codec.py`` for what is in it), and the
``corpus_cache`` table that lists them.

A result of 10,000 papers is hundreds of megabytes. As a DuckDB BLOB it was copied into the
buffer pool (one run failed its checkpoint for want of a 243 MB block), so results live in
files and the table keeps their names. Every way a stored result can fail to load (its folder
gone, a file cut short or damaged, a class it names moved) raises :class:`ResultUnavailable`,
and the runner recomputes it.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

from .codec import TABLES, Parts, read_result, read_versions, write_result

DIR = b"dir:"  # corpus_cache.payload of a result stored as a folder


class ResultUnavailable(Exception):
    """A stored corpus result that cannot be used: its folder is missing, a file in it is
    truncated or corrupt, it names a class that is gone, or it was written by other code (or
    by an older litmap, as a pickle). The runner recomputes it and says so; it is never a
    failed report section."""

    def __init__(self, stage: str, reason: str):
        super().__init__(f"the stored {stage} result cannot be used: {reason}")
        self.stage, self.reason = stage, reason


class StoredResult:
    """A corpus result in the store's results folder, read when called."""

    def __init__(self, stage: str, folder: Path | None, why_not: str | None = None):
        self.stage, self.folder, self.why_not = stage, folder, why_not

    def size(self) -> int:
        """Bytes of its files (0 when its folder is gone)."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.folder.rglob("*") if p.is_file())

    def missing(self) -> str | None:
        """Why the result certainly cannot be loaded (its folder is gone), without reading it."""
        if self.why_not:
            return self.why_not
        if self.folder is None or not (self.folder / "result.json").is_file():
            return f"its folder {self.folder} is missing"
        return None

    def env(self) -> dict[str, Any] | None:
        """The versions of the code that wrote it."""
        return self._guard(lambda: read_versions(self.folder).get("env"))

    def __call__(self, skip: frozenset[str] = frozenset(), lazy_bytes: bool = False) -> Any:
        """The result; of a dict result, without the keys ``skip`` names, and with ``lazy_bytes``
        its bytes left in their files (see ``codec.read_result``)."""
        return self._guard(lambda: read_result(self.folder, skip, lazy_bytes))

    def _guard(self, read: Any) -> Any:
        reason = self.missing()
        if reason:
            raise ResultUnavailable(self.stage, reason)
        try:
            return read()
        except Exception as e:  # truncated, corrupt, or a class that moved: all mean recompute
            raise ResultUnavailable(self.stage, f"{e.__class__.__name__}: {e}") from e


def env_difference(written: dict[str, Any] | None, now: dict[str, Any]) -> str:
    if not isinstance(written, dict):
        return "its versions are not recorded (written by an older litmap)"
    flat = lambda d: {**{k: v for k, v in d.items() if k != "libs"}, **(d.get("libs") or {})}  # noqa: E731
    a, b = flat(written), flat(now)
    return ", ".join(f"{k} {a.get(k)} -> {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k))


class ResultFolders:
    """The corpus cache of one store: ``con`` its connection, ``root`` the results folder."""

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path) -> None:
        self.con, self.root = con, root

    def _stored(self, stage: str, payload: bytes) -> StoredResult:
        if not payload.startswith(DIR):  # a pickle of an older litmap: never unpickled
            return StoredResult(stage, None, "it was written by an older litmap (as a pickle)")
        return StoredResult(stage, self.root / payload[len(DIR):].decode())

    def loader(self, stage: str, input_hash: str) -> StoredResult | None:
        row = self.con.execute("SELECT payload FROM corpus_cache WHERE stage=? AND input_hash=?",
                               [stage, input_hash]).fetchone()
        return self._stored(stage, bytes(row[0])) if row else None

    def newest(self, stage: str) -> StoredResult | None:
        """The newest stored result of a stage, not read yet."""
        row = self.con.execute("SELECT payload FROM corpus_cache WHERE stage=? ORDER BY created DESC LIMIT 1",
                               [stage]).fetchone()
        return self._stored(stage, bytes(row[0])) if row else None

    def latest(self, stage: str, env: dict[str, Any] | None = None) -> Any | None:
        stored = self.newest(stage)
        return None if stored is None else self.read(stored, env)

    @staticmethod
    def read(stored: StoredResult, env: dict[str, Any] | None = None) -> Any:
        """A stored result, refused (:class:`ResultUnavailable`) if written by code other than ``env``."""
        if env is not None:
            written = stored.env()
            if written != env:
                raise ResultUnavailable(stored.stage, "it was written by other versions of the code: "
                                        + env_difference(written, env))
        return stored()

    def put(self, stage: str, input_hash: str, result: Any, keep: int, env: dict[str, Any] | None,
            parts: Parts | None = None, base_hash: str | None = None) -> None:
        """Write ``result`` as the stage's folder for ``input_hash``. ``parts``: how its
        per-document tables are cut; ``base_hash``: the stored result it was folded from, whose
        unchanged parts it links (``codec.Parts``)."""
        name = f"{stage}-{input_hash}"
        tmp = self.root / (name + ".tmp")
        if parts is not None and base_hash is not None:
            base = self.loader(stage, base_hash)
            parts.base = base.folder if base is not None and not base.missing() else None
        try:
            write_result(tmp, result, TABLES.get(stage, ()), {"stage": stage, "input_hash": input_hash, "env": env},
                         parts)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # never a half-written folder beside the store
            raise
        final = self.root / name
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute("DELETE FROM corpus_cache WHERE stage=? AND input_hash=?", [stage, input_hash])
            self.con.execute("INSERT INTO corpus_cache VALUES (?, ?, ?, ?)",
                             [stage, input_hash, time.time(), DIR + name.encode()])
            old = self.con.execute(
                "SELECT input_hash, payload FROM corpus_cache WHERE stage=? AND input_hash NOT IN (SELECT input_hash "
                "FROM corpus_cache WHERE stage=? ORDER BY created DESC LIMIT ?)", [stage, stage, keep]).fetchall()
            for h, payload in old:
                self.con.execute("DELETE FROM corpus_cache WHERE stage=? AND input_hash=?", [stage, h])
                self._remove(bytes(payload))
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _remove(self, payload: bytes) -> None:
        if payload.startswith(DIR):
            shutil.rmtree(self.root / payload[len(DIR):].decode(), ignore_errors=True)
        elif payload.startswith(b"file:"):  # an older litmap's pickle file
            (self.root / payload[len(b"file:"):].decode()).unlink(missing_ok=True)
