"""Checks of a run's options against each other and against the corpus, before any work."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import ConfigError


def check_workers(workers: int | None, flag: str = "--workers") -> None:
    if workers is not None and workers < 0:
        raise ConfigError(f"{flag} {workers}: give a number of processes ≥ 0 (0 = one per core)")


def check_run(cfg: dict[str, Any], corpus: str | Path, workers: int | None = None, executor: str | None = None,
              scheduler: str | None = None) -> None:
    check_workers(workers)
    effective = executor or cfg["runner"]["executor"]
    if scheduler and effective != "dask":
        raise ConfigError(f"--scheduler {scheduler} needs the dask executor (--executor dask, or runner.executor: dask); "
                          f"the executor is {effective}")
    check_corpus(Path(corpus), cfg["ingest"]["suffixes"])


def check_corpus(corpus: Path, suffixes: list[str]) -> None:
    """A corpus that is missing, or holds no file litmap reads, is a mistake (a misspelled
    ``--corpus``), not an empty report."""
    if not corpus.exists():
        near = _near_folders(corpus)
        raise ConfigError(f"corpus folder {corpus} does not exist{near}")
    if corpus.is_file():
        return
    if not corpus.is_dir():
        raise ConfigError(f"corpus {corpus} is neither a folder nor a file")
    from ..ingest.readers import skip_reason

    wanted = {s.lower() for s in suffixes}
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            p = Path(dirpath) / f
            if not f.startswith(".") and p.suffix.lower() in wanted and skip_reason(p) is None:
                return
    raise ConfigError(f"corpus folder {corpus} holds no papers (files ending in {', '.join(suffixes)}); "
                      f"put papers there, or name another folder with --corpus")


def _near_folders(corpus: Path) -> str:
    import difflib

    parent = corpus.parent if str(corpus.parent) else Path(".")
    try:
        names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    except OSError:
        names = []
    m = difflib.get_close_matches(corpus.name, names, n=1, cutoff=0.6)
    return f"; did you mean {str(parent / m[0])!r}?" if m else ""
