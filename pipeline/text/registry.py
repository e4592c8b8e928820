"""The concept registry: tracked concepts, every surface form, and lookup by surface.

``configs/concepts.yaml`` lists each concept once (canonical simplified name, variants, English).
Surfaces are stored in the matching form of :func:`pipeline.text.protect.fast_normalize`, so one
entry covers its traditional, full-width, dash (中心-散点, 中心——散点) and quote variants: the text
is folded the same way before it is matched.

Example::

    >>> reg = load_registry("configs/concepts.yaml")
    >>> reg.lookup("數字食利性")
    '数字食利国'
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.settings.files import packaged_configs, resolve_path
from pipeline.text.protect import fast_normalize
from pipeline.yaml_safe import safe_load

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = packaged_configs() / "concepts.yaml"


def resolve_config_path(path: str | Path | None, default: Path, root: str | Path | None = None) -> Path:
    """A config path as given; relative ones against ``root`` (the project folder, default the
    current directory), and ``configs/…`` files the project lacks from litmap's own copy."""
    if path is None:
        return default
    return resolve_path(root or Path.cwd(), path)


def registry_path_of(cfg: dict | None) -> Path:
    """The registry file a whole config names (``concepts.registry``), else the packaged one."""
    cfg = cfg or {}
    conc = cfg.get("concepts")
    rel = conc.get("registry") if isinstance(conc, dict) else None
    return resolve_config_path(rel, DEFAULT_PATH, cfg.get("_root"))


@dataclass
class Concept:
    name: str  # canonical, simplified (normalized)
    variants: list[str] = field(default_factory=list)  # normalized, without the name itself
    en: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys other stages add (kept, not used here)

    @property
    def surfaces(self) -> list[str]:
        return [self.name, *self.variants]


class Registry:
    """Concepts and a surface → concept map; Latin surfaces match case-insensitively."""

    def __init__(self, concepts: Iterable[Concept] = ()):
        self.concepts: list[Concept] = []
        self._by_surface: dict[str, str] = {}  # casefolded normalized surface -> concept name
        self._display: dict[str, str] = {}  # casefolded -> surface as written in the registry
        for c in concepts:
            self.add(c)

    @classmethod
    def empty(cls) -> Registry:
        return cls()

    def add(self, concept: Concept) -> None:
        """Add a concept; a surface already owned by another concept keeps its first owner."""
        name = fast_normalize(concept.name).strip()
        variants = []
        for v in concept.variants:
            nv = fast_normalize(str(v)).strip()
            if nv and nv != name and nv not in variants:
                variants.append(nv)
        c = Concept(name, variants, concept.en, dict(concept.extra))
        self.concepts.append(c)
        for s in c.surfaces:
            key = s.casefold()
            if key not in self._by_surface:
                self._by_surface[key] = c.name
                self._display[key] = s

    @property
    def surfaces(self) -> list[str]:
        """Every surface form (normalized), longest first so callers that scan get longest-match."""
        return sorted(self._display.values(), key=lambda s: (-len(s), s))

    def names(self) -> list[str]:
        return [c.name for c in self.concepts]

    def lookup(self, surface: str) -> str | None:
        """Concept name of an exact surface (normalized here too, so raw text forms also work)."""
        key = surface.casefold()
        hit = self._by_surface.get(key)
        if hit is None:
            hit = self._by_surface.get(fast_normalize(surface).strip().strip("“”\"'‘’").casefold())
        return hit

    def canonical_surface(self, surface: str) -> str | None:
        """The registry's own spelling of a surface (restores the case of Latin surfaces)."""
        return self._display.get(surface.casefold())

    def get(self, name: str) -> Concept | None:
        for c in self.concepts:
            if c.name == name:
                return c
        return None

    def __len__(self) -> int:
        return len(self.concepts)

    def __contains__(self, surface: str) -> bool:
        return self.lookup(surface) is not None

    def find(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, surface, concept) over ``fast_normalize(text)``, longest leftmost matches."""
        from pipeline.text.protect import Protector

        if not hasattr(self, "_protector"):
            self._protector = Protector(self)
        norm = fast_normalize(text)
        return [(s, e, tok, self._by_surface[tok.casefold()]) for s, e, tok in self._protector.spans(norm)]


def load_registry(path: str | Path | None = None) -> Registry:
    """Read ``concepts.yaml`` (``concepts: [{name, variants, en, ...}]``); a missing file is an error."""
    p = resolve_config_path(path, DEFAULT_PATH)
    data = safe_load(p.read_text(encoding="utf-8")) or {}
    concepts = []
    for item in data.get("concepts") or []:
        if isinstance(item, str):  # a bare name is a valid one-line promotion
            item = {"name": item}
        extra = {k: v for k, v in item.items() if k not in ("name", "variants", "en")}
        concepts.append(Concept(str(item["name"]), [str(v) for v in item.get("variants") or []],
                                item.get("en"), extra))
    return Registry(concepts)
