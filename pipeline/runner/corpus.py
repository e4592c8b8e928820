"""Corpus-level stages: each depends on the whole corpus and is cached by the hash of its inputs.

A stage is a small object with a name, a version, the config sections it reads and a
``compute(ctx)`` in its domain package (refs, concepts, models); the runner only schedules,
caches and reports progress. Its input hash (``keys.corpus_key``) holds its
version, those config sections and the files they name, the corpus, the keys of the
per-document results it reads, the hashes of the stages it follows and the versions of the
code that writes it, so an unchanged corpus loads every result from the store and refits
nothing; adding one paper changes the hash and refits (or, with ``--update``, folds the paper
into the stored model). A stored result that cannot be loaded is recomputed, with a line in
the log. Each result is also mirrored into the store's result tables (``store/schema.py``).
Add a stage by appending it to ``STAGES``; mark it ``beside`` if it may be computed while an
earlier stage waits for its side processes (``run_corpus_stages``).
"""
from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from ..config import stable_hash
from ..context import StageContext
from ..store.codec import Parts
from ..store.db import ResultUnavailable
from ..store.schema import tables_of
from ..store.tables import INSERT_ROWS, replace_docs, specs_digest, write_table
from .keys import corpus_key, environment, section_state
from .memory import release_memory, rss_mb, trim_heap
from .prefetch import MISSING

if TYPE_CHECKING:  # the runner's own context; stages see it as a StageContext
    from .run import RunContext


@dataclass
class CorpusStage:
    name: str
    version: str
    compute: Callable[[StageContext], Any]  # the stage's own code, in its domain package
    sections: tuple[str, ...] = ()  # config sections it reads; the files they name count by content (keys.py)
    after: tuple[str, ...] = ()
    # For stages that can fold new documents into a stored result: (ctx, previous result) -> result
    update: Callable[[StageContext, Any], Any] | None = None
    # Mirror the result into queryable store tables: (ctx, result) -> None, run on every run.
    persist: Callable[[StageContext, Any], None] | None = None
    # The result's rows by table name (``store/schema.py`` types them), written on every run
    # whose result differs from the one the tables hold.
    tables: Callable[[Any], dict[str, Any]] | None = None
    # Tables whose rows are per document (a doc_id column), by the result key of the records
    # they are made from: an update that names the documents it changed (``changed_docs``)
    # replaces those documents' rows instead of the whole table.
    by_doc: dict[str, str] = field(default_factory=dict)
    # May run in the driver while an earlier stage waits for its side processes (``while_waiting``):
    # a single-process stage that then uses the core the driver would leave idle.
    beside: bool = False
    # Keys of the result that only the stage's own next ``--update`` reads (what it folds new
    # documents into: running counts, per-document parts, the previous run's answers). They are
    # stored, but the run holds the result without them once it is written, and a stored result
    # loaded for the stages after it and the report is read without them (``held``).
    fold_state: frozenset[str] = frozenset()
    # The result's ``bytes`` values are left in the stored result's files and read when used
    # (``codec.StoredBytes``): the run holds the result as the store reads it back. For a
    # large blob that one late reader needs (the topics stage's packed state, read by the
    # report's pyLDAvis page: 51 MB of the driver from that stage to the report's end at
    # 10,000 papers).
    bytes_on_disk: bool = False


def _lazy(path: str) -> Callable[..., Any]:
    """A stage function (``module:function`` under ``pipeline``) imported on first call: a
    cached run never imports the model code."""
    module, func = path.split(":")

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(f"pipeline.{module}"), func)(*args)

    call.__name__ = func
    return call


# vectors first: its word2vec trains in a side process, and the stages marked ``beside`` that
# need nothing of it (glossary, works, stance, terms) are computed in the driver meanwhile.
STAGES: list[CorpusStage] = [
    CorpusStage("vectors", "vectors-4", _lazy("models.vectors_stage:compute_vectors"), ("segment", "vectors"),
                update=_lazy("models.vectors_stage:update_vectors"), tables=_lazy("models.tables:vector_tables"),
                fold_state=frozenset({"lsa"})),
    CorpusStage("glossary", "glossary-1", _lazy("concepts.glossary_stage:compute_glossary"), ("glossary", "refs"),
                update=_lazy("concepts.glossary_stage:update_glossary"), tables=_lazy("concepts.tables:glossary_tables"),
                beside=True, fold_state=frozenset({"per_doc", "paper_ids"})),
    CorpusStage("works", "works-3", _lazy("refs.works_stage:compute_works"), ("refs",), after=("glossary",),
                persist=_lazy("refs.works_stage:persist_works"), tables=_lazy("refs.tables:pair_tables"), beside=True),
    CorpusStage("stance", "stance-1", _lazy("concepts.stance_stage:compute_stance"), ("stance",),
                update=_lazy("concepts.stance_stage:update_stance"), tables=_lazy("concepts.tables:stance_tables"),
                by_doc={"stances": "rows"}, beside=True),
    CorpusStage("topics", "topics-4", _lazy("models.topic_stage:compute_topics"),
                ("segment", "topics", "evidence.topics"), after=("works",),
                update=_lazy("models.topic_stage:update_topic_stage"), tables=_lazy("models.tables:topic_tables"),
                bytes_on_disk=True),
    CorpusStage("terms", "terms-4", _lazy("models.terms_stage:compute_terms"), ("segment", "concepts", "terms"),
                update=_lazy("models.terms_stage:update_terms"), tables=_lazy("models.tables:term_tables"), beside=True,
                fold_state=frozenset({"state", "dict_words", "examples"})),
    CorpusStage("concepts", "concepts-4", _lazy("concepts.concept_stage:compute_concept_stage"),
                ("segment", "concepts", "cooccurrence", "report", "refs", "evidence.neighbours", "evidence.authors"),
                after=("works", "vectors", "terms", "stance"),
                update=_lazy("concepts.concept_stage:update_concept_stage"),
                tables=_lazy("concepts.tables:concept_tables"), by_doc={"mentions": "mentions"}, beside=True,
                fold_state=frozenset({"cooc_state", "coinage_mentions", "coinage_inputs", "doc_notes",
                                      "trace_inputs"})),
    CorpusStage("definitions", "definitions-1", _lazy("concepts.definitions_stage:compute_definitions"),
                ("definitions",), after=("concepts",), update=_lazy("concepts.definitions_stage:update_definitions"),
                tables=_lazy("concepts.tables:definition_tables"), by_doc={"definitions": "rows"}),
    CorpusStage("shift", "shift-1", _lazy("concepts.shift:compute_shift_stage"), ("shift",),
                update=_lazy("concepts.shift:update_shift_stage"),
                after=("works", "concepts"), tables=_lazy("concepts.tables:shift_tables")),
]


def input_hash(ctx: RunContext, stage: CorpusStage, upstream: dict[str, str]) -> str:
    """See ``keys.corpus_key``: the stage's code, config and files, the per-document results
    it reads, the corpus, the stages it follows, and the code that writes it."""
    return corpus_key(ctx, stage, upstream)


class LazyResults(dict):
    """Corpus results that are read from their folders on first use: a re-run whose report is
    reused never pays for loading models it does not look at. A stored result that turns out not to load
    (truncated, corrupt, a class moved in a library upgrade) is recomputed on the spot, with a
    line in the log: a reader of ``ctx.results`` never sees the failure."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._blobs: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {}  # name -> (load, recompute)
        self._log = log or (lambda msg: None)

    def set_blob(self, name: str, load: Callable[[], Any], recompute: Callable[[], Any]) -> None:
        self._blobs[name] = (load, recompute)
        super().pop(name, None)

    def _load(self, name: str) -> None:
        if name in self._blobs and not super().__contains__(name):
            load, recompute = self._blobs.pop(name)
            try:
                value = load()
            except ResultUnavailable as e:
                self._log(f"{name}: {e}: recomputing")
                value = recompute()
            super().__setitem__(name, value)

    def __getitem__(self, name: str) -> Any:
        self._load(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._load(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._blobs or super().__contains__(name)


def held(stage: CorpusStage, result: Any) -> Any:
    """What the run keeps of a stage's result once it is stored: all but its ``fold_state``.
    Why: at 10,000 papers the concepts stage's co-occurrence counts and coinage uses (110 MB),
    the glossary's per-paper pairs (39 MB), the terms' counting state (19 MB) and the LSA
    basis (17 MB) were held by the driver through every later stage and the report, which
    never read them."""
    if not stage.fold_state or not isinstance(result, dict):
        return result
    return {k: v for k, v in result.items() if k not in stage.fold_state}


def _hold(ctx: RunContext, stage: CorpusStage, h: str, result: Any) -> Any:
    """What the run keeps of a result it computed and stored: :func:`held`; for a stage whose
    ``bytes_on_disk`` is set, the result as the store reads it back, its bytes left in their
    files (the result itself when it was not stored: a value the codec cannot write)."""
    if not stage.bytes_on_disk:
        return held(stage, result)
    load = ctx.store.corpus_loader(stage.name, h)
    if load is not None and not load.missing():
        try:
            return load(stage.fold_state, lazy_bytes=True)
        except ResultUnavailable:
            pass
    return held(stage, result)


def _persist_if_stale(ctx: RunContext, stage: CorpusStage, h: str, folded_from: str | None = None) -> int:
    """Mirror a result into store tables unless they already mirror this very result (and the
    tables have the columns of today's ``store/schema.py``). Returns the number of rows
    written whole by ``write_table`` (not those an update's documents replaced).

    ``folded_from``: the input hash of the stored result an update folded into. When the tables
    mirror that result and the update names the documents it changed (``changed_docs``), the
    per-document tables get those documents' rows only; the other tables are rewritten only
    if their rows differ (``store/tables.py``)."""
    if stage.persist is None and stage.tables is None:
        return 0
    specs = tables_of(stage.name)
    digest = specs_digest(specs) if specs else None
    mark = f"{h}:{digest}" if specs else h
    key = f"persisted:{stage.name}"
    row = ctx.store.con.execute("SELECT value FROM kv WHERE key=?", [key]).fetchone()
    if row and row[0] == mark:
        return 0
    result = ctx.results[stage.name]
    wrote = 0
    if stage.persist is not None:
        stage.persist(ctx, result)
    if stage.tables is not None:
        changed = result.get("changed_docs") if isinstance(result, dict) and result.get("mode") == "update" else None
        delta = changed is not None and folded_from is not None and row is not None \
            and row[0] == (f"{folded_from}:{digest}" if specs else folded_from)
        for spec in specs:
            if delta and spec.name in stage.by_doc:
                field_ = stage.by_doc[spec.name]
                docs = set(changed)
                view = {**result, field_: [r for r in result.get(field_) or [] if r["doc_id"] in docs]}
                got = stage.tables(view).get(spec.name)
                _in_pool(ctx, spec.name, lambda: replace_docs(ctx.store.con, spec, () if got is None else got, docs))
            else:
                def made(name: str = spec.name) -> Any:  # made afresh for each of write_table's passes
                    got = stage.tables(result).get(name)  # dicts, or a DataFrame (no truth value: compared with None)
                    return () if got is None else got

                wrote += _in_pool(ctx, spec.name, lambda: write_table(ctx.store.con, spec, made))
    ctx.store.con.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", [key, mark])
    return wrote


def _in_pool(ctx: RunContext, table: str, write: Callable[[], Any]) -> Any:
    """``write()`` (one table, one transaction) under ``store.table_memory_limit``; again under
    the store's own limit when DuckDB runs out of that pool (the transaction was rolled back)."""
    try:
        with ctx.store.reading(ctx.cfg["store"]["table_memory_limit"]):
            return write()
    except duckdb.OutOfMemoryException as e:
        ctx.log(f"table {table}: more memory than store.table_memory_limit ({e.__class__.__name__}): "
                "written again under store.memory_limit")
        return write()


def fold_basis(ctx: RunContext, stage: CorpusStage) -> str:
    """What a result must share with this run for ``--update`` to fold new documents into it:
    the stage's version, its config sections and the files they name, and the per-document keys
    (a ``structure`` edit keeps every doc_id but changes the papers). The corpus is left out:
    that is what an update adds to."""
    return stable_hash({"version": stage.version, "config": {s: section_state(ctx.cfg, s) for s in stage.sections},
                        "per_document": [list(ctx.parse_key), list(ctx.segment_key), list(ctx.features_key)]})


def _previous(ctx: RunContext, stage: CorpusStage) -> Any | None:
    """The stored result ``--update`` folds into, or None (refit), saying why when there is one
    that cannot be used."""
    try:
        previous = ctx.prefetch.take(stage.name) if ctx.prefetch is not None else MISSING
        if previous is MISSING:
            previous = ctx.store.latest_corpus(stage.name, environment())
    except ResultUnavailable as e:
        ctx.log(f"{stage.name}: {e}: refit")
        return None
    if isinstance(previous, dict) and previous.get("stage_version") != stage.version:
        # A result of an older stage version has another shape: refit rather than guess.
        ctx.log(f"{stage.name}: stored result is from another version of the stage: refit")
        return None
    if isinstance(previous, dict) and previous.get("basis") not in (None, fold_basis(ctx, stage)):
        # Folding new papers into a result of other settings would mix two configurations.
        ctx.log(f"{stage.name}: the stored result was computed with other settings or papers: refit")
        return None
    return previous


def _compute(ctx: RunContext, stage: CorpusStage, h: str, previous: Any = None) -> Any:
    # A stage reads the store and writes nothing to it while it computes (its result and tables
    # are written after): DuckDB's pool is held at store.read_memory_limit meanwhile. A stage
    # that needs more (a huge paper's parts read at once) is computed anew under the store's own
    # limit: anew, since an update may have changed the stored result it was folding into.
    try:
        with ctx.store.reading(ctx.cfg["store"]["read_memory_limit"]):
            result = stage.update(ctx, previous) if previous is not None else stage.compute(ctx)
    except duckdb.OutOfMemoryException as e:
        ctx.log(f"{stage.name}: more memory than store.read_memory_limit ({e.__class__.__name__}): "
                "computed again under store.memory_limit")
        result = stage.compute(ctx)
    if isinstance(result, dict):
        result["stage_version"] = stage.version
        result["input_hash"] = h  # what the store's tables are marked with once they mirror it
        result["basis"] = fold_basis(ctx, stage)
        # A stage that folds into a downstream result needs to know the upstream result it read
        # is the same line of results (updated, not refitted since): ``lineage`` names the refit
        # a result descends from (see ``concepts/partials.py``).
        folded = previous is not None and result.get("mode") == "update" and isinstance(previous, dict)
        result["lineage"] = (previous.get("lineage") or h) if folded else h
    # A stage that names the documents an update changed (``changed_docs``) has its
    # per-document tables stored in parts; after a fold, the parts whose documents it did not
    # change are the stored result's files (store/codec.py ``Parts``). Other stages' tables stay
    # one file each: parts they would always write again only cost reads.
    by_doc = isinstance(result, dict) and "changed_docs" in result
    parts = Parts(int(ctx.cfg["store"]["result_part_docs"]) if by_doc else 0)
    base = None
    if parts.docs and isinstance(previous, dict) and result.get("mode") == "update" \
            and isinstance(result.get("changed_docs"), list):
        base, parts.changed = previous.get("input_hash"), frozenset(result["changed_docs"])
    try:
        ctx.store.put_corpus(stage.name, h, result, env=environment(), parts=parts, base_hash=base)
    except (TypeError, ValueError, OSError) as e:  # a value the codec cannot store, a full disk: go on uncached
        ctx.log(f"{stage.name}: the result cannot be stored ({e.__class__.__name__}: {e}); "
                "the next run computes it again")
    if ctx.mode != "update":
        # Encoding a result (its JSON-able copy, then one text) freed the heap pages it used but
        # glibc keeps them, under the stage's tables written next: 71 of the 157 MB the concepts
        # result of 10,000 papers took went back this way (measured on their own).
        trim_heap()
    for table, n in parts.reused.items():
        ctx.log(f"{stage.name}: {n} of {n + parts.written.get(table, 0)} parts of its {table} "
                "kept from the stored result")
    return result


def run_corpus_stages(ctx: RunContext) -> None:
    """Every stage in ``STAGES`` order, but that a ``beside`` stage whose inputs are ready runs
    while an earlier stage waits for its side processes (``ctx.while_waiting``): word2vec's two
    processes fill both cores while the driver has nothing left to do, and so may the
    author-topic model's. The results and their hashes do not depend on the order (a stage's
    hash holds the stages it follows, ``after``, which are done before it either way)."""
    hashes: dict[str, str] = {}
    if not isinstance(ctx.results, LazyResults):
        ctx.results = LazyResults(ctx.log)
    done: set[str] = set()
    running: list[str] = []
    nested: list[float] = []  # per running stage, the seconds of the stages run while it waited
    # Stages whose early figures wait for the stage they ran beside to end (``start_early``).
    figures_after: list[str] = []

    def start_early(name: str | None) -> None:
        """Start drawing the report's figures made of this stage's result alone
        (``report/early_figures.py``), on the core the stages after it leave idle; but for a
        stage computed while another waits for its side processes, only once that one ends
        (``name`` None: a stage ended that made no figures). Why: that stage's end is the run's
        memory peak. With ``topics.k`` fixed the concepts stage runs while the topic fit does,
        and its figure's process (80 MB at 10,000 papers) started beside the topics stage's
        last part (describe, the state's packing, its writes), where the driver held
        1,218-1,223 MB."""
        if name is not None:
            figures_after.append(name)
        if running or not figures_after:
            return
        from ..report.early_figures import start as start_figures

        for later in figures_after:
            start_figures(ctx, later)
        figures_after.clear()

    def run_one(stage: CorpusStage) -> None:
        t = time.time()
        outer = ctx.stage
        running.append(stage.name)
        nested.append(0.0)
        try:
            how = _run_stage(ctx, stage, hashes)
        finally:
            running.pop()
            inner = nested.pop()
            ctx.stage = outer
        done.add(stage.name)
        elapsed = time.time() - t
        if nested:
            nested[-1] += elapsed
        ctx.timings[stage.name] = elapsed - inner
        if how == "cached":
            ctx.log(f"{stage.name}: cached, {ctx.timings[stage.name]:.1f} s")
            start_early(None)
        else:
            ctx.log(f"{stage.name}: {how} in {ctx.timings[stage.name]:.1f} s, rss {rss_mb():.0f} MB")
            start_early(stage.name)

    def ready() -> list[CorpusStage]:
        return [stage for stage in STAGES if stage.beside and stage.name not in done and stage.name not in running
                and all(a in done for a in stage.after)]

    def while_waiting() -> None:
        while todo := ready():  # again after each: works is ready once glossary is done
            ctx.log(f"{todo[0].name}: run while {running[-1]} waits for its side processes")
            run_one(todo[0])

    def work_waiting() -> bool:
        """Whether ``while_waiting`` would compute something (not only load a stored result)."""
        for stage in ready():
            load = ctx.store.corpus_loader(stage.name, input_hash(ctx, stage, hashes))
            if load is None or load.missing():
                return True
        return False

    ctx.while_waiting, ctx.work_waiting = while_waiting, work_waiting
    try:
        for stage in STAGES:
            if stage.name not in done:
                run_one(stage)
    finally:
        ctx.while_waiting = ctx.work_waiting = None
        if ctx.prefetch is not None:
            ctx.prefetch.clear()  # read for a stage that turned out cached: not held through the report
    ctx.stage = ""


def _run_stage(ctx: RunContext, stage: CorpusStage, hashes: dict[str, str]) -> str:
    """Load, fold into or compute one stage's result and mirror it into the store's tables:
    ``cached``, ``updated`` or ``computed``. A stage run while another waits writes under the
    store's own pool limit, and leaves the other's read limit in force (``Store.writing``)."""
    with ctx.store.writing():
        return _run_stage_in(ctx, stage, hashes)


def _run_stage_in(ctx: RunContext, stage: CorpusStage, hashes: dict[str, str]) -> str:
    ctx.stage = stage.name
    h = input_hash(ctx, stage, hashes)
    hashes[stage.name] = h
    ctx.stage_hashes[stage.name] = h
    load = ctx.store.corpus_loader(stage.name, h)
    if load is not None and load.missing():
        ctx.log(f"{stage.name}: the stored result cannot be used: {load.missing()}: recomputing")
        load = None
    if load is not None:
        ctx.results.set_blob(stage.name, lambda: load(stage.fold_state, stage.bytes_on_disk),
                             lambda stage=stage, h=h: _hold(ctx, stage, h, _compute(ctx, stage, h)))
        _persist_if_stale(ctx, stage, h)
        return "cached"
    previous = _previous(ctx, stage) if ctx.mode == "update" and stage.update is not None else None
    before = rss_mb()
    ctx.results[stage.name] = _compute(ctx, stage, h, previous)
    wrote = _persist_if_stale(ctx, stage, h, previous.get("input_hash") if isinstance(previous, dict) else None)
    ctx.results[stage.name] = _hold(ctx, stage, h, ctx.results[stage.name])
    # The blocks the result and its tables were written through are not read again this run;
    # after a long table, what DuckDB keeps of the insert goes only with its connection. Not on
    # --update: closing checkpoints, which an update leaves to a later run (store.defer_checkpoint_mb).
    ctx.store.let_go(ctx.cfg["store"]["read_memory_limit"], reconnect=wrote > INSERT_ROWS and ctx.mode != "update")
    how = "updated" if previous is not None else "computed"
    del previous
    grew = rss_mb() - before
    if how == "computed" and (ctx.mode != "update" or grew > float(ctx.cfg["runner"]["collect_after_mb"])):
        # A fit's temporaries (bags, matrices, decoded parts) go before the next stage's. After
        # a fold there are few, and a full collection walks every loaded result (2.3 s of an
        # update of 1,000 papers, nine times over); so does it after a small stage an update
        # computes anew (works: 0.3 s for the few MB it made).
        release_memory()
    return how
