"""What a stage and the report may see of a run: typed, in the bottom layer.

The runner builds one :class:`pipeline.runner.context.RunContext` per run. Stage code in the domain
packages (refs, concepts, models, report) is typed against the protocols below rather than that
class, so no domain module imports the runner (an arrow up a layer) to name its argument, and a
test or a user script may pass any object with these attributes.

``FileEntry`` lives here for the same reason: the report lists files, the runner finds them.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the store is a lower layer; the import is for the type only
    from .progress import Bar
    from .store.db import Store

Paper = dict[str, Any]  # a parsed paper as the store holds it (``records.Paper.to_dict``)
Head = dict[str, Any]  # identity and metadata of a paper, without its text (``runner.context.head_of``)
Part = dict[str, Any]  # one per-document feature part (``runner.features``)


@dataclass
class FileEntry:
    path: str  # absolute path to read
    source: str  # path as shown (relative to the corpus' parent when possible)
    key: str | None = None  # content hash; None when unreadable
    status: str = "pending"  # pending | ok | skipped | failed | duplicate (of another file's records)
    error: str | None = None
    duplicate_of: str | None = None  # the file(s) already holding every record of this one


class StageContext(Protocol):
    """What a corpus stage reads: settings, the corpus's heads, streamed texts and features,
    and the results of the stages before it."""

    cfg: dict[str, Any]  # validated settings (every default filled in by ``settings.model``)
    store: Store
    mode: str  # refit | update
    papers: list[Head]
    doc_ids: list[str]
    new_doc_ids: list[str]
    results: dict[str, Any]  # corpus stage outputs by stage name

    def log(self, msg: str) -> None: ...

    def progress(self, desc: str, total: int, unit: str = "docs") -> Bar:
        """A bar for ``total`` items of the running stage (a no-op off a terminal)."""
        ...

    def iter_papers(self, doc_ids: list[str] | None = None) -> Iterator[Paper]: ...

    def iter_tokens(self, doc_ids: list[str] | None = None) -> Iterator[tuple[str, dict[str, Any]]]: ...

    def iter_part(self, part: str, doc_ids: list[str] | None = None) -> Iterator[tuple[str, Part]]: ...


class ReportContext(StageContext, Protocol):
    """What the report reads besides the stage results: the run, its files and its changes."""

    run_id: int
    corpus: Path
    out: Path
    files: list[FileEntry]
    changes: dict[str, list[str]]
    stats: dict[str, Any]
    timings: dict[str, float]
    stage_hashes: dict[str, str]
    report_hash: str
    failed_sections: list[str]
    workers: int
    memo: dict[str, Any]  # values the report's pages share within one run (built once, used by several)
    # The per-document cache keys (version, config hash) and where each document was read: the
    # report records them in run.json and keys a paper's page on them.
    parse_key: tuple[str, str]
    features_key: tuple[str, str]
    doc_file: dict[str, tuple[str, str]]  # doc_id -> (file key, source)


def meanwhile(ctx: Any) -> None:
    """Called by a stage about to wait for its side processes: the runner runs the stages that
    may go meanwhile (``RunContext.while_waiting``); a context of another caller has none."""
    fn = getattr(ctx, "while_waiting", None)
    if callable(fn):
        fn()


def work_meanwhile(ctx: Any) -> bool:
    """Whether :func:`meanwhile` would give this process a stage to compute."""
    fn = getattr(ctx, "work_waiting", None)
    return bool(fn()) if callable(fn) else False
