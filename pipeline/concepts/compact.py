"""Mentions decoded from the store, made small: repeated values shared, the KWIC window kept as
offsets. Decoded JSON gives every mention its own copies of its document's title, authors and
sentence, which on 10,000 papers was most of the concepts stage's memory."""
from __future__ import annotations

from typing import Any


def compact_mentions(mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mentions of one document as decoded from the store, with repeated values shared: the
    document's title and author list are one object, names and tokens are interned, and the
    KWIC window is kept as three offsets into the sentence (see :func:`kwic_of`). Decoded JSON
    gives every mention its own copies, which on 10,000 papers was most of the stage's memory."""
    import sys

    shared: dict[Any, Any] = {}
    for m in mentions:
        for k in ("concept", "term", "surface", "where"):
            if isinstance(m.get(k), str):
                m[k] = sys.intern(m[k])
        if "doc_authors" in m:
            m["doc_authors"] = shared.setdefault(("a", tuple(m["doc_authors"])), m["doc_authors"])
        for k in ("doc_title", "section", "sentence"):
            if m.get(k):
                m[k] = shared.setdefault((k, m[k]), m[k])
        if m.get("context_tokens"):
            m["context_tokens"] = shared.setdefault(("c", tuple(m["context_tokens"])),
                                                    [sys.intern(t) for t in m["context_tokens"]])
        k = m.get("kwic")
        if isinstance(k, dict) and m.get("sentence") and m["sentence"].startswith(k["match"], m["start"]):
            end = m["start"] + len(k["match"])
            m["kwic"] = (m["start"] - len(k["left"]), end, end + len(k["right"]))
    return mentions
