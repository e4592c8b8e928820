"""Bench: the topics corpus stage alone, on a corpus a `litmap run` has already put in a store.

Opens the store of that run (its config), reads the parse/segment/features results and the
stages topics follows from the cache (nothing is recomputed), then times
``models.topic_stage.compute_topics`` (wall and CPU of this process), and with ``--profile``
prints the cProfile of the stage (cumulative, top 45). The run record it opens is aborted at the
end, so the store's run history is left as it was.

    python bench/topics_stage.py CORPUS CONFIG [--profile] [--update NEW_PAPER]

``--update NEW_PAPER`` times ``update_topic_stage`` instead: it needs a store in which
``litmap run`` stored the topics result of CORPUS without NEW_PAPER, and a CORPUS holding it.
"""
from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def context(corpus: str, config: str):
    from pipeline.config import load_config, resolve, stable_hash
    from pipeline.runner import corpus as corpus_mod
    from pipeline.runner import keys
    from pipeline.runner.context import RunContext
    from pipeline.runner.discover import discover
    from pipeline.runner.doc_stages import features_stage, parse_stage, segment_stage
    from pipeline.store.db import Store

    cfg = keys.with_files_resolved(load_config(config))
    store = Store(resolve(cfg, cfg["store"]["path"]), cfg["store"]["memory_limit"], cfg["store"]["storage_compatibility"])
    run_id = store.start_run(str(Path(corpus).resolve()), stable_hash({k: v for k, v in cfg.items() if not k.startswith("_")}),
                             "refit")
    ctx = RunContext(cfg, store, run_id, Path(corpus).resolve(), Path("/tmp/unused-report"), workers=2)
    ctx.files = discover(Path(corpus), cfg["ingest"]["suffixes"], int(cfg["ingest"]["max_bytes"]))
    for stage in (parse_stage, segment_stage, features_stage):
        stage(ctx, 2, "local", "processes")
    before = [s for s in corpus_mod.STAGES if s.name in ("glossary", "works")]
    saved = corpus_mod.STAGES
    corpus_mod.STAGES = before
    try:
        corpus_mod.run_corpus_stages(ctx)
    finally:
        corpus_mod.STAGES = saved
    ctx.stage = "topics"
    return ctx, store, run_id


def main() -> None:
    import warnings

    from pipeline.store.doc_cache import abort_run

    warnings.filterwarnings("ignore")
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus, config = args[0], args[1]
    ctx, store, run_id = context(corpus, config)
    from pipeline.models import topic_stage

    if "--update" in sys.argv:
        from pipeline.runner.corpus import _previous

        ctx.mode = "update"
        stage = next(s for s in __import__("pipeline.runner.corpus", fromlist=["STAGES"]).STAGES if s.name == "topics")
        previous = _previous(ctx, stage)
        call = (lambda: topic_stage.update_topic_stage(ctx, previous))
    else:
        call = (lambda: topic_stage.compute_topics(ctx))
    prof = cProfile.Profile(time.process_time) if "--profile" in sys.argv else None
    w0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    out = call()
    if prof:
        prof.disable()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    res = out["result"]
    print(f"topics stage on {len(ctx.doc_ids)} docs: wall {wall:.1f} s, cpu {cpu:.1f} s; "
          f"unit {out['unit']}, model {res.model_name}, k {res.k}, {res.n_fit_units} units, "
          f"{len(out['authors'])} author rows; notes: {res.notes}")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    abort_run(store, run_id)
    store.close()


if __name__ == "__main__":
    main()
