"""Bench: the keys an update computes over stored results, with the standard library's JSON
and with ``pipeline/digests.py`` (orjson).

Reads the newest stored concepts and topics results of a store (``litmap run`` wrote them; by
default the store of ``configs/default.yaml``) and times, in process CPU, the three kinds of
key that are hashed over whole results on every run:

* a concept page's key (``report/reuse.digest``): each trace, sorted keys, sets as sorted text;
* a store table's digest (``store/tables._digest``): the mentions table's columns in order;
* the concept stage's per-document keys (``concept_stage.TraceInputs``): each document's
  ``DocInfo`` (``dataclasses.asdict`` before; here made of what its mentions carry).

Both encodings are checked to hash equal values equally (a trace and its copy with every
dict's keys reversed). Run: python bench/digests.py [STORE.duckdb] [--repeat 5]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.digests import canonical_json, plain as _plain  # noqa: E402


def _reversed(v):
    if isinstance(v, dict):
        return {k: _reversed(v[k]) for k in reversed(list(v))}
    if isinstance(v, list):
        return [_reversed(x) for x in v]
    return v


def cpu(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", nargs="?", help="a litmap store (.duckdb); default: the default config's")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    from pipeline.concepts.spread import DocInfo
    from pipeline.config import load_config, resolve
    from pipeline.runner.keys import environment
    from pipeline.store.db import Store

    cfg = load_config(None)
    path = Path(a.store) if a.store else resolve(cfg, cfg["store"]["path"])
    if not path.is_file():  # opening a missing store would create an empty one
        sys.exit(f"no litmap store at {path}: run litmap on a corpus first, or name a store")
    store = Store(path, cfg["store"]["memory_limit"], cfg["store"]["storage_compatibility"])
    try:
        concepts = store.latest_corpus("concepts", environment())
    finally:
        store.close()
    traces = list((concepts or {}).get("traces", {}).values())
    mentions = (concepts or {}).get("mentions") or []
    if not traces:
        sys.exit(f"no concepts result in {path}: run litmap on a corpus first")
    # one DocInfo per document, from what its mentions carry of it (the stage reads the papers)
    infos = {}
    for m in mentions:
        infos.setdefault(m["doc_id"], DocInfo(m["doc_id"], m["doc_id"], list(m.get("doc_authors") or []), m.get("year"),
                                              False, "printed", title=m.get("doc_title")))
    cols: dict[str, list] = {}
    for m in mentions:
        for k in m:
            cols.setdefault(k, [])
    for k in cols:
        cols[k] = [m.get(k) for m in mentions]

    def page_json() -> list[str]:
        return [hashlib.sha1(json.dumps(t, ensure_ascii=False, sort_keys=True, default=_plain).encode()).hexdigest()
                for t in traces]

    def page_orjson() -> list[str]:
        return [hashlib.sha1(canonical_json(t, _plain)).hexdigest() for t in traces]

    def table_json() -> str:
        h = hashlib.sha256()
        for name, values in cols.items():
            h.update(json.dumps([name, values], ensure_ascii=False, default=repr).encode())
        return h.hexdigest()

    def table_orjson() -> str:
        h = hashlib.sha256()
        for name, values in cols.items():
            h.update(canonical_json([name, values], repr, sort=False))
        return h.hexdigest()

    def docs_json() -> list[str]:
        return [hashlib.sha1(json.dumps([asdict(i), []], sort_keys=True, ensure_ascii=False, default=str).encode())
                .hexdigest()[:16] for i in infos.values()]

    def docs_orjson() -> list[str]:
        return [hashlib.sha1(canonical_json([i, []])).hexdigest()[:16] for i in infos.values()]

    same = all(canonical_json(t, _plain) == canonical_json(_reversed(t), _plain) for t in traces)
    same_json = page_json() == [hashlib.sha1(json.dumps(_reversed(t), ensure_ascii=False, sort_keys=True,
                                                        default=_plain).encode()).hexdigest() for t in traces]
    print(f"store {path}: {len(traces)} traces ({sum(len(json.dumps(t, ensure_ascii=False, default=_plain)) for t in traces) / 1e6:.1f} MB "
          f"of JSON), {len(mentions):,} mentions, {len(infos):,} documents; best of {a.repeat}, process CPU")
    print(f"equal values, equal keys (keys reversed): json {same_json}, orjson {same}")
    for what, old, new in (("concept page keys", page_json, page_orjson), ("mentions table digest", table_json, table_orjson),
                           ("per-document keys", docs_json, docs_orjson)):
        print(f"{what:24} json {cpu(old, a.repeat):.3f} s   orjson {cpu(new, a.repeat):.3f} s")


if __name__ == "__main__":
    main()
