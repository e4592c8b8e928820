"""The topics corpus stage: build units from the cached tokens, fit (or update), describe.

Units follow ``topics.unit`` (auto: one paper alone by paragraph, many papers by paper, with
paragraphs kept as evidence). Documents that are the same work (a mirror, an export record of
the same paper) are fitted once; the twin gets its first copy's topics. Footnote and reference
text stays out unless ``topics.include_footnotes`` is set.
"""
from __future__ import annotations

from typing import Any

from ..models.topics import TopicUnit, choose_unit, fit_topics, update_topics


def _stop() -> tuple[frozenset[str], Any]:
    from ..text.stopwords import content_tokens, load_stopwords

    return load_stopwords(), content_tokens


def _paper_units(ctx: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Papers to model, one per work (first by source), and twin doc_id -> modelled doc_id."""
    doc_work = ctx.results.get("works", {}).get("doc_work", {})
    seen: dict[str, str] = {}
    twins: dict[str, str] = {}
    keep = []
    for p in sorted(ctx.papers, key=lambda p: p["source"]):
        if p["doc_id"] not in ctx.tokens:
            continue
        w = doc_work.get(p["doc_id"], p["doc_id"])
        if w in seen:
            if seen[w] != p["doc_id"]:
                twins[p["doc_id"]] = seen[w]
            continue
        seen[w] = p["doc_id"]
        keep.append(p)
    return keep, twins


def build_units(ctx: Any, unit: str) -> tuple[list[TopicUnit], list[TopicUnit], dict[str, str]]:
    stop, content = _stop()
    include_fn = bool(ctx.cfg["topics"].get("include_footnotes"))
    papers, twins = _paper_units(ctx)
    units: list[TopicUnit] = []
    paragraphs: list[TopicUnit] = []
    for p in papers:
        m = p["meta"]
        toks = ctx.tokens[p["doc_id"]]
        year = m.get("year") or m.get("year_inferred")
        authors = list(m.get("authors") or [])
        head = [toks["title"], toks["abstract"], *toks["keywords"]]
        para_tokens = [" ".join(sents) for sents in toks["paragraphs"]]
        fn = list(toks["footnotes"]) if include_fn else []
        p_idx = 0
        sec_units = []
        for s_idx, sec in enumerate(p["sections"]):
            sec_toks, sec_text = [], []
            for text in sec["paragraphs"]:
                ptoks = content(para_tokens[p_idx].split(), stop) if p_idx < len(para_tokens) else []
                paragraphs.append(TopicUnit(p["doc_id"], f"{p['doc_id']}:p{p_idx}", ptoks, text, authors, year,
                                            m.get("journal"), sec.get("heading")))
                sec_toks += ptoks
                sec_text.append(text)
                p_idx += 1
            sec_units.append(TopicUnit(p["doc_id"], f"{p['doc_id']}:s{s_idx}", sec_toks, "\n".join(sec_text), authors,
                                       year, m.get("journal"), sec.get("heading")))
        if unit == "paper":
            all_toks = content(" ".join(head + para_tokens + fn).split(), stop)
            text = "\n".join(filter(None, [m.get("title"), m.get("abstract"), *(sec["paragraphs"][0] for sec in p["sections"] if sec["paragraphs"])]))
            units.append(TopicUnit(p["doc_id"], p["doc_id"], all_toks, text[:2000], authors, year, m.get("journal")))
        elif unit == "section":
            units += sec_units
    if unit == "paragraph":
        units = paragraphs
    return units, paragraphs, twins


def _with_twins(result: Any, twins: dict[str, str]) -> Any:
    if twins:
        extra = []
        for twin, first in sorted(twins.items()):
            for row in result.doc_topics:
                if row["doc_id"] == first:
                    extra.append({**row, "doc_id": twin, "unit_id": row["unit_id"].replace(first, twin, 1)})
        result.doc_topics = sorted(result.doc_topics + extra, key=lambda r: (r["doc_id"], r["unit_id"], r["topic_id"]))
    return result


def _cited_author_units(ctx: Any) -> list[TopicUnit]:
    """Cited authors take part in the author-topic model through the sentences that cite them."""
    stop, content = _stop()
    works = ctx.results.get("works", {})
    by_fn: dict[tuple[str, int], list[str]] = {}
    for r in works.get("references", []):
        if not r["classic"] and r["authors"]:
            by_fn.setdefault((r["doc_id"], r["footnote_n"]), []).extend(r["authors"].split(";"))
    units = []
    for p in ctx.papers:
        toks = ctx.tokens.get(p["doc_id"])
        if not toks:
            continue
        flat = [s for sents in toks["paragraphs"] for s in sents]
        sents = [s for sec in p["sections"] for para in sec.get("sentences", []) for s in para]
        for i, s in enumerate(sents):
            authors = sorted({a for n in s["footnotes"] for a in by_fn.get((p["doc_id"], n), [])})
            if authors and i < len(flat):
                units.append(TopicUnit(p["doc_id"], f"{p['doc_id']}:c{i}", content(flat[i].split(), stop), s["text"],
                                       authors, None, None))
    return units


def compute_topics(ctx: Any) -> dict[str, Any]:
    from ..models.topics_author import author_topics

    cfg = ctx.cfg["topics"]
    unit = cfg["unit"] if cfg["unit"] != "auto" else choose_unit(len(_paper_units(ctx)[0]), cfg)
    units, paragraphs, twins = build_units(ctx, unit)
    if sum(1 for u in units if u.tokens) < 2:
        # Too little text to model (one paragraph, or records with no words): say so, go on.
        return {"unit": unit, "result": None, "authors": [],
                "note": f"no topic model: fewer than two {unit} units with content words"}
    result = fit_topics(units, cfg, evidence=paragraphs if unit != "paragraph" else None)
    result = _with_twins(result, twins)
    # The fitted units carry their documents' authors; one unit per paper is enough for them
    # (paragraphs of one paper share its authors) and keeps the author-topic fit small.
    own = [u for u in units if u.authors]
    authors = author_topics(own + _cited_author_units(ctx), cfg, k=result.k) if own else []
    return {"unit": unit, "result": result, "authors": authors}


def update_topic_stage(ctx: Any, previous: dict[str, Any]) -> dict[str, Any]:
    """``--update``: fold units of documents the stored model has not seen into it."""
    prev = previous.get("result")
    if prev is None:
        return compute_topics(ctx)
    unit = previous["unit"]
    units, paragraphs, twins = build_units(ctx, unit)
    known = {r["doc_id"] for r in prev.doc_topics}
    new = [u for u in units if u.doc_id not in known]
    result = update_topics(prev.state, new, ctx.cfg["topics"])
    result = _with_twins(result, twins)
    return {"unit": unit, "result": result, "authors": previous.get("authors", [])}
