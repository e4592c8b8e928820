"""Definitions by author against the seed's gold (../shared/gold/seed): precision, recall, kind and
definer accuracy, sentence-level.

A gold positive counts as found when a definition of that concept is found in that sentence; a
gold negative (the concept and a definitional-looking cue that does not define it) is a false
positive when one is found. Precision = found positives / (found positives + negatives taken).
Kind and definer accuracy are over the positives found; the definer is right when it is "self"
for "self", or the same footnote for a cited definer.

    PYTHONPATH=. python bench/definitions.py [--cues FILE] [--show]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = ROOT.parent / "shared" / "gold" / "seed"


def _bare(s: str) -> str:
    import re

    return re.sub(r"\^?[①-⑳]|\s", "", s or "")


def load_gold(gold: Path = GOLD) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    def read(name: str) -> list[dict[str, Any]]:
        return [json.loads(x) for x in (gold / name).read_text(encoding="utf-8").splitlines() if x.strip()]
    return read("definitions.jsonl"), read("negatives.jsonl")


def seed_definitions(cues_path: str | Path | None = None, seed: Path = SEED) -> list[dict[str, Any]]:
    """The seed's definitions as the stage finds them: parse, concept mentions, cues."""
    from pipeline.api import parse
    from pipeline.concepts.definitions import definitions_of, load_cues
    from pipeline.concepts.mentions import find_mentions_many
    from pipeline.text.registry import load_registry

    paper = parse(str(seed))
    mentions = find_mentions_many([paper], load_registry())
    return [d.as_dict() for d in definitions_of(mentions, load_cues(cues_path))]


def _same_sentence(gold: dict[str, Any], found: str) -> bool:
    f = _bare(found)
    for s in (gold.get("sentence_no_markers"), gold.get("sentence_joined"), gold.get("sentence")):
        g = _bare(s or "")
        if g and (g == f or g in f or (len(f) > 10 and f in g)):
            return True
    return False


def score(found: list[dict[str, Any]], positives: list[dict[str, Any]], negatives: list[dict[str, Any]]) -> dict[str, Any]:
    def hit(g: dict[str, Any]) -> dict[str, Any] | None:
        for d in found:
            if d["concept"] == g["concept"] and _same_sentence(g, d["sentence"]):
                return d
        return None

    tp, kind_ok, definer_ok, missed, wrong = 0, 0, 0, [], []
    for g in positives:
        d = hit(g)
        if d is None:
            missed.append(g)
            continue
        tp += 1
        kind_ok += d["kind"] == g["kind"]
        if g["definer"] == "self":
            ok = d["definer"] == "self"
        else:
            ok = d["definer"] != "self" and d["definer_footnote"] == g["definer_footnote"]
        definer_ok += ok
        if not ok or d["kind"] != g["kind"]:
            wrong.append((g, d))
    fp = [(g, hit(g)) for g in negatives if hit(g) is not None]
    return {"positives": len(positives), "negatives": len(negatives), "found": tp, "false_positives": len(fp),
            "recall": tp / len(positives) if positives else 0.0,
            "precision": tp / (tp + len(fp)) if tp + len(fp) else 0.0,
            "kind_accuracy": kind_ok / tp if tp else 0.0, "definer_accuracy": definer_ok / tp if tp else 0.0,
            "missed": missed, "taken_negatives": fp, "wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cues", help="a cue file other than configs/definitions.yaml")
    ap.add_argument("--show", action="store_true", help="list misses, negatives taken, wrong kinds and definers")
    a = ap.parse_args(argv)
    positives, negatives = load_gold()
    found = seed_definitions(a.cues)
    s = score(found, positives, negatives)
    print(f"seed first half: {s['positives']} positives, {s['negatives']} negatives; "
          f"{len(found)} definitions found in the whole paper")
    print(f"recall    {s['recall']:.3f} ({s['found']}/{s['positives']})")
    print(f"precision {s['precision']:.3f} ({s['found']} found, {s['false_positives']} negatives taken)")
    print(f"kind accuracy    {s['kind_accuracy']:.3f}")
    print(f"definer accuracy {s['definer_accuracy']:.3f}")
    if a.show:
        for g in s["missed"]:
            print("MISSED", g["concept"], g["surface"], "|", g["sentence"][:80])
        for g, d in s["taken_negatives"]:
            print("NEGATIVE TAKEN", g["concept"], d["cue_name"], "|", d["cue"])
        for g, d in s["wrong"]:
            print("WRONG", g["concept"], "kind", g["kind"], d["kind"], "definer", g["definer"], g["definer_footnote"],
                  "->", d["definer"], d["definer_footnote"], "|", d["cue"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
