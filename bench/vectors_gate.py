"""How reproducible word2vec neighbours are at each corpus size: the figures behind
``vectors.word2vec.min_tokens`` and ``evidence.neighbours.min_overlap`` (issue 15).

For each corpus, the two models the vectors stage trains (``seed`` and ``stability_seed``, the
default settings, one after the other) on its sentences; prints the tokens, the time of one model and
of the pair, the median top-k overlap of the 200 commonest words, the median by word frequency,
and how many of the 50 commonest words pass the gate. Corpora: the seed paper; the seed and the
38 works (metadata records); the first N CSL abstracts (title + abstract, one sentence each).

    python bench/vectors_gate.py [N_CSL ...]   (default 300 1000 2000)
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def sentences(texts: list[str]) -> list[list[str]]:
    import re

    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    seg, stop = Segmenter({"backend": "rjieba"}), load_stopwords()
    out = [content_tokens(seg.cut(s), stop) for t in texts for s in re.split(r"[。！？；\n]", t) if s.strip()]
    return [s for s in out if s]


def paper_texts(paths: list[Path]) -> list[str]:
    from pipeline.api import parse

    out = []
    for p in paths:
        paper = parse(p)
        out += [paper.meta.title or "", paper.meta.abstract or ""] + [x.text for x in paper.paragraphs()]
    return out


def measure(name: str, sents: list[list[str]]) -> None:
    from pipeline.models.vectors import NeighbourGate, median_overlap, neighbour_overlap, train_word2vec
    from pipeline.models.vectors_stage import train_pair
    from pipeline.settings import defaults

    w2, ev = defaults()["vectors"]["word2vec"], defaults()["evidence"]["neighbours"]
    k = ev["top"]
    t = time.perf_counter()
    train_word2vec(sents, vector_size=w2["vector_size"], window=w2["window"], min_count=w2["min_count"],
                   seed=w2["seed"], workers=1, epochs=w2["epochs"])
    one = time.perf_counter() - t
    t = time.perf_counter()
    a, b = train_pair(sents, w2)
    pair = time.perf_counter() - t
    freq = Counter(w for s in sents for w in s)
    bins = {}
    for lo, hi in ((2, 5), (5, 20), (20, 50), (50, 10**9)):
        words = [w for w, c in freq.items() if lo <= c < hi and w in a.wv][:300]
        if words:
            bins[f"{lo}-{hi if hi < 10**9 else ''}"] = round(statistics.median(
                neighbour_overlap(a, b, w, k) for w in words), 2)
    gate = NeighbourGate(a, b, k, ev["min_overlap"])
    shown = sum(1 for w in a.wv.index_to_key[:50] if gate.neighbours(w)[0])
    print(f"{name}: {sum(map(len, sents)):,} tokens, vocabulary {len(a.wv):,}; one model {one:.2f} s, "
          f"the pair (seed and stability_seed) {pair:.2f} s; median overlap@{k} of the 200 commonest words "
          f"{median_overlap(a, b, k)}; by frequency {bins}; gate open for {shown}/50 commonest words", flush=True)


def main(sizes: list[int]) -> None:
    seed = sorted((SHARED / "corpora" / "seed").glob("*.txt"))
    works = sorted((SHARED / "corpora" / "works").glob("*"))
    measure("seed paper", sentences(paper_texts(seed)))
    measure("seed + 38 works", sentences(paper_texts(seed + works)))
    rows = [json.loads(x) for x in (SHARED / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines()
            if x.strip()]
    for n in sizes:
        measure(f"{n} CSL abstracts", sentences([r["title"] + "。" + r["abstract"] for r in rows[:n]]))


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [300, 1000, 2000])
