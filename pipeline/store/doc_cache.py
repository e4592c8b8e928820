"""The store queries the runner's per-document stages need, beyond reading and writing results:
which stored results are errors, which parse the document tables show, and marking a run
aborted. Kept here so the runner schedules and never writes SQL itself."""
from __future__ import annotations

import json

from .db import Store
from .papers import write_papers


def failed_ids(store: Store, stage: str, version: str, cfg_hash: str, ids: list[str]) -> dict[str, str]:
    """{doc_id: error} of the documents whose stored result is an error, without reading every
    payload: only the results written with the ``failed`` mark (their text holds '"error": ')
    are read and parsed."""
    rows = store.con.execute(
        "SELECT doc_id, payload FROM stage_results WHERE stage=? AND version=? AND cfg_hash=? "
        "AND failed AND doc_id IN (SELECT unnest(?))", [stage, version, cfg_hash, ids]).fetchall()
    out = {}
    for d, payload in rows:
        r = json.loads(payload)
        if "error" in r:
            out[d] = r["error"]
    return out


def mirror_papers(store: Store, version: str, cfg_hash: str, cached: list[str]) -> None:
    """The queryable document tables (documents, sentences, refs …) show the parse of this
    run's settings. Papers read from the cache were parsed under these settings but the tables
    may hold another parse of them (an alias edit, then undone): write those again, once."""
    row = store.con.execute("SELECT value FROM kv WHERE key='mirrored:parse'").fetchone()
    if row and row[0] == cfg_hash:
        return
    for i in range(0, len(cached), 128):
        got = store.get_results("parse", cached[i:i + 128], version, cfg_hash)
        with store.transaction():
            write_papers(store, [p for r in got.values() for p in r.get("papers", [])], version)
    store.con.execute("INSERT OR REPLACE INTO kv VALUES ('mirrored:parse', ?)", [cfg_hash])


def abort_run(store: Store, run_id: int) -> None:
    """Mark a run that ended in an exception: it never counts as the previous finished run."""
    store.con.execute("UPDATE runs SET status='aborted' WHERE run_id=?", [run_id])


def drop_features(store: Store, doc_ids: list[str], parts: tuple[str, ...], version: str, cfg_hash: str) -> None:
    """Forget the stored features of these documents (their parts and Docs) under one key, so
    the features stage makes them again."""
    with store.transaction():
        store.con.execute("DELETE FROM stage_results WHERE stage IN (SELECT unnest(?)) AND version=? AND cfg_hash=? "
                          "AND doc_id IN (SELECT unnest(?))", [list(parts), version, cfg_hash, doc_ids])
        store.con.execute("DELETE FROM doc_bins WHERE version=? AND cfg_hash=? AND doc_id IN (SELECT unnest(?))",
                          [version, cfg_hash, doc_ids])
