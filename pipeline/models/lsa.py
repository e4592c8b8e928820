"""Similar papers by latent semantic analysis: TF-IDF, truncated SVD, cosine in the reduced space.

Why not TF-IDF cosine directly: the exact sparse product is quadratic in the corpus and its
cost grows with shared common words (seconds at 1,000 papers, most of an hour at 10,000). Paper
vectors of ``dims`` dimensions make every comparison a small dense product, computed in blocks
so memory stays ``block × n``. Documents are added one at a time (:meth:`add`), so the corpus is
streamed; :meth:`fold_in` projects new papers into the stored space (``--update``), keeping the
vocabulary, IDF and basis of the last fit.

Deterministic: vocabulary sorted, randomized SVD with a fixed seed, ties broken by doc_id.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from scipy import sparse

from pipeline.settings.fill import filled


class LsaIndex:
    def __init__(self, cfg: dict[str, Any] | None = None) -> None:
        cfg = filled(cfg, "vectors", "lsa")  # a partial section (tests) takes the rest from the model
        self.dims = int(cfg["dims"])
        self.top = int(cfg["top"])
        self.min_df = int(cfg["min_df"])
        self.max_terms = int(cfg["max_terms"])
        self.seed = int(cfg["seed"])
        self.doc_ids: list[str] = []
        self._vocab: dict[str, int] = {}
        self._indptr = [0]
        self._indices: list[np.ndarray] = []
        self._counts: list[np.ndarray] = []
        self.terms: dict[str, int] = {}  # fitted vocabulary
        self.idf = np.zeros(0)
        self.basis: np.ndarray | None = np.zeros((0, 0), dtype=np.float32)  # dims × terms; None: no reduction
        self.vectors = np.zeros((0, 0), dtype=np.float32)  # docs × dims, unit length

    def add(self, doc_id: str, tokens: list[str]) -> None:
        c = Counter(tokens)
        idx = np.fromiter((self._vocab.setdefault(t, len(self._vocab)) for t in c), dtype=np.int32, count=len(c))
        self._indices.append(idx)
        self._counts.append(np.fromiter(c.values(), dtype=np.float32, count=len(c)))
        self._indptr.append(self._indptr[-1] + len(c))
        self.doc_ids.append(doc_id)

    def fit(self) -> None:
        from sklearn.decomposition import TruncatedSVD

        n = len(self.doc_ids)
        if n < 2:
            self.vectors = np.zeros((n, 0), dtype=np.float32)
            return
        # The matrix passes from step to step without a name in this frame: at 10,000 papers
        # each copy of it is ~130 MB, and the one this frame held through the weighting and the
        # SVD made the vectors stage's peak (the driver at 852 MB, 776 through the SVD).
        Xt = self._weight(self._kept_terms(self._packed(n)))
        if min(Xt.shape) <= self.dims:
            # A corpus smaller than the reduced space: plain TF-IDF cosine, exact and still small.
            self.basis = None
        else:
            svd = TruncatedSVD(n_components=self.dims, random_state=self.seed, algorithm="randomized", n_iter=5)
            svd.fit(Xt)
            self.basis = svd.components_.astype(np.float32)
        self.vectors = self._project(Xt)

    def _packed(self, n: int) -> sparse.csr_matrix:
        """The documents' counts as one matrix over the whole vocabulary; each per-document list
        is let go once packed, not held beside its packed copy."""
        data = np.concatenate(self._counts)
        self._counts = []
        indices = np.concatenate(self._indices)
        self._indices = []
        indptr = np.array(self._indptr)
        self._indptr = [0]
        return sparse.csr_matrix((data, indices, indptr), shape=(n, len(self._vocab)))

    def _kept_terms(self, X: sparse.csr_matrix) -> sparse.csr_matrix:
        """``X`` cut to the terms that carry similarity (``min_df``, ``max_terms``) in word
        order; sets the fitted vocabulary and IDF."""
        n = X.shape[0]
        df = np.bincount(X.indices, minlength=X.shape[1])
        words = np.array(sorted(self._vocab, key=self._vocab.get), dtype=object)
        keep = np.flatnonzero(df >= min(self.min_df, n))
        if len(keep) > self.max_terms:  # the most widespread terms carry the similarity
            keep = np.sort(keep[np.argsort(-df[keep], kind="stable")[: self.max_terms]])
        order = keep[np.argsort(words[keep], kind="stable")]
        self.terms = {w: i for i, w in enumerate(words[order])}
        self._vocab = {}
        self.idf = (np.log((1 + n) / (1 + df[order])) + 1).astype(np.float32)
        return X[:, order]

    def _weight(self, X: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear TF-IDF rows of unit length. ``X`` is the caller's to give: its counts are
        replaced in place when they are float32 already."""
        X = X.astype(np.float32, copy=False)
        X.sort_indices()  # one order of terms in a row, whatever order the counts came in
        # In place, one temporary array at a time: each step as a sparse product was a new
        # matrix beside the last (the driver +266 MB at 10,000 papers, its peak in this stage).
        data, lengths = X.data, np.diff(X.indptr)
        np.log(data, out=data)
        data += 1  # sublinear tf: a long paper's repeats do not swamp it
        data *= self.idf[X.indices]
        filled = lengths > 0
        norms = np.ones(X.shape[0], dtype=np.float32)
        if filled.any():  # reduceat over the rows that have terms: an empty row has no segment
            norms[filled] = np.sqrt(np.add.reduceat(np.square(data), X.indptr[:-1][filled]))
        data /= np.repeat(norms, lengths)
        return X

    def _project(self, Xt: sparse.csr_matrix) -> np.ndarray:
        v = Xt.toarray().astype(np.float32) if self.basis is None else np.asarray(Xt @ self.basis.T, dtype=np.float32)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return v / norms

    def fold_in(self, bags: list[tuple[str, list[str]]]) -> None:
        """Project new papers with the stored vocabulary, IDF and basis (no refit)."""
        if not bags or not self.terms:
            return
        rows, cols, vals = [], [], []
        for i, (_d, toks) in enumerate(bags):
            for t, c in Counter(toks).items():
                j = self.terms.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
                    vals.append(c)
        X = sparse.csr_matrix((np.array(vals, dtype=np.float32), (rows, cols)), shape=(len(bags), len(self.terms)))
        self.vectors = np.vstack([self.vectors, self._project(self._weight(X))])
        self.doc_ids = self.doc_ids + [d for d, _t in bags]

    def similar(self, block: int = 512) -> list[dict[str, Any]]:
        """For each paper its ``top`` most similar, as rows {doc_id, rank, similar_doc_id, similarity}."""
        n = len(self.doc_ids)
        if n < 2 or self.vectors.shape[1] == 0:
            return []
        rows = self._rows(0, n, block)
        rows.sort(key=lambda r: (r["doc_id"], r["rank"]))
        return rows

    def _rows(self, start: int, stop: int, block: int = 512) -> list[dict[str, Any]]:
        """The similar-paper rows of papers ``start..stop`` against every paper."""
        n = len(self.doc_ids)
        ids = np.array(self.doc_ids, dtype=object)
        rank_of = np.argsort(np.argsort(ids, kind="stable"), kind="stable")  # doc_id order breaks ties
        top = min(self.top, n - 1)
        rows = []
        for s in range(start, stop, block):
            sims = self.vectors[s:min(s + block, stop)] @ self.vectors.T
            for i in range(sims.shape[0]):
                sims[i, s + i] = -np.inf
            cand = np.argpartition(-sims, top, axis=1)[:, : top + 1] if n - 1 > top else np.argsort(-sims, axis=1)
            for i in range(sims.shape[0]):
                c = [j for j in cand[i] if j != s + i]
                c.sort(key=lambda j: (-round(float(sims[i, j]), 6), rank_of[j]))
                for r, j in enumerate(c[:top], 1):
                    rows.append({"doc_id": ids[s + i], "rank": r, "similar_doc_id": ids[j],
                                 "similarity": round(float(sims[i, j]), 6)})
        return rows

    def similar_after_fold(self, previous: list[dict[str, Any]], n_old: int) -> list[dict[str, Any]]:
        """:meth:`similar` after :meth:`fold_in`, from the table of the first ``n_old`` papers:
        the new papers' rows are computed against every paper, and an earlier paper's list
        changes only where a new paper beats its last entry. Cost n_new × n, not n × n.
        (The same table up to the last bit of a float product, which may move a tie.)"""
        n = len(self.doc_ids)
        if n == n_old:
            return previous
        if n_old - 1 < self.top or self.vectors.shape[1] == 0 or not previous:
            return self.similar()  # lists shorter than ``top`` before: they all grow
        new_ids = self.doc_ids[n_old:]
        sims = self.vectors[:n_old] @ self.vectors[n_old:].T  # n_old × n_new
        by_doc: dict[str, list[dict[str, Any]]] = {}
        for r in previous:
            by_doc.setdefault(r["doc_id"], []).append(r)
        rows: list[dict[str, Any]] = []
        for i, d in enumerate(self.doc_ids[:n_old]):
            mine = by_doc.get(d, [])
            last = min((r["similarity"] for r in mine), default=-np.inf)
            better = np.flatnonzero(sims[i] >= last - 1e-6)  # rounded below, as in _rows
            if not len(better):
                rows += mine
                continue
            cand = [(-r["similarity"], r["similar_doc_id"]) for r in mine]
            cand += [(-round(float(sims[i, j]), 6), new_ids[j]) for j in better.tolist()]
            cand.sort()
            rows += [{"doc_id": d, "rank": k, "similar_doc_id": o, "similarity": -neg}
                     for k, (neg, o) in enumerate(cand[: self.top], 1)]
        rows += self._rows(n_old, n)
        rows.sort(key=lambda r: (r["doc_id"], r["rank"]))
        return rows
