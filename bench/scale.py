"""Scale benchmark (issues 7 and 19): corpora of N distinct papers of about 30 KB each.

Each paper is a random (seeded) mix of real paragraphs — the founding paper's and CSL abstracts —
with a real author name and a year in front matter. For each N it first times the bare script a
researcher would write instead (``bench/baseline.py``: jieba + gensim LdaModel, k=20, 10
passes) on the same corpus, then ``litmap run`` with ``topics.k: 20``, and prints litmap's time
as a ratio to the script's, in all and stage by stage; then the time of a second run with
``--update`` after adding one paper, and the floor under it (a run with nothing new, and the
imports an update cannot skip: the model code with gensim in the driver, spaCy in the worker
beside it). Peak resident memory is sampled with psutil, both for the largest process and
summed over every process of the run.

    python bench/scale.py [N ...]        (default: 100 1000 10000)
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import bare_script, watch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def real_paragraphs() -> list[str]:
    body = (SHARED / "gold" / "seed" / "body.txt").read_text(encoding="utf-8").splitlines()
    paras = [p for p in body if len(p) > 80]
    for line in (SHARED / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            paras.append(json.loads(line)["abstract"])
    return paras


def authors() -> list[str]:
    works = json.loads((SHARED / "gold" / "works.json").read_text(encoding="utf-8"))
    return sorted({a for w in works.values() for a in w["authors"]} | {"陈灏", "钟锦宸"})


def make_paper(rng: random.Random, paras: list[str], names: list[str], i: int, size: int = 30_000) -> str:
    title = f"{rng.choice(paras)[:18]}的研究（{i}）"
    fm = {"title": title, "authors": rng.sample(names, rng.choice([1, 1, 2])), "year": rng.randint(2015, 2025)}
    parts, n = [], 0
    heading = 0
    while n < size:
        if n == 0 or rng.random() < 0.08:
            heading += 1
            parts.append(f"{'一二三四五六七八九十'[min(heading, 10) - 1]}、{rng.choice(paras)[:12]}")
        p = rng.choice(paras)
        parts.append(p)
        n += len(p.encode("utf-8"))
    return "---\n" + yaml.safe_dump(fm, allow_unicode=True) + "---\n" + title + "\n\n" + "\n\n".join(parts) + "\n"


def run_and_watch(cmd: list[str]) -> tuple[float, float, str, float]:
    """Wall time, peak RSS (MB) of the largest process in the tree, stdout with the run's stage
    lines, and the peak of the tree's summed RSS (MB)."""
    secs, largest, total, out, err = watch(cmd)
    # the run's own stage lines: time and the driver's resident memory after each stage
    stages = "; ".join(x.strip() for x in err.splitlines() if " rss " in x)
    return secs, largest, out.strip() + "\n         stages: " + stages, total


def bench(n: int, paras: list[str], names: list[str]) -> None:
    rng = random.Random(n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        corpus.mkdir()
        total = 0
        for i in range(n):
            text = make_paper(rng, paras, names, i)
            total += len(text.encode("utf-8"))
            (corpus / f"p{i:05d}.md").write_text(text, encoding="utf-8")
        cfg = tmp / "cfg.yaml"
        cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp / "s.duckdb")}, "topics": {"k": 20}}), encoding="utf-8")
        base, base_peak = bare_script(corpus)
        cmd = [sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
               "--out", str(tmp / "report")]
        full, peak1, out1, tree1 = run_and_watch(cmd)
        t_full = json.loads((tmp / "report" / "run.json").read_text(encoding="utf-8"))["timings"]
        (corpus / "new.md").write_text(make_paper(rng, paras, names, n + 1), encoding="utf-8")
        upd, peak2, out2, tree2 = run_and_watch(cmd + ["--update"])
        timings = json.loads((tmp / "report" / "run.json").read_text(encoding="utf-8"))["timings"]
        # The floor under any update: a run with nothing new (interpreter, store, every result
        # cached), and importing what an update must use: in the driver the model code with
        # gensim (as litmap imports it, models/gensim_import.py), to fold the new paper into
        # the topic and word2vec models; in the worker beside it spaCy, for the paper's features
        # (as litmap imports it, text/spacy_import.py).
        same, _p, _o, _t = run_and_watch(cmd + ["--update"])
        libs, _p, _o, _t = run_and_watch([sys.executable, "-c", "import pipeline.cli, pipeline.models.vectors, "
                                          "pipeline.models.topic_stage"])
        nlp, _p, _o, _t = run_and_watch([sys.executable, "-c", "import pipeline.text.spacy_import"])
        print(f"N={n:>6} ({total / 2**20:.1f} MB): bare script {base:.1f} s (peak {base_peak:.0f} MB over its tree)")
        print(f"         full run {full:.1f} s = {full / base:.2f}x the script, peak {peak1:.0f} MB largest process, "
              f"{tree1:.0f} MB over all processes | +1 paper --update {upd:.1f} s ({100 * upd / full:.1f}% of full), "
              f"peak {peak2:.0f} MB, {tree2:.0f} MB over all")
        print(f"         floor of an update: a run with nothing new {same:.1f} s ({100 * same / full:.1f}% of full); "
              f"importing the model code with gensim {libs:.1f} s ({100 * libs / full:.1f}%), "
              f"spaCy beside it {nlp:.1f} s")
        print("         stage / script: " + ", ".join(f"{k} {v / base:.2f}x" for k, v in t_full.items()
                                                   if isinstance(v, (int, float))))
        print(f"         full: {out1}")
        print(f"         update: {out2}")
        print(f"         full stage timings: {t_full}")
        print(f"         update stage timings: {timings}")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 10000]
    paras, names = real_paragraphs(), authors()
    for n in sizes:
        bench(n, paras, names)


if __name__ == "__main__":
    main()
