"""Scheduling of the per-document stages (parse, segment, features): what is not cached yet is
sent to the executor, and the results are stored in small transactions as they come back.

The work itself is in ``stages.py`` and ``features.py`` (pure functions of one file or paper);
this module decides what to run, stores it, and fills the run context with the heads of the
papers and the ids of the documents every corpus stage reads.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..config import resolve
from ..context import FileEntry, Head, Paper
from ..store.db import Store
from ..store.doc_cache import failed_ids, mirror_papers
from ..store.papers import write_papers
from . import keys
from .context import RunContext, head_of, with_source
from .executor import run_tasks
from .stages import PARSE_VERSION, SEGMENT_VERSION, init_parse, init_segment, parse_file, segment_paper

Result = dict[str, Any]  # one stage's JSON-able result for one file or document


def parse_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    cfg = ctx.cfg
    version = PARSE_VERSION
    cfg_hash = keys.parse_key(cfg, version)
    keyed = [f for f in ctx.files if f.key]
    ctx.parse_key = (version, cfg_hash)
    cached = ctx.store.cached_ids("parse", version, cfg_hash)
    todo = {f.key: f for f in keyed if f.key not in cached}
    aliases = resolve(cfg, cfg["refs"]["aliases"])
    bar = ctx.progress("parse", len(todo), "files")
    batch: list[tuple[str, Result]] = []
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
            init_parse, (str(aliases) if aliases else None, cfg["structure"], cfg["ingest"])):
        batch.append((key, result))
        if len(batch) >= 16 or time.time() - last > 1.0:
            flush()
            last = time.time()
        bar.update(1)
    if batch:
        flush()
    bar.close()
    mirror_papers(ctx.store, version, cfg_hash, sorted({f.key for f in keyed if f.key in cached}))
    ctx.stats["n_processed"] = len(todo)
    ctx.stats["n_cached"] = len(keyed) - len(todo)
    # Keep heads only: the full papers stay in the store and are streamed when a stage needs them.
    by_key: dict[str, list[FileEntry]] = {}
    for f in keyed:
        by_key.setdefault(f.key, []).append(f)
    heads: dict[str, Head] = {}
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


def _heads_result(result: Result) -> Result:
    return {"error": result["error"]} if "error" in result else {"heads": [head_of(p) for p in result["papers"]]}


def _iter_heads(store: Store, keys: list[str], version: str, cfg_hash: str) -> Iterator[tuple[str, Result]]:
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


def _parse_keyed(item: tuple[str, str, str]) -> Result:
    path, source, _key = item
    return parse_file((path, source))


def _run_doc_stage(ctx: RunContext, name: str, fn: Callable[[Any], Result], items: Iterable[Any], count: int,
                   workers: int, executor: str, scheduler: str | None, init: Callable[..., None], initargs: tuple,
                   store_result: Callable[[Result], None]) -> dict[str, str]:
    """Run a per-document stage over streamed items, storing results in small transactions;
    returns {doc_id: error} for the documents it could not process."""
    bar = ctx.progress(name, count)
    pending: list[Result] = []
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
            str(resolve(cfg, cfg["segment"]["userdict"])))


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
    failed = failed_ids(ctx.store, "segment", SEGMENT_VERSION, cfg_hash, ids)
    for d, err in sorted(failed.items()):
        ctx.log(f"warning: {d}: {err}")
    ctx.doc_ids = [d for d in ids if d not in failed]


def features_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> None:
    """The per-document map of the corpus stages (see ``features.py``), cached like segmentation."""
    from ..store.docs import put_doc_bin
    from .features import DOC_PART, FEATURES_VERSION, PARTS, doc_features, init_features

    cfg = ctx.cfg
    cfg_hash = keys.features_key(cfg, FEATURES_VERSION, ctx.segment_key[1])
    ctx.features_key = (FEATURES_VERSION, cfg_hash)
    cached = ctx.store.cached_ids(PARTS[0], FEATURES_VERSION, cfg_hash)
    todo = [d for d in ctx.doc_ids if d not in cached]

    def items() -> Iterator[tuple[Paper, dict[str, Any]]]:
        toks = ctx.iter_tokens(todo)
        for p, (d, t) in zip(ctx.iter_papers(todo), toks):
            assert p["doc_id"] == d
            yield p, t

    def store_result(r: Result) -> None:
        if "error" in r:
            ctx.store.put_result(PARTS[0], r["doc_id"], FEATURES_VERSION, cfg_hash, r)
            return
        for part in PARTS:
            ctx.store.put_result(part, r["doc_id"], FEATURES_VERSION, cfg_hash, r[part])
        if DOC_PART in r:  # a paper over concepts.max_doc_tokens has none
            put_doc_bin(ctx.store, r["doc_id"], FEATURES_VERSION, cfg_hash, r[DOC_PART])

    errors = _run_doc_stage(ctx, "features", doc_features, items(), len(todo), workers, executor, scheduler,
                            init_features, features_initargs(cfg), store_result)
    errors.update(failed_ids(ctx.store, PARTS[0], FEATURES_VERSION, cfg_hash, ctx.doc_ids))
    for d, err in sorted(errors.items()):
        ctx.log(f"warning: {d}: {err}")
    ctx.doc_ids = [d for d in ctx.doc_ids if d not in errors]
