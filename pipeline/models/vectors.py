"""Corpus vectors: gensim Dictionary / BoW with filtering, TF-IDF, similar papers, word2vec.

Everything is deterministic for a given input order: Dictionary ids are assigned in first-seen
order then compacted; TF-IDF has no randomness; word2vec runs single-threaded with a fixed seed
and a hash function that does not depend on PYTHONHASHSEED (gensim seeds each word's initial
vector with ``hashfxn(word + str(seed))``, and Python's ``hash`` of a str changes per process).
The runner caches the results in the store keyed by the hash of the inputs; nothing here writes.

    >>> d = build_dictionary(token_docs, no_below=2, no_above=0.5, keep_n=50000)
    >>> rows = similar_documents(doc_ids, token_docs, top=5)
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

from gensim.corpora import Dictionary
from gensim.models import TfidfModel, Word2Vec
from gensim.similarities import SparseMatrixSimilarity


def stable_hash(text: str) -> int:
    """PYTHONHASHSEED-independent replacement for ``hash`` in word2vec (top-level: picklable)."""
    return zlib.crc32(text.encode("utf-8"))


def build_dictionary(token_docs: Iterable[Sequence[str]], no_below: int = 2, no_above: float = 0.5,
                     keep_n: int | None = 50000) -> Dictionary:
    """Dictionary over token lists, dropping terms in < ``no_below`` docs or > ``no_above`` share.

    On very small corpora (a single paper split into few units) ``no_above`` would drop every
    useful word, so it only applies when there are at least 5 documents.
    """
    d = Dictionary(token_docs)
    d.filter_extremes(no_below=no_below, no_above=no_above if d.num_docs >= 5 else 1.0, keep_n=keep_n)
    d.compactify()
    return d


def bow_corpus(dictionary: Dictionary, token_docs: Iterable[Sequence[str]]) -> list[list[tuple[int, int]]]:
    return [dictionary.doc2bow(list(toks)) for toks in token_docs]


def tfidf_model(dictionary: Dictionary, bow: list[list[tuple[int, int]]]) -> TfidfModel:
    return TfidfModel(bow, id2word=dictionary, normalize=True)


def similar_documents(doc_ids: Sequence[str], token_docs: Sequence[Sequence[str]], top: int = 5,
                      no_below: int = 1, no_above: float = 1.0) -> list[dict]:
    """The "most similar papers" table: for each document its ``top`` nearest by TF-IDF cosine.

    Rows ``{doc_id, rank, similar_doc_id, similarity}`` sorted by doc_id then rank; ties broken
    by the other document's id so the table is stable.
    """
    if len(doc_ids) != len(token_docs):
        raise ValueError("doc_ids and token_docs differ in length")
    dictionary = build_dictionary(token_docs, no_below=no_below, no_above=no_above, keep_n=None)
    bow = bow_corpus(dictionary, token_docs)
    tfidf = tfidf_model(dictionary, bow)
    vecs = [tfidf[b] for b in bow]
    index = SparseMatrixSimilarity(vecs, num_features=len(dictionary))
    rows = []
    for i, did in enumerate(doc_ids):
        sims = index[vecs[i]]
        order = sorted((j for j in range(len(doc_ids)) if j != i), key=lambda j: (-float(sims[j]), doc_ids[j]))
        for rank, j in enumerate(order[:top], 1):
            rows.append({"doc_id": did, "rank": rank, "similar_doc_id": doc_ids[j],
                         "similarity": round(float(sims[j]), 6)})
    rows.sort(key=lambda r: (r["doc_id"], r["rank"]))
    return rows


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


def neighbors(model: Word2Vec, term: str, topn: int = 10) -> list[dict]:
    """``[{term, similarity}]`` nearest to ``term``; [] when the term is out of vocabulary."""
    if term not in model.wv.key_to_index:
        return []
    return [{"term": t, "similarity": round(float(s), 6)} for t, s in model.wv.most_similar(term, topn=topn)]
