"""Progress of a run's stages: a bar on a terminal, one line per stage elsewhere.

A bar names the stage and shows items done of the total, items left and the estimated time left
(tqdm's rate over the items so far). It appears only once the stage has run
``runner.progress_after_s`` seconds, so short stages stay silent. Where stderr is not a terminal
(CI, a log file, a pipe) no bar is drawn: a redrawn bar there is thousands of lines of noise. The
runner prints the one line each stage ends with instead (``stage: … s``), in both cases.

Bars nest by name: a stage that reads several streams (papers, then features) shows one bar per
stream, ``topics · feat.content``. Stage code gets its bars from ``ctx.progress`` (the run's
context), never from tqdm directly, so the terminal test and the delay are decided in one place.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")

# n/total, what is left and the time left: the three things the issue asks a bar to show.
# The bar takes what the line leaves, so the counts and the ETA fit an 80-column terminal (a fixed
# 20-character bar pushed the ETA past column 80, where tqdm cuts the line).
BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} ({left} left) [{elapsed}, ETA {remaining}]"


class Bar:
    """One stage's (or one stream's) progress; a no-op off a terminal."""

    def __init__(self, desc: str, total: int, unit: str = "docs", delay: float = 3.0,
                 stream: TextIO | None = None) -> None:
        stream = stream if stream is not None else sys.stderr
        self.desc, self.total, self.unit, self.n = desc, total, unit, 0
        self._bar: Any = None
        if _is_terminal(stream) and total > 0:
            import shutil

            # A terminal that reports no size (a pty nobody sized) gets nothing drawn by tqdm.
            size = shutil.get_terminal_size((100, 24))
            self._bar = _tqdm()(total=total, desc=desc, unit=unit, file=stream, delay=delay, leave=False,
                                bar_format=BAR_FORMAT, ncols=size.columns, nrows=max(size.lines, 2))

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            if self._bar.n and self._bar.n != self._bar.last_print_n:
                self._bar.refresh()  # the last state is drawn once before the bar is cleared
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Bar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """Yield ``items``, one step each, closing the bar at the end."""
        try:
            for x in items:
                yield x
                self.update(1)
        finally:
            self.close()


def _tqdm() -> type:
    """tqdm with one more field for the format: ``{left}``, the items not done yet."""
    from tqdm import tqdm

    class LeftTqdm(tqdm):
        @property
        def format_dict(self) -> dict[str, Any]:
            d = super().format_dict
            d["left"] = max((d["total"] or 0) - d["n"], 0)
            return d

    return LeftTqdm


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False
