"""The corpus glossary: the foreign originals found in every paper (``glosses.py``) folded over
the corpus (occurrences, first user), and their person pairs as alias entries.

``build_glossary`` folds the pairs; ``glossary_aliases`` turns the person pairs into alias
entries so that "Dan Schiller" cited in one paper and 丹·席勒 in another are one person;
``glossary_stage`` is the corpus stage's work.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

# The finder's names, where they were before the split (tests and scripts import them from here).
from .glosses import DEFAULT_RULES, Gloss, Rules, find_glosses, load_rules, paper_glosses, paper_texts
from ..refs.aliases import extend_aliases  # re-exported: the works stage and the tests use one copy

__all__ = ["DEFAULT_RULES", "Entry", "Gloss", "Rules", "build_glossary", "extend_aliases", "find_glosses",
           "foreign_for", "foreign_key", "glossary_aliases", "glossary_rows", "glossary_stage", "load_rules",
           "paper_glosses", "paper_texts"]


# ---------------------------------------------------------------- the corpus

def foreign_key(foreign: str) -> str:
    """The form foreign originals are compared in: case and spacing folded."""
    return re.sub(r"[\s.\-'’]+", " ", foreign).strip().lower()


@dataclass
class Entry:
    zh: str
    foreign: str
    kind: str
    occurrences: int = 0
    first_user: str = ""
    first_year: int | None = None
    first_doc: str = ""
    docs: list[str] = field(default_factory=list)


def _year(meta: dict[str, Any]) -> int | None:
    y = meta.get("year") or meta.get("year_inferred")
    try:
        return int(y) if y is not None else None
    except (TypeError, ValueError):
        return None


def build_glossary(per_doc: Iterable[tuple[dict[str, Any], list[Gloss]]]) -> list[Entry]:
    """Fold each paper's glosses (its head dict with ``doc_id`` and ``meta``, and its glosses)
    into one entry per (Chinese head, foreign original). The first user is the first canonical
    author of the earliest document printing the pair (undated documents come last; ties go to
    the smaller doc_id); the kind is the one most of its occurrences got."""
    from pipeline.refs.names import paper_authors

    entries: dict[tuple[str, str], Entry] = {}
    kinds: dict[tuple[str, str], Counter] = defaultdict(Counter)
    firsts: dict[tuple[str, str], tuple] = {}
    for head, glosses in per_doc:
        meta = head.get("meta") or {}
        year = _year(meta)
        authors = paper_authors(meta)
        rank = (year is None, year or 0, head.get("doc_id", ""))
        for g in glosses:
            key = (g.zh, foreign_key(g.foreign))
            e = entries.get(key)
            if e is None:
                e = entries[key] = Entry(g.zh, g.foreign, g.kind)
            e.occurrences += 1
            kinds[key][g.kind] += 1
            if head.get("doc_id") and head["doc_id"] not in e.docs:
                e.docs.append(head["doc_id"])
            if key not in firsts or rank < firsts[key]:
                firsts[key] = rank
                e.first_user, e.first_year, e.first_doc = (authors[0] if authors else ""), year, head.get("doc_id", "")
    for key, e in entries.items():
        e.kind = kinds[key].most_common(1)[0][0]
    return sorted(entries.values(), key=lambda e: (-e.occurrences, e.zh, e.foreign))


def glossary_rows(entries: Iterable[Entry | dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``data/glossary.csv``: zh, foreign, kind, occurrences, first_user, first_year."""
    rows = []
    for e in entries:
        d = asdict(e) if isinstance(e, Entry) else e
        rows.append({k: d.get(k) for k in ("zh", "foreign", "kind", "occurrences", "first_user", "first_year")})
    return rows


def foreign_for(surface: str, entries: Iterable[Entry | dict[str, Any]]) -> list[str]:
    """The foreign originals printed for a concept surface (most printed first)."""
    out: list[str] = []
    for e in entries:
        d = asdict(e) if isinstance(e, Entry) else e
        if d["zh"] == surface and d["foreign"] not in out:
            out.append(d["foreign"])
    return out


def glossary_aliases(entries: Iterable[Entry | dict[str, Any]], aliases: dict[str, Any] | None) -> dict[str, Any]:
    """Alias entries the corpus prints: each person's Chinese spellings and Latin name as one.

    A person pair (丹·席勒, Dan Schiller) joins the two names; pairs sharing a name join into one
    group. A group is merged only when it is unambiguous: all its Latin names share one family
    name, and the alias file does not already give its members two different canonical names
    (the alias file is the user's word and wins). Refused groups are returned with the reason,
    never merged. The canonical name is the alias file's one when it has one, else the Chinese
    spelling printed most often.

    Returns ``{"authors": {canonical: [variants]}, "refused": [{"names": [...], "reason": ...}]}``.
    """
    from pipeline.refs.names import canonical_name, is_latin, name_key, prepare_aliases, surname

    aliases = prepare_aliases(aliases or {})
    parent: dict[str, str] = {}
    spelled: dict[str, Counter] = defaultdict(Counter)

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for e in entries:
        d = asdict(e) if isinstance(e, Entry) else e
        if d["kind"] != "person" or not is_latin(d["foreign"]):
            continue
        a, b = name_key(d["zh"]), name_key(d["foreign"])
        if not a or not b:
            continue
        spelled[a][d["zh"]] += int(d.get("occurrences") or 1)
        spelled[b][d["foreign"]] += int(d.get("occurrences") or 1)
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for k in parent:
        groups[find(k)].append(k)
    out: dict[str, list[str]] = {}
    refused: list[dict[str, Any]] = []
    index = aliases.get("index") or {}
    for keys in groups.values():
        names = [n for k in sorted(keys) for n, _c in spelled[k].most_common()]
        latin = [n for n in names if is_latin(n)]
        if len({surname(n) for n in latin}) > 1:
            refused.append({"names": names, "reason": "the Latin names printed for it have different family names"})
            continue
        configured = {index[k] for k in keys if k in index}
        if len(configured) > 1:
            refused.append({"names": names, "reason": f"configs/aliases.yaml gives them different names: {sorted(configured)}"})
            continue
        if configured:
            canon = configured.pop()
        else:
            han = Counter({n: c for k in keys for n, c in spelled[k].items() if not is_latin(n)})
            canon = canonical_name(sorted(han.items(), key=lambda x: (-x[1], x[0]))[0][0], aliases) if han else names[0]
        out[canon] = sorted({n for n in names if n != canon})
    return {"authors": out, "refused": refused}


# ---------------------------------------------------------------- the stage

def glossary_stage(papers: Iterable[dict[str, Any]], rules_path: str | Path | None,
                   aliases: dict[str, Any] | None) -> dict[str, Any]:
    """The glossary stage's result from streamed paper dicts: ``entries`` (one dict per pair,
    with the documents that print it), ``aliases`` (person groups for the works stage, see
    ``glossary_aliases``) and ``refused`` (groups not merged, with the reason)."""
    rules = load_rules(rules_path)
    entries = build_glossary((p, paper_glosses(p, rules)) for p in papers)
    linked = glossary_aliases(entries, aliases)
    return {"entries": [asdict(e) for e in entries], "aliases": linked["authors"], "refused": linked["refused"]}
