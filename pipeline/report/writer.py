"""Putting the report's files on disk without holding up the rendering.

Creating a file costs about a quarter of a millisecond of kernel time, and a 1,000-paper report
has over a thousand pages: :class:`FileWriter` writes them from a thread (the system calls
release the GIL) while the next page renders. The tables (CSV and ``report.xlsx``) are written
by a side process they are streamed to a run of rows at a time (:class:`TablesStream`; inline:
:func:`write_tables`), and the CSVs it has not reached by the time the pages are done by this
process (:func:`share_tables`).
"""
from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

_STOP = object()


class FileWriter:
    """Writes (path relative to ``root``, text or bytes) pairs in the order given. The queue is
    bounded, so at most ``depth`` rendered pages wait in memory; a write that fails stops the
    writer and its error is raised by the next :meth:`put` or by :meth:`close`."""

    def __init__(self, root: Path, depth: int = 64) -> None:
        self.root = root
        self.error: BaseException | None = None
        self._made: set[Path] = set()
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="report-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            if self.error is None:
                try:
                    self._write(*item)
                except BaseException as e:  # kept for the caller's thread, which raises it
                    self.error = e

    def _write(self, rel: str, content: str | bytes | Path) -> None:
        path = self.root / rel
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        if isinstance(content, Path):  # a page kept from the previous report: linked, not copied
            try:
                os.link(content, path)
            except OSError:  # another file system, or links not allowed
                shutil.copyfile(content, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    def put(self, rel: str, content: str | bytes | Path) -> None:
        if self.error is not None:
            raise self.error
        self._queue.put((rel, content))

    def write_all(self, items: Iterable[tuple[str, str | bytes | Path]]) -> None:
        for rel, content in items:
            self.put(rel, content)

    def close(self) -> None:
        """Wait for every queued file; raise the error of a failed write."""
        self._queue.put(_STOP)
        self._thread.join()
        if self.error is not None:
            raise self.error


def write_tables(tables: list[tuple[str, pd.DataFrame]], root: Path) -> None:
    """``report.xlsx`` with a sheet per name, then ``data/NAME.csv`` for each table (a later
    table of the same name replaces an earlier one), skipping the CSVs another process claimed:
    what :class:`TablesStream`'s side process writes, done here when there is none or it died.
    The report's process writes the CSVs still unclaimed once its pages are done
    (:func:`share_tables`), so neither waits for the other: on an ``--update`` of 1,000 papers
    the pages were done first, and the report waited 0.6-0.95 s for the tables."""
    from .xlsx import write_xlsx

    by_name = dict(tables)  # a later table of a name replaces an earlier one
    write_xlsx(by_name, root / "report.xlsx")
    _write_csvs(by_name, root, list(by_name))


# Rows of a table sent to the tables' side process at a time (``TablesStream``).
STREAM_ROWS = 10_000

_OPEN: dict[str, Any] = {}  # in the tables' side process: the workbook and the CSV being written


def stream_begin(root: Path) -> None:
    """Side process: start ``report.xlsx`` (:class:`TablesStream`)."""
    from .xlsx import Workbook

    _OPEN.clear()
    _OPEN.update(root=root, book=Workbook(root / "report.xlsx"), csv=None)


def stream_rows(i: int, name: str, part: pd.DataFrame, start: int, total: int) -> None:
    """Side process: rows ``start`` … of table ``i`` (from 1) of ``total`` rows, into its sheet
    and, if this process claims it first (:func:`_claim`), its CSV; the last run of rows ends
    both. Written a run at a time, the CSV is the one ``DataFrame.to_csv`` writes whole:
    pandas writes it in runs of rows too, each value formatted on its own."""
    book = _OPEN["book"]
    if start == 0:
        book.begin(i, name, list(part.columns), total)
        path = _csv_path(_OPEN["root"], name)
        if _claim(path):
            tmp = path.with_name(path.name + ".part")
            _OPEN["csv"] = (path, tmp, open(tmp, "w", encoding="utf-8", newline=""))
    book.rows(part, start)
    csv = _OPEN["csv"]
    if csv is not None:
        part.to_csv(csv[2], index=False, header=start == 0, lineterminator="\n")
    if start + len(part) >= total:
        book.end()
        if csv is not None:
            csv[2].close()
            os.replace(csv[1], csv[0])
            _OPEN["csv"] = None


def stream_end() -> None:
    """Side process: close ``report.xlsx``."""
    _OPEN.pop("book").close()
    _OPEN.clear()


class TablesStream:
    """The report's tables written by a side process as a stream of runs of rows
    (:func:`stream_begin`, :func:`stream_rows`, :func:`stream_end`, one ``side.Session``),
    while this process renders the pages; or, with no side process, by :func:`write_tables`
    here when :meth:`result` is called. A side process that dies part-way costs the workbook
    written again here; its CSVs are done by :func:`share_tables` and :func:`finish_tables`.

    Tables are added as the report's sections are built (:meth:`add`), so the side process
    writes the first section's while the later ones are built: sent once every section was
    built, the tables of an ``--update`` of 1,000 papers were still being written 0.55 s after
    the pages were. A name added again (a later table replaces an earlier one, as in
    :func:`write_tables`) stops the stream: everything is then written here by :meth:`result`.

    Why a stream: sent as one call, every table was unpickled in the side process at once
    (212 MB at 10,000 papers, most of it the 160,000 concept mentions), beside the report's
    own peak; it now holds one run of ``STREAM_ROWS`` rows at a time."""

    def __init__(self, tables: list[tuple[str, pd.DataFrame]], root: Path, side: bool, done: bool = True,
                 session: Any = None) -> None:
        """``session``: the tables' process taken before the report for work done early
        (``background.early_tables_session``): its calls so far are not tables."""
        from ..side import Session

        self.root = root
        self.tables: list[tuple[str, pd.DataFrame]] = []
        self.session = (session or Session(__name__)) if side else None
        self.calls: list[Any] = []
        self._sent: set[str] = set()
        # the session's calls that are not tables (:meth:`call`, and those made before the report)
        self._other: set[int] = set(range(len(self.session.calls))) if self.session is not None else set()
        self._live = self.session is not None and self.session.proc is not None
        if self._live:
            self.calls.append(self.session.call(stream_begin, (root,)))
        self.add(tables)
        if done:
            self.finish()

    def add(self, tables: Iterable[tuple[str, pd.DataFrame]]) -> None:
        """More tables, after those added before."""
        for name, df in tables:
            self.tables.append((name, df))
            if not self._live:
                continue
            if name in self._sent:
                self._stop()
                continue
            self._sent.add(name)
            call, n, i = self.session.call, len(df), len(self._sent)
            for start in range(0, max(n, 1), STREAM_ROWS):
                self.calls.append(call(stream_rows, (i, name, df.iloc[start:start + STREAM_ROWS], start, n)))

    def call(self, fn: Callable[..., Any], args: tuple) -> Any:
        """``fn(*args)`` answered by the side process after the tables added so far: a
        ``SessionCall`` (its ``result()`` runs the call here if the process cannot answer it),
        or None when no side process takes calls (none started, or :meth:`finish` was called).
        Its outcome is its caller's: :meth:`result` neither raises its error nor writes the
        tables again for it."""
        if not self._live:
            return None
        c = self.session.call(fn, args)
        self._other.add(c.index)
        return c

    def finish(self) -> None:
        """No more tables: the side process closes the workbook and ends with its work."""
        if self._live:
            self.calls.append(self.session.call(stream_end, ()))
            self.session.finish()  # its answers are read as they come: the process ends with its work
            self._live = False

    def _stop(self) -> None:
        """A name came again: the side process is stopped, and the CSVs it claimed are left to
        :func:`write_tables` (one it wrote may hold the table that is now replaced)."""
        self.session.close()
        self.calls, self._live = [], False
        for name in self._sent:
            path = _csv_path(self.root, name)
            for p in (path, path.with_name(path.name + ".claim"), path.with_name(path.name + ".part")):
                p.unlink(missing_ok=True)

    def result(self) -> None:
        """Wait for the tables; raise what the side process raised; redo what it could not do."""
        self.finish()
        if not self.calls:
            write_tables(self.tables, self.root)
            return
        outcomes = [o for i, o in enumerate(self.session.answers()) if i not in self._other]
        self.session.close()
        for status, value in outcomes:
            if status == "error":
                raise value
        if any(status != "ok" for status, _v in outcomes):  # the process died: the workbook again, here
            write_tables(self.tables, self.root)

    def cancel(self) -> None:
        if self.session is not None:
            self.session.close()


def share_tables(tables: list[tuple[str, pd.DataFrame]], root: Path) -> None:
    """The CSVs :func:`write_tables` has not claimed yet, from the last: called by the report's
    process when its own work is done, before it waits for the side process."""
    by_name = dict(tables)
    _write_csvs(by_name, root, list(reversed(by_name)))


def finish_tables(tables: list[tuple[str, pd.DataFrame]], root: Path) -> None:
    """After :func:`write_tables` returned (or was redone here): a CSV claimed by a side process
    that died before writing it is written now, and the claims are removed."""
    by_name = dict(tables)
    for name, df in by_name.items():
        path = _csv_path(root, name)
        if not path.is_file():
            _write_csv(df, path)
        path.with_name(path.name + ".claim").unlink(missing_ok=True)
        path.with_name(path.name + ".part").unlink(missing_ok=True)  # left by a side process that died writing it


def _csv_path(root: Path, name: str) -> Path:
    return root / "data" / f"{name}.csv"


def _write_csvs(by_name: dict[str, pd.DataFrame], root: Path, names: list[str]) -> None:
    """Each CSV of ``names`` that this process claims first (a ``.claim`` file made with
    O_EXCL: the two processes never write the same file), written whole under a temporary
    name, so a CSV that exists is complete."""
    for name in names:
        path = _csv_path(root, name)
        if _claim(path):
            _write_csv(by_name[name], path)


def _claim(path: Path) -> bool:
    """Whether this process is the first to claim the CSV ``path`` (a ``.claim`` file made with
    O_EXCL): the two processes never write the same file."""
    try:
        os.close(os.open(path.with_name(path.name + ".claim"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    part = path.with_name(path.name + ".part")
    df.to_csv(part, index=False, lineterminator="\n")
    os.replace(part, path)
