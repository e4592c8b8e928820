"""The contract's commands and JSON shapes, end to end through the `litmap` command."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SEED, make_config


def litmap(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, input=stdin)


def test_version_parse_refs_segment(tmp_path: Path) -> None:
    assert litmap("--version").stdout.startswith("litmap ")
    d = json.loads(litmap("parse", str(SEED), "--json").stdout)
    assert set(d) >= {"doc_id", "source", "encoding", "script", "warnings", "meta", "sections", "footnotes", "citations"}
    assert len(d["footnotes"]) == 77 and d["footnotes"][54]["refs"][0]["authors"] == ["温旭"]
    bad = tmp_path / "x.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    p = litmap("parse", str(bad))
    assert p.returncode == 1 and "binary" in p.stderr
    refs = json.loads(litmap("refs", "-", "--json", stdin="参见毛小骅、卢获：《论数字资本的多重属性》，《经济学动态》2024年第9期。\n"
                             "程恩富. 论新帝国主义的五大特征[J]. 马克思主义研究, 2019(5): 5-16.\n").stdout)
    assert len(refs) == 2 and refs[0][0]["authors_canonical"] == ["毛小骅", "卢荻"] and refs[1][0]["year"] == 2019
    assert litmap("segment", "“中心－散点”与數字食利國").stdout.split() == ["“", "中心—散点", "”", "与", "数字食利国"]


def test_trace_over_a_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    cfg = make_config(tmp_path)
    out = tmp_path / "report"
    assert litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out)).returncode == 0
    p = litmap("trace", "數字食利國", "--out", str(out), "--config", str(cfg), "--json")
    assert p.returncode == 0, p.stderr
    t = json.loads(p.stdout)
    assert set(t) >= {"concept", "variants", "mentions", "users", "first_use", "spread", "cooccurring", "neighbors"}
    assert t["concept"] == "数字食利国" and t["first_use"]["author"] == "温旭" and t["first_use"]["year"] == 2024
    assert {(e["from"], e["to"]) for e in t["spread"]} >= {("温旭", "陈灏"), ("温旭", "钟锦宸")}
    assert any(a["authors"] == ["温旭"] for m in t["mentions"] for a in m["attributed"])
    # issue 17: definitions in the trace and in data/definitions.csv
    assert [(d["definer"], d["definer_footnote"]) for d in t["definitions"]] == [("温旭", 55)]
    assert (out / "data" / "definitions.csv").read_text(encoding="utf-8").splitlines()[0] == \
        "concept,definer,definer_footnote,year,doc_id,where,sentence,cue,kind"
    free = litmap("trace", "资本积累", "--out", str(out), "--config", str(cfg), "--json")
    assert free.returncode == 0 and json.loads(free.stdout)["mentions"]
    assert litmap("trace", "不存在的概念词", "--out", str(out), "--config", str(cfg)).returncode == 1
