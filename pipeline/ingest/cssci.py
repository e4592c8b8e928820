"""CSSCI download files (中文社会科学引文索引, ``LY_*.txt``) → one metadata-only RawDoc per record.

A download is a three-line header (南京大学中国社会科学研究评价中心 …), then records of tagged
lines (【来源篇名】 …, spaces inside the tags vary: 【基    金】, 【关 键 词】), each closed by a line
of dashes. 【参考文献】 is followed by the record's numbered references in CSSCI's dotted style;
they travel as ``RawDoc.reference_lines`` and are parsed at build time by
:mod:`pipeline.refs.cssci` with the run's aliases. The file is recognised by its content, whatever
its name, in UTF-8 (with or without BOM) or GBK, with CRLF or LF line ends.

The record's text is its title and keywords (as for CNKI records) so it takes part in topics and
co-occurrence. The English title (【英文篇名】) is not put there: an English line among Chinese
texts would only add English tokens to the Chinese vocabulary, and ``Meta`` has no field for it;
it still enters the record's id.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from ..records import RawDoc
from .encoding import IngestError, decode_bytes
from .exports import _record_text
from .normalize import detect_script
from .readers import finish_text

HEADER = "南京大学中国社会科学研究评价中心"
# Tags (inner whitespace removed) → our metadata keys; tags not named here are kept in the id only.
TAGS = {"来源篇名": "title", "英文篇名": "title_en", "来源作者": "authors", "基金": "funding", "期刊": "journal",
        "第一机构": "first_affiliation", "机构名称": "affiliations", "第一作者": "first_author",
        "中图类号": "clc", "年代卷期": "year_volume_issue", "关键词": "keywords", "基金类别": "funding_type",
        "参考文献": "references"}
START_TAG = "来源篇名"
MISSING = "***"
# What marks a CSSCI file, in the bytes of either encoding: the header as its first line, or a
# line that opens with the record's first tag. Only at a line start: a paper that names the
# 评价中心 or quotes a tag in its text is still a paper.
_HEADS = tuple(HEADER.encode(enc) for enc in ("utf-8", "gb18030"))
_TAG_STARTS = tuple(re.compile(rb"(?:^|\n)[ \t\xef\xbb\xbf]*" + re.escape("【来源篇名】".encode(enc)))
                    for enc in ("utf-8", "gb18030"))
_TAG_LINE = re.compile(r"^\s*【([^】]{1,20})】(.*)$")
_END_LINE = re.compile(r"^\s*-{10,}\s*$")
_REF_ITEM = re.compile(r"^\s*(\d{1,4})\s*[.．、]")
_YVI = re.compile(r"^\s*((?:1[89]|20)\d\d)?\s*[,，]?\s*(?:([^(（:：,，]*?)\s*[(（]\s*([^)）]*?)\s*[)）])?"
                  r"\s*(?:[:：]\s*([0-9A-Za-z]+(?:\s*[-–—~]\s*[0-9A-Za-z]+)?))?\s*[,，]?\s*$")
_LATIN_END = re.compile(r"[A-Za-z0-9,;:]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9(]")


def sniff(data: bytes) -> Any:
    """The CSSCI reader when the content is a CSSCI download (header line or 【来源篇名】 tag in
    its first 8 KB, in UTF-8 or GBK), else None."""
    head = data[:8192]
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if first.startswith(_HEADS) or any(p.search(head) for p in _TAG_STARTS):
        return read_cssci
    return None


def _wrap_sep(prev: str, more: str) -> str:
    """What a value wrapped onto a continuation line was cut at: Latin words at a space."""
    return " " if _LATIN_END.search(prev) and _LATIN_START.match(more) else ""


class _Record:
    """One record's lines as read: values are lists of their printed lines (joined once at the
    end, so a value wrapped over many lines costs linear time)."""

    def __init__(self) -> None:
        self._fields: list[tuple[str, list[str]]] = []  # (tag without spaces, lines of its value)
        self._refs: list[list[str]] = []  # each item's printed lines
        self._numbered = False  # the list's items carry numbers (only then can a line continue one)
        self.stray: list[str] = []  # lines that belong to no tag
        self.in_refs = False

    def add_line(self, line: str) -> None:
        m = _TAG_LINE.match(line)
        if m:
            tag = re.sub(r"\s+", "", m.group(1))
            self.in_refs = TAGS.get(tag) == "references"
            value = m.group(2).strip()
            if self.in_refs:
                if value:  # an item printed on the tag's own line
                    self._add_item(value)
                return
            self._fields.append((tag, [value] if value else []))
            return
        text = line.strip()
        if not text:
            return
        if self.in_refs:
            self._add_item(text)
        elif self._fields:
            self._fields[-1][1].append(text)
        else:
            self.stray.append(text)

    def _add_item(self, text: str) -> None:
        m = _REF_ITEM.match(text)
        if not self._refs:
            self._numbered = m is not None
            self._refs.append([text])
            return
        if not self._numbered:
            self._refs.append([text])
            return
        last = _REF_ITEM.match(self._refs[-1][0])
        # A new item carries the next number; "2019.(5)" wrapped from the line before does not.
        if m and last and int(last.group(1)) < int(m.group(1)) <= int(last.group(1)) + 3:
            self._refs.append([text])
        else:
            self._refs[-1].append(text)

    @staticmethod
    def _joined(lines: list[str]) -> str:
        out: list[str] = []
        for i, ln in enumerate(lines):
            if i:
                out.append(_wrap_sep(lines[i - 1], ln))
            out.append(ln)
        return "".join(out)

    @property
    def fields(self) -> list[tuple[str, str]]:
        return [(tag, self._joined(lines)) for tag, lines in self._fields]

    @property
    def refs(self) -> list[str]:
        return [self._joined(lines) for lines in self._refs]

    @property
    def empty(self) -> bool:
        return not self._fields and not self._refs


def split_records(text: str) -> tuple[list[_Record], list[str]]:
    """Records of a decoded download, and the lines before the first one (the header)."""
    records: list[_Record] = []
    header: list[str] = []
    cur: _Record | None = None
    for line in text.splitlines():
        if _END_LINE.match(line):
            if cur is not None and not cur.empty:
                records.append(cur)
            cur = None
            continue
        m = _TAG_LINE.match(line)
        if m and re.sub(r"\s+", "", m.group(1)) == START_TAG and cur is not None and not cur.empty:
            records.append(cur)  # a record not closed by dashes: the next title opens a new one
            cur = None
        if cur is None:
            if not m and not records:
                if line.strip():
                    header.append(line.strip())
                continue
            cur = _Record()
        cur.add_line(line)
    if cur is not None and not cur.empty:
        records.append(cur)
    return records, header


def _values(value: str) -> list[str]:
    return [x.strip() for x in re.split(r"[/／]", value) if x.strip() and x.strip() != MISSING]


def _institution(text: str) -> str:
    """``北京大学.经济学院.`` → ``北京大学经济学院``: CSSCI separates institution and department by a
    dot (and often ends with one); Latin names keep theirs (Univ. of X)."""
    text = text.strip().rstrip(".")
    return re.sub(r"(?<=[\u3400-\u9fff》）)])\.(?=[\u3400-\u9fff《（(])", "", text).strip()


def _affiliations(value: str, authors: list[str], first_aff: str, first_author: str) -> dict[str, str]:
    """``[陈灏]福建商学院金融学院/[钟锦宸]复旦大学马克思主义学院`` → author → institution(s)."""
    out: dict[str, list[str]] = {}
    bare: list[str] = []
    for part in _values(value):
        m = re.match(r"^\[([^\]]+)\]\s*(.+)$", part)
        inst = _institution(m.group(2) if m else part)
        if m:
            out.setdefault(m.group(1).strip(), []).append(inst)
        else:
            bare.append(inst)
    if bare and not out:  # institutions without names: one per author, or one for all
        if len(bare) == len(authors):
            out = {a: [b] for a, b in zip(authors, bare)}
        elif len(bare) == 1 and authors:
            out = {a: bare for a in authors}
    first = first_author or (authors[0] if authors else "")
    if first_aff and first and first not in out:
        out[first] = [_institution(first_aff)]
    return {a: "；".join(dict.fromkeys(v)) for a, v in out.items()}


def _number(x: str) -> str:
    """Volume and issue numbers without leading zeros (``(05)`` is issue 5); 增刊, S1 stay."""
    return (x.lstrip("0") or "0") if x.isdigit() else x


def year_volume_issue(value: str) -> dict[str, Any]:
    """``2022,42(1):69-79`` / ``2024,(2)`` / ``2025,`` → year, volume, issue, pages (those present)."""
    m = _YVI.match(value)
    if not m:
        y = re.search(r"(?:1[89]|20)\d\d", value)
        return {"year": int(y.group(0))} if y else {}
    out: dict[str, Any] = {"year": int(m.group(1))} if m.group(1) else {}
    vol, issue, pages = (m.group(2) or "").strip(), (m.group(3) or "").strip(), m.group(4)
    if vol:
        out["volume"] = _number(vol)
    if issue:
        out["issue"] = _number(issue)
    if pages:
        out["pages"] = re.sub(r"\s*[-–—~]\s*", "-", pages)
    return out


def record_meta(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """Metadata keys of ``readers.META_KEYS`` from one record's (tag, value) fields."""
    raw: dict[str, str] = {}
    for tag, value in fields:
        key = TAGS.get(tag)
        if key and value and value != MISSING:
            raw.setdefault(key, value)
    meta: dict[str, Any] = {}
    for key in ("title", "journal", "funding"):
        if raw.get(key):
            meta[key] = raw[key]
    for key in ("authors", "keywords"):
        vals = _values(raw.get(key, ""))
        if vals:
            meta[key] = vals
    if raw.get("year_volume_issue"):
        meta.update(year_volume_issue(raw["year_volume_issue"]))
    affs = _affiliations(raw.get("affiliations", ""), meta.get("authors", []),
                         raw.get("first_affiliation", ""), raw.get("first_author", ""))
    if affs:
        meta["affiliations"] = affs
    return meta


def read_cssci(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    text, enc = decode_bytes(data)
    records, _header = split_records(text.lstrip("\ufeff"))
    docs: list[RawDoc] = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(records, start=1):
        fields, refs = rec.fields, rec.refs
        meta = record_meta(fields)
        warnings: list[str] = []
        if not meta.get("title"):
            warnings.append(f"CSSCI record {i} has no title (empty or missing 【来源篇名】): kept untitled")
        if rec.stray:
            warnings.append(f"CSSCI record {i}: {len(rec.stray)} line(s) before its first tag ignored, "
                            f"e.g. {rec.stray[0][:40]!r}")
        body, script = finish_text(_record_text(meta), warnings)
        # The id hashes the decoded fields, not the bytes: the same record in GBK and in UTF-8
        # (or with CRLF and LF) is one document.
        doc_id = hashlib.sha1("\n".join([*(f"{t}={v}" for t, v in fields), *refs]).encode("utf-8")).hexdigest()[:16]
        if doc_id in seen:  # the download repeats a record: kept, under an id of its own, and said
            warnings.append(f"CSSCI record {i} repeats record {seen[doc_id]} of this file")
            doc_id = hashlib.sha1(f"{doc_id}#{i}".encode()).hexdigest()[:16]
        else:
            seen[doc_id] = i
        docs.append(RawDoc(doc_id, f"{source}#{i}", body, enc, script or detect_script(body), warnings, meta,
                           "record", reference_lines=refs, reference_style="cssci"))
    if not docs:
        raise IngestError("CSSCI download holds no records (no 【来源篇名】 … line of dashes blocks "
                          "after the 南京大学中国社会科学研究评价中心 header)")
    return docs
