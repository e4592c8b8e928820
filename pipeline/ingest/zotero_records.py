"""What Zotero's three export readers (``zotero.py``: RIS, BibTeX, CSL-JSON) share: person names
in our form, a record's metadata made into a RawDoc the way the CNKI export readers do
(``exports``), and the abstract Zotero keeps in a child note (taken when labelled as an abstract
or long prose, never a URL, a tag line or a comment).
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable

from ..records import RawDoc
from ..settings.fill import filled, section_defaults
from .exports import _affiliations, _record_text, _split_list
from .normalize import detect_script
from .readers import finish_text

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_YEAR = re.compile(r"(?<!\d)(1[89]|20)\d\d(?!\d)")
_URL_ONLY = re.compile(r"^(https?://|www\.)\S+$", re.I)
# A child note that is only a database tag ("CNKI", "CNKI:SUN:MKSY.0.2023-04-012", "知网").
_TAG_LINE = re.compile(r"^(CNKI|知网|万方|维普)[A-Za-z0-9_:：.\-/ ]*$", re.I)
# 摘要： / [摘要] / 【Abstract】 / a heading line "Abstract"; not the start of "Abstracting …" or "提要求".
_ABSTRACT_LABEL = re.compile(r"^[\[【(（]?\s*(摘\s*要|内容摘要|内容提要|提\s*要|abstract)"
                             r"(?:\s*[\]】)）]\s*[:：.]?|\s*[:：.]|\s|$)\s*", re.I)
_BLOCK_END = re.compile(r"<br\s*/?>|</(p|h[1-6]|div|li|blockquote|pre)\s*>", re.I)
DEFAULT_NOTE_ABSTRACT_MIN_CHARS = section_defaults("ingest", "zotero")["note_abstract_min_chars"]


# -- names ---------------------------------------------------------------------------------------

def person_name(family: str | None = None, given: str | None = None, literal: str | None = None) -> str:
    """One printed name: Chinese names family+given with no space (陈 + 灏 → 陈灏), others Given Family."""
    if literal:
        return _tidy_name(literal)
    family, given = (family or "").strip(), (given or "").strip()
    if _CJK.search(family + given):
        return _tidy_name(family + given)
    return " ".join(x for x in (given, family) if x)


def _tidy_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip())
    # "陈 灏" (a byline's spacing) is the name 陈灏: spaces between CJK characters carry nothing.
    return re.sub(rf"(?<={_CJK.pattern})\s+(?={_CJK.pattern})", "", name)


def _inverted_name(name: str) -> str:
    """RIS/BibTeX ``Family, Given`` (or a plain name) → a printed name."""
    family, sep, given = name.partition(",")
    if not sep:
        return _tidy_name(name)
    return person_name(family, given.split(",")[0])


# -- record → RawDoc ------------------------------------------------------------------------------

def _year(value: Any) -> int | None:
    m = _YEAR.search(str(value or ""))
    return int(m.group(0)) if m else None


def _pages(first: Any, last: Any = None) -> str | None:
    first, last = str(first or "").strip(), str(last or "").strip()
    if not first:
        return last or None
    pages = f"{first}-{last}" if last and last != first else first
    return re.sub(r"\s*[–—‐-]+\s*", "-", pages)


def _keywords(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [k for k in _split_list("keywords", str(v)) if k not in out]
    return out


def _record_doc(meta: dict[str, Any], id_fields: Any, source: str, i: int, enc: str, fmt: str,
                warnings: list[str]) -> RawDoc:
    """Build one record's RawDoc; ``meta`` holds our keys (affiliations as a list, mapped here)."""
    meta = {k: v for k, v in meta.items() if v not in (None, "", [])}
    if "issue" in meta:
        meta["issue"] = str(meta["issue"]).lstrip("0") or "0"
    for k in ("volume", "journal", "doi", "title", "abstract"):
        if k in meta:
            meta[k] = str(meta[k]).strip()
    if not meta.get("title"):
        warnings.append(f"{fmt} record {i} has no title: kept as a failed record")
    affs = _affiliations(meta)
    overrides = {k: meta[k] for k in ("title", "authors", "journal", "year", "volume", "issue", "pages",
                                      "doi", "keywords", "abstract") if k in meta}
    if affs:
        overrides["affiliations"] = affs
    body, script = finish_text(_record_text(meta), warnings)
    raw = json.dumps(id_fields, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return RawDoc(hashlib.sha1(raw).hexdigest()[:16], f"{source}#{i}", body, enc,
                  script or detect_script(body), warnings, overrides, "record")


# -- attached notes -------------------------------------------------------------------------------

def note_text(note: str) -> str:
    """A Zotero note's HTML → plain text, one line per block."""
    from lxml import html
    from lxml.etree import ParserError

    marked = _BLOCK_END.sub(lambda m: m.group(0) + "\n", note)
    try:
        text = html.fromstring(f"<div>{marked}</div>").text_content()
    except ParserError:
        return ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def note_abstract(notes: Iterable[str], min_chars: int) -> tuple[str | None, bool]:
    """The abstract among a record's notes: (text, labelled). A note labelled 摘要/Abstract wins;
    otherwise the first unlabelled note of at least ``min_chars`` characters of prose."""
    labelled: str | None = None
    prose: str | None = None
    for note in notes:
        text = note_text(note)
        m = _ABSTRACT_LABEL.match(text)
        if m:
            text = text[m.end():].strip()
        if not text or _URL_ONLY.match(text) or _TAG_LINE.match(text):
            continue
        text = re.sub(r"\s*\n\s*", "\n", text)
        if m and labelled is None:
            labelled = text
        elif not m and prose is None and len(text) >= min_chars:
            prose = text
    if labelled is not None:
        return labelled, True
    return prose, False


def _min_chars(cfg: dict[str, Any] | None) -> int:
    """``ingest.zotero.note_abstract_min_chars`` of the ``ingest`` section (or of the model)."""
    return int(filled((cfg or {}).get("zotero"), "ingest", "zotero")["note_abstract_min_chars"])


def _abstract_from_notes(meta: dict[str, Any], notes: list[str], cfg: dict[str, Any] | None, where: str,
                         warnings: list[str]) -> None:
    if meta.get("abstract") or not notes:
        return
    text, labelled = note_abstract(notes, _min_chars(cfg))
    if text:
        meta["abstract"] = text
        if not labelled:
            warnings.append(f"{where}: abstract taken from an attached note with no 摘要/Abstract label "
                            f"({len(text)} characters)")
