"""Concepts over a corpus, the public API: each mention's context words (:func:`attach_context`,
part of the per-document map in ``runner/features.py``), the concept summary table and a mined
term's coinage row. The corpus stage that uses them is ``concepts/concept_stage.py``; the
memory compactor of decoded mentions is ``concepts/compact.py``.
"""
from __future__ import annotations

from typing import Any

from pipeline.concepts.spread import build_users, first_use, representative_mentions
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
