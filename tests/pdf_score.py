"""Score ``litmap parse FILE --json`` on a PDF of the founding paper against what the paper holds.

The figures of issue 14, each measured against an outside truth:

- footnotes: how many notes the parse found, and how many equal the text parse's notes (same
  running number, same whitespace-normalised text). ``litmap parse`` on the seed's text file
  gives all 77 right (its notes 1-38 are checked against ../shared/gold/seed/footnotes.jsonl),
  so it is the reference for all 77.
- markers linked: the share of the text parse's citations (n, sentence) found exactly (same n,
  same normalised sentence) among the PDF parse's citations (a multiset: a note cited twice in
  one sentence counts twice).
- paragraphs whole: the share of the gold body paragraphs (../shared/gold/seed/body.txt, headings
  and front matter left out) that come out as one paragraph of the parse, exactly after
  normalisation; headings found: the share of gold headings (meta.json) among the parse's section
  headings.
- reference fields: per field, the share of the gold references of notes 1-38 whose field the
  parse gives exactly (the n-th reference of note n against the n-th of the gold note); computed
  on the text parse too, so a PDF can be held to the text file's level.
- numbering: the parse's warning that names the footnote numbering scheme it decided on.

Use from tests and bench: ``score(parse_json(path))``.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = SHARED / "gold" / "seed"
REF_FIELDS = ("authors", "title", "container", "year", "issue", "type")
_WS = re.compile(r"\s+")


def norm(text: str | None) -> str:
    """Text compared without whitespace: typesetters add and drop spaces (between Chinese and
    Latin, at line ends) that the paper's text does not carry."""
    return _WS.sub("", text or "")


@dataclass
class PdfScore:
    footnotes: int  # notes the parse found
    footnotes_right: int  # of them, equal (n, text) to the text parse's
    footnotes_total: int  # the text parse's count (77)
    gold_notes_right: int  # notes 1-38 equal to gold footnotes.jsonl
    gold_notes_total: int
    markers_linked: float  # share of the reference citations reproduced exactly
    paragraphs_whole: float  # share of gold body paragraphs found whole
    headings_found: float  # share of gold headings found as section headings
    ref_fields: dict[str, float] = field(default_factory=dict)  # per field, notes 1-38
    numbering: str | None = None  # the warning naming the numbering scheme, if any
    warnings: list[str] = field(default_factory=list)

    @property
    def notes_all_right(self) -> bool:
        return self.footnotes == self.footnotes_right == self.footnotes_total

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_json(path: Path, timeout: float = 600) -> dict[str, Any]:
    """``litmap parse PATH --json`` in a subprocess, as a user runs it (the package the current
    PYTHONPATH resolves, run from the repository root)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "pipeline", "parse", str(path), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"litmap parse {path} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


@lru_cache(maxsize=1)
def reference() -> dict[str, Any]:
    """The text parse of the seed: 77 notes and 77 citations, the reference for every PDF."""
    return parse_json(SEED)


@lru_cache(maxsize=1)
def gold_footnotes() -> tuple[dict[str, Any], ...]:
    with open(GOLD / "footnotes.jsonl", encoding="utf-8") as fh:
        return tuple(json.loads(line) for line in fh if line.strip())


@lru_cache(maxsize=1)
def gold_headings() -> tuple[str, ...]:
    meta = json.loads((GOLD / "meta.json").read_text(encoding="utf-8"))
    return tuple(s["heading"] for s in meta["sections"])


@lru_cache(maxsize=1)
def gold_paragraphs() -> tuple[str, ...]:
    """The body paragraphs of body.txt: its lines without the front matter (title, abstract,
    keywords come first) and without the headings."""
    meta = json.loads((GOLD / "meta.json").read_text(encoding="utf-8"))
    heads = {norm(h) for h in gold_headings()}
    front = {norm(meta["title"])}
    lines = [ln.strip() for ln in (GOLD / "body.txt").read_text(encoding="utf-8").splitlines() if ln.strip()]
    skip = heads | front
    return tuple(ln for ln in lines if norm(ln) not in skip and not ln.startswith(("[摘要]", "[关键词]")))


def _paragraphs(out: dict[str, Any]) -> list[str]:
    return [p for s in out.get("sections") or [] for p in s.get("paragraphs") or []]


def _field(ref: dict[str, Any] | None, name: str) -> Any:
    value = (ref or {}).get(name)
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, str):
        return norm(value)
    return value


def ref_field_accuracy(out: dict[str, Any]) -> dict[str, float]:
    """Per field, the share of gold references (notes 1-38) the parse gives the same value."""
    by_n = {f.get("n"): f for f in out.get("footnotes") or []}
    hits, total = Counter(), 0
    for gold in gold_footnotes():
        got_refs = (by_n.get(gold["n"]) or {}).get("refs") or []
        for i, want in enumerate(gold["refs"]):
            got = got_refs[i] if i < len(got_refs) else None
            total += 1
            for name in REF_FIELDS:
                hits[name] += _field(got, name) == _field(want, name)
    return {name: hits[name] / total if total else 0.0 for name in REF_FIELDS}


def score(out: dict[str, Any], ref: dict[str, Any] | None = None) -> PdfScore:
    """The figures for one parse (``out``: litmap parse --json) against the text parse ``ref``
    (by default the seed's) and the gold labels."""
    ref = ref if ref is not None else reference()
    notes = out.get("footnotes") or []
    want_notes = {(f["n"], norm(f["text"])) for f in ref["footnotes"]}
    right = sum((f.get("n"), norm(f.get("text"))) in want_notes for f in notes)
    by_n = {f.get("n"): norm(f.get("text")) for f in notes}
    gold = gold_footnotes()
    gold_right = sum(by_n.get(g["n"]) == norm(g["text"]) for g in gold)
    want_cites = Counter((c["n"], norm(c["sentence"])) for c in ref["citations"])
    got_cites = Counter((c.get("n"), norm(c.get("sentence"))) for c in out.get("citations") or [])
    linked = sum((want_cites & got_cites).values()) / max(1, sum(want_cites.values()))
    paras = {norm(p) for p in _paragraphs(out)}
    gold_paras = gold_paragraphs()
    whole = sum(norm(p) in paras for p in gold_paras) / len(gold_paras)
    heads = {norm(s.get("heading")) for s in out.get("sections") or []}
    found = sum(norm(h) in heads for h in gold_headings()) / len(gold_headings())
    warnings = list(out.get("warnings") or [])
    numbering = next((w for w in warnings if "numbering" in w.lower()), None)
    return PdfScore(footnotes=len(notes), footnotes_right=right, footnotes_total=len(ref["footnotes"]),
                    gold_notes_right=gold_right, gold_notes_total=len(gold), markers_linked=linked,
                    paragraphs_whole=whole, headings_found=found, ref_fields=ref_field_accuracy(out),
                    numbering=numbering, warnings=warnings)
