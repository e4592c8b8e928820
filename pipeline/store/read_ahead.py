"""Per-document results read one batch ahead, by a thread with its own connection.

Why: a corpus stage's pass over the corpus alternated between waiting for DuckDB (a batch of
256 documents' payloads) and working on what it got, on one core while the other was idle.
At 10,000 papers the terms stage spent 29 of its 98 s (under cProfile) in those reads. DuckDB
releases the GIL while it executes a query, so a thread can read the next batch while the
stage works on this one: the reads move to the other core.

The thread reads through a cursor (a connection of its own to the same database: a DuckDB
connection must not be used by two threads at once), so it sees what is committed, and the
store uses it only outside a transaction (``Store.texts_ahead``). One batch is read ahead of
the one the caller holds, no more: a pass holds at most two batches' texts.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import duckdb


def read_ahead(con: duckdb.DuckDBPyConnection, batches: list[Any],
               read: Callable[[duckdb.DuckDBPyConnection, Any], Any]) -> Iterator[Any]:
    """``read(cursor, batch)`` of each batch, in order; each next one read by a thread while
    the caller works on the one it was given. An error of a read is raised to the caller where
    that batch would have come; a caller that stops early stops the thread."""
    got: queue.Queue = queue.Queue()
    may_read = threading.Semaphore(2)  # the batch the caller holds, and the next
    stop = threading.Event()
    cur = con.cursor()

    def work() -> None:
        try:
            for batch in batches:
                may_read.acquire()
                if stop.is_set():
                    return
                got.put(("ok", read(cur, batch)))
        except BaseException as e:  # noqa: BLE001 - handed to the caller, raised there
            got.put(("error", e))

    thread = threading.Thread(target=work, name="store-read-ahead", daemon=True)
    thread.start()
    try:
        for _batch in batches:
            kind, value = got.get()
            if kind == "error":
                raise value
            yield value
            del value  # let the batch go before the next is read
            may_read.release()
    finally:
        stop.set()
        may_read.release()  # a thread waiting for its turn sees the stop
        thread.join()
        cur.close()
