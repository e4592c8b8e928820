"""Authors compared directly: gensim's author-topic model over the units each author carries.

An author's topic mixture is fitted jointly with the topics (Rosen-Zvi et al. 2004), so authors
with few units still get a mixture pulled toward the topics of the words they use. The runner
adds cited authors as pseudo-units made of the sentences that cite them; to this module they are
units like any other, with that author in `authors`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
from gensim.models import AuthorTopicModel

from pipeline.models.topics_describe import in_relevance_order, make_label, relevance_scores
from pipeline.models.topics_select import top_term_ids
from pipeline.models.topics_vocab import build_dictionary, clean_tokens


def author_topics(units, cfg: dict | None = None, k: int | None = None) -> list[dict]:
    """Rows {author, topic_id, label, weight, n_units} with weight >= 0.01, sorted.

    K: the `k` argument (pass the chosen K of fit_topics), else an integer `k` in cfg, else
    `author_k`. Units without authors or content tokens are left out. The vocabulary is built
    over these units; :func:`author_topics_bows` takes bags over a vocabulary already made.
    """
    from pipeline.models.topics import _cfg

    cfg = _cfg(cfg)
    kept = [(u, clean_tokens(u.tokens, cfg)) for u in units if u.authors]
    kept = [(u, t) for u, t in kept if t]
    if len(kept) < 2:
        return []
    texts = [t for _, t in kept]
    d = build_dictionary(texts, cfg)
    return author_topics_bows([d.doc2bow(t) for t in texts], [u.authors for u, _ in kept], d, cfg, k)


def author_topics_bows(corpus: list[list[tuple[int, int]]], authors: list[list[str]], d, cfg: dict,
                       k: int | None = None, progress: Any = None) -> list[dict]:
    """:func:`author_topics` over bags of words (``corpus``, over dictionary ``d``) and each
    bag's authors; empty bags and bags without authors are left out. ``progress``: a bar over
    the fit's updates."""
    from pipeline.models.topics import _cfg
    from pipeline.models.topics_lda import train_with_bar

    cfg = _cfg(cfg)
    kept = [(bow, a) for bow, a in zip(corpus, authors) if bow and a]
    if len(kept) < 2:
        return []
    corpus = [bow for bow, _ in kept]
    author2doc: dict[str, list[int]] = {}
    for i, (_, names) in enumerate(kept):
        for a in dict.fromkeys(names):  # an author listed twice on one unit counts once
            author2doc.setdefault(a, []).append(i)
    if k is None:
        k = int(cfg["k"]) if str(cfg["k"]) != "auto" else int(cfg["author_k"])
    k = max(2, min(k, len(kept)))
    model = AuthorTopicModel(
        corpus=None, num_topics=k, id2word=d,
        random_state=int((cfg.get("seeds") or [0])[0]), passes=int(cfg["passes"]),
        iterations=int(cfg["author_iterations"]), chunksize=int(cfg["chunksize"]),
        eval_every=0,
    )
    # what AuthorTopicModel(corpus=..., author2doc=...) does after setting up, with a bar
    train_with_bar(model, len(corpus), int(cfg["passes"]), progress, "author-topic model",
                   lambda: model.update(corpus, author2doc, None, chunks_as_numpy=False))
    phi = np.asarray(model.get_topics(), dtype=float)
    tf = np.zeros(len(d))
    for bow in corpus:
        for i, c in bow:
            tf[i] += c
    rel = relevance_scores(phi, tf, float(cfg["relevance_lambda"]))
    labels = []
    for t, ids in enumerate(top_term_ids(phi, int(cfg["label_pool"]))):
        relevant = [d[i] for i in in_relevance_order(rel[t], ids)]  # the pool in relevance order
        labels.append(make_label([d[i] for i in ids], relevant, int(cfg["label_terms"])))
    rows = []
    for a in sorted(author2doc):
        for t, w in model.get_author_topics(a, minimum_probability=0.0):
            w = round(float(w), 4)
            if w >= 0.01:
                rows.append({"author": a, "topic_id": int(t), "label": labels[t], "weight": w,
                             "n_units": len(author2doc[a])})
    rows.sort(key=lambda r: (r["author"], r["topic_id"]))
    return rows
