"""Bags of words of many units as one sparse matrix, readable as gensim's list of (id, count).

Why: a list of tuples per unit costs ~60 bytes per distinct word, so 10,000 papers of ~1,500
distinct words each would take a gigabyte; CSR takes 8 bytes. gensim's LDA streams the rows
(``__iter__``), NMF takes the matrix itself, and a subset is a row slice.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator

import numpy as np
from scipy import sparse

BoW = list[tuple[int, int]]


class CsrBows:
    def __init__(self, matrix: sparse.csr_matrix) -> None:
        self.matrix = matrix.tocsr()

    @classmethod
    def from_bows(cls, bows: Iterable[BoW], n_terms: int) -> CsrBows:
        """From any iterable of bags (a generator is consumed once): packed C arrays as it goes,
        so a large corpus never exists as Python tuples all at once."""
        indptr, indices, data = array("q", [0]), array("i"), array("i")
        for bow in bows:
            for j, c in bow:
                indices.append(j)
                data.append(c)
            indptr.append(len(indices))
        m = sparse.csr_matrix((np.frombuffer(data, dtype=np.int32).copy(), np.frombuffer(indices, dtype=np.int32).copy(),
                               np.frombuffer(indptr, dtype=np.int64).copy()), shape=(len(indptr) - 1, n_terms))
        return cls(m)

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def __getitem__(self, i: int) -> BoW:
        a, b = self.matrix.indptr[i], self.matrix.indptr[i + 1]
        return list(zip(self.matrix.indices[a:b].tolist(), self.matrix.data[a:b].tolist()))

    def __iter__(self) -> Iterator[BoW]:
        for i in range(len(self)):
            yield self[i]

    def subset(self, rows: Iterable[int] | np.ndarray) -> CsrBows:
        return CsrBows(self.matrix[np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)])

    def columns(self, cols: np.ndarray) -> CsrBows:
        """The bags cut to these term ids (kept in this order)."""
        return CsrBows(self.matrix[:, cols].tocsr())

    def append(self, other: CsrBows) -> CsrBows:
        n = max(self.matrix.shape[1], other.matrix.shape[1])
        a, b = self.matrix.copy(), other.matrix.copy()
        a.resize((a.shape[0], n))
        b.resize((b.shape[0], n))
        return CsrBows(sparse.vstack([a, b]).tocsr())

    def term_freq(self, rows: np.ndarray | None = None) -> np.ndarray:
        m = self.matrix if rows is None else self.matrix[rows]
        return np.asarray(m.sum(axis=0)).ravel().astype(float)

    def lengths(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(float)
