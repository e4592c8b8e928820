"""The run's alias table: the file ``refs.aliases`` names, extended with the person groups the
glossary stage found printed in the corpus (丹·席勒（Dan Schiller）); the file wins."""
from __future__ import annotations

from typing import Any

from ..config import resolve
from .names import load_aliases, name_key, prepare_aliases


def run_aliases(cfg: dict[str, Any]) -> dict[str, Any]:
    """The alias file of the run's settings (the file the works stage's key hashes), or none."""
    path = resolve(cfg, cfg["refs"]["aliases"])
    return load_aliases(path) if path and path.is_file() else {}


def extend_aliases(aliases: dict[str, Any] | None, extra: dict[str, list[str]]) -> dict[str, Any]:
    """``aliases`` with the glossary's person groups added; a name the alias file already
    maps keeps its mapping (the file wins)."""
    base = prepare_aliases(aliases or {})
    authors = {k: list(v) for k, v in base["authors"].items()}
    index = dict(base["index"])
    added: dict[str, str] = {}
    for canon, variants in extra.items():
        for v in [canon, *variants]:
            k = name_key(v)
            if k and k not in index:
                index[k] = added[k] = canon
                authors.setdefault(canon, [])
                if v != canon:
                    authors[canon].append(v)
    return {"authors": authors, "works": base["works"], "index": index, "glossary_index": added}
