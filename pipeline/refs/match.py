"""Matching references to corpus documents (``matched_doc_id``).

A match needs title agreement (exact after folding, or equal main titles when one side drops the
subtitle, or one slipped character in a long title) AND author or year agreement. Title alone
is never enough: short generic titles recur across authors. Among several matching documents
(a record, its PDF, a mirror) the best score wins, then the smallest doc_id, so the choice is
stable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.records import Ref
from pipeline.refs.identity import main_title_key, title_key
from pipeline.refs.names import edit_distance, names_agree


@dataclass
class _Doc:
    doc_id: str
    full: str
    main: str
    authors: list[str]
    year: int | None


def _prep(doc: dict[str, Any]) -> _Doc:
    year = doc.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    authors = doc.get("authors") or []
    if isinstance(authors, str):
        authors = [a for a in authors.replace("；", ";").split(";") if a.strip()]
    return _Doc(str(doc["doc_id"]), title_key(doc.get("title")), main_title_key(doc.get("title")),
                list(authors), year)


def _title_score(ref_full: str, ref_main: str, d: _Doc) -> int:
    if not ref_full or not d.full:
        return 0
    if ref_full == d.full:
        return 3
    if ref_main and ref_main == d.main and len(ref_main) >= 6:
        return 2
    if min(len(ref_full), len(d.full)) >= 12 and edit_distance(ref_full, d.full, 1) <= 1:
        return 1
    return 0


def _authors_agree(ref_authors: list[str], doc_authors: list[str]) -> bool:
    if not ref_authors or not doc_authors:
        return False
    return any(names_agree(a, b) for a in ref_authors for b in doc_authors)


def match_references(refs: list[Ref], docs: list[dict[str, Any]]) -> list[str | None]:
    """The matched ``doc_id`` for each reference, or None. ``docs``: ``{doc_id,title,authors,year}``."""
    prepared = sorted((_prep(d) for d in docs if d.get("title")), key=lambda d: d.doc_id)
    by_main: dict[str, list[_Doc]] = {}
    for d in prepared:
        by_main.setdefault(d.main[:4], []).append(d)
    out: list[str | None] = []
    for ref in refs:
        if ref.classic or not ref.title:
            out.append(None)
            continue
        full, main = title_key(ref.title), main_title_key(ref.title)
        ref_authors = list(ref.authors) + [a for a in ref.authors_canonical if a not in ref.authors]
        best: tuple[int, str] | None = None
        # Titles that agree share their first characters after folding, so a prefix bucket
        # keeps this linear in practice.
        for d in by_main.get(main[:4], []) + ([x for x in prepared if x.main[:4] != main[:4]]
                                             if len(main) < 4 else []):
            ts = _title_score(full, main, d)
            if not ts:
                continue
            author_ok = _authors_agree(ref_authors, d.authors)
            year_ok = ref.year is not None and d.year is not None and ref.year == d.year
            # A year that contradicts an otherwise matching record is a different work
            # (a reprint or a namesake), unless the authors agree.
            if not (author_ok or year_ok) or (ts == 1 and not author_ok):
                continue
            score = ts * 10 + 5 * author_ok + 2 * year_ok
            if best is None or score > best[0]:
                best = (score, d.doc_id)
        out.append(best[1] if best else None)
    return out
