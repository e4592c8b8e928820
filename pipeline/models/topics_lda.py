"""gensim LDA behind the topic-model interface shared with NMF (see topics_nmf).

Single-process `LdaModel`, not `LdaMulticore`: the multicore trainer's workers interleave updates
in an order the OS decides, so two runs differ; a fixed `random_state` on one process gives
identical topics. Corpora here (hundreds to a few thousand units) fit in seconds either way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from gensim.models import LdaModel

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
        train_with_bar(model, len(bows), int(cfg["passes"]), progress, "LDA",
                       lambda: model.update(bows, chunks_as_numpy=False))
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
                gamma, _ = model.inference(batch)
                out[where] = gamma / gamma.sum(axis=1, keepdims=True)
                batch.clear()
                where.clear()

        for i, bow in enumerate(bows):
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
