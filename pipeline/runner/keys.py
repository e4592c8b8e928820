"""Cache keys: the one place that says what each cached result was computed from.

A cached result may be reused only if everything it was computed from is unchanged, so each
key holds the key of its input and the keys chain::

    parse     file bytes + sidecar (the row's id)  + PARSE_VERSION    + structure, refs + aliases file
                                                                        + ingest.pdf, ingest.zotero
    segment   parse key  (the paper it cuts)       + SEGMENT_VERSION  + segment settings + userdict + registry
    features  segment key (tokens, and the paper)  + FEATURES_VERSION + concepts, cooccurrence, kwic width
                                                                        + stopwords + registry
    corpus    features key (every part it reads)   + stage version    + its sections and files
              + (doc_id, source) of every document + upstream stages' keys + litmap and library versions

Before the chain, tokens were keyed on the segment settings alone: editing ``structure`` or the
alias file re-parsed the papers but reused the old tokens and features, so sentences and tokens
misaligned and citation counts kept the old names (issue 13).

Files count by content (a hash of their bytes), never by path: a project moved elsewhere keeps
its cache, and an edited dictionary misses it. Library versions are in the keys of what they
compute: a jieba upgrade re-segments, a gensim upgrade refits (and a model saved by another
gensim is never loaded to be updated; see ``store/results.py``).
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import resolve, stable_hash

if TYPE_CHECKING:  # the types only: the context and the stages import this module
    from .context import RunContext
    from .corpus import CorpusStage

# Config keys that name files, by section: their content is hashed, not their path. The concept
# registry is named once (``concepts.registry``) and read by segmentation and tracing alike.
FILE_KEYS: dict[str, tuple[str, ...]] = {
    "refs": ("aliases",),
    "segment": ("userdict", "stopwords"),
    "concepts": ("registry",),
    "glossary": ("rules",),
    "stance": ("lexicon",),
    "definitions": ("cues",),
}
# Segment settings that do not change tokens: stopwords are applied by the features stage,
# ``workers`` is for ``litmap segment``. Left out so a stopword edit does not re-segment.
NOT_TOKENS = ("stopwords", "stopwords_iso", "workers")

# Libraries whose version can change a stage's output (or, for saved models, whether they load).
TEXT_LIBS = ("opencc", "pyahocorasick")  # normalization (t2s) and registry matching
PARSE_LIBS = ("pymupdf", "lxml", "charset-normalizer", "pyyaml", "rispy", "bibtexparser", "pylatexenc",
              *TEXT_LIBS)
SEGMENT_LIBS = {"jieba": ("jieba",), "rjieba": ("rjieba",)}
FEATURES_LIBS = ("stopwordsiso", "spacy")  # spacy: the features carry a DocBin
CORPUS_LIBS = ("numpy", "scipy", "scikit-learn", "gensim", "pandas", "networkx", "stopwordsiso", "ahocorasick-rs")


def file_digest(path: str | Path | None) -> str | None:
    """Hash of a file's bytes; None when there is no such file (a missing optional file is a
    state of its own: creating it must miss the cache too)."""
    if not path:
        return None
    p = Path(path)
    try:
        return hashlib.sha1(p.read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def config_file(cfg: dict[str, Any], section: str, key: str) -> Path | None:
    """The file a config key names, as the runner opens it (relative to the project root)."""
    part = cfg.get(section)
    return resolve(cfg, part.get(key)) if isinstance(part, dict) else None


def registry_file(cfg: dict[str, Any]) -> Path | None:
    """The concept registry: named by ``concepts.registry``."""
    return config_file(cfg, "concepts", "registry")


def section_state(cfg: dict[str, Any], section: str, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A config section with every file it names replaced by the hash of the file's content.
    ``section`` may be dotted (``evidence.topics``): a stage then depends on that part only."""
    part: Any = cfg
    for name in section.split("."):
        part = part.get(name) if isinstance(part, dict) else None
    if not isinstance(part, dict):
        return {"value": part}
    out = {k: v for k, v in part.items() if k not in drop}
    for key in FILE_KEYS.get(section, ()):
        if key in out:
            out[key] = {"file": file_digest(config_file(cfg, section, key))}
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """name -> version from the ``NAME-VERSION.dist-info`` folders on sys.path: one directory
    listing (under a millisecond), where ``importlib.metadata.version`` reads every
    distribution's metadata per call (0.1 s for the libraries below, on every run)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for n in names:
            if n.endswith(".dist-info"):
                name, _, version = n[: -len(".dist-info")].rpartition("-")
                found.setdefault(_norm(name), version)
    return found


@lru_cache(maxsize=None)
def lib_version(name: str) -> str | None:
    version = _installed().get(_norm(name))
    if version is not None:
        return version
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def lib_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    return {n: lib_version(n) for n in names}


def environment() -> dict[str, Any]:
    """What a stored corpus result depends on beyond its inputs: the code that wrote it."""
    from .. import __version__

    return {"litmap": __version__, "python": list(sys.version_info[:2]), "libs": lib_versions(CORPUS_LIBS)}


def parse_key(cfg: dict[str, Any], version: str) -> str:
    return stable_hash({"version": version, "structure": section_state(cfg, "structure"),
                        "pdf": (cfg.get("ingest") or {}).get("pdf"),
                        "zotero": (cfg.get("ingest") or {}).get("zotero"),
                        "refs": section_state(cfg, "refs"), "libs": lib_versions(PARSE_LIBS)})


def segment_key(cfg: dict[str, Any], version: str, parse: str) -> str:
    return stable_hash({"version": version, "parse": parse, "segment": section_state(cfg, "segment", NOT_TOKENS),
                        "registry": file_digest(registry_file(cfg)),
                        "libs": lib_versions(SEGMENT_LIBS.get(str(cfg["segment"]["backend"]), ()) + TEXT_LIBS)})


def features_key(cfg: dict[str, Any], version: str, segment: str) -> str:
    return stable_hash({
        "version": version, "segment": segment,
        "concepts": section_state(cfg, "concepts"), "cooccurrence": section_state(cfg, "cooccurrence"),
        "kwic_width": cfg["report"]["kwic_width"],
        # content tokens: the stopword file and the stopwordsiso list
        "stopwords": file_digest(config_file(cfg, "segment", "stopwords")),
        "stopwords_iso": cfg["segment"]["stopwords_iso"], "libs": lib_versions(FEATURES_LIBS + TEXT_LIBS)})


def corpus_key(ctx: RunContext, stage: CorpusStage, upstream: dict[str, str]) -> str:
    """The input hash of a corpus stage (see the module doc)."""
    return stable_hash({
        "version": stage.version,
        "config": {s: section_state(ctx.cfg, s) for s in stage.sections},
        "docs": sorted((p["doc_id"], p.get("source")) for p in ctx.papers),
        "with_parts": ctx.doc_ids,
        "per_document": [list(ctx.parse_key), list(ctx.segment_key), list(ctx.features_key)],
        "after": [upstream.get(a) for a in stage.after],
        "env": environment(),
    })


def report_key(ctx: RunContext) -> str:
    """Everything the report shows: equal keys, equal pages (see ``run._reuse_report``)."""
    from .. import __version__

    cfg = {s: section_state(ctx.cfg, s) for s in ctx.cfg if not s.startswith("_") and s not in ("store", "runner", "export")}
    return stable_hash({"stages": ctx.stage_hashes, "files": [(f.source, f.key, f.status, f.error) for f in ctx.files],
                        "per_document": [list(ctx.parse_key), list(ctx.segment_key), list(ctx.features_key)],
                        "config": cfg, "mode": ctx.mode, "version": __version__, "code": report_code()})


@lru_cache(maxsize=1)
def report_code() -> str:
    """The report's own code, templates and assets: an edit to how a page is drawn redraws the
    pages even when the data and litmap's version are the same (a development tree, a patch)."""
    root = Path(__file__).resolve().parents[1] / "report"
    h = hashlib.sha1()
    for f in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".html", ".css", ".js")):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def worker_key(*paths: str | Path | None, settings: Any = None) -> str:
    """The key of a worker-side cache (a segmenter, an alias table, a registry): the content of
    the files it was built from and the settings it was built with. A worker that gets another
    key rebuilds: in-process runs and long-lived dask workers see every edit."""
    return stable_hash({"files": [(str(p) if p else None, file_digest(p)) for p in paths], "settings": settings})


def with_files_resolved(cfg: dict[str, Any]) -> dict[str, Any]:
    """The config with every file it names made absolute (relative to the project root), so the
    stages open exactly the files the keys hashed, whatever the working directory of a worker."""
    out = dict(cfg)
    for section, names in FILE_KEYS.items():
        part = cfg.get(section)
        if isinstance(part, dict):
            out[section] = {**part, **{k: str(resolve(cfg, part[k])) for k in names if part.get(k)}}
    return out
