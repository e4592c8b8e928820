"""Citation graph helpers over ``[(doc_id, [Ref, ...]), ...]``: pure functions, sorted output.

Classics (collected works, party documents) are counted in their own list everywhere, so that
《马克思恩格斯文集》 never tops a ranking of contemporary research.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from pipeline.records import Ref
from pipeline.refs.identity import work_id_for_ref

Cited = Iterable[tuple[str, list[Ref]]]


def _wid(ref: Ref) -> str:
    return ref.work_id or work_id_for_ref(ref)


def _authors(ref: Ref) -> list[str]:
    return list(dict.fromkeys(ref.authors_canonical or ref.authors))


def author_citation_counts(cited: Cited) -> dict[str, list[dict[str, Any]]]:
    """``{"contemporary": [...], "classics": [...]}``, each row ``{name, citations, documents, works}``.

    ``citations`` counts footnote references, ``documents`` distinct citing documents, ``works``
    distinct cited works. Classics have no authors, so they are ranked by title.
    """
    rows: dict[tuple[bool, str], dict[str, Any]] = {}
    for doc_id, refs in cited:
        for ref in refs:
            names = [ref.title or ref.raw] if ref.classic else _authors(ref)
            for name in names:
                row = rows.setdefault((ref.classic, name), {"name": name, "citations": 0,
                                                            "documents": set(), "works": set()})
                row["citations"] += 1
                row["documents"].add(doc_id)
                row["works"].add(_wid(ref))
    out: dict[str, list[dict[str, Any]]] = {"contemporary": [], "classics": []}
    for (classic, _), row in rows.items():
        row = {**row, "documents": len(row["documents"]), "works": len(row["works"])}
        out["classics" if classic else "contemporary"].append(row)
    for rows_ in out.values():
        rows_.sort(key=lambda r: (-r["citations"], -r["documents"], r["name"]))
    return out


def work_citation_counts(cited: Cited) -> dict[str, list[dict[str, Any]]]:
    """Most cited works, classics apart: ``{work_id, label, citations, documents}``."""
    rows: dict[str, dict[str, Any]] = {}
    for doc_id, refs in cited:
        for ref in refs:
            wid = _wid(ref)
            label = f"{'、'.join(_authors(ref))}《{ref.title}》" if ref.title else (ref.url or ref.raw)
            row = rows.setdefault(wid, {"work_id": wid, "label": label, "classic": ref.classic,
                                        "citations": 0, "documents": set()})
            row["citations"] += 1
            row["documents"].add(doc_id)
    out: dict[str, list[dict[str, Any]]] = {"contemporary": [], "classics": []}
    for row in rows.values():
        row = {**row, "documents": len(row["documents"])}
        out["classics" if row.pop("classic") else "contemporary"].append(row)
    for rows_ in out.values():
        rows_.sort(key=lambda r: (-r["citations"], -r["documents"], r["work_id"]))
    return out


def cocitation_pairs(cited: Cited, include_classics: bool = False) -> list[tuple[str, str, int]]:
    """Work pairs cited together by the same document: ``(work_a, work_b, documents)``."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _, refs in cited:
        works = sorted({_wid(r) for r in refs if include_classics or not r.classic})
        for a, b in combinations(works, 2):
            counts[(a, b)] += 1
    return sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda t: (-t[2], t[0], t[1]))


def coauthorship_pairs(cited: Cited) -> list[tuple[str, str, int]]:
    """Author pairs on the same cited work (each work counted once): ``(a, b, works)``."""
    seen: dict[str, list[str]] = {}
    for _, refs in cited:
        for ref in refs:
            if not ref.classic:
                seen.setdefault(_wid(ref), _authors(ref))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for names in seen.values():
        for a, b in combinations(sorted(set(names)), 2):
            counts[(a, b)] += 1
    return sorted(((a, b, n) for (a, b), n in counts.items()), key=lambda t: (-t[2], t[0], t[1]))
