"""`--executor dask` runs the per-document stages on a dask.distributed cluster with the same results."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SEED, SHARED, make_config

TABLES = ("documents.csv", "references.csv", "topics.csv", "doc_topics.csv", "concept_mentions.csv", "cooccurrence.csv")


def test_dask_and_local_give_identical_tables(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # a dozen works, the seed and an export: every reader and stage, at a third of the run time
    for work in sorted((SHARED / "corpora" / "works").glob("*.md"))[:12]:
        shutil.copy(work, corpus / work.name)
    shutil.copy(SEED, corpus / "seed.txt")
    shutil.copy(SHARED / "corpora" / "cnki" / "download_endnote.txt", corpus / "endnote.txt")
    outs = {}
    for executor in ("local", "dask"):
        d = tmp_path / executor
        d.mkdir()
        cfg = make_config(d)
        p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                            "--out", str(d / "report"), "--executor", executor, "--workers", "2"],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert "processed 14" in p.stdout
        outs[executor] = d / "report" / "data"
    for table in TABLES:
        assert (outs["local"] / table).read_bytes() == (outs["dask"] / table).read_bytes(), table
