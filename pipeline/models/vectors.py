"""Word vectors for concept neighbours (similar papers are :mod:`pipeline.models.lsa`).

word2vec runs single-threaded with a fixed seed and a hash function that does not depend on
PYTHONHASHSEED (gensim seeds each word's initial vector with ``hashfxn(word + str(seed))``, and
Python's ``hash`` of a str changes per process), so the same sentences give the same vectors in
any process. The vectors corpus stage (``runner/model_stages.py``) trains it on a stable sample.

    >>> stable_hash("数字资本") == stable_hash("数字资本")
    True
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

from gensim.models import Word2Vec


def stable_hash(text: str) -> int:
    """PYTHONHASHSEED-independent replacement for ``hash`` in word2vec (top-level: picklable)."""
    return zlib.crc32(text.encode("utf-8"))


def train_word2vec(sentences: Sequence[Sequence[str]], vector_size: int = 100, window: int = 5,
                   min_count: int = 2, seed: int = 1, workers: int = 1, epochs: int = 20,
                   sg: int = 1) -> Word2Vec:
    """word2vec for concept neighbours; ``workers=1`` keeps it reproducible across runs.

    Skip-gram (``sg=1``) by default: on a small academic corpus it gives better neighbours for
    rare concept words than CBOW.
    """
    sentences = [list(s) for s in sentences if s]
    return Word2Vec(sentences=sentences, vector_size=vector_size, window=window, min_count=min_count,
                    seed=seed, workers=workers, epochs=epochs, sg=sg, hashfxn=stable_hash)
