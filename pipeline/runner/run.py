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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import resolve, stable_hash
from ..store.db import Store
from ..store.papers import write_papers
from . import keys
from .discover import FileEntry, discover
from .executor import default_workers, run_tasks
from .memory import peak_rss_mb, rss_mb
from .stages import PARSE_VERSION, SEGMENT_VERSION, init_parse, init_segment, parse_file, segment_paper

HEAD_KEYS = ("doc_id", "source", "kind", "script", "encoding", "warnings", "meta")


def head_of(p: dict[str, Any]) -> dict[str, Any]:
    """What every stage may hold for every paper at once: identity and metadata, not the text.
    The text (sections, footnotes) is streamed from the store by :meth:`RunContext.iter_papers`."""
    h = {k: p.get(k) for k in HEAD_KEYS}
    h["n_paragraphs"] = sum(len(s["paragraphs"]) for s in p["sections"])
    h["n_footnotes"] = len(p["footnotes"])
    return h


@dataclass
class RunContext:
    cfg: dict[str, Any]
    store: Store
    run_id: int
    corpus: Path
    out: Path
    mode: str = "refit"  # refit | update
    files: list[FileEntry] = field(default_factory=list)
    papers: list[dict[str, Any]] = field(default_factory=list)  # heads of the ok documents, sorted by source
    changes: dict[str, list[str]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)  # corpus stage outputs by stage name
    stats: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    stage_hashes: dict[str, str] = field(default_factory=dict)  # corpus stage -> input hash (cache key)
    parse_key: tuple[str, str] = ("", "")  # (version, config hash) of this run's parse results
    segment_key: tuple[str, str] = ("", "")
    features_key: tuple[str, str] = ("", "")
    doc_file: dict[str, tuple[str, str]] = field(default_factory=dict)  # doc_id -> (file key, source)
    doc_ids: list[str] = field(default_factory=list)  # sorted ids of documents with tokens and features
    new_doc_ids: list[str] = field(default_factory=list)  # documents no stored corpus result has seen
    report_hash: str = ""  # hash of everything the report shows; equal hashes -> the same pages
    failed_sections: list[str] = field(default_factory=list)  # report parts that failed ("section failed" boxes)
    workers: int = 0  # processes the run may use (the report's side processes too)
    memo: dict[str, Any] = field(default_factory=dict)  # values the report's pages share within one run

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    # -- streaming reads: a stage never needs every paper in memory at once -----------------
    def iter_papers(self, doc_ids: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Full paper dicts (sections, footnotes, citations) in the order of ``doc_ids`` (default:
        every document, sorted by doc_id), read from the parse cache a batch of files at a time."""
        ids = sorted(self.doc_file) if doc_ids is None else [d for d in doc_ids if d in self.doc_file]
        version, cfg_hash = self.parse_key
        for i in range(0, len(ids), 128):
            chunk = ids[i:i + 128]
            got = self.store.get_results("parse", sorted({self.doc_file[d][0] for d in chunk}), version, cfg_hash)
            for d in chunk:
                key, source = self.doc_file[d]
                for p in got.get(key, {}).get("papers", []):
                    if p["doc_id"] == d:
                        yield with_source(p, source)
                        break

    def iter_tokens(self, doc_ids: list[str] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        for d, r in self.store.iter_results("segment", self.doc_ids if doc_ids is None else doc_ids, *self.segment_key):
            if "tokens" in r:
                yield d, r["tokens"]

    def iter_part(self, part: str, doc_ids: list[str] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """(doc_id, payload) of one per-document feature part (see ``features.py``)."""
        for d, r in self.store.iter_results(part, self.doc_ids if doc_ids is None else doc_ids, *self.features_key):
            if "error" not in r:
                yield d, r


def _progress(total: int, desc: str, started: float, cfg: dict[str, Any]):
    """A tqdm bar that only shows on runs that take a while (and never in a pipe)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=not sys.stderr.isatty(),
                delay=cfg["runner"].get("progress_after_s", 3), leave=False)


def parse_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    cfg = ctx.cfg
    version = PARSE_VERSION
    cfg_hash = keys.parse_key(cfg, version)
    keyed = [f for f in ctx.files if f.key]
    ctx.parse_key = (version, cfg_hash)
    cached = ctx.store.cached_ids("parse", version, cfg_hash)
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
                ctx.store.put_result("head", key, version, cfg_hash, _heads_result(result))
            write_papers(ctx.store, [p for _k, r in batch for p in r.get("papers", [])], version)
        batch.clear()

    for (path, source, key), result in run_tasks(
            _parse_keyed, [(f.path, f.source, k) for k, f in todo.items()], workers, executor, scheduler,
            init_parse, (str(aliases) if aliases else None, cfg.get("structure", {}), cfg.get("ingest", {}))):
        batch.append((key, result))
        if len(batch) >= 16 or time.time() - last > 1.0:
            flush()
            last = time.time()
        bar.update(1)
    if batch:
        flush()
    bar.close()
    _mirror_papers(ctx.store, version, cfg_hash, sorted({f.key for f in keyed if f.key in cached}))
    ctx.stats["n_processed"] = len(todo)
    ctx.stats["n_cached"] = len(keyed) - len(todo)
    # Keep heads only: the full papers stay in the store and are streamed when a stage needs them.
    by_key: dict[str, list[FileEntry]] = {}
    for f in keyed:
        by_key.setdefault(f.key, []).append(f)
    heads: dict[str, dict[str, Any]] = {}
    file_docs: dict[str, list[str]] = {}
    for key, res in _iter_heads(ctx.store, sorted(by_key), version, cfg_hash):
        for f in by_key[key]:
            if "error" in res:
                f.status, f.error = "failed", res["error"]
                continue
            f.status = "ok"
            file_docs[f.source] = [p["doc_id"] for p in res["heads"]]
            for p in res["heads"]:
                # The same bytes under two names are one document; the first source (sorted) names it.
                h = with_source(p, f.source)
                if p["doc_id"] not in heads or h["source"] < heads[p["doc_id"]]["source"]:
                    heads[p["doc_id"]] = h
                    ctx.doc_file[p["doc_id"]] = (key, f.source)
    ctx.papers = sorted(heads.values(), key=lambda h: h["source"])
    _mark_duplicates(ctx, file_docs)


def _mark_duplicates(ctx: RunContext, file_docs: dict[str, list[str]]) -> None:
    """A file whose every document another file already holds (a copy, the same CSSCI download in
    GBK and in UTF-8) adds nothing: it is listed as a duplicate of that file, never dropped
    silently. Its documents are read once, under the file that names them."""
    for f in ctx.files:
        ids = file_docs.get(f.source)
        if f.status != "ok" or not ids:
            continue
        owners = sorted({ctx.doc_file[d][1] for d in ids if d in ctx.doc_file})
        if owners and f.source not in owners:
            f.status = "duplicate"
            f.duplicate_of = ";".join(owners)
            f.error = (f"duplicate of {', '.join(owners)}: its {len(ids)} "
                       f"{'record is' if len(ids) == 1 else 'records are'} the same")
            ctx.log(f"note: {f.source}: {f.error}")


def _mirror_papers(store: Store, version: str, cfg_hash: str, cached: list[str]) -> None:
    """The queryable document tables (documents, sentences, refs …) show the parse of this
    run's settings. Papers read from the cache were parsed under these settings but the tables
    may hold another parse of them (an alias edit, then undone): write those again, once."""
    row = store.con.execute("SELECT value FROM kv WHERE key='mirrored:parse'").fetchone()
    if row and row[0] == cfg_hash:
        return
    for i in range(0, len(cached), 128):
        got = store.get_results("parse", cached[i:i + 128], version, cfg_hash)
        with store.transaction():
            write_papers(store, [p for r in got.values() for p in r.get("papers", [])], version)
    store.con.execute("INSERT OR REPLACE INTO kv VALUES ('mirrored:parse', ?)", [cfg_hash])


def _heads_result(result: dict[str, Any]) -> dict[str, Any]:
    return {"error": result["error"]} if "error" in result else {"heads": [head_of(p) for p in result["papers"]]}


def _iter_heads(store: Store, keys: list[str], version: str, cfg_hash: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Heads of every file, from their small cached copies (a run over 10,000 cached papers reads
    kilobytes per paper, not the papers); a store written before heads were cached gets them
    from the parse results, once."""
    for key, res in store.iter_results("head", keys, version, cfg_hash, batch=512):
        yield key, res
    have = store.cached_ids("head", version, cfg_hash)
    missing = [k for k in keys if k not in have]
    for key, res in store.iter_results("parse", missing, version, cfg_hash):
        h = _heads_result(res)
        store.put_result("head", key, version, cfg_hash, h)
        yield key, h


def with_source(p: dict[str, Any], source: str) -> dict[str, Any]:
    """A cached paper shown under the file's current name (a renamed or copied file keeps its
    cache entry, keyed by content); ``#N`` of an export record is kept."""
    tail = p["source"].split("#", 1)
    new = source + ("#" + tail[1] if len(tail) > 1 else "")
    return p if new == p["source"] else {**p, "source": new}


def _parse_keyed(item: tuple[str, str, str]) -> dict[str, Any]:
    path, source, _key = item
    return parse_file((path, source))


def _run_doc_stage(ctx: RunContext, name: str, fn: Any, items: Any, count: int, workers: int, executor: str,
                   scheduler: str | None, init: Any, initargs: tuple, store_result: Any) -> dict[str, str]:
    """Run a per-document stage over streamed items, storing results in small transactions;
    returns {doc_id: error} for the documents it could not process."""
    bar = _progress(count, name, time.time(), ctx.cfg)
    pending: list[dict[str, Any]] = []
    errors: dict[str, str] = {}

    def flush() -> None:
        if pending:
            with ctx.store.transaction():
                for r in pending:
                    store_result(r)
            pending.clear()

    for _item, result in run_tasks(fn, items, workers, executor, scheduler, init, initargs, count=count):
        pending.append(result)
        if "error" in result:
            errors[result["doc_id"]] = result["error"]
        if len(pending) >= 16:
            flush()
        bar.update(1)
    flush()
    bar.close()
    return errors


def segment_initargs(cfg: dict[str, Any]) -> tuple:
    """What a segment worker is initialized with (``stages.init_segment``)."""
    return ({"backend": cfg["segment"]["backend"]}, str(resolve(cfg, cfg["concepts"]["registry"])),
            str(resolve(cfg, cfg["segment"].get("userdict"))))


def features_initargs(cfg: dict[str, Any]) -> tuple:
    """What a features worker is initialized with (``features.init_features``)."""
    sub = {k: cfg.get(k) for k in ("segment", "cooccurrence", "report", "concepts") if k in cfg}
    sub["_root"] = cfg.get("_root")
    return str(resolve(cfg, cfg["concepts"]["registry"])), sub


def segment_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    cfg = ctx.cfg
    cfg_hash = keys.segment_key(cfg, SEGMENT_VERSION, ctx.parse_key[1])
    ctx.segment_key = (SEGMENT_VERSION, cfg_hash)
    ids = sorted(ctx.doc_file)
    cached = ctx.store.cached_ids("segment", SEGMENT_VERSION, cfg_hash)
    todo = [d for d in ids if d not in cached]
    _run_doc_stage(ctx, "segment", segment_paper, ctx.iter_papers(todo), len(todo), workers, executor, scheduler,
                   init_segment, segment_initargs(cfg),
                   lambda r: ctx.store.put_result("segment", r["doc_id"], SEGMENT_VERSION, cfg_hash, r))
    failed = _failed_ids(ctx.store, "segment", SEGMENT_VERSION, cfg_hash, ids)
    for d, err in sorted(failed.items()):
        ctx.log(f"warning: {d}: {err}")
    ctx.doc_ids = [d for d in ids if d not in failed]


def _failed_ids(store: Store, stage: str, version: str, cfg_hash: str, ids: list[str]) -> dict[str, str]:
    """Documents whose stored result is an error, without reading every payload."""
    import json

    rows = store.con.execute(
        "SELECT doc_id, payload FROM stage_results WHERE stage=? AND version=? AND cfg_hash=? "
        "AND payload LIKE '%\"error\": %' AND doc_id IN (SELECT unnest(?))", [stage, version, cfg_hash, ids]).fetchall()
    out = {}
    for d, payload in rows:
        r = json.loads(payload)
        if "error" in r:
            out[d] = r["error"]
    return out


def features_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    """The per-document map of the corpus stages (see ``features.py``), cached like segmentation."""
    from ..store.docs import put_doc_bin
    from .features import DOC_PART, FEATURES_VERSION, PARTS, doc_features, init_features

    cfg = ctx.cfg
    cfg_hash = keys.features_key(cfg, FEATURES_VERSION, ctx.segment_key[1])
    ctx.features_key = (FEATURES_VERSION, cfg_hash)
    cached = ctx.store.cached_ids(PARTS[0], FEATURES_VERSION, cfg_hash)
    todo = [d for d in ctx.doc_ids if d not in cached]
    def items() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        toks = ctx.iter_tokens(todo)
        for p, (d, t) in zip(ctx.iter_papers(todo), toks):
            assert p["doc_id"] == d
            yield p, t

    def store_result(r: dict[str, Any]) -> None:
        if "error" in r:
            ctx.store.put_result(PARTS[0], r["doc_id"], FEATURES_VERSION, cfg_hash, r)
            return
        for part in PARTS:
            ctx.store.put_result(part, r["doc_id"], FEATURES_VERSION, cfg_hash, r[part])
        if DOC_PART in r:  # a paper over concepts.max_doc_tokens has none
            put_doc_bin(ctx.store, r["doc_id"], FEATURES_VERSION, cfg_hash, r[DOC_PART])

    errors = _run_doc_stage(ctx, "features", doc_features, items(), len(todo), workers, executor, scheduler,
                            init_features, features_initargs(cfg), store_result)
    errors.update(_failed_ids(ctx.store, PARTS[0], FEATURES_VERSION, cfg_hash, ctx.doc_ids))
    for d, err in sorted(errors.items()):
        ctx.log(f"warning: {d}: {err}")
    ctx.doc_ids = [d for d in ctx.doc_ids if d not in errors]


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
    corpus = Path(corpus)
    out_dir = Path(out or cfg["report"]["out"])
    # Before the store is opened or a file read: a report folder holding the user's own files
    # is refused (OutputDirError), and what a killed run left beside it is cleaned up.
    prepare(out_dir, lambda msg: print(msg, file=sys.stderr, flush=True))
    cfg = keys.with_files_resolved(cfg)
    store = Store(resolve(cfg, cfg["store"]["path"]), cfg["store"].get("memory_limit"))
    executor = executor or cfg["runner"].get("executor", "local")
    scheduler = scheduler or cfg["runner"].get("scheduler")
    workers = default_workers(workers or cfg["runner"].get("workers"))
    config_hash = stable_hash({k: v for k, v in cfg.items() if not k.startswith("_")})
    run_id = store.start_run(str(corpus.resolve()), config_hash, "update" if update else "refit")
    ctx = RunContext(cfg, store, run_id, corpus.resolve(), out_dir,
                     mode="update" if update else "refit", workers=workers)
    try:
        t = time.time()
        ctx.files = discover(corpus, cfg["ingest"]["suffixes"], int(cfg["ingest"]["max_bytes"]))
        parse_stage(ctx, workers, executor, scheduler)
        ctx.timings["parse"] = time.time() - t
        ctx.log(f"parse: {ctx.stats['n_processed']} processed, {ctx.stats['n_cached']} cached, {ctx.timings['parse']:.1f} s")
        t = time.time()
        segment_stage(ctx, workers, executor, scheduler)
        ctx.timings["segment"] = time.time() - t
        ctx.log(f"segment: {ctx.timings['segment']:.1f} s, rss {rss_mb():.0f} MB")
        t = time.time()
        features_stage(ctx, workers, executor, scheduler)
        ctx.timings["features"] = time.time() - t
        ctx.log(f"features: {ctx.timings['features']:.1f} s, rss {rss_mb():.0f} MB")
        _changes(ctx)
        from .corpus import run_corpus_stages

        run_corpus_stages(ctx)
        t = time.time()
        from ..report.build import write_report

        ctx.stats.update(_stats(ctx, started))
        if not _reuse_report(ctx):
            write_report(ctx)
        ctx.timings["report"] = time.time() - t
        ctx.log(f"report: {ctx.timings['report']:.1f} s, rss {rss_mb():.0f} MB")
    except BaseException:
        store.con.execute("UPDATE runs SET status='aborted' WHERE run_id=?", [run_id])
        store.close()
        raise
    ctx.stats.update(_stats(ctx, started))
    store.finish_run(run_id, ctx.stats, [(f.source, f.key, f.status, f.error) for f in ctx.files])
    store.close()
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
