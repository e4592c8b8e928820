"""Report work done in forked processes while this one renders and writes the pages.

Drawing the figures (matplotlib, ~1.6 s at 1,000 papers), laying out pyLDAvis (2-6 s) and
writing the tables (CSV and ``report.xlsx``, ~0.9 s) are pure functions of data the sections
have already computed: each runs in a process of its own, forked when the job is submitted, on
the other core while the pages are rendered under this process's GIL. A forked child inherits
its arguments (the tables grow with the corpus), so nothing is pickled on the way in; the
result (PNG bytes, a page) comes back through a pipe.

Fork, as the runner's process pools: a spawned interpreter would import the caller's __main__
again, and a script calling run() without a __main__ guard would rerun the pipeline there.
Children never touch the store, and leave by os._exit (multiprocessing's fork bootstrap), so
the DuckDB connection they inherit is never used or closed in them.

``write_report`` allows the children for the length of one report (:func:`workers`); a builder
called outside it (tests, a single section) runs the same work inline. A child that cannot
start or dies (killed for memory) costs time, not the report: the work is redone inline.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_KEY = "_report_jobs"


def _child(conn: Any, fn: Callable[..., Any], args: tuple) -> None:
    try:
        out: tuple[str, Any] = ("ok", fn(*args))
    except BaseException as e:  # sent to the parent, which raises it where it asks for the result
        out = ("error", e)
    try:
        conn.send(out)
    except Exception as e:  # an exception or result that does not pickle: say what it was
        conn.send(("error", RuntimeError(f"{out[0]}: {out[1]!r}"[:2000] + f" (not sent: {e})")))
    conn.close()


class Job:
    """``fn(*args)``, running in a forked child or (``fork=False``) run inline on :meth:`result`,
    which returns or raises what the call returned or raised."""

    def __init__(self, fn: Callable[..., Any], args: tuple, fork: bool) -> None:
        self.fn, self.args = fn, args
        self.proc: Any = None
        if fork:
            import multiprocessing

            mp = multiprocessing.get_context("fork")
            self.conn, child_conn = mp.Pipe(duplex=False)
            # The child flushes the standard streams when it ends: empty their buffers first,
            # or it prints what this process had not printed yet a second time.
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                self.proc = mp.Process(target=_child, args=(child_conn, fn, args), daemon=True)
                self.proc.start()
            except OSError:  # no process to be had (limits, memory): run inline on result()
                self.proc = None
            child_conn.close()  # the child's end: EOF here when the child is gone

    def result(self) -> Any:
        if self.proc is not None:
            proc, self.proc = self.proc, None
            try:
                status, value = self.conn.recv()
            except EOFError:  # the child died without an answer (killed): redo the work here
                status, value = "lost", None
            finally:
                self.conn.close()
                proc.join()
            if status == "ok":
                return value
            if status == "error":
                raise value
        return self.fn(*self.args)

    def cancel(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.conn.close()
            self.proc = None


def submit(ctx: Any, fn: Callable[..., Any], *args: Any) -> Job:
    """Start ``fn(*args)`` in a forked child while ``workers(ctx)`` is open; otherwise it runs
    inline when :meth:`Job.result` is called."""
    jobs = getattr(ctx, "__dict__", {}).get(_KEY)
    job = Job(fn, args, fork=jobs is not None)
    if jobs is not None:
        jobs.append(job)
    return job


@contextmanager
def workers(ctx: Any) -> Iterator[None]:
    """Let the jobs submitted meanwhile run in forked children (on machines with 2+ cores and
    fork); children whose result was never asked for (an error on the way) are stopped."""
    import multiprocessing

    if (os.cpu_count() or 1) < 2 or not hasattr(ctx, "__dict__") or "fork" not in multiprocessing.get_all_start_methods():
        yield
        return
    jobs: list[Job] = []
    ctx.__dict__[_KEY] = jobs
    try:
        yield
    finally:
        ctx.__dict__.pop(_KEY, None)
        for job in jobs:
            job.cancel()
