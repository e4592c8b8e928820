"""The corpus stage of concepts: mentions of every paper, one trace per tracked concept.

The runner calls :func:`compute_concepts` with the store dicts of the papers, the registry, the
works stage result and the segmented tokens (``tokens_by_doc``: doc_id -> {"title": "tok tok",
"abstract": ..., "keywords": [...], "paragraphs": [["tok tok" per sentence] per paragraph],
"footnotes": [...]}). The result is picklable and holds everything the report and
``litmap trace`` need, so neither recomputes.
"""
from __future__ import annotations

from typing import Any

from pipeline.concepts.attribution import fill_work_ids
from pipeline.concepts.mentions import find_mentions_many
from pipeline.concepts.spread import build_users, doc_infos, first_use, representative_mentions
from pipeline.concepts.trace import build_trace
from pipeline.text.registry import Registry


def _canon_map(registry: Registry) -> dict[str, str]:
    return {s: registry.lookup(s) or s for s in registry.surfaces}


def _toks(s: Any) -> list[str]:
    if s is None:
        return []
    if isinstance(s, str):
        return s.split()
    return [t for x in s for t in (x.split() if isinstance(x, str) else x)]


def attach_context(mentions: list[dict[str, Any]], tokens_by_doc: dict[str, Any] | None,
                   registry: Registry, cfg: dict | None = None) -> None:
    """Give each mention the content tokens of its sentence (registry variants folded to names)."""
    if not tokens_by_doc:
        return
    from pipeline.text.stopwords import content_tokens, load_stopwords

    stop = load_stopwords(cfg or {})
    canon = _canon_map(registry)
    for m in mentions:
        tb = tokens_by_doc.get(m["doc_id"])
        if not tb:
            continue
        where = m["where"]
        toks: list[str] | None = None
        if where == "title":
            toks = _toks(tb.get("title"))
        elif where == "abstract":
            toks = _toks(tb.get("abstract"))
        elif where == "keywords":
            toks = _toks(tb.get("keywords"))
        elif where == "body" and m.get("paragraph") is not None and not m.get("heading"):
            paras = tb.get("paragraphs") or []
            p, s = m["paragraph"], m.get("sentence_index") or 0
            if p < len(paras):
                sents = paras[p]
                toks = _toks(sents[s]) if isinstance(sents, list) and s < len(sents) else _toks(sents)
        elif where == "footnote" and m.get("footnote_n") is not None:
            fns = tb.get("footnotes") or []
            i = m["footnote_n"] - 1  # running numbers start at 1, in reading order
            if 0 <= i < len(fns):
                toks = _toks(fns[i])
        if toks is not None:
            m["context_tokens"] = sorted({canon.get(t, t) for t in content_tokens(toks, stop)})


def cooccurrence_units(tokens_by_doc: dict[str, Any], registry: Registry | None = None,
                       window: str = "sentence", cfg: dict | None = None) -> list[list[str]]:
    """Sentence (or paragraph) windows of content tokens; abstracts and titles are one window each."""
    from pipeline.text.stopwords import content_tokens, load_stopwords

    stop = load_stopwords(cfg or {})
    canon = _canon_map(registry) if registry is not None else {}
    units: list[list[str]] = []

    def add(toks: list[str]) -> None:
        u = sorted({canon.get(t, t) for t in content_tokens(toks, stop)})
        if len(u) > 1:
            units.append(u)

    for doc_id in sorted(tokens_by_doc):
        tb = tokens_by_doc[doc_id] or {}
        add(_toks(tb.get("title")))
        add(_toks(tb.get("abstract")))
        for para in tb.get("paragraphs") or []:
            if window == "paragraph" or isinstance(para, str):
                add(_toks(para))
            else:
                for s in para:
                    add(_toks(s))
    return units


def compute_concepts(papers: list[dict[str, Any]], registry: Registry, works: dict[str, Any] | None,
                     tokens_by_doc: dict[str, Any] | None, cfg: dict | None = None, cooc: Any = None,
                     w2v: Any = None, candidates: list[str] | None = None) -> dict[str, Any]:
    """Mentions, traces of every concept that occurs, a summary table and (if not given) the
    co-occurrence table; ``candidates`` (mined new terms) get their first users listed."""
    cfg = cfg or {}
    papers = sorted(papers, key=lambda p: p["doc_id"])
    mentions = find_mentions_many(papers, registry, cfg=cfg)
    fill_work_ids(mentions, works)
    attach_context(mentions, tokens_by_doc, registry, cfg)
    ccfg = cfg.get("cooccurrence") or {}
    result: dict[str, Any] = {"mentions": mentions}
    if cooc is None and tokens_by_doc:
        from pipeline.models.cooccurrence import cooccurrence

        units = cooccurrence_units(tokens_by_doc, registry, ccfg.get("window", "sentence"), cfg)
        cooc = cooccurrence(units, int(ccfg.get("min_count", 2)), int(ccfg.get("max_rows", 50000)))
        result["cooccurrence"] = cooc
    docs = doc_infos(papers, works)
    traces: dict[str, dict[str, Any]] = {}
    for name in sorted({m["concept"] for m in mentions}):
        t = build_trace(name, mentions, papers, works, cooc, w2v, registry, docs=docs)
        if t is not None:
            traces[name] = t
    result["traces"] = traces
    summary = []
    for c in registry.concepts:
        t = traces.get(c.name)
        if t is None:
            continue
        fu = t["first_use"] or {}
        summary.append({"concept": c.name, "en": c.en, "mentions": len(t["mentions"]), "documents": t["n_documents"],
                        "works": t["n_works"], "users": len(t["users"]), "first_use_author": fu.get("author"),
                        "first_use_year": fu.get("year"), "spread_edges": len(t["spread"])})
    result["summary"] = summary
    if candidates:
        result["coinages"] = coinages(candidates, papers, registry, works, docs, cfg)
    return result


def coinages(candidates: list[str], papers: list[dict[str, Any]], registry: Registry, works: dict[str, Any] | None,
             docs: dict | None = None, cfg: dict | None = None) -> list[dict[str, Any]]:
    """Mined terms outside the registry with their first users (the report's "new coinages")."""
    fresh = [c for c in candidates if registry.lookup(c) is None]
    if not fresh:
        return []
    ms = find_mentions_many(papers, Registry.empty(), terms=fresh, cfg=cfg)
    fill_work_ids(ms, works)
    docs = docs if docs is not None else doc_infos(papers, works)
    rows = []
    for term in fresh:
        own = [m for m in ms if m["concept"] == term]
        if not own:
            continue
        kept, _ = representative_mentions(own, docs)
        users = build_users(kept, docs)
        fu = first_use(users) or {}
        rows.append({"term": term, "mentions": len(kept), "documents": len({m["doc_id"] for m in kept}),
                     "first_user": fu.get("author"), "first_year": fu.get("year"),
                     "users": ";".join(sorted({u["author"] for u in users})),
                     "example": kept[0]["sentence"] if kept else ""})
    rows.sort(key=lambda r: (-r["documents"], -r["mentions"], r["term"]))
    return rows
