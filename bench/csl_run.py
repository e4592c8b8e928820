"""Topic quality through `litmap run` on ../shared/data/csl (issue 5's acceptance measure).

Each of the 2,000 abstracts becomes a `.txt` with YAML front matter (title, keywords) and the
text `TITLE`, a blank line, `摘要：ABSTRACT`; `litmap run` with `topics.k: 13`, `topics.unit: paper`
and otherwise the default config; NMI of each document's top topic (data/doc_topics.csv)
against the 13 categories. Also prints the baseline exactly as the issue defines it.

    python bench/csl_run.py [--no-baseline]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml
from sklearn.metrics import normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
CSL = ROOT.parent / "shared" / "data" / "csl" / "csl_2000.jsonl"


def baseline(rows: list[dict]) -> float:
    import jieba
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [r["title"] + "。" + r["abstract"] for r in rows]
    X = CountVectorizer(tokenizer=jieba.lcut, token_pattern=None).fit_transform(texts)
    labels = [r["category"] for r in rows]
    scores = [normalized_mutual_info_score(labels, LatentDirichletAllocation(n_components=13, random_state=s)
                                           .fit_transform(X).argmax(1)) for s in (0, 1, 2)]
    return sum(scores) / 3


def main() -> None:
    rows = [json.loads(line) for line in CSL.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "csl"
        corpus.mkdir()
        for i, r in enumerate(rows):
            fm = yaml.safe_dump({"title": r["title"], "keywords": r["keywords"]}, allow_unicode=True)
            (corpus / f"{i:04d}.txt").write_text(f"---\n{fm}---\n{r['title']}\n\n摘要：{r['abstract']}\n", encoding="utf-8")
        cfg = tmp / "cfg.yaml"
        cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp / "s.duckdb")}, "topics": {"k": 13, "unit": "paper"}}),
                       encoding="utf-8")
        t = time.perf_counter()
        p = subprocess.run(["litmap", "run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(tmp / "r")],
                           capture_output=True, text=True, cwd=ROOT)
        dt = time.perf_counter() - t
        if p.returncode:
            sys.exit(p.stderr)
        run = json.loads((tmp / "r" / "run.json").read_text(encoding="utf-8"))
        docs = pd.read_csv(tmp / "r" / "data" / "documents.csv")
        topics = pd.read_csv(tmp / "r" / "data" / "doc_topics.csv")
        top = topics.sort_values(["doc_id", "weight", "topic_id"], ascending=[True, False, True]).drop_duplicates("doc_id")
        docs["i"] = docs.source.str.extract(r"(\d{4})\.txt$")[0].astype(int)
        merged = docs.merge(top, on="doc_id", how="left")
        merged["topic_id"] = merged["topic_id"].fillna(-1)
        nmi = normalized_mutual_info_score([rows[i]["category"] for i in merged.i], merged.topic_id)
        print(f"litmap run on CSL (2,000 abstracts, k=13, unit=paper): NMI {nmi:.3f}; run {dt:.1f} s; "
              f"topics stage {run['timings'].get('topics', 0):.1f} s; model {pd.read_csv(tmp / 'r' / 'data' / 'topics.csv').shape[0]} topics")
    if "--no-baseline" not in sys.argv:
        t = time.perf_counter()
        b = baseline(rows)
        print(f"baseline (CountVectorizer(jieba) + sklearn LDA, seeds 0-2): NMI {b:.3f} ({time.perf_counter() - t:.1f} s); "
              f"ratio {nmi / b:.2f} (target >= 2)")


if __name__ == "__main__":
    main()
