"""The trace of one concept over the corpus: the ``litmap trace CONCEPT --json`` shape.

Contract keys (../shared/CONTRACT.md): concept, variants, mentions, users, first_use, spread,
cooccurring, neighbors. Extras: neighbors_note and neighbors_overlap (why the word2vec
neighbours are withheld, and how far two seeds agree on them), counts_by_year, counts_by_author,
profiles (how the company of words shifts between authors and years), n_documents, n_works,
duplicates_dropped.

Example::

    >>> from pathlib import Path
    >>> from pipeline.ingest.readers import read_text_file
    >>> from pipeline.structure.paper import build_paper
    >>> from pipeline.text.registry import load_registry
    >>> text = ("数字资本的新变化\\n陈灏\\n[摘要]平台正在变成“数字食利国”。\\n[关键词]数字食利国\\n一、问题的提出\\n"
    ...         "所谓“数字食利国”加快了对全球市场的瓜分^①。\\n"
    ...         "① 参见温旭：《数字金融帝国主义的本质逻辑与超越路径》，《经济学家》2024年第4期。\\n")
    >>> paper = build_paper(read_text_file(Path("x.txt"), text.encode(), "x.txt")[0]).to_store_dict()
    >>> from pipeline.concepts.mentions import find_mentions
    >>> from pipeline.refs.works import link_works
    >>> reg = load_registry()
    >>> t = build_trace("數字食利國", find_mentions(paper, reg), [paper], link_works([paper]), registry=reg)
    >>> t["first_use"]["author"], [(e["from"], e["to"], e["via"]) for e in t["spread"]]
    ('温旭', [('温旭', '陈灏', 'citation')])
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from pipeline.concepts.mentions import kwic_of
from pipeline.concepts.profiles import build_profiles
from pipeline.concepts.spread import (
    build_spread,
    build_users,
    doc_infos,
    first_use,
    representative_mentions,
)
from pipeline.text.protect import fast_normalize

HIDDEN_FIELDS = ("context_tokens", "context_span")


def resolve_concept(concept: str, registry: Any = None) -> str:
    if registry is not None:
        name = registry.lookup(concept)
        if name:
            return name
    return fast_normalize(concept).strip().strip("“”\"'")


def _variants(name: str, mentions: list[dict[str, Any]], registry: Any) -> list[str]:
    out = [name]
    c = registry.get(name) if registry is not None else None
    if c is not None:
        out.extend(c.variants)
    for m in mentions:
        s = m["surface"]
        if m.get("quoted") and len(s) >= 2:
            s = s[1:-1]
        out.append(s)
    seen: list[str] = []
    for v in out:
        if v and v not in seen:
            seen.append(v)
    return seen


def _title_uses(name: str, works: dict[str, Any] | None, registry: Any) -> set[str]:
    """Work ids of cited works whose title carries the concept (longest-match rule kept)."""
    rows = (works or {}).get("references") or []
    if not rows:
        return set()
    if registry is not None:
        from pipeline.concepts.matcher import ConceptMatcher

        matcher = ConceptMatcher(registry, [name])
        return {r["work_id"] for r in rows if r.get("work_id") and r.get("title")
                and any(h.concept == name for h in matcher.find(r["title"]))}
    return {r["work_id"] for r in rows if r.get("work_id") and name in fast_normalize(r.get("title") or "")}


def cooc_index(cooc: Any, names: Iterable[str] | None = None) -> dict[str, list[tuple[str, int, float]]]:
    """Each term's co-occurring terms in one pass over the table: (other, count, npmi) in table
    order; of ``names`` only, when given. The concepts stage traces every concept against one
    index instead of scanning the table once per concept, and asks it only of the traced
    concepts: their rows are picked by column (pandas ``isin``) before the pass, a few
    thousand of the 50,000 rows of 1,000 papers."""
    out: dict[str, list[tuple[str, int, float]]] = {}
    if cooc is None or len(cooc) == 0:
        return out
    wanted = None if names is None else set(names)
    if wanted is not None:
        cooc = cooc[cooc["term_a"].isin(wanted) | cooc["term_b"].isin(wanted)]  # table order kept
    for a, b, k, v in zip(cooc["term_a"].tolist(), cooc["term_b"].tolist(), cooc["count"].tolist(),
                          cooc["npmi"].tolist()):
        if wanted is None or a in wanted:
            out.setdefault(a, []).append((b, k, v))
        if b != a and (wanted is None or b in wanted):
            out.setdefault(b, []).append((a, k, v))
    return out


def cooccurring_terms(name: str, cooc: Any, top: int = 20) -> list[dict[str, Any]]:
    """The terms co-occurring with ``name``, by NPMI: ``cooc`` is the co-occurrence table or its
    :func:`cooc_index`."""
    if cooc is None or len(cooc) == 0:
        return []
    if isinstance(cooc, dict):
        found = cooc.get(name) or []
    else:
        df = cooc[(cooc["term_a"] == name) | (cooc["term_b"] == name)]
        found = [(r.term_b if r.term_a == name else r.term_a, r.count, r.npmi) for r in df.itertuples(index=False)]
    rows = [{"term": other, "count": int(k), "npmi": round(float(v), 4)} for other, k, v in found]
    rows.sort(key=lambda x: (-x["npmi"], -x["count"], x["term"]))
    return rows[:top]


def neighbor_terms(name: str, w2v: Any, top: int = 10) -> list[dict[str, Any]]:
    """Nearest words of a gensim Word2Vec / KeyedVectors model (or a ``{term: [(w, s)]}`` map)."""
    if w2v is None:
        return []
    if isinstance(w2v, dict):
        return [{"term": w, "similarity": round(float(s), 4)} for w, s in (w2v.get(name) or [])[:top]]
    kv = getattr(w2v, "wv", w2v)
    try:
        if name not in kv:
            return []
        return [{"term": w, "similarity": round(float(s), 4)} for w, s in kv.most_similar(name, topn=top)]
    except (KeyError, ValueError):
        return []


def public_mention(m: dict[str, Any]) -> dict[str, Any]:
    """A mention as ``litmap trace --json`` shows it: no working fields, the KWIC window whole."""
    out = {k: v for k, v in m.items() if k not in HIDDEN_FIELDS}
    if "kwic" in m:
        out["kwic"] = kwic_of(m)
    return out


def build_trace(concept: str, mentions: list[dict[str, Any]], papers: list[dict[str, Any]],
                works: dict[str, Any] | None, cooc: Any = None, w2v: Any = None, registry: Any = None,
                docs: dict | None = None, share: bool = False,
                author_min_docs: int | None = None, known: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The trace of ``concept`` (a registry name, any of its variants, or a free term) or None.

    ``w2v``: a :class:`pipeline.models.vectors.NeighbourGate` (neighbours only where two seeds
    agree; ``neighbors_note`` says why they are withheld), or a bare model (listed as they are).
    ``share``: the trace lists the given mention dicts themselves (hidden fields included)
    instead of public copies; the corpus stage uses it so that 10,000 papers' mentions are held
    (and stored) once, not once more per trace. ``author_min_docs``: see ``build_profiles``
    (default ``evidence.authors.min_documents``). ``known``: the concept's ``title_uses`` and
    gate ``neighbours`` when the caller has them already (``concept_stage.TraceInputs``)."""
    from pipeline.models.vectors import NeighbourGate
    from pipeline.settings.fill import section_defaults

    name = resolve_concept(concept, registry)
    own = [m for m in mentions if m["concept"] == name]
    if not own:
        return None
    docs = docs if docs is not None else doc_infos(papers, works)
    kept, dropped = representative_mentions(own, docs)
    users = build_users(kept, docs)
    known = known or {}
    title_uses = known["title_uses"] if "title_uses" in known else _title_uses(name, works, registry)
    spread = build_spread(kept, docs, works, users, title_uses)
    by_year: dict[Any, Counter] = {}
    for m in kept:
        d = docs.get(m["doc_id"])
        y = d.year if d else m.get("year")
        c = by_year.setdefault(y, Counter())
        c["mentions"] += 1
        c["doc:" + m["doc_id"]] = 1
    cited_years = Counter()
    for u in users:
        if u["role"] == "cited" and u["first_year"] is not None:
            cited_years[u["first_year"]] += 1
    years = sorted({y for y in by_year if y is not None} | set(cited_years))
    counts_by_year = [{"year": y, "mentions": by_year.get(y, Counter())["mentions"],
                       "documents": sum(1 for k in by_year.get(y, Counter()) if k.startswith("doc:")),
                       "cited_authors_first_year": cited_years.get(y, 0)} for y in years]
    if None in by_year:
        counts_by_year.append({"year": None, "mentions": by_year[None]["mentions"],
                               "documents": sum(1 for k in by_year[None] if k.startswith("doc:")),
                               "cited_authors_first_year": 0})
    counts_by_author = [{"author": u["author"], "role": u["role"], "mentions": u["count"],
                         "documents": len(u["doc_ids"])} for u in users]
    counts_by_author.sort(key=lambda x: (-x["mentions"], x["role"], x["author"]))
    if isinstance(w2v, NeighbourGate):
        neighbours, neighbours_note, overlap = known["neighbours"] if "neighbours" in known else w2v.neighbours(name)
    else:
        neighbours, neighbours_note, overlap = neighbor_terms(name, w2v), None, None
    if author_min_docs is None:
        author_min_docs = section_defaults("evidence", "authors")["min_documents"]
    return {
        "concept": name,
        "variants": _variants(name, own, registry),
        "mentions": kept if share else [public_mention(m) for m in kept],
        "users": users,
        "first_use": first_use(users),
        "spread": spread,
        "cooccurring": cooccurring_terms(name, cooc),
        "neighbors": neighbours,
        "neighbors_note": neighbours_note,  # why "neighbors" is empty (too little text, unstable across seeds)
        "neighbors_overlap": overlap,  # share of the top list a second seed's model also lists
        "counts_by_year": counts_by_year,
        "counts_by_author": counts_by_author,
        "profiles": build_profiles(name, kept, docs, min_docs=author_min_docs),
        "n_documents": len({m["doc_id"] for m in kept}),
        "n_works": len({docs[m["doc_id"]].work_id if m["doc_id"] in docs else m["doc_id"] for m in kept}),
        "duplicates_dropped": dropped,
    }
