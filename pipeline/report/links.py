"""Where every page of the report lives, so any section can link to any other.

Paths are relative to the report root; a page one level down prefixes ``../``. File names are
ASCII (a readable part plus a short hash) so the report survives zip tools and file systems
that mangle non-ASCII names.
"""
from __future__ import annotations

import functools
import hashlib
import re
from typing import Any


def _h(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def slug(name: str, en: str | None = None) -> str:
    """An ASCII file stem: the English rendering when there is one, plus a short hash (unique)."""
    base = re.sub(r"[^a-z0-9]+", "-", (en or "").lower()).strip("-")[:40]
    h = _h(name, 6)
    return f"{base}-{h}" if base else f"c-{h}"


def paper_href(doc_id: str, anchor: str | None = None) -> str:
    return f"papers/{re.sub(r'[^A-Za-z0-9_.-]', '_', doc_id)}.html" + (f"#{anchor}" if anchor else "")


_PEOPLE: dict[str, Any] = {"aliases": None}


def use_aliases(aliases: dict[str, Any] | None) -> None:
    """The alias table the report folds names with (the run's ``refs.aliases``): every link to a
    person, whatever spelling a stage result carries (劉皓琰, John Bellamy Foster), lands on the
    one page of that person."""
    if aliases is not _PEOPLE["aliases"]:
        _PEOPLE["aliases"] = aliases
        _author_stem.cache_clear()


def author_href(name: str, anchor: str | None = None) -> str:
    return f"authors/{_author_stem(str(name))}.html" + (f"#{anchor}" if anchor else "")


@functools.lru_cache(maxsize=1 << 16)
def _author_stem(name: str) -> str:
    # Cached: every page links the same few thousand names, each link a fold, a regex and a SHA-1.
    from pipeline.refs.names import canonical_name

    name = canonical_name(name, _PEOPLE["aliases"]) or name
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    return f"{base}-{_h(name)}" if base else f"a-{_h(name)}"


def topic_href(topic_id: Any, anchor: str | None = None) -> str:
    return f"topics/topic-{topic_id}.html" + (f"#{anchor}" if anchor else "")


def concept_slugs(res: dict[str, Any] | None) -> dict[str, str]:
    """concept name -> page path, in the order the concept section lists them (stable, unique)."""
    if not res:
        return {}
    traces = res.get("traces") or {}
    en_of = {s["concept"]: s.get("en") for s in res.get("summary") or []}
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in [s["concept"] for s in res.get("summary") or []] + sorted(set(traces) - set(en_of)):
        if name not in traces or name in out:
            continue
        s = slug(name, en_of.get(name))
        while s in used:
            s += "-x"
        used.add(s)
        out[name] = f"concepts/{s}.html"
    return out


def mention_anchor(m: dict[str, Any]) -> str:
    """The anchor on a paper page holding a concept mention (paragraph, footnote or metadata)."""
    if m.get("where") == "footnote" and m.get("footnote_n") is not None:
        return f"fn{m['footnote_n']}"
    if m.get("paragraph") is not None:
        return f"p{m['paragraph']}"
    if m.get("where") == "footnote":
        return "footnotes"
    if m.get("where") == "body":
        return "body"
    return "meta"
