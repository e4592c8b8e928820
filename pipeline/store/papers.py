"""Write a parsed paper into the store's queryable tables (documents, sentences, footnotes …).

The JSON payload in ``stage_results`` is what later runs read back; these tables are the same
content laid out for SQL, replaced whole for a document whenever it is parsed again.
"""
from __future__ import annotations

import json
from typing import Any

from .db import DOC_TABLES, Store


def write_paper(store: Store, paper: dict[str, Any], version: str) -> None:
    doc_id = paper["doc_id"]
    con = store.con
    for table in DOC_TABLES:
        con.execute(f"DELETE FROM {table} WHERE doc_id=?", [doc_id])
    meta = paper["meta"]
    n_par = sum(len(s["paragraphs"]) for s in paper["sections"])
    con.execute(
        "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [doc_id, paper["source"], paper.get("kind", "text"), paper["encoding"], paper["script"], meta.get("title"),
         ";".join(meta.get("authors") or []), meta.get("year"), meta.get("year_inferred"), meta.get("journal"),
         meta.get("issue"), n_par, len(paper["footnotes"]), version])
    sec_rows, par_rows, sent_rows = [], [], []
    p_idx = 0
    for s_idx, sec in enumerate(paper["sections"]):
        sec_rows.append((doc_id, s_idx, sec["heading"], sec["level"]))
        for i, text in enumerate(sec["paragraphs"]):
            par_rows.append((doc_id, p_idx, s_idx, text))
            for j, sent in enumerate(sec.get("sentences", [[]] * len(sec["paragraphs"]))[i]):
                sent_rows.append((doc_id, p_idx, j, sent["text"], json.dumps(sent["footnotes"])))
            p_idx += 1
    _bulk(store, "sections", sec_rows)
    _bulk(store, "paragraphs", par_rows)
    _bulk(store, "sentences", sent_rows)
    fn_rows, ref_rows = [], []
    for f in paper["footnotes"]:
        fn_rows.append((doc_id, f["n"], f["marker"], f.get("page", 0), f["text"]))
        for k, r in enumerate(f.get("refs", [])):
            ref_rows.append((doc_id, f["n"], k, r["raw"], ";".join(r.get("authors_canonical") or r.get("authors") or []),
                             r.get("title"), r.get("container"), r.get("year"), r.get("type"), bool(r.get("classic"))))
    _bulk(store, "footnotes", fn_rows)
    _bulk(store, "refs", ref_rows)
    if paper["warnings"]:
        con.executemany("INSERT INTO warnings VALUES (?,?,?)", [(doc_id, paper["source"], w) for w in paper["warnings"]])


def _bulk(store: Store, table: str, rows: list[tuple]) -> None:
    """Insert through a DataFrame: DuckDB's executemany goes row by row, which a paper with a
    hundred thousand sentences turns into minutes."""
    if not rows:
        return
    import pandas as pd

    cols = [r[0] for r in store.con.execute(f"DESCRIBE {table}").fetchall()]
    store.con.register("_bulk_rows", pd.DataFrame(rows, columns=cols))
    store.con.execute(f"INSERT INTO {table} SELECT * FROM _bulk_rows")
    store.con.unregister("_bulk_rows")
