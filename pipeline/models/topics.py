"""Topic models a researcher can read: fit, describe, update (issue 5).

Input is already segmented: each `TopicUnit` carries content tokens (this module never segments).
`fit_topics` cleans the vocabulary (see topics_vocab), picks the model and K, fits with fixed
seeds in one process, and describes the topics (labels, passages, prevalence, trends, bursts).
`update_topics` folds new units into a stored model instead of refitting.

Model rule (`model: auto`): mean cleaned tokens per fitted unit below `short_unit_tokens` (default
150) -> TF-IDF + NMF; otherwise LDA. Abstracts (~60 tokens) and paragraphs are short; whole papers
(thousands of tokens) are long. LDA's per-document topic mixture needs many tokens per document
to settle, while NMF on TF-IDF lets a short text's few distinctive words decide.

One paper alone is modelled by paragraph, a corpus by paper; one unit is too little text:

>>> choose_unit(1), choose_unit(37)
('paragraph', 'paper')
>>> fit_topics([TopicUnit("d1", "d1", ["数字", "资本"] * 20)], {"k": 2})
Traceback (most recent call last):
    ...
pipeline.models.topics.TooLittleText: too little text for a topic model: 1 unit(s) with content words (40 content tokens in all), needs at least 2
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.models.topic_state import pack, unpack
from pipeline.models.topics_bows import CsrBows
from pipeline.models.topics_bursts import term_bursts
from pipeline.models.topics_describe import (
    LABEL_SEP,
    in_relevance_order,
    make_label,
    passages,
    prevalence,
    relevance_scores,
    trends,
)
from pipeline.models.topics_select import (
    choose_k,
    coherence,
    k_score,
    stability,
    top_term_ids,
)
from pipeline.models.topics_vocab import clean_tokens, is_citation_like
from pipeline.settings.fill import section_defaults

# The topics section of the settings model (pipeline/settings), for callers that pass part of it.
DEFAULTS: dict[str, Any] = section_defaults("topics")
# The backends by name, imported when one is used: NMF's scikit-learn costs an LDA run (and every
# --update of one) 0.15 s of imports for nothing.
BACKENDS = {"lda": "pipeline.models.topics_lda:LdaBackend", "nmf": "pipeline.models.topics_nmf:NmfBackend"}


def backend(name: str) -> Any:
    """A new instance of the topic backend ``name`` (a key of ``BACKENDS``)."""
    import importlib

    module, _, cls = BACKENDS[name].partition(":")
    return getattr(importlib.import_module(module), cls)()


STATE_VERSION = 3


class TooLittleText(ValueError):
    """Fewer than two units with content words: nothing to model."""


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
    # model + dictionary + units (models/topic_state.py), for update_topics and write_ldavis; in
    # the result a run holds after the stage, a ``codec.StoredBytes`` (``CorpusStage.bytes_on_disk``)
    state: bytes = b""
    # What the fit rests on, for topics_evidence without unpacking ``state`` (the whole model
    # and every unit: 0.33 s and +24 MB at 10,000 papers). None in results stored before they
    # were kept.
    fit_docs: list[str] | None = None  # the documents of the fitted units
    fit_tokens: int = 0  # the fitted units' tokens


def _cfg(cfg: dict | None) -> dict:
    """The ``topics`` section (of a whole config, or itself), what it leaves out from the model."""
    cfg = dict(cfg or {})
    if isinstance(cfg.get("topics"), dict):  # whole config given: take its topics section
        cfg = dict(cfg["topics"])
    return {**DEFAULTS, **cfg}


def choose_unit(n_docs: int, cfg: dict | None = None) -> str:
    """One paper alone is modelled by paragraph; a corpus of papers by paper."""
    unit = _cfg(cfg)["unit"]
    if unit in ("paper", "section", "paragraph"):
        return unit
    return "paragraph" if n_docs <= 1 else "paper"


def choose_model(mean_tokens: float, cfg: dict) -> str:
    name = str(cfg["model"])
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
    return bows.subset(keep) if isinstance(bows, CsrBows) else [bows[i] for i in keep]


def _fit_mask(units: list[TopicUnit], texts: list[list[str]], cfg: dict) -> list[bool]:
    return _mask_from([len(t) for t in texts], [is_citation_like(u.text, float(cfg["citation_threshold"]))
                                                for u in units], cfg)


def _mask_from(lengths: list[int], cited: list[bool], cfg: dict) -> list[bool]:
    min_tok = int(cfg["min_tokens"])
    mask = [n >= min_tok and not c for n, c in zip(lengths, cited)]
    if sum(mask) < 2:  # nothing long enough (e.g. only metadata records): fit on what there is
        mask = [n > 0 for n in lengths]
    return mask


def _stable(key: str) -> int:
    return zlib.crc32(key.encode("utf-8"))


def _bottom_k(items: list[tuple[str, int]], budget: int) -> set[str]:
    """Keys of a stable hash sample whose sizes sum to at most ``budget`` (all if they fit)."""
    if sum(n for _k, n in items) <= budget:
        return {k for k, _n in items}
    out, total = set(), 0
    for k, n in sorted(items, key=lambda x: (_stable(x[0]), x[0])):
        if total + n > budget and out:
            continue
        out.add(k)
        total += n
    return out


def _light(u: TopicUnit, cfg: dict) -> TopicUnit:
    """A unit as the state keeps it: no tokens (the bag of words holds them), text cut to what
    a passage shows."""
    return TopicUnit(u.doc_id, u.unit_id, [], (u.text or "")[: int(cfg["passage_chars"]) * 2], list(u.authors),
                     u.year, u.journal, u.section)


def fit_topics(
    units: list[TopicUnit], cfg: dict | None = None, evidence: Any = None
) -> TopicResult:
    """Fit a topic model over `units`; `evidence` (e.g. paragraphs of paper units, or a function
    doc_ids -> such units) only feeds the representative passages, by inference."""
    def source(doc_ids: list[str] | None = None) -> Iterable[TopicUnit]:
        if doc_ids is None:
            return iter(units)
        keep = set(doc_ids)
        return (u for u in units if u.doc_id in keep)
    return fit_topics_stream(source, cfg, evidence)


def fit_backend(name: str, bows: Any, dictionary: Any, k: int, seed: int, cfg: dict, progress: Any = None) -> Any:
    """One model of backend ``name`` (``BACKENDS``): a module-level function, so that a side
    process can run it (``topic_stage.fit_and_authors``)."""
    return backend(name).fit(bows, dictionary, k, seed, cfg, progress=progress)


def fit_scored(name: str, fit_bows: Any, bows: Any, dictionary: Any, k: int, seed: int, cfg: dict,
               coh_texts: list[list[str]], top_n: int, progress: Any = None) -> dict[str, Any]:
    """One model fitted on ``fit_bows``, its top terms (ids and words), their coherence (c_v per
    topic and in all, NPMI) on ``coh_texts``, and the topic weights of every unit of ``bows``
    (None without ``bows``: a K of the grid that may not be chosen). Module-level, so that a
    side process can run it (``topic_stage``)."""
    be = backend(name)
    m = be.fit(fit_bows, dictionary, k, seed, cfg, progress=progress)
    ids = top_term_ids(be.topic_term(m), top_n)
    tops = [[dictionary[i] for i in row] for row in ids]
    c_v, per_cv = coherence(tops, coh_texts, dictionary, "c_v", top_n)
    npmi, _ = coherence(tops, coh_texts, dictionary, "c_npmi", top_n)
    return {"model": m, "ids": ids, "tops": tops, "c_v": c_v, "per_cv": per_cv, "npmi": npmi,
            "weights": be.doc_topics(m, bows) if bows is not None else None}


def fit_topics_stream(source: Callable[..., Iterable[TopicUnit]], cfg: dict | None = None,
                      evidence: Any = None, progress: Any = None, on_bows: Any = None,
                      fit: Any = None) -> TopicResult:
    """:func:`fit_topics` over units read from ``source()`` (a corpus streamed from the store):
    one read counts every unit's cleaned words into a sparse matrix (``topics_bags``), from
    which the vocabulary and the bags are cut; ``source(doc_ids)`` then reads again only the
    documents of the coherence sample, whose word order coherence needs. No token list of the
    whole corpus is ever held. On a large corpus the model is fitted on a stable sample of at
    most ``fit_max_tokens`` tokens and every other unit is inferred.

    ``progress(desc, total, unit)`` (the stage's ``ctx.progress``) draws a bar over the fit's
    passes; ``on_bows(metas, bows, dictionary)`` sees every unit's bag before the fit (the
    author-topic model takes its sample from them instead of reading the units again);
    ``fit``: called in place of :func:`fit_scored` for the first seed's fit when K is fixed,
    with the bags as a list ``[fit_bows, bows]`` it takes them from (emptying it) in place of
    those two arguments; the topics stage sends them to a side process that way. With one
    seed this function then holds no reference to the bags while ``fit`` runs: what it needs
    of them afterwards is taken before."""
    from pipeline.models.topics_bags import RawCountsBuilder, bows_of_columns, topic_dictionary

    cfg = _cfg(cfg)
    thr = float(cfg["citation_threshold"])
    metas: list[TopicUnit] = []
    lengths: list[int] = []
    cited: list[bool] = []
    counts = RawCountsBuilder(cfg)
    for u in source():
        lengths.append(counts.add(u.tokens))
        metas.append(_light(u, cfg))
        cited.append(is_citation_like(u.text, thr))
    mask = _mask_from(lengths, cited, cfg)
    if sum(mask) < 2:
        raise TooLittleText(f"too little text for a topic model: {sum(mask)} unit(s) with content words "
                            f"({sum(lengths):,} content tokens in all), needs at least 2")
    fit_ids = _bottom_k([(m.unit_id, n) for m, n, k in zip(metas, lengths, mask) if k],
                        int(cfg["fit_max_tokens"]))
    fit_rows = np.array([i for i, (m, k) in enumerate(zip(metas, mask)) if k and m.unit_id in fit_ids], dtype=np.int64)
    raw = counts.build()
    del counts
    dictionary, cols = topic_dictionary(raw, fit_rows, cfg)
    bows = bows_of_columns(raw, cols)
    del raw
    coh_budget = int(cfg["coherence_max_tokens"])
    coh_ids = _bottom_k([(m.unit_id, n) for m, n, k in zip(metas, lengths, mask) if k and m.unit_id in fit_ids],
                        coh_budget)
    t2i = dictionary.token2id
    coh_texts = [[w for w in clean_tokens(u.tokens, cfg) if w in t2i]
                 for u in source(sorted({m.doc_id for m in metas if m.unit_id in coh_ids})) if u.unit_id in coh_ids]
    if on_bows is not None:
        on_bows(metas, bows, dictionary)
    # What describe and pyLDAvis need of the bags (``state`` below), taken before the fit: the
    # fit may send the bags to a side process, and then nothing here holds them while it runs.
    # At 10,000 papers they were 90 MB of the driver through the whole concepts stage (which
    # runs beside the fit), and these two cuts of them took another 175 MB for a moment at the
    # topics stage's end, the run's memory peak.
    mask_idx = np.flatnonzero(np.array(mask, dtype=bool))
    tf = bows.term_freq(mask_idx)
    unit_lengths = bows.lengths()
    kept = _kept_columns(bows, tf, int(cfg["state_terms"]))
    fit_bows = bows.subset(fit_rows)
    name = choose_model(float(np.mean(unit_lengths[fit_rows])), cfg)
    be = backend(name)
    seeds = [int(s) for s in cfg["seeds"]] or [0]
    top_n = int(cfg["top_n_terms"])

    # No more topics than fitted units or words: NMF's SVD start cannot make more (scikit-learn
    # raised, and the run stopped, for topics.k 6 over 38 short records and the seed), and an
    # LDA topic past them has nothing of its own to hold.
    cap = min(len(fit_rows), len(dictionary))
    if cap < 2:
        raise TooLittleText(f"too little text for a topic model: {len(fit_rows)} fitted unit(s) over "
                            f"{len(dictionary)} word(s) kept, needs at least 2 of each")
    capped = None
    if str(cfg["k"]) == "auto":
        # a topic needs a few units behind it to be more than one paragraph's vocabulary
        k_max = min(cap, max(2, len(fit_rows) // int(cfg["min_units_per_topic"])))
        grid = sorted({int(k) for k in cfg["k_grid"] if 2 <= int(k) <= k_max})
        grid = grid or [min(k_max, 5)]
    else:
        grid = [min(int(cfg["k"]), cap)]
        if grid[0] < int(cfg["k"]):
            capped = (f"topics.k {cfg['k']} is more than {len(fit_rows)} fitted units over {len(dictionary)} "
                      f"words can hold: fitted with {grid[0]} topics")
        if not cfg["stability_when_fixed"]:
            seeds = seeds[:1]  # a fixed K needs no choice between fits: one fit, stability not measured
    curve, models, coh_of = [], {}, {}
    weights = None
    # With one K (a fixed K) the first fit also infers every unit's weights, and may run where
    # the caller's ``fit`` runs it (the topics stage: a side process); a grid infers them once
    # K is chosen.
    one_k = len(grid) == 1
    for k in grid:
        if one_k and fit is not None:
            bags = [fit_bows, bows]
            if len(seeds) == 1:  # nothing below reads the bags again
                fit_bows = bows = None
            one = fit(be.name, bags, dictionary, k, seeds[0], cfg, coh_texts, top_n, progress)
        else:
            one = fit_scored(be.name, fit_bows, bows if one_k else None, dictionary, k, seeds[0], cfg, coh_texts,
                             top_n, progress)
        sets = [[set(x) for x in one["ids"]]]
        for s in seeds[1:]:
            m = fit_backend(be.name, _perturb(fit_bows, s, be.name, cfg), dictionary, k, s, cfg, progress)
            sets.append([set(x) for x in top_term_ids(be.topic_term(m), top_n)])
        coh_of[k] = {"tops": one["tops"], "c_v": one["per_cv"]}
        # One fit (a fixed K): stability is not measured, and there is no choice to score.
        stab = stability(sets) if len(sets) > 1 else None
        curve.append({"k": k, "c_v": round(one["c_v"], 4), "npmi": round(one["npmi"], 4),
                      "stability": None if stab is None else round(stab, 4),
                      "score": None if stab is None else round(k_score(one["c_v"], one["npmi"], stab), 4)})
        models[k] = one["model"]
        weights = one["weights"]
    k = choose_k(curve) if len(curve) > 1 else grid[0]
    for row in curve:
        row["chosen"] = row["k"] == k
    if weights is None:  # a grid's fits leave the chosen K's weights to infer (one K's fit gave them)
        weights = be.doc_topics(models[k], bows)
    bows = fit_bows = None  # what describe needs of them was taken before the fit
    # topic 0 is the most prevalent: a stable reading order that does not depend on the fit's
    order = [int(i) for i in np.argsort(-weights[fit_rows].sum(axis=0).round(6), kind="stable")]
    state = {
        "version": STATE_VERSION, "model_name": name, "model": models[k], "dictionary": dictionary,
        "k": k, "cfg": cfg, "k_curve": curve, "units": metas, "mask": mask,
        "order": order, "weights": weights.astype(np.float32), "coh_texts": coh_texts, "coh_topics": coh_of[k],
        "n_sampled_out": int(sum(mask) - len(fit_rows)),
        # What describe and pyLDAvis need of the bags, not the bags: term frequencies over the
        # fitted units, unit lengths, and the bags cut to the most frequent terms (burst
        # detection reads those). The whole matrix would be most of the state on a big corpus.
        "tf": tf, "lengths": unit_lengths, **kept,
    }
    notes = [capped] if capped else []
    if state["n_sampled_out"]:
        notes.append(f"fitted on a stable sample of {len(fit_rows)} of {sum(mask)} units "
                     f"(fit_max_tokens {cfg['fit_max_tokens']}); the rest are inferred")
    return describe(state, cfg, evidence=evidence, mode="refit", notes=notes)


def update_topics(state: bytes, new_units: list[TopicUnit], cfg: dict | None = None,
                  labels: list[str] | None = None) -> TopicResult:
    """Fold new units into a stored model (LDA: gensim online update; NMF: transform only).

    Units whose unit_id is already in the state are left as they are; the vocabulary stays the
    fitted one (new words are ignored until a refit), and the stored units keep the weights
    they were given (a refit recomputes them), which the notes say. ``labels``: the stored
    result's topic labels, kept where ``topics.keep_labels`` allows (:func:`describe`).
    """
    st = unpack(state)
    cfg = {**st["cfg"], **{k: v for k, v in _cfg(cfg).items() if k not in ("k", "model")}}
    be = backend(st["model_name"])
    old_ids = {u.unit_id for u in st["units"]}
    new_units = [u for u in new_units if u.unit_id not in old_ids]
    texts = [clean_tokens(u.tokens, cfg) for u in new_units]
    thr = float(cfg["citation_threshold"])
    mask = [len(t) >= int(cfg["min_tokens"]) and not is_citation_like(u.text, thr) for u, t in zip(new_units, texts)]
    d = st["dictionary"]
    new_bows = CsrBows.from_bows([d.doc2bow(t) for t in texts], len(d))
    fold = [b for b, m in zip(new_bows, mask) if m]
    st["model"] = be.update(st["model"], fold, cfg)
    w = be.doc_topics(st["model"], new_bows) if len(new_bows) else np.zeros((0, len(st["order"])))
    masked = np.flatnonzero(np.array(mask, dtype=bool))
    st.update(units=st["units"] + [_light(u, cfg) for u in new_units],
              kept=st["kept"].append(new_bows.columns(st["kept_cols"])),
              tf=st["tf"] + (new_bows.term_freq(masked) if len(masked) else 0.0),
              lengths=np.concatenate([st["lengths"], new_bows.lengths()]),
              mask=list(st["mask"]) + mask, weights=np.vstack([st["weights"], w.astype(np.float32)]), cfg=cfg)
    how = "online variational update" if st["model_name"] == "lda" else "transformed only"
    notes = [(f"update: {len(fold)} new unit(s) folded into the stored {st['model_name']} model "
              f"({how}); vocabulary and K unchanged since the last refit, earlier units keep their weights")]
    keep = labels if cfg["keep_labels"] and labels and len(labels) == len(st["order"]) else None
    out = describe(st, cfg, mode="update", notes=notes, labels=keep)
    if keep:
        kept = sum(t["label"] == old for t, old in zip(out.topics, keep))
        out.notes.append(f"update: {kept} of {len(keep)} topics keep their label: its terms are still among the "
                         f"topic's top {int(cfg['label_pool'])} (topics.keep_labels; a refit labels anew)")
    return out


def describe(st: dict, cfg: dict, evidence: Any = None,
             mode: str = "refit", notes: list[str] | None = None, labels: list[str] | None = None) -> TopicResult:
    """Tables of a fitted state; shared by fit and update so both report the same shapes.
    ``labels``: earlier labels of these topics (in reported order); a topic keeps its own while
    every term of it is still among the topic's ``label_pool`` top terms. Why: the terms of a
    label are the topic's few most distinctive, and one paper folded into a thousand can swap
    two of nearly equal weight; a topic renamed so renames it on every page listing it (454 of
    1,001 paper pages rewritten for one added paper)."""
    be = backend(st["model_name"])
    d, model, order = st["dictionary"], st["model"], st["order"]
    units, mask = st["units"], st["mask"]
    phi = be.topic_term(model)[order]
    weights = np.asarray(st["weights"], dtype=float)[:, order].round(4)
    k, top_n = len(order), int(cfg["top_n_terms"])
    fit_idx = np.flatnonzero(np.array(mask, dtype=bool))
    tf = np.asarray(st["tf"], dtype=float)
    tops = [[d[i] for i in row] for row in top_term_ids(phi, top_n)]
    rel = relevance_scores(phi, tf, float(cfg["relevance_lambda"]))
    per_topic = _topic_coherence(st, tops, order, top_n) or [0.0] * k
    prev = weights[fit_idx].mean(axis=0) if len(fit_idx) else np.zeros(k)
    topics = []
    pools = top_term_ids(phi, int(cfg["label_pool"]))
    for t in range(k):
        # the topic's own top terms re-ranked by relevance: a rare word cannot take the label,
        # and a word every topic shares drops behind the ones that tell this topic apart
        relevant = [d[i] for i in in_relevance_order(rel[t], pools[t])]
        label = make_label(tops[t], relevant, int(cfg["label_terms"]))
        if labels is not None and labels[t] and set(labels[t].split(LABEL_SEP)) <= set(relevant):
            label = labels[t]
        topics.append({
            "topic_id": t, "label": label,
            "top_terms": tops[t], "relevant_terms": relevant,
            "coherence": round(float(per_topic[t]), 4), "prevalence": round(float(prev[t]), 4),
        })
    doc_topics = [
        {"doc_id": u.doc_id, "unit_id": u.unit_id, "topic_id": t, "weight": float(weights[i, t])}
        for i, u in enumerate(units) for t in range(k) if weights[i, t] >= 0.01
    ]
    doc_topics.sort(key=lambda r: (r["doc_id"], r["unit_id"], r["topic_id"]))
    shown: list[TopicUnit] = []
    if evidence:
        from pipeline.models.topics_bags import bows_of_tokens

        # Passages come from the documents that carry a topic most: infer paragraphs of each
        # topic's top documents only, not of the whole corpus.
        per = int(cfg["evidence_docs_per_topic"])
        top_docs = {units[i].doc_id for t in range(k) for i in np.argsort(-weights[:, t], kind="stable")[:per]}
        found = evidence(sorted(top_docs)) if callable(evidence) else (u for u in evidence if u.doc_id in top_docs)

        def tokens_of(found: Iterable[TopicUnit]) -> Iterator[list[str]]:
            # Each paragraph's tokens go into its bag as it is read, and only what a passage
            # shows of it is kept (``_light``: the same passages): the paragraphs of 400
            # documents held with their tokens were most of the 105 MB the topics stage's end
            # took at 10,000 papers, the run's memory peak.
            for u in found:
                shown.append(_light(u, cfg))
                yield u.tokens

        ev_bows = bows_of_tokens(tokens_of(found), d, cfg)
    if shown:  # the top documents may be records with no paragraphs: then the units speak
        ev_w = be.doc_topics(model, ev_bows)[:, order].round(4)
        psg = passages(shown, ev_w, int(cfg["passages_per_topic"]), int(cfg["passage_chars"]))
    else:
        psg = passages(units, weights, int(cfg["passages_per_topic"]), int(cfg["passage_chars"]))
    by_year = prevalence(units, weights, "year")
    labels = [t["label"] for t in topics]
    terms = sorted({w for row in tops for w in row})
    freq_terms = [d[i] for i in top_term_ids(tf[None, :], int(cfg["burst_terms"]))[0]]
    burst_terms = sorted(set(terms) | set(freq_terms))
    out_state = dict(st)
    return TopicResult(
        topics=topics, doc_topics=doc_topics, k_curve=st["k_curve"], model_name=st["model_name"],
        k=k, passages=psg, prevalence_by_author=prevalence(units, weights, "author"),
        prevalence_by_year=by_year, prevalence_by_journal=prevalence(units, weights, "journal"),
        trends=trends(by_year, k, labels), bursts=term_bursts(units, _term_sets(st, burst_terms), burst_terms, cfg),
        mode=mode, n_fit_units=int(sum(mask)), n_inferred_units=int(len(mask) - sum(mask)),
        notes=list(notes or []), state=pack(out_state),
        fit_docs=sorted({u.doc_id for u, m in zip(units, mask) if m}),
        fit_tokens=int(np.asarray(st["lengths"], dtype=float)[fit_idx].sum()),
    )


def _topic_coherence(st: dict, tops: list[list[str]], order: list[int], top_n: int) -> list[float]:
    """Per-topic c_v of ``tops`` (reported order): the fit's own figures while the topics are the
    ones it scored (a refit; coherence over the sample is seconds of the stage), else measured."""
    known = st.get("coh_topics")
    if not known or len(known["c_v"]) != len(order) or any(len(t) < 2 for t in tops):
        return coherence(tops, st["coh_texts"], st["dictionary"], "c_v", top_n)[1]
    per = [known["c_v"][o] for o in order]
    n = min(top_n, min(len(t) for t in tops))
    # A topic's c_v depends on the set of its top n terms and the texts only (each term is
    # confirmed against the whole set, and the figure is their mean): a fold that reorders a
    # topic's top terms leaves it as it was (half the moved topics of a one-paper update of
    # 1,000 papers; measuring one topic reads all the texts' windows, 0.3 s).
    stale = [i for i, t in enumerate(tops) if set(known["tops"][order[i]][:n]) != set(t[:n])]
    if stale:
        # An update measures the topics whose terms it changed (a few of K; the texts' windows
        # are read once for them), at the same top-n as a measure of all K, and the state
        # remembers the new figures.
        _, fresh = coherence([tops[i] for i in stale], st["coh_texts"], st["dictionary"], "c_v", n)
        for i, v in zip(stale, fresh):
            per[i] = v
            known["tops"][order[i]], known["c_v"][order[i]] = tops[i], v
    return per


def _kept_columns(bows: CsrBows, tf: np.ndarray, n: int) -> dict[str, Any]:
    cols = np.sort(np.argsort(-tf, kind="stable")[:n])
    return {"kept_cols": cols, "kept": bows.columns(cols)}


def _term_sets(st: dict, terms: list[str]) -> list[list[str]]:
    """Per unit, which of ``terms`` it holds (all the burst detector needs of its words); terms
    outside the kept columns (rare ones) are not looked for."""
    d = st["dictionary"]
    pos = {int(c): i for i, c in enumerate(st["kept_cols"])}
    ids = [pos[d.token2id[t]] for t in terms if t in d.token2id and d.token2id[t] in pos]
    kept = st["kept"]
    if not ids:
        return [[] for _ in range(len(kept))]
    sub = kept.matrix[:, ids].tocsr()
    names = np.array([d[int(st["kept_cols"][i])] for i in ids], dtype=object)
    return [names[sub.indices[sub.indptr[i]:sub.indptr[i + 1]]].tolist() for i in range(sub.shape[0])]


def topic_weights(result_state: bytes) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray,
                                                np.ndarray]:
    """(topic-term, unit-topic over fitted units, vocabulary, term frequency, unit lengths) of a
    stored state, in reported topic order; what pyLDAvis needs."""
    st = unpack(result_state)
    be = backend(st["model_name"])
    d, order = st["dictionary"], st["order"]
    idx = np.flatnonzero(np.array(st["mask"], dtype=bool))
    phi = be.topic_term(st["model"])[order]
    theta = np.asarray(st["weights"], dtype=float)[idx][:, order]
    tf = np.asarray(st["tf"], dtype=float)
    lengths = np.asarray(st["lengths"], dtype=float)[idx]
    return phi, theta, [d[i] for i in range(len(d))], tf, lengths
