"""CNKI exports (Refworks, EndNote, NoteExpress) → one metadata-only RawDoc per record.

Each format is a table from its field tags to our metadata keys; a record becomes a document
whose text is its title, abstract and keywords, so it takes part in topics, co-occurrence and
concept tracing like any paper. A record with no title is a per-record warning, not a failure
of the whole file.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Callable

from ..records import RawDoc
from .encoding import IngestError, decode_bytes
from .normalize import detect_script
from .readers import finish_text

REFWORKS = {"T1": "title", "A1": "authors", "AU": "authors", "AD": "affiliations", "JF": "journal",
            "JO": "journal", "YR": "year", "IS": "issue", "VO": "volume", "K1": "keywords", "AB": "abstract",
            "OP": "pages", "SP": "pages", "SN": "issn", "CN": "cn", "LA": "language", "DO": "doi", "LK": "url",
            "RT": "type"}
ENDNOTE = {"%T": "title", "%A": "authors", "%+": "affiliations", "%J": "journal", "%D": "year", "%N": "issue",
           "%V": "volume", "%K": "keywords", "%X": "abstract", "%P": "pages", "%@": "issn", "%0": "type",
           "%U": "url", "%R": "doi"}
NOTEEXPRESS = {"Title": "title", "Author": "authors", "Author Address": "affiliations", "Journal": "journal",
               "Year": "year", "Issue": "issue", "Volume": "volume", "Keywords": "keywords",
               "Abstract": "abstract", "Pages": "pages", "ISBN/ISSN": "issn", "Reference Type": "type",
               "URL": "url", "DOI": "doi"}
_LIST_KEYS = {"authors", "keywords", "affiliations"}


def _parse_records(text: str, line_re: re.Pattern[str], tags: dict[str, str], start_tag: str) -> list[list[tuple[str, str]]]:
    """Split into records (blank line or a start tag opens one); each is a list of (key, value)."""
    records: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            if cur:
                records.append(cur)
                cur = []
            continue
        m = line_re.match(line)
        if m is None:
            if cur:  # a continuation line of the previous field
                k, v = cur[-1]
                cur[-1] = (k, v + " " + line.strip())
            continue
        tag, value = m.group(1), m.group(2).strip()
        if tag == start_tag and cur:
            records.append(cur)
            cur = []
        cur.append((tags.get(tag, "_" + tag), value))
    if cur:
        records.append(cur)
    return records


def _split_list(key: str, value: str) -> list[str]:
    return [x.strip() for x in re.split(r"[;；]" if key != "keywords" else r"[;；,，]", value) if x.strip()]


def _record_meta(fields: list[tuple[str, str]]) -> dict:
    meta: dict = {}
    for key, value in fields:
        if key.startswith("_") or not value:
            continue
        if key in _LIST_KEYS:
            meta.setdefault(key, []).extend(_split_list(key, value))
        elif key == "year":
            m = re.search(r"(1[89]|20)\d\d", value)
            if m:
                meta["year"] = int(m.group(0))
        elif key == "issue":
            meta["issue"] = value.lstrip("0") or "0"
        else:
            meta.setdefault(key, value)
    return meta


def _affiliations(meta: dict) -> dict[str, str]:
    affs = meta.pop("affiliations", [])
    authors = meta.get("authors", [])
    if not affs:
        return {}
    if len(affs) == len(authors):
        return dict(zip(authors, affs))
    return {a: affs[0] for a in authors} if len(affs) == 1 else {}


def _record_text(meta: dict) -> str:
    parts = [meta.get("title", "")]
    if meta.get("abstract"):
        parts += ["", "摘要：" + meta["abstract"]]
    if meta.get("keywords"):
        parts += ["", "关键词：" + "；".join(meta["keywords"])]
    return "\n".join(parts) + "\n"


def _reader(line_re: re.Pattern[str], tags: dict[str, str], start_tag: str, fmt: str) -> Callable:
    def read(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
        text, enc = decode_bytes(data)
        docs: list[RawDoc] = []
        for i, fields in enumerate(_parse_records(text.lstrip("\ufeff"), line_re, tags, start_tag), start=1):
            meta = _record_meta(fields)
            warnings: list[str] = []
            if not meta.get("title"):
                warnings.append(f"{fmt} record {i} has no title: kept as a failed record")
            affs = _affiliations(meta)
            overrides = {k: meta[k] for k in ("title", "authors", "journal", "year", "issue", "keywords",
                                               "abstract") if k in meta}
            if affs:
                overrides["affiliations"] = affs
            body, script = finish_text(_record_text(meta), warnings)
            raw = "\n".join(f"{k}={v}" for k, v in fields).encode("utf-8")
            doc_id = hashlib.sha1(raw).hexdigest()[:16]
            docs.append(RawDoc(doc_id, f"{source}#{i}", body, enc, script or detect_script(body), warnings,
                               overrides, "record"))
        if not docs:
            raise IngestError(f"{fmt} export holds no records")
        return docs

    return read


read_refworks = _reader(re.compile(r"^([A-Z][A-Z0-9]) (.*)$"), REFWORKS, "RT", "Refworks")
read_endnote = _reader(re.compile(r"^(%[0-9A-Z@+#$&!*^>~]) ?(.*)$"), ENDNOTE, "%0", "EndNote")
read_noteexpress = _reader(re.compile(r"^\{([^}]+)\}:\s?(.*)$"), NOTEEXPRESS, "Reference Type", "NoteExpress")


def sniff(data: bytes) -> Callable | None:
    """Pick an export reader by the first non-blank line; None for anything else."""
    head = data[:4096]
    for enc in ("utf-8", "gb18030"):
        try:
            first = head.decode(enc, errors="strict" if enc == "gb18030" else "ignore").lstrip("\ufeff").lstrip()
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if re.match(r"RT \S", first) and re.search(r"^(A1|T1) ", first, re.M):
        return read_refworks
    if first.startswith("%0 ") and re.search(r"^%[AT] ", first, re.M):
        return read_endnote
    if first.startswith("{Reference Type}:"):
        return read_noteexpress
    return None
