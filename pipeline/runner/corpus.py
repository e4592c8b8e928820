"""Corpus-level stages: each depends on the whole corpus and is cached by the hash of its inputs.

A stage is a small object with a name, a version, the config sections it reads and a
``compute(ctx)`` returning a picklable result. Its input hash is (version, those config
sections, the sorted doc_ids of the corpus, the results of the stages it depends on), so an
unchanged corpus loads every result from the store and refits nothing; adding one paper
changes the hash and refits (or, with ``--update``, folds the paper into the stored model).
Add a stage by appending it to ``STAGES``.
"""
from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..config import section_hash, stable_hash
from .memory import release_memory, rss_mb


@dataclass
class CorpusStage:
    name: str
    version: str
    compute: Callable[[Any], Any]
    sections: tuple[str, ...] = ()
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)  # section -> file keys hashed too
    after: tuple[str, ...] = ()
    # For stages that can fold new documents into a stored result: (ctx, previous result) -> result
    update: Callable[[Any, Any], Any] | None = None
    # Mirror the result into queryable store tables: (ctx, result) -> None, run on every run.
    persist: Callable[[Any, Any], None] | None = None


def _works(ctx: Any) -> Any:
    from .works import link_works

    return link_works(ctx.papers, ctx.iter_part("feat.refs"))


def _persist_works(ctx: Any, result: Any) -> None:
    ctx.store.replace_table("doc_works", sorted(result["doc_work"].items()))
    ctx.store.replace_table("citations", [
        (r["doc_id"], r["footnote_n"], r["work_id"], r["matched_doc_id"], r["authors"], r["title"], r["container"],
         r["year"], r["type"], r["classic"]) for r in result["references"]])


def _lazy(module: str, func: str) -> Callable[..., Any]:
    """A stage function imported on first call: a cached run never imports the model code."""
    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f"{__package__}.{module}"), func)(*args)

    call.__name__ = func
    return call


_SEG_FILES = {"segment": ("userdict", "concepts.registry", "stopwords")}
STAGES: list[CorpusStage] = [
    CorpusStage("works", "works-2", _works, ("refs",), {"refs": ("aliases",)}, persist=_persist_works),
    CorpusStage("vectors", "vectors-3", _lazy("model_stages", "compute_vectors"), ("segment", "vectors"), _SEG_FILES,
                update=_lazy("model_stages", "update_vectors")),
    CorpusStage("topics", "topics-2", _lazy("topic_stage", "compute_topics"), ("segment", "topics"), _SEG_FILES,
                after=("works",), update=_lazy("topic_stage", "update_topic_stage")),
    CorpusStage("terms", "terms-3", _lazy("model_stages", "compute_terms"), ("segment", "concepts", "terms"),
                {**_SEG_FILES, "concepts": ("registry",)}, update=_lazy("model_stages", "update_terms")),
    CorpusStage("concepts", "concepts-2", _lazy("model_stages", "compute_concept_stage"),
                ("segment", "concepts", "cooccurrence", "report"),
                {**_SEG_FILES, "concepts": ("registry",)}, after=("works", "vectors", "terms"),
                update=_lazy("model_stages", "update_concept_stage")),
]


def input_hash(ctx: Any, stage: CorpusStage, upstream: dict[str, str]) -> str:
    parts = {
        "version": stage.version,
        "config": [section_hash(ctx.cfg, s, stage.files.get(s, ())) for s in stage.sections],
        "docs": sorted(p["doc_id"] for p in ctx.papers),
        "after": [upstream.get(a) for a in stage.after],
    }
    return stable_hash(parts)


class LazyResults(dict):
    """Corpus results that are unpickled on first use: a re-run whose report is reused never
    pays for loading models it does not look at."""

    def __init__(self) -> None:
        super().__init__()
        self._blobs: dict[str, Callable[[], Any]] = {}  # name -> loader

    def set_blob(self, name: str, load: Callable[[], Any]) -> None:
        self._blobs[name] = load
        super().pop(name, None)

    def _load(self, name: str) -> None:
        if name in self._blobs and not super().__contains__(name):
            super().__setitem__(name, self._blobs.pop(name)())

    def __getitem__(self, name: str) -> Any:
        self._load(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._load(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._blobs or super().__contains__(name)


def _persist_if_stale(ctx: Any, stage: CorpusStage, h: str) -> None:
    """Mirror a result into store tables unless they already mirror this very result."""
    if stage.persist is None:
        return
    key = f"persisted:{stage.name}"
    row = ctx.store.con.execute("SELECT value FROM kv WHERE key=?", [key]).fetchone()
    if row and row[0] == h:
        return
    stage.persist(ctx, ctx.results[stage.name])
    ctx.store.con.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", [key, h])


def run_corpus_stages(ctx: Any) -> None:
    hashes: dict[str, str] = {}
    if not isinstance(ctx.results, LazyResults):
        ctx.results = LazyResults()
    for stage in STAGES:
        t = time.time()
        h = input_hash(ctx, stage, hashes)
        hashes[stage.name] = h
        ctx.stage_hashes[stage.name] = h
        load = ctx.store.corpus_loader(stage.name, h)
        if load is not None:
            ctx.results.set_blob(stage.name, load)
            _persist_if_stale(ctx, stage, h)
            ctx.timings[stage.name] = time.time() - t
            continue
        previous = None
        if ctx.mode == "update" and stage.update is not None:
            previous = ctx.store.latest_corpus(stage.name)
            if isinstance(previous, dict) and previous.get("stage_version") != stage.version:
                # A result of an older stage version has another shape: refit rather than guess.
                ctx.log(f"{stage.name}: stored result is from another version of the stage: refit")
                previous = None
        result = stage.update(ctx, previous) if previous is not None else stage.compute(ctx)
        if isinstance(result, dict):
            result["stage_version"] = stage.version
        ctx.results[stage.name] = result
        ctx.store.put_corpus(stage.name, h, result)
        _persist_if_stale(ctx, stage, h)
        del previous
        release_memory()  # a stage's temporaries (bags, matrices, decoded parts) go before the next one's
        ctx.timings[stage.name] = time.time() - t
        ctx.log(f"{stage.name}: {'updated' if ctx.mode == 'update' and stage.update else 'computed'} in {ctx.timings[stage.name]:.1f} s, "
                f"rss {rss_mb():.0f} MB")
