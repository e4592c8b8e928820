"""Incremental equals fresh, as a property.

A researcher runs, reads the report, edits a setting, a dictionary, an alias or a paper, and
runs again on the same store. Whatever the edit, that run must write the tables a run from
nothing writes: every ``data/*.csv``, byte for byte. Each case below is one kind of edit.

How the runs are made:

* the corpus is the seed plus the works of ``../shared/corpora/works`` (and a sidecar for the
  seed, so that editing one is an edit, not an addition); ``configs/`` is copied into a project
  folder and the config points at the copies, so an edit never touches the repository's files;
* the store before the edit is built once per session (in this process) and copied for each
  case; the incremental run is in this process too, after the runs of the earlier cases, so a
  worker-side cache (segmenter, alias table, registry, stopwords) that outlives a change of
  its files fails here as it would in a notebook calling ``api.run`` twice;
* the fresh run is ``litmap run`` in a new process on a new store: nothing cached anywhere.
  It runs while the incremental run does;
* ``topics.k`` is fixed where the edit is not about topics: the K search is the slowest part
  of a small run and has nothing to say about caching.
"""
from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, SEED, SHARED

# The seed's sidecar (a file beside it: ``NAME.meta.yaml``); the text has no journal or year line.
SIDECAR = {"journal": "经济学家", "year": 2025}


@dataclass
class Case:
    name: str
    edit: Callable[[Path], None] = lambda root: None  # files under root (corpus/, proj/configs/)
    config: dict[str, Any] = field(default_factory=dict)  # settings changed by the edit
    update: bool = False  # the incremental run is `--update`
    # Tables an `--update` run may legitimately write otherwise than a refit (README: what
    # stays as of the last refit), each with the reason; every other table must be equal.
    may_differ: dict[str, str] = field(default_factory=dict)
    # Tables the edit must change (against the report before it): an edit without effect
    # would make the comparison prove nothing.
    changes: tuple[str, ...] = ()
    workers: int = 1  # 2: new papers go to a worker process while the driver reads the stored results


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _edit_yaml(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _alias(root: Path) -> None:
    # Two names that really occur (both corpus authors, 刘皓琰 also cited) become one person,
    # and a suggested alias of the report is confirmed (the README's way to confirm one).
    def change(d: dict) -> None:
        d["authors"].setdefault("刘皓琰", []).append("黄再胜")
        d["authors"]["埃隆·马斯克"] = ["Elon Musk"]
    _edit_yaml(root / "proj" / "configs" / "aliases.yaml", change)


def _concept(root: Path) -> None:
    # Mined candidates of the report (term_candidates.csv), not yet in the registry; the first
    # is longer than the concept 数字资本, so it takes those occurrences over.
    def change(d: dict) -> None:
        d["concepts"].append({"name": "数字资本输出", "en": "export of digital capital"})
        d["concepts"].append({"name": "中心国家", "variants": ["核心国家"]})
    _edit_yaml(root / "proj" / "configs" / "concepts.yaml", change)


def _paper_text(root: Path) -> None:
    _append(root / "corpus" / "w005.md", "\n数字资本与数字帝国主义在平台垄断中结合，形成新的金融帝国主义积累方式。\n")


def _sidecar(root: Path) -> None:
    side = root / "corpus" / (SEED.stem + ".meta.yaml")
    side.write_text(yaml.safe_dump({**SIDECAR, "year": 2024, "journal": "政治经济学评论"}, allow_unicode=True),
                    encoding="utf-8")


def _add_paper(root: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    (root / "corpus" / "new_paper.txt").write_text("数字资本与平台垄断的新变化\n\n" + text[len(text) // 2:],
                                                  encoding="utf-8")


_KEPT_ON_UPDATE = "stays as of the last refit on --update (README, Architecture: --update)"
CASES = [
    Case("structure", config={"structure": {"body": {"split_semicolon": True}}}, changes=("concept_mentions.csv",)),
    Case("aliases", edit=_alias, changes=("authors.csv", "alias_suggestions.csv")),
    Case("userdict", edit=lambda r: _append(r / "proj" / "configs" / "userdict.txt", "\n数字产业 500 n\n中心国家 500 n\n"),
         changes=("cooccurrence.csv",)),
    Case("stopwords", edit=lambda r: _append(r / "proj" / "configs" / "stopwords.txt", "\n资本\n金融\n"),
         changes=("cooccurrence.csv",)),
    Case("concepts", edit=_concept, changes=("concept_mentions.csv",)),
    # jieba and rjieba give the same tokens on Chinese text: no table needs to change (rjieba is
    # the default: the edit is to jieba, which recomputes tokens and features in one task a file)
    Case("backend", config={"segment": {"backend": "jieba"}}),
    Case("topics_k", config={"topics": {"k": 2}}, changes=("topics.csv",)),
    Case("cooccurrence", config={"cooccurrence": {"window": "paragraph", "min_count": 3}}, changes=("cooccurrence.csv",)),
    Case("paper_text", edit=_paper_text, changes=("documents.csv", "concept_mentions.csv")),
    Case("sidecar", edit=_sidecar, changes=("documents.csv",)),
    Case("add_paper_update", edit=_add_paper, update=True, changes=("documents.csv",), workers=2, may_differ={
        # the fold-in keeps the vocabulary, K and the earlier units' weights of the stored model
        **{t: "topic model " + _KEPT_ON_UPDATE for t in (
            "topics.csv", "doc_topics.csv", "k_curve.csv", "topic_by_year.csv", "topic_by_author.csv",
            "topic_by_journal.csv", "topic_trends.csv", "author_topics.csv", "term_bursts.csv")},
        "similar_papers.csv": "LSA basis and IDF " + _KEPT_ON_UPDATE,
        "term_candidates.csv": "phrase candidates " + _KEPT_ON_UPDATE,
        # the store's table (no csv): the mined terms it traces are those candidates
        "coinages": "the terms stage's phrase candidates " + _KEPT_ON_UPDATE,
    }),
]


def _config(root: Path, store: Path, overrides: dict[str, Any]) -> Path:
    """The config of a run in ``root``: every file it names is a copy under root/proj/configs.
    (``segment.concepts`` is left to the project root, ``root/proj``, which is where the
    registry copy is: the concept registry is named by ``concepts.registry``.)"""
    from pipeline.config import deep_merge

    c = root / "proj" / "configs"
    cfg = {"store": {"path": str(store)}, "report": {"out": str(root / "report")},
           "refs": {"aliases": str(c / "aliases.yaml")},
           "segment": {"userdict": str(c / "userdict.txt"), "stopwords": str(c / "stopwords.txt")},
           "concepts": {"registry": str(c / "concepts.yaml")},
           "topics": {"k": 3}}
    path = root / "proj" / "config.yaml"
    path.write_text(yaml.safe_dump(deep_merge(cfg, overrides), allow_unicode=True), encoding="utf-8")
    return path


def _lay_out(root: Path) -> None:
    (root / "corpus").mkdir(parents=True)
    shutil.copy(SEED, root / "corpus" / SEED.name)
    (root / "corpus" / (SEED.stem + ".meta.yaml")).write_text(yaml.safe_dump(SIDECAR, allow_unicode=True),
                                                             encoding="utf-8")
    for f in sorted((SHARED / "corpora" / "works").iterdir()):
        shutil.copy(f, root / "corpus" / f.name)
    shutil.copytree(ROOT / "configs", root / "proj" / "configs")


def _in_process_run(root: Path, config: Path, update: bool = False, workers: int = 1):
    from pipeline import api

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LITMAP_HOME", str(root / "proj"))
        mp.chdir(root / "proj")
        return api.run(root / "corpus", config, out=root / "report", workers=workers, update=update)


@pytest.fixture(scope="session")
def before(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(work folder, its snapshot): the corpus, the project and the store after a first run."""
    assert SHARED.is_dir(), f"../shared is missing beside the repo ({SHARED})"
    base = tmp_path_factory.mktemp("incremental")
    work, snapshot = base / "work", base / "snapshot"
    _lay_out(work)
    _in_process_run(work, _config(work, work / "proj" / ".litmap" / "store.duckdb", {}))
    shutil.copytree(work, snapshot)
    return work, snapshot


def _restore(work: Path, snapshot: Path) -> None:
    shutil.rmtree(work)
    shutil.copytree(snapshot, work)


def _differences(a: Path, b: Path, skip: dict[str, str]) -> list[str]:
    """Each table that differs between two report data folders, with the start of its diff."""
    names = sorted({p.name for p in a.glob("*.csv")} | {p.name for p in b.glob("*.csv")})
    assert names, f"no tables in {a} or {b}"
    out = []
    for name in names:
        if name in skip:
            continue
        pa, pb = a / name, b / name
        if not (pa.is_file() and pb.is_file()):
            out.append(f"{name}: only in {'incremental' if pa.is_file() else 'fresh'} run")
            continue
        if pa.read_bytes() == pb.read_bytes():
            continue
        diff = difflib.unified_diff(pb.read_text(encoding="utf-8").splitlines(),
                                    pa.read_text(encoding="utf-8").splitlines(), "fresh", "incremental", lineterm="", n=0)
        out.append(f"{name}:\n" + "\n".join(line[:200] for line in list(diff)[:12]))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_incremental_run_equals_a_fresh_run(case: Case, before: tuple[Path, Path],
                                           tmp_path: Path) -> None:
    work, snapshot = before
    started = time.time()
    # The fresh run: the same edit on a copy of the corpus and project, a new store, a new process.
    fresh = tmp_path / "fresh"
    _lay_out(fresh)
    case.edit(fresh)
    env = {**os.environ, "LITMAP_HOME": str(fresh / "proj")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--corpus", str(fresh / "corpus"), "--out", str(fresh / "report"),
         "--config", str(_config(fresh, fresh / "store.duckdb", case.config)), "--workers", "1"],
        cwd=fresh / "proj", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The incremental run: the edit applied to the folder of the first run, on its store.
        _restore(work, snapshot)
        case.edit(work)
        ctx = _in_process_run(work, _config(work, work / "proj" / ".litmap" / "store.duckdb", case.config),
                              update=case.update, workers=case.workers)
        assert ctx.mode == ("update" if case.update else "refit")
    finally:
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    for table in case.changes:
        assert (fresh / "report" / "data" / table).read_bytes() != (snapshot / "report" / "data" / table).read_bytes(), \
            f"the {case.name} edit did not change {table}: the case tests nothing"
    differ = _differences(work / "report" / "data", fresh / "report" / "data", case.may_differ)
    assert not differ, (f"after the {case.name} edit, {len(differ)} tables of the incremental run differ from "
                        f"a fresh run's:\n\n" + "\n\n".join(differ))
    # the store's result tables hold the current run's results, cached or not; an update writes
    # only the rows it changed (runner/corpus.py), and those tables too must be a fresh run's
    mine, theirs = _result_tables(work / "proj" / ".litmap" / "store.duckdb"), _result_tables(fresh / "store.duckdb")
    exact = [t for t in mine if not case.update or (_stage_of(t) in EXACT_ON_UPDATE and t not in case.may_differ)]
    assert [t for t in exact if mine[t] != theirs[t]] == []
    _held_without_fold_state(ctx, work / "proj" / ".litmap" / "store.duckdb")
    print(f"{case.name}: {time.time() - started:.1f} s")


def _held_without_fold_state(ctx: Any, store: Path) -> None:
    """The stages after a stage and the report see its result without what only the stage's
    next ``--update`` reads (``CorpusStage.fold_state``: at 10,000 papers 185 MB the driver held
    to the end); the stored result keeps it, so the next update can fold into it."""
    from pipeline.runner.corpus import STAGES
    from pipeline.store.codec import read_result

    for stage in STAGES:
        if not stage.fold_state:
            continue
        held = ctx.results.get(stage.name)
        stored = read_result(_result_file(store, stage.name))
        assert isinstance(held, dict) and not stage.fold_state & held.keys(), (stage.name, sorted(held))
        assert set(stored) - set(held) == stage.fold_state & stored.keys() != set(), (stage.name, sorted(stored))
    _held_bytes_on_disk(ctx, store)


def _held_bytes_on_disk(ctx: Any, store: Path) -> None:
    """The topics stage's packed state (51 MB at 10,000 papers, read once by the report's
    pyLDAvis page) is held as its stored file, not its bytes (``CorpusStage.bytes_on_disk``),
    and reads as the bytes the store keeps."""
    from pipeline.runner.corpus import STAGES
    from pipeline.store.codec import StoredBytes, read_result

    lazy = [s.name for s in STAGES if s.bytes_on_disk]
    assert lazy == ["topics"]
    held = ctx.results.get("topics")["result"].state
    assert isinstance(held, StoredBytes), type(held)
    stored = read_result(_result_file(store, "topics"))["result"].state
    assert isinstance(stored, bytes) and len(stored) > 1000 and held.read() == stored
    from pipeline.models.topic_state import unpack

    assert sorted(unpack(held)) == sorted(unpack(stored))  # its readers take the file as they take the bytes


# Stages whose --update result is exactly a fresh run's (README: --update)
EXACT_ON_UPDATE = ("glossary", "works", "stance", "concepts", "definitions", "shift")


def _stage_of(table: str) -> str:
    from pipeline.store.schema import RESULT_TABLES

    return next(t.stage for t in RESULT_TABLES if t.name == table)


def _result_file(store: Path, stage: str) -> Path:
    """The folder of the newest stored result of ``stage`` (``store/results.py``)."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        (payload,) = con.execute("SELECT payload FROM corpus_cache WHERE stage=? ORDER BY created DESC LIMIT 1",
                                 [stage]).fetchone()
    finally:
        con.close()
    return store.with_name(store.name + ".results") / bytes(payload)[len(b"dir:"):].decode()


def _result_tables(store: Path) -> dict[str, list[tuple]]:
    """Every result table of ``store/schema.py``, rows sorted (a table is a set of rows)."""
    import duckdb

    from pipeline.store.schema import RESULT_TABLES

    con = duckdb.connect(str(store), read_only=True)
    try:
        return {t.name: sorted(map(repr, con.execute(f'SELECT * FROM "{t.name}"').fetchall())) for t in RESULT_TABLES}
    finally:
        con.close()


def test_result_tables_hold_the_run(before: tuple[Path, Path]) -> None:
    """The corpus results are DuckDB tables beside the documents: the seed's registry concepts
    labelled in ../shared/gold/seed/concepts.jsonl occur there exactly as often as labelled, and
    the mentions table is the report's concept_mentions.csv."""
    import csv

    import duckdb

    from pipeline.store.schema import RESULT_TABLES

    _work, snapshot = before
    con = duckdb.connect(str(snapshot / "proj" / ".litmap" / "store.duckdb"), read_only=True)
    try:
        names = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {t.name for t in RESULT_TABLES} <= names
        gold = [json.loads(line) for line in (SHARED / "gold" / "seed" / "concepts.jsonl").read_text(
            encoding="utf-8").splitlines() if line.strip()]
        concepts = sorted({g["concept"] for g in gold})
        (n,) = con.execute("SELECT count(*) FROM mentions m JOIN documents d USING (doc_id) "
                           "WHERE d.source LIKE ? AND concept IN (SELECT unnest(?))",
                           [f"%{SEED.name}", concepts]).fetchone()
        assert n == len(gold) == 195
        with open(snapshot / "report" / "data" / "concept_mentions.csv", encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert con.execute("SELECT count(*) FROM mentions").fetchone()[0] == len(rows)
        by_place = dict(con.execute('SELECT place, count(*) FROM mentions GROUP BY place').fetchall())
        assert by_place == {w: sum(r["where"] == w for r in rows) for w in {r["where"] for r in rows}}
    finally:
        con.close()
    # The `duckdb` command litmap installs (a DuckDB 1.x program) opens the store as researchers
    # would from a shell: the store is written in a format DuckDB 1.0 and later read.
    cli = Path(sys.executable).with_name("duckdb")
    assert cli.is_file(), f"the duckdb command is not installed beside {sys.executable} (pyproject: duckdb-cli)"
    out = subprocess.run([str(cli), "-readonly", "-csv", str(snapshot / "proj" / ".litmap" / "store.duckdb"),
                          "-c", "SHOW TABLES"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert {t.name for t in RESULT_TABLES} <= set(out.stdout.split())


def test_a_result_that_cannot_be_loaded_is_recomputed(before: tuple[Path, Path], capsys) -> None:
    """Truncated, missing, or naming a class that is gone (after a library change): each stage
    is recomputed with a line naming it and why, and the report is the one the store held."""
    work, snapshot = before
    _restore(work, snapshot)
    store = work / "proj" / ".litmap" / "store.duckdb"
    topics = _result_file(store, "topics") / "result.json"
    topics.write_bytes(topics.read_bytes()[: topics.stat().st_size // 2])
    shutil.rmtree(_result_file(store, "vectors"))
    # the versions are fine, the result names a module that no longer exists
    terms = _result_file(store, "terms") / "result.json"
    terms.write_text(json.dumps({"$t": "obj", "class": "pipeline.gone_module_of_an_old_litmap:Model", "state": {}}),
                     encoding="utf-8")
    shutil.rmtree(work / "report")  # the report is written, so every result is read
    capsys.readouterr()
    ctx = _in_process_run(work, work / "proj" / "config.yaml")
    log = capsys.readouterr().err
    _held_without_fold_state(ctx, store)  # those read from the store (glossary, concepts) and those computed again
    assert "vectors: the stored result cannot be used: its folder" in log and "missing: recomputing" in log, log
    assert "topics: the stored topics result cannot be used:" in log and "recomputing" in log, log
    assert "terms: the stored terms result cannot be used: ModuleNotFoundError" in log, log
    assert "Traceback" not in log and "failed" not in log, log
    assert not [p.name for p in (work / "report").glob("*.html") if "生成失败" in p.read_text(encoding="utf-8")]
    assert not _differences(work / "report" / "data", snapshot / "report" / "data", {})


def test_update_refits_what_it_cannot_fold_into(before: tuple[Path, Path], capsys) -> None:
    """`--update` over a corrupt result, or one written by other versions of the libraries,
    refits that stage and says why; no traceback."""
    work, snapshot = before
    _restore(work, snapshot)
    store = work / "proj" / ".litmap" / "store.duckdb"
    topics = _result_file(store, "topics") / "result.json"
    topics.write_bytes(topics.read_bytes()[:100])
    versions = _result_file(store, "vectors") / "versions.json"
    written = json.loads(versions.read_text(encoding="utf-8"))
    written["env"]["libs"]["gensim"] = "3.8.3"
    versions.write_text(json.dumps(written), encoding="utf-8")
    _add_paper(work)
    capsys.readouterr()
    from pipeline.runner import corpus, memory

    def collect() -> None:  # said in the log, which each stage's line follows once it is done
        print("collected garbage", file=sys.stderr)
        memory.release_memory()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus, "release_memory", collect)
        ctx = _in_process_run(work, work / "proj" / "config.yaml", update=True)
    log = capsys.readouterr().err
    assert ctx.mode == "update"
    # works is computed anew on every update; the few MB it makes are not worth a collection
    # that walks every result loaded so far (runner.collect_after_mb)
    lines = log.splitlines()
    works = next(i for i, line in enumerate(lines) if line.startswith("works: computed"))
    assert "collected garbage" not in lines[works - 1], log
    assert "topics: the stored topics result cannot be used:" in log and "refit" in log, log
    assert "vectors: the stored vectors result cannot be used: it was written by other versions of the code: " \
           "gensim 3.8.3 -> " in log, log
    assert "concepts: updated" in log, log  # what could be folded into still is
    # read before the corpus stages (runner/prefetch.py), each failure said by its own stage
    assert "stored results read beside the new documents' processing" in log, log
    assert "Traceback" not in log, log


def test_keys_chain_and_count_files_by_content(tmp_path: Path) -> None:
    """Each key holds the key of its input; a file counts by its bytes, not its path."""
    from pipeline.config import load_config
    from pipeline.runner import keys

    shutil.copytree(ROOT / "configs", tmp_path / "a")
    shutil.copytree(ROOT / "configs", tmp_path / "b")

    def cfg(folder: str, **over: Any) -> dict:
        c = load_config()
        c["refs"]["aliases"] = str(tmp_path / folder / "aliases.yaml")
        c["segment"]["userdict"] = str(tmp_path / folder / "userdict.txt")
        c["segment"]["stopwords"] = str(tmp_path / folder / "stopwords.txt")
        c["concepts"]["registry"] = str(tmp_path / folder / "concepts.yaml")
        for section, values in over.items():
            c[section] = {**c[section], **values}
        return c

    def chain(c: dict) -> tuple[str, str, str]:
        p = keys.parse_key(c, "parse-1")
        s = keys.segment_key(c, "segment-1", p)
        return p, s, keys.features_key(c, "features-2", s)

    a, b = chain(cfg("a")), chain(cfg("b"))
    assert a == b  # the same files elsewhere: the same keys
    _append(tmp_path / "b" / "aliases.yaml", "\n  新名: [旧名]\n")
    after = chain(cfg("b"))
    assert all(x != y for x, y in zip(a, after))  # an alias edit reaches tokens and features
    assert chain(cfg("a", structure={"body": {"split_semicolon": True}}))[2] != a[2]
    stop = chain(cfg("a", segment={"stopwords_iso": False}))
    assert stop[:2] == a[:2] and stop[2] != a[2]  # stopwords: features only, no re-segmentation
    before = keys.worker_key(tmp_path / "a" / "userdict.txt")
    _append(tmp_path / "a" / "userdict.txt", "\n新词 5 n\n")
    assert keys.worker_key(tmp_path / "a" / "userdict.txt") != before
