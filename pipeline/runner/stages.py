"""Per-document stage functions, run in worker processes.

Each is a pure function of (file or document, the stage's config) that returns plain JSON-able
data, never raising: a failure comes back as ``{"error": ...}`` naming the reason, so the
batch goes on and the driver records it. Bump a stage's VERSION whenever its output changes
for the same input: that is what invalidates the cache.
"""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

PARSE_VERSION = "parse-5"  # parse-5: sentences keep their markers' offsets (marker_pos); parse-4: record reference lists (CSSCI), meta volume/pages/doi; parse-3: meta.authors_canonical; parse-2: PDFs read by layout (notes, calls, paragraphs)
SEGMENT_VERSION = "segment-2"  # segment-2: headings and the funding note are cut too (the spaCy Doc carries them)

_state: dict[str, Any] = {}


def init_parse(aliases_path: str | None, structure_cfg: dict[str, Any] | None = None,
               ingest_cfg: dict[str, Any] | None = None) -> None:
    # Keyed on the alias file's content: a worker that outlives a run (in-process runs, dask
    # workers) must not parse with the alias table of an earlier run.
    from .keys import worker_key

    _state["structure"] = structure_cfg or {}
    _state["ingest"] = ingest_cfg or {}
    key = worker_key(aliases_path)
    if _state.get("aliases_key") != key:
        from ..refs import load_aliases

        _state["aliases"] = load_aliases(aliases_path) if aliases_path and Path(aliases_path).is_file() else {}
        _state["aliases_key"] = key


def parse_file(task: tuple[str, str]) -> dict[str, Any]:
    """(path, source) → {"papers": [paper dicts]} or {"error": reason}."""
    from ..ingest.encoding import IngestError
    from ..ingest.readers import read_path
    from ..structure.paper import build_paper

    path, source = task
    try:
        raws = read_path(Path(path), source, _state.get("ingest"))
        papers = []
        for raw in raws:
            paper = build_paper(raw, _state.get("aliases"), _state.get("structure"))
            papers.append(paper.to_store_dict())
        return {"papers": papers}
    except IngestError as e:
        return {"error": str(e)}
    except RecursionError:
        return {"error": "structure too deeply nested to parse"}
    except Exception as e:  # a parser bug must not stop the batch; the message says where
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return {"error": f"internal error {e.__class__.__name__}: {e} (at {Path(tb.filename).name}:{tb.lineno})"}


def worker_registry(path: str):
    """The concept registry of this worker, read once for the segmenter and the features step
    (keyed by the file's content, like the workers' other state): 0.2 s of YAML a process."""
    from ..text.registry import load_registry
    from .keys import worker_key

    key = worker_key(path)
    if _state.get("registry_key") != key:
        _state["registry"], _state["registry_key"] = load_registry(path), key
    return _state["registry"]


def init_segment(seg_cfg: dict[str, Any], registry_path: str | None, userdict_path: str | None) -> None:
    # Keyed like init_parse: the dictionaries' content and the settings the segmenter was built with.
    from .keys import worker_key

    key = worker_key(registry_path, userdict_path, settings=seg_cfg)
    if _state.get("segmenter_key") != key:
        from ..text.segment import Segmenter

        registry = worker_registry(registry_path) if registry_path else None
        _state["segmenter"] = Segmenter(seg_cfg, registry=registry, userdict_path=userdict_path)
        _state["segmenter_key"] = key


def segmenter_keyed(key: str | None) -> Any:
    """This worker's segmenter if ``init_segment`` built it under ``key``, else None."""
    return _state.get("segmenter") if key is not None and _state.get("segmenter_key") == key else None


def segment_paper(paper: dict[str, Any]) -> dict[str, Any]:
    """A paper dict → tokens (space-joined strings) per sentence of every part of the paper."""
    seg = _state["segmenter"]
    try:
        def cut(text: str | None) -> str:
            return " ".join(seg.cut(text)) if text else ""

        meta = paper["meta"]
        out = {
            "title": cut(meta.get("title")),
            "abstract": cut(meta.get("abstract")),
            "keywords": [cut(k) for k in meta.get("keywords") or []],
            "paragraphs": [[cut(s["text"]) for s in sents] for sec in paper["sections"] for sents in sec.get("sentences", [])],
            "footnotes": [cut(f["text"]) for f in paper["footnotes"]],
            "headings": [cut(sec.get("heading")) for sec in paper["sections"]],
            "funding": cut(meta.get("funding")),
        }
        return {"doc_id": paper["doc_id"], "tokens": out}
    except Exception as e:
        return {"doc_id": paper["doc_id"], "error": f"segmentation failed: {e.__class__.__name__}: {e}"}
