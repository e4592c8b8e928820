"""Corpus stages beyond work identity: vectors, term candidates, concepts and co-occurrence.

Each function takes the run context and returns a picklable result; ``corpus.py`` caches it
under the hash of its inputs. They read tokens from ``ctx.tokens`` (cached per document), so
no stage here segments anything.
"""
from __future__ import annotations

from typing import Any

from ..config import resolve


def _sentences(ctx: Any, content: bool = True) -> list[tuple[str, list[str]]]:
    """(doc_id, tokens) per body sentence, titles and abstracts, in a stable order."""
    from ..text.stopwords import content_tokens, load_stopwords

    stop = load_stopwords(ctx.cfg)
    out = []
    for doc_id in sorted(ctx.tokens):
        t = ctx.tokens[doc_id]
        for s in [t["title"], t["abstract"], *[s for para in t["paragraphs"] for s in para]]:
            toks = s.split()
            toks = content_tokens(toks, stop) if content else toks
            if toks:
                out.append((doc_id, toks))
    return out


def _sample(sents: list[list[str]], max_tokens: int) -> list[list[str]]:
    """Every k-th sentence so that about max_tokens remain: word2vec time stays bounded on big
    corpora, and the choice is deterministic (no random sampling)."""
    total = sum(len(s) for s in sents)
    if total <= max_tokens:
        return sents
    step = -(-total // max_tokens)
    return sents[::step]


def compute_vectors(ctx: Any) -> dict[str, Any]:
    """word2vec over the corpus's sentences (one worker, fixed seed) and the similar-papers table."""
    from ..models.vectors import train_word2vec

    vcfg = ctx.cfg.get("vectors", {})
    w2 = vcfg.get("word2vec", {})
    all_sents = _sentences(ctx)
    sents = _sample([toks for _d, toks in all_sents], int(w2.get("max_tokens", 2_000_000)))
    model = None
    if sents:
        model = train_word2vec(sents, vector_size=int(w2.get("vector_size", 100)), window=int(w2.get("window", 5)),
                               min_count=int(w2.get("min_count", 2)), seed=int(w2.get("seed", 1)), workers=1,
                               epochs=int(w2.get("epochs", 20)))
    return {"w2v": model, **_similar(all_sents), "mode": "refit"}


def update_vectors(ctx: Any, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: train the stored word2vec on the new documents' sentences only."""
    model = previous.get("w2v")
    if model is None:
        return compute_vectors(ctx)
    old = {d for r in previous.get("similar", []) for d in (r["doc_id"], r["similar_doc_id"])} | set(previous.get("docs", []))
    all_sents = _sentences(ctx)
    new = [toks for d, toks in all_sents if d not in old]
    if new:
        model.build_vocab(new, update=True)
        model.train(new, total_examples=len(new), epochs=model.epochs)
    return {"w2v": model, **_similar(all_sents), "mode": "update"}


def _similar(all_sents: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The "most similar papers" table by TF-IDF cosine over each document's content tokens."""
    from ..models.vectors import similar_documents

    by_doc: dict[str, list[str]] = {}
    for d, toks in all_sents:
        by_doc.setdefault(d, []).extend(toks)
    ids = sorted(d for d in by_doc if by_doc[d])
    similar = similar_documents(ids, [by_doc[d] for d in ids], top=5) if len(ids) > 1 else []
    return {"similar": similar, "docs": ids}


def compute_terms(ctx: Any) -> list[dict[str, Any]]:
    """Ranked new-term candidates (quoted coinages, dash compounds, statistical phrases)."""
    from ..text.registry import load_registry
    from ..text.terms import mine_candidates

    reg = load_registry(str(resolve(ctx.cfg, ctx.cfg["concepts"]["registry"])))
    docs = []
    for p in sorted(ctx.papers, key=lambda p: p["doc_id"]):
        m = p["meta"]
        t = ctx.tokens.get(p["doc_id"])
        if t is None:
            continue
        sents = [m.get("title") or "", m.get("abstract") or ""]
        sents += [s["text"] for sec in p["sections"] for para in sec.get("sentences", []) for s in para]
        toks = [t["title"], t["abstract"], *[s for para in t["paragraphs"] for s in para]]
        if len(toks) != len(sents):  # should not happen; segment again rather than misalign
            toks = None
        docs.append({"doc_id": p["doc_id"], "year": m.get("year") or m.get("year_inferred"), "sentences": sents,
                     "tokens": [x.split() for x in toks] if toks else None})
    return mine_candidates(docs, registry=reg, top=200, cfg=ctx.cfg)


def compute_concept_stage(ctx: Any) -> dict[str, Any]:
    from ..concepts.compute import compute_concepts
    from ..text.registry import load_registry

    reg = load_registry(str(resolve(ctx.cfg, ctx.cfg["concepts"]["registry"])))
    w2v = (ctx.results.get("vectors") or {}).get("w2v")
    candidates = [r["term"] for r in ctx.results.get("terms", []) if not r.get("known")][:50]
    return compute_concepts(ctx.papers, reg, ctx.results.get("works"), ctx.tokens, ctx.cfg, w2v=w2v,
                            candidates=candidates)
