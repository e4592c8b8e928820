"""The store: migrations from an older schema, per-document cache, runs."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.store.db import MIGRATIONS, Store


def test_old_store_is_migrated_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER)")
    con.execute(MIGRATIONS[0])
    con.execute("INSERT INTO schema_version VALUES (1)")
    con.execute("INSERT INTO stage_results VALUES ('parse', 'abc', 'parse-1', 'h', 0, '{\"x\": 1}')")
    # an error result, and a result whose text holds the error key's spelling inside a string
    con.execute("""INSERT INTO stage_results VALUES ('segment', 'bad', 's-1', 'h', 0,
                   '{"doc_id": "bad", "error": "segmentation failed: X"}')""")
    con.execute("""INSERT INTO stage_results VALUES ('segment', 'trap', 's-1', 'h', 0,
                   '{"tokens": ["\\"error\\": not a key"]}')""")
    con.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.get_result("parse", "abc", "parse-1", "h") == {"x": 1}  # kept across the migration
    # failed documents are found among the results the migration marked, and among new ones
    from pipeline.store.doc_cache import failed_ids

    assert store.get_result("segment", "trap", "s-1", "h") == {"tokens": ['"error": not a key']}
    assert failed_ids(store, "segment", "s-1", "h", ["bad", "trap", "abc"]) == {"bad": "segmentation failed: X"}
    store.put_result("segment", "new", "s-1", "h", {"doc_id": "new", "error": "boom"})
    store.put_result("segment", "fine", "s-1", "h", {"doc_id": "fine", "tokens": []})
    assert failed_ids(store, "segment", "s-1", "h", ["bad", "new", "fine"]) == {"bad": "segmentation failed: X",
                                                                                 "new": "boom"}
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


def test_an_update_leaves_a_small_log_for_the_next_run_and_checkpoints_a_large_one(tmp_path: Path) -> None:
    """``store.defer_checkpoint_mb``: an update's close leaves a write-ahead log under the bound
    (the next connection reads it back, nothing lost) and checkpoints one over it; a full run,
    or a bound of 0, always checkpoints."""
    path = tmp_path / "s.duckdb"
    store = Store(path, defer_checkpoint_mb=1)
    store.put_result("parse", "d1", "v1", "h", {"text": "数字食利国"})
    store.close(defer_checkpoint=True)
    assert store.wal_path.is_file() and store.wal_path.stat().st_size < 2**20
    store = Store(path, defer_checkpoint_mb=1)
    assert store.get_result("parse", "d1", "v1", "h") == {"text": "数字食利国"}
    big = "中心—散点" * 200_000  # 3 MB of UTF-8: the log passes the bound
    store.put_result("parse", "d2", "v1", "h", {"text": big})
    store.close(defer_checkpoint=True)
    assert not store.wal_path.exists()
    for bound, defer in ((1, False), (0, True)):
        store = Store(path, defer_checkpoint_mb=bound)
        store.put_result("parse", "d3", "v1", "h", {"n": bound})
        store.close(defer_checkpoint=defer)
        assert not store.wal_path.exists()
    store = Store(path)
    assert store.get_result("parse", "d2", "v1", "h") == {"text": big}
    store.close()


def test_a_stored_result_or_doc_is_replaced_by_one_of_the_same_key(tmp_path: Path) -> None:
    """Per-document results have no primary key since migration 6 (an index made every
    checkpoint rewrite the table's last row group whole): the store keeps one row per key
    itself, inside a transaction or not, and a failed batch leaves the old row."""
    import pytest

    from pipeline.store.docs import iter_doc_bins, put_doc_bins

    store = Store(tmp_path / "s.duckdb")
    store.put_result("parse", "d1", "v1", "h", {"n": 1})
    store.put_texts([("parse", "d1", "v1", "h", '{"n": 2}'), ("parse", "d2", "v1", "h", '{"n": 3}')])
    with store.transaction():
        store.put_result("parse", "d2", "v1", "h", {"n": 4})
    assert store.get_results("parse", ["d1", "d2"], "v1", "h") == {"d1": {"n": 2}, "d2": {"n": 4}}
    assert store.con.execute("SELECT count(*) FROM stage_results").fetchone()[0] == 2
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.put_result("parse", "d1", "v1", "h", {"n": 5})
            raise RuntimeError("a batch that fails half way")
    assert store.get_result("parse", "d1", "v1", "h") == {"n": 2}
    put_doc_bins(store, [("d1", "f1", "h", b"one")], "3.8")
    put_doc_bins(store, [("d1", "f1", "h", b"two"), ("d2", "f1", "h", b"three")], "3.8")
    assert list(iter_doc_bins(store, ["d1", "d2"], "f1", "h")) == [("d1", b"two"), ("d2", b"three")]
    assert store.con.execute("SELECT count(*) FROM doc_bins").fetchone()[0] == 2
    keys = store.con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name IN "
                             "('stage_results', 'doc_bins') AND constraint_type = 'PRIMARY KEY'").fetchone()[0]
    assert keys == 0
    store.close()


def _same(a, b, path: str = "result") -> None:
    """``a`` and ``b`` equal as values and as types (a tuple stays a tuple, an int an int)."""
    import numpy as np
    import pandas as pd
    from scipy import sparse

    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)[:5]} != {list(b)[:5]}"
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, pd.DataFrame):
        assert a.equals(b) and list(a.dtypes) == list(b.dtypes), path
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b), path
    elif sparse.issparse(a):
        assert a.shape == b.shape and (a != b).nnz == 0, path
    elif hasattr(a, "__dict__"):
        _same(vars(a), vars(b), f"{path}.")
    else:
        assert a == b or (a != a and b != b), f"{path}: {a!r} != {b!r}"


def test_corpus_results_come_back_from_their_folders(works_ctx, tmp_path: Path) -> None:
    """Each corpus result of the seed and the works corpus is stored without pickle (tables,
    JSON, arrays: store/codec.py) and read back equal, types included; a trace lists the very
    mention records of the result, as computed (one copy of each mention, not one per trace)."""
    store = Store(tmp_path / "s.duckdb")
    for stage in ("works", "stance", "terms", "concepts"):
        result = works_ctx.results[stage]
        store.put_corpus(stage, "h", result, env={"litmap": "test"})
        folder = store.results_dir / f"{stage}-h"
        assert not [p.name for p in folder.iterdir() if p.suffix in (".pkl", ".pickle")]
        back = store.corpus_loader(stage, "h")()
        _same(result, back, stage)
        assert store.corpus_loader(stage, "h").env() == {"litmap": "test"}
    concepts = store.corpus_loader("concepts", "h")()
    ids = {id(m) for m in concepts["mentions"]}
    assert all(id(m) in ids for t in concepts["traces"].values() for m in t["mentions"])
    # stored as the table's row numbers, one tagged list a trace (not a tagged dict a mention)
    top = json.loads((store.results_dir / "concepts-h" / "result.json").read_text(encoding="utf-8"))
    kept = [t["mentions"] for t in dict(top["items"])["traces"].values() if t["mentions"]]
    assert kept and all(m["$t"] == "rows" and m["table"] == "mentions" for m in kept)
    assert sum(len(m["i"]) for m in kept) == sum(len(t["mentions"]) for t in concepts["traces"].values())
    # the mentions are a table DuckDB reads as it is
    n = store.con.execute("SELECT count(*) FROM read_parquet(?)",
                          [str(store.results_dir / "concepts-h" / "mentions.parquet")]).fetchone()[0]
    assert n == len(concepts["mentions"])
    # equal lists of numbers (kwic offsets) and empty citation lists are decoded once but come
    # back as a list of each record's own: appending to one changes no other mention
    ms = concepts["mentions"]
    assert len({id(m["attributed"]) for m in ms}) == len(ms) and len({id(m["kwic"]) for m in ms}) == len(ms)
    empty = [m for m in ms if m["attributed"] == []]
    assert len(empty) >= 2
    empty[0]["attributed"].append({"work_id": "w"})
    assert empty[1]["attributed"] == []
    # each key pattern's records share one key table (store/shared_keys.py): plain dicts, a
    # third of the memory on CPython, and a key added to one record reaches no other
    assert all(type(m) is dict for m in ms)
    if sys.implementation.name == "cpython":
        assert sys.getsizeof(ms[0]) * 2 < sys.getsizeof(dict(ms[0]))
    ms[0]["added"] = 1
    assert "added" not in ms[1] and ms[1] == back_twice(store)[1]
    store.close()


def back_twice(store: Store) -> list:
    return store.corpus_loader("concepts", "h")()["mentions"]


def test_an_update_links_the_parts_of_a_table_whose_documents_it_did_not_change(works_ctx, tmp_path: Path) -> None:
    """A stored result's mentions are cut into parts by their documents (store/codec.py
    ``Parts``): the cuts follow the documents, so dropping one changes one part; an update that
    names the documents it changed links the other parts from the result it folded into and
    writes the changed ones; every way, the mentions read back equal, traces pointing at them."""
    import copy

    from pipeline.store.codec import Parts, doc_runs

    store = Store(tmp_path / "s.duckdb")
    result = works_ctx.results["concepts"]
    mentions = result["mentions"]
    docs = sorted({m["doc_id"] for m in mentions})
    every = 3
    cuts = doc_runs(mentions, every)
    assert len(cuts) >= 3 and [d for _lo, _hi, runs in cuts for d, _n in runs] == docs
    # one document fewer: every part but the one that held it has the same documents
    gone = docs[len(docs) // 2]
    fewer = doc_runs([m for m in mentions if m["doc_id"] != gone], every)
    # its part, and the next if the document ended one
    assert len({runs for *_x, runs in cuts} - {runs for *_x, runs in fewer}) <= 2

    first = Parts(every)
    store.put_corpus("concepts", "a", result, parts=first)
    folder_a = store.results_dir / "concepts-a"
    files = sorted(f.name for f in folder_a.glob("mentions-*.parquet"))
    assert len(files) == len(cuts) and first.written == {"mentions": len(cuts)} and not first.reused
    back = store.corpus_loader("concepts", "a")()
    _same(result, back, "concepts")
    ids = {id(m) for m in back["mentions"]}
    assert all(id(m) in ids for t in back["traces"].values() for m in t["mentions"])

    # an update that changed one document's mention: that part is written, the others linked
    changed = copy.deepcopy(result)
    mine = next(m for m in changed["mentions"] if m["doc_id"] == gone)
    mine["sentence"] = "改过的句子 an edited sentence"
    holding = sum(any(d == gone for d, _n in runs) for *_x, runs in cuts)
    again = Parts(every, changed=frozenset([gone]))
    store.put_corpus("concepts", "b", changed, parts=again, base_hash="a")
    assert again.reused == {"mentions": len(cuts) - holding} and again.written == {"mentions": holding}
    folder_b = store.results_dir / "concepts-b"
    linked = [f for f in folder_b.glob("mentions-*.parquet") if f.stat().st_ino == (folder_a / f.name).stat().st_ino]
    assert len(linked) == len(cuts) - holding
    back = store.corpus_loader("concepts", "b")()
    _same(changed, back, "concepts")
    assert "改过的句子 an edited sentence" in {m["sentence"] for m in back["mentions"]}
    # a changed record whose value has another type than its column's (a year as text): the
    # parts are one table of one schema, so every part is written again
    retyped = copy.deepcopy(changed)
    mine = next(m for m in retyped["mentions"] if m["doc_id"] == gone)
    column = next(k for k, v in mine.items() if type(v) is int)
    mine[column] = "二〇二五"
    other = Parts(every, changed=frozenset([gone]))
    store.put_corpus("concepts", "d", retyped, parts=other, base_hash="b")
    assert not other.reused and other.written == {"mentions": len(cuts)}
    _same(retyped, store.corpus_loader("concepts", "d")(), "concepts")
    # not saying which documents changed: nothing is reused
    blind = Parts(every)
    store.put_corpus("concepts", "c", changed, parts=blind, base_hash="b")
    assert not blind.reused and blind.written == {"mentions": len(cuts)}
    _same(changed, store.corpus_loader("concepts", "c")(), "concepts")
    store.close()


def test_result_tables_go_through_one_kept_scratch_database_that_holds_no_rows(works_ctx, tmp_path: Path) -> None:
    """Result tables are written and read through one in-memory DuckDB per process (opening one
    per table was 0.5 s of an update): writing and reading every table of the works corpus's
    results opens no other; a written frame is not left registered on it; a forked process
    (a worker) opens its own instead of sharing the parent's."""
    import multiprocessing
    from unittest import mock

    import pytest

    from pipeline.store.records_table import scratch

    store = Store(tmp_path / "s.duckdb")
    first = scratch()
    with mock.patch("duckdb.connect", side_effect=AssertionError("a second scratch database")):
        for stage in ("works", "stance", "terms", "concepts"):
            store.put_corpus(stage, "h", works_ctx.results[stage])
            store.corpus_loader(stage, "h")()
    assert scratch() is first
    with pytest.raises(duckdb.CatalogException):
        first.execute("SELECT * FROM _frame")
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply(_scratch_is_own, (id(first),))
    store.close()


def _scratch_is_own(parent: int) -> bool:
    from pipeline.store.records_table import scratch

    con = scratch()
    return id(con) != parent and con.execute("SELECT 42").fetchone()[0] == 42


def test_models_are_saved_in_their_libraries_formats(works_ctx, tmp_path: Path) -> None:
    """word2vec (gensim's save) and the LSA index (numpy arrays) come back able to answer and
    to be trained further (what --update does with them)."""
    from pipeline.models.lsa import LsaIndex
    from pipeline.models.sample import content_sentences, doc_bag, sample_sentences
    from pipeline.models.vectors_stage import train_pair

    w2 = {**works_ctx.cfg["vectors"]["word2vec"], "min_count": 1, "epochs": 1}
    lsa = LsaIndex(works_ctx.cfg["vectors"]["lsa"])
    sents = sample_sentences(works_ctx.iter_part("feat.content"), 20_000, on_doc=lambda d, c: lsa.add(d, doc_bag(c)))
    lsa.fit()
    model, check = train_pair(sents, w2)
    store = Store(tmp_path / "s.duckdb")
    store.put_corpus("vectors", "h", {"w2v": model, "w2v_check": check, "lsa": lsa, "similar": lsa.similar()})
    assert [p.suffix for p in (store.results_dir / "vectors-h").iterdir()].count(".gensim") == 2
    back = store.corpus_loader("vectors", "h")()
    word = model.wv.index_to_key[0]
    assert back["w2v"].wv.most_similar(word, topn=5) == model.wv.most_similar(word, topn=5)
    assert back["lsa"].similar() == lsa.similar()
    more = [s for _d, p in works_ctx.iter_part("feat.content", works_ctx.doc_ids[:2]) for s in content_sentences(p["content"])]
    back["w2v"].build_vocab(more, update=True)
    back["w2v"].train(more, total_examples=len(more), epochs=1)
    store.close()


def test_what_cannot_be_stored_or_read_is_said(tmp_path: Path) -> None:
    """A value of a class the codec does not know is refused when written (the runner logs it
    and goes on uncached); a result an older litmap pickled is never unpickled."""
    import datetime

    import pytest

    from pipeline.store.results import ResultUnavailable

    store = Store(tmp_path / "s.duckdb")
    with pytest.raises(TypeError, match="datetime"):
        store.put_corpus("terms", "h1", {"rows": [], "when": datetime.date(2025, 1, 1)})
    assert list(store.results_dir.iterdir()) == []  # nothing half-written is left
    store.con.execute("INSERT INTO corpus_cache VALUES ('terms', 'old', 0, ?)", [b"file:terms-old.pkl"])
    load = store.corpus_loader("terms", "old")
    assert "older litmap" in load.missing()
    with pytest.raises(ResultUnavailable, match="older litmap"):
        load()
    store.close()


def test_a_frame_is_written_with_the_cells_of_its_records() -> None:
    """A result table given as a DataFrame (the co-occurrence pairs) is taken a column at a
    time: the same cells, types and digest as its rows as dicts, a missing column NULL."""
    import json

    import pandas as pd

    from pipeline.store.schema import COOCCURRENCE
    from pipeline.store.tables import _columns, _digest

    frame = pd.DataFrame({"term_a": ["中心—散点", "数字食利国", "平台"], "term_b": ["金融帝国主义", "平台", "算法"],
                          "count": [3, 1, 12], "npmi": [0.5, float("nan"), -0.25]})
    by_column, n = _columns(COOCCURRENCE, frame)
    by_row, m = _columns(COOCCURRENCE, frame.to_dict("records"))
    assert n == m == 3
    assert json.dumps(by_column) == json.dumps(by_row)
    assert [type(v) for v in by_column["count"]] == [int, int, int] and by_column["llr"] == [None] * 3
    assert _digest(COOCCURRENCE, [by_column]) == _digest(COOCCURRENCE, [by_row])
    assert _columns(COOCCURRENCE, frame.iloc[:0]) == ({c.name: [] for c in COOCCURRENCE.columns}, 0)
    # a column taken whole (no call per cell) must still give what a cell gives: a tuple as a
    # list, None as None
    odd = pd.DataFrame({"term_a": [("中心", "散点"), None, "平台"], "term_b": ["a", "b", "c"], "count": [1, 2, 3]})
    by_column, _n = _columns(COOCCURRENCE, odd)
    assert by_column["term_a"] == [["中心", "散点"], None, "平台"]
    assert json.dumps(by_column) == json.dumps(_columns(COOCCURRENCE, odd.to_dict("records"))[0])


def test_a_reopened_store_keeps_its_results_and_no_other_run_takes_it(tmp_path: Path) -> None:
    """``Store.reopen`` (the run reconnects after its per-document stages): the results are
    there, and another process trying to open the store the whole time never gets it, since
    every connection is made holding ``<store>.lock``. Without that gate the other process
    opened the store in the gap between the two connections, and the run's reconnect failed."""
    import subprocess
    import sys

    path = tmp_path / "s.duckdb"
    store = Store(path)
    store.put_result("parse", "d1", "v", "h", {"x": [1, "二"]})
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pipeline.store.db import Store, StoreBusy\n"
        "got = tries = 0\n"
        "print('ready', flush=True)\n"
        "end = time.time() + 4\n"
        "while time.time() < end:\n"
        "    tries += 1\n"
        "    try:\n"
        "        Store(sys.argv[1]).close(); got += 1\n"
        "    except StoreBusy:\n"
        "        pass\n"
        "print(got, tries, flush=True)\n"), str(path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    reopened = 0
    try:
        import time

        end = time.time() + 3
        while time.time() < end:
            store.reopen()
            reopened += 1
    finally:
        out, _ = child.communicate(timeout=60)
    got, tries = map(int, out.split())
    assert reopened > 20 and tries > 20
    assert got == 0, f"another process opened the store {got} times of {tries} while it was reopened"
    assert store.get_result("parse", "d1", "v", "h") == {"x": [1, "二"]}
    store.close()


def test_reading_lets_go_of_the_blocks_read_and_gives_the_write_limit_back(tmp_path: Path) -> None:
    """``Store.reading`` (the runner's, around a corpus stage's computation and the report:
    store.read_memory_limit) shrinks what DuckDB holds to the read limit at once, keeps it
    there through a reconnect, and gives the store's own limit back after."""
    store = Store(tmp_path / "s.duckdb", "256MB")
    store.con.execute("CREATE TABLE big AS SELECT i, repeat(md5(i::VARCHAR), 8) AS s FROM range(200000) t(i)")
    store.con.execute("CHECKPOINT")
    store.reopen()

    def held() -> int:
        return store.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]

    def limit() -> str:
        return store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    total = store.con.execute("SELECT sum(length(s)) FROM big").fetchone()[0]
    assert held() > 16 * 2**20  # the table's blocks, read
    with store.reading("8MB"):
        assert held() <= 8 * 2**20
        assert store.con.execute("SELECT sum(length(s)) FROM big").fetchone()[0] == total  # read again, streamed
        assert held() <= 8 * 2**20
        store.reopen()
        assert limit() == "7.6 MiB"
    assert limit() == "244.1 MiB"
    with store.reading(None):
        assert limit() == "244.1 MiB"
    store.close()
    # a store given a smaller pool than the read limit keeps its own: never more than asked for
    small = Store(tmp_path / "small.duckdb", "64MB")
    with small.reading("128MB"):
        assert small.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "61.0 MiB"
    small.close()


def test_a_stage_run_inside_another_leaves_the_outer_read_limit_in_force(tmp_path: Path) -> None:
    """The concepts stage runs while the topics stage waits for its side process
    (``runner/corpus.py``): the inner stage writes under the store's own limit
    (``Store.writing``), reads under the read limit, and leaves the outer stage's read limit in
    force when it ends, so what the outer stage reads next does not fill a 256MB pool; a
    ``let_go`` inside it does the same."""
    store = Store(tmp_path / "s.duckdb", "256MB")
    store.con.execute("CREATE TABLE big AS SELECT i, repeat(md5(i::VARCHAR), 8) AS s FROM range(200000) t(i)")
    store.con.execute("CHECKPOINT")

    def limit() -> str:
        return store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    def held() -> int:
        return store.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]

    with store.writing():  # a stage at the top: nothing changes
        assert limit() == "244.1 MiB"
    with store.reading("8MB"):  # the outer stage computes
        with store.writing():  # the inner stage
            assert limit() == "244.1 MiB"
            with store.reading("8MB"):
                assert limit() == "7.6 MiB"
            assert limit() == "244.1 MiB"
            store.con.execute("CREATE TABLE copy AS SELECT * FROM big")  # its writes fill the pool
            store.let_go("8MB")
            assert limit() == "244.1 MiB"
        assert limit() == "7.6 MiB" and held() <= 8 * 2**20  # the outer stage's limit, the pool emptied to it
        store.con.execute("SELECT sum(length(s)) FROM big").fetchone()
        assert held() <= 8 * 2**20
    assert limit() == "244.1 MiB"
    with store.reading("8MB"):  # reading and letting go nested in a read: the read limit stays
        with store.reading("8MB"):
            pass
        assert limit() == "7.6 MiB"
        store.let_go("8MB")
        assert limit() == "7.6 MiB"
    assert limit() == "244.1 MiB"
    store.close()


def test_let_go_empties_the_pool_a_write_filled_and_keeps_the_write_limit(tmp_path: Path) -> None:
    """``Store.let_go`` (the runner's, after a corpus stage's result and tables are written):
    the blocks a write left in DuckDB's pool are let go at once, the store's own limit stays,
    and what is read afterwards reads the same."""
    store = Store(tmp_path / "s.duckdb", "256MB")
    store.con.execute("CREATE TABLE big AS SELECT i, repeat(md5(i::VARCHAR), 8) AS s FROM range(200000) t(i)")
    total = store.con.execute("SELECT sum(length(s)) FROM big").fetchone()[0]

    def held() -> int:
        return store.con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]

    assert held() > 16 * 2**20
    store.let_go("8MB")
    assert held() <= 8 * 2**20
    assert store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"
    assert store.con.execute("SELECT sum(length(s)) FROM big").fetchone()[0] == total
    before = held()
    store.let_go(None)  # no read limit: nothing is let go
    store.let_go("512MB")  # a read limit above the store's: nothing either
    assert held() == before
    old = store.con
    store.let_go("8MB", reconnect=True)  # after a long write: a new connection, the same store
    assert store.con is not old and held() < before
    assert store.con.execute("SELECT sum(length(s)) FROM big").fetchone()[0] == total
    assert store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "244.1 MiB"
    store.close()


def test_a_long_table_is_written_a_chunk_at_a_time_as_it_would_be_whole(works_ctx, tmp_path: Path,
                                                                         monkeypatch) -> None:
    """``write_table`` makes a table's cells INSERT_ROWS rows at a time: the concept mentions of
    the seed and the works (hundreds of rows) written in chunks of 50 read back as written in
    one; unchanged, the table is not written again; changed, it is."""
    from pipeline.concepts.tables import concept_tables
    from pipeline.store import tables as T
    from pipeline.store.schema import tables_of

    spec = next(t for t in tables_of("concepts") if t.name == "mentions")
    result = works_ctx.results["concepts"]
    assert len(result["mentions"]) > 200

    def rows():
        return concept_tables(result)["mentions"]

    whole = Store(tmp_path / "whole.duckdb")
    assert T.write_table(whole.con, spec, rows) == len(result["mentions"])
    monkeypatch.setattr(T, "INSERT_ROWS", 50)
    calls = []

    def counted():
        calls.append(1)
        return rows()

    cut = Store(tmp_path / "cut.duckdb")
    assert T.write_table(cut.con, spec, counted) == len(result["mentions"])
    assert len(calls) == 2  # once for the digest, once more for the insert
    assert T.read_rows(cut.con, spec) == T.read_rows(whole.con, spec)
    calls.clear()
    cut.con.execute(f'INSERT INTO "{spec.name}" SELECT * FROM "{spec.name}" LIMIT 1')  # a row the digest does not know
    assert T.write_table(cut.con, spec, counted) == 0 and len(calls) == 1  # unchanged rows: not written again
    assert cut.con.execute(f'SELECT count(*) FROM "{spec.name}"').fetchone()[0] == len(result["mentions"]) + 1
    fewer = lambda: list(rows())[:-3]  # noqa: E731
    assert T.write_table(cut.con, spec, fewer) == len(result["mentions"]) - 3
    assert T.read_rows(cut.con, spec) == T.read_rows(whole.con, spec)[:-3]
    # a long table is written under a name of its own, a chunk a transaction (``_write_staged``):
    # a write that fails after some chunks were committed leaves the old table whole, its
    # digest, and no table of the unfinished write
    digest = cut.con.execute("SELECT value FROM kv WHERE key=?", [f"table:{spec.name}"]).fetchone()
    passes = []

    def failing():
        passes.append(1)
        for i, r in enumerate(rows()):
            if len(passes) == 2 and i == 120:  # the insert's pass, two chunks committed
                raise OSError("disk full")
            yield r

    with pytest.raises(OSError, match="disk full"):
        T.write_table(cut.con, spec, failing)
    assert T.read_rows(cut.con, spec) == T.read_rows(whole.con, spec)[:-3]
    assert cut.con.execute("SELECT value FROM kv WHERE key=?", [f"table:{spec.name}"]).fetchone() == digest
    names = {r[0] for r in cut.con.execute("SHOW TABLES").fetchall()}
    assert spec.name in names and not [n for n in names if n.endswith(T.STAGED)]
    # and the next write replaces it whole
    assert T.write_table(cut.con, spec, rows) == len(result["mentions"])
    assert T.read_rows(cut.con, spec) == T.read_rows(whole.con, spec)
    whole.close()
    cut.close()


def test_a_table_too_big_for_the_table_pool_is_written_under_the_store_limit(tmp_path: Path, seed_path: Path) -> None:
    """Corpus stages write their result tables under ``store.table_memory_limit``; one that
    does not fit (DuckDB runs out of that pool, the transaction is rolled back) is written
    again under ``store.memory_limit``, said in the log, and holds every row."""
    import csv
    import shutil
    import subprocess

    from conftest import ROOT, make_config

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_path, corpus / seed_path.name)
    cfg = make_config(tmp_path, store={"table_memory_limit": "1MB"}, topics={"k": 3})
    p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                        "--workers", "1"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "table mentions: more memory than store.table_memory_limit" in p.stderr, p.stderr[-3000:]
    assert "written again under store.memory_limit" in p.stderr
    with open(tmp_path / "report" / "data" / "concept_mentions.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == len(rows) > 0
    finally:
        con.close()


def test_result_text_is_written_a_member_at_a_time_as_json_dumps_writes_it_whole(tmp_path: Path, monkeypatch) -> None:
    """``result.json`` is written a container's member (a long one's batch of members) at a time,
    a few levels down (``codec._write_json``), and is the very text ``json.dumps`` gives of the
    whole: nested dicts and lists, long ones cut into batches, keys JSON writes as text, empty
    containers, scalars and Chinese text."""
    import io

    from pipeline.store import codec

    values = [
        {"a": [[1, 2], [3, "四"]], "b": {"c": [{"d": None}, {"e": [True, 1.5]}], "f": {}}, "g": []},
        [[{"x": i, "y": [i, str(i)]} for i in range(7)], {str(i): [i, {"z": "字"}] for i in range(9)}],
        {1: [[1]], "k": [[2]]},  # a key json.dumps turns into text: the dict is written whole
        [[], [[]], {}, [{}], "s", 3, None, False, -0.25, ["末"] * 5],
        "一段话", 7, None,
    ]
    for batch in (2, 3, 256):
        monkeypatch.setattr(codec, "_STREAM_BATCH", batch)
        for depth in (0, 1, 3, 6):
            for v in values:
                out = io.StringIO()
                codec._write_json(out, v, depth)
                assert out.getvalue() == json.dumps(v, ensure_ascii=False), (batch, depth, v)
    # and a whole result: read back equal, its text the one json.dumps gives of its encoding
    monkeypatch.setattr(codec, "_STREAM_BATCH", 2)
    result = {"rows": [{"doc_id": "d1", "n": 1}, {"doc_id": "d2", "n": 2}], "state": values,
              "pick": None, "by": {"t": [[1, "d1"], [2, "d2"], [3, "d3"]]}}
    codec.write_result(tmp_path / "r", result, ("rows",), {})
    assert codec.read_result(tmp_path / "r") == result
    top = json.loads((tmp_path / "r" / "result.json").read_text(encoding="utf-8"))
    assert (tmp_path / "r" / "result.json").read_text(encoding="utf-8") == json.dumps(top, ensure_ascii=False)


def test_a_list_of_one_tables_records_is_stored_as_row_numbers_and_nothing_else_is(tmp_path: Path) -> None:
    """Of a result's lists of records (``codec._RowIndex``), one whose records all belong to one
    table written before is stored as that table's row numbers; one mixing two tables, or
    holding a record of none, is stored whole; a record met alone is stored whole. All read
    back equal, the row-numbered lists as the very records of their table."""
    from pipeline.store import codec

    refs = [{"doc_id": f"d{i}", "n": i} for i in range(5)]
    listed = [{"doc_id": f"d{i}", "w": i * 2} for i in range(3)]
    result = {"references": refs, "listed": listed,
              "picked": [refs[3], refs[0], refs[3]], "other": [listed[2], listed[0]],
              "mixed": [refs[1], listed[1]], "loose": [refs[2], {"doc_id": "d2", "n": 2}],
              "alone": refs[4], "empty": []}
    codec.write_result(tmp_path / "r", result, ("references", "listed"), {})
    top = dict(json.loads((tmp_path / "r" / "result.json").read_text(encoding="utf-8"))["items"])
    assert top["picked"] == {"$t": "rows", "table": "references", "i": [3, 0, 3]}
    assert top["other"] == {"$t": "rows", "table": "listed", "i": [2, 0]}
    assert top["mixed"] == [refs[1], listed[1]] and top["loose"] == [refs[2], refs[2]]
    assert top["alone"] == refs[4]
    back = codec.read_result(tmp_path / "r")
    assert back == result
    assert back["picked"][0] is back["references"][3] and back["other"][1] is back["listed"][0]


def test_a_pass_reads_the_next_batch_in_a_thread_and_gives_what_one_batch_at_a_time_gives(works_ctx,
                                                                                          tmp_path: Path) -> None:
    """``store.read_ahead``: a pass over the per-document results (``iter_results``, the papers
    of ``iter_papers``) gets the same documents in the same order as reading one batch at a
    time, with the next batch read by a thread of its own (gone once the pass ends, or is left
    early); a read's error reaches the caller; inside a transaction the pass reads in the
    store's own connection, which sees the transaction's writes."""
    import threading

    from pipeline.store.read_ahead import read_ahead

    store, ids, key = works_ctx.store, list(works_ctx.doc_ids), works_ctx.features_key
    assert len(ids) > 8

    def threads() -> int:
        return sum(t.name == "store-read-ahead" for t in threading.enumerate())

    try:
        store.read_ahead = False
        one_at_a_time = list(store.iter_results("feat.content", ids, *key, batch=4))
        papers = [p["doc_id"] for p in works_ctx.iter_papers()]
        store.read_ahead = True
        passing = store.iter_results("feat.content", ids, *key, batch=4)
        first = next(passing)
        assert threads() == 1  # the next batches are being read beside the caller
        assert [first, *passing] == one_at_a_time and len(one_at_a_time) == len(ids)
        assert threads() == 0
        assert [p["doc_id"] for p in works_ctx.iter_papers()] == papers == sorted(works_ctx.doc_file)
        left = store.iter_results("feat.content", ids, *key, batch=4)
        next(left)
        left.close()  # a caller that stops early stops the thread
        assert threads() == 0
    finally:
        store.read_ahead = True

    def read(_cur: Any, n: int) -> int:
        if n == 2:
            raise ValueError("batch 2 cannot be read")
        return n

    got = []
    with pytest.raises(ValueError, match="batch 2"):
        for n in read_ahead(store.con, [1, 2, 3], read):
            got.append(n)
    assert got == [1] and threads() == 0

    fresh = Store(tmp_path / "s.duckdb")
    texts = store.get_texts("feat.content", ids[:6], *key)
    for d in ids[:5]:
        fresh.put_texts([("feat.content", d, key[0], key[1], texts[d])])
    with fresh.transaction():
        fresh.put_texts([("feat.content", ids[5], key[0], key[1], texts[ids[5]])])
        inside = [d for d, _r in fresh.iter_results("feat.content", ids[:6], *key, batch=2)]
    assert inside == ids[:6]
    fresh.close()
