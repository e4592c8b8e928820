"""Putting the report's files on disk without holding up the rendering.

Creating a file costs about a quarter of a millisecond of kernel time, and a 1,000-paper report
has over a thousand pages: :class:`FileWriter` writes them from a thread (the system calls
release the GIL) while the next page renders. The tables (CSV and ``report.xlsx``) are written
by :func:`write_tables`, run in a side process (``background.py``).
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
    """``data/NAME.csv`` for each table, in order (a later table of the same name replaces an
    earlier one), and ``report.xlsx`` with a sheet per name."""
    from .xlsx import write_xlsx

    by_name: dict[str, pd.DataFrame] = {}
    for name, df in tables:
        df.to_csv(root / "data" / f"{name}.csv", index=False, lineterminator="\n")
        by_name[name] = df
    write_xlsx(by_name, root / "report.xlsx")
