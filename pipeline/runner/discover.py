"""Find the files of a corpus and give each a content key.

Symlinked directories are not descended (a symlink loop cannot hang a run); a symlink to a
file is read as that file. The key is the hash of the file's bytes plus its sidecar's, so an
edit to either re-processes the file and nothing else does.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..context import FileEntry
from ..ingest.readers import sidecar_for, skip_reason

__all__ = ["FileEntry", "discover", "file_key"]


def _source_name(path: Path, corpus: Path) -> str:
    try:
        return str(Path(corpus.name) / path.relative_to(corpus)) if corpus.is_dir() else str(path)
    except ValueError:
        return str(path)


def file_key(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise OSError(f"file too large ({size} bytes > ingest.max_bytes {max_bytes})")
    h = hashlib.sha1(path.read_bytes())
    side = sidecar_for(path)
    if side is not None:
        h.update(b"\0sidecar\0" + side.read_bytes())
    return h.hexdigest()[:16]


def discover(corpus: Path, suffixes: list[str], max_bytes: int) -> list[FileEntry]:
    corpus = corpus.resolve() if not corpus.is_symlink() else corpus
    if corpus.is_file():
        paths = [corpus]
        root = corpus.parent
    else:
        paths = []
        for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            paths.extend(Path(dirpath) / f for f in sorted(filenames))
        root = corpus
    entries: list[FileEntry] = []
    wanted = {s.lower() for s in suffixes}
    for p in paths:
        entry = FileEntry(str(p), _source_name(p, root))
        reason = skip_reason(p)
        if reason == "sidecar metadata":
            continue  # read together with its paper
        if reason is None and p.suffix.lower() not in wanted and not p.name.startswith("."):
            reason = f"not a paper file type ({p.suffix or 'no suffix'})"
        if reason is None and p.name.startswith("."):
            reason = "hidden file"
        if reason:
            entry.status, entry.error = "skipped", reason
        else:
            try:
                if p.is_symlink() and not p.exists():
                    raise OSError("broken symbolic link")
                entry.key = file_key(p, max_bytes)
            except OSError as e:
                entry.status, entry.error = "failed", f"cannot read file: {e.strerror or e}"
        entries.append(entry)
    return entries
