"""`litmap run` end to end on real files: bad input, caching, changes, exit codes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from conftest import SEED, SHARED, make_config
from test_report_identity import assert_one_row_per_person, pages_with_hashes, visible_text


def litmap(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd)


def test_bad_files_are_listed_and_the_copy_agrees(bad_corpus: Path, tmp_path: Path) -> None:
    cfg = make_config(tmp_path)
    out = tmp_path / "report"
    p = litmap("run", "--corpus", str(bad_corpus), "--config", str(cfg), "--out", str(out))
    assert p.returncode == 0, p.stderr
    docs = pd.read_csv(out / "data" / "documents.csv")
    by = {Path(s).name: r for s, r in zip(docs.source, docs.to_dict("records"))}
    assert by["binary.txt"]["status"] == "failed" and "binary" in by["binary.txt"]["error"]
    assert by["empty.txt"]["status"] == "failed" and "empty" in by["empty.txt"]["error"]
    a, b = by["seed.txt"], by["seed_gb18030.txt"]
    assert a["status"] == b["status"] == "ok"
    assert a["title"] == b["title"] == "数字化生产下金融帝国主义积累模式的新变化及其启示"
    assert (a["n_footnotes"], a["n_paragraphs"]) == (b["n_footnotes"], b["n_paragraphs"])
    assert a["n_footnotes"] == 77
    assert pd.isna(a["year"]) and a["year_inferred"] >= 2025 and pd.isna(a["journal"])
    assert "binary.txt" in p.stderr  # the failure is named on the terminal too
    strict = litmap("run", "--corpus", str(bad_corpus), "--config", str(cfg), "--out", str(out), "--strict")
    assert strict.returncode == 1
    assert "processed 0" in strict.stdout  # nothing new the second time


def test_rerun_change_and_removal(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SHARED / "corpora" / "works", corpus)
    cfg = make_config(tmp_path)
    out = tmp_path / "report"
    first = litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "processed 38" in first.stdout
    docs = pd.read_csv(out / "data" / "documents.csv")
    assert len(docs) == 38 and (docs.status == "ok").all()
    gold = __import__("json").loads((SHARED / "gold" / "works.json").read_text(encoding="utf-8"))
    by_file = {Path(s).name: r for s, r in zip(docs.source, docs.to_dict("records"))}
    for wid, g in gold.items():
        row = by_file[g["file"]]
        assert row["title"] == g["title"] or g["script"] != "simplified", g["file"]
        assert (row["year"] if pd.notna(row["year"]) else None) == g["year"]
    # the mirror in traditional characters is the same work as w007
    assert by_file["w007.md"]["work_id"] == by_file["w007-mirror.md"]["work_id"]
    # One person per identity across scripts (劉皓琰 is 刘皓琰, 孫來斌 is 孙来斌), the printed
    # forms listed on the person's page; the mirror is one paper of hers, not a second one.
    authors = assert_one_row_per_person(out).set_index("author")
    assert "劉皓琰" in authors.loc["刘皓琰", "variants"] and authors.loc["刘皓琰", "corpus_papers"] == 2
    assert "孫來斌" in authors.loc["孙来斌", "variants"] and "孫來斌" not in authors.index
    page = next(p for p in (out / "authors").glob("*.html") if "<h1>刘皓琰" in p.read_text(encoding="utf-8"))
    assert "劉皓琰" in visible_text(page)
    assert pages_with_hashes(out) == {}
    # unchanged: nothing processed
    second = litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out))
    assert "processed 0" in second.stdout and "added 0, changed 0, removed 0" in second.stdout
    # one changed, one removed
    (corpus / "w005.md").write_text((corpus / "w005.md").read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    (corpus / "w008.md").unlink()
    third = litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out))
    assert "processed 1" in third.stdout and "changed 1, removed 1" in third.stdout
    docs = pd.read_csv(out / "data" / "documents.csv")
    assert len(docs) == 37 and not any(s.endswith("w008.md") for s in docs.source)
    assert "w008.md" in (out / "report.md").read_text(encoding="utf-8")  # the report says what left
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    runs = con.execute("SELECT n_processed, n_changed, n_removed FROM runs ORDER BY run_id").fetchall()
    assert runs == [(38, 0, 0), (0, 0, 0), (1, 1, 1)]


def test_the_heads_come_back_whole_when_some_were_never_cached(tmp_path: Path) -> None:
    """A run reads every file's head in one query (``Store.stage_texts``); a file whose head is
    not stored (a store written before heads were cached) gets it from its parse result, and
    the head is stored. The documents table is the same either way."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SHARED / "corpora" / "works", corpus)
    cfg = make_config(tmp_path)
    out = tmp_path / "report"
    assert litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out)).returncode == 0
    before = (out / "data" / "documents.csv").read_bytes()
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    ids = sorted(r[0] for r in con.execute("SELECT doc_id FROM stage_results WHERE stage = 'head'").fetchall())
    assert len(ids) == 38
    con.execute("DELETE FROM stage_results WHERE stage = 'head' AND doc_id IN (SELECT unnest(?))", [ids[::3]])
    con.close()
    again = litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out))
    assert again.returncode == 0 and "processed 0" in again.stdout, again.stderr
    assert (out / "data" / "documents.csv").read_bytes() == before
    con = duckdb.connect(str(tmp_path / "store.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM stage_results WHERE stage = 'head'").fetchone()[0] == 38


def _pid_of(_item: str) -> int:
    return os.getpid()


def test_the_drivers_own_work_runs_while_a_worker_has_the_papers() -> None:
    """``--update`` reads the stored results while the new papers are processed
    (``runner/prefetch.py``): given work of its own, the driver sends even one paper to a worker
    process and does that work in the meantime; without it, one paper is processed in the driver."""
    from pipeline.runner.executor import run_tasks

    calls: list[int] = []
    got = list(run_tasks(_pid_of, ["a"], workers=2, meanwhile=lambda: calls.append(os.getpid())))
    assert calls == [os.getpid()]
    assert got[0][0] == "a" and got[0][1] != os.getpid()
    assert list(run_tasks(_pid_of, ["a"], workers=2)) == [("a", os.getpid())]
    calls.clear()  # one process allowed: the driver does its work first, then the paper
    assert list(run_tasks(_pid_of, ["a"], workers=1, meanwhile=lambda: calls.append(os.getpid()))) == [("a", os.getpid())]
    assert calls == [os.getpid()]


def test_a_pool_queues_tasks_ahead_of_the_results_it_has_taken() -> None:
    """``runner.tasks_ahead``: a local pool is given that many tasks per worker before the driver
    takes its first result, then one more per result taken, so the workers have work queued
    while the driver commits a batch and takes none. Every item still comes back once."""
    from pipeline.runner.executor import run_tasks

    pulled: list[int] = []

    def items():
        for i in range(40):
            pulled.append(i)
            yield str(i)

    for ahead in (3, 10):
        pulled.clear()
        results = run_tasks(_pid_of, items(), workers=2, count=40, ahead=ahead)
        first = next(results)
        assert len(pulled) == 2 * ahead
        second = next(results)  # the driver took the first: one more task was submitted for it
        assert len(pulled) == 2 * ahead + 1
        rest = [second, *results]
        assert sorted(int(item) for item, _pid in [first, *rest]) == list(range(40))
        assert {pid for _item, pid in [first, *rest]} - {os.getpid()}  # done in worker processes


def _heap_kept_mb(_item: str = "") -> float:
    """In this process: a 10 MB block freed (glibc's own threshold then rises above 1 MB), then
    fifty 1 MB blocks made and all but the last freed; the MB of them that stayed resident."""
    from pipeline.runner.memory import rss_mb

    big = bytearray(10 << 20)
    del big
    before = rss_mb()
    blocks = [bytearray(1 << 20) for _ in range(50)]  # zero-filled: every page touched
    del blocks[:-1]
    return rss_mb() - before


def _driver_and_worker_kept_mb(mmap_threshold: int, trim_threshold: int) -> tuple[float, float]:
    """In a fresh process, as a run's driver at its start: the thresholds fixed, then
    :func:`_heap_kept_mb` here and in a worker forked from here (the local pool's)."""
    from pipeline.runner.executor import run_tasks
    from pipeline.runner.memory import tune_malloc

    assert tune_malloc(mmap_threshold, trim_threshold)
    [(_a, worker)] = list(run_tasks(_heap_kept_mb, ["a"], workers=2, meanwhile=lambda: None))
    return _heap_kept_mb(), worker


def test_a_run_fixes_the_heaps_thresholds_in_the_processes_it_starts(monkeypatch) -> None:
    """``runner.malloc_mmap_threshold`` / ``malloc_trim_threshold`` (``runner/memory.py``): with
    glibc's own thresholds, blocks freed below a live one stay resident; once a run has fixed
    them at its start, its driver, a worker forked from it and a side process it starts later
    (a fresh interpreter, through ``GLIBC_TUNABLES``) hand them back. A tunable the user set in
    ``GLIBC_TUNABLES`` is kept. (Each process here is a fresh one: this test process's own heap
    holds the free blocks of the tests before it, which a threshold set now cannot give back.)"""
    import ctypes.util

    import pytest

    from pipeline.config import load_config
    from pipeline.runner.memory import tune_malloc
    from pipeline.side import Job

    if "libc.so" not in (ctypes.util.find_library("c") or ""):
        pytest.skip("not glibc")
    runner = load_config()["runner"]  # the shipped settings, as run() passes them
    wanted = (runner["malloc_mmap_threshold"], runner["malloc_trim_threshold"])
    monkeypatch.setenv("GLIBC_TUNABLES", "")
    assert Job(_heap_kept_mb, (), side=True).result() > 30
    driver, worker = Job(_driver_and_worker_kept_mb, wanted, side=True).result()
    assert driver < 10 and worker < 10
    assert tune_malloc(*wanted)
    assert Job(_heap_kept_mb, (), side=True).result() < 10
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=4096")
    tune_malloc(131072, 131072)
    assert os.environ["GLIBC_TUNABLES"] == "glibc.malloc.trim_threshold=4096:glibc.malloc.mmap_threshold=131072"
    assert not tune_malloc(None, None)  # null: glibc's own, nothing set


def test_a_run_freezes_what_each_stage_keeps_and_gives_the_collector_back_at_its_end(tmp_path: Path,
                                                                                      monkeypatch) -> None:
    """``release_memory`` after each corpus stage collects what the stage left in cycles and
    freezes what survives (``gc.freeze``), so the next stage's collection walks only what was
    made since; the run unfreezes at its end, or a process that runs litmap again and again
    would never collect what each run left."""
    import gc

    from pipeline import api
    from pipeline.runner import corpus as corpus_stages
    from pipeline.runner import memory

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("w005.md", "w008.md", "w025.md"):
        shutil.copy(SHARED / "corpora" / "works" / name, corpus / name)
    frozen: list[int] = []

    def release() -> None:
        memory.release_memory()
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(corpus_stages, "release_memory", release)
    monkeypatch.chdir(tmp_path)
    gc.unfreeze()
    ctx = api.run(corpus, make_config(tmp_path), out=tmp_path / "report", workers=1)
    assert ctx.stats["n_processed"] == 3
    # every stage computed anew collected and froze; what is frozen only grows through the run
    assert len(frozen) >= 5 and frozen[0] > 0 and frozen == sorted(frozen), frozen
    assert gc.get_freeze_count() == 0


def test_discover_lists_each_file_once_with_its_key_or_why_not(tmp_path: Path) -> None:
    """What the runner sees of a corpus folder (``runner/discover.py``): files in sorted folders,
    named below the corpus folder; a paper's key covers its sidecar (either name form), and
    only a sidecar; sidecars, hidden files, other types, backups, broken links and files over
    ``ingest.max_bytes`` get no key and say why; a linked file is read as its target."""
    from conftest import SEED

    from pipeline.runner.discover import discover

    c = tmp_path / "corpus"
    (c / "sub" / "deeper").mkdir(parents=True)
    (c / ".git").mkdir()
    seed = SEED.read_bytes()
    (c / "a.txt").write_bytes(seed)
    (c / "b.txt").write_bytes(seed)
    (c / "b.meta.yaml").write_text("year: 2025\n", encoding="utf-8")
    (c / "sub" / "c.md").write_bytes(seed)
    (c / "sub" / "c.md.meta.yaml").write_text("year: 2024\n", encoding="utf-8")
    (c / "sub" / "deeper" / "big.txt").write_bytes(seed * 3)
    (c / ".hidden.txt").write_bytes(seed)
    (c / ".git" / "x.txt").write_bytes(seed)
    (c / "notes.doc").write_bytes(seed)
    (c / "~$draft.docx").write_bytes(b"x")
    (c / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (c / "link.txt").symlink_to(c / "a.txt")
    got = {e.source: e for e in discover(c, [".txt", ".md", ".docx"], len(seed) + 1)}
    assert list(got) == ["corpus/.hidden.txt", "corpus/a.txt", "corpus/b.txt", "corpus/gone.txt", "corpus/link.txt",
                         "corpus/notes.doc", "corpus/~$draft.docx", "corpus/sub/c.md", "corpus/sub/deeper/big.txt"]
    assert got["corpus/a.txt"].path == str(c / "a.txt")
    keys = {s: e.key for s, e in got.items() if e.key}
    assert sorted(keys) == ["corpus/a.txt", "corpus/b.txt", "corpus/link.txt", "corpus/sub/c.md"]
    assert keys["corpus/link.txt"] == keys["corpus/a.txt"]
    assert len({keys["corpus/a.txt"], keys["corpus/b.txt"], keys["corpus/sub/c.md"]}) == 3  # sidecars count
    why = {s: (e.status, e.error) for s, e in got.items() if not e.key}
    assert why == {"corpus/.hidden.txt": ("skipped", "hidden file"),
                   "corpus/gone.txt": ("failed", "cannot read file: broken symbolic link"),
                   "corpus/notes.doc": ("skipped", "not a paper file type (.doc)"),
                   "corpus/~$draft.docx": ("skipped", "editor backup or system file, not a paper"),
                   "corpus/sub/deeper/big.txt": ("failed", f"cannot read file: file too large ({3 * len(seed)} bytes "
                                                           f"> ingest.max_bytes {len(seed) + 1})")}
    # one file as the corpus: named under its folder, its sidecar still in its key
    (one,) = discover(c / "b.txt", [".txt"], len(seed) + 1)
    assert (one.source, one.key) == ("corpus/b.txt", keys["corpus/b.txt"])


def test_a_stage_short_of_read_memory_is_computed_again_under_the_store_limit(tmp_path: Path, monkeypatch,
                                                                               capsys) -> None:
    """A corpus stage computes with DuckDB's pool at store.read_memory_limit (Store.reading);
    one that runs out of it (here the first stage, its out-of-memory error raised where DuckDB
    would raise it) says so and is computed anew under store.memory_limit, and the run ends as
    one that never ran short."""
    from contextlib import contextmanager

    from pipeline.api import run
    from pipeline.store.db import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    real = Store.reading
    limits: list = []

    @contextmanager
    def short_once(self, limit):
        limits.append(limit)
        if len(limits) == 1:
            raise duckdb.OutOfMemoryException("could not allocate block of size 256.0 KiB (injected)")
        with real(self, limit):
            yield

    let_go = Store.let_go
    emptied: list = []

    def counted(self, limit, reconnect=False):
        emptied.append(limit)
        let_go(self, limit, reconnect)

    monkeypatch.setattr(Store, "reading", short_once)
    monkeypatch.setattr(Store, "let_go", counted)
    ctx = run(corpus, make_config(tmp_path), out=tmp_path / "report")
    err = capsys.readouterr().err
    assert "more memory than store.read_memory_limit" in err and "computed again under store.memory_limit" in err
    assert limits[0] == "32MB" and len(limits) > 3  # every stage and the report read under the read limit
    # and the pool is emptied down to it after each stage computed has written its result
    assert emptied == ["32MB"] * sum(1 for line in err.splitlines() if ": computed in " in line) and emptied
    assert not ctx.failed_sections and (tmp_path / "report" / "index.html").is_file()
    assert ctx.results["concepts"]["traces"]
