"""Putting the report's files on disk without holding up the rendering.

Creating a file costs about a quarter of a millisecond of kernel time, and a 1,000-paper report
has over a thousand pages: :class:`FileWriter` writes them from a thread (the system calls
release the GIL) while the next page renders. The tables (CSV and ``report.xlsx``) are written
by :func:`write_tables`, run in a side process (``background.py``), and the CSVs it has not
reached by the time the pages are done by this process (:func:`share_tables`).
"""
from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

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
    table of the same name replaces an earlier one). Run in a side process while the report's
    own process renders the pages; that process writes the CSVs still unclaimed once it is done
    (:func:`share_tables`), so neither waits for the other: on an ``--update`` of 1,000 papers
    the pages were done first, and the report waited 0.6-0.95 s for this function."""
    from .xlsx import write_xlsx

    by_name = dict(tables)  # a later table of a name replaces an earlier one
    write_xlsx(by_name, root / "report.xlsx")
    _write_csvs(by_name, root, list(by_name))


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


def _csv_path(root: Path, name: str) -> Path:
    return root / "data" / f"{name}.csv"


def _write_csvs(by_name: dict[str, pd.DataFrame], root: Path, names: list[str]) -> None:
    """Each CSV of ``names`` that this process claims first (a ``.claim`` file made with
    O_EXCL: the two processes never write the same file), written whole under a temporary
    name, so a CSV that exists is complete."""
    for name in names:
        path = _csv_path(root, name)
        try:
            os.close(os.open(path.with_name(path.name + ".claim"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        _write_csv(by_name[name], path)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    part = path.with_name(path.name + ".part")
    df.to_csv(part, index=False, lineterminator="\n")
    os.replace(part, path)
