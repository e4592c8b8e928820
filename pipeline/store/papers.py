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
    if sec_rows:
        con.executemany("INSERT INTO sections VALUES (?,?,?,?)", sec_rows)
    if par_rows:
        con.executemany("INSERT INTO paragraphs VALUES (?,?,?,?)", par_rows)
    if sent_rows:
        con.executemany("INSERT INTO sentences VALUES (?,?,?,?,?)", sent_rows)
    fn_rows, ref_rows = [], []
    for f in paper["footnotes"]:
        fn_rows.append((doc_id, f["n"], f["marker"], f.get("page", 0), f["text"]))
        for k, r in enumerate(f.get("refs", [])):
            ref_rows.append((doc_id, f["n"], k, r["raw"], ";".join(r.get("authors_canonical") or r.get("authors") or []),
                             r.get("title"), r.get("container"), r.get("year"), r.get("type"), bool(r.get("classic"))))
    if fn_rows:
        con.executemany("INSERT INTO footnotes VALUES (?,?,?,?,?)", fn_rows)
    if ref_rows:
        con.executemany("INSERT INTO refs VALUES (?,?,?,?,?,?,?,?,?,?)", ref_rows)
    if paper["warnings"]:
        con.executemany("INSERT INTO warnings VALUES (?,?,?)", [(doc_id, paper["source"], w) for w in paper["warnings"]])
