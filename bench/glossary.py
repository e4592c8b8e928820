"""Foreign originals (丹·席勒（Dan Schiller）) against the founding paper's gold, and speed on a long line.

Prints precision, recall and exact-head accuracy on the gold half (lines 1-143 of the seed,
../shared/gold/seed/glossary.jsonl), every pair found in the whole seed through the code the
glossary stage runs (title, abstract, funding note, body sentences, footnotes of the parsed
paper), the pairs found in ../shared/corpora/headers and works, and the time to read a 15 MB
line of pathological text (brackets without a close, long Han runs, quotes without an opener).

Run: python bench/glossary.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import api  # noqa: E402
from pipeline.concepts.glossary import find_glosses, load_rules, paper_glosses  # noqa: E402

SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = SHARED / "gold" / "seed" / "glossary.jsonl"
GOLD_LAST_LINE = 143  # the gold covers lines 1-143 (gold README)


def main() -> None:
    rules = load_rules()
    gold = [json.loads(ln) for ln in GOLD.read_text(encoding="utf-8").splitlines() if ln.strip()]
    lines = SEED.read_text(encoding="utf-8").split("\n")
    found = [(n, g) for n, ln in enumerate(lines[:GOLD_LAST_LINE], 1) for g in find_glosses(ln, rules)]
    pred = {(g.zh, g.foreign) for _n, g in found}
    want = {(g["zh"], g["foreign"]) for g in gold}
    tp = len(pred & want)
    by_foreign = {g.foreign: g.zh for _n, g in found}
    heads = sum(by_foreign.get(g["foreign"]) == g["zh"] for g in gold if g["foreign"] in by_foreign)
    kinds = {(g.zh, g.foreign): g.kind for _n, g in found}
    kind_ok = sum(kinds.get((g["zh"], g["foreign"])) == g["kind"] for g in gold)
    print(f"gold half (lines 1-{GOLD_LAST_LINE}): {len(want)} gold pairs, {len(pred)} found")
    print(f"  precision {tp / len(pred) if pred else 0:.3f}  recall {tp / len(want):.3f}  "
          f"exact head {heads}/{sum(g['foreign'] in by_foreign for g in gold)}  kind {kind_ok}/{len(want)}")
    for g in sorted(want - pred):
        print("  missed:", g)
    for g in sorted(pred - want):
        print("  extra:", g)

    paper = api.parse(SEED).to_store_dict()
    whole = paper_glosses(paper, rules)
    print(f"\nwhole seed through the stage's reader: {len(whole)} pairs")
    for g in whole:
        print(f"  {g.where:9s} {g.kind:12s} {g.zh}（{g.foreign}）" + (f"  [{g.explanation}]" if g.explanation else ""))
    half = {(g.zh, g.foreign) for g in whole} & want
    print(f"  gold pairs among them: {len(half)}/{len(want)}")

    others = sorted((SHARED / "corpora" / "headers").glob("*.txt")) + sorted((SHARED / "corpora" / "works").glob("*.md"))
    print(f"\n{len(others)} header and works texts:")
    for p in others:
        for g in find_glosses(p.read_text(encoding="utf-8", errors="replace"), rules):
            print(f"  {p.name:10s} {g.kind:12s} {g.zh}（{g.foreign}）")

    unit = "数字资本（" + "学" * 40 + "“未闭合（Dan" + "丹·" * 20 + "(" + "a" * 30 + "经济学家丹·席勒（Dan Schiller）"
    line = unit * (15_000_000 // len(unit))
    t = time.perf_counter()
    n = len(find_glosses(line, rules))
    dt = time.perf_counter() - t
    print(f"\n15 MB line ({len(line):,} chars, {n:,} pairs): {dt:.1f} s, {len(line) / dt / 1e6:.2f} M chars/s")


if __name__ == "__main__":
    main()
