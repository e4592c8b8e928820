"""Resident memory of this process, for the stage log lines and the run's stats, and the
C heap's settings that decide how much of what a stage frees goes back to the OS."""
from __future__ import annotations

import os
import resource
from typing import Any

# glibc's mallopt parameters (malloc.h) and the tunables a new process reads them from
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
TUNABLES = {M_MMAP_THRESHOLD: "glibc.malloc.mmap_threshold", M_TRIM_THRESHOLD: "glibc.malloc.trim_threshold"}


def rss_mb() -> float:
    """Current resident set size in MB (peak is in :func:`peak_rss_mb`)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc keeps them otherwise), so
    the peak of one corpus stage is not carried into the next.

    What survives the collection is frozen (``gc.freeze``): it is what the run holds (the
    corpus's heads, the stage results), and the next stage's collection walks only what was
    made since. Each collection walked every object of the run, 0.13-0.22 s nine times over in
    a full run of 1,000 papers, growing with the corpus. The caller that turned the collector
    off unfreezes when the run ends (``runner/run.py``), so a long-lived process that runs
    litmap many times (the tests) still collects what the runs left in cycles."""
    import gc

    gc.collect()
    gc.freeze()
    trim_heap()


def _glibc(name: str) -> Any | None:
    """A function of glibc's, or None where the C library is another (nothing of glibc's heap to tune)."""
    import ctypes

    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def trim_heap() -> None:
    """Hand the heap pages freed so far back to the OS (glibc keeps them otherwise); no garbage
    collection, which walks every live object (seconds late in a 10,000-paper run)."""
    if (malloc_trim := _glibc("malloc_trim")) is not None:
        malloc_trim(0)


def tune_malloc(mmap_threshold: int | None, trim_threshold: int | None) -> bool:
    """Fix glibc's mmap and trim thresholds (``runner.malloc_mmap_threshold``,
    ``runner.malloc_trim_threshold``; None leaves glibc's own) in this process, in the workers
    forked from it, and, through ``GLIBC_TUNABLES``, in the side processes it starts later.
    Whether this process's heap took them (False off glibc).

    Why: glibc raises its mmap threshold to the size of each large block that is freed (up to
    32 MB), so after a stage's first big temporaries (numpy arrays, DuckDB's results) blocks of
    that size come from the heap, and the heap cannot hand back pages that a live block sits
    above. Fixed thresholds stop that: a large block is mapped and unmapped on its own, and the
    heap's free top goes back at once. At 10,000 papers the driver held 195 MB of free heap before
    the topics stage (``mallinfo2``); with both thresholds at 1 MB the corpus stages and the report
    on a cached store peaked at 913 MiB over all processes against 935, the report's phase at 834
    against 891 (128 KB: the same memory, the terms stage slower)."""
    # A tunable the user set in the environment stays as they gave it, here and in the children.
    given = [t for t in os.environ.get("GLIBC_TUNABLES", "").split(":") if t]
    have = {t.split("=", 1)[0] for t in given}
    wanted = {p: int(v) for p, v in ((M_MMAP_THRESHOLD, mmap_threshold), (M_TRIM_THRESHOLD, trim_threshold))
              if v is not None and TUNABLES[p] not in have}
    mallopt = _glibc("mallopt")
    if not wanted or mallopt is None:
        return False
    ok = all(mallopt(p, v) == 1 for p, v in wanted.items())
    os.environ["GLIBC_TUNABLES"] = ":".join(given + [f"{TUNABLES[p]}={v}" for p, v in wanted.items()])
    return ok
