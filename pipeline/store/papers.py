"""Write a parsed paper into the store's queryable tables (documents, sentences, footnotes …).

The JSON payload in ``stage_results`` is what later runs read back; these tables are the same
content laid out for SQL, replaced whole for a document whenever it is parsed again.
"""
from __future__ import annotations

import json
from typing import Any

from .db import DOC_TABLES, Store


def write_papers(store: Store, papers: list[dict[str, Any]], version: str) -> None:
    """Replace the rows of these papers in every document table (call inside a transaction)."""
    write_rows(store, [(p["doc_id"], paper_rows(p, version)) for p in papers])


def write_rows(store: Store, docs: list[tuple[str, dict[str, list[tuple]]]]) -> None:
    """Replace the rows of these documents, each (doc_id, :func:`paper_rows`), in every document
    table: one DELETE and one INSERT per table for the whole batch. The rows may be made in a
    worker (``runner/one_pass.py``): the driver then only hands them to DuckDB."""
    # same bytes twice: one document, its first rows (in the order write_papers always wrote them)
    unique = {doc_id: rows for doc_id, rows in reversed(docs)}
    if not unique:
        return
    ids = sorted(unique)
    for table in DOC_TABLES:
        store.con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT unnest(?))", [ids])
        _bulk(store, table, [r for rows in unique.values() for r in rows[table]])


def paper_rows(paper: dict[str, Any], version: str) -> dict[str, list[tuple]]:
    """One paper's rows of every document table."""
    return _rows(paper, version)


def _rows(paper: dict[str, Any], version: str) -> dict[str, list[tuple]]:
    doc_id = paper["doc_id"]
    meta = paper["meta"]
    n_par = sum(len(s["paragraphs"]) for s in paper["sections"])
    doc_row = (doc_id, paper["source"], paper.get("kind", "text"), paper["encoding"], paper["script"], meta.get("title"),
               ";".join(meta.get("authors") or []), meta.get("year"), meta.get("year_inferred"), meta.get("journal"),
               meta.get("issue"), n_par, len(paper["footnotes"]), version)
    sec_rows, par_rows, sent_rows = [], [], []
    p_idx = 0
    for s_idx, sec in enumerate(paper["sections"]):
        sec_rows.append((doc_id, s_idx, sec["heading"], sec["level"]))
        # once per section: as a default argument inside the loop this list was built again for
        # every paragraph, quadratic in a section of 200,000 one-line paragraphs
        sents = sec.get("sentences") or [[]] * len(sec["paragraphs"])
        for i, text in enumerate(sec["paragraphs"]):
            par_rows.append((doc_id, p_idx, s_idx, text))
            for j, sent in enumerate(sents[i]):
                sent_rows.append((doc_id, p_idx, j, sent["text"], json.dumps(sent["footnotes"])))
            p_idx += 1

    fn_rows, ref_rows = [], []
    for f in paper["footnotes"]:
        fn_rows.append((doc_id, f["n"], f["marker"], f.get("page", 0), f["text"]))
        for k, r in enumerate(f.get("refs", [])):
            ref_rows.append((doc_id, f["n"], k, r["raw"], ";".join(r.get("authors_canonical") or r.get("authors") or []),
                             r.get("title"), r.get("container"), r.get("year"), r.get("type"), bool(r.get("classic"))))
    return {"documents": [doc_row], "sections": sec_rows, "paragraphs": par_rows, "sentences": sent_rows,
            "footnotes": fn_rows, "refs": ref_rows,
            "warnings": [(doc_id, paper["source"], w) for w in paper["warnings"]]}


def _bulk(store: Store, table: str, rows: list[tuple]) -> None:
    """Insert through a DataFrame: DuckDB's executemany goes row by row, which a paper with a
    hundred thousand sentences turns into minutes."""
    if not rows:
        return
    import pandas as pd

    store.insert_frame(table, pd.DataFrame(rows, columns=store.columns(table)))
