"""``data/works.csv``: one row per corpus work, its documents' metadata merged.

A paper may be a full text, a CSSCI record and a CNKI record at once; each brings part of what
is known (the full text its affiliations, CSSCI its volume and pages, CNKI its abstract). The
row takes each field from the first document that has it, full texts first, so an export to
another tool (``litmap export``) carries everything once.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..context import ReportContext

WORK_COLUMNS = ["work_id", "title", "authors", "authors_printed", "year", "year_inferred", "journal", "volume", "issue", "pages", "doi",
                "keywords", "abstract", "affiliations", "doc_ids", "sources", "kinds", "n_references"]


def _first(metas: list[dict[str, Any]], key: str) -> Any:
    return next((m.get(key) for m in metas if m.get(key) not in (None, "", [], {})), None)


def works_table(ctx: ReportContext, work_refs: pd.DataFrame) -> pd.DataFrame:
    from ..refs.names import paper_authors

    from ..refs.union import all_rows

    works = ctx.results.get("works") or {}
    doc_work = works.get("doc_work") or {}
    # A work that prints no year was published no later than the earliest reference to it that
    # carries one (the rule the concept traces use for first use, ``concepts/spread.py``).
    cited_year: dict[str, int] = {}
    for r in all_rows(works):
        d, y = r.get("matched_doc_id"), r.get("year")
        if d and y and d in doc_work:
            w = doc_work[d]
            cited_year[w] = min(int(y), cited_year.get(w, 9999))
    by_work: dict[str, list[dict[str, Any]]] = {}
    for p in ctx.papers:
        wid = doc_work.get(p["doc_id"])
        if wid:
            by_work.setdefault(wid, []).append(p)
    n_refs = work_refs.groupby("citing_work_id").size().to_dict() if len(work_refs) else {}
    rows = []
    for wid, ps in sorted(by_work.items()):
        ps = sorted(ps, key=lambda p: (p.get("kind") == "record", p["source"]))
        metas = [p["meta"] for p in ps]
        lead = next((m for m in metas if paper_authors(m)), metas[0])
        affs = list(dict.fromkeys(a for m in metas for a in (m.get("affiliations") or {}).values() if a))
        year = _first(metas, "year")
        inferred = None if year else (min((m["year_inferred"] for m in metas if m.get("year_inferred")), default=None)
                                      or cited_year.get(wid))
        rows.append({
            "work_id": wid, "title": _first(metas, "title"), "authors": ";".join(paper_authors(lead)),
            "authors_printed": ";".join(lead.get("authors") or []), "year": year, "year_inferred": inferred,
            **{k: _first(metas, k) for k in ("journal", "volume", "issue", "pages", "doi", "abstract")},
            "keywords": ";".join(dict.fromkeys(k for m in metas for k in (m.get("keywords") or []))),
            "affiliations": ";".join(affs), "doc_ids": ";".join(p["doc_id"] for p in ps),
            "sources": ";".join(p["source"] for p in ps), "kinds": ";".join(p.get("kind") or "text" for p in ps),
            "n_references": int(n_refs.get(wid, 0))})
    df = pd.DataFrame(rows, columns=WORK_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    df["year_inferred"] = df["year_inferred"].astype("Int64")
    return df
