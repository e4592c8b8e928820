"""One task per new file: parse, segment and features in the worker that read it.

Run as three stages, a new paper crossed the process boundary five times (the file's path out,
the paper back, the paper out again with its tokens, tokens back, features back) and the driver
JSON-encoded, stored, read back and decoded each of them: on 200 papers the driver spent more
time than the workers. Here the worker runs the three stage functions of ``stages.py`` and
``features.py`` one after the other and returns what the driver stores, already encoded: each
result's JSON text (the very text ``Store.put_result`` would write), the paper's rows of the
document tables, the DocBin bytes, and the seconds each stage took. The driver only writes
them, under the same cache keys, so a later run finds them exactly as if the three stages had
run apart.

The paper handed to segment and features is the parse result decoded from that JSON text with
the document's source set (``with_source``), as ``RunContext.iter_papers`` reads it from the
store: the inputs are the same objects either way, so the outputs are too.
"""
from __future__ import annotations

import json
import time
from typing import Any

from ..store.db import payload_text
from ..store.papers import paper_rows
from .context import head_of, with_source
from .features import DOC_PART, PARTS, doc_features, init_features
from .stages import init_parse, init_segment, parse_file, segment_paper

# (path, the file's source, the source its documents are shown under, the parse version, the
# file's content key: the driver's, to store the results under)
Task = tuple[str, str, str, str, str]


def init_one_pass(parse_args: tuple, segment_args: tuple, features_args: tuple) -> None:
    """A worker's start-up, once per run: the alias table, the segmenter (its dictionary and
    the registry) and the features' registry, matcher and stop list."""
    init_parse(*parse_args)
    init_segment(*segment_args)
    init_features(*features_args)


def one_pass(task: Task) -> dict[str, Any]:
    """A file's parse result, heads and document rows, and for each of its documents the
    segment result and the features parts, all encoded for the store; never raises (the stage
    functions return their errors as results)."""
    path, source, doc_source, version, _key = task
    t0 = time.perf_counter()
    res = parse_file((path, source))
    parse_text = payload_text(res)
    out: dict[str, Any] = {"parse": parse_text, "docs": []}
    if "error" in res:
        out["head"] = payload_text({"error": res["error"]})
        out["rows"] = []
        out["seconds"] = (time.perf_counter() - t0, 0.0, 0.0)
        return out
    out["head"] = payload_text({"heads": [head_of(p) for p in res["papers"]]})
    out["rows"] = [(p["doc_id"], paper_rows(p, version)) for p in res["papers"]]
    # what iter_papers would read back from the store: the decoded text, under the shown source
    papers = [with_source(p, doc_source) for p in json.loads(parse_text)["papers"]]
    t1 = time.perf_counter()
    out["docs"], t_seg, t_feat = _segment_features(papers)
    out["seconds"] = (t1 - t0 + (time.perf_counter() - t1 - t_seg - t_feat), t_seg, t_feat)
    return out


def init_segment_features(segment_args: tuple, features_args: tuple) -> None:
    init_segment(*segment_args)
    init_features(*features_args)


def segment_features(task: tuple[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """The segment results and features parts of some documents of one file whose parse is
    stored (an edited segment or concepts section): (the parse result's JSON text as stored,
    [(doc_id, the source it is shown under)]) -> {"docs": [...], "seconds": ...} as ``one_pass``
    gives them. The driver sends the stored text undecoded, one task per file."""
    parse_text, wanted = task
    t0 = time.perf_counter()
    shown = dict(wanted)
    papers = [with_source(p, shown[p["doc_id"]]) for p in json.loads(parse_text)["papers"] if p["doc_id"] in shown]
    t1 = time.perf_counter()
    docs, t_seg, t_feat = _segment_features(papers)
    return {"docs": docs, "seconds": (t1 - t0 + (time.perf_counter() - t1 - t_seg - t_feat), t_seg, t_feat)}


def _segment_features(papers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float, float]:
    t_seg = t_feat = 0.0
    seen: set[str] = set()
    docs = []
    for paper in papers:
        if paper["doc_id"] in seen:  # a record twice in one file: one document (iter_papers reads the first)
            continue
        seen.add(paper["doc_id"])
        t = time.perf_counter()
        seg = segment_paper(paper)
        doc: dict[str, Any] = {"doc_id": paper["doc_id"], "segment": payload_text(seg)}
        t2 = time.perf_counter()
        t_seg += t2 - t
        if "error" not in seg:
            feats = doc_features((paper, seg["tokens"]))
            if "error" in feats:
                doc["features"] = {PARTS[0]: payload_text(feats)}
            else:
                doc["features"] = {part: payload_text(feats[part]) for part in PARTS}
                doc["doc_bin"] = feats.get(DOC_PART)
            t_feat += time.perf_counter() - t2
        docs.append(doc)
    return docs, t_seg, t_feat
