"""Resident memory of this process, for the stage log lines and the run's stats."""
from __future__ import annotations

import resource


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
    the peak of one corpus stage is not carried into the next."""
    import gc

    gc.collect()
    trim_heap()


def trim_heap() -> None:
    """Hand the heap pages freed so far back to the OS (glibc keeps them otherwise); no garbage
    collection, which walks every live object (seconds late in a 10,000-paper run)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back
        pass
