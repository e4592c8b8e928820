"""Find the files of a corpus and give each a content key.

Symlinked directories are not descended (a symlink loop cannot hang a run); a symlink to a
file is read as that file. The key is the hash of the file's bytes plus its sidecar's, so an
edit to either re-processes the file and nothing else does.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Container
from pathlib import Path

from ..context import FileEntry
from ..ingest.readers import sidecar_for, skip_reason

__all__ = ["FileEntry", "discover", "file_key"]


def file_key(path: Path, max_bytes: int, names: Container[str] | None = None) -> str:
    """The hash of the file's bytes and its sidecar's. ``names``: the names in its folder, when
    listed already (``readers.sidecar_for``)."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        if os.path.islink(path):
            raise OSError("broken symbolic link") from None
        raise
    if size > max_bytes:
        raise OSError(f"file too large ({size} bytes > ingest.max_bytes {max_bytes})")
    h = hashlib.sha1(path.read_bytes())
    side = sidecar_for(path, names)
    if side is not None:
        h.update(b"\0sidecar\0" + side.read_bytes())
    return h.hexdigest()[:16]


def discover(corpus: Path, suffixes: list[str], max_bytes: int) -> list[FileEntry]:
    """Every file of the corpus (sorted by folder, then name), each with its key or why it has none.

    Each folder is listed once and each file looked up once: its size, then its bytes (and a
    sidecar only when the listing holds one). Five lookups and six path parses a file took a
    tenth of a second per thousand papers, on every run, before anything else could start."""
    corpus = corpus.resolve() if not corpus.is_symlink() else corpus
    if corpus.is_file():
        folders = [(str(corpus.parent), [corpus.name], None)]  # its folder not listed: a sidecar looked up
        root = corpus.parent
    else:
        folders = []
        for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            folders.append((dirpath, sorted(filenames), frozenset(filenames)))
        root = corpus
    # A file's name in the report: the corpus folder's name and the path below it.
    top, prefix = Path(root.name), str(root)
    entries: list[FileEntry] = []
    wanted = {s.lower() for s in suffixes}
    for dirpath, filenames, names in folders:
        below = Path(dirpath[len(prefix):].lstrip(os.sep))
        for f in filenames:
            p = Path(dirpath, f)
            entry = FileEntry(str(p), str(top / below / f))
            reason = skip_reason(p)
            if reason == "sidecar metadata":
                continue  # read together with its paper
            if reason is None and p.suffix.lower() not in wanted and not f.startswith("."):
                reason = f"not a paper file type ({p.suffix or 'no suffix'})"
            if reason is None and f.startswith("."):
                reason = "hidden file"
            if reason:
                entry.status, entry.error = "skipped", reason
            else:
                try:
                    entry.key = file_key(p, max_bytes, names)
                except OSError as e:
                    entry.status, entry.error = "failed", f"cannot read file: {e.strerror or e}"
            entries.append(entry)
    return entries
