"""Where an export may be written: never over a user's file.

``--out`` is written only when it is missing, an empty file, or a file ``litmap export`` wrote
before in the same format (recognised by its content: the ``UT LITMAP:`` accession numbers of
a WoS file, ``DB``/``ID`` of RIS, ``source``/``id`` of CSL-JSON, the ``litmap export`` creator
of GEXF and GraphML). For ``vosviewer`` ``--out`` is a folder: missing, empty, or one an
earlier export wrote (its ``.litmap-export.json`` lists the files it wrote, and the folder
holds nothing else). Anything else is refused before any work, naming ``--out``. Files are
written to a temporary sibling and renamed into place, so a reader never sees half a file.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..config import ConfigError

MARKER = ".litmap-export.json"


def check_file(out: Path, fmt: str, is_ours: Callable[[str], bool]) -> None:
    if out.is_dir():
        raise ConfigError(f"--out {out}: is a folder; --format {fmt} writes one file, give --out a file name")
    if not out.exists():
        if out.parent.exists() and not out.parent.is_dir():
            raise ConfigError(f"--out {out}: {out.parent} is not a folder")
        return
    if out.stat().st_size == 0:
        return
    try:
        text = out.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        text = ""
    if not is_ours(text):
        raise ConfigError(f"--out {out}: the file exists and was not written by `litmap export --format {fmt}`; "
                          "litmap never overwrites a file it did not write: give --out another name, or move it away")


def write_file(out: Path, write: Callable[[Path], None]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.litmap-export-{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def _listed(folder: Path) -> list[str] | None:
    try:
        info = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = info.get("files") if isinstance(info, dict) else None
    return [str(f) for f in files] if isinstance(files, list) else None


def check_folder(out: Path, fmt: str) -> None:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file; --format {fmt} writes a folder of files, give --out a folder")
    if not out.exists():
        return
    names = sorted(p.name for p in out.iterdir())
    if not names:
        return
    listed = _listed(out)
    foreign = [n for n in names if n != MARKER and (listed is None or n not in listed)]
    if listed is None or foreign:
        shown = ", ".join(foreign[:5]) + (f", … ({len(foreign)} in all)" if len(foreign) > 5 else "")
        raise ConfigError(f"--out {out}: the folder holds files `litmap export` did not write ({shown}); litmap "
                          "never overwrites or removes them: give --out a new or empty folder")


def write_folder(out: Path, fmt: str, write: Callable[[Path], list[str]]) -> list[str]:
    """Write into ``out``; files an earlier export listed and this one does not write are removed
    (a network that has no edges any more must not linger)."""
    out.mkdir(parents=True, exist_ok=True)
    before = set(_listed(out) or [])
    names = write(out)
    for stale in sorted(before - set(names)):
        (out / stale).unlink(missing_ok=True)
    tmp = out / f".{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"generator": "litmap export", "format": fmt, "files": names}, ensure_ascii=False,
                              indent=1), encoding="utf-8")
    os.replace(tmp, out / MARKER)
    return names
