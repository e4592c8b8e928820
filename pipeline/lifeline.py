"""Worker processes end with the driver that started them.

A bottom-layer module: the runner's pool, the segmenter's pool (``text``) and the report's side
processes all use it, so it sits below all three rather than in the runner.

A driver killed with SIGKILL runs no cleanup: its process-pool workers, dask LocalCluster
workers and report side processes were reparented and went on computing (one for 30 minutes),
holding memory and a core. Each of them calls :func:`follow_parent` when it starts: a daemon
thread that exits the process as soon as its parent is no longer the driver. On Linux the
kernel is also asked (``prctl(PR_SET_PDEATHSIG)``) to kill it when the parent goes, which holds
even while the worker is stuck in C code that keeps the GIL; but that signal follows the parent
*thread* that created the worker, so it is only requested when the caller knows the creating
thread lives as long as the driver (the main thread).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
_started = False
_lock = threading.Lock()


def _pdeathsig() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl (musl oddities): the watchdog thread still works
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch(driver: int, first_parent: int, interval: float) -> None:
    while True:
        # Reparented (the parent died), or the driver gone while a go-between (a forkserver)
        # still stands: no one wants the results any more.
        if os.getppid() != first_parent or (driver != first_parent and not _alive(driver)):
            os._exit(1)  # no cleanup to do: the driver alone writes the store
        time.sleep(interval)


def follow_parent(parent_pid: int, interval: float = 0.5, kernel: bool = False) -> None:
    """Exit this process (within ``interval`` seconds) once the driver ``parent_pid`` is gone;
    ``kernel`` also asks Linux to SIGKILL it when the creating thread ends. Idempotent: a
    worker calls it once per task where there is no initializer."""
    global _started
    with _lock:
        if _started:
            return
        _started = True
    first_parent = os.getppid()
    if not _alive(parent_pid) or (first_parent == 1 and parent_pid != 1):  # the driver died before we got here
        os._exit(1)
    if kernel and first_parent == parent_pid:  # forked by the driver itself, not by a forkserver
        _pdeathsig()
    threading.Thread(target=_watch, args=(parent_pid, first_parent, interval), name="litmap-lifeline",
                     daemon=True).start()


def init_worker(parent_pid: int, kernel: bool, initializer, initargs: tuple) -> None:
    """A process-pool initializer: follow the driver, then the stage's own initializer."""
    import gc

    gc.enable()  # the driver runs without cyclic collection (runner/run.py); a forked worker inherits that
    follow_parent(parent_pid, kernel=kernel)
    if initializer is not None:
        initializer(*initargs)
