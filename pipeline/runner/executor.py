"""Executors for per-document work: in-process, a local process pool, or dask.distributed.

All three take a picklable function and items and yield (item, result) as results arrive;
the driver alone writes the store, so the executors never touch it. A worker exception is
returned as the result (``{"error": ...}``) by the stage functions themselves, so one bad file
cannot stop the batch.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any


def default_workers(n: int | None) -> int:
    return n if n and n > 0 else (os.cpu_count() or 1)


def run_tasks(fn: Callable[[Any], Any], items: Iterable[Any], workers: int = 1, executor: str = "local",
              scheduler: str | None = None, initializer: Callable[..., None] | None = None,
              initargs: tuple = (), count: int | None = None,
              meanwhile: Callable[[], None] | None = None, ahead: int = 16) -> Iterator[tuple[Any, Any]]:
    """``items`` may be a generator (papers streamed from the store): pass ``count`` then, so
    the choice between in-process and a pool is made without materializing them.

    ``meanwhile``: driver work that needs none of the results, called once the first tasks are
    submitted. With it, even one or two items go to a pool (when ``workers`` > 1), so the work
    runs on the core the driver would leave idle while it waits.

    ``ahead``: tasks submitted per worker of a local pool before the first result is taken
    (``runner.tasks_ahead``, whose default it has); one more is submitted as each result is taken."""
    if count is None:
        items = list(items)
        count = len(items)
    if not count:
        return iter(())
    if executor == "dask":
        if meanwhile is not None:
            meanwhile()
        return _dask(fn, items, workers, scheduler, initializer, initargs)
    if workers > 1 and meanwhile is not None:
        return _pool(fn, items, min(workers, count), initializer, initargs, ahead, meanwhile)
    if workers <= 1 or count <= 2:
        if meanwhile is not None:
            meanwhile()
        if initializer:
            initializer(*initargs)
        return ((it, fn(it)) for it in items)
    return _pool(fn, items, workers, initializer, initargs, ahead)


def _pool(fn, items, workers, initializer, initargs, ahead, meanwhile=None) -> Iterator[tuple[Any, Any]]:
    import threading

    from ..lifeline import init_worker

    # Workers exit when this process dies (pipeline/lifeline.py); the kernel's parent-death signal only
    # when the workers are forked from the main thread, which lives as long as the process.
    kernel = threading.current_thread() is threading.main_thread()
    # Bounded submission keeps memory flat on big corpora: at most ``ahead`` tasks per worker in
    # flight. Why more than a few: tasks are submitted only as the driver takes results, and the
    # driver stops taking them while it commits a batch to the store. With 4 a worker (0.14 s of
    # work for two workers at 10,000 papers) the workers sat idle through most of each commit.
    with ProcessPoolExecutor(max_workers=workers, initializer=init_worker,
                             initargs=(os.getpid(), kernel, initializer, initargs)) as pool:
        pending: dict[Any, Any] = {}
        it = iter(items)
        for item in _take(it, workers * max(1, ahead)):
            pending[pool.submit(fn, item)] = item
        if meanwhile is not None:
            meanwhile()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                item = pending.pop(fut)
                yield item, fut.result()
                for nxt in _take(it, 1):
                    pending[pool.submit(fn, nxt)] = nxt


def _take(it: Iterator[Any], n: int) -> Iterable[Any]:
    for _ in range(n):
        try:
            yield next(it)
        except StopIteration:
            return


def _with_init(fn, initializer, initargs):
    def call(item):
        if initializer is not None:
            initializer(*initargs)
        return fn(item)
    return call


def _dask(fn, items, workers, scheduler, initializer, initargs) -> Iterator[tuple[Any, Any]]:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        # A LocalCluster's worker processes end by themselves when this process dies:
        # distributed's AsyncProcess exits a child whose pipe to its parent closes (measured:
        # gone within 2 s of a SIGKILL of the driver), so no lifeline is added here.
        call = _with_init(fn, initializer, initargs)
        # Submitted in chunks, so a streamed corpus is never all in the driver's memory at once.
        it = iter(items)
        while True:
            chunk = list(_take(it, max(8, workers * 8)))
            if not chunk:
                break
            futures = client.map(call, chunk, pure=False)
            index = {f.key: item for f, item in zip(futures, chunk)}
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
