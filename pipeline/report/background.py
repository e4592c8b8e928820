"""Report work done in side processes while this one renders and writes the pages.

Drawing the figures (matplotlib, ~1.6 s at 1,000 papers), laying out pyLDAvis (2-6 s) and
writing the tables (CSV and ``report.xlsx``, ~0.9 s) are pure functions of data the sections
have already computed: each runs in a process of its own, started when the job is submitted,
on the other core while the pages are rendered under this process's GIL.

Each runs as a :class:`pipeline.side.Job` (a fresh interpreter, ``python -m pipeline.side``,
not a fork: see that module for why); the tables go to theirs a run of rows at a time
(:func:`stream_tables`), so it never holds them all.

``write_report`` allows side processes for the length of one report (:func:`workers`); a
builder called outside it (tests, a single section) runs the same work inline. A side process
that cannot start or dies (killed for memory) costs time, not the report: the work is redone
inline.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..context import ReportContext
from ..side import Job, Session, allowed, cool, warm, warming

__all__ = ["Job", "beside_tables", "drop_early", "early_tables_session", "stream_tables", "submit", "warm_tables",
           "workers"]

_KEY = "_report_jobs"
_TABLES = "_report_tables"  # the tables' stream of the report being written (``beside_tables``)
_EARLY = "_report_tables_early"  # the tables' process taken before the report (``early_tables_session``)


def submit(ctx: ReportContext, fn: Callable[..., Any], *args: Any) -> Job:
    """Start ``fn(*args)`` in a side process while ``workers(ctx)`` is open; otherwise it runs
    inline when :meth:`Job.result` is called."""
    jobs = ctx.memo.get(_KEY)
    job = Job(fn, args, side=jobs is not None)
    if jobs is not None:
        jobs.append(job)
    return job


def stream_tables(ctx: ReportContext, tables: list[tuple[str, Any]], root: Any, done: bool = True) -> Any:
    """The report's tables (CSV and ``report.xlsx``) written by a side process, streamed to it a
    run of rows at a time, while ``workers(ctx)`` is open; otherwise here, on ``result()``
    (``writer.TablesStream``). ``done=False``: more are added (``add``) before ``finish``."""
    from .writer import TablesStream

    jobs = ctx.memo.get(_KEY)
    early = ctx.memo.pop(_EARLY, None)
    if early is not None and jobs is None:
        early.close()
        early = None
    stream = TablesStream(tables, root, side=jobs is not None, done=done, session=early)
    if jobs is not None:
        jobs.append(stream)
        ctx.memo[_TABLES] = stream
    return stream


def beside_tables(ctx: ReportContext, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` answered by the tables' side process after the tables sent to it so far,
    when that process takes calls (``TablesStream.call``); else as :func:`submit` runs it. For
    work that needs only what that process has imported (numpy, pandas). Why: pyLDAvis's
    layout in a process of its own (74 MB for a second at the start of a 10,000-paper report,
    beside the tables' process and the driver) made the run's memory peak."""
    stream = ctx.memo.get(_TABLES)
    call = stream.call(fn, args) if stream is not None else None
    return call if call is not None else submit(ctx, fn, *args)


def warm_tables(ctx: Any) -> None:
    """Start the tables' side process now (its imports, pandas above all): called by an
    ``--update`` before its corpus stages, which leave the second core half idle. Started with
    the report, its imports were 0.4 s of CPU in the report of an update of 1,000 papers, when
    the report's work keeps both cores busy. A full run starts it with the report: beside the
    corpus stages it would hold its memory through their peak."""
    if allowed(getattr(ctx, "workers", None)):
        from . import writer

        warm(writer.__name__, many=True)


def early_tables_session(ctx: Any) -> Session | None:
    """The tables' process, warmed by an ``--update`` before its corpus stages
    (:func:`warm_tables`), taken now as a :class:`Session` for report work whose data a stage
    has just made; the report's tables then go to the same process after it (``stream_tables``).
    None when no warm process waits (a full run starts it with the report: see
    :func:`warm_tables`). Why: pyLDAvis's layout, asked for by the report, was the last thing
    an update of 1,000 papers waited for (0.8 s); laid out after the topics stage, it runs on
    the core the stages after it leave idle."""
    from . import writer

    session = ctx.memo.get(_EARLY)
    if session is None and warming(writer.__name__, many=True):
        session = ctx.memo[_EARLY] = Session(writer.__name__)
    return session


def drop_early(ctx: Any) -> None:
    """Stop the tables' process taken early if no report took it (a run that failed)."""
    session = getattr(ctx, "memo", {}).pop(_EARLY, None)
    if session is not None:
        session.close()


@contextmanager
def workers(ctx: ReportContext) -> Iterator[None]:
    """Let the jobs submitted meanwhile run in side processes (on machines with 2+ cores);
    side processes whose result was never asked for (an error on the way) are stopped."""
    # A run given one worker (``--workers 1``) was asked for one process: the report's work runs
    # inline too (it also saves a fresh interpreter's imports per job, most of a small report).
    if not allowed(getattr(ctx, "workers", None)):
        yield
        return
    jobs: list[Job] = []
    ctx.memo[_KEY] = jobs
    # The tables' process starts now and imports pandas while the first section is built (the
    # report waited for that start when the tables were sent last). An update has started it
    # before its corpus stages (:func:`warm_tables`).
    from . import writer

    if not warming(writer.__name__, many=True) and _EARLY not in ctx.memo:
        warm(writer.__name__, many=True)
    try:
        yield
    finally:
        ctx.memo.pop(_KEY, None)
        ctx.memo.pop(_TABLES, None)
        for job in jobs:
            job.cancel()
        cool()
