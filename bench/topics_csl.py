"""Bench: topic model vs CSL disciplinary categories (issue 5 'done when').

Prints the baseline (sklearn LDA on raw jieba counts, seeds 0-2, as the issue defines it), the
pipeline's NMI at k=13 / unit=paper with the default config, and fit times on CSL and the seed.
Run: python bench/topics_csl.py [--no-baseline]
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from sklearn.metrics import normalized_mutual_info_score as nmi

from pipeline.models.topics import TopicUnit, fit_topics
from pipeline.models.topics_tokens import content_tokenizer


def load_csl() -> list[dict]:
    with open(SHARED / "data/csl/csl_2000.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def baseline(rows: list[dict]) -> float:
    import jieba
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [r["title"] + "。" + r["abstract"] for r in rows]
    x = CountVectorizer(tokenizer=jieba.lcut, token_pattern=None).fit_transform(texts)
    labels = [r["category"] for r in rows]
    scores = []
    for s in (0, 1, 2):
        lda = LatentDirichletAllocation(n_components=13, random_state=s)
        scores.append(nmi(labels, lda.fit_transform(x).argmax(axis=1)))
    return sum(scores) / 3


def top_topic(result) -> dict[str, int]:
    best: dict[str, tuple[float, int]] = {}
    for r in result.doc_topics:
        cur = best.get(r["unit_id"])
        if cur is None or r["weight"] > cur[0]:
            best[r["unit_id"]] = (r["weight"], r["topic_id"])
    return {u: t for u, (_, t) in best.items()}


def csl_units(rows, cut, keywords: bool) -> list[TopicUnit]:
    units = []
    for n, r in enumerate(rows):
        text = r["title"] + "。" + r["abstract"]
        toks = cut(text) + (list(r["keywords"]) if keywords else [])
        doc = f"csl{n:04d}"
        units.append(TopicUnit(doc, doc, toks, text=text))
    return units


def seed_units(cut) -> list[TopicUnit]:
    body = (SHARED / "gold/seed/body.txt").read_text(encoding="utf-8").splitlines()
    return [TopicUnit("seed", f"seed:p{i}", cut(p), text=p) for i, p in enumerate(body) if p.strip()]


def main() -> None:
    rows = load_csl()
    cut, name = content_tokenizer()
    print(f"tokenizer: {name}")
    if "--no-baseline" not in sys.argv:
        t0 = time.perf_counter()
        print(f"baseline NMI (sklearn LDA, jieba counts, seeds 0-2): {baseline(rows):.3f} "
              f"({time.perf_counter() - t0:.1f}s)")
    labels = {f"csl{n:04d}": r["category"] for n, r in enumerate(rows)}
    for kw in (True, False):
        units = csl_units(rows, cut, kw)
        t0 = time.perf_counter()
        res = fit_topics(units, {"k": 13, "unit": "paper"})
        dt = time.perf_counter() - t0
        tt = top_topic(res)
        ids = sorted(tt)
        score = nmi([labels[i] for i in ids], [tt[i] for i in ids])
        print(f"litmap topics (k=13, unit=paper, model={res.model_name}, keywords={kw}): "
              f"NMI {score:.3f} over {len(ids)} docs; fit {dt:.1f}s; "
              f"c_v {res.k_curve[0]['c_v']}, npmi {res.k_curve[0]['npmi']}, "
              f"stability {res.k_curve[0]['stability']}")
        if kw:
            for t in res.topics:
                print(f"  {t['topic_id']:2d} {t['label']:<20} {' '.join(t['top_terms'])}")
    units = seed_units(cut)
    t0 = time.perf_counter()
    res = fit_topics(units, {})
    dt = time.perf_counter() - t0
    print(f"seed by paragraph ({len(units)} units, model={res.model_name}, k=auto -> {res.k}): "
          f"fit {dt:.1f}s")
    for r in res.k_curve:
        print(f"  k={r['k']:2d} c_v={r['c_v']:.3f} npmi={r['npmi']:.3f} "
              f"stability={r['stability']:.3f} score={r['score']:.3f}{' *' if r['chosen'] else ''}")
    for t in res.topics:
        print(f"  {t['topic_id']:2d} {t['label']:<20} {' '.join(t['top_terms'])}")


if __name__ == "__main__":
    main()
