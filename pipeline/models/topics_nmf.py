"""TF-IDF + NMF behind the same interface as LDA (see topics_lda).

Why NMF for short texts: an abstract has ~60 content tokens, too few for LDA's per-document
mixture to settle; TF-IDF weighting with sublinear counts lets the few distinctive words of an
abstract decide its topic, which NMF factorizes directly. Deterministic: `nndsvda` init is an SVD
(randomized SVD with a fixed `random_state`) and coordinate descent has no randomness of its own
unless `shuffle` is on.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer

BoW = list[tuple[int, int]]


def bows_to_csr(bows, n_terms: int) -> sparse.csr_matrix:
    if hasattr(bows, "matrix"):  # CsrBows: already a matrix
        return bows.matrix.astype(float)
    rows, cols, vals = [], [], []
    for i, bow in enumerate(bows):
        for j, c in bow:
            rows.append(i)
            cols.append(j)
            vals.append(c)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(bows), n_terms), dtype=float)


@dataclass
class NmfModel:
    tfidf: TfidfTransformer
    nmf: NMF
    n_terms: int

    @property
    def num_topics(self) -> int:
        return int(self.nmf.n_components)


def _normalize_rows(m: np.ndarray) -> np.ndarray:
    s = m.sum(axis=1, keepdims=True)
    s[s == 0] = 1.0
    return m / s


@dataclass
class NmfBackend:
    name: str = "nmf"

    def fit(self, bows: list[BoW], id2word, k: int, seed: int, cfg: dict, progress: Any = None) -> NmfModel:
        n_terms = len(id2word)
        x = bows_to_csr(bows, n_terms)
        tfidf = TfidfTransformer(sublinear_tf=True, norm="l2")
        xt = tfidf.fit_transform(x)
        nmf = NMF(
            n_components=k,
            init=cfg["nmf_init"],
            random_state=seed,
            max_iter=int(cfg["nmf_max_iter"]),
            alpha_W=float(cfg["nmf_alpha_w"]),
            alpha_H=float(cfg["nmf_alpha_h"]),
            l1_ratio=float(cfg["nmf_l1_ratio"]),
        )
        nmf.fit(xt)
        return NmfModel(tfidf=tfidf, nmf=nmf, n_terms=n_terms)

    def topic_term(self, model: NmfModel) -> np.ndarray:
        return _normalize_rows(np.asarray(model.nmf.components_, dtype=float))

    def doc_topics(self, model: NmfModel, bows: list[BoW]) -> np.ndarray:
        x = model.tfidf.transform(bows_to_csr(bows, model.n_terms))
        return _normalize_rows(np.asarray(model.nmf.transform(x), dtype=float))

    def update(self, model: NmfModel, bows: list[BoW], cfg: dict) -> NmfModel:
        """NMF has no online posterior: new units are only transformed with the fitted factors."""
        return model

