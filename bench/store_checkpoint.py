"""What a primary key on the per-document results table costs DuckDB's checkpoints (migration 6).

Replays a run's writes of ``stage_results`` (batches of 64 papers, each paper's stored results
copied from an existing store under new ids) into a new store in DuckDB 1.0's format, once with
the table's former primary key and INSERT OR REPLACE, once without (delete the keys, insert:
``Store.replace_frame``), and prints the time of the writes (automatic checkpoints included),
of the final checkpoint, and the file's size.

    python bench/store_checkpoint.py STORE [N]   # STORE: a litmap store to copy results from; N papers (3000)
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

COLUMNS = ["stage", "doc_id", "version", "cfg_hash", "created", "payload"]


def replay(docs: list[list[tuple]], n: int, keyed: bool, folder: Path) -> str:
    path = folder / f"{'key' if keyed else 'nokey'}.duckdb"
    con = duckdb.connect(str(path), config={"storage_compatibility_version": "v1.0.0", "memory_limit": "256MB"})
    con.execute("CREATE TABLE sr (stage VARCHAR, doc_id VARCHAR, version VARCHAR, cfg_hash VARCHAR, created DOUBLE, "
                "payload VARCHAR" + (", PRIMARY KEY (stage, doc_id, version, cfg_hash))" if keyed else ")"))
    keys = "stage, doc_id, version, cfg_hash"
    started = time.time()
    for b in range(0, n, 64):
        rows = [(r[0], f"{r[1]}-{i}", *r[2:]) for i in range(b, min(n, b + 64)) for r in docs[i % len(docs)]]
        con.register("f", pd.DataFrame(rows, columns=COLUMNS))
        con.execute("BEGIN")
        if keyed:
            con.execute("INSERT OR REPLACE INTO sr SELECT * FROM f")
        else:
            con.execute(f"DELETE FROM sr WHERE ({keys}) IN (SELECT {keys} FROM f)")
            con.execute("INSERT INTO sr SELECT * FROM f")
        con.execute("COMMIT")
        con.unregister("f")
    writes = time.time() - started
    t = time.time()
    con.close()
    size = path.stat().st_size / 2**20
    path.unlink()
    return (f"{n} papers, {'primary key' if keyed else 'no key'}: writes {writes:.1f} s, "
            f"closing checkpoint {time.time() - t:.2f} s, file {size:.0f} MB")


def main() -> None:
    source, n = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    con = duckdb.connect(str(source), read_only=True)
    docs: dict[str, list[tuple]] = {}
    for r in con.execute(f"SELECT {', '.join(COLUMNS)} FROM stage_results ORDER BY doc_id").fetchall():
        docs.setdefault(r[1], []).append(r)
    con.close()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        for keyed in (True, False):
            print(replay(list(docs.values()), n, keyed, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
