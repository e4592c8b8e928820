"""Settings validated before, found again by the bytes of the files they came from.

Validating the settings builds the pydantic model's classes (0.23-0.27 s on their own on this
project's 2-core machine), the same work on every command over an unchanged config. Without it, a
run's start up to the runner went 0.46 -> 0.36 s (an ``--update`` of one paper into 1,000 takes
7-10 s in all). So the settings a run validated, with the file
each value came from, are kept as a small JSON file in the user's cache folder
(``$XDG_CACHE_HOME/litmap/settings``, else ``~/.cache/litmap/settings``; ``LITMAP_CACHE`` names
another folder, or ``off`` for none). Its name is a hash of everything the validated settings are
a function of:

- each config file applied (``files.layer_files``): its label, its path, its bytes;
- the project folder (relative paths resolve against it);
- the code that validates: the settings package's files, pydantic's and Python's versions.

A file changed by one byte, another project folder or other code is another name, so a kept
entry is never stale; it is validated anew and kept under its own name. Only settings that passed
validation are kept, and only when JSON gives them back equal, types included (a tuple would come
back a list). What the files the settings name hold is not part of the name: it is checked on
every run (``pipeline.preflight``), as is that each of them exists. A cache folder that cannot
be read or written costs the time, never the run.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

Key = tuple[str, ...]
FORMAT = 1
KEEP = 64  # entries kept; the oldest go (each config a researcher or a test suite runs adds one)


def cache_dir() -> Path | None:
    """Where validated settings are kept, or None when the user turned it off."""
    chosen = os.environ.get("LITMAP_CACHE")
    if chosen:
        return None if chosen.strip().lower() in ("off", "0", "none", "false") else Path(chosen) / "settings"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG rule: a relative value is ignored
        return Path(xdg) / "litmap" / "settings"
    try:
        return Path.home() / ".cache" / "litmap" / "settings"
    except (RuntimeError, KeyError):  # no home folder to be found (no HOME, no passwd entry): none kept
        return None


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """The validating code's fingerprint: this package's source files, pydantic's and
    pydantic-core's installed files (their size and time), and Python's version."""
    h = hashlib.sha256(sys.version.encode())
    for p in sorted(Path(__file__).parent.glob("*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    for name in ("pydantic", "pydantic_core"):
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        for f in ([origin, origin.parent / "version.py"] if origin else []):
            if f.is_file():
                st = f.stat()
                h.update(f"{name}:{f.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _name(layers: list[tuple[str, Path]], root: Path) -> str | None:
    """The entry's file name, or None when a config file cannot be read (validation says why)."""
    h = hashlib.sha256(f"{FORMAT}\0{_code_digest()}\0{Path(root).resolve()}".encode())
    for label, path in layers:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        h.update(f"\0{label}\0{Path(path).resolve()}\0{len(data)}\0".encode() + data)
    return h.hexdigest()[:32] + ".json"


def known(layers: list[tuple[str, Path]], root: Path) -> tuple[dict[str, Any], dict[Key, str]] | None:
    """The settings these files gave when last validated, with each key's file; None if not kept."""
    folder, name = cache_dir(), _name(layers, root)
    if folder is None or name is None:
        return None
    try:
        path = folder / name
        entry = json.loads(path.read_text(encoding="utf-8"))
        settings, sources = entry["settings"], {tuple(k): src for k, src in entry["sources"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not kept, or a damaged entry: validated anew and written again
    try:
        os.utime(path)  # used: the last to be pruned
    except OSError:
        pass
    return settings, sources


def remember(layers: list[tuple[str, Path]], root: Path, cfg: dict[str, Any], sources: dict[Key, str]) -> bool:
    """Keep validated settings for the next command; False when they are not kept."""
    folder, name = cache_dir(), _name(layers, root)
    if folder is None or name is None:
        return False
    entry = {"settings": cfg, "sources": [[list(k), src] for k, src in sources.items()]}
    try:
        text = json.dumps(entry, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    if not same(json.loads(text)["settings"], cfg):
        return False  # a value JSON does not give back as it was (a tuple, a non-string key)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # written beside and renamed: two commands starting at once never read half an entry
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, folder / name)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    _prune(folder)
    return True


def _prune(folder: Path) -> None:
    try:
        entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (``1 == 1.0 == True`` is not enough)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b
