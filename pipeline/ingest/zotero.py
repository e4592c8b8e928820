"""Zotero's export formats (RIS, BibTeX, CSL-JSON) → one metadata-only RawDoc per record.

The libraries parse the syntax (``rispy``; ``bibtexparser`` v2, with ``pylatexenc`` decoding the
values it reads as bibtexparser's LaTeX middleware would; ``json``); this module maps their fields to our metadata keys and builds each record's document the
way the CNKI export readers do (``exports``): the text is title, abstract and keywords, the doc_id
comes from the record's decoded fields (so the same export in GBK and UTF-8 gives one id), and a
record with no title is a per-record warning. Zotero keeps an abstract that arrived without a field
(CNKI pages, some translators) in a child note; RIS exports it as an ``N1`` note, which is taken
when it is labelled as an abstract or is long prose, never when it is a URL, a tag line or a comment.
Names, the record's document and the notes are in ``zotero_records.py``; the readers are here.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path
from typing import Any, Callable

from ..records import RawDoc
from .encoding import IngestError, decode_bytes
from .exports import _split_list
from .readers import register_reader
# What the three readers share; the public names stay importable from here.
from .zotero_records import (DEFAULT_NOTE_ABSTRACT_MIN_CHARS, _abstract_from_notes, _inverted_name, _keywords, _pages,
                             _record_doc, _tidy_name, _year, note_abstract, note_text, person_name)

__all__ = ["DEFAULT_NOTE_ABSTRACT_MIN_CHARS", "latex_text", "note_abstract", "note_text", "person_name", "read_bibtex",
           "read_csljson", "read_ris", "sniff"]

# -- RIS ------------------------------------------------------------------------------------------

def _ris_parser() -> Any:
    import rispy

    class ZoteroRis(rispy.RisParser):
        """rispy's parser, except that a continuation line of a list tag (a multi-line note, as Zotero
        writes note HTML) extends that tag's last value instead of becoming a value of its own."""

        def _add_tag(self, record: dict, tag: str, content: str, extend_multiline: bool = False) -> None:
            if tag is None:  # a stray line before the record's first tag: nothing to attach it to
                return
            name = self.mapping.get(tag)
            if extend_multiline and tag in self.list_tags and record.get(name):
                record[name][-1] += "\n" + content
                return
            super()._add_tag(record, tag, content, extend_multiline)

    # AD repeats once per author (rispy keeps only the first of a non-list tag).
    return ZoteroRis(list_tags=[*rispy.LIST_TYPE_TAGS, "AD"])


_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( |$)")
# Types whose T2 is a series (book) or absent rather than the journal or container.
_RIS_T2_NOT_CONTAINER = {"BOOK", "THES", "RPRT", "EBOOK", "EDBOOK"}


def _close_ris_records(lines: list[str]) -> tuple[list[str], list[int]]:
    """rispy drops a record with no ER line at the end of the file and merges one whose ER is missing
    into the next; add the missing ER lines and return the (1-based) records that lacked one."""
    out: list[str] = []
    open_, n, fixed = False, 0, []
    for line in lines:
        m = _RIS_TAG.match(line)
        tag = m.group(1) if m else None
        if tag == "TY":
            if open_:
                out.append("ER  - ")
                fixed.append(n)
            open_, n = True, n + 1
        elif tag == "ER":
            open_ = False
        out.append(line)
    if open_:
        out.append("ER  - ")
        fixed.append(n)
    return out, fixed


def _ris_meta(rec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    def one(key: str) -> Any:
        v = rec.get(key)
        return v[0] if isinstance(v, list) and v else v

    authors = [_inverted_name(a) for key in ("authors", "first_authors") for a in rec.get(key) or []
               if a.strip()]
    journal_keys = ("journal_name", "alternate_title3", "alternate_title2", "alternate_title1")
    if str(rec.get("type_of_reference", "")).upper() not in _RIS_T2_NOT_CONTAINER:
        journal_keys = ("secondary_title",) + journal_keys
    affs: list[str] = []
    for a in rec.get("author_address") or []:
        affs += _split_list("affiliations", a)
    meta = {
        "title": one("title") or one("primary_title"),
        "authors": list(dict.fromkeys(authors)),
        "journal": next((one(k) for k in journal_keys if one(k)), None),
        "year": _year(one("year")) or _year(one("date")) or _year(one("publication_year")),
        "volume": one("volume"), "issue": one("number"),
        "pages": _pages(one("start_page"), one("end_page")), "doi": one("doi"),
        "abstract": one("abstract") or one("notes_abstract"),
        "keywords": _keywords(rec.get("keywords") or []), "affiliations": affs,
    }
    return meta, list(rec.get("notes") or [])


def read_ris(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    text, enc = decode_bytes(data)
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(_RIS_TAG.match(line) and line.startswith("TY") for line in lines):
        raise IngestError("RIS export holds no records (no 'TY  - ' line opens one)")
    lines, unclosed = _close_ris_records(lines)
    try:
        records = _ris_parser().parse("\n".join(lines))
    except Exception as e:  # rispy's own failure on odd input names the file instead of stopping the batch
        raise IngestError(f"RIS cannot be parsed: {e.__class__.__name__}: {e}") from e
    docs: list[RawDoc] = []
    for i, rec in enumerate(records, start=1):
        warnings: list[str] = []
        if i in unclosed:
            warnings.append(f"RIS record {i} has no 'ER  - ' line: read up to the next record or the end "
                            "of the file")
        meta, notes = _ris_meta(rec)
        _abstract_from_notes(meta, notes, cfg, f"RIS record {i}", warnings)
        docs.append(_record_doc(meta, rec, source, i, enc, "RIS", warnings))
    if not docs:
        raise IngestError("RIS export holds no records")
    return docs


# -- BibTeX ---------------------------------------------------------------------------------------

_LATEX_SYNTAX = re.compile(r"[\\{}$~]|--")
_LATEX_MARKUP = re.compile(r"[\\$~]|--")


@functools.lru_cache(maxsize=1)
def _latex() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    # As bibtexparser's LatexDecodingMiddleware decodes (math kept verbatim, braces dropped).
    return LatexNodes2Text(math_mode="verbatim")


def latex_text(value: str) -> str:
    """A BibTeX value as text: {…} case protection, escapes (\\&) and markup (\\textit{…}) decoded.

    Only the fields read are decoded, and only when they hold LaTeX syntax: decoding every field
    of every entry (bibtexparser's middleware) cost 6 ms an entry, mostly on plain Chinese text."""
    if not _LATEX_SYNTAX.search(value):
        return value.strip()
    if not _LATEX_MARKUP.search(value):  # only braces (Zotero's case protection): dropping them is decoding
        return value.replace("{", "").replace("}", "").strip()
    try:
        return _latex().latex_to_text(value).strip()
    except Exception:  # pylatexenc on malformed markup: the value as written beats losing the entry
        return value.strip()


def _bib_name(name: str) -> str:
    """One BibTeX name (``Family, Given``, ``Given Family``, ``{Corporate Name}``) → a printed name.

    Split before LaTeX decoding, so the braces that keep {World Bank} or {方章东} one name still count;
    a name the splitter refuses (``Foster, John, Jr, extra``) is kept whole rather than losing the entry."""
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    def dec(words: list[str]) -> str:
        return latex_text(" ".join(words)) if words else ""

    try:
        parts = parse_single_name_into_parts(name, strict=False)
    except InvalidNameError:
        return _inverted_name(dec([name]))
    family = " ".join(x for x in (dec(parts.von), dec(parts.last)) if x)
    given = " ".join(x for x in (dec(parts.first), dec(parts.jr)) if x)
    return person_name(family, given)


def read_bibtex(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    import bibtexparser
    from bibtexparser import middlewares as mw

    text, enc = decode_bytes(data)
    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its parse failures are reported below, per file, not on stderr
    try:
        lib = bibtexparser.parse_string(text.lstrip("\ufeff"), append_middleware=[
            mw.SeparateCoAuthors()])  # values are decoded as they are read (latex_text)
    except Exception as e:  # the parser's own bug on odd input must name the file, not stop the batch
        raise IngestError(f"BibTeX cannot be parsed: {e.__class__.__name__}: {e}") from e
    finally:
        log.setLevel(level)
    failed = [f"BibTeX block at line {b.start_line + 1} cannot be parsed ({_bib_error(b)}): skipped"
              for b in lib.failed_blocks]
    docs: list[RawDoc] = []
    for i, entry in enumerate(lib.entries, start=1):
        f = {k.lower(): v for k, v in entry.fields_dict.items()}

        def val(*keys: str) -> str | None:
            return next((latex_text(str(f[k].value)) for k in keys if k in f and str(f[k].value).strip()), None)

        authors = f["author"].value if "author" in f else []
        authors = [authors] if isinstance(authors, str) else authors
        meta = {
            "title": val("title"), "authors": [n for n in map(_bib_name, authors) if n],
            "journal": val("journal", "journaltitle", "booktitle"),
            "year": _year(val("year")) or _year(val("date")), "volume": val("volume"),
            "issue": val("number", "issue"), "pages": _pages(val("pages")), "doi": val("doi"),
            "abstract": val("abstract"), "keywords": _keywords([val("keywords") or ""]),
        }
        warnings: list[str] = []
        _abstract_from_notes(meta, [val("annote")] if val("annote") else [], cfg, f"BibTeX entry {entry.key}",
                             warnings)
        fields = {k: (v.value if k != "author" else meta["authors"]) for k, v in f.items()}
        docs.append(_record_doc(meta, fields, source, i, enc, "BibTeX", warnings))
    if not docs:
        raise IngestError(failed[0].replace(": skipped", "") if failed else "BibTeX file holds no entries")
    docs[0].warnings.extend(failed)
    return docs


def _bib_error(block: Any) -> str:
    err = getattr(block, "error", None)
    name = block.__class__.__name__
    if name == "DuplicateBlockKeyBlock":
        return f"duplicate key {getattr(block, 'key', '')!r}"
    msg = str(err).strip() if err is not None else ""
    if not msg and err is not None:
        # bibtexparser's BlockAbortedException carries its reason in ``abort_reason``.
        msg = str(getattr(err, "abort_reason", "") or err.__class__.__name__)
    return msg or name


# -- CSL-JSON -------------------------------------------------------------------------------------

def _csl_year(issued: Any) -> int | None:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return _year(parts[0][0])
        return _year(issued.get("raw") or issued.get("literal"))
    return _year(issued)


def _csl_name(p: Any) -> str:
    if isinstance(p, str):
        return _tidy_name(p)
    if not isinstance(p, dict):
        return ""
    family = " ".join(str(p[k]) for k in ("non-dropping-particle", "family") if p.get(k))
    given = " ".join(str(p[k]) for k in ("given", "dropping-particle") if p.get(k))
    return person_name(family, given, str(p["literal"]) if p.get("literal") else None)


def _scalar(v: Any) -> str | None:
    """A CSL text or number field as text; a list or object where text belongs is not read."""
    return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None


def _is_csl_item(x: Any) -> bool:
    return isinstance(x, dict) and ("type" in x or "title" in x)


def read_csljson(path: Path, data: bytes, source: str, cfg: dict[str, Any] | None = None) -> list[RawDoc]:
    text, enc = decode_bytes(data)
    try:
        items = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        raise IngestError(f"broken JSON (line {e.lineno}, column {e.colno}: {e.msg})") from e
    if _is_csl_item(items):
        items = [items]
    if items == []:
        raise IngestError("CSL-JSON export holds no items (an empty array)")
    if not isinstance(items, list) or not any(_is_csl_item(x) for x in items):
        raise IngestError("JSON file is not CSL-JSON (an array of items with 'type' and 'title'; "
                          "Zotero: File → Export Library… → CSL JSON)")
    docs: list[RawDoc] = []
    for i, item in enumerate(items, start=1):
        warnings: list[str] = []
        if not _is_csl_item(item):
            item = {"_not_an_item": item}
            warnings.append(f"CSL-JSON item {i} is not an object with 'type' or 'title'")
        kw, names = item.get("keyword"), item.get("author") or []
        meta = {
            "title": _scalar(item.get("title")),
            "authors": [n for n in map(_csl_name, names if isinstance(names, list) else [names]) if n],
            "journal": _scalar(item.get("container-title")), "year": _csl_year(item.get("issued")),
            "volume": _scalar(item.get("volume")), "issue": _scalar(item.get("issue")),
            "pages": _pages(_scalar(item.get("page"))), "doi": _scalar(item.get("DOI")),
            "abstract": _scalar(item.get("abstract")),
            "keywords": _keywords(kw if isinstance(kw, list) else [kw or ""]),
        }
        docs.append(_record_doc(meta, item, source, i, enc, "CSL-JSON", warnings))
    return docs


# -- content sniffing -----------------------------------------------------------------------------

_RIS_HEAD = re.compile(r"\ATY  - \S")
_BIB_HEAD = re.compile(r"\A(?:%[^\n]*\n\s*)*@[A-Za-z]+\s*[{(]")


def sniff(data: bytes) -> Callable | None:
    """RIS or BibTeX by the first non-blank line (a .txt export works); None for anything else."""
    head = data[:4096]
    try:
        first = head.decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
    except Exception:
        return None
    if _RIS_HEAD.match(first) and re.search(r"^(TI|T1|AU|A1|ER)  -", first, re.M):
        return read_ris
    if _BIB_HEAD.match(first):
        return read_bibtex
    return None


# A file named as a Zotero export is read as one even when its content is not sniffed as such, so a
# damaged export gets that format's own error instead of "unsupported file type".
for _suffix, _read in ((".ris", read_ris), (".bib", read_bibtex), (".bibtex", read_bibtex),
                       (".json", read_csljson)):
    register_reader(_suffix, _read)
