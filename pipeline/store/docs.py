"""The ``doc_bins`` table (migration 5): each paper's spaCy ``Doc`` as ``DocBin`` bytes.

Keyed like the paper's features parts (doc_id, features version, features config hash), written
by the driver in the same step as those parts, and read by ``pipeline.api.docs``. Each row also
names the spaCy version that wrote it: a DocBin is read back by the same major version.
"""
from __future__ import annotations

import time
from collections.abc import Iterator

from .db import Store


def put_doc_bin(store: Store, doc_id: str, version: str, cfg_hash: str, payload: bytes) -> None:
    put_doc_bins(store, [(doc_id, version, cfg_hash, payload)])


def put_doc_bins(store: Store, rows: list[tuple[str, str, str, bytes]], spacy_version: str | None = None) -> None:
    """Many Docs, each (doc_id, version, cfg_hash, DocBin bytes), in one statement (see
    ``Store.put_texts``: a statement per row cost ~40 ms). ``spacy_version``: the caller's
    (a driver that made no Doc itself need not import spaCy, ~1 s, to name it)."""
    if not rows:
        return
    import pandas as pd

    if spacy_version is None:
        import spacy

        spacy_version = spacy.__version__
    last = {r[:3]: r[3] for r in rows}
    now = time.time()
    frame = pd.DataFrame([(*k, now, spacy_version, b) for k, b in last.items()],
                         columns=["doc_id", "version", "cfg_hash", "created", "spacy_version", "payload"])
    store.replace_frame("doc_bins", frame)


def iter_doc_bins(store: Store, doc_ids: list[str], version: str, cfg_hash: str,
                  batch: int = 256) -> Iterator[tuple[str, bytes]]:
    """(doc_id, DocBin bytes) in the order of ``doc_ids``, a batch at a time; ids without a
    stored Doc are skipped."""
    for i in range(0, len(doc_ids), batch):
        ids = doc_ids[i:i + batch]
        rows = store.con.execute(
            "SELECT doc_id, payload FROM doc_bins WHERE version=? AND cfg_hash=? AND doc_id IN (SELECT unnest(?))",
            [version, cfg_hash, ids]).fetchall()
        got = {d: bytes(b) for d, b in rows}
        for d in ids:
            if d in got:
                yield d, got.pop(d)


def latest_keys(store: Store, doc_ids: list[str]) -> dict[str, tuple[str, str]]:
    """The (version, cfg_hash) of each document's newest stored Doc: what a project folder
    without a report names."""
    if not doc_ids:
        return {}
    rows = store.con.execute(
        "SELECT doc_id, version, cfg_hash FROM doc_bins WHERE doc_id IN (SELECT unnest(?)) ORDER BY created",
        [doc_ids]).fetchall()
    return {d: (v, h) for d, v, h in rows}
