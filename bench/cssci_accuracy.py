"""Field accuracy of the CSSCI import against its gold, in each encoding a download comes in.

Reads ../shared/corpora/cssci/LY_*.txt through the runner's code path (``ingest.readers.read_path``
then ``structure.paper.build_paper``), re-encoded in a temporary folder as UTF-8 with CRLF (as
shipped), UTF-8 with a BOM and LF, and GBK with LF, and prints per field the share of gold values
recovered: for every reference first_author, title, container, year, issue and type; for every
record title, authors, journal, year, issue and keywords (the fields the gold gives).

Run: python bench/cssci_accuracy.py [FILE ...]   (default: every LY_*.txt with a .gold.json)
"""
from __future__ import annotations

import codecs
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ingest.readers import read_path  # noqa: E402
from pipeline.records import Ref  # noqa: E402
from pipeline.structure.paper import build_paper  # noqa: E402

CSSCI = ROOT.parent / "shared" / "corpora" / "cssci"
REF_FIELDS = ("first_author", "title", "container", "year", "issue", "type")
RECORD_FIELDS = ("title", "authors", "journal", "year", "issue", "keywords")


def ref_fields(ref: Ref) -> dict[str, Any]:
    return {"first_author": ref.authors[0] if ref.authors else "", "title": ref.title, "container": ref.container,
            "year": ref.year, "issue": ref.issue, "type": ref.type}


def variants(src: Path, out: Path) -> dict[str, Path]:
    """The file as shipped and re-encoded: name -> path (same file name, one folder each)."""
    text = src.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    forms = {"utf-8+CRLF": text.replace("\n", "\r\n").encode("utf-8"),
             "utf-8-BOM+LF": codecs.BOM_UTF8 + text.encode("utf-8"),
             "GBK+LF": text.encode("gbk")}
    paths = {}
    for name, data in forms.items():
        d = out / name.replace("+", "_")
        d.mkdir(parents=True, exist_ok=True)
        (d / src.name).write_bytes(data)
        paths[name] = d / src.name
    return paths


def score(path: Path, gold: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-field accuracy of one download against its gold, and every mismatch."""
    docs = read_path(path, path.name)
    papers = [build_paper(d) for d in docs]
    rec_hits = {f: [0, 0] for f in RECORD_FIELDS}
    ref_hits = {f: [0, 0] for f in REF_FIELDS}
    misses: list[str] = []
    for i, g in enumerate(gold):
        paper = papers[i] if i < len(papers) else None
        for f in RECORD_FIELDS:
            if f not in g:
                continue
            got = getattr(paper.meta, f) if paper else None
            rec_hits[f][1] += 1
            if got == g[f] or (not got and not g[f]):
                rec_hits[f][0] += 1
            else:
                misses.append(f"record {i + 1} {f}: {got!r} != gold {g[f]!r}")
        refs = paper.references if paper else []
        for j, gr in enumerate(g.get("references", [])):
            got_r = ref_fields(refs[j]) if j < len(refs) else {}
            for f in REF_FIELDS:
                ref_hits[f][1] += 1
                if got_r.get(f) == gr.get(f):
                    ref_hits[f][0] += 1
                else:
                    misses.append(f"record {i + 1} ref {j + 1} {f}: {got_r.get(f)!r} != gold {gr.get(f)!r}")
    acc = {f: (h / n if n else 1.0) for f, (h, n) in ref_hits.items()}
    rec_acc = {f: (h / n if n else 1.0) for f, (h, n) in rec_hits.items()}
    return {"records": len(docs), "gold_records": len(gold), "references": ref_hits["title"][1],
            "ref_fields": acc, "record_fields": rec_acc, "misses": misses,
            "unparsed": [r.raw for p in papers for r in p.references if r.unparsed]}


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(p for p in CSSCI.glob("*.txt") if Path(f"{p}.gold.json").exists())
    worst = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        for src in files:
            gold = json.loads(Path(f"{src}.gold.json").read_text(encoding="utf-8"))
            for name, path in variants(src, Path(tmp) / src.stem).items():
                res = score(path, gold)
                worst = min(worst, *res["ref_fields"].values())
                print(f"{src.name} [{name}]: {res['records']} records (gold {res['gold_records']}), "
                      f"{res['references']} references, {len(res['unparsed'])} unparsed")
                print("  references: " + "  ".join(f"{f} {a:.3f}" for f, a in res["ref_fields"].items()))
                print("  records:    " + "  ".join(f"{f} {a:.3f}" for f, a in res["record_fields"].items()))
                for m in res["misses"][:20]:
                    print("   miss:", m)
    print(f"lowest reference field accuracy: {worst:.3f} (target >= 0.95)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
