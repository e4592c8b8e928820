"""The report directory is the user's folder too: litmap writes it only when it is safe to.

``litmap run --out DIR`` replaces DIR whole, so DIR must hold nothing litmap did not write:
it is missing, empty, or a previous litmap report. A report is recognised by its ``run.json``
carrying ``"generator": "litmap"`` (written since the report has been swapped in this way) or,
for reports written before that, the keys every litmap ``run.json`` had (run_id, store,
report_hash). Its top-level entries must be ones litmap writes (listed in ``run.json``'s
``entries``, or the known names for older reports), so a user's ``chapter1.docx`` dropped into
a report folder is never deleted with it. Anything else is refused before any work is done.

The new report is built in a sibling folder (same parent, so the renames below are atomic on
one file system) and swapped in at the end: old → trash sibling, new → DIR, trash removed. A
run killed while writing leaves DIR as it was; killed between the two renames, the previous
report sits whole in the trash sibling and the next run puts it back. Siblings a killed run
left are removed by the next run, but only those litmap made: recognised by their name (which
carries the pid of the run that made them, so a live run's folder is left alone) and by a
marker inside (``.litmap-partial`` in a folder being built; a litmap ``run.json`` in a trash).
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
KNOWN_ENTRIES = frozenset({"index.html", "report.md", "run.json", "summary.json", "report.xlsx", "data", "assets",
                           "topics", "concepts", "authors", "papers", "figures", PARTIAL_MARKER})
_LEGACY_KEYS = ("run_id", "store", "report_hash")
_SIBLING = re.compile(r"^\.(?P<name>.+)\.litmap-(?P<kind>new|old)-(?P<pid>\d+)$")
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


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def recover(out: Path, log: Any = None) -> None:
    """Undo what a killed run left beside ``out``: put a whole previous report back if ``out``
    is missing, and remove litmap's own half-built and trash siblings."""
    parent = out.parent
    if not parent.is_dir():
        return
    if out.is_dir():
        for f in out.iterdir():
            m = _TMP_FILE.match(f.name)
            if m and f.is_file() and not _pid_alive(int(m["pid"])):
                f.unlink(missing_ok=True)
    for sib in sorted(parent.iterdir()):
        m = _SIBLING.match(sib.name)
        if not m or m["name"] != out.name or not sib.is_dir() or _pid_alive(int(m["pid"])):
            continue
        if m["kind"] == "new" and (sib / PARTIAL_MARKER).is_file():
            shutil.rmtree(sib, ignore_errors=True)
            if log:
                log(f"report: removed {sib.name}, left half-written by a killed run")
        elif m["kind"] == "old" and is_litmap_report(read_run_info(sib)):
            if not out.exists():
                # Killed between the two renames of the swap: this is the last whole report.
                sib.rename(out)
                if log:
                    log(f"report: put back the previous report from {sib.name} (a run was killed mid-swap)")
            else:
                shutil.rmtree(sib, ignore_errors=True)


def prepare(out: Path, log: Any = None) -> None:
    """Before any work: clean up after a killed run, then refuse a folder that is not ours."""
    recover(out, log)
    check_out_dir(out)


def new_build_dir(out: Path) -> Path:
    """A fresh sibling folder to build the report in, marked as litmap's half-built folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.litmap-new-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    (tmp / PARTIAL_MARKER).write_text("a litmap report being written; removed by the next run if left\n",
                                      encoding="utf-8")
    return tmp


def swap_in(tmp: Path, out: Path) -> None:
    """Replace ``out`` by the finished ``tmp``: two renames, then the old report is removed."""
    trash = out.with_name(f".{out.name}.litmap-old-{os.getpid()}")
    if trash.exists():
        shutil.rmtree(trash)
    # Checked once more right before it goes: a file the user dropped in while the run worked
    # is not deleted with the old report.
    check_out_dir(out)
    (tmp / PARTIAL_MARKER).unlink(missing_ok=True)
    if out.exists():
        out.rename(trash)
    tmp.rename(out)
    shutil.rmtree(trash, ignore_errors=True)


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write a JSON file so that a reader (or a kill) sees the old file or the new, never half."""
    tmp = path.with_name(f".{path.name}.litmap-{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
