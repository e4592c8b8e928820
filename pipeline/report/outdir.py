"""The report directory is the user's folder too: litmap writes it only when it is safe to.

``litmap run --out DIR`` replaces DIR whole, so DIR must hold nothing litmap did not write:
it is missing, empty, or a previous litmap report. A report is recognised by its ``run.json``
carrying ``"generator": "litmap"`` (written since the report has been swapped in this way) or,
for reports written before that, the keys every litmap ``run.json`` had (run_id, store,
report_hash). Its top-level entries must be ones litmap writes (listed in ``run.json``'s
``entries``, or the known names for older reports), so a user's ``chapter1.docx`` dropped into
a report folder is never deleted with it. Anything else is refused before any work is done.

The new report is built in the sibling ``DIR.tmp`` (same parent, so the renames below are
atomic on one file system) and swapped in at the end: DIR → ``DIR.old``, ``DIR.tmp`` → DIR,
``DIR.old`` removed. A run killed while writing leaves DIR as it was; killed between the two
renames, the previous report sits whole in ``DIR.old`` and the next run puts it back. What a
killed run left is removed by the next run, but only what litmap made: a ``DIR.tmp`` holding
the marker ``.litmap-partial`` (with the pid of its run, so a live run's folder is left alone)
or the names of an older litmap's half-built report; a ``DIR.old`` that is a litmap report. A
user's own folder of either name is never removed: the run is refused instead.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

GENERATOR = "litmap"
PARTIAL_MARKER = ".litmap-partial"  # written first into a folder being built
# Top-level names of reports written before run.json listed its entries.
# (The section pages are listed too: a report of this version whose run.json lost its entries.)
KNOWN_ENTRIES = frozenset({"index.html", "report.md", "run.json", "summary.json", "report.xlsx", "data", "assets",
                           "topics", "concepts", "authors", "papers", "figures", PARTIAL_MARKER,
                           "documents.html", "changes.html", "figures.html", "topics.html", "concepts.html",
                           "authors.html", "papers.html", "similar.html", "references.html"})
_LEGACY_KEYS = ("run_id", "store", "report_hash")
_TMP_FILE = re.compile(r"^\.(?P<name>.+)\.litmap-(?P<pid>\d+)\.tmp$")  # write_json_atomic's temporary file


class OutputDirError(Exception):
    """The report folder holds something litmap did not write (or is not a folder): a setup error."""


def read_run_info(path: Path) -> dict[str, Any] | None:
    """``run.json`` of a folder as a dict, or None when there is none or it is not JSON."""
    try:
        info = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def is_litmap_report(info: dict[str, Any] | None) -> bool:
    if info is None:
        return False
    return info.get("generator") == GENERATOR or all(k in info for k in _LEGACY_KEYS)


def _listing(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(sorted(names)[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def check_out_dir(out: Path) -> None:
    """Raise :class:`OutputDirError` unless ``out`` may be replaced by a new report."""
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir():
        raise OutputDirError(f"the report folder {out} is not a folder (a file of that name exists); "
                             "give --out a new or empty folder, or a previous litmap report")
    names = [p.name for p in out.iterdir() if not _TMP_FILE.match(p.name)]
    if not names:
        return
    info = read_run_info(out)
    if not is_litmap_report(info):
        why = ("its run.json was not written by litmap" if (out / "run.json").exists()
               else f"holds files litmap did not write: {_listing(names)}")
        raise OutputDirError(f"the report folder {out} is not empty and is not a litmap report ({why}); "
                             "litmap replaces the whole folder, so it writes only into a new or empty folder or "
                             "a previous litmap report. Give --out another folder, or move those files away")
    allowed = set(info.get("entries") or KNOWN_ENTRIES) | {"run.json"}
    foreign = [n for n in names if n not in allowed]
    if foreign:
        raise OutputDirError(f"the report folder {out} is a litmap report but holds files litmap did not write: "
                             f"{_listing(foreign)}; litmap replaces the whole folder, so move them away first "
                             "(or give --out another folder)")


def build_dir(out: Path) -> Path:
    return out.with_name(out.name + ".tmp")


def trash_dir(out: Path) -> Path:
    return out.with_name(out.name + ".old")


def _pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a live litmap process (a reused pid of another program is not)."""
    if pid == os.getpid():
        return True
    import psutil

    try:
        cmd = " ".join(psutil.Process(pid).cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:  # someone else's process: assume it may be a run
        return True
    return "pipeline" in cmd or "litmap" in cmd


def _builder_pid(tmp: Path) -> int | None:
    """The pid in a half-built folder's marker; -1 for an older litmap's half-built report
    (no marker, only names litmap writes); None when litmap did not make the folder."""
    try:
        return int((tmp / PARTIAL_MARKER).read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        pass
    names = {p.name for p in tmp.iterdir()}
    if names and names <= KNOWN_ENTRIES and (tmp / "assets" / "litmap.css").is_file():
        return -1
    return None


def recover(out: Path, log: Any = None) -> None:
    """Undo what a killed run left beside ``out``: put a whole previous report back if ``out``
    is missing, remove litmap's own half-built folder and old report, and refuse (with
    :class:`OutputDirError`) a folder of those names that is not litmap's or is in use."""
    say = log or (lambda _msg: None)
    if out.is_dir():
        for f in out.iterdir():
            m = _TMP_FILE.match(f.name)
            if m and f.is_file() and not _pid_alive(int(m["pid"])):
                f.unlink(missing_ok=True)
    tmp = build_dir(out)
    if tmp.exists() or tmp.is_symlink():
        pid = _builder_pid(tmp) if tmp.is_dir() and not tmp.is_symlink() else None
        if pid is None:
            raise OutputDirError(f"{tmp} is in the way: litmap builds the new report in that folder, and it holds "
                                 "files litmap did not write; move it away")
        if pid != -1 and _pid_alive(pid):
            raise OutputDirError(f"another litmap run (pid {pid}) is writing the report {out} right now; wait for "
                                 "it to finish, or give this run another --out")
        shutil.rmtree(tmp)
        say(f"report: removed {tmp.name}, left half-written by a killed run")
    old = trash_dir(out)
    if old.exists() or old.is_symlink():
        if not old.is_dir() or old.is_symlink() or not is_litmap_report(read_run_info(old)):
            raise OutputDirError(f"{old} is in the way: litmap moves the previous report there while it swaps in "
                                 "the new one, and it is not a litmap report; move it away")
        if not out.exists():
            # Killed between the two renames of the swap: this is the last whole report.
            old.rename(out)
            say(f"report: put back the previous report from {old.name} (a run was killed mid-swap)")
        else:
            check_out_dir(old)  # a file the user dropped into it since is refused, not removed
            shutil.rmtree(old)


def prepare(out: Path, log: Any = None) -> None:
    """Before any work: clean up after a killed run, then refuse a folder that is not ours."""
    recover(out, log)
    check_out_dir(out)


def new_build_dir(out: Path) -> Path:
    """A fresh ``DIR.tmp`` to build the report in, marked as this run's half-built folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)  # a folder of that name that appeared since the run started is refused, not removed
    tmp = build_dir(out)
    tmp.mkdir()
    (tmp / PARTIAL_MARKER).write_text(f"{os.getpid()}\na litmap report being written; removed by the next run "
                                      "if this run was killed\n", encoding="utf-8")
    return tmp


def swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``tmp``: two renames, then the old report is removed."""
    old = trash_dir(out)
    # Checked once more right before it goes: a file the user dropped in while the run worked
    # is not deleted with the old report.
    check_out_dir(out)
    if old.exists():
        raise OutputDirError(f"{old} appeared while the report was written; move it away and run again")
    # Unmarked from here on, the finished folder counts as a litmap report: killed before the
    # renames, the next run removes it as an older run's half-built folder; after, it is DIR.
    (tmp / PARTIAL_MARKER).unlink(missing_ok=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write a JSON file so that a reader (or a kill) sees the old file or the new, never half."""
    tmp = path.with_name(f".{path.name}.litmap-{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
