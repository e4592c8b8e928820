"""Progress of a run (issue 19): a bar per stage on a terminal with the stage's name, items done
and left and the time left; one line per stage when stderr is not a terminal."""
from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT, SEED
from pipeline.progress import Bar

STAGES = ("parse", "segment", "features", "glossary", "works", "stance", "vectors", "topics", "terms", "concepts",
          "definitions", "shift", "report")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shows_name_done_left_and_eta(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # the narrowest common terminal: the ETA must still fit
    out = _Tty()
    bar = Bar("topics · feat.content", 10, "docs", delay=0, stream=out)
    for _ in range(3):
        bar.update(1)
    bar.close()
    text = out.getvalue()
    assert "topics · feat.content" in text
    assert "3/10 docs" in text and "(7 left)" in text and "ETA 00:0" in text
    assert max(len(x) for x in text.split("\r")) <= 80


def test_no_bar_off_a_terminal():
    out = io.StringIO()
    with Bar("parse", 5, delay=0, stream=out) as bar:
        bar.update(5)
    assert out.getvalue() == ""


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp_path / "s.duckdb")}, "runner": {"progress_after_s": 0}}),
                   encoding="utf-8")
    return cfg


def _cmd(tmp_path: Path, corpus: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(_config(tmp_path)),
            "--out", str(tmp_path / "report")]


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    return corpus


def test_one_line_per_stage_in_a_log(tmp_path):
    """Under a pipe every stage ends with exactly one line naming it with its time (a stage may
    log notes of its own besides), and no bar is drawn."""
    proc = subprocess.run(_cmd(tmp_path, _corpus(tmp_path)), capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stderr.splitlines()
    for stage in STAGES:
        assert sum(1 for x in lines if re.match(rf"{stage}: .*\b\d+\.\d s\b", x)) == 1, (stage, proc.stderr)
    assert "\r" not in proc.stderr and "ETA" not in proc.stderr


def test_bars_on_a_terminal(tmp_path):
    """Under a terminal (a pty) the per-document stages and the corpus stages draw bars with
    their names, counts and an ETA."""
    main, child = pty.openpty()
    proc = subprocess.Popen(_cmd(tmp_path, _corpus(tmp_path)), stdin=child, stdout=child, stderr=child, cwd=ROOT,
                            env={**os.environ, "COLUMNS": "200"})
    os.close(child)
    chunks = []
    while True:
        ready, _, _ = select.select([main], [], [], 1)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=600)
    os.close(main)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, text[-2000:]
    for name in ("parse", "segment", "features", "concepts · feat.concepts"):
        assert re.search(re.escape(name) + r": +\d+%\|.*\| \d+/\d+ \w+ \(\d+ left\) \[[\d:]+, ETA", text), (name, text[-3000:])
