"""Checks of a run's options against each other, before any work. (The checks that need a
domain's reader, the corpus and the settings files' contents, are in ``pipeline.preflight``.)"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from .errors import ConfigError


def check_workers(workers: int | None, flag: str = "--workers") -> None:
    if workers is not None and workers < 0:
        raise ConfigError(f"{flag} {workers}: give a number of processes ≥ 0 (0 = one per core)")


def check_options(cfg: dict[str, Any], workers: int | None = None, executor: str | None = None,
                  scheduler: str | None = None) -> None:
    check_workers(workers)
    effective = executor or cfg["runner"]["executor"]
    if scheduler and effective != "dask":
        raise ConfigError(f"--scheduler {scheduler} needs the dask executor (--executor dask, or runner.executor: dask); "
                          f"the executor is {effective}")


def near_folders(corpus: Path) -> str:
    """"; did you mean …?" naming a folder beside ``corpus`` with a close name, or ""."""
    parent = corpus.parent if str(corpus.parent) else Path(".")
    try:
        names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    except OSError:
        names = []
    m = difflib.get_close_matches(corpus.name, names, n=1, cutoff=0.6)
    return f"; did you mean {str(parent / m[0])!r}?" if m else ""
