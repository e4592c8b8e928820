"""The run's context: what the runner knows of one run, handed to every stage and the report.

Domain code types its argument with the protocols of :mod:`pipeline.context` (``StageContext``,
``ReportContext``); this class is the runner's implementation of both, and the only one that
knows where the per-document results live in the store (the three cache keys).
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..context import FileEntry, Head, Paper, Part
from ..progress import Bar
from ..store.db import Store
from .prefetch import Prefetch

HEAD_KEYS = ("doc_id", "source", "kind", "script", "encoding", "warnings", "meta")


def head_of(p: Paper) -> Head:
    """What every stage may hold for every paper at once: identity and metadata, not the text.
    The text (sections, footnotes) is streamed from the store by :meth:`RunContext.iter_papers`."""
    h = {k: p.get(k) for k in HEAD_KEYS}
    h["n_paragraphs"] = sum(len(s["paragraphs"]) for s in p["sections"])
    h["n_footnotes"] = len(p["footnotes"])
    return h


def with_source(p: Paper, source: str) -> Paper:
    """A cached paper shown under the file's current name (a renamed or copied file keeps its
    cache entry, keyed by content); ``#N`` of an export record is kept."""
    tail = p["source"].split("#", 1)
    new = source + ("#" + tail[1] if len(tail) > 1 else "")
    return p if new == p["source"] else {**p, "source": new}


@dataclass
class RunContext:
    cfg: dict[str, Any]
    store: Store
    run_id: int
    corpus: Path
    out: Path
    mode: str = "refit"  # refit | update
    files: list[FileEntry] = field(default_factory=list)
    papers: list[Head] = field(default_factory=list)  # heads of the ok documents, sorted by source
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
    stage: str = ""  # the stage running now: names the progress bars of the streams it reads
    # Set by the runner while corpus stages run: a stage waiting for its side processes calls it
    # to run the stages that may go meanwhile (``runner/corpus.py``).
    while_waiting: Callable[[], None] | None = None
    work_waiting: Callable[[], bool] | None = None  # whether while_waiting would compute anything
    # ``--update``: the stored results the corpus stages fold into, read while the new documents
    # are processed (``runner/prefetch.py``)
    prefetch: Prefetch | None = None

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def progress(self, desc: str, total: int, unit: str = "docs") -> Bar:
        """A progress bar for ``total`` items of the current stage (``pipeline/progress.py``):
        drawn on a terminal once the stage has run ``runner.progress_after_s``, silent elsewhere."""
        name = f"{self.stage} · {desc}" if self.stage and desc != self.stage else desc
        return Bar(name, total, unit, delay=float(self.cfg["runner"]["progress_after_s"]))

    # -- streaming reads: a stage never needs every paper in memory at once -----------------
    def iter_papers(self, doc_ids: list[str] | None = None) -> Iterator[Paper]:
        """Full paper dicts (sections, footnotes, citations) in the order of ``doc_ids`` (default:
        every document, sorted by doc_id), read from the parse cache a batch of files at a time."""
        ids = sorted(self.doc_file) if doc_ids is None else [d for d in doc_ids if d in self.doc_file]
        version, cfg_hash = self.parse_key
        bar = self.progress("papers", len(ids))
        chunks = [ids[i:i + 128] for i in range(0, len(ids), 128)]
        files = [sorted({self.doc_file[d][0] for d in chunk}) for chunk in chunks]
        for chunk, texts in zip(chunks, self.store.texts_ahead("parse", files, version, cfg_hash)):
            # Held as text, each file decoded when its first paper is taken and let go after its
            # last in the chunk, rather than 128 decoded papers held at once.
            uses = Counter(self.doc_file[d][0] for d in chunk)
            decoded: dict[str, Any] = {}
            for d in chunk:
                key, source = self.doc_file[d]
                if key not in decoded and key in texts:
                    decoded[key] = json.loads(texts.pop(key))
                for p in (decoded.get(key) or {}).get("papers", []):
                    if p["doc_id"] == d:
                        yield with_source(p, source)
                        break
                uses[key] -= 1
                if not uses[key]:
                    decoded.pop(key, None)
            bar.update(len(chunk))
        bar.close()

    def iter_tokens(self, doc_ids: list[str] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        ids = self.doc_ids if doc_ids is None else doc_ids
        for d, r in self.progress("tokens", len(ids)).track(self.store.iter_results("segment", ids, *self.segment_key)):
            if "tokens" in r:
                yield d, r["tokens"]

    def iter_part(self, part: str, doc_ids: list[str] | None = None) -> Iterator[tuple[str, Part]]:
        """(doc_id, payload) of one per-document feature part (see ``features.py``)."""
        ids = self.doc_ids if doc_ids is None else doc_ids
        for d, r in self.progress(part, len(ids)).track(self.store.iter_results(part, ids, *self.features_key)):
            if "error" not in r:
                yield d, r
