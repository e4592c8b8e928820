"""Read back the spaCy Docs of a finished run (``pipeline.api.docs``).

A run's Docs are rows of the store's ``doc_bins`` table keyed like its features. A report folder
names them exactly: its ``run.json`` holds the store's path, the parse key of each file and the
features key. A project folder (one holding ``.litmap/store.duckdb``) names only the store: its
last finished run's files are looked up in the store (the newest parse of each, the newest Doc
of each paper).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..store.db import Store
from ..store.docs import iter_doc_bins, latest_keys
from .load import LoadedRun
from .run import with_source


def _papers_of_store(store: Store) -> list[dict[str, Any]]:
    """The papers of the store's last finished run: its files' newest parse results."""
    row = store.con.execute("SELECT max(run_id) FROM runs WHERE status='finished'").fetchone()
    if not row or row[0] is None:
        raise ConfigError(f"{store.path} holds no finished run: run `litmap run` first")
    files = [(s, k) for s, k, st, _e in store.run_files(row[0]) if st == "ok" and k]
    keys = sorted({k for _s, k in files})
    got: dict[str, Any] = {}
    for k, payload in store.con.execute(
            "SELECT doc_id, payload FROM stage_results WHERE stage='parse' AND doc_id IN (SELECT unnest(?)) "
            "ORDER BY created", [keys]).fetchall():
        got[k] = payload  # the newest parse of each file wins
    out = []
    for source, k in files:
        for p in (json.loads(got[k]).get("papers") or []) if k in got else []:
            out.append(with_source(p, source))
    return out


def open_run_docs(run_dir: Path, nlp: Any = None) -> list[Any]:
    """The Docs of the run ``run_dir`` names (a report folder or a project folder), with the
    vocab of ``nlp`` (default: a blank ``zh`` pipeline's)."""
    from ..text.spacy_import import spacy
    from spacy.tokens import DocBin

    from ..text.spacy_doc import register_extensions

    register_extensions()
    vocab = nlp.vocab if nlp is not None else spacy.blank("zh").vocab
    if (run_dir / "run.json").is_file():
        run = LoadedRun(run_dir)
        key = run.info.get("features_key") or []
        if len(key) != 2:
            run.close()
            raise ConfigError(f"{run_dir}/run.json names no features key: run `litmap run` again")
        papers = run.papers()
        store = run.store
        keys: dict[str, tuple[str, str]] | None = None
    elif (run_dir / ".litmap" / "store.duckdb").is_file():
        store = Store(run_dir / ".litmap" / "store.duckdb")
        papers = _papers_of_store(store)
        keys = latest_keys(store, [p["doc_id"] for p in papers])
    else:
        raise ConfigError(f"{run_dir} is neither a litmap report folder (run.json) nor a project folder "
                          "(.litmap/store.duckdb): run `litmap run` first")
    try:
        source: dict[str, str] = {}
        for p in papers:
            source.setdefault(p["doc_id"], p["source"])
        ids = list(source)
        groups: dict[tuple[str, str], list[str]] = {}
        for d in ids:
            k = tuple(key) if keys is None else keys.get(d)
            if k is not None:
                groups.setdefault(k, []).append(d)
        found: dict[str, Any] = {}
        for (version, cfg_hash), group in groups.items():
            for d, payload in iter_doc_bins(store, group, version, cfg_hash):
                doc = next(iter(DocBin().from_bytes(payload).get_docs(vocab)))
                doc.user_data["source"] = source[d]
                found[d] = doc
        return [found[d] for d in ids if d in found]
    finally:
        store.close()
