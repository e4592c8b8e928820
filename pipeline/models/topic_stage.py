"""The topics corpus stage: build units from the cached tokens, fit (or update), describe.

Units follow ``topics.unit`` (auto: one paper alone by paragraph, many papers by paper, with
paragraphs kept as evidence). Documents that are the same work (a mirror, an export record of
the same paper) are fitted once; the twin gets its first copy's topics. Footnote and reference
text stays out unless ``topics.include_footnotes`` is set.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..context import Head, StageContext, meanwhile
from ..refs.names import paper_authors
from ..side import Job, SideLost, allowed
from .fold import new_docs
from .topics import TopicUnit, choose_unit, fit_scored, update_topics
from .topics_author import author_topics_bows
from .topics_evidence import no_model_evidence


def _paper_units(ctx: StageContext) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Papers to model (heads), one per work, and twin doc_id -> modelled doc_id. The work's text
    is its fullest document: a full text before its CSSCI or CNKI record (title and keywords
    only), more paragraphs first, then the first by source."""
    doc_work = ctx.results.get("works", {}).get("doc_work", {})
    have = set(ctx.doc_ids)
    seen: dict[str, str] = {}
    twins: dict[str, str] = {}
    keep = []
    for p in sorted(ctx.papers, key=lambda p: (p.get("kind") == "record", -(p.get("n_paragraphs") or 0), p["source"])):
        if p["doc_id"] not in have:
            continue
        w = doc_work.get(p["doc_id"], p["doc_id"])
        if w in seen:
            if seen[w] != p["doc_id"]:
                twins[p["doc_id"]] = seen[w]
            continue
        seen[w] = p["doc_id"]
        keep.append(p)
    return keep, twins


def _tokens(s: str) -> list[str]:
    return s.split()


def _paper_unit(h: dict[str, Any], c: dict[str, Any], include_fn: bool) -> TopicUnit:
    m = h["meta"]
    toks = _tokens(c["title"]) + _tokens(c["abstract"]) + [t for k in c["keywords"] for t in _tokens(k)]
    toks += [t for para in c["paragraphs"] for s in para for t in _tokens(s)]
    if include_fn:
        toks += [t for f in c["footnotes"] for t in _tokens(f)]
    text = "\n".join(filter(None, [m.get("title"), m.get("abstract")]))
    return TopicUnit(h["doc_id"], h["doc_id"], toks, text[:2000], paper_authors(m),
                     m.get("year") or m.get("year_inferred"), m.get("journal"))


def _text_units(ctx: StageContext, heads: list[Head]) -> Iterator[tuple[TopicUnit, list[TopicUnit]]]:
    """Per paper (full text streamed), its paragraph units and section units."""
    ids = [h["doc_id"] for h in heads]
    for p, (d, part) in zip(ctx.iter_papers(ids), ctx.iter_part("feat.content", ids)):
        m = p["meta"]
        year = m.get("year") or m.get("year_inferred")
        authors = paper_authors(m)
        paras = [[t for s in para for t in _tokens(s)] for para in part["content"]["paragraphs"]]
        p_idx = 0
        secs, pars = [], []
        for s_idx, sec in enumerate(p["sections"]):
            sec_toks, sec_text = [], []
            for text in sec["paragraphs"]:
                ptoks = paras[p_idx] if p_idx < len(paras) else []
                pars.append(TopicUnit(d, f"{d}:p{p_idx}", ptoks, text, authors, year, m.get("journal"), sec.get("heading")))
                sec_toks += ptoks
                sec_text.append(text)
                p_idx += 1
            secs.append(TopicUnit(d, f"{d}:s{s_idx}", sec_toks, "\n".join(sec_text), authors, year, m.get("journal"),
                                  sec.get("heading")))
        yield secs, pars


def unit_source(ctx: StageContext, unit: str, heads: list[Head]) -> Callable[..., Iterator[TopicUnit]]:
    """Units of ``heads`` read from the store each time the source is called; ``source(doc_ids)``
    reads only those documents' units (the fit reads its coherence sample again)."""
    include_fn = ctx.cfg["topics"]["include_footnotes"]  # validated settings hold every default
    all_heads = heads

    def source(doc_ids: list[str] | None = None) -> Iterator[TopicUnit]:
        keep = None if doc_ids is None else set(doc_ids)
        heads = all_heads if keep is None else [h for h in all_heads if h["doc_id"] in keep]
        if unit == "paper":
            by_id = {h["doc_id"]: h for h in heads}
            for d, part in ctx.iter_part("feat.content", [h["doc_id"] for h in heads]):
                yield _paper_unit(by_id[d], part["content"], include_fn)
        else:
            for secs, pars in _text_units(ctx, heads):
                yield from (secs if unit == "section" else pars)
    return source


def paragraph_evidence(ctx: StageContext) -> Callable[[list[str]], Iterator[TopicUnit]]:
    """doc_ids -> their paragraph units, read (a paper at a time, as the caller takes them) when
    a topic's top documents are known."""
    def get(doc_ids: list[str]) -> Iterator[TopicUnit]:
        keep = set(doc_ids)
        heads = [h for h in ctx.papers if h["doc_id"] in keep]
        return (u for _secs, pars in _text_units(ctx, heads) for u in pars)
    return get


def _with_twins(result: Any, twins: dict[str, str]) -> Any:
    if twins:
        extra = []
        for twin, first in sorted(twins.items()):
            for row in result.doc_topics:
                if row["doc_id"] == first:
                    extra.append({**row, "doc_id": twin, "unit_id": row["unit_id"].replace(first, twin, 1)})
        result.doc_topics = sorted(result.doc_topics + extra, key=lambda r: (r["doc_id"], r["unit_id"], r["topic_id"]))
    return result


def _cited_author_units(ctx: StageContext) -> list[TopicUnit]:
    """Cited authors take part in the author-topic model through the sentences that cite them."""
    works = ctx.results.get("works", {})
    by_fn: dict[tuple[str, int], list[str]] = {}
    for r in works.get("references", []):
        if not r["classic"] and r["authors"]:
            by_fn.setdefault((r["doc_id"], r["footnote_n"]), []).extend(r["authors"].split(";"))
    ids = sorted({d for d, _n in by_fn} & set(ctx.doc_ids))
    units = []
    for p, (_d, part) in zip(ctx.iter_papers(ids), ctx.iter_part("feat.content", ids)):
        flat = [s for sents in part["content"]["paragraphs"] for s in sents]
        sents = [s for sec in p["sections"] for para in sec.get("sentences", []) for s in para]
        for i, s in enumerate(sents):
            authors = sorted({a for n in s["footnotes"] for a in by_fn.get((p["doc_id"], n), [])})
            if authors and i < len(flat):
                units.append(TopicUnit(p["doc_id"], f"{p['doc_id']}:c{i}", _tokens(flat[i]), s["text"], authors, None, None))
    return units


def _author_sample(metas: list[TopicUnit], lengths: np.ndarray, budget: int) -> np.ndarray:
    """Rows of the units the author-topic model is fitted on: every author keeps at least one
    unit (their first by a stable hash), the rest fill a token budget in hash order; on a small
    corpus that is all of them. The author-topic model has no streaming fit, so this is what
    bounds its memory and its time."""
    import zlib

    meta = sorted((zlib.crc32(u.unit_id.encode()), u.unit_id, i, u.authors, float(n))
                  for i, (u, n) in enumerate(zip(metas, lengths)) if u.authors)
    chosen: set[int] = set()
    covered: set[str] = set()
    total = 0.0
    for _h, _uid, i, authors, n in meta:
        if not covered.issuperset(authors):
            chosen.add(i)
            covered.update(authors)
            total += n
    for _h, _uid, i, _a, n in meta:
        if i not in chosen and total + n <= budget:
            chosen.add(i)
            total += n
    return np.array(sorted(chosen), dtype=np.int64)


def compute_topics(ctx: StageContext) -> dict[str, Any]:
    from .topics import TooLittleText, fit_topics_stream

    cfg = ctx.cfg["topics"]
    heads, twins = _paper_units(ctx)
    unit = cfg["unit"] if cfg["unit"] != "auto" else choose_unit(len(heads), cfg)
    source = unit_source(ctx, unit, heads)
    # The fitted units carry their documents' authors: the author-topic model takes its sample
    # of them from the bags the fit builds (one unit per author at least, then a token budget),
    # so no unit is read or counted twice.
    own: dict[str, Any] = {}
    # With K fixed, nothing of the fit is chosen by the fit: the model is fitted in a side
    # process, and the author-topic model after it in the same process, while this one computes
    # the stages that may go meanwhile (the concepts stage: ``pipeline.context.meanwhile``), or,
    # with none, waits. One side process, not two: three busy processes on two cores slowed
    # each (word2vec twofold, ``models/w2v_side.py``). With K chosen by the fit, or one worker,
    # both are computed here.
    beside = str(cfg["k"]) != "auto" and allowed(getattr(ctx, "workers", None))

    def on_bows(metas: list[TopicUnit], bows: Any, dictionary: Any) -> None:
        rows = _author_sample(metas, bows.lengths(), cfg["author_max_tokens"])
        own.update(bows=[bows[int(i)] for i in rows], authors=[metas[int(i)].authors for i in rows],
                   dictionary=dictionary)

    def fit_beside(name: str, bags: list[Any], dictionary: Any, k: int, seed: int, cfg_: dict,
                   coh_texts: list[list[str]], top_n: int, progress: Any) -> dict[str, Any]:
        authors = _author_args(ctx, own, cfg, k) if own.get("bows") else None
        fit_bows, bows = bags
        bags.clear()
        # The bags go to the side process and are not kept here once sent (``keep_args``):
        # 90 MB at 10,000 papers, held through the concepts stage computed meanwhile. A side
        # process that dies without an answer then costs the fit again here (``SideLost``).
        job = Job(fit_and_authors, (name, [fit_bows, bows], dictionary, k, seed, cfg_, coh_texts, top_n, authors),
                  side=True, keep_args=False, spill_dir=ctx.store.path.parent)
        del fit_bows, bows
        ctx.log(f"topics: the fit{' and the author-topic model of ' + str(len(own['bows'])) + ' units' if authors else ''}"
                " run in a side process beside the stages that need no topics")
        # The author sample's bags went with the job (28 MB of tuples at 10,000 papers, held
        # through the concepts stage computed meanwhile); the rows come back for this K. A lost
        # side process fits again from the start, which draws the sample again (``on_bows``).
        if authors is not None:
            own.pop("bows", None)
            own["author_k"] = k
        del authors
        try:
            meanwhile(ctx)
            scored, own["author_rows"] = job.result()
        finally:
            job.cancel()
        return scored

    evidence = paragraph_evidence(ctx) if unit != "paragraph" else None
    try:
        try:
            result = fit_topics_stream(source, cfg, evidence=evidence, progress=ctx.progress, on_bows=on_bows,
                                       fit=fit_beside if beside else None)
        except SideLost as e:
            ctx.log(f"topics: {e}; fitted again in this process")
            own.clear()
            result = fit_topics_stream(source, cfg, evidence=evidence, progress=ctx.progress, on_bows=on_bows)
    except BaseException as e:
        if not isinstance(e, TooLittleText):
            raise
        # Too little text to model (one paragraph, or records with no words): say so, go on.
        ctx.log(f"topics: {e}")
        return {"unit": unit, "result": None, "authors": [], "doc_ids": list(ctx.doc_ids),
                "note": f"{e} (unit: {unit})", "evidence": no_model_evidence(f"{e} (unit: {unit})")}
    evidence = _evidence(ctx, result)
    result = _with_twins(result, twins)
    authors: list[dict[str, Any]] = []
    if own.get("author_rows") is not None and result.k == own.get("author_k"):
        authors = own["author_rows"]  # the side process trained it after the fit
    elif own.get("bows"):
        authors = author_topics_bows(*_author_args(ctx, own, cfg, result.k), ctx.progress)
    return {"unit": unit, "result": result, "authors": authors, "doc_ids": list(ctx.doc_ids), "evidence": evidence}


def fit_and_authors(name: str, bags: list[Any], dictionary: Any, k: int, seed: int, cfg: dict[str, Any],
                    coh_texts: list[list[str]], top_n: int, authors: tuple | None
                    ) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """The fit with its coherence and unit weights (``topics.fit_scored``) and then, given its
    arguments, the author-topic model's rows: what the stage's side process computes
    (module-level, run by name). ``bags`` ([fit bags, every unit's bags]) is emptied once the
    weights are inferred: the caller's arguments hold the list, and the author-topic model
    needs none of them (90 MB at 10,000 papers, held by the side process beside the concepts
    stage)."""
    fit_bows, bows = bags
    bags.clear()
    scored = fit_scored(name, fit_bows, bows, dictionary, k, seed, cfg, coh_texts, top_n)
    del fit_bows, bows
    return scored, (author_topics_bows(*authors) if authors is not None else None)


def _author_args(ctx: StageContext, own: dict[str, Any], cfg: dict[str, Any], k: int) -> tuple:
    """The author-topic model's arguments (``topics_author.author_topics_bows``): the fit's
    sample of units (``own``) and the cited authors' units. The same rows wherever it runs: the
    same function of the same bags, dictionary and seed."""
    from .topics_bags import bows_of_tokens

    cited = _cited_author_units(ctx)
    d = own["dictionary"]
    cited_bows = list(bows_of_tokens((u.tokens for u in cited), d, cfg)) if cited else []
    return (own["bows"] + cited_bows, own["authors"] + [u.authors for u in cited], d, cfg, k)


def _evidence(ctx: StageContext, result: Any) -> dict[str, Any]:
    """What the fit rests on (documents, units, tokens, stability) and whether the report may
    show its topics with confidence (``evidence.topics``); the report and front page read it."""
    from .topics_evidence import topic_evidence

    with_text = {h["doc_id"] for h in ctx.papers if h.get("n_paragraphs")}
    ev = topic_evidence(result, with_text, ctx.cfg["evidence"]["topics"])
    if not ev.ok:
        ctx.log(f"topics: tentative: {ev.why}")
    return ev.as_dict()


def update_topic_stage(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: fold units of documents the stored model has not seen into it."""
    prev = previous.get("result")
    todo = new_docs(ctx, previous)
    if prev is None or todo is None:
        return compute_topics(ctx)
    unit = previous["unit"]
    heads, twins = _paper_units(ctx)
    fresh = set(todo)
    new = list(unit_source(ctx, unit, [h for h in heads if h["doc_id"] in fresh])())
    result = update_topics(prev.state, new, ctx.cfg["topics"], [t["label"] for t in prev.topics])
    evidence = _evidence(ctx, result)
    result = _with_twins(result, twins)
    return {"unit": unit, "result": result, "authors": previous.get("authors", []), "doc_ids": list(ctx.doc_ids),
            "evidence": evidence}
