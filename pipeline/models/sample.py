"""What the model stages read of a document's content tokens, and the stable sample of
sentences word2vec and phrase mining are fitted on.

Shared by the vectors and terms stages, so both see a document's sentences in one order and
draw one sample by one hash."""
from __future__ import annotations

import heapq
import zlib
from collections.abc import Callable, Iterator
from typing import Any


def content_sentences(content: dict[str, Any]) -> list[list[str]]:
    """Content tokens of the title, abstract and each body sentence of one document."""
    out = [content["title"].split(), content["abstract"].split()]
    out += [s.split() for para in content["paragraphs"] for s in para]
    return [s for s in out if s]


def doc_bag(content: dict[str, Any]) -> list[str]:
    return [t for s in content_sentences(content) for t in s]


def _key(doc_id: str, k: int) -> int:
    return zlib.crc32(f"{doc_id}:{k}".encode())


def sample_sentences(parts: Iterator[tuple[str, dict[str, Any]]], max_tokens: int,
                     on_doc: Callable[[str, dict[str, Any]], None] | None = None,
                     stats: dict[str, Any] | None = None) -> list[list[str]]:
    """Bottom-k sample of sentences by a stable hash, at most ``max_tokens`` tokens: the same
    sentences whatever the order documents arrive in, and memory bounded by the sample, not the
    corpus. ``on_doc(doc_id, content)`` sees every document on the way (one pass for all uses).
    ``stats`` gets ``bound``: the largest hash in a sample that had to leave sentences out (None
    when every sentence fits), which :func:`sampled_of` holds new documents to."""
    heap: list[tuple[int, str, int, list[str]]] = []  # max-heap by hash (negated)
    total = 0
    dropped = False
    for d, part in parts:
        content = part["content"]
        if on_doc is not None:
            on_doc(d, content)
        for k, s in enumerate(content_sentences(content)):
            h = _key(d, k)
            if total + len(s) <= max_tokens or (heap and -heap[0][0] > h):
                heapq.heappush(heap, (-h, d, k, s))
                total += len(s)
                while total > max_tokens and heap:
                    total -= len(heapq.heappop(heap)[3])
                    dropped = True
            else:
                dropped = True
    if stats is not None:
        stats["bound"] = -heap[0][0] if dropped and heap else None
    return [s for _h, _d, _k, s in sorted(heap, key=lambda x: (x[1], x[2]))]


def sampled_of(doc_id: str, content: dict[str, Any], bound: int | None) -> list[list[str]]:
    """The sentences of a new document that the stored sample's hash ``bound`` admits: those a
    refit's sample would take from it (about ``max_tokens`` / the corpus's tokens of them; all
    of them when the sample held every sentence, ``bound`` None)."""
    sents = content_sentences(content)
    if bound is None:
        return sents
    return [s for k, s in enumerate(sents) if _key(doc_id, k) < bound]
