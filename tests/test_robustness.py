"""Bad input never stops a batch: each file gets a clear message, nothing is lost or run."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from conftest import SEED, SHARED, make_config


def run(corpus: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    cfg = make_config(tmp)
    return subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                           "--out", str(tmp / "report"), *extra], capture_output=True, text=True)


def test_a_batch_of_bad_files_goes_on(tmp_path: Path) -> None:
    c = tmp_path / "corpus"
    (c / "子目录 with space").mkdir(parents=True)
    shutil.copy(SEED, c / "子目录 with space" / "陈灏 钟锦宸 (副本).txt")
    # ~1 MB on one line: real abstracts run together with no line break at all (the 15 MB shapes
    # and their linearity are bench/adversarial.py's and tests/test_linear.py's: here the point is
    # that such a file is read, stored and reported beside the others)
    abstracts = "".join(json.loads(x)["abstract"] for x in (SHARED / "data" / "csl" / "csl_2000.jsonl")
                        .read_text(encoding="utf-8").splitlines() if x.strip())
    (c / "huge_one_line.txt").write_text(abstracts * (1_000_000 // len(abstracts.encode("utf-8")) + 1), encoding="utf-8")
    (c / "zero_width.txt").write_text("数字\u200b食利国与中心\u200d—散点\n\n“数字\u200b食利国”的兴起。\n", encoding="utf-8")
    (c / "mixed.txt").write_text("數字帝國主義與数字资本主义\n\n中心-外圍结构的分析。\n", encoding="utf-8")
    (c / "broken_refworks.txt").write_text("RT Journal Article\nA1 王伟;\nT1 数字资本\nYR 20x4\nIS ab\n\nRT Journal Article\n"
                                         "garbage line without a tag\nA1 ;\n", encoding="utf-8")
    (c / "empty.md").write_text("", encoding="utf-8")
    (c / "binary.txt").write_bytes(os.urandom(4096))
    (c / "notes.txt~").write_text("backup", encoding="utf-8")
    (c / "xss.txt").write_text("<script>alert('x')</script>标题\n\n正文<img src=x onerror=alert(1)>。\n", encoding="utf-8")
    os.symlink(c, c / "loop")  # a symlink loop must not hang the walk
    p = run(c, tmp_path)
    assert p.returncode == 0, p.stderr
    docs = pd.read_csv(tmp_path / "report" / "data" / "documents.csv")
    status = {Path(s.split("#")[0]).name: st for s, st in zip(docs.source, docs.status)}
    assert status["陈灏 钟锦宸 (副本).txt"] == "ok"
    assert status["huge_one_line.txt"] == "ok"
    assert status["zero_width.txt"] == "ok" and status["mixed.txt"] == "ok"
    assert status["broken_refworks.txt"] == "ok"  # records kept, problems as warnings
    assert status["empty.md"] == "failed" and status["binary.txt"] == "failed"
    assert status["notes.txt~"] == "skipped"
    assert docs[docs.source.str.contains("huge_one_line")].n_paragraphs.iloc[0] >= 1
    for page in ("index.html", "documents.html"):  # the front page and the documents table
        html = (tmp_path / "report" / page).read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html, page
    assert "&lt;script&gt;" in html
    zw = docs[docs.source.str.endswith("zero_width.txt")].iloc[0]
    assert "zero-width" in zw.warnings


def test_killed_run_resumes_without_redoing_or_losing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = SEED.read_text(encoding="utf-8")
    n = 90
    for i in range(n):  # distinct papers: each a different slice of real text
        (corpus / f"paper_{i:03d}.txt").write_text(f"第{i}号论文\n\n" + text[i * 300:] + f"\n\n补记{i}。\n", encoding="utf-8")
    # A smaller word2vec sample: what is tested is the resume, and two models on the default
    # 150,000-token sample would be a third of the run.
    # Batches of 16 documents by count alone, so the kill can land between two commits. (Of 8,
    # a fast machine committed a batch every 0.3 s, and the log never stood still for the wait
    # below until all 90 were in.)
    cfg = make_config(tmp_path, runner={"workers": 1, "store_batch": 16, "store_batch_s": 1000},
                      vectors={"word2vec": {"max_tokens": 30000}})
    args = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
            "--out", str(tmp_path / "report")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    store_path = tmp_path / "store.duckdb"
    wal = tmp_path / "store.duckdb.wal"
    # A batch of 16 of these papers is about 12 MB of write-ahead log, written at its commit;
    # past 16 MB DuckDB checkpoints it into the store file and empties the log. Kill once a
    # batch is in either and neither file has changed for a quarter second (the commit is
    # done; the next batch takes longer), well before all 90 papers are in. Killing on the
    # size alone once landed inside the first commit's write, and nothing was committed;
    # watching the log alone missed every batch a checkpoint had moved into the store file.
    deadline = time.time() + 120
    state, since = None, time.time()
    while time.time() < deadline and proc.poll() is None:
        now = tuple(f.stat().st_size if f.exists() else -1 for f in (wal, store_path))
        if now != state:
            state, since = now, time.time()
        elif max(now) > 1_000_000 and time.time() - since > 0.25:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = duckdb.connect(str(store_path), read_only=True)
    done = con.execute("SELECT count(*) FROM stage_results WHERE stage='parse'").fetchone()[0]
    con.close()
    print(f"killed with {done} of {n} parsed")
    assert 0 < done < n, "the kill should land half-way; make the corpus larger if this fails"
    again = subprocess.run(args, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert f"processed {n - done}," in again.stdout  # nothing finished is redone
    con = duckdb.connect(str(store_path), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone() == (n, n)
    assert con.execute("SELECT count(*) FROM stage_results WHERE stage='parse'").fetchone()[0] == n
    statuses = [r[0] for r in con.execute("SELECT status FROM runs ORDER BY run_id").fetchall()]
    assert statuses == ["aborted", "finished"]
    docs = pd.read_csv(tmp_path / "report" / "data" / "documents.csv")
    assert len(docs) == n and (docs.status == "ok").all()
