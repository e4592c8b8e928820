"""A call run in a fresh interpreter beside this process: :class:`Job`.

A bottom-layer module: the report's side processes (figures, the pyLDAvis page, the tables:
``report/background.py``) and the topics stage's author-topic model (``models/topic_stage.py``)
use it, so it sits below both.

The side process is a fresh interpreter (``python -m pipeline.side``), not a fork. A driver
late in a run holds every stage result (1.8 GB at 10,000 papers); a forked child maps all of it,
and its resident size, which is what a memory limit or the scale benchmark sees, starts there.
A fresh one holds only its imports and its inputs. The function (module-level, pickled by name)
and its arguments go down its standard input as one pickle, streamed, so no second copy of the
arguments is made here; the result comes back on a descriptor of its own, so what the work
prints cannot corrupt it. Not multiprocessing's spawn: that imports the caller's ``__main__``
again, and a script calling run() without a ``__main__`` guard would rerun the pipeline there.

A side process that cannot start or dies (killed for memory) costs time, not the result: the
work is redone inline.

A job given a ``spill_dir`` sends its arguments' large buffers (numpy arrays: the topic fit's
bags) through an unnamed file there, not the pipe (:func:`_spill_writer`): the child maps them
from the file and reads their pages as it uses them, so this process's copy is gone (freed once
sent) before the child holds much of its own. Through the pipe both held all of it at once when
the last byte went: at 10,000 papers the run's peak over all processes (the driver 703 MiB,
the fit's process 213).

A process can be started before its work is known (:func:`warm`): it imports the work's module
and waits for the call, so the interpreter's start and the imports (0.4-0.7 s) happen while
the caller still computes the arguments. A warm process no job took ends when its standard
input closes (:func:`cool`).
"""
from __future__ import annotations

import importlib
import mmap
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any


def allowed(workers: int | None) -> bool:
    """Whether a run may start side processes: a machine of two cores or more, and not a run
    given one process (``--workers 1``), which was asked for exactly that."""
    return (os.cpu_count() or 1) >= 2 and workers != 1


def _env() -> dict[str, str]:
    # The child must import what the work is pickled by name from, as this process does: the
    # package run from a checkout, a caller's own module.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in sys.path if p))
    return env


_WARM: dict[str, list[tuple[subprocess.Popen, Any]]] = {}  # module -> processes waiting for a call


def _spawn(module: str = "", many: bool = False) -> tuple[subprocess.Popen, Any] | None:
    """A side process (importing ``module`` first, if given) and the reading end of its answer;
    with ``many``, one that answers calls until its standard input closes (:class:`Session`)."""
    read_fd, write_fd = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-m", __name__, str(write_fd), str(os.getpid()), module]
                                + (["many"] if many else []),
                                stdin=subprocess.PIPE, pass_fds=(write_fd,), env=_env(), close_fds=True)
    except OSError:  # no process to be had (limits, memory): the work runs inline
        os.close(read_fd)
        return None
    finally:
        os.close(write_fd)
    return proc, os.fdopen(read_fd, "rb")


def warm(module: str, many: bool = False) -> None:
    """Start a side process that imports ``module`` and waits for a call of a function from it
    (the next :class:`Job` of such a function takes it; with ``many``, the next
    :class:`Session` of that module)."""
    spawned = _spawn(module, many)
    if spawned is not None:
        _WARM.setdefault(_warm_key(module, many), []).append(spawned)


def warming(module: str, many: bool = False) -> bool:
    """Whether a side process started by :func:`warm` for ``module`` waits for its call."""
    return any(proc.poll() is None for proc, _a in _WARM.get(_warm_key(module, many)) or [])


def _warm_key(module: str, many: bool) -> str:
    return f"{module} many" if many else module


def cool() -> None:
    """End the warm processes no job took: their standard input closes and they exit."""
    for procs in _WARM.values():
        for proc, answer in procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.wait()
            answer.close()
    _WARM.clear()


def _take_warm(module: str, many: bool = False) -> tuple[subprocess.Popen, Any] | None:
    procs = _WARM.get(_warm_key(module, many)) or []
    while procs:
        proc, answer = procs.pop()
        if proc.poll() is None:
            return proc, answer
        answer.close()  # died while waiting: not used
    return None


def _settle(status: str, value: Any, fn: Callable[..., Any], args: tuple) -> Any:
    """A side process's answer: its value, its exception raised, or (lost) the call run here."""
    if status == "ok":
        return value
    if status == "error":
        raise value
    return fn(*args)


SPILL = "litmap-spill"  # first item down a side process's input: the next call's large buffers are in this file
PAGE = mmap.ALLOCATIONGRANULARITY  # a mapping's offset is a multiple of this
SPILL_MIN_BYTES = 1 << 20  # smaller buffers go down the pipe with the rest: a mapping each is not worth it


def _can_spill(folder: Any) -> bool:
    """Whether the child can open a file of this process by its descriptor (Linux's /proc)."""
    return folder is not None and os.path.isdir(f"/proc/{os.getpid()}/fd")


def _spill_writer(spill: Any) -> Callable[[pickle.PickleBuffer], bool]:
    """pickle's ``buffer_callback``: a buffer of ``SPILL_MIN_BYTES`` or more is written to
    ``spill`` (its length, then its bytes from the next page) and left out of the pickle; a
    smaller one stays in it. Flushed before the pickle goes on: the child reads a buffer only
    after the opcode that follows it here."""

    def put(buf: pickle.PickleBuffer) -> bool:
        raw = buf.raw()
        if raw.nbytes < SPILL_MIN_BYTES:
            return True
        spill.seek(0, os.SEEK_END)
        spill.write(raw.nbytes.to_bytes(8, "little") + bytes(PAGE - 8))
        spill.write(raw)
        spill.write(bytes(-raw.nbytes % PAGE))
        spill.flush()
        return False

    return put


def _spilled(path: str) -> Any:
    """The buffers :func:`_spill_writer` wrote, in order, each a copy-on-write mapping of the file:
    writable, and resident only as far as it is read."""
    with open(path, "rb") as f:
        at = 0
        while True:
            f.seek(at)
            n = int.from_bytes(f.read(8), "little")
            yield memoryview(mmap.mmap(f.fileno(), n, offset=at + PAGE, access=mmap.ACCESS_COPY))
            at += PAGE + n + (-n % PAGE)


class SideLost(RuntimeError):
    """A side process ended without an answer, and its job did not keep its arguments to do
    the call here (``Job(keep_args=False)``): the caller does the work again its own way."""


class Job:
    """``fn(*args)``, running in a side process or (``side=False``) run inline on :meth:`result`,
    which returns or raises what the call returned or raised.

    A side process that ends without an answer (killed, out of memory) has the call run here
    on :meth:`result`, from the arguments the job keeps. With ``keep_args=False`` the job lets
    go of them once they are sent, so a caller that drops its own references frees them while
    the side process works; :meth:`result` then raises :class:`SideLost` instead.

    ``spill_dir``: a folder on disk where the arguments' large buffers pass to the side process
    (see the module's docstring); None, or where a process cannot open another's files, the pipe."""

    def __init__(self, fn: Callable[..., Any], args: tuple, side: bool, keep_args: bool = True,
                 spill_dir: Any = None) -> None:
        self.fn, self.args, self.keep_args = fn, args, keep_args
        self.spill_dir, self.spill = spill_dir, None
        self.proc: subprocess.Popen | None = None
        self.outcome: tuple[str, Any] = ("lost", None)  # the side process's answer, once read
        if side:
            self._start()

    def _start(self) -> None:
        spawned = _take_warm(getattr(self.fn, "__module__", "")) or _spawn()
        if spawned is None:  # no process to be had (limits, memory): run inline on result()
            self.proc = None
            return
        self.proc, self.answer = spawned
        # Sent from a thread: the child needs a moment to start and import what it unpickles,
        # and the pipe holds 64 KB, so writing here would stall the pages for that long. The
        # pickler gives up the GIL whenever the pipe is full. The arguments are finished data
        # that nothing changes afterwards.
        self.sender = threading.Thread(target=self._send, args=(self.proc.stdin,), daemon=True)
        self.sender.start()
        # The answer is read as soon as it is written, so the process ends when its work is
        # done, not when the result is asked for. Why: the topic fit's process (247 MB at
        # 10,000 papers) finished long before the concepts stage it runs beside, then waited
        # for its answer to be read, and was part of the run's peak while that stage wrote its
        # result.
        self.reader = threading.Thread(target=self._read, args=(self.answer,), daemon=True)
        self.reader.start()

    def _read(self, answer: Any) -> None:
        try:
            self.outcome = pickle.load(answer)
        except (EOFError, pickle.UnpicklingError, OSError, ValueError):  # died (or cancelled) without an answer
            self.outcome = ("lost", None)

    def _send(self, stdin: Any) -> None:
        try:
            put = None
            if _can_spill(self.spill_dir):
                try:
                    import tempfile

                    self.spill = tempfile.TemporaryFile(dir=self.spill_dir)
                    put = _spill_writer(self.spill)
                except OSError:  # no file to be had there: the pipe
                    self.spill = None
            if put is not None:
                pickle.dump((SPILL, f"/proc/{os.getpid()}/fd/{self.spill.fileno()}"), stdin)
            pickle.dump((self.fn, self.args), stdin, protocol=5, buffer_callback=put)
            if not self.keep_args:
                self.args = None  # sent whole: the side process has them
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            return  # the child is gone, or the arguments do not pickle: result() redoes it inline
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def running(self) -> bool:
        """Whether the side process is still at work (False for inline work)."""
        return self.proc is not None and self.proc.poll() is None

    def result(self) -> Any:
        if self.proc is not None:
            proc, self.proc = self.proc, None
            try:
                self.reader.join()
            finally:
                self.answer.close()
                proc.wait()
                self.sender.join()
                self._unspill()
            status, value = self.outcome  # ("lost", None) if it died without an answer: redone here
            self.outcome = ("lost", None)  # not held beyond the caller's use of it
            if status == "lost" and self.args is None:
                raise SideLost(f"the side process of {getattr(self.fn, '__name__', 'a job')} "
                               f"ended without an answer (exit status {proc.returncode})")
            return _settle(status, value, self.fn, self.args)
        return self.fn(*self.args)

    def cancel(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.sender.join()  # its write fails now the process is gone
            self.reader.join()  # its read ends: the process's end of the pipe closed with it
            self.answer.close()
            self._unspill()
            self.proc = None
            self.outcome = ("lost", None)

    def _unspill(self) -> None:
        """Close the spill file once the side process is gone (its mappings kept the data)."""
        if self.spill is not None:
            self.spill.close()
            self.spill = None


def _serve(answer_fd: int, parent_pid: int | None = None, module: str = "", many: bool = False) -> None:
    """The side process: one call read from stdin (with ``many``, calls until stdin closes), each
    outcome written to ``answer_fd`` in turn."""
    if parent_pid is not None:
        from .lifeline import follow_parent

        follow_parent(parent_pid)  # a killed driver wants no figures: end with it
    answer = os.fdopen(answer_fd, "wb")
    os.dup2(2, 1)  # whatever the work prints goes to stderr, never into the answer
    # The answers are written by a thread, in order: an answer larger than the pipe (a figure's
    # PNG) blocks its writer until the parent reads it, which it does only when it needs that
    # result, at the end of the report. Written from this loop, the next call waited all
    # that time: an update's concept timeline, asked for beside the stages, was drawn 0.9 s
    # later than it could have been, and the report then waited for it.
    answers: queue.Queue = queue.Queue()
    writer = threading.Thread(target=_write_answers, args=(answers, answer), daemon=True)
    writer.start()
    if module:  # a warm process: its work's imports before the call arrives
        try:
            importlib.import_module(module)
        except Exception:  # the unpickling below imports it again and reports what fails
            pass
    while True:
        try:
            item = pickle.load(sys.stdin.buffer)
            if isinstance(item, tuple) and item[0] == SPILL:  # the call's large buffers are in that file
                item = pickle.load(sys.stdin.buffer, buffers=_spilled(item[1]))
            fn, args = item
        except EOFError:  # no (more) calls: a warm process no job took, or a session closed
            break
        except BaseException as e:  # the arguments did not pickle or did not arrive: the parent does the work
            answers.put(pickle.dumps(("lost", repr(e))))
            break
        try:
            out: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as e:  # sent to the parent, which raises it where it asks for the result
            out = ("error", e)
        try:
            data = pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # an exception or result that does not pickle: say what it was
            data = pickle.dumps(("error", RuntimeError(f"{out[0]}: {out[1]!r}"[:2000] + f" (not sent: {e})")))
        answers.put(data)
        if not many:
            break
    answers.put(None)
    writer.join()
    # The answers are sent and the work's files are closed: the process ends here, without the
    # interpreter's teardown (unloading matplotlib, pandas …), which the parent waited for in
    # ``proc.wait()``: 0.19-0.21 s per figure job of an --update of 1,000 papers.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _write_answers(answers: queue.Queue, answer: Any) -> None:
    try:
        while (data := answers.get()) is not None:
            answer.write(data)
            answer.flush()
    except OSError:  # the parent is gone or stopped reading (a cancelled session): nothing to answer
        pass
    finally:
        try:
            answer.close()
        except OSError:
            pass


class Session:
    """Calls answered in order by one side process: a second call pays no interpreter start and
    no imports (matplotlib's are a second of CPU; an update's topic figures and its concept
    timeline, drawn minutes apart, used to pay it twice). :meth:`call` gives a job with
    ``result()`` and ``cancel()``, like :class:`Job`; a call the process cannot answer (it
    could not start, died, or the call does not pickle) is run inline by ``result()``."""

    def __init__(self, module: str = "") -> None:
        spawned = (_take_warm(module, many=True) if module else None) or _spawn(module, many=True)
        self.proc, self.answer = spawned if spawned is not None else (None, None)
        self.calls: list[SessionCall] = []
        self._read = 0  # answers read so far, in call order
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._finished = False  # no more calls go to the process (:meth:`finish`)
        if self.proc is not None:
            # Sent from a thread, in call order: the pipe holds 64 KB and the child may be busy.
            self._sender = threading.Thread(target=self._send, args=(self.proc.stdin,), daemon=True)
            self._sender.start()

    def _send(self, stdin: Any) -> None:
        try:
            while (item := self._queue.get()) is not None:
                pickle.dump(item, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass  # the child is gone, or a call does not pickle: its result() and the later ones run inline
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def call(self, fn: Callable[..., Any], args: tuple) -> "SessionCall":
        c = SessionCall(self, fn, args, len(self.calls))
        self.calls.append(c)
        if self._finished:
            c.outcome = ("lost", None)  # the process takes no more calls: result() runs it here
        elif self.proc is not None:
            self._queue.put((fn, args))
        return c

    def finish(self) -> None:
        """No more calls will come: the process ends once it has answered those it has, and
        their answers are read as they come (by a thread), so it does not live on until the
        caller asks for them. Why: the early figures' process (matplotlib, 104 MB at 10,000
        papers) answered in minutes but waited, for its answers to be read, until the end of the
        report, where it was part of the run's peak memory. A later call runs inline."""
        if self._finished:
            return
        self._finished = True
        if self.proc is None:
            return
        self._queue.put(None)  # the sender closes the process's input after the calls queued
        last = len(self.calls) - 1
        if last >= 0:
            threading.Thread(target=self._outcome, args=(last,), name="session-answers", daemon=True).start()

    def _outcome(self, i: int) -> tuple[str, Any]:
        # An answer is not waited for behind the lock once it is read: after finish() a thread
        # holds the lock while it waits for the later answers (an update's tables), and the
        # pyLDAvis page laid out before them was asked for meanwhile (1.3 s waited for nothing).
        while not self._lock.acquire(timeout=0.02):
            if self.calls[i].outcome is not None:
                return self.calls[i].outcome
        try:
            while self._read <= i:
                if self.calls[self._read].outcome is not None:  # a call made after finish(): never sent
                    self._read += 1
                    continue
                out: tuple[str, Any] = ("lost", None)
                if self.answer is not None:
                    try:
                        out = pickle.load(self.answer)
                    except (EOFError, pickle.UnpicklingError, OSError):  # died: this call and the later ones inline
                        self._stop()
                self.calls[self._read].outcome = out
                self._read += 1
            return self.calls[i].outcome
        finally:
            self._lock.release()

    def answers(self) -> list[tuple[str, Any]]:
        """Every call's outcome, in call order, waiting for those not in: ``("ok", value)``,
        ``("error", exception)``, or ``("lost", None)`` for a call the process did not answer."""
        return [self._outcome(c.index) for c in self.calls]

    def wanted(self) -> bool:
        return any(not c.cancelled and c.outcome is None for c in self.calls)

    def _stop(self) -> None:
        if self.proc is not None:
            self._queue.put(None)
            self.proc.kill()
            self.proc.wait()
            self._sender.join()
            self.proc = None
        if self.answer is not None:
            self.answer.close()
            self.answer = None

    def close(self) -> None:
        """Stop the process (its answers not asked for are dropped)."""
        proc = self.proc
        if proc is not None:
            proc.kill()  # first: a thread reading its answers (finish) holds the lock until its input ends
        with self._lock:
            self._stop()


class SessionCall:
    """One call of a :class:`Session`."""

    def __init__(self, session: Session, fn: Callable[..., Any], args: tuple, index: int) -> None:
        self.session, self.fn, self.args, self.index = session, fn, args, index
        self.outcome: tuple[str, Any] | None = None
        self.cancelled = False

    def result(self) -> Any:
        return _settle(*self.session._outcome(self.index), self.fn, self.args)

    def cancel(self) -> None:
        """Not wanted: the process is stopped once no call of its session is."""
        self.cancelled = True
        if not self.session.wanted():
            self.session.close()


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None, sys.argv[3] if len(sys.argv) > 3 else "",
           len(sys.argv) > 4 and sys.argv[4] == "many")
