"""``litmap run``: plan what is new, run per-document stages, corpus stages, then the report.

Planning is by content key: a file whose key (hash of its bytes and sidecar) has a cached parse
under the current stage version and config is not parsed again; a document whose tokens are
cached is not segmented again. Corpus stages are cached under the hash of their inputs (see
``corpus.py``), so an unchanged corpus refits nothing, and the run finishes in about the time
it takes to read the cache and write the report.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import resolve, section_hash, stable_hash
from ..store.db import Store
from ..store.papers import write_papers
from .discover import FileEntry, discover
from .executor import default_workers, run_tasks
from .stages import PARSE_VERSION, SEGMENT_VERSION, init_parse, init_segment, parse_file, segment_paper


@dataclass
class RunContext:
    cfg: dict[str, Any]
    store: Store
    run_id: int
    corpus: Path
    out: Path
    mode: str = "refit"  # refit | update
    files: list[FileEntry] = field(default_factory=list)
    papers: list[dict[str, Any]] = field(default_factory=list)  # ok documents of this run, sorted by source
    doc_rows: list[dict[str, Any]] = field(default_factory=list)  # one row per document or failed file
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)  # corpus stage outputs by stage name
    stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stage_hashes: dict[str, str] = field(default_factory=dict)  # corpus stage -> input hash (cache key)
    parse_key: tuple[str, str] = ("", "")  # (version, config hash) of this run's parse results
    report_hash: str = ""  # hash of everything the report shows; equal hashes -> the same pages

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)


def _progress(total: int, desc: str, started: float, cfg: dict[str, Any]):
    """A tqdm bar that only shows on runs that take a while (and never in a pipe)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=not sys.stderr.isatty(),
                delay=cfg["runner"].get("progress_after_s", 3), leave=False)


def parse_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    cfg = ctx.cfg
    version = PARSE_VERSION
    cfg_hash = section_hash(cfg, "structure") + section_hash(cfg, "refs", ("aliases",))
    keyed = [f for f in ctx.files if f.key]
    ctx.parse_key = (version, cfg_hash)
    cached = ctx.store.get_results("parse", sorted({f.key for f in keyed}), version, cfg_hash)
    todo = {f.key: f for f in keyed if f.key not in cached}
    aliases = resolve(cfg, cfg["refs"].get("aliases"))
    bar = _progress(len(todo), "parse", time.time(), cfg)
    batch: list[tuple[str, dict[str, Any]]] = []
    last = time.time()

    def flush() -> None:
        # One transaction per small batch: a killed run keeps every committed document, and the
        # store is not hit with one commit per file on a large corpus.
        with ctx.store.transaction():
            for key, result in batch:
                ctx.store.put_result("parse", key, version, cfg_hash, result)
            write_papers(ctx.store, [p for _k, r in batch for p in r.get("papers", [])], version)
        batch.clear()

    for (path, source, key), result in run_tasks(
            _parse_keyed, [(f.path, f.source, k) for k, f in todo.items()], workers, executor, scheduler,
            init_parse, (str(aliases) if aliases else None, cfg.get("structure", {}))):
        batch.append((key, result))
        cached[key] = result
        if len(batch) >= 16 or time.time() - last > 1.0:
            flush()
            last = time.time()
        bar.update(1)
    if batch:
        flush()
    bar.close()
    ctx.stats["n_processed"] = len(todo)
    ctx.stats["n_cached"] = len(keyed) - len(todo)
    for f in ctx.files:
        if f.key is None:
            continue
        res = cached[f.key]
        if "error" in res:
            f.status, f.error = "failed", res["error"]
            continue
        f.status = "ok"
        for p in res["papers"]:
            # The same bytes under two names are one document; the first source (sorted) names it.
            ctx.papers.append(with_source(p, f.source))


def with_source(p: dict[str, Any], source: str) -> dict[str, Any]:
    """A cached paper shown under the file's current name (a renamed or copied file keeps its
    cache entry, keyed by content); ``#N`` of an export record is kept."""
    tail = p["source"].split("#", 1)
    new = source + ("#" + tail[1] if len(tail) > 1 else "")
    return p if new == p["source"] else {**p, "source": new}


def _parse_keyed(item: tuple[str, str, str]) -> dict[str, Any]:
    path, source, _key = item
    return parse_file((path, source))


def segment_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    cfg = ctx.cfg
    seg = cfg["segment"]
    cfg_hash = section_hash(cfg, "segment", ("userdict", "concepts", "stopwords"))
    ids = sorted({p["doc_id"] for p in ctx.papers})
    cached = ctx.store.get_results("segment", ids, SEGMENT_VERSION, cfg_hash)
    seen: set[str] = set(cached)
    todo = []
    for p in ctx.papers:
        if p["doc_id"] not in seen:
            seen.add(p["doc_id"])
            todo.append(p)
    initargs = ({"backend": seg.get("backend", "jieba")}, str(resolve(cfg, seg.get("concepts"))),
                str(resolve(cfg, seg.get("userdict"))))
    bar = _progress(len(todo), "segment", time.time(), cfg)
    pending: list[dict[str, Any]] = []
    for _p, result in run_tasks(segment_paper, todo, workers, executor, scheduler, init_segment, initargs):
        pending.append(result)
        cached[result["doc_id"]] = result
        if len(pending) >= 16:
            _put_many(ctx.store, "segment", SEGMENT_VERSION, cfg_hash, pending)
        bar.update(1)
    _put_many(ctx.store, "segment", SEGMENT_VERSION, cfg_hash, pending)
    bar.close()
    ctx.tokens = {k: v["tokens"] for k, v in cached.items() if "tokens" in v}
    for k, v in cached.items():
        if "error" in v:
            ctx.log(f"warning: {k}: {v['error']}")


def _put_many(store: Store, stage: str, version: str, cfg_hash: str, results: list[dict[str, Any]]) -> None:
    if results:
        with store.transaction():
            for r in results:
                store.put_result(stage, r["doc_id"], version, cfg_hash, r)
        results.clear()


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
    started = time.time()
    corpus = Path(corpus)
    store = Store(resolve(cfg, cfg["store"]["path"]))
    executor = executor or cfg["runner"].get("executor", "local")
    scheduler = scheduler or cfg["runner"].get("scheduler")
    workers = default_workers(workers or cfg["runner"].get("workers"))
    config_hash = stable_hash({k: v for k, v in cfg.items() if not k.startswith("_")})
    run_id = store.start_run(str(corpus.resolve()), config_hash, "update" if update else "refit")
    ctx = RunContext(cfg, store, run_id, corpus.resolve(), Path(out or cfg["report"]["out"]),
                     mode="update" if update else "refit")
    try:
        t = time.time()
        ctx.files = discover(corpus, cfg["ingest"]["suffixes"], int(cfg["ingest"]["max_bytes"]))
        parse_stage(ctx, workers, executor, scheduler)
        ctx.timings["parse"] = time.time() - t
        ctx.log(f"parse: {ctx.stats['n_processed']} processed, {ctx.stats['n_cached']} cached, {ctx.timings['parse']:.1f} s")
        t = time.time()
        segment_stage(ctx, workers, executor, scheduler)
        ctx.timings["segment"] = time.time() - t
        ctx.log(f"segment: {ctx.timings['segment']:.1f} s")
        _changes(ctx)
        from .corpus import run_corpus_stages

        run_corpus_stages(ctx)
        t = time.time()
        from ..report.build import write_report

        ctx.stats.update(_stats(ctx, started))
        if not _reuse_report(ctx):
            write_report(ctx)
        ctx.timings["report"] = time.time() - t
    except BaseException:
        store.con.execute("UPDATE runs SET status='aborted' WHERE run_id=?", [run_id])
        store.close()
        raise
    ctx.stats.update(_stats(ctx, started))
    store.finish_run(run_id, ctx.stats, [(f.source, f.key, f.status, f.error) for f in ctx.files])
    store.close()
    return ctx


def report_hash(ctx: RunContext) -> str:
    from .. import __version__

    return stable_hash({"stages": ctx.stage_hashes, "files": [(f.source, f.key, f.status, f.error) for f in ctx.files],
                        "report": ctx.cfg.get("report"), "mode": ctx.mode, "version": __version__})


def _reuse_report(ctx: RunContext) -> bool:
    """Nothing changed since the run that wrote this report: keep its pages, refresh run.json.

    The pages of an unchanged corpus are the same but for the run number, and rewriting them
    is most of a re-run's time.
    """
    import json

    ctx.report_hash = report_hash(ctx)
    info_path = ctx.out / "run.json"
    if any(ctx.changes.get(k) for k in ("added", "changed", "removed")) or not info_path.is_file():
        return False
    try:
        info = json.loads(info_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if info.get("report_hash") != ctx.report_hash or info.get("store") != str(ctx.store.path.resolve()):
        return False
    info.update({"run_id": ctx.run_id, "stats": ctx.stats, "changes": ctx.changes, "report_reused_from": info["run_id"]})
    info_path.write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
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
        "n_processed": ctx.stats.get("n_processed", 0),
        "n_cached": ctx.stats.get("n_cached", 0),
        "seconds": round(time.time() - started, 3),
    }
