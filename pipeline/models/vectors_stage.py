"""The ``vectors`` corpus stage: word2vec on a bounded, stable sample of the corpus's sentences
(two seeds, for the neighbour gate) and similar papers by TF-IDF reduced with truncated SVD
(``models/lsa.py``). A reduce over the per-document ``feat.content`` parts streamed from the
store. The two word2vec models train in two side processes while the driver fits the LSA
(``models/w2v_side.py``; ``--workers 1`` trains them here, one after the other). ``--update``
trains the stored models on the new documents only (``models/fold.py``) and merges the new
papers into the similar-papers table (``LsaIndex.similar_after_fold``)."""
from __future__ import annotations

from typing import Any

from ..context import StageContext, meanwhile, work_meanwhile
from .fold import new_docs
from .sample import doc_bag, sample_sentences, sampled_of


def compute_vectors(ctx: StageContext) -> dict[str, Any]:
    """word2vec over a sample of the corpus's sentences (one worker, fixed seed), a second model
    on the same sample with ``stability_seed`` (the neighbour gate compares them), and the
    similar-papers table."""
    import time

    from ..side import allowed
    from .lsa import LsaIndex

    w2 = ctx.cfg["vectors"]["word2vec"]  # validated and complete (pipeline.settings)
    lsa = LsaIndex(ctx.cfg["vectors"]["lsa"])
    drawn: dict[str, Any] = {}
    sents = sample_sentences(ctx.iter_part("feat.content"), w2["max_tokens"], on_doc=lambda d, c: lsa.add(d, doc_bag(c)),
                             stats=drawn)
    model = check = None
    stats: dict[str, Any] = {"tokens": sum(len(s) for s in sents), "sentences": len(sents),
                             "sample_bound": drawn["bound"]}
    why_not = word2vec_shortfall(sents, w2)
    similar: list[dict[str, Any]] = []

    def fit_lsa() -> None:
        lsa.fit()
        similar[:] = lsa.similar()

    if why_not is None:
        t = time.perf_counter()
        side = allowed(ctx.workers)
        if side:
            from .w2v_side import train_pair_beside

            def beside() -> None:  # the similar papers, then other stages while word2vec trains
                fit_lsa()
                meanwhile(ctx)

            # With a stage to compute meanwhile, one side process trains both models and this
            # one the stage; else two train them at once.
            processes = 1 if work_meanwhile(ctx) else 2
            model, check = train_pair_beside(sents, w2, beside, ctx.log, processes=processes)
            how = ("in two side processes beside the similar papers" if processes == 2 else
                   "one after the other in a side process beside the similar papers and other stages")
        else:
            model, check = train_pair(sents, w2)
            fit_lsa()
            how = "one after the other"
        stats.update(vocab=len(model.wv))
        ctx.log(f"vectors: word2vec on {stats['tokens']:,} tokens, seeds {w2['seed']} and {w2['stability_seed']} "
                f"{how}: {time.perf_counter() - t:.1f} s")
    else:
        ctx.log(f"vectors: {why_not}")
        fit_lsa()
    return {"w2v": model, "w2v_check": check, "w2v_stats": stats, "lsa": lsa, "similar": similar,
            "docs": lsa.doc_ids, "doc_ids": list(ctx.doc_ids), "mode": "refit",
            "notes": {"word2vec": why_not} if why_not else {}}


def train_pair(sents: list[list[str]], w2: dict[str, Any]) -> tuple[Any, Any]:
    """The word2vec model and its stability twin (``stability_seed``) on the same sentences, one
    after the other: the twin doubles word2vec's time, which the sample bounds (about 12 s more at
    the 150,000-token cap). Trained in two threads they were no faster here, and inside a run
    thirty times slower (gensim's job queues of two models contending for the GIL)."""
    from .vectors import train_word2vec

    return tuple(train_word2vec(sents, vector_size=w2["vector_size"], window=w2["window"], min_count=w2["min_count"],
                                seed=seed, workers=1, epochs=w2["epochs"]) for seed in (w2["seed"], w2["stability_seed"]))


def word2vec_shortfall(sents: list[list[str]], w2: dict[str, Any]) -> str | None:
    """Why no word2vec model is trained on these sentences, or None when one can be: below
    ``vectors.word2vec.min_tokens`` the neighbours would be noise, and a vocabulary where no
    word reaches ``min_count`` is one gensim refuses to train on at all."""
    from collections import Counter

    n = sum(len(s) for s in sents)
    need = w2["min_tokens"]
    if n < need:
        return f"too little text for a word2vec model: {n:,} tokens, needs {need:,} (vectors.word2vec.min_tokens)"
    min_count = w2["min_count"]
    counts = Counter(t for s in sents for t in s)
    if not any(c >= min_count for c in counts.values()):
        return f"no word occurs {min_count} times, so word2vec has no vocabulary (vectors.word2vec.min_count)"
    return None


def update_vectors(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: train the stored word2vec on the new documents' sentences that the stored
    sample's hash bound admits (those a refit's sample would hold); project the new documents
    into the stored LSA space and merge them into the similar-papers table.

    The word2vec sample is a bottom-k by a stable hash (``sample.py``): a refit over the larger
    corpus would take about ``max_tokens`` / the corpus's tokens of a new paper's sentences, not
    all of them. Training on the whole paper made one paper of a thousand a tenth of what the
    model had seen, and moved the neighbours of every concept it touched; training on none of it
    would leave its words out for good. A refit also drops the sentences the newcomers push over
    the cap; an update cannot untrain them, so its sample grows by what it admits (``tokens``)."""
    todo = new_docs(ctx, previous)
    model, lsa = previous.get("w2v"), previous.get("lsa")
    stats = dict(previous.get("w2v_stats") or {})
    if todo is None or model is None or lsa is None or "sample_bound" not in stats:
        return compute_vectors(ctx)
    sents: list[list[str]] = []
    bags = []
    for d, part in ctx.iter_part("feat.content", todo):
        sents += sampled_of(d, part["content"], stats["sample_bound"])
        bags.append((d, doc_bag(part["content"])))
    check = previous.get("w2v_check")
    if sents:
        for m in (model, check):  # both seeds see the same new sentences, so the gate still compares like with like
            if m is not None:
                m.build_vocab(sents, update=True)
                m.train(sents, total_examples=len(sents), epochs=m.epochs)
        stats.update(tokens=stats.get("tokens", 0) + sum(len(s) for s in sents),
                     sentences=stats.get("sentences", 0) + len(sents))
    n_old = len(lsa.doc_ids)
    lsa.fold_in(bags)
    return {"w2v": model, "w2v_check": check, "w2v_stats": stats, "lsa": lsa,
            "similar": lsa.similar_after_fold(previous.get("similar") or [], n_old), "docs": lsa.doc_ids,
            "doc_ids": list(ctx.doc_ids), "mode": "update"}
