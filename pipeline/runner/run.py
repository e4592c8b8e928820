"""``litmap run``: plan what is new, run per-document stages, corpus stages, then the report.

This module is the run's sequence only: the context is in ``context.py``, the per-document
stages' scheduling in ``doc_stages.py``, the corpus stages in ``corpus.py``.

Planning is by content key: a file whose key (hash of its bytes and sidecar) has a cached parse
under the current stage version and config is not parsed again; a document whose tokens are
cached is not segmented again. Corpus stages are cached under the hash of their inputs (see
``corpus.py``), so an unchanged corpus refits nothing, and the run finishes in about the time
it takes to read the cache and write the report.
"""
from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

from ..config import resolve, stable_hash
from ..store.db import Store
from ..store.doc_cache import abort_run
from . import keys
from .context import HEAD_KEYS, RunContext, head_of, with_source
from .discover import discover
from .doc_stages import doc_stages, features_initargs, features_stage, parse_stage, segment_initargs, segment_stage
from .executor import default_workers
from .memory import peak_rss_mb, rss_mb, tune_malloc

# Where they were defined before the split (tests, the trace loader and user scripts import them from here).
__all__ = ["HEAD_KEYS", "RunContext", "features_initargs", "features_stage", "head_of", "parse_stage", "report_hash",
           "run", "segment_initargs", "segment_stage", "with_source"]

def _changes(ctx: RunContext) -> None:
    prev_id = ctx.store.last_finished_run(str(ctx.corpus), before=ctx.run_id)
    prev = {s: d for s, d, st, _e in ctx.store.run_files(prev_id)} if prev_id else {}
    now = {f.source: f.key for f in ctx.files if f.status != "skipped"}
    ctx.changes = {
        "added": sorted(s for s in now if s not in prev),
        "changed": sorted(s for s in now if s in prev and prev[s] != now[s]),
        "removed": sorted(s for s in prev if s not in now),
        "previous_run": [str(prev_id)] if prev_id else [],
    }


def run(corpus: str | Path, cfg: dict[str, Any], out: str | Path | None = None, workers: int | None = None,
        executor: str | None = None, scheduler: str | None = None, update: bool = False) -> RunContext:
    from ..report.outdir import prepare

    started = time.time()
    # Before the workers are forked and the side processes started: they take the settings.
    tune_malloc(cfg["runner"]["malloc_mmap_threshold"], cfg["runner"]["malloc_trim_threshold"])
    corpus = Path(corpus)
    out_dir = Path(out or cfg["report"]["out"])
    # Before the store is opened or a file read: a report folder holding the user's own files
    # is refused (OutputDirError), and what a killed run left beside it is cleaned up.
    prepare(out_dir, lambda msg: print(msg, file=sys.stderr, flush=True))
    cfg = keys.with_files_resolved(cfg)
    store = Store(resolve(cfg, cfg["store"]["path"]), cfg["store"]["memory_limit"], cfg["store"]["storage_compatibility"],
                  cfg["store"]["defer_checkpoint_mb"], cfg["store"]["read_ahead"])
    executor = executor or cfg["runner"]["executor"]
    scheduler = scheduler or cfg["runner"]["scheduler"]
    workers = default_workers(workers or cfg["runner"]["workers"])
    config_hash = stable_hash({k: v for k, v in cfg.items() if not k.startswith("_")})
    run_id = store.start_run(str(corpus.resolve()), config_hash, "update" if update else "refit")
    ctx = RunContext(cfg, store, run_id, corpus.resolve(), out_dir,
                     mode="update" if update else "refit", workers=workers)
    if update:
        from .corpus import STAGES
        from .prefetch import Prefetch

        ctx.prefetch = Prefetch(ctx, [s.name for s in STAGES if s.update is not None], cfg["runner"]["prefetch_mb"])
    # No cyclic garbage collection in the driver (as in the report, report/build.py): the stages
    # allocate millions of objects (stored results read back, their folds) and make almost no
    # reference cycles, but every allocation burst set off full collections that walked all of
    # them: 1.4 s of an update of one paper in 1,000 (ten full collections). A stage that fits
    # anew still collects when it is done (``release_memory``); forked workers collect as usual.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t = time.time()
        ctx.files = discover(corpus, cfg["ingest"]["suffixes"], int(cfg["ingest"]["max_bytes"]))
        doc_stages(ctx, workers, executor, scheduler, since=t)  # parse, segment, features (times, log lines)
        if ctx.stats.get("n_processed", 0) >= cfg["store"]["reopen_after"]:
            # the corpus stages read what the per-document stages wrote; in the connection that
            # wrote it every read pass grew with the store (Store.reopen): read it through a new one
            store.reopen()
        _changes(ctx)
        if update and any(ctx.changes.get(k) for k in ("added", "changed", "removed")):
            from ..report.background import warm_tables

            warm_tables(ctx)  # the report is written again: its tables' process starts now
        from .corpus import run_corpus_stages

        run_corpus_stages(ctx)
        from ..report.early_figures import finish as figures_drawn

        figures_drawn(ctx)  # no more early figures: their process ends when it has drawn them
        t = time.time()
        from ..report.build import write_report

        ctx.stats.update(_stats(ctx, started))
        ctx.stage = "report"
        if not _reuse_report(ctx):
            with store.reading(cfg["store"]["read_memory_limit"]):  # the report reads the store only
                write_report(ctx)
        ctx.stage = ""
        ctx.timings["report"] = time.time() - t
        ctx.log(f"report: {ctx.timings['report']:.1f} s, rss {rss_mb():.0f} MB")
    except BaseException:
        abort_run(store, run_id)
        store.close()
        raise
    finally:
        from ..report.early_figures import cancel

        cancel(ctx)  # figures drawn early that the report did not take
        from ..report.background import drop_early

        drop_early(ctx)  # the tables' process taken early by a run whose report did not take it
        from ..side import cool

        cool()  # a side process started for the report (warm_tables) that no report took
        gc.unfreeze()  # what release_memory froze is the collector's again
        if gc_was_enabled:
            gc.enable()
    ctx.stats.update(_stats(ctx, started))
    store.finish_run(run_id, ctx.stats, [(f.source, f.key, f.status, f.error) for f in ctx.files])
    store.close(defer_checkpoint=update)
    return ctx


def report_hash(ctx: RunContext) -> str:
    return keys.report_key(ctx)


def _reuse_report(ctx: RunContext) -> bool:
    """Nothing changed since the run that wrote this report: keep its pages, refresh run.json.

    The pages of an unchanged corpus are the same but for the run number, and rewriting them
    is most of a re-run's time.
    """
    from ..report.outdir import GENERATOR, read_run_info, write_json_atomic

    ctx.report_hash = report_hash(ctx)
    if any(ctx.changes.get(k) for k in ("added", "changed", "removed")):
        return False
    info = read_run_info(ctx.out)
    if info is None or info.get("report_hash") != ctx.report_hash or info.get("store") != str(ctx.store.path.resolve()):
        return False
    info.update({"generator": GENERATOR, "run_id": ctx.run_id, "stats": ctx.stats, "changes": ctx.changes,
                 "report_reused_from": info["run_id"]})
    # The kept pages show the same failures as when they were written.
    ctx.failed_sections = list(info.get("failed_sections") or [])
    # Replaced, not rewritten in place: a kill mid-write must not leave half a run.json, which
    # would no longer mark the folder as litmap's.
    write_json_atomic(ctx.out / "run.json", info)
    ctx.log(f"report: nothing changed since run {info['report_reused_from']}, pages kept")
    return True


def _stats(ctx: RunContext, started: float) -> dict[str, Any]:
    return {
        "n_files": len(ctx.files),
        "n_documents": len(ctx.papers),
        "n_added": len(ctx.changes.get("added", [])),
        "n_changed": len(ctx.changes.get("changed", [])),
        "n_removed": len(ctx.changes.get("removed", [])),
        "n_failed": sum(f.status == "failed" for f in ctx.files),
        "n_skipped": sum(f.status == "skipped" for f in ctx.files),
        "n_duplicates": sum(f.status == "duplicate" for f in ctx.files),
        "duplicates": {f.source: f.duplicate_of for f in ctx.files if f.status == "duplicate"},
        "n_processed": ctx.stats.get("n_processed", 0),
        "n_cached": ctx.stats.get("n_cached", 0),
        "seconds": round(time.time() - started, 3),
        "peak_rss_mb": round(peak_rss_mb()),
    }
