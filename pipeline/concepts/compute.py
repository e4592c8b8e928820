"""The corpus stage of concepts: mentions of every paper, one trace per tracked concept.

:func:`concepts_from_parts` is the stage (the runner calls it through ``runner/model_stages.py``):
a reduce over the per-document parts of ``runner/features.py`` (mentions with their context
tokens, co-occurrence windows), streamed from the store. The result is picklable and holds
everything the report and ``litmap trace`` need (mentions, co-occurrence table, traces, summary,
coinages), so neither recomputes. :func:`attach_context` is part of the per-document map.
"""
from __future__ import annotations

from typing import Any

from pipeline.concepts.attribution import fill_work_ids
from pipeline.concepts.stance import attach_stances
from pipeline.concepts.spread import build_users, doc_infos, first_use, representative_mentions
from pipeline.concepts.trace import build_trace
from pipeline.refs.names import paper_authors
from pipeline.text.registry import Registry


def _canon_map(registry: Registry) -> dict[str, str]:
    return {s: registry.lookup(s) or s for s in registry.surfaces}


def _toks(s: Any) -> list[str]:
    if s is None:
        return []
    if isinstance(s, str):
        return s.split()
    return [t for x in s for t in (x.split() if isinstance(x, str) else x)]


def _context_source(m: dict[str, Any], tb: dict[str, Any]) -> tuple[tuple, Any]:
    """(key, tokens) of the text a mention's context is cut from: its sentence (body), the
    whole title, abstract, keywords or footnote; (None, None) if it has none (a heading, the
    funding note)."""
    where = m["where"]
    if where in ("title", "abstract", "keywords"):
        return (where,), tb.get(where) or ""
    if where == "body" and m.get("paragraph") is not None and not m.get("heading"):
        paras = tb.get("paragraphs") or []
        p, s = m["paragraph"], m.get("sentence_index") or 0
        if p < len(paras):
            sents = paras[p]
            if isinstance(sents, list) and s < len(sents):
                return ("body", p, s), sents[s]
            return ("body", p), sents
    elif where == "footnote" and m.get("footnote_n") is not None:
        fns = tb.get("footnotes") or []
        i = m["footnote_n"] - 1  # running numbers start at 1, in reading order
        if 0 <= i < len(fns):
            return ("footnote", i), fns[i]
    return (None,), None


class _Window:
    """The tokens of one long text with their places, counted in non-space characters (the
    tokens of a text, joined, are its folded form without whitespace), so the context of each
    mention is the words of its KWIC window, found by bisection."""

    def __init__(self, toks: list[str]) -> None:
        from array import array
        from itertools import accumulate

        self.toks = toks
        self.ends = array("q", accumulate(len(t) for t in toks))

    def between(self, lo: int, hi: int) -> list[str]:
        from bisect import bisect_left, bisect_right

        return self.toks[bisect_right(self.ends, lo):bisect_left(self.ends, hi) + 1]


def attach_context(mentions: list[dict[str, Any]], tokens_by_doc: dict[str, Any] | None,
                   registry: Registry, cfg: dict | None = None) -> None:
    """Give each mention the content tokens of its sentence (registry variants folded to names).

    Each sentence is tokenized and filtered once, however many mentions it holds; a mention
    in a text longer than ``concepts.max_sentence_chars`` (its ``context_span``, set by
    :func:`find_mentions`) gets the words of its KWIC window instead of the whole text's."""
    for m in mentions:
        m["_span"] = m.pop("context_span", None)
    if tokens_by_doc:
        from pipeline.text.stopwords import is_content, load_stopwords

        stop = load_stopwords(cfg or {})
        canon = _canon_map(registry)
        content: dict[str, bool] = {}  # tokens repeat: decide each once

        def names(toks: Any) -> list[str]:
            out = set()
            for t in toks:
                ok = content.get(t)
                if ok is None:
                    ok = content[t] = is_content(t, stop)
                if ok:
                    out.add(canon.get(t, t))
            return sorted(out)

        whole: dict[tuple, list[str]] = {}
        windows: dict[tuple, _Window] = {}
        named: dict[tuple[str, ...], list[str]] = {}
        unit: tuple = ()
        key, src = (), None
        for m in mentions:
            # mentions of one unit come together: its text is looked up once
            here = (m["doc_id"], m["where"], m["paragraph"], m["sentence_index"], m["footnote_n"], m["heading"])
            if here != unit:
                unit = here
                tb = tokens_by_doc.get(m["doc_id"])
                key, src = _context_source(m, tb) if tb else ((), None)
                key = (m["doc_id"], *key)
            if src is None:
                continue
            span = m["_span"]
            if span is None:
                if key not in whole:
                    whole[key] = names(_toks(src))
                m["context_tokens"] = list(whole[key])
            else:
                if key not in windows:
                    windows[key] = _Window(_toks(src))
                toks = tuple(windows[key].between(*span))
                if toks not in named:  # a line of one phrase repeated has one window, many times
                    named[toks] = names(toks)
                m["context_tokens"] = list(named[toks])
    for m in mentions:
        del m["_span"]


def concept_summary(registry: Registry, traces: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per registry concept that occurs, in registry order (the report's concept table)."""
    summary = []
    for c in registry.concepts:
        t = traces.get(c.name)
        if t is None:
            continue
        fu = t["first_use"] or {}
        summary.append({"concept": c.name, "en": c.en, "mentions": len(t["mentions"]), "documents": t["n_documents"],
                        "works": t["n_works"], "users": len(t["users"]), "first_use_author": fu.get("author"),
                        "first_use_year": fu.get("year"), "spread_edges": len(t["spread"])})
    return summary


def coinage_row(term: str, own: list[dict[str, Any]], docs: dict[str, Any], example: Any) -> dict[str, Any]:
    """A mined term's row: its uses one per work, users, first use; ``example(kept)`` the sentence."""
    kept, _ = representative_mentions(own, docs)
    users = build_users(kept, docs)
    fu = first_use(users) or {}
    return {"term": term, "mentions": len(kept), "documents": len({m["doc_id"] for m in kept}),
            "first_user": fu.get("author"), "first_year": fu.get("year"),
            "users": ";".join(sorted({u["author"] for u in users})), "example": example(kept)}


def _doc_stub(head: dict[str, Any], part: dict[str, Any] | None) -> dict[str, Any]:
    """What doc_infos reads of a paper: the head, plus citing sentences and footnote texts of a
    document with mentions (stored with its features)."""
    part = part or {}
    return {**head, "citations": [{"n": int(n), "sentence": s} for n, s in (part.get("citations") or {}).items()],
            "footnotes": [{"n": int(n), "text": t} for n, t in (part.get("footnotes") or {}).items()]}


def _compact(mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mentions of one document as decoded from the store, with repeated values shared: the
    document's title and author list are one object, names and tokens are interned, and the
    KWIC window is kept as three offsets into the sentence (see :func:`kwic_of`). Decoded JSON
    gives every mention its own copies, which on 10,000 papers was most of the stage's memory."""
    import sys

    shared: dict[Any, Any] = {}
    for m in mentions:
        for k in ("concept", "term", "surface", "where"):
            if isinstance(m.get(k), str):
                m[k] = sys.intern(m[k])
        if "doc_authors" in m:
            m["doc_authors"] = shared.setdefault(("a", tuple(m["doc_authors"])), m["doc_authors"])
        for k in ("doc_title", "section", "sentence"):
            if m.get(k):
                m[k] = shared.setdefault((k, m[k]), m[k])
        if m.get("context_tokens"):
            m["context_tokens"] = shared.setdefault(("c", tuple(m["context_tokens"])),
                                                    [sys.intern(t) for t in m["context_tokens"]])
        k = m.get("kwic")
        if isinstance(k, dict) and m.get("sentence") and m["sentence"].startswith(k["match"], m["start"]):
            end = m["start"] + len(k["match"])
            m["kwic"] = (m["start"] - len(k["left"]), end, end + len(k["right"]))
    return mentions


def concepts_from_parts(ctx: Any, previous: dict[str, Any] | None, todo: list[str] | None = None) -> dict[str, Any]:
    """The concepts stage as a reduce over per-document parts (``runner/features.py``).

    Refit (``previous`` None): every document's mentions and co-occurrence windows are streamed
    and summed. Update: the stored mentions, document notes and pair counts are kept and only
    ``todo`` (new documents) are added; traces, the summary and coinages are rebuilt from the
    sums, which is cheap next to reading the corpus.
    """
    from pipeline.models.cooccurrence import PairCounter
    from pipeline.runner.model_stages import term_rows
    from pipeline.text.registry import load_registry

    from ..config import resolve

    cfg = ctx.cfg
    reg = load_registry(str(resolve(cfg, cfg["concepts"]["registry"])))
    ccfg = cfg.get("cooccurrence") or {}
    works = ctx.results.get("works")
    if previous is None:
        mentions: list[dict[str, Any]] = []
        notes: dict[str, Any] = {}
        pairs = PairCounter()
        ids = None
    else:
        mentions, notes, pairs, ids = list(previous["mentions"]), dict(previous["doc_notes"]), previous["cooc_state"], todo
    from .packed import unpack_rows

    for d, part in ctx.iter_part("feat.concepts", ids):
        mentions.extend(_compact(unpack_rows(part["mentions"])))
        if part["mentions"]:
            notes[d] = {"citations": part.get("citations") or {}, "footnotes": part.get("footnotes") or {}}
    batch: list[list[str]] = []
    for _d, part in ctx.iter_part("feat.content", ids):
        batch.extend(u.split() for u in part["cooc"])
        if len(batch) > 50_000:
            pairs.add(batch)
            batch = []
    pairs.add(batch)
    mentions.sort(key=lambda m: m["doc_id"])
    fill_work_ids(mentions, works)
    cooc = pairs.table(int(ccfg.get("min_count", 2)), int(ccfg.get("max_rows", 50000)))
    heads = {h["doc_id"]: h for h in ctx.papers}
    stubs = [_doc_stub(heads[d], notes.get(d)) for d in sorted({m["doc_id"] for m in mentions}) if d in heads]
    docs = doc_infos(stubs, works)
    from pipeline.models.vectors import neighbour_gate

    gate = neighbour_gate(ctx.results.get("vectors"), cfg)
    min_docs = int(cfg["evidence"]["authors"]["min_documents"])
    traces: dict[str, dict[str, Any]] = {}
    for name in sorted({m["concept"] for m in mentions}):
        t = build_trace(name, mentions, stubs, works, cooc, gate, reg, docs=docs, share=True, author_min_docs=min_docs)
        if t is not None:
            traces[name] = attach_stances(t, ctx.results.get("stance"))
    summary = concept_summary(reg, traces)
    shown = sum(1 for t in traces.values() if t["neighbors"])
    neighbours = gate.summary(shown, len(traces) - shown)
    terms = term_rows(ctx.results.get("terms"))
    candidates = [r["term"] for r in terms if not r.get("known")][:50]
    coin, coin_mentions = coinages_from_parts(ctx, candidates, reg, works, previous, todo)
    return {"mentions": mentions, "cooccurrence": cooc, "traces": traces, "summary": summary, "coinages": coin,
            "neighbours": neighbours,
            "coinage_mentions": coin_mentions, "doc_notes": notes, "cooc_state": pairs,
            "doc_ids": list(ctx.doc_ids), "mode": "refit" if previous is None else "update"}


def coinages_from_parts(ctx: Any, candidates: list[str], registry: Registry, works: dict[str, Any] | None,
                        previous: dict[str, Any] | None, todo: list[str] | None
                        ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Mined terms outside the registry with their first users (the report's "new coinages").

    Which documents hold a term is found on the stored normalized sentences with one
    Aho-Corasick pass; only those papers are read and matched in full. On update, a term the
    stored result already traced is looked for in the new documents only."""
    import ahocorasick

    from pipeline.concepts.matcher import ConceptMatcher
    from pipeline.concepts.mentions import find_mentions

    fresh = [c for c in candidates if registry.lookup(c) is None]
    known: dict[str, Any] = dict((previous or {}).get("coinage_mentions") or {})
    if known and not isinstance(next(iter(known.values())), dict):
        known = {}  # a result stored before mentions were kept compact: look again everywhere
    old_terms = [t for t in fresh if t in known and todo is not None]
    new_terms = [t for t in fresh if t not in old_terms]
    found: dict[str, dict[str, Any]] = {t: {"uses": list(known[t]["uses"]), "example": known[t]["example"]}
                                        for t in old_terms}

    def scan(terms: list[str], ids: list[str] | None) -> None:
        if not terms:
            return
        auto = ahocorasick.Automaton()
        for t in terms:
            auto.add_word(t, t)
        auto.make_automaton()
        hold: list[str] = []
        for d, part in ctx.iter_part("feat.content", ids):
            if any(True for s in part["norm"] + part["norm_other"] if s for _ in auto.iter(s)):
                hold.append(d)
        matcher = ConceptMatcher(Registry.empty(), terms)
        for paper in ctx.iter_papers(hold):
            # Kept compact, one paper at a time: a common coined phrase has hundreds of thousands
            # of uses on a large corpus, and the table needs only who used it, where and when.
            for m in find_mentions(paper, Registry.empty(), terms, ctx.cfg, matcher):
                f = found.setdefault(m["concept"], {"uses": [], "example": None})
                f["uses"].append(_use_of(m))
                if f["example"] is None or m["doc_id"] < f["example"][0]:
                    f["example"] = (m["doc_id"], m["sentence"])

    scan(new_terms, None)
    scan(old_terms, todo)
    heads = {h["doc_id"]: h for h in ctx.papers}
    used = sorted({u[0] for t in fresh if t in found for u in found[t]["uses"]})
    docs = doc_infos([_doc_stub(heads[d], None) for d in used if d in heads], works)
    rows = []
    for term in fresh:  # one term's mentions at a time, as dicts only while it is ranked
        own = sorted((_mention_of(u, heads) for u in (found.get(term) or {}).get("uses", [])), key=lambda m: m["doc_id"])
        fill_work_ids(own, works)
        if own:
            rows.append(coinage_row(term, own, docs, lambda kept, t=term: _example(found[t]["example"], kept)))
    rows.sort(key=lambda r: (-r["documents"], -r["mentions"], r["term"]))
    return rows, {t: found[t] for t in fresh if t in found}


def _use_of(m: dict[str, Any]) -> tuple:
    """What a coinage's users and first use need of one mention."""
    return (m["doc_id"], m["where"], m.get("in_ref"), m.get("attributed") or _NONE, m.get("year"), m.get("year_inferred"))


_NONE: list[Any] = []


def _mention_of(use: tuple, heads: dict[str, Any]) -> dict[str, Any]:
    doc_id, where, in_ref, attributed, year, inferred = use
    h = heads.get(doc_id) or {"meta": {}}
    return {"doc_id": doc_id, "where": where, "in_ref": in_ref, "attributed": [dict(a) for a in attributed],
            "year": year, "year_inferred": inferred, "doc_authors": paper_authors(h["meta"]),
            "sentence": ""}


def _example(example: tuple[str, str] | None, kept: list[dict[str, Any]]) -> str:
    return example[1] if example and kept and kept[0]["doc_id"] == example[0] else ""
