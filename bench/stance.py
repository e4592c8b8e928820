"""Stance toward the cited, measured on the founding paper's gold (footnotes 1-38).

    PYTHONPATH=. python bench/stance.py [--gold ../shared/gold/seed/stance.jsonl] [--config configs/stance.yaml]

Parses the seed with ``pipeline.api.parse``, labels every footnote with ``stance_rows`` (what the
``stance`` stage of ``litmap run`` runs) and prints per-class precision, recall and F1, macro-F1
over the labels that occur in the gold, accuracy and the confusion matrix (rows: gold).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = ROOT.parent / "shared" / "gold" / "seed" / "stance.jsonl"


def scores(gold: dict[int, str], pred: dict[int, str]) -> dict[str, Any]:
    """Per-class P/R/F1 over the labels that occur in the gold; macro-F1 is their mean."""
    from pipeline.concepts.stance import LABELS

    out: dict[str, Any] = {"classes": {}}
    ns = sorted(gold)
    for lab in LABELS:
        tp = sum(1 for n in ns if gold[n] == lab and pred.get(n) == lab)
        fp = sum(1 for n in ns if gold[n] != lab and pred.get(n) == lab)
        fn = sum(1 for n in ns if gold[n] == lab and pred.get(n) != lab)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out["classes"][lab] = {"support": tp + fn, "predicted": tp + fp, "precision": p, "recall": r, "f1": f}
    occurring = [lab for lab in LABELS if out["classes"][lab]["support"]]
    out["macro_f1"] = sum(out["classes"][lab]["f1"] for lab in occurring) / len(occurring) if occurring else 0.0
    out["accuracy"] = sum(1 for n in ns if pred.get(n) == gold[n]) / len(ns) if ns else 0.0
    out["confusion"] = {g: {p: sum(1 for n in ns if gold[n] == g and pred.get(n) == p) for p in LABELS} for g in LABELS}
    return out


def seed_predictions(config: str | None = None, paper: Any = None) -> dict[int, dict[str, Any]]:
    from pipeline import api
    from pipeline.concepts.stance import load_lexicon, stance_rows

    p = paper if paper is not None else api.parse(SEED)
    store = p.to_store_dict() if hasattr(p, "to_store_dict") else p
    return {r["footnote_n"]: r for r in stance_rows(store, load_lexicon(config))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(GOLD))
    ap.add_argument("--config", default=None, help="a stance lexicon (default configs/stance.yaml)")
    a = ap.parse_args()
    from pipeline.concepts.stance import LABELS

    gold = {d["n"]: d["label"] for d in map(json.loads, Path(a.gold).read_text(encoding="utf-8").splitlines()) if d}
    rows = seed_predictions(a.config)
    pred = {n: r["label"] for n, r in rows.items()}
    s = scores(gold, pred)
    print(f"footnotes scored: {len(gold)}")
    print(f"{'label':<11}{'support':>8}{'pred':>6}{'P':>7}{'R':>7}{'F1':>7}")
    for lab in LABELS:
        c = s["classes"][lab]
        print(f"{lab:<11}{c['support']:>8}{c['predicted']:>6}{c['precision']:>7.2f}{c['recall']:>7.2f}{c['f1']:>7.2f}")
    print(f"macro-F1 (labels in the gold): {s['macro_f1']:.3f}   accuracy: {s['accuracy']:.3f}")
    print("\nconfusion (rows gold, columns predicted):")
    print(" " * 11 + "".join(f"{lab[:8]:>10}" for lab in LABELS))
    for g in LABELS:
        print(f"{g:<11}" + "".join(f"{s['confusion'][g][p]:>10}" for p in LABELS))
    wrong = [n for n in sorted(gold) if pred.get(n) != gold[n]]
    if wrong:
        print("\nmisses:")
        for n in wrong:
            r = rows.get(n) or {}
            print(f"  {n}: gold {gold[n]}, got {r.get('label')} (cue {r.get('cue')!r} in {r.get('cue_in') or '-'})")


if __name__ == "__main__":
    main()
