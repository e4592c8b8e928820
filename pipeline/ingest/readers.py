"""Readers: a file on disk → one or more RawDocs (an export holds many records).

Dispatch is by a registry of readers keyed on file suffix, with content sniffing for CNKI
exports, so adding a format means adding one function, not another branch.
"""
from __future__ import annotations

import hashlib
import importlib
import re
from pathlib import Path
from collections.abc import Container
from typing import Any, Callable

import yaml

from ..records import RawDoc
from .encoding import IngestError, decode_bytes
from .normalize import detect_script, repair_pinyin, strip_zero_width
from ..yaml_safe import safe_load

# Files that are never papers: editor backups, OS litter, our own sidecars.
_SKIP_PATTERNS = (re.compile(r".*~$"), re.compile(r"^\.?#.*#?$"), re.compile(r".*\.(swp|swo|bak|tmp|orig)$"),
                  re.compile(r"^\.DS_Store$|^Thumbs\.db$|^desktop\.ini$", re.I), re.compile(r"^~\$.*"))
SIDECAR_SUFFIX = ".meta.yaml"
META_KEYS = ("title", "authors", "journal", "year", "volume", "issue", "pages", "doi", "keywords", "abstract",
             "affiliations", "funding")

_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def doc_id_for(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:16]


def skip_reason(path: Path) -> str | None:
    """Why a file is not a paper (status ``skipped``), or None."""
    name = path.name
    if name.endswith(SIDECAR_SUFFIX):
        return "sidecar metadata"
    if any(p.match(name) for p in _SKIP_PATTERNS):
        return "editor backup or system file, not a paper"
    return None


def _clean_overrides(meta: Any, where: str) -> tuple[dict[str, Any], list[str]]:
    if meta is None:
        return {}, []
    if not isinstance(meta, dict):
        return {}, [f"{where} is not a mapping: ignored"]
    out: dict[str, Any] = {}
    warnings: list[str] = []
    for k, v in meta.items():
        if k not in META_KEYS:
            continue
        if k in ("authors", "keywords"):
            if isinstance(v, str):
                v = [x for x in re.split(r"[;；,，、]\s*", v) if x.strip()]
            v = [str(x).strip() for x in (v or [])]
        elif k == "year" and v is not None:
            try:
                v = int(str(v)[:4])
            except ValueError:
                warnings.append(f"{where}: year {v!r} is not a year: ignored")
                continue
        elif k == "issue" and v is not None:
            v = str(v).lstrip("0") or "0"
        out[k] = v
    return out, warnings


def split_front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    m = _FRONT_RE.match(text)
    if not m:
        return {}, text, []
    try:
        meta = safe_load(m.group(1))
    except yaml.YAMLError as e:
        return {}, text[m.end():], [f"front matter is not valid YAML ({e.__class__.__name__}): ignored"]
    over, warnings = _clean_overrides(meta, "front matter")
    return over, text[m.end():], warnings


def sidecar_for(path: Path, names: Container[str] | None = None) -> Path | None:
    """The paper's sidecar (``NAME.meta.yaml`` or ``NAME.EXT.meta.yaml`` beside it), or None.
    ``names``: the names in the paper's folder, when the caller has listed it (a candidate not
    among them is not looked up on disk)."""
    for name in (path.stem + SIDECAR_SUFFIX, path.name + SIDECAR_SUFFIX):
        if names is not None and name not in names:
            continue
        cand = path.with_name(name)
        if cand.is_file():
            return cand
    return None


def finish_text(text: str, warnings: list[str]) -> tuple[str, str]:
    """Repairs applied to every text on the way in; returns (text, script)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, n_zw = strip_zero_width(text)
    if n_zw:
        warnings.append(f"removed {n_zw} zero-width characters")
    text, n_py = repair_pinyin(text)
    if n_py:
        warnings.append(f"garbled mirror text: removed {n_py} pinyin insertions such as 發(fā)展")
    return text, detect_script(text)


def read_text_file(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    text, enc = decode_bytes(data)
    warnings: list[str] = []
    overrides, body, fm_warn = split_front_matter(text.lstrip("\ufeff"))
    warnings += fm_warn
    body, script = finish_text(body, warnings)
    if not body.strip() and not overrides:
        raise IngestError("empty file (no text after the front matter)")
    return [RawDoc(doc_id_for(data), source, body, enc, script, warnings, overrides, "text")]


Reader = Callable[..., list[RawDoc]]  # (path, data, source, ingest cfg or None)
READERS: dict[str, Reader] = {".txt": read_text_file, ".md": read_text_file, ".markdown": read_text_file}


# Readers in modules of their own, each registering itself when imported: imported on the first
# file of their suffix, so a run over text and Markdown never loads the PDF reader's layout code
# (60 ms of every run's start before, in the driver, before its workers fork). The Zotero
# exports' module registers its suffixes too, and is imported by ``sniff_reader`` on every read.
_READER_MODULES = {".pdf": "pdf", ".docx": "docx", ".ris": "zotero", ".bib": "zotero", ".bibtex": "zotero",
                   ".json": "zotero"}


def register_reader(suffix: str, reader: Reader) -> None:
    READERS[suffix.lower()] = reader


def reader_for(suffix: str) -> Reader | None:
    """The reader of files ending in ``suffix`` (any case), importing its module on first use."""
    suffix = suffix.lower()
    if suffix not in READERS and suffix in _READER_MODULES:
        importlib.import_module(f"{__package__}.{_READER_MODULES[suffix]}")
    return READERS.get(suffix)


def converted_reader(convert: Callable[[bytes], tuple[str, list[str]]], kind: str, label: str) -> Reader:
    """A reader for a binary format that ``convert`` turns into text in the seed's line layout.

    Any failure inside a converter becomes a per-file IngestError naming the format, so a
    converter bug or a damaged file never stops a batch.
    """
    def read(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
        try:
            text, warnings = convert(data)
        except IngestError:
            raise
        except Exception as e:
            raise IngestError(f"broken {label}: {e.__class__.__name__}: {e}") from e
        text, script = finish_text(text, warnings)
        return [RawDoc(doc_id_for(data), source, text, kind, script, warnings, {}, kind)]

    return read


def sniff_reader(path: Path, data: bytes) -> Reader | None:
    """Readers chosen by content rather than suffix (CNKI exports come as .txt or .net, RIS and
    BibTeX as .txt too, CSSCI downloads as LY_*.txt): a CSSCI download is never read as a paper."""
    from . import cssci, exports, zotero  # imported late: optional for plain text

    return cssci.sniff(data) or exports.sniff(data) or zotero.sniff(data)


def read_path(path: Path, source: str | None = None, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    """Read one file into RawDocs, applying a sidecar's metadata. Raises IngestError.
    cfg is the ``ingest`` section of the config (the PDF reader's settings)."""
    source = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read file: {e.strerror or e}") from e
    reader = sniff_reader(path, data) or reader_for(path.suffix)
    if reader is None:
        raise IngestError(f"unsupported file type {path.suffix or '(no suffix)'!r}")
    docs = reader(path, data, source, cfg)
    side = sidecar_for(path)
    if side is not None:
        try:
            meta = safe_load(side.read_text(encoding="utf-8"))
            over, warn = _clean_overrides(meta, f"sidecar {side.name}")
        except (yaml.YAMLError, UnicodeDecodeError, OSError) as e:
            over, warn = {}, [f"sidecar {side.name} unreadable ({e.__class__.__name__}): ignored"]
        for d in docs:
            d.overrides.update(over)
            d.warnings.extend(warn)
            # The sidecar is part of the document: its bytes enter the id so an edit re-processes it.
            d.doc_id = hashlib.sha1((d.doc_id + side.read_bytes().hex()).encode()).hexdigest()[:16]
    return docs

