"""Scheduling of the per-document stages (parse, segment, features): what is not cached yet is
sent to the executor, and the results are stored in batches as they come back (one
transaction and one statement per table a batch: DuckDB's cost is per statement).

A new file is parsed, segmented and extracted in one worker task (``one_pass.py``), which
returns every result already encoded; the driver stores them under the stages' own keys, so a
later run finds them as if the stages had run apart.

The work itself is in ``stages.py`` and ``features.py`` (pure functions of one file or paper);
this module decides what to run, stores it, and fills the run context with the heads of the
papers and the ids of the documents every corpus stage reads.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..config import resolve
from ..context import FileEntry, Head, Paper
from ..store.db import Store, payload_text
from ..store.doc_cache import drop_features, failed_ids, mirror_papers
from . import keys
from .context import RunContext, head_of, with_source
from .executor import run_tasks
from .stages import PARSE_VERSION, SEGMENT_VERSION, init_segment, segment_paper

Result = dict[str, Any]  # one stage's JSON-able result for one file or document


@dataclass
class OnePass:
    """What a stage did of the stages after it (``one_pass.py``): the seconds the workers spent
    in parse, segment and features, and how many documents it segmented and extracted."""

    seconds: tuple[float, float, float] = (0.0, 0.0, 0.0)
    segmented: int = 0
    featured: int = 0


def doc_stages(ctx: RunContext, workers: int, executor: str, scheduler: str | None,
               since: float | None = None) -> None:
    """parse, segment and features, each with its time in ``ctx.timings`` and its log line.

    A new file goes through the three in one task (``one_pass.py``); its time is split among
    them by what the workers measured of each (the parse's share takes what the driver did
    before, from ``since``: finding the files). What is left after that pass goes through the
    stages that are missing: documents whose parse is cached but whose tokens and features are
    not (an edited segment section) get both in one task per file, documents missing only
    their features (an edited concepts section) go through features alone. One pool start and
    one worker set-up (dictionaries, registry, spaCy) per pass, not per stage."""
    from .memory import rss_mb

    t = time.time()
    done = parse_stage(ctx, workers, executor, scheduler)
    split = done.seconds
    # ``--update`` read the stored results meanwhile (``prefetch.py``): that time is its own,
    # not the new papers' (the workers' time under it is not the driver's wait)
    ahead = ctx.prefetch.seconds if ctx.prefetch is not None else 0.0
    if ahead:
        ctx.timings["prefetch"] = ahead
    wall = max(time.time() - t - ahead, 0.0)
    shares = [wall * s / sum(split) for s in split] if sum(split) else [wall, 0.0, 0.0]
    ctx.timings["parse"] = shares[0] + t - (since or t)
    ctx.log(f"parse: {ctx.stats['n_processed']} processed, {ctx.stats['n_cached']} cached, {ctx.timings['parse']:.1f} s")
    t = time.time()
    more = segment_stage(ctx, workers, executor, scheduler, done=done.segmented)
    wall = time.time() - t
    work = more.seconds[1] + more.seconds[2]
    moved = wall * more.seconds[2] / work if work else 0.0  # the features made with the tokens
    ctx.timings["segment"] = shares[1] + wall - moved
    ctx.log(f"segment: {ctx.timings['segment']:.1f} s, rss {rss_mb():.0f} MB")
    t = time.time()
    features_stage(ctx, workers, executor, scheduler, done=done.featured + more.featured)
    ctx.timings["features"] = shares[2] + moved + time.time() - t
    ctx.log(f"features: {ctx.timings['features']:.1f} s, rss {rss_mb():.0f} MB")


class BatchWriter:
    """Per-document results on their way to the store: result texts, document-table rows and
    DocBins, written in one transaction and one statement per table every ``runner.store_batch``
    files or ``runner.store_batch_s`` seconds. A killed run keeps every committed document, and
    DuckDB's cost per statement is paid per batch, not per row."""

    def __init__(self, ctx: RunContext) -> None:
        r = ctx.cfg["runner"]
        self.store = ctx.store
        self.every_n, self.every_s = int(r["store_batch"]), float(r["store_batch_s"])
        self.max_chars = int(float(r["store_batch_mb"]) * 2**20)
        self.texts: list[tuple[str, str, str, str, str]] = []
        self.rows: list[tuple[str, dict[str, list[tuple]]]] = []
        self.bins: list[tuple[str, str, str, bytes]] = []
        self.n, self.last = 0, time.time()

    def done_one(self) -> None:
        """One file or document more is in the batch: write the batch if it is due."""
        self.n += 1
        if self.n >= self.every_n or time.time() - self.last > self.every_s:
            self.flush()

    def flush(self) -> None:
        from ..store.docs import put_doc_bins
        from ..store.papers import write_rows

        if sum(len(t[4]) for t in self.texts) <= self.max_chars:
            groups = [(self.texts, self.rows, self.bins)]
        else:
            # More than DuckDB can hold in one transaction within store.memory_limit (a 15 MB
            # paper's parse and features ran out of memory together): one stage at a time, in
            # the order a killed run resumes from (a parse without tokens or features, tokens
            # without features), as the stages wrote them before they ran in one pass.
            first = [t for t in self.texts if t[0] in ("parse", "head")]
            tokens = [t for t in self.texts if t[0] == "segment"]
            rest = [t for t in self.texts if t[0] not in ("parse", "head", "segment")]
            groups = [(first, self.rows, []), (tokens, [], []), (rest, [], self.bins)]
        big = len(groups) > 1
        for texts, rows, bins in groups:
            if texts or rows or bins:
                with self.store.transaction():
                    # and one statement per result: one statement of several such texts is
                    # more than DuckDB's buffer pool holds at once
                    for chunk in ([[t] for t in texts] if big else [texts]):
                        self.store.put_texts(chunk)
                    write_rows(self.store, rows)
                    put_doc_bins(self.store, bins, keys.lib_version("spacy"))
        self.texts.clear(), self.rows.clear(), self.bins.clear()
        self.n, self.last = 0, time.time()


def parse_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None) -> OnePass:
    """Parse the files not parsed under these settings, and segment and extract the features
    of their documents in the same task; returns what it did of the three (the seconds split
    the stage times, the counts fill the later stages' bars)."""
    from .features import FEATURES_VERSION, PARTS
    from .one_pass import init_one_pass, one_pass

    cfg = ctx.cfg
    version = PARSE_VERSION
    cfg_hash = keys.parse_key(cfg, version)
    keyed = [f for f in ctx.files if f.key]
    ctx.parse_key = (version, cfg_hash)
    seg_hash = keys.segment_key(cfg, SEGMENT_VERSION, cfg_hash)
    feat_hash = keys.features_key(cfg, FEATURES_VERSION, seg_hash)
    cached = ctx.store.cached_ids("parse", version, cfg_hash)
    todo = {f.key: f for f in keyed if f.key not in cached}
    # The source a document is shown under: the first (sorted) name of the files holding it
    # (RunContext.doc_file); for files of equal bytes that is known before parsing.
    first = {}
    for f in keyed:
        if f.key in todo and (f.key not in first or f.source < first[f.key]):
            first[f.key] = f.source
    aliases = resolve(cfg, cfg["refs"]["aliases"])
    # Documents whose tokens or features are stored already keep them, as the stages apart did.
    have_seg = ctx.store.cached_ids("segment", SEGMENT_VERSION, seg_hash) if todo else set()
    have_feat = ctx.store.cached_ids(PARTS[0], FEATURES_VERSION, feat_hash) if todo else set()
    fused: dict[str, str] = {}  # doc_id -> the source its features were made under
    segmented = 0
    bar = ctx.progress("parse", len(todo), "files")
    out = BatchWriter(ctx)
    texts, bins = out.texts, out.bins
    seconds = [0.0, 0.0, 0.0]
    tasks = [(f.path, f.source, first[k], version, k) for k, f in todo.items()]
    for (_path, _source, doc_source, _v, key), r in run_tasks(
            one_pass, tasks, workers, executor, scheduler, init_one_pass,
            ((str(aliases) if aliases else None, cfg["structure"], cfg["ingest"]),
             segment_initargs(cfg), features_initargs(cfg)),
            meanwhile=ctx.prefetch.load if ctx.prefetch is not None else None, ahead=_ahead(ctx)):
        texts += [("parse", key, version, cfg_hash, r["parse"]), ("head", key, version, cfg_hash, r["head"])]
        out.rows += r["rows"]
        for d in r["docs"]:
            doc_id = d["doc_id"]
            if doc_id not in have_seg:
                texts.append(("segment", doc_id, SEGMENT_VERSION, seg_hash, d["segment"]))
                have_seg.add(doc_id)
                segmented += 1
            if "features" in d and doc_id not in have_feat:
                texts += [(part, doc_id, FEATURES_VERSION, feat_hash, t) for part, t in d["features"].items()]
                if d.get("doc_bin") is not None:  # a paper over concepts.max_doc_tokens has none
                    bins.append((doc_id, FEATURES_VERSION, feat_hash, d["doc_bin"]))
                have_feat.add(doc_id)
                fused[doc_id] = doc_source
        seconds = [a + b for a, b in zip(seconds, r["seconds"])]
        out.done_one()
        bar.update(1)
    out.flush()
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
    # A document read from two files of different bytes (one CSSCI record in GBK and in UTF-8)
    # is shown under the first name of all: features made under another name are made again.
    wrong = sorted(d for d, src in fused.items() if d in ctx.doc_file and ctx.doc_file[d][1] != src)
    if wrong:
        drop_features(ctx.store, wrong, (*PARTS,), FEATURES_VERSION, feat_hash)
    return OnePass((seconds[0], seconds[1], seconds[2]), segmented, len(fused) - len(wrong))


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
    kilobytes per paper, not the papers), all in one query (``Store.stage_texts``); a store
    written before heads were cached gets them from the parse results, once."""
    texts = store.stage_texts("head", version, cfg_hash)
    missing = []
    for key in keys:
        text = texts.pop(key, None)
        if text is None:
            missing.append(key)
        else:
            yield key, json.loads(text)
    del texts
    for key, res in store.iter_results("parse", missing, version, cfg_hash):
        h = _heads_result(res)
        store.put_result("head", key, version, cfg_hash, h)
        yield key, h


def _run_doc_stage(ctx: RunContext, name: str, fn: Callable[[Any], Result], items: Iterable[Any], count: int,
                   workers: int, executor: str, scheduler: str | None, init: Callable[..., None], initargs: tuple,
                   store_result: Callable[[Result, list, list], None], done: int = 0) -> dict[str, str]:
    """Run a per-document stage over streamed items, storing results in batches (one statement
    per table, ``store_result`` adds a result's rows to the batch's result texts and Docs);
    returns {doc_id: error} for the documents it could not process. ``done``: documents of this
    stage the parse stage's one pass did already (the bar counts them first)."""
    bar = ctx.progress(name, done + count)
    if done:
        bar.update(done)
    out = BatchWriter(ctx)
    errors: dict[str, str] = {}
    for _item, result in run_tasks(fn, items, workers, executor, scheduler, init, initargs, count=count,
                                   ahead=_ahead(ctx)):
        store_result(result, out.texts, out.bins)
        if "error" in result:
            errors[result["doc_id"]] = result["error"]
        out.done_one()
        bar.update(1)
    out.flush()
    bar.close()
    return errors


def _ahead(ctx: RunContext) -> int:
    """Tasks queued per worker (``runner.tasks_ahead``, ``executor.run_tasks``)."""
    return int(ctx.cfg["runner"]["tasks_ahead"])


def segment_initargs(cfg: dict[str, Any]) -> tuple:
    """What a segment worker is initialized with (``stages.init_segment``)."""
    return ({"backend": cfg["segment"]["backend"]}, str(resolve(cfg, cfg["concepts"]["registry"])),
            str(resolve(cfg, cfg["segment"]["userdict"])))


def features_initargs(cfg: dict[str, Any]) -> tuple:
    """What a features worker is initialized with (``features.init_features``)."""
    sub = {k: cfg.get(k) for k in ("segment", "cooccurrence", "report", "concepts") if k in cfg}
    sub["_root"] = cfg.get("_root")
    return str(resolve(cfg, cfg["concepts"]["registry"])), sub


def segment_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None, done: int = 0) -> OnePass:
    """Segment the documents not segmented under these settings. Those whose features are
    missing too (an edited segment section changes both keys) get them in the same task, one
    task per file, the file's stored parse sent as its JSON text; returns what it did of the
    features (the seconds split the stage times, the count fills the features bar)."""
    from .features import FEATURES_VERSION, PARTS

    cfg = ctx.cfg
    cfg_hash = keys.segment_key(cfg, SEGMENT_VERSION, ctx.parse_key[1])
    ctx.segment_key = (SEGMENT_VERSION, cfg_hash)
    feat_hash = keys.features_key(cfg, FEATURES_VERSION, cfg_hash)
    ids = sorted(ctx.doc_file)
    cached = ctx.store.cached_ids("segment", SEGMENT_VERSION, cfg_hash)
    todo = [d for d in ids if d not in cached]
    have_feat = ctx.store.cached_ids(PARTS[0], FEATURES_VERSION, feat_hash) if todo else set()
    both = [d for d in todo if d not in have_feat]
    did = OnePass()
    if both:
        did = _segment_and_features(ctx, both, cfg_hash, feat_hash, workers, executor, scheduler, done)
        done += len(both)
        todo = [d for d in todo if d in have_feat]
    if todo or not both:  # one bar: the fused pass drew the stage's when nothing else is left
        _run_doc_stage(ctx, "segment", segment_paper, ctx.iter_papers(todo), len(todo), workers, executor,
                       scheduler, init_segment, segment_initargs(cfg),
                       lambda r, texts, _bins: texts.append(("segment", r["doc_id"], SEGMENT_VERSION, cfg_hash,
                                                             payload_text(r))), done)
    failed = failed_ids(ctx.store, "segment", SEGMENT_VERSION, cfg_hash, ids)
    for d, err in sorted(failed.items()):
        ctx.log(f"warning: {d}: {err}")
    ctx.doc_ids = [d for d in ids if d not in failed]
    return did


def _segment_and_features(ctx: RunContext, doc_ids: list[str], seg_hash: str, feat_hash: str, workers: int,
                          executor: str, scheduler: str | None, done: int) -> OnePass:
    from .features import FEATURES_VERSION
    from .one_pass import init_segment_features, segment_features

    by_file: dict[str, list[tuple[str, str]]] = {}
    for d in doc_ids:
        key, source = ctx.doc_file[d]
        by_file.setdefault(key, []).append((d, source))
    files = sorted(by_file)
    version, parse_hash = ctx.parse_key

    def tasks() -> Iterator[tuple[str, list[tuple[str, str]]]]:
        for i in range(0, len(files), 64):
            got = ctx.store.get_texts("parse", files[i:i + 64], version, parse_hash)
            for key in files[i:i + 64]:
                yield got[key], by_file[key]

    featured = 0
    seconds = [0.0, 0.0]
    bar = ctx.progress("segment", done + len(doc_ids))
    bar.update(done)
    out = BatchWriter(ctx)
    texts, bins = out.texts, out.bins
    for _task, r in run_tasks(segment_features, tasks(), workers, executor, scheduler, init_segment_features,
                              (segment_initargs(ctx.cfg), features_initargs(ctx.cfg)), count=len(files),
                              ahead=_ahead(ctx)):
        for d in r["docs"]:
            texts.append(("segment", d["doc_id"], SEGMENT_VERSION, seg_hash, d["segment"]))
            if "features" in d:
                texts.extend((part, d["doc_id"], FEATURES_VERSION, feat_hash, t) for part, t in d["features"].items())
                if d.get("doc_bin") is not None:
                    bins.append((d["doc_id"], FEATURES_VERSION, feat_hash, d["doc_bin"]))
                featured += 1
            bar.update(1)
        seconds = [seconds[0] + r["seconds"][1], seconds[1] + r["seconds"][2]]
        out.done_one()
    out.flush()
    bar.close()
    return OnePass((0.0, seconds[0], seconds[1]), len(doc_ids), featured)


def features_stage(ctx: RunContext, workers: int, executor: str, scheduler: str | None, done: int = 0) -> None:
    """The per-document map of the corpus stages (see ``features.py``), cached like segmentation."""
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

    def store_result(r: Result, texts: list, bins: list) -> None:
        if "error" in r:
            texts.append((PARTS[0], r["doc_id"], FEATURES_VERSION, cfg_hash, payload_text(r)))
            return
        texts.extend((part, r["doc_id"], FEATURES_VERSION, cfg_hash, payload_text(r[part])) for part in PARTS)
        if DOC_PART in r:  # a paper over concepts.max_doc_tokens has none
            bins.append((r["doc_id"], FEATURES_VERSION, cfg_hash, r[DOC_PART]))

    errors = _run_doc_stage(ctx, "features", doc_features, items(), len(todo), workers, executor, scheduler,
                            init_features, features_initargs(cfg), store_result, done)
    errors.update(failed_ids(ctx.store, PARTS[0], FEATURES_VERSION, cfg_hash, ctx.doc_ids))
    for d, err in sorted(errors.items()):
        ctx.log(f"warning: {d}: {err}")
    ctx.doc_ids = [d for d in ctx.doc_ids if d not in errors]
