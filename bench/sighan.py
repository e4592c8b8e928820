"""SIGHAN 2005 PKU / MSR: word-span F1 of plain jieba vs our segmenter with the full vocabulary.

The domain vocabulary (userdict + concept registry, protected by Aho-Corasick) must not damage
general text: ours may lose at most 0.005 F1 against plain jieba scored by this same script.

Scoring: the (start, end) character spans of the words over the whole test text (each line
segmented on its own); whitespace is removed from the input as the gold has none. Our tokens are of the normalized text, so they are mapped back to the printed line with
``Segmenter.cut_spans`` (a collapsed —— counts as the one token it became).

    python bench/sighan.py [--backend jieba|rjieba] [--limit N]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data" / "sighan2005"


def spans_of(tokens: list[str]) -> set[tuple[int, int]]:
    out, at = set(), 0
    for t in tokens:
        if not t.isspace():
            out.add((at, at + len(t)))
        at += len(t)
    return out


def load(name: str, limit: int | None = None) -> tuple[list[str], set[tuple[int, int]]]:
    """Test lines (whitespace removed) and gold word spans over their concatenation.

    A few MSR gold lines break at a different place than the test lines (a quote moves to the
    next line), so spans are counted over the whole file as one stream, scored line by line.
    """
    lines = ["".join(ln.split()) for ln in (SHARED / f"{name}_test.utf8").read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln][:limit] if limit else [ln for ln in lines if ln]
    total = sum(len(ln) for ln in lines)
    gold: set[tuple[int, int]] = set()
    at = 0
    for ln in (SHARED / f"{name}_test_gold.utf8").read_text(encoding="utf-8").splitlines():
        for w in ln.split():
            if at >= total:
                break
            gold.add((at, at + len(w)))
            at += len(w)
    stream = "".join(lines)
    assert at >= total or limit, "gold and test text differ in length"
    assert len(stream) == total
    return lines, gold


def offset(spans_per_line: list[set[tuple[int, int]]], lines: list[str]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    at = 0
    for spans, ln in zip(spans_per_line, lines):
        out.update((s + at, e + at) for s, e in spans)
        at += len(ln)
    return out


def score(pred: set[tuple[int, int]], gold: set[tuple[int, int]]) -> dict[str, float]:
    tp = len(pred & gold)
    prec, rec = tp / len(pred), tp / len(gold)
    return {"P": prec, "R": rec, "F1": 2 * prec * rec / (prec + rec)}


def run(backend: str = "jieba", limit: int | None = None) -> dict[str, dict[str, float]]:
    import jieba

    from pipeline.text.registry import Registry
    from pipeline.text.segment import Segmenter

    jieba.setLogLevel(60)
    jieba.initialize()
    seg = Segmenter({"backend": backend})
    # the same pipeline without any domain word isolates what the vocabulary itself costs
    bare = Segmenter({"backend": backend}, registry=Registry.empty(), userdict_path="")
    results: dict[str, dict[str, float]] = {}
    for name in ("pku", "msr"):
        lines, gold = load(name, limit)
        t = time.perf_counter()
        plain = [spans_of(jieba.lcut(ln)) for ln in lines]
        t_plain = time.perf_counter() - t
        t = time.perf_counter()
        ours = [{(s, e) for _, s, e in seg.cut_spans(ln)} for ln in lines]
        t_ours = time.perf_counter() - t
        novocab = [{(s, e) for _, s, e in bare.cut_spans(ln)} for ln in lines]
        p, o = score(offset(plain, lines), gold), score(offset(ours, lines), gold)
        nv = score(offset(novocab, lines), gold)
        results[name] = {"plain_F1": p["F1"], "ours_F1": o["F1"], "delta": o["F1"] - p["F1"],
                         "novocab_F1": nv["F1"], "plain_s": t_plain, "ours_s": t_ours}
        print(f"{name.upper()}: plain jieba P={p['P']:.4f} R={p['R']:.4f} F1={p['F1']:.4f} | "
              f"ours[{backend}] P={o['P']:.4f} R={o['R']:.4f} F1={o['F1']:.4f} | "
              f"delta {o['F1'] - p['F1']:+.4f} ({len(lines)} lines)")
        print(f"     ours without the domain vocabulary F1={nv['F1']:.4f}: the vocabulary itself "
              f"costs {nv['F1'] - o['F1']:+.4f}")
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default="jieba", choices=["jieba", "rjieba"])
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    run(args.backend, args.limit)


if __name__ == "__main__":
    main()
