"""RIS for Zotero (File → Import…): one record per item of ``zotero_items.items``. The references
go in ``N1`` (a note Zotero attaches to the item), one reference per continuation line; tags in
``KW``; ``DB  - litmap`` and ``ID  - litmap:<work_id>`` mark the file as litmap's."""
from __future__ import annotations

from pathlib import Path

from .records import CitedRef, Work
from .text import one_line
from .zotero_items import Item, items

RIS_TYPE = {"journal": "JOUR", "book": "BOOK", "classic": "BOOK", "chapter": "CHAP", "newspaper": "NEWS",
            "web": "ELEC", "report": "RPRT", "thesis": "THES"}
DB = "litmap"
ID_PREFIX = "litmap:"


def _tag(tag: str, value: object) -> list[str]:
    v = one_line(value)
    return [f"{tag}  - {v}"] if v else []


def record(it: Item) -> str:
    ty = RIS_TYPE.get(it.type, "GEN")
    lines = [f"TY  - {ty}", f"ID  - {ID_PREFIX}{it.id}"]
    lines += _tag("TI", it.title)
    for a in it.authors:
        lines += _tag("AU", a)
    lines += _tag("PY", it.year if it.year is not None else "")
    # T2 is the journal of an article and the book of a chapter; a book's publisher is PB.
    lines += _tag("T2", it.container)
    lines += _tag("PB", it.publisher)
    lines += _tag("VL", it.volume) + _tag("IS", it.issue)
    first, _, last = one_line(it.pages).replace("–", "-").partition("-")
    lines += _tag("SP", first) + _tag("EP", last)
    lines += _tag("DO", it.doi) + _tag("AB", it.abstract)
    for k in it.keywords:
        lines += _tag("KW", k)
    if it.note:
        head, *rest = [one_line(x) for x in it.note.split("\n")]
        # Continuation lines (no tag) extend the note; none may look like a tag line.
        lines += [f"N1  - {head}"] + ["   " + x for x in rest if x]
    lines += [f"DB  - {DB}", "ER  - "]
    return "\n".join(lines) + "\n"


def render(works: list[Work], refs: list[CitedRef]) -> str:
    return "\n".join(record(it) for it in items(works, refs))


def write(works: list[Work], refs: list[CitedRef], path: Path) -> None:
    path.write_text(render(works, refs), encoding="utf-8", newline="\n")


def is_ours(text: str) -> bool:
    """Every record carries litmap's ID and DB (a Zotero re-export of these items keeps DB, not ID)."""
    recs = [r for r in text.lstrip("\ufeff").split("ER  -") if r.strip()]
    return bool(recs) and all(f"\nID  - {ID_PREFIX}" in "\n" + r and f"\nDB  - {DB}" in r for r in recs)
