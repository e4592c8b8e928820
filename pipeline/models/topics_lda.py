"""gensim LDA behind the topic-model interface shared with NMF (see topics_nmf).

Single-process `LdaModel`, not `LdaMulticore`: the multicore trainer's workers interleave updates
in an order the OS decides, so two runs differ; a fixed `random_state` on one process gives
identical topics. Corpora here (hundreds to a few thousand units) fit in seconds either way.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from gensim.models import LdaModel

BoW = list[tuple[int, int]]


@dataclass
class LdaBackend:
    name: str = "lda"

    def fit(self, bows: list[BoW], id2word, k: int, seed: int, cfg: dict) -> LdaModel:
        return LdaModel(
            corpus=bows,
            id2word=id2word,
            num_topics=k,
            random_state=seed,
            passes=int(cfg.get("passes", 10)),
            iterations=int(cfg.get("iterations", 200)),
            chunksize=int(cfg.get("chunksize", 2000)),
            alpha=cfg.get("alpha", "auto"),
            eta=cfg.get("eta", "auto"),
            eval_every=None,  # perplexity logging costs a pass and changes nothing
            update_every=1,
        )

    def topic_term(self, model: LdaModel) -> np.ndarray:
        return np.asarray(model.get_topics(), dtype=float)

    def doc_topics(self, model: LdaModel, bows: list[BoW]) -> np.ndarray:
        k = model.num_topics
        out = np.zeros((len(bows), k))
        for i, bow in enumerate(bows):
            if not bow:
                continue
            for t, w in model.get_document_topics(bow, minimum_probability=0.0):
                out[i, t] = w
        return out

    def update(self, model: LdaModel, bows: list[BoW], cfg: dict) -> LdaModel:
        """gensim online update: fold new documents into the existing variational posterior."""
        bows = [b for b in bows if b]
        if bows:
            model.update(bows, passes=int(cfg.get("update_passes", cfg.get("passes", 10))))
        return model
