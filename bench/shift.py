"""Bench: meaning over time (issue 17) on a planted shift in real text.

The corpus is the 2,000 real CSL abstracts (../shared/data/csl, title + abstract per paper),
dated 2011-2020 round-robin in file order, so the median split gives two periods of 1,000
papers each. The tracked "concepts" are the corpus's most widespread content words. Each
sentence is segmented with the project's segmenter (concepts kept whole) and filtered with its
stop list, as the concepts stage does, and every concept in a sentence is one mention whose
context tokens are the sentence's other content words.

* Unplanted copy: the corpus as it is. No concept may be flagged.
* Planted copy: in the later period, A is cut from each sentence using it and a sentence of
  concept B, with B renamed A, follows it: A keeps its number of uses and takes B's contexts;
  every other concept keeps its sentences (donor sentences use no other tracked concept).
  A must be ranked first and flagged, and nothing else flagged.

Prints, per plant (several A/B pairs) and per re-dating of the unplanted copy (several seeds),
the planted concept's rank, shift and p-value and the concepts flagged, plus the time.
With ``--run N`` the first plant is also made in the text of N abstracts written as Markdown
files (front matter with the year), and ``litmap run`` is run on both copies, reading
data/concept_shift.csv: the whole hook, segmentation and concepts stage included.
``--corpus seed`` takes the founding paper's paragraphs (66 over 60 characters) as papers,
dated the same way, with the registry's concepts used in 12 or more of them.
Run: python bench/shift.py [--corpus csl|seed] [--plants 5] [--redatings 5] [--docs 2000] [--run 600]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from pipeline.concepts.shift import ShiftConfig, measure_shift, uses_from_mentions  # noqa: E402

CSL = SHARED / "data/csl/csl_2000.jsonl"


def load_rows(n: int | None = None) -> list[dict]:
    with open(CSL, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return rows[:n] if n else rows


@lru_cache(maxsize=2)
def segmented(n: int | None = None) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Per paper, the content tokens of each sentence of its title and abstract."""
    from pipeline.structure.sentences import split_sentences
    from pipeline.text.registry import Registry
    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    seg = Segmenter({}, registry=Registry.empty())
    stop = load_stopwords()
    out = []
    for r in load_rows(n):
        sents = [r["title"], *split_sentences(r["abstract"])]
        out.append(tuple(tuple(content_tokens(seg.cut(s), stop)) for s in sents if s.strip()))
    return tuple(out)


@lru_cache(maxsize=1)
def seed_paragraphs() -> tuple[tuple[list[str], ...], list[str]]:
    """The founding paper's paragraphs (over 60 characters) as papers, segmented with the
    registry (variants folded to names), and the registry concepts in 12 or more of them."""
    from pipeline.structure.sentences import split_sentences
    from pipeline.text.registry import load_registry
    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    reg = load_registry()
    seg, stop = Segmenter({}, registry=reg), load_stopwords()
    text = (SHARED / "corpora/seed/000_085182e16f623625.txt").read_text(encoding="utf-8")
    docs = tuple(tuple(tuple(reg.lookup(t) or t for t in content_tokens(seg.cut(s), stop)) for s in split_sentences(p))
                 for p in text.split("\n") if len(p) > 60)
    df = Counter(t for d in docs for t in {t for s in d for t in s} if reg.lookup(t) == t)
    return docs, [t for t, k in sorted(df.items(), key=lambda x: (-x[1], x[0])) if k >= 12]


def pick_concepts(docs, k: int = 12) -> list[str]:
    """The ``k`` content words used in the most papers (two characters or more, Chinese)."""
    df: Counter = Counter()
    for d in docs:
        df.update({t for s in d for t in s if len(t) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in t)})
    return [t for t, _ in sorted(df.items(), key=lambda x: (-x[1], x[0]))[:k]]


def years_for(n: int, redate: int | None = None) -> list[int]:
    """Round-robin 2011-2020 in file order, or a seeded shuffle of it (``redate``)."""
    ys = [2011 + i % 10 for i in range(n)]
    if redate is not None:
        random.Random(redate).shuffle(ys)
    return ys


def planted_sentences(sents_by_doc, years: list[int], plant: tuple[str, str] | None, concepts: list[str],
                      has, rename, drop):
    """Per document, its sentences, with the plant made in the later half of the years: A is
    cut from each sentence using it, and a sentence using B (the next, in turn, over the later
    period; one using no other tracked concept) follows it with B renamed A. A keeps its number
    of uses and takes B's contexts; every other concept keeps its sentences."""
    if not plant:
        return [list(s) for s in sents_by_doc]
    a, b = plant
    later = sorted(set(years))[len(set(years)) // 2]
    others = [c for c in concepts if c != b]
    donors = [s for d, y in zip(sents_by_doc, years) if y >= later for s in d
              if has(s, b) and not any(has(s, c) for c in others)]
    out, k = [], 0
    for d, y in zip(sents_by_doc, years):
        sents = []
        for s in d:
            if y >= later and donors and has(s, a):
                sents += [drop(s, a), rename(donors[k % len(donors)], b, a)]
                k += 1
            else:
                sents.append(s)
        out.append(sents)
    return out


def _has_token(s, t) -> bool:
    return t in s


def _rename_token(s, b, a):
    return tuple(a if t == b else t for t in s)


def _drop_token(s, a):
    return tuple(t for t in s if t != a)


def mentions_of(docs, years: list[int], concepts: list[str], plant: tuple[str, str] | None = None) -> list[dict]:
    """Mentions (concept, doc_id, year, sentence, context_tokens) of the concepts, one per
    sentence using it; with ``plant=(A, B)`` A's later contexts are B's (:func:`planted_sentences`)."""
    cset = set(concepts)
    out = []
    for i, (sents, year) in enumerate(zip(planted_sentences(docs, years, plant, concepts, _has_token, _rename_token, _drop_token), years)):
        for j, toks in enumerate(sents):
            here = sorted(set(toks))
            for c in sorted(cset.intersection(toks)):
                out.append({"concept": c, "doc_id": f"csl{i:04d}", "year": year, "where": "abstract",
                            "sentence": f"{i}:{j}", "context_tokens": here})
    return out


def run(docs, years, concepts, plant, cfg: ShiftConfig):
    ms = mentions_of(docs, years, concepts, plant)
    return measure_shift(uses_from_mentions(ms), cfg, concepts)


def write_corpus(rows: list[dict], years: list[int], plant: tuple[str, str] | None, concepts: list[str],
                 folder: Path) -> None:
    """The abstracts as Markdown papers (front matter: title, year), with the plant made in the
    text itself (:func:`planted_sentences` on the sentences' strings)."""
    from pipeline.structure.sentences import split_sentences

    folder.mkdir(parents=True)
    texts = planted_sentences([split_sentences(r["abstract"]) for r in rows], years, plant, concepts,
                              lambda s, t: t in s, lambda s, b, a: s.replace(b, a), lambda s, a: s.replace(a, ""))
    for i, (r, year, sents) in enumerate(zip(rows, years, texts)):
        title = r["title"].replace('"', "'")
        (folder / f"csl{i:04d}.md").write_text(
            f'---\ntitle: "{title}"\nauthors: ["作者{i % 97}"]\nyear: {year}\n---\n{title}\n\n{"".join(sents)}\n',
            encoding="utf-8")


def run_litmap(n: int, concepts: list[str], plant: tuple[str, str] | None, cfg: ShiftConfig) -> None:
    """The same test through ``litmap run`` on files: data/concept_shift.csv of each copy."""
    import csv
    import subprocess
    import tempfile

    rows = load_rows(n)
    years = years_for(len(rows))
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "concepts.yaml").write_text("concepts:\n" + "".join(f"  - name: {c}\n" for c in concepts), encoding="utf-8")
        (t / "cfg.yaml").write_text(f"store:\n  path: {t / 'store.duckdb'}\nconcepts:\n  registry: {t / 'concepts.yaml'}\n",
                                    encoding="utf-8")
        for label, p in (("unplanted", None), ("planted", plant)):
            write_corpus(rows, years, p, concepts, t / label)
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(t / label), "--config",
                                   str(t / "cfg.yaml"), "--out", str(t / f"out-{label}")], capture_output=True, text=True)
            if proc.returncode:
                print(proc.stdout[-2000:], proc.stderr[-2000:])
                continue
            with open(t / f"out-{label}" / "data" / "concept_shift.csv", encoding="utf-8") as f:
                got = list(csv.DictReader(f))
            flagged = [r["concept"] for r in got if r["significant"] == "True"]
            first = got[0] if got else {}
            print(f"litmap run, {label} ({len(rows)} files, {time.perf_counter() - t0:.0f} s): {len(got)} rows; first "
                  f"{first.get('concept')} shift {first.get('shift')} p {first.get('p_value')}; flagged {flagged or 'none'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--plants", type=int, default=5, help="A/B pairs planted, one copy each")
    ap.add_argument("--redatings", type=int, default=5, help="unplanted copies with shuffled years")
    ap.add_argument("--run", type=int, default=0, metavar="N",
                    help="also write N abstracts as files, planted and not, and run litmap on each")
    ap.add_argument("--corpus", choices=("csl", "seed"), default="csl",
                    help="csl: the CSL abstracts; seed: the founding paper's paragraphs as papers, with its concepts")
    ap.add_argument("--weighting", choices=("ppmi", "sqrt"), help="override shift.weighting")
    args = ap.parse_args(argv)
    from dataclasses import replace

    from pipeline.settings import load_settings  # the defaults of configs/default.yaml

    cfg = ShiftConfig.from_cfg(load_settings().as_dict())
    if args.weighting:
        cfg = replace(cfg, weighting=args.weighting)
    t0 = time.perf_counter()
    if args.corpus == "seed":
        docs, concepts = seed_paragraphs()
        what = "paragraphs of the founding paper"
    else:
        docs = segmented(args.docs)
        concepts = pick_concepts(docs)
        what = "CSL abstracts"
    print(f"{len(docs)} {what}, segmented in {time.perf_counter() - t0:.1f} s; concepts: {' '.join(concepts)}")
    print(f"config: weighting {cfg.weighting}, permutations {cfg.permutations}, alpha {cfg.alpha} ({cfg.correction}), "
          f"min_shift {cfg.min_shift}, "
          f"min_uses {cfg.min_uses}, min_documents {cfg.min_documents}")
    ok = True
    for r in range(args.redatings):
        t = time.perf_counter()
        res = run(docs, years_for(len(docs), None if r == 0 else r), concepts, None, cfg)
        flagged = [x.concept for x in res.rows if x.significant]
        top = res.rows[0] if res.rows else None
        print(f"unplanted, dating {'round-robin' if r == 0 else f'shuffle {r}'}: {len(res.rows)} tested, "
              f"flagged {flagged or 'none'}; largest shift {top.concept if top else '-'} {top.shift if top else ''} "
              f"p {top.p_value if top else ''} ({time.perf_counter() - t:.1f} s)")
        ok &= not flagged
    pairs = [(concepts[i % len(concepts)], concepts[(i + 3) % len(concepts)]) for i in range(args.plants)]
    for a, b in pairs:
        t = time.perf_counter()
        res = run(docs, years_for(len(docs)), concepts, (a, b), cfg)
        rank = next((k + 1 for k, x in enumerate(res.rows) if x.concept == a), None)
        row = next((x for x in res.rows if x.concept == a), None)
        others = [x.concept for x in res.rows if x.significant and x.concept != a]
        runner = next((x for x in res.rows if x.concept != a), None)
        print(f"planted {a} ← {b}: rank {rank}, shift {row.shift if row else '-'} "
              f"(distance {row.distance if row else '-'}, expected {row.expected if row else '-'}), "
              f"p {row.p_value if row else '-'} q {row.q_value if row else '-'}, significant {row.significant if row else '-'}; "
              f"next {runner.concept if runner else '-'} {runner.shift if runner else ''}; "
              f"other flags {others or 'none'}; entered {row.entered[:3] if row else ''} "
              f"({time.perf_counter() - t:.1f} s)")
        ok &= bool(rank == 1 and row and row.significant and not others)
    if args.run:
        run_litmap(args.run, concepts, pairs[0] if pairs else None, cfg)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
