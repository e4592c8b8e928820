"""Figures drawn while the corpus stages still run.

The topic figures are made from the topics result alone and the concept timeline from the
concepts result alone: once their stage has run, nothing later in the run changes them. Drawn
then, in a side process (``pipeline.side.Session``) on the core that the single-process stages
after them (terms, concepts; definitions, shift) leave idle, matplotlib's start-up and the
drawing leave the report's path: 2.6 s of drawing and 0.7 s of imports for the four figures of
an ``--update`` of 1,000 papers, of which the report used to wait 2.0 s.

The report takes a figure from here only when its key (spec, drawing code and font:
``figures_section.figure_keys``) is the one it computes itself, and draws the others as
before: an early figure can be wasted work, never a wrong one. Jobs the report did not take
are stopped when the run ends (``cancel``).

Both groups are drawn by one side process (``side.Session``), which imports matplotlib once:
that import is a second of CPU, and on two cores the second half of an update keeps both busy,
so a second process's import was a second added to the run's work.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..side import Session, SessionCall, allowed
from .figures import Spec, draw

_KEY = "_early_figures"  # ctx.memo: {figure key: the session call drawing it}
_SESSION = "_early_figures_session"  # ctx.memo: the side process drawing them
# The stage whose result a group of figures is made of, and the figures_section function that
# makes their specs.
SOURCES = {"topics": "_topic_figures", "concepts": "_concept_figure"}


def start(ctx: Any, stage: str) -> None:
    """After ``stage`` has computed or updated its result: start drawing the figures made of it
    that the previous report does not already hold under the same key."""
    if stage not in SOURCES or not allowed(getattr(ctx, "workers", None)):
        return
    if stage == "topics":
        from .ldavis_page import start_early

        start_early(ctx)  # pyLDAvis's layout, by the tables' process an update has warmed
    try:
        from . import figures_section as fs
        from .figures import cjk_font_path
        from .reuse import Reuse

        if cjk_font_path() is None:
            return
        figs: list[Spec] = []
        getattr(fs, SOURCES[stage])(ctx, figs)
        reuse = Reuse(ctx, "figure", None)
        key_of = fs.figure_keys()
        todo = {}
        for f in figs:
            key = key_of(f)
            if not all(reuse.kept(p, key) is not None for p in fs.figure_paths(f)):
                todo[key] = f
    except Exception:  # the report makes the same specs again and says what failed there
        return
    if todo:
        session = ctx.memo.get(_SESSION)
        if session is None:
            session = ctx.memo[_SESSION] = Session(draw.__module__)
        job = session.call(draw, (list(todo.values()),))
        log = getattr(ctx, "log", None)
        if callable(log):
            log(f"report: {len(todo)} figures of the {stage} result drawn in a side process beside the stages after it")
        ctx.memo.setdefault(_KEY, {}).update({k: job for k in todo})


def drawn_early(ctx: Any) -> bool:
    """Whether figures were drawn while the stages ran and wait for the report to take them."""
    return bool(getattr(ctx, "memo", {}).get(_KEY))


def take_early(ctx: Any, todo: list[Spec]) -> tuple[Callable[[], Iterator[tuple[str, bytes]]], list[Spec]]:
    """The figures of ``todo`` drawn early, as a function yielding (path, bytes) for each of
    their files, and the figures left to draw. Early jobs none of whose figures are asked for
    are stopped."""
    from .figures_section import figure_keys, figure_paths

    early: dict[str, SessionCall] = getattr(ctx, "memo", {}).pop(_KEY, None) or {}
    if not early:
        return (lambda: iter(())), todo
    key_of = figure_keys()
    mine: list[tuple[Spec, SessionCall]] = []
    rest: list[Spec] = []
    for f in todo:
        job = early.get(key_of(f))
        if job is not None:
            mine.append((f, job))
        else:
            rest.append(f)
    used = {id(j) for _, j in mine}
    for job in _distinct(early):
        if id(job) not in used:
            job.cancel()

    def files() -> Iterator[tuple[str, bytes]]:
        answers: dict[int, dict[str, bytes]] = {}
        for f, job in mine:
            if id(job) not in answers:  # one answer per job: result() a second time would draw again
                answers[id(job)] = dict(job.result())
            for p in figure_paths(f):
                yield p, answers[id(job)][p]

    return files, rest


def finish(ctx: Any) -> None:
    """Every stage whose figures are drawn early has run: the side process ends once it has
    drawn them, its figures kept here until the report takes them (``Session.finish``)."""
    session = getattr(ctx, "memo", {}).get(_SESSION)
    if session is not None:
        session.finish()


def cancel(ctx: Any) -> None:
    """Stop the early jobs the report did not take (a run that failed, a report kept whole)."""
    memo = getattr(ctx, "memo", {})
    for job in _distinct(memo.pop(_KEY, None) or {}):
        job.cancel()
    session = memo.pop(_SESSION, None)
    if session is not None:
        session.close()


def _distinct(early: dict[str, SessionCall]) -> list[SessionCall]:
    """Each job once: a job drawing several figures is under each of their keys."""
    return list({id(j): j for j in early.values()}.values())
