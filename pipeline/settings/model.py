"""The typed settings model: one pydantic model per section of ``configs/default.yaml``.

The defaults live here; ``configs/default.yaml`` is the commented copy users read, and a test
checks that the two agree value for value (so ``settings/fill.py`` may read that copy). Every
model forbids unknown keys, so a misspelled key is an error instead of a setting silently
ignored.
"""
from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from .fill import MEMORY_SIZE, MEMORY_UNITS, filled, section_defaults, size_bytes  # noqa: F401  (re-exported)
from .files import FILE_KEYS, MOVED  # noqa: F401  (re-exported)
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationInfo, field_validator

# YAML gives native types, so values are checked strictly: ``min_count: "2"`` or ``k: 5.5`` is a
# mistake to report, not to coerce. Floats accept integers (``no_above: 1``).
PosInt = Annotated[StrictInt, Field(ge=1)]
NonNegInt = Annotated[StrictInt, Field(ge=0)]
Number = Union[StrictInt, StrictFloat]
Share = Annotated[Number, Field(gt=0, le=1)]  # a proportion in (0, 1]
Band = Annotated[Number, Field(ge=0, lt=1)]  # a share of the page height in [0, 1)
PathStr = Annotated[StrictStr, Field(min_length=1)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, validate_default=True)


MemorySize = Annotated[StrictStr, Field(pattern=MEMORY_SIZE)]
# What a pattern allows, in words, for the message refusing a value (settings/load.py)
PATTERN_WORDS = {MEMORY_SIZE: "a size such as 256MB, 1.5GB or 2GiB, a share of RAM such as 50%, or none"}


class Store(Section):
    path: PathStr = ".litmap/store.duckdb"
    memory_limit: Optional[MemorySize] = "256MB"
    # DuckDB's buffer pool while a corpus stage computes and while the report is written: they
    # read the store and write nothing to it, and the blocks they read, kept up to memory_limit,
    # were a sixth of the driver at the run's peak (null: memory_limit throughout). A stage that
    # needs more (one huge paper's parts) is computed again under memory_limit. Never above memory_limit.
    read_memory_limit: Optional[MemorySize] = "32MB"
    # DuckDB's buffer pool while a corpus stage writes its result tables (one transaction a
    # table): the concepts stage's 160,000 mentions filled the store's 256MB pool, the peak of a
    # 10,000-paper run. A table whose rows do not fit is written again under memory_limit.
    # Never above memory_limit; null = memory_limit.
    table_memory_limit: Optional[MemorySize] = "96MB"
    # The DuckDB storage format a NEW store is written in; v1.0.0 is readable by every DuckDB
    # from 1.1 on (the `duckdb` command litmap installs included; 1.0.0 cannot read the
    # primary-key indexes this DuckDB writes, even in that format), "latest" by this one's only.
    storage_compatibility: Annotated[StrictStr, Field(pattern=r"^(v\d+\.\d+\.\d+|latest)$")] = "v1.0.0"
    # reconnect after this many documents were processed (parsed, cut, featured) in a run: reads
    # in the connection that wrote them slowed with the store's size (Store.reopen)
    reopen_after: Annotated[StrictInt, Field(ge=1)] = 20
    # an --update leaves a write-ahead log smaller than this for the next run to read back
    # instead of checkpointing it when it closes (Store.close); 0 = always checkpoint
    defer_checkpoint_mb: Annotated[Number, Field(ge=0)] = 8
    # a stored result's per-document tables are cut after a document whose id hashes to 0 modulo
    # this (about this many documents a part); an --update links the parts it did not change
    # instead of writing them again; 0 = one file a table
    result_part_docs: Annotated[StrictInt, Field(ge=0)] = 128
    # a pass over the corpus's per-document results reads the next batch in a thread while the
    # stage works on this one (store/read_ahead.py); false = one batch at a time
    read_ahead: StrictBool = True


class Runner(Section):
    workers: NonNegInt = 0
    executor: Literal["local", "dask"] = "local"
    scheduler: Optional[StrictStr] = None
    progress_after_s: Annotated[Number, Field(ge=0)] = 3
    # DuckDB pays ~15-45 ms a statement whatever its size: per-document results go in batches
    store_batch: Annotated[StrictInt, Field(ge=1)] = 64
    store_batch_s: Annotated[Number, Field(gt=0)] = 5
    # DuckDB holds a transaction's rows within store.memory_limit: a batch of results larger than
    # this (one 15 MB paper's parse, tokens and features) is written one stage at a time
    store_batch_mb: Annotated[Number, Field(gt=0)] = 32
    # tasks queued per worker of the local pool: enough to last through a batch's commit, while
    # the driver takes no result and so submits no task
    tasks_ahead: Annotated[StrictInt, Field(ge=1)] = 16
    # --update reads the stored results it folds into while a worker processes the new papers,
    # up to this many megabytes of them on disk (held in memory until their stage runs)
    prefetch_mb: Annotated[Number, Field(ge=0)] = 128
    # --update collects garbage after a stage it computes anew only if the driver grew this much
    # in it: a full collection walks every result loaded so far
    collect_after_mb: Annotated[Number, Field(ge=0)] = 64
    # glibc's thresholds, fixed (None: glibc's own, which rise with each large block freed and
    # leave freed pages in the heap): see runner/memory.py tune_malloc
    malloc_mmap_threshold: Optional[Annotated[StrictInt, Field(ge=0, le=33554432)]] = 1048576
    malloc_trim_threshold: Optional[Annotated[StrictInt, Field(ge=0)]] = 1048576


class Pdf(Section):
    header_band: Band = 0.09
    footer_band: Band = 0.07
    min_chars_per_page: NonNegInt = 20
    ocr: StrictBool = True
    ocr_dpi: Annotated[StrictInt, Field(ge=72, le=600)] = 200


class Zotero(Section):
    note_abstract_min_chars: PosInt = 100


class Ingest(Section):
    suffixes: Annotated[list[Annotated[StrictStr, Field(pattern=r"^\.")]], Field(min_length=1)] = [
        ".txt", ".md", ".markdown", ".net", ".enw", ".ris", ".bib", ".bibtex", ".json", ".pdf", ".docx"]
    max_bytes: PosInt = 200000000
    pdf: Pdf = Pdf()
    zotero: Zotero = Zotero()


class Header(Section):
    max_lines: PosInt = 60
    max_title_lines: PosInt = 3
    max_title_chars: PosInt = 200


class Body(Section):
    max_heading_len: PosInt = 60
    split_semicolon: StrictBool = False
    numeric_notes: Union[Literal["auto"], StrictBool] = "auto"
    min_cut_line_len: NonNegInt = 20


class Structure(Section):
    header: Header = Header()
    body: Body = Body()


class Refs(Section):
    aliases: Optional[PathStr] = "configs/aliases.yaml"


class Segment(Section):
    backend: Literal["jieba", "rjieba"] = "rjieba"
    userdict: Optional[PathStr] = "configs/userdict.txt"
    stopwords: Optional[PathStr] = "configs/stopwords.txt"
    stopwords_iso: StrictBool = True
    registry_freq: PosInt = 2000  # registry words are protected anyway; the dictionary entry is a fallback
    workers: NonNegInt = 0


class Terms(Section):
    min_count: PosInt = 2
    min_npmi: Annotated[Number, Field(ge=-1, le=1)] = 0.35
    fragment_share: Share = 0.8
    max_tokens: PosInt = 2000000


class Word2Vec(Section):
    vector_size: PosInt = 100
    window: PosInt = 5
    min_count: PosInt = 2
    epochs: PosInt = 10
    seed: StrictInt = 1
    max_tokens: PosInt = 150000
    min_tokens: PosInt = 20000  # fewer sampled tokens: no model, and the report says why
    stability_seed: StrictInt = 2  # a second model, same sample: are the neighbours reproducible?

    @field_validator("stability_seed")
    @classmethod
    def _two_seeds(cls, v: int, info: ValidationInfo) -> int:
        # the same seed gives the same model: every neighbour list would pass the stability gate
        if v == info.data.get("seed"):
            raise ValueError(f"a seed other than seed ({v})")
        return v


class Lsa(Section):
    dims: PosInt = 100
    top: PosInt = 5
    min_df: PosInt = 2
    max_terms: PosInt = 50000
    seed: StrictInt = 0


class Vectors(Section):
    no_below: PosInt = 2
    no_above: Share = 0.5
    keep_n: PosInt = 50000
    word2vec: Word2Vec = Word2Vec()
    lsa: Lsa = Lsa()


class Topics(Section):
    model: Literal["lda", "nmf", "auto"] = "auto"
    k: Union[PosInt, Literal["auto"]] = "auto"
    k_grid: Annotated[list[Annotated[StrictInt, Field(ge=2)]], Field(min_length=1)] = [5, 8, 10, 13, 16, 20]
    unit: Literal["paper", "section", "paragraph", "auto"] = "auto"
    seeds: Annotated[list[StrictInt], Field(min_length=1)] = [0, 1, 2]
    stability_when_fixed: StrictBool = False
    coherence_max_tokens: PosInt = 100000
    fit_max_tokens: PosInt = 1000000
    author_max_tokens: PosInt = 500000
    passes: PosInt = 10
    iterations: PosInt = 50
    author_iterations: PosInt = 50
    chunksize: PosInt = 2000
    alpha: Union[Literal["auto", "symmetric", "asymmetric"], Annotated[Number, Field(gt=0)]] = "auto"
    eta: Union[Literal["auto", "symmetric"], Annotated[Number, Field(gt=0)]] = "auto"
    nmf_init: Literal["nndsvda", "nndsvd", "nndsvdar", "random"] = "nndsvda"
    nmf_max_iter: PosInt = 400
    nmf_alpha_w: Annotated[Number, Field(ge=0)] = 0.0
    nmf_alpha_h: Annotated[Number, Field(ge=0)] = 0.0
    nmf_l1_ratio: Annotated[Number, Field(ge=0, le=1)] = 0.0
    min_tokens: NonNegInt = 20
    min_token_chars: PosInt = 2
    no_below: Optional[PosInt] = None
    no_above: Optional[Share] = None
    keep_n: PosInt = 20000
    state_terms: PosInt = 3000
    noise_terms: Optional[list[StrictStr]] = None
    extra_noise_terms: list[StrictStr] = []
    top_n_terms: PosInt = 10
    short_unit_tokens: NonNegInt = 150
    min_units_per_topic: PosInt = 5
    stability_sample: Share = 0.9
    label_terms: PosInt = 3
    label_pool: PosInt = 10
    # --update: a topic keeps its label while the label's terms stay among its label_pool top
    # terms (a refit labels anew); false: every update labels anew
    keep_labels: StrictBool = True
    relevance_lambda: Annotated[Number, Field(ge=0, le=1)] = 0.6
    passages_per_topic: NonNegInt = 3
    evidence_docs_per_topic: PosInt = 10
    passage_chars: PosInt = 400
    citation_threshold: Annotated[Number, Field(gt=0)] = 2.0
    burst_terms: NonNegInt = 200
    burst_min_years: PosInt = 3
    burst_min_docs: PosInt = 3
    burst_s: Annotated[Number, Field(gt=1)] = 2.0
    burst_gamma: Annotated[Number, Field(gt=0)] = 1.0
    author_k: PosInt = 10
    include_footnotes: StrictBool = False


class Cooccurrence(Section):
    window: Literal["sentence", "paragraph"] = "sentence"
    min_count: PosInt = 2
    max_rows: PosInt = 50000
    network_top: PosInt = 500


class Concepts(Section):
    registry: PathStr = "configs/concepts.yaml"
    max_sentence_chars: PosInt = 1000
    max_doc_tokens: PosInt = 500_000


class Glossary(Section):
    """Foreign originals printed beside Chinese terms and names (issue 17): the boundary rules' file."""
    rules: PathStr = "configs/glossary.yaml"


class Stance(Section):
    lexicon: PathStr = "configs/stance.yaml"


class Definitions(Section):
    cues: PathStr = "configs/definitions.yaml"


class Shift(Section):
    """Meaning over time (concepts/shift.py)."""
    periods: Union[Literal["median"], list[StrictInt]] = "median"
    width: Optional[PosInt] = None
    min_uses: PosInt = 10
    min_documents: PosInt = 5
    permutations: PosInt = 1999
    alpha: Share = 0.05
    correction: Literal["fdr", "none"] = "fdr"
    min_shift: Annotated[Number, Field(ge=0)] = 0.15
    seed: NonNegInt = 17
    top_terms: PosInt = 8
    smoothing: Share = 0.75
    weighting: Literal["sqrt", "ppmi"] = "sqrt"
    inferred_years: StrictBool = False


class Networks(Section):
    max_nodes: PosInt = 80
    cooccurrence_edges: PosInt = 150
    cocitation_edges: PosInt = 150
    coauthorship_edges: PosInt = 150
    seed: NonNegInt = 7
    legend_rows: PosInt = 9
    timeline_rows: PosInt = 8
    timeline_labels: PosInt = 3
    spread_people: PosInt = 60


class Report(Section):
    out: PathStr = "reports/latest"
    kwic_width: PosInt = 30
    figure_svg: StrictBool = False
    networks: Networks = Networks()


class Site(Section):
    """How the report's pages are laid out (not what the stages compute: a separate section, so
    changing it rewrites the pages and refits nothing)."""
    front_top: PosInt = 10
    table_max_rows: PosInt = 5000


class NeighbourEvidence(Section):
    top: PosInt = 10
    min_overlap: Share = 0.5


class TopicEvidence(Section):
    min_documents: PosInt = 20
    min_tokens: PosInt = 10000
    min_stability: Share = 0.5


class AuthorEvidence(Section):
    min_documents: PosInt = 2
    min_units: PosInt = 3


class Evidence(Section):
    """When a model-derived figure is shown (issue 15); below a threshold the page says what is missing."""
    neighbours: NeighbourEvidence = NeighbourEvidence()
    topics: TopicEvidence = TopicEvidence()
    authors: AuthorEvidence = AuthorEvidence()


class ExportWos(Section):
    bom: StrictBool = True
    upper_latin: StrictBool = True
    undated_year: Literal["citing", "none"] = "citing"


class Export(Section):
    """``litmap export`` (not read by ``litmap run``: changing it changes no report)."""
    networks: Literal["report", "all"] = "report"
    wos: ExportWos = ExportWos()


class Settings(Section):
    store: Store = Store()
    runner: Runner = Runner()
    ingest: Ingest = Ingest()
    structure: Structure = Structure()
    refs: Refs = Refs()
    segment: Segment = Segment()
    terms: Terms = Terms()
    vectors: Vectors = Vectors()
    topics: Topics = Topics()
    cooccurrence: Cooccurrence = Cooccurrence()
    concepts: Concepts = Concepts()
    glossary: Glossary = Glossary()
    stance: Stance = Stance()
    definitions: Definitions = Definitions()
    shift: Shift = Shift()
    report: Report = Report()
    site: Site = Site()
    evidence: Evidence = Evidence()
    export: Export = Export()


def defaults() -> dict:
    """The model's defaults (``configs/default.yaml`` holds the same: ``settings/fill.py`` reads that)."""
    return Settings().model_dump(mode="python")
