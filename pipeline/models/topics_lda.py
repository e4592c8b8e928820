"""gensim LDA behind the topic-model interface shared with NMF (see topics_nmf).

Single-process `LdaModel`, not `LdaMulticore`: the multicore trainer's workers interleave updates
in an order the OS decides, so two runs differ; a fixed `random_state` on one process gives
identical topics. What bounds the fit's time instead: the stable sample of ``fit_max_tokens``
(models/topics.py), 50 inference iterations (200 cost four times as much on 30 KB papers and
bought nothing measurable, bench/topics_sample.py), and an inference loop that reads the CSR
rows' arrays (gensim's loop, without rebuilding arrays from tuples per document and pass).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import MethodType
from typing import Any

import numpy as np
from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
from gensim.matutils import dirichlet_expectation, mean_absolute_difference
from gensim.models import LdaModel

from pipeline.models.topics_bows import CsrBows

BoW = list[tuple[int, int]]


def train_with_bar(model: Any, n_docs: int, passes: int, progress: Any, desc: str, train: Callable[[], None]) -> None:
    """Run ``train()`` (a gensim ``update``) with a progress bar over its M steps: gensim makes
    one per chunk of ``chunksize`` documents per pass (``update_every=1``, one worker). The
    step is wrapped on the instance for the call only, so the saved model is gensim's own."""
    if progress is None or not n_docs:
        train()
        return
    steps = passes * -(-n_docs // max(1, min(n_docs, int(model.chunksize))))
    bar = progress(desc, steps, "updates")
    step = model.do_mstep

    def counted(*args: Any, **kwargs: Any) -> Any:
        out = step(*args, **kwargs)
        bar.update(1)
        return out

    model.do_mstep = counted
    try:
        train()
    finally:
        del model.do_mstep
        bar.close()


class _Row:
    """One CSR row as gensim's bag of words (a sequence of (id, count) pairs) that also carries
    its arrays, so :func:`_inference` skips rebuilding them from Python tuples."""
    __slots__ = ("ids", "cts")

    def __init__(self, ids: np.ndarray, cts: np.ndarray) -> None:
        self.ids, self.cts = ids, cts

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> tuple[int, int]:
        return int(self.ids[i]), int(self.cts[i])


class _Rows:
    """A :class:`CsrBows` read as :class:`_Row` objects (a corpus gensim can iterate twice)."""

    def __init__(self, bows: CsrBows, dtype: Any) -> None:
        m = bows.matrix
        self.indptr, self.indices, self.data, self.dtype = m.indptr, m.indices, m.data, dtype

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __iter__(self) -> Iterator[_Row]:
        # Each row's counts in the model's dtype as it is read, not the whole array at once:
        # at 10,000 papers that copy was 47 MB of the topic fit's side process (11.8 million
        # counts), beside the concepts stage at the run's memory peak.
        p, ind, dat, dtype = self.indptr, self.indices, self.data, self.dtype
        for i in range(len(p) - 1):
            yield _Row(ind[p[i]:p[i + 1]], dat[p[i]:p[i + 1]].astype(dtype))


def _inference(self: LdaModel, chunk: Any, collect_sstats: bool = False) -> tuple[np.ndarray, Any]:
    """gensim's ``LdaModel.inference`` (4.x), line for line, but a :class:`_Row` gives its ids
    and counts as arrays: building them from (id, count) tuples was a third of the fit's time on
    long documents. The same random draws and arithmetic, so the same model."""
    if not isinstance(chunk, (list, tuple)):
        chunk = list(chunk)
    gamma = self.random_state.gamma(100., 1. / 100., (len(chunk), self.num_topics)).astype(self.dtype, copy=False)
    Elogtheta = dirichlet_expectation(gamma)
    expElogtheta = np.exp(Elogtheta)
    sstats = np.zeros_like(self.expElogbeta, dtype=self.dtype) if collect_sstats else None
    epsilon = np.finfo(self.dtype).eps
    for d, doc in enumerate(chunk):
        if isinstance(doc, _Row):
            ids, cts = doc.ids, doc.cts
        else:
            ids = [int(idx) for idx, _ in doc]
            cts = np.fromiter((cnt for _, cnt in doc), dtype=self.dtype, count=len(doc))
        gammad = gamma[d, :]
        expElogthetad = expElogtheta[d, :]
        expElogbetad = self.expElogbeta[:, ids]
        phinorm = np.dot(expElogthetad, expElogbetad) + epsilon
        for _ in range(self.iterations):
            lastgamma = gammad
            gammad = self.alpha + expElogthetad * np.dot(cts / phinorm, expElogbetad.T)
            Elogthetad = dirichlet_expectation(gammad)
            expElogthetad = np.exp(Elogthetad)
            phinorm = np.dot(expElogthetad, expElogbetad) + epsilon
            if mean_absolute_difference(gammad, lastgamma) < self.gamma_threshold:
                break
        gamma[d, :] = gammad
        if collect_sstats:
            sstats[:, ids] += np.outer(expElogthetad.T, cts / phinorm)
    if collect_sstats:
        sstats *= self.expElogbeta
    return gamma, sstats


@contextmanager
def _fast(model: LdaModel) -> Iterator[None]:
    """The model's inference is :func:`_inference` while in the block (on the instance only:
    the saved model is gensim's own)."""
    model.inference = MethodType(_inference, model)
    try:
        yield
    finally:
        del model.inference


@dataclass
class LdaBackend:
    name: str = "lda"

    def fit(self, bows: list[BoW], id2word, k: int, seed: int, cfg: dict, progress: Any = None) -> LdaModel:
        """``progress(desc, total, unit)``: a bar over the fit's updates (one per pass of a
        corpus within ``chunksize``)."""
        model = LdaModel(
            corpus=None,
            id2word=id2word,
            num_topics=k,
            random_state=seed,
            passes=int(cfg["passes"]),
            iterations=int(cfg["iterations"]),
            chunksize=int(cfg["chunksize"]),
            alpha=cfg["alpha"],
            eta=cfg["eta"],
            eval_every=None,  # perplexity logging costs a pass and changes nothing
            update_every=1,
        )
        # What LdaModel(corpus=...) does after setting up, with a bar ticking at each M step.
        corpus = _Rows(bows, model.dtype) if isinstance(bows, CsrBows) else bows
        with _fast(model):
            train_with_bar(model, len(bows), int(cfg["passes"]), progress, "LDA",
                           lambda: model.update(corpus, chunks_as_numpy=False))
        return model

    def topic_term(self, model: LdaModel) -> np.ndarray:
        return np.asarray(model.get_topics(), dtype=float)

    def doc_topics(self, model: LdaModel, bows: list[BoW]) -> np.ndarray:
        """Topic mixtures by batched variational inference (what get_document_topics does one
        document at a time; batches of 1,000 are many times faster on a large corpus)."""
        k = model.num_topics
        out = np.zeros((len(bows), k))
        batch: list[BoW] = []
        where: list[int] = []

        def flush() -> None:
            if batch:
                gamma, _ = _inference(model, batch)
                out[where] = gamma / gamma.sum(axis=1, keepdims=True)
                batch.clear()
                where.clear()

        for i, bow in enumerate(_Rows(bows, model.dtype) if isinstance(bows, CsrBows) else bows):
            if bow:
                batch.append(bow)
                where.append(i)
                if len(batch) >= 1000:
                    flush()
        flush()
        return out

    def update(self, model: LdaModel, bows: list[BoW], cfg: dict) -> LdaModel:
        """gensim online update: fold new documents into the existing variational posterior."""
        bows = [b for b in bows if b]
        if bows:
            # One pass with step rho = n_new / (n_fitted + n_new). gensim blends the new
            # documents' statistics, scaled up to the size of the fitted corpus, with weight rho;
            # its default step after a fit (about 0.2 at 1,000 papers) over 10 passes let one
            # paper rewrite the topics it touched (labels changed on 706 of 1,004 paper pages).
            # With this step the new documents count as what they are: a few more documents.
            # gensim's step is (offset + num_updates / chunksize) ** -decay, with the chunksize
            # passed here: one chunk holding every new document, so one step.
            n_fit = max(float(model.state.numdocs), 1.0)
            chunk = max(int(model.chunksize or 1), len(bows))
            target = (n_fit + len(bows)) / len(bows)  # 1 / rho, with decay 1
            model.update(bows, passes=1, decay=1.0, offset=target - model.num_updates / chunk, update_every=1,
                         chunksize=chunk)
        return model
