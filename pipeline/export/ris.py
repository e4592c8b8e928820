"""RIS for Zotero (File → Import…): one record per item of ``zotero_items.items``.

As Zotero's RIS translator reads it: the references go in ``N1`` as one line of HTML (a child
note, one list item per reference; Zotero keeps a note holding tags as HTML, and would join
plain continuation lines of a long note into one paragraph); tags in ``KW``, one per line;
``DB  - litmap`` (Zotero's Archive) and ``AN  - litmap:<work_id>`` (Loc. in Archive) name
where each item came from and mark the file as litmap's. Books carry no ``T2`` (Zotero's
series) nor ``SP`` (its number of pages): the page of a cited book is not its length.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from .records import CitedRef, Work
from .text import one_line
from .zotero_items import Item, items

RIS_TYPE = {"journal": "JOUR", "book": "BOOK", "classic": "BOOK", "chapter": "CHAP", "newspaper": "NEWS",
            "web": "ELEC", "report": "RPRT", "thesis": "THES"}
DB = "litmap"
WRITTEN = frozenset({"TY", "AN", "TI", "AU", "PY", "T2", "PB", "VL", "IS", "SP", "EP", "DO", "AB", "KW", "N1", "DB"})
ID_PREFIX = "litmap:"


def _tag(tag: str, value: object) -> list[str]:
    v = one_line(value)
    return [f"{tag}  - {v}"] if v else []


def record(it: Item) -> str:
    ty = RIS_TYPE.get(it.type, "GEN")
    lines = [f"TY  - {ty}", f"AN  - {ID_PREFIX}{it.id}"]
    lines += _tag("TI", it.title)
    for a in it.authors:
        lines += _tag("AU", a)
    lines += _tag("PY", it.year if it.year is not None else "")
    # T2 is the journal of an article and the book of a chapter; a book's publisher is PB.
    book = ty in ("BOOK", "THES", "RPRT")
    lines += [] if book else _tag("T2", it.container)
    lines += _tag("PB", it.publisher)
    lines += _tag("VL", it.volume) + _tag("IS", it.issue)
    if not book:
        first, _, last = one_line(it.pages).replace("–", "-").partition("-")
        lines += _tag("SP", first) + _tag("EP", last)
    lines += _tag("DO", it.doi) + _tag("AB", it.abstract)
    for k in it.keywords:
        lines += _tag("KW", k)
    if it.note_head:
        items = "".join(f"<li>{escape(one_line(x))}</li>" for x in it.note_lines)
        lines += [f"N1  - <p>{escape(one_line(it.note_head))}</p>" + (f"<ol>{items}</ol>" if items else "")]
    lines += [f"DB  - {DB}", "ER  - "]
    return "\n".join(lines) + "\n"


def render(works: list[Work], refs: list[CitedRef]) -> str:
    return "\n".join(record(it) for it in items(works, refs))


def write(works: list[Work], refs: list[CitedRef], path: Path) -> None:
    path.write_text(render(works, refs), encoding="utf-8", newline="\n")


def is_ours(text: str) -> bool:
    """Every record carries litmap's AN and DB, and no tag litmap never writes (a Zotero export
    of these items keeps DB and AN but adds tags litmap never writes, such as ``DA``)."""
    recs = [r for r in text.lstrip("\ufeff").split("ER  -") if r.strip()]
    tags = {line[:2] for r in recs for line in r.splitlines() if line[2:6] == "  - "}
    return bool(recs) and tags <= WRITTEN and all(
        f"\nAN  - {ID_PREFIX}" in "\n" + r and f"\nDB  - {DB}" in r for r in recs)
