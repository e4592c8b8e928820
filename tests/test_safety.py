"""What a run may never do to a researcher: delete their files, leave no report after a crash,
fail with a traceback on a small corpus, hide a failed section from --strict, blame the wrong
thing when the store cannot be opened, or leave workers computing after it was killed."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import SEED, SHARED, make_config


def litmap(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=600, **kw)


def run_args(corpus: Path, cfg: Path, out: Path, *extra: str) -> list[str]:
    return ["run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out), "--workers", "1", *extra]


def siblings(out: Path) -> list[str]:
    """What litmap puts beside a report folder while it swaps a new one in."""
    return sorted(p.name for p in out.parent.iterdir() if p.name in (out.name + ".tmp", out.name + ".old"))


# -- output safety -----------------------------------------------------------------------------

def test_out_folder_holding_a_user_file_is_refused_before_any_work(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_bytes(b"my chapter")
    cfg = make_config(tmp_path)
    p = litmap(*run_args(corpus, cfg, out))
    assert p.returncode == 2, p.stderr
    assert str(out) in p.stderr and "chapter1.docx" in p.stderr and "litmap did not write" in p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(os.listdir(out)) == ["chapter1.docx"] and (out / "chapter1.docx").read_bytes() == b"my chapter"
    assert not (tmp_path / "store.duckdb").exists()  # refused before the store was opened
    assert siblings(out) == []
    # A folder of the name litmap builds in is the user's unless litmap marked it: kept, refused.
    shutil.rmtree(out)
    (tmp_path / "thesis.tmp").mkdir()
    (tmp_path / "thesis.tmp" / "draft.md").write_text("mine", encoding="utf-8")
    p = litmap(*run_args(corpus, cfg, out))
    assert p.returncode == 2 and "thesis.tmp is in the way" in p.stderr, p.stderr
    assert (tmp_path / "thesis.tmp" / "draft.md").read_text(encoding="utf-8") == "mine"
    assert not out.exists() and not (tmp_path / "store.duckdb").exists()
    # A file where the folder should be is refused the same way.
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    p = litmap(*run_args(corpus, cfg, tmp_path / "afile"))
    assert p.returncode == 2 and "not a folder" in p.stderr
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "x"


def _snapshot(out: Path) -> dict[str, bytes]:
    files = {"index.html": (out / "index.html").read_bytes()}
    files.update({f"data/{p.name}": p.read_bytes() for p in sorted((out / "data").glob("*.csv"))})
    return files


def test_sigkill_while_the_report_is_written_leaves_the_previous_report_whole(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    out = tmp_path / "report"
    cfg = make_config(tmp_path)
    first = litmap(*run_args(corpus, cfg, out))
    assert first.returncode == 0, first.stderr
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["generator"] == "litmap" and "index.html" in info["entries"]
    before = _snapshot(out)
    assert len(before) > 10

    # A changed corpus: the next run writes a new report. Kill it once the report is being
    # built (its sibling folder exists) and, if it gets that far, its side processes run.
    shutil.copy(SHARED / "corpora" / "works" / "w005.md", corpus / "w005.md")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *run_args(corpus, cfg, out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = psutil.Process(proc.pid)
    seen: dict[int, psutil.Process] = {}
    building_since = None
    side = False
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        try:
            for c in driver.children(recursive=True):
                seen.setdefault(c.pid, c)
                side = side or "pipeline.side" in " ".join(c.cmdline())
        except psutil.NoSuchProcess:
            pass
        if "report.tmp" in siblings(out):
            building_since = building_since or time.time()
            if side or time.time() - building_since > 0.5:
                break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert building_since is not None, "the run ended before the report was written"
    left = siblings(out)
    assert left == ["report.tmp"], f"the kill landed after the swap: {left}"
    # The previous report is whole: every page and table as it was.
    assert _snapshot(out) == before
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["run_id"] == info["run_id"]
    # No process of the killed run goes on (pool workers, report side processes).
    t = time.time()
    alive = list(seen.values())
    while alive and time.time() - t < 10:
        alive = [c for c in alive if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    assert not alive, [" ".join(c.cmdline()) for c in alive]

    again = litmap(*run_args(corpus, cfg, out))
    assert again.returncode == 0, again.stderr
    assert siblings(out) == []  # the killed run's half-built folder is gone
    docs = (out / "data" / "documents.csv").read_text(encoding="utf-8")
    assert "w005.md" in docs

    # A report written before run.json carried litmap's signature is still recognised, and a
    # user's file dropped into a report folder is never deleted with it.
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    for k in ("generator", "entries", "version"):
        info.pop(k)
    (out / "run.json").write_text(json.dumps(info), encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    p = litmap(*run_args(corpus, cfg, out))
    assert p.returncode == 2 and "notes.txt" in p.stderr, p.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    (out / "notes.txt").unlink()
    p = litmap(*run_args(corpus, cfg, out))
    assert p.returncode == 0, p.stderr
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["generator"] == "litmap"

    # Killed between the swap's two renames, the previous report is whole in report.old: the
    # next run puts it back.
    kept = _snapshot(out)
    out.rename(out.with_name("report.old"))
    p = litmap(*run_args(corpus, cfg, out))
    assert p.returncode == 0, p.stderr
    assert "put back the previous report" in p.stderr
    assert siblings(out) == [] and _snapshot(out) == kept


# -- small and odd corpora ---------------------------------------------------------------------

def _one_sentence(c: Path) -> str:
    (c / "one.txt").write_text("数字资本主义正在改变世界经济的格局。\n", encoding="utf-8")
    return "too little text for a word2vec model: "


def _metadata_only(c: Path) -> str:
    shutil.copy(SHARED / "corpora" / "cnki" / "download_refworks.txt", c / "download_refworks.txt")
    return "too little text for a word2vec model: "


def _every_paper_failed(c: Path) -> str:
    (c / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (c / "empty.txt").write_bytes(b"")
    return "too little text for a topic model: 0 unit(s)"


@pytest.mark.parametrize("make", [_one_sentence, _metadata_only, _every_paper_failed])
def test_small_and_odd_corpora_finish_and_say_why_models_are_empty(tmp_path: Path, make) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reason = make(corpus)
    out = tmp_path / "report"
    p = litmap(*run_args(corpus, make_config(tmp_path), out))
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and "section failed" not in p.stderr
    # The front page and the section pages (word2vec's reason is on similar.html).
    html = "".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.html")))
    assert reason in html, reason
    assert 'class="failed"' not in html
    for table in ("documents", "references", "concept_mentions", "topics", "doc_topics", "cooccurrence"):
        assert (out / "data" / f"{table}.csv").is_file(), table  # the contract's tables, empty or not


# -- --strict and failed report sections ---------------------------------------------------------

def test_strict_exits_1_when_a_report_section_failed(tmp_path: Path, monkeypatch, capsys) -> None:
    from pipeline import cli
    from pipeline.models import vectors_stage as model_stages

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    shutil.copy(SHARED / "corpora" / "works" / "w005.md", corpus / "w005.md")
    cfg = make_config(tmp_path)
    out = tmp_path / "report"
    real = model_stages.compute_vectors

    def drifted(ctx):  # the real stage, its rows in a shape the similar-papers section cannot read
        res = real(ctx)
        assert res["similar"], "two papers should have similar-paper rows"
        res["similar"] = [{k: v for k, v in r.items() if k != "doc_id"} for r in res["similar"]]
        return res

    monkeypatch.setattr(model_stages, "compute_vectors", drifted)
    assert cli.main(run_args(corpus, cfg, out)) == 0  # without --strict the run still finishes
    first = capsys.readouterr()
    assert "failed: report section similar_papers failed: KeyError" in first.err
    assert "report section(s) failed" in first.out
    # The failure box stands on the section's page, and the front page names the failed part.
    assert 'class="failed"' in (out / "similar.html").read_text(encoding="utf-8")
    assert re.search(r'class="failed">[^<]*<a href="similar.html"', (out / "index.html").read_text(encoding="utf-8"))
    # The same corpus again: the report is kept, and so is what failed in it.
    assert cli.main(run_args(corpus, cfg, out, "--strict")) == 1
    again = capsys.readouterr()
    assert "pages kept" in again.err
    assert "failed: report section similar_papers failed: KeyError" in again.err


# -- honest store errors --------------------------------------------------------------------------

def test_a_busy_a_corrupt_and_an_unwritable_store_each_say_so(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("数字资本主义。\n", encoding="utf-8")

    def run_with_store(store: Path) -> subprocess.CompletedProcess:
        cfg = tmp_path / "store.yaml"
        cfg.write_text(f"store:\n  path: {json.dumps(str(store))}\n", encoding="utf-8")
        return litmap(*run_args(corpus, cfg, tmp_path / "report"))

    # busy: another process holds the store
    busy = tmp_path / "busy.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(60)", str(busy)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        p = run_with_store(busy)
    finally:
        holder.kill()
        holder.wait()
    assert p.returncode == 1, p.stderr
    assert str(busy) in p.stderr and "in use by another process" in p.stderr and "Traceback" not in p.stderr

    # corrupt: not a DuckDB file at all, and a real store cut short
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"these are not the blocks of a database\n" * 100)
    good = tmp_path / "good.duckdb"
    import duckdb

    con = duckdb.connect(str(good))
    con.execute("CREATE TABLE t AS SELECT range AS a FROM range(100000)")
    con.close()
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(good.read_bytes()[:good.stat().st_size // 3])
    for bad in (junk, cut):
        size = bad.stat().st_size
        p = run_with_store(bad)
        assert p.returncode == 2, p.stderr
        assert str(bad) in p.stderr and "not a readable DuckDB database" in p.stderr and "Move it aside" in p.stderr
        assert "Traceback" not in p.stderr
        assert bad.stat().st_size == size  # never "repaired" by overwriting

    # not writable: the store's folder is a file (fails as root too)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    p = run_with_store(blocker / "store.duckdb")
    assert p.returncode == 2, p.stderr
    assert "cannot create or write the store" in p.stderr and str(blocker) in p.stderr and "Traceback" not in p.stderr


# -- a killed run leaves no worker computing --------------------------------------------------------

def test_killed_driver_leaves_no_worker_computing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(60):  # distinct bytes: each is parsed and segmented
        (corpus / f"p{i:02d}.txt").write_text(f"第{i}号\n" + text, encoding="utf-8")
    cfg = make_config(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                             "--out", str(tmp_path / "report"), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = psutil.Process(proc.pid)
    workers: list[psutil.Process] = []
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            busy = []
            for c in driver.children(recursive=True):
                try:
                    if c.cpu_percent(interval=0.1) > 20:
                        busy.append(c)
                except psutil.NoSuchProcess:
                    pass
            if len(busy) >= 2:
                workers = busy
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(workers) >= 2, "the workers never got busy"
    t = time.time()
    alive = workers
    while alive and time.time() - t < 5:
        alive = [w for w in alive if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    for w in alive:  # do not leave them to the rest of the suite
        w.kill()
    assert not alive, f"{len(alive)} worker(s) still running 5 s after the driver was killed"


def test_report_side_process_ends_with_a_killed_driver(tmp_path: Path) -> None:
    # A driver that started a side process (figures, pyLDAvis, tables) and is then killed.
    script = ("import sys, time\n"
              "from pipeline.report.background import Job\n"
              "job = Job(time.sleep, (120,), side=True)\n"
              "print(job.proc.pid, flush=True)\n"
              "time.sleep(120)\n")
    driver = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    side = psutil.Process(int(driver.stdout.readline()))
    time.sleep(1.0)  # the side process has read its work and is running it
    assert side.is_running() and side.status() != psutil.STATUS_ZOMBIE
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    try:
        side.wait(timeout=5)
    except psutil.TimeoutExpired:
        side.kill()
        pytest.fail("the report side process outlived its driver by 5 s")
