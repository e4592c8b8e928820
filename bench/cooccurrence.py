"""Co-occurrence speed on >= 10,000 real paragraphs: the seed's paragraphs and the CSL abstracts,
repeated until the target count is reached; prints the time of segmentation and of the count.

    python bench/cooccurrence.py [N_PARAGRAPHS]   (target: the count itself under 10 s)
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def main(n: int = 10_000) -> None:
    from pipeline.api import parse
    from pipeline.models.cooccurrence import PairCounter
    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    paper = parse(SHARED / "corpora" / "seed" / "000_085182e16f623625.txt")
    texts = [p.text for p in paper.paragraphs()]
    with open(SHARED / "data" / "csl" / "csl_2000.jsonl", encoding="utf-8") as f:
        texts += [json.loads(line)["abstract"] for line in f]
    seg, stop = Segmenter({"backend": "rjieba"}), load_stopwords()
    t = time.time()
    base = [sorted(set(content_tokens(seg.cut(x), stop))) for x in texts]
    t_seg = time.time() - t
    units = (base * (n // len(base) + 1))[:n]
    t = time.time()
    pairs = PairCounter()  # as the concepts stage counts: running sums over batches of windows
    for i in range(0, len(units), 5_000):
        pairs.add(units[i:i + 5_000])
    df = pairs.table(min_count=2, max_rows=50_000)
    t_cooc = time.time() - t
    print(f"{len(units)} paragraphs ({len(base)} distinct), {sum(map(len, units))} token slots")
    print(f"segment (distinct only): {t_seg:.2f} s")
    print(f"cooccurrence: {t_cooc:.2f} s -> {len(df)} rows  (target < 10 s: {'ok' if t_cooc < 10 else 'SLOW'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
