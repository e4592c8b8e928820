"""The store: migrations from an older schema, per-document cache, runs."""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.store.db import MIGRATIONS, Store


def test_old_store_is_migrated_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.execute("INSERT INTO stage_results VALUES ('parse', 'abc', 'parse-1', 'h', 0, '{\"x\": 1}')")
    con.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.get_result("parse", "abc", "parse-1", "h") == {"x": 1}  # kept across the migration
    store.replace_table("doc_works", [("d1", "w1"), ("d2", "w1")])
    assert store.con.execute("SELECT count(DISTINCT work_id) FROM doc_works").fetchone()[0] == 1
    store.close()


def test_cache_is_keyed_by_version_and_config(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.put_result("segment", "d1", "v1", "cfgA", {"tokens": ["数字资本"]})
    assert store.cached_ids("segment", "v1", "cfgA") == {"d1"}
    assert store.cached_ids("segment", "v2", "cfgA") == set()
    assert store.cached_ids("segment", "v1", "cfgB") == set()
    assert store.get_results("segment", ["d1", "d2"], "v1", "cfgA") == {"d1": {"tokens": ["数字资本"]}}
    store.close()
