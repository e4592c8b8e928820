"""Cost of the per-document features step (issue 18: the spaCy Doc per paper), one process.

Generates N papers the way ``bench/scale.py`` does (real paragraphs of the founding paper and
CSL abstracts, ~30 KB each), parses and segments them with the runner's own stage functions,
then times ``runner.features.doc_features`` over them: the step the worker pool runs. Printed:
seconds for N papers, ms per paper, and the size of what the step returns (the DocBin bytes
too, when the code builds one). Run it against two trees to compare them:

    PYTHONPATH=/work/main python bench/doc_features.py 200      # before
    PYTHONPATH=$PWD      python bench/doc_features.py 200      # after

The process start-up a pool worker pays once (imports, registry, spaCy) is printed apart. CPU
time is printed beside wall time: on a shared machine it is the steadier figure.
"""
from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    from scale import authors, make_paper, real_paragraphs

    import pipeline
    from pipeline.config import load_config, resolve
    from pipeline.runner import stages

    cfg = load_config(None)
    paras, names = real_paragraphs(), authors()
    rng = random.Random(n)
    with tempfile.TemporaryDirectory() as tmp:
        stages.init_parse(str(resolve(cfg, cfg["refs"]["aliases"])), cfg.get("structure"), cfg.get("ingest"))
        stages.init_segment(cfg["segment"], str(resolve(cfg, cfg["concepts"]["registry"])),
                            str(resolve(cfg, cfg["segment"]["userdict"])))
        items = []
        for i in range(n):
            p = Path(tmp) / f"p{i:05d}.md"
            p.write_text(make_paper(rng, paras, names, i), encoding="utf-8")
            for paper in stages.parse_file((str(p), p.name))["papers"]:
                items.append((paper, stages.segment_paper(paper)["tokens"]))
    t = time.perf_counter()
    from pipeline.runner import features

    sub = {k: cfg[k] for k in ("segment", "cooccurrence", "report", "concepts")}  # as the runner passes it
    features.init_features(str(resolve(cfg, cfg["concepts"]["registry"])), {**sub, "_root": cfg.get("_root")})
    features.doc_features(items[0])  # the first call pays lazy imports (spaCy) and builds
    start = time.perf_counter() - t
    best = cpu = None
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        out = [features.doc_features(it) for it in items]
        dt, dc = time.perf_counter() - t, time.process_time() - c
        best = dt if best is None or dt < best else best
        cpu = dc if cpu is None or dc < cpu else cpu
    errors = [o["error"] for o in out if "error" in o]
    size = sum(len(json.dumps({k: v for k, v in o.items() if k.startswith("feat.")}, ensure_ascii=False)) for o in out)
    docbin = sum(len(v) for o in out for v in o.values() if isinstance(v, bytes))
    print(f"{pipeline.__file__}: {n} papers, features {best:.2f} s wall, {cpu:.2f} s CPU (best of {rounds}), "
          f"{1000 * cpu / n:.1f} ms CPU/paper; worker start-up {start:.2f} s; parts {size / 2**20:.1f} MB"
          + (f"; DocBin {docbin / 2**20:.1f} MB" if docbin else "") + (f"; errors {errors[:3]}" if errors else ""))


if __name__ == "__main__":
    main()
