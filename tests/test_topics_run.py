"""Topics through `litmap run`: reproducible tables, --update folds a new paper in."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from conftest import SEED, SHARED, make_config


def litmap_run(corpus: Path, tmp: Path, *extra: str, **sections: dict) -> tuple[subprocess.CompletedProcess, float]:
    cfg = make_config(tmp, **sections)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                        "--out", str(tmp / "report"), *extra], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p, time.perf_counter() - t


def test_two_full_runs_give_identical_tables(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    outs = []
    # K fixed, as a researcher sets it: the fit and the author-topic model then run in a side
    # process while the driver computes the stages that need no topics (models/topic_stage.py);
    # the second run is given one process, and computes both in the driver. (Auto K's
    # reproducibility: tests/test_topics.py.)
    for name, extra in (("a", ()), ("b", ("--workers", "1"))):
        d = tmp_path / name
        d.mkdir()
        # word2vec allowed on the seed's few thousand tokens, so that it trains in a side process
        # and the terms stage is computed in the driver meanwhile (runner/corpus.py while_waiting)
        p, _ = litmap_run(corpus, d, *extra, topics={"k": 4}, vectors={"word2vec": {"min_tokens": 1000}})
        assert ("the fit and the author-topic model of" in p.stderr
                and "run in a side process beside the stages that need no topics" in p.stderr) == (name == "a")
        assert ("terms: run while vectors waits for its side processes" in p.stderr) == (name == "a")
        assert ("one after the other in a side process beside the similar papers and other stages"
                in p.stderr) == (name == "a")
        # The figures of the topics and concepts results are drawn beside the later stages, and
        # the report takes them (report/early_figures.py); with one process it draws them itself.
        assert ("figures of the topics result drawn in a side process" in p.stderr) == (name == "a")
        if name == "a":
            # The concepts stage ran while the topic fit did; its figure's process starts once
            # the topics stage has ended, not beside that stage's end, the run's memory peak
            # (runner/corpus.py ``start_early``).
            lines = p.stderr.splitlines()
            first = lambda text: next(i for i, line in enumerate(lines) if text in line)  # noqa: E731
            assert first("concepts: computed") < first("topics: computed") < \
                first("figures of the concepts result drawn in a side process")
        outs.append(d / "report" / "data")
    assert len(pd.read_csv(outs[0] / "author_topics.csv")) > 0
    figures = sorted(p.name for p in (outs[0].parent / "figures").iterdir())
    assert "topic_by_year.png" in figures and "concept_timelines.png" in figures
    for name in figures:  # drawn early in a side process, and by the report itself: the same bytes
        assert (outs[0].parent / "figures" / name).read_bytes() == (outs[1].parent / "figures" / name).read_bytes(), name
    for table in ("topics.csv", "doc_topics.csv", "documents.csv", "references.csv", "concept_mentions.csv",
                  "cooccurrence.csv", "author_topics.csv", "term_candidates.csv", "similar_papers.csv"):
        assert (outs[0] / table).read_bytes() == (outs[1] / table).read_bytes(), table
    # (citation apparatus in topics: tests/test_topics.py, on input that holds it; here the
    # content tokens the runner gives the model have none, so a check would prove nothing)
    dt = pd.read_csv(outs[0] / "doc_topics.csv")
    assert dt.unit_id.str.contains(":p").all()  # one paper alone is modelled by paragraph
    assert (dt.weight >= 0.01).all()


def test_update_folds_a_new_paper_into_the_model(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SHARED / "corpora" / "works", corpus)
    shutil.copy(SEED, corpus / "seed.txt")
    first = tmp_path / "first"
    first.mkdir()
    litmap_run(corpus, first)
    new = corpus / "new_paper.txt"
    text = SEED.read_text(encoding="utf-8")
    new.write_text("数字资本与平台垄断的新变化\n\n" + text[len(text) // 2:], encoding="utf-8")
    # the same store twice: one run refits with the new paper, the other folds it in
    for mode in ("refit", "update"):
        d = tmp_path / mode
        shutil.copytree(first, d)
        p, _ = litmap_run(corpus, d, *(["--update"] if mode == "update" else []))
        assert f"mode {mode}" in p.stdout and "processed 1," in p.stdout
    d = tmp_path / "update"
    report = (d / "report" / "report.md").read_text(encoding="utf-8")
    assert "增量更新 update" in report
    docs = pd.read_csv(d / "report" / "data" / "documents.csv")
    new_id = docs[docs.source.str.endswith("new_paper.txt")].doc_id.iloc[0]
    dt = pd.read_csv(d / "report" / "data" / "doc_topics.csv")
    assert new_id in set(dt.doc_id)
    # metadata-only records are too short to fit but still get topics
    record_ids = set(docs[docs.source.str.contains("works")].doc_id)
    assert len(record_ids & set(dt.doc_id)) >= len(record_ids) - 2
    # The pages of papers the new one does not touch are kept from the previous report, and a
    # kept page is the page a full rewrite of the same report makes.
    assert "paper pages kept from the previous report" in p.stderr
    fresh = tmp_path / "fresh"
    shutil.copytree(d, fresh)
    shutil.rmtree(fresh / "report")
    litmap_run(corpus, fresh)
    pages = sorted((d / "report" / "papers").glob("*.html"))
    assert len(pages) == len(docs) and pages
    stamp = re.compile(r"<footer.*?</footer>", re.DOTALL)  # when the page was written
    for page in pages:
        again = fresh / "report" / "papers" / page.name
        assert stamp.sub("", page.read_text(encoding="utf-8")) == stamp.sub("", again.read_text(encoding="utf-8")), page.name
    # Folding in is not refitting: K and its selection curve stay those of the last refit (a
    # refit with the new paper scores the K grid again). Its speed: bench/scale.py, bench/topics_fit.py.
    curve = {m: (tmp_path / m / "report" / "data" / "k_curve.csv").read_bytes() for m in ("first", "refit", "update")}
    assert curve["update"] == curve["first"]
    assert curve["refit"] != curve["first"]  # else the check above could not tell the two apart
    topic_ids = {m: list(pd.read_csv(tmp_path / m / "report" / "data" / "topics.csv").topic_id) for m in ("first", "update")}
    assert topic_ids["update"] == topic_ids["first"]
    # Concept mentions and co-occurrence are sums over documents: folding the new paper into the
    # stored sums gives exactly what recounting the corpus gives.
    for table in ("concept_mentions.csv", "cooccurrence.csv"):
        a = (tmp_path / "refit" / "report" / "data" / table).read_bytes()
        assert a == (d / "report" / "data" / table).read_bytes(), table
    mentions = pd.read_csv(d / "report" / "data" / "concept_mentions.csv")
    assert (mentions.doc_id == new_id).sum() > 0
    sim = pd.read_csv(d / "report" / "data" / "similar_papers.csv")
    assert new_id in set(sim.doc_id) and new_id in set(sim.similar_doc_id)  # half the seed: close to the seed
    terms = pd.read_csv(d / "report" / "data" / "term_candidates.csv")
    assert "数字—金融" in set(terms.term)


def test_a_fixed_k_larger_than_the_corpus_holds_is_fitted_smaller_and_said(tmp_path: Path) -> None:
    # The works' records are mostly titles (4 carry an abstract) beside the seed: topics.k 6 is
    # more topics than the fitted units and their words can make. scikit-learn's NMF raised
    # there and the whole run stopped; now the model is fitted with as many as they hold.
    corpus = tmp_path / "corpus"
    shutil.copytree(SHARED / "corpora" / "works", corpus)
    shutil.copy(SEED, corpus / "seed.txt")
    p, _ = litmap_run(corpus, tmp_path, topics={"k": 6})
    page = (tmp_path / "report" / "topics.html").read_text(encoding="utf-8")
    said = re.search(r"topics\.k 6 is more than (\d+) fitted units over (\d+) words can hold: fitted with (\d+) topics",
                     page)
    assert said, page[:2000]
    units, words, k = (int(g) for g in said.groups())
    assert k == min(units, words) < 6
    assert len(pd.read_csv(tmp_path / "report" / "data" / "topics.csv")) == k
