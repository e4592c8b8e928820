"""Topic models a researcher can read: fit, describe, update (issue 5).

Input is already segmented: each `TopicUnit` carries content tokens (this module never segments).
`fit_topics` cleans the vocabulary (see topics_vocab), picks the model and K, fits with fixed
seeds in one process, and describes the topics (labels, passages, prevalence, trends, bursts).
`update_topics` folds new units into a stored model instead of refitting.

Model rule (`model: auto`): mean cleaned tokens per fitted unit below `short_unit_tokens` (default
150) -> TF-IDF + NMF; otherwise LDA. Abstracts (~60 tokens) and paragraphs are short; whole papers
(thousands of tokens) are long. LDA's per-document topic mixture needs many tokens per document
to settle, while NMF on TF-IDF lets a short text's few distinctive words decide.

>>> units = [TopicUnit("d1", "d1", ["数字", "资本"] * 20)]  # doctest: +SKIP
>>> result = fit_topics(units, {"k": 2})                    # doctest: +SKIP
>>> result.topics[0]["label"]                               # doctest: +SKIP
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.models.topics_bursts import term_bursts
from pipeline.models.topics_describe import (
    make_label,
    passages,
    prevalence,
    relevance_order,
    trends,
)
from pipeline.models.topics_lda import LdaBackend
from pipeline.models.topics_nmf import NmfBackend
from pipeline.models.topics_select import (
    choose_k,
    coherence,
    k_score,
    stability,
    top_term_ids,
)
from pipeline.models.topics_vocab import build_dictionary, clean_tokens, is_citation_like

DEFAULTS: dict[str, Any] = {
    "model": "auto",            # lda | nmf | auto (by mean unit length, see module doc)
    "unit": "auto",             # paper | section | paragraph | auto
    "k": "auto",                # int, or auto (grid below, by coherence and stability)
    "k_grid": [5, 8, 10, 13, 16, 20],
    "seeds": [0, 1, 2],         # the first seed's fit is reported; the others measure stability
    "passes": 10,
    "min_tokens": 20,           # units with fewer cleaned tokens are inferred, not fitted
    "top_n_terms": 10,
    "short_unit_tokens": 150,
    "min_units_per_topic": 5,   # caps the K grid: at most n_fit_units / this
    "stability_sample": 0.9,    # NMF: share of units each extra seed refits on
    "label_terms": 3,
    "label_pool": 10,           # labels come from this many top terms, re-ranked by relevance
    "relevance_lambda": 0.6,
    "passages_per_topic": 3,
    "passage_chars": 400,
    "citation_threshold": 2.0,  # bibliographic markers per 100 chars that make a unit a reference
    "burst_terms": 200,
}
BACKENDS = {"lda": LdaBackend, "nmf": NmfBackend}
STATE_VERSION = 1


@dataclass
class TopicUnit:
    doc_id: str
    unit_id: str  # doc_id for papers, f"{doc_id}:p12" for paragraphs, f"{doc_id}:s3" for sections
    tokens: list[str]  # content tokens (segmented, normalized, stopwords removed)
    text: str = ""  # display text, used for passages
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    section: str | None = None


@dataclass
class TopicResult:
    topics: list[dict]  # topic_id, label, top_terms (list), coherence (c_v), prevalence
    doc_topics: list[dict]  # doc_id, unit_id, topic_id, weight (>= 0.01, 4 decimals)
    k_curve: list[dict]  # k, c_v, npmi, stability, score, chosen
    model_name: str
    k: int
    passages: list[dict] = field(default_factory=list)
    prevalence_by_author: list[dict] = field(default_factory=list)
    prevalence_by_year: list[dict] = field(default_factory=list)
    prevalence_by_journal: list[dict] = field(default_factory=list)
    trends: list[dict] = field(default_factory=list)
    bursts: list[dict] = field(default_factory=list)
    mode: str = "refit"  # refit | update
    n_fit_units: int = 0
    n_inferred_units: int = 0  # too short / reference-like: topics by inference only
    notes: list[str] = field(default_factory=list)
    state: bytes = b""  # pickled model + dictionary + units, for update_topics and write_ldavis


def _cfg(cfg: dict | None) -> dict:
    cfg = dict(cfg or {})
    if isinstance(cfg.get("topics"), dict):  # whole config given: take its topics section
        cfg = dict(cfg["topics"])
    return {**DEFAULTS, **cfg}


def choose_unit(n_docs: int, cfg: dict | None = None) -> str:
    """One paper alone is modelled by paragraph; a corpus of papers by paper."""
    unit = _cfg(cfg).get("unit", "auto")
    if unit in ("paper", "section", "paragraph"):
        return unit
    return "paragraph" if n_docs <= 1 else "paper"


def choose_model(mean_tokens: float, cfg: dict) -> str:
    name = str(cfg.get("model", "auto"))
    if name in BACKENDS:
        return name
    return "nmf" if mean_tokens < float(cfg["short_unit_tokens"]) else "lda"


def _perturb(bows: list, seed: int, model_name: str, cfg: dict) -> list:
    """What an extra seed fits on. LDA: the same units (its start is random). NMF: its nndsvda
    start is an SVD with no randomness to speak of, so a seeded subsample of units perturbs it;
    topics that survive losing a tenth of the corpus are stable."""
    if model_name != "nmf":
        return bows
    rng = np.random.default_rng(seed)
    n = len(bows)
    keep = np.sort(rng.choice(n, size=max(2, round(n * float(cfg["stability_sample"]))),
                              replace=False))
    return [bows[i] for i in keep]


def _fit_mask(units: list[TopicUnit], texts: list[list[str]], cfg: dict) -> list[bool]:
    min_tok = int(cfg["min_tokens"])
    thr = float(cfg["citation_threshold"])
    mask = [len(t) >= min_tok and not is_citation_like(u.text, thr) for u, t in zip(units, texts)]
    if sum(mask) < 2:  # nothing long enough (e.g. only metadata records): fit on what there is
        mask = [len(t) > 0 for t in texts]
    return mask


def _sample_texts(texts: list[list[str]], max_tokens: int) -> list[list[str]]:
    total = sum(len(t) for t in texts)
    if total <= max_tokens:
        return texts
    return texts[:: -(-total // max_tokens)]


def fit_topics(
    units: list[TopicUnit], cfg: dict | None = None, evidence: list[TopicUnit] | None = None
) -> TopicResult:
    """Fit a topic model over `units`; `evidence` (e.g. paragraphs of paper units) only feeds
    the representative passages, by inference with the fitted model."""
    cfg = _cfg(cfg)
    texts = [clean_tokens(u.tokens, cfg) for u in units]
    mask = _fit_mask(units, texts, cfg)
    fit_texts = [t for t, m in zip(texts, mask) if m]
    if len(fit_texts) < 2:
        raise ValueError("topic model needs at least two units with content tokens")
    dictionary = build_dictionary(fit_texts, cfg)
    fit_bows = [dictionary.doc2bow(t) for t in fit_texts]
    # coherence sees the same vocabulary as the model
    vocab_texts = [[w for w in t if w in dictionary.token2id] for t in fit_texts]
    name = choose_model(float(np.mean([len(t) for t in fit_texts])), cfg)
    be = BACKENDS[name]()
    seeds = [int(s) for s in cfg["seeds"]] or [0]
    top_n = int(cfg["top_n_terms"])

    if str(cfg["k"]) == "auto":
        # a topic needs a few units behind it to be more than one paragraph's vocabulary
        k_max = max(2, len(fit_texts) // int(cfg["min_units_per_topic"]))
        grid = sorted({int(k) for k in cfg["k_grid"] if 2 <= int(k) <= k_max})
        grid = grid or [min(k_max, 5)]
    else:
        grid = [int(cfg["k"])]
        if not cfg.get("stability_when_fixed", False):
            seeds = seeds[:1]  # a fixed K needs no choice between fits: one fit, stability not measured
    # Coherence slides a window over every text; on a large corpus a deterministic sample of
    # the texts gives the same ranking of K at a fraction of the time.
    coh_texts = _sample_texts(vocab_texts, int(cfg.get("coherence_max_tokens", 300_000)))
    curve, models = [], {}
    for k in grid:
        sets, first = [], None
        for j, s in enumerate(seeds):
            m = be.fit(_perturb(fit_bows, s, be.name, cfg) if j else fit_bows, dictionary, k, s, cfg)
            ids = top_term_ids(be.topic_term(m), top_n)
            sets.append([set(x) for x in ids])
            if first is None:
                first, first_ids = m, ids
        topics_terms = [[dictionary[i] for i in row] for row in first_ids]
        c_v, _ = coherence(topics_terms, coh_texts, dictionary, "c_v", top_n)
        npmi, _ = coherence(topics_terms, coh_texts, dictionary, "c_npmi", top_n)
        # One fit (a fixed K): stability is not measured, and there is no choice to score.
        stab = stability(sets) if len(sets) > 1 else None
        curve.append({"k": k, "c_v": round(c_v, 4), "npmi": round(npmi, 4),
                      "stability": None if stab is None else round(stab, 4),
                      "score": None if stab is None else round(k_score(c_v, npmi, stab), 4)})
        models[k] = first
    k = choose_k(curve) if len(curve) > 1 else grid[0]
    for row in curve:
        row["chosen"] = row["k"] == k
    state = {
        "version": STATE_VERSION, "model_name": name, "model": models[k], "dictionary": dictionary,
        "k": k, "cfg": cfg, "k_curve": curve, "units": list(units), "texts": texts, "mask": mask,
        "order": None,
    }
    # topic 0 is the most prevalent: a stable reading order that does not depend on the fit's
    fit_w = be.doc_topics(models[k], fit_bows)
    state["order"] = [int(i) for i in np.argsort(-fit_w.sum(axis=0).round(6), kind="stable")]
    return describe(state, cfg, evidence=evidence, mode="refit")


def update_topics(state: bytes, new_units: list[TopicUnit], cfg: dict | None = None) -> TopicResult:
    """Fold new units into a stored model (LDA: gensim online update; NMF: transform only).

    Units whose unit_id is already in the state replace the stored ones in the tables but are
    not trained on again; the vocabulary stays the fitted one (new words are ignored until a
    refit), which the notes say.
    """
    st = pickle.loads(state)
    cfg = {**st["cfg"], **{k: v for k, v in _cfg(cfg).items() if k not in ("k", "model")}}
    be = BACKENDS[st["model_name"]]()
    old_ids = {u.unit_id for u in st["units"]}
    texts = [clean_tokens(u.tokens, cfg) for u in new_units]
    mask = _fit_mask(new_units, texts, cfg) if len(new_units) > 1 else [
        len(texts[0]) >= int(cfg["min_tokens"]) if texts else False]
    fold = [st["dictionary"].doc2bow(t) for u, t, m in zip(new_units, texts, mask)
            if m and u.unit_id not in old_ids]
    st["model"] = be.update(st["model"], fold, cfg)
    replace = {u.unit_id: (u, t, m) for u, t, m in zip(new_units, texts, mask)}
    merged = [replace.pop(u.unit_id, (u, t, m))
              for u, t, m in zip(st["units"], st["texts"], st["mask"])]
    merged += list(replace.values())
    units = [x[0] for x in merged]
    all_texts = [x[1] for x in merged]
    all_mask = [x[2] for x in merged]
    st.update(units=units, texts=all_texts, mask=all_mask, cfg=cfg)
    how = "online variational update" if st["model_name"] == "lda" else "transformed only"
    notes = [(f"update: {len(fold)} new unit(s) folded into the stored {st['model_name']} model "
              f"({how}); vocabulary and K unchanged since the last refit")]
    return describe(st, cfg, mode="update", notes=notes)


def describe(st: dict, cfg: dict, evidence: list[TopicUnit] | None = None,
             mode: str = "refit", notes: list[str] | None = None) -> TopicResult:
    """Tables of a fitted state; shared by fit and update so both report the same shapes."""
    be = BACKENDS[st["model_name"]]()
    d, model, order = st["dictionary"], st["model"], st["order"]
    units, texts, mask = st["units"], st["texts"], st["mask"]
    bows = [d.doc2bow(t) for t in texts]
    phi = be.topic_term(model)[order]
    weights = be.doc_topics(model, bows)[:, order].round(4)
    k, top_n = len(order), int(cfg["top_n_terms"])
    fit_texts = [[w for w in t if w in d.token2id] for t, m in zip(texts, mask) if m]
    tf = np.zeros(len(d))
    for bow, m in zip(bows, mask):
        if m:
            for i, c in bow:
                tf[i] += c
    tops = [[d[i] for i in row] for row in top_term_ids(phi, top_n)]
    rel = relevance_order(phi, tf, float(cfg["relevance_lambda"]))
    coh_texts = _sample_texts(fit_texts, int(cfg.get("coherence_max_tokens", 300_000)))
    _, per_topic = coherence(tops, coh_texts, d, "c_v", top_n)
    per_topic = per_topic or [0.0] * k
    prev = weights[np.array(mask)].mean(axis=0) if any(mask) else np.zeros(k)
    topics = []
    for t in range(k):
        # the topic's own top terms re-ranked by relevance: a rare word cannot take the label,
        # and a word every topic shares drops behind the ones that tell this topic apart
        head = {d[i] for i in top_term_ids(phi[t:t + 1], int(cfg["label_pool"]))[0]}
        relevant = [d[i] for i in rel[t] if d[i] in head]
        topics.append({
            "topic_id": t, "label": make_label(tops[t], relevant, int(cfg["label_terms"])),
            "top_terms": tops[t], "relevant_terms": relevant,
            "coherence": round(float(per_topic[t]), 4), "prevalence": round(float(prev[t]), 4),
        })
    doc_topics = [
        {"doc_id": u.doc_id, "unit_id": u.unit_id, "topic_id": t, "weight": float(weights[i, t])}
        for i, u in enumerate(units) for t in range(k) if weights[i, t] >= 0.01
    ]
    doc_topics.sort(key=lambda r: (r["doc_id"], r["unit_id"], r["topic_id"]))
    if evidence:
        # Passages come from the documents that carry a topic most: infer paragraphs of each
        # topic's top documents only, not of the whole corpus.
        per = int(cfg.get("evidence_docs_per_topic", 10))
        top_docs = {units[i].doc_id for t in range(k) for i in np.argsort(-weights[:, t], kind="stable")[:per]}
        evidence = [u for u in evidence if u.doc_id in top_docs]
        ev_texts = [clean_tokens(u.tokens, cfg) for u in evidence]
        ev_w = be.doc_topics(model, [d.doc2bow(t) for t in ev_texts])[:, order].round(4)
        psg = passages(evidence, ev_w, int(cfg["passages_per_topic"]), int(cfg["passage_chars"]))
    else:
        psg = passages(units, weights, int(cfg["passages_per_topic"]), int(cfg["passage_chars"]))
    by_year = prevalence(units, weights, "year")
    labels = [t["label"] for t in topics]
    terms = sorted({w for row in tops for w in row})
    freq_terms = [d[i] for i in np.argsort(-tf, kind="stable")[: int(cfg["burst_terms"])]]
    burst_terms = sorted(set(terms) | set(freq_terms))
    out_state = dict(st)
    return TopicResult(
        topics=topics, doc_topics=doc_topics, k_curve=st["k_curve"], model_name=st["model_name"],
        k=k, passages=psg, prevalence_by_author=prevalence(units, weights, "author"),
        prevalence_by_year=by_year, prevalence_by_journal=prevalence(units, weights, "journal"),
        trends=trends(by_year, k, labels), bursts=term_bursts(units, texts, burst_terms, cfg),
        mode=mode, n_fit_units=int(sum(mask)), n_inferred_units=int(len(mask) - sum(mask)),
        notes=list(notes or []), state=pickle.dumps(out_state, protocol=pickle.HIGHEST_PROTOCOL),
    )


def topic_weights(result_state: bytes) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray,
                                                np.ndarray]:
    """(topic-term, unit-topic over fitted units, vocabulary, term frequency, unit lengths) of a
    stored state, in reported topic order; what pyLDAvis needs."""
    st = pickle.loads(result_state)
    be = BACKENDS[st["model_name"]]()
    d, order = st["dictionary"], st["order"]
    bows = [d.doc2bow(t) for t, m in zip(st["texts"], st["mask"]) if m]
    phi = be.topic_term(st["model"])[order]
    theta = be.doc_topics(st["model"], bows)[:, order]
    tf = np.zeros(len(d))
    for bow in bows:
        for i, c in bow:
            tf[i] += c
    lengths = np.array([sum(c for _, c in b) for b in bows], dtype=float)
    return phi, theta, [d[i] for i in range(len(d))], tf, lengths
