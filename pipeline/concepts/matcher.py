"""Find concept surfaces in printed text and map each hit back to the characters as printed.

Matching runs on the folded form (:func:`pipeline.text.protect.normalize_map`: script, dash,
quote, full-width and zero-width variants), with the registry's longest-leftmost rule, so
数字资本主义 is never also a hit of 数字资本. Two folds are added here because the literature
prints them and the registry cannot list them:

* glosses inside a compound (“中心（工业国）—外围（原材料供应国）” is 中心—外围): a second pass
  runs over the text with short parenthesised glosses removed and keeps the hits that span one;
* the quotes around a hit belong to its surface (“数字食利国”), as the gold labels it.

Example::

    >>> from pipeline.text.registry import load_registry
    >>> m = ConceptMatcher(load_registry())
    >>> [(h.concept, h.surface) for h in m.find("所谓“數字食利國”")]
    [('数字食利国', '“數字食利國”')]
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from pipeline.text.protect import Protector, fast_normalize, normalize_map
from pipeline.text.registry import Concept, Registry

# A short gloss in brackets straight after a Han character: 中心（工业国）.
_GLOSS = re.compile(r"(?<=[\u3400-\u9fff])[（(][^（）()\n]{1,15}[）)]")
_DASH_AFTER_GLOSS = re.compile(r"[—–\-－―‒]{1,2}")
_OPEN = {"“": "”", "「": "」", "『": "』", "\"": "\"", "‘": "’", "〝": "〞"}


@dataclass
class Hit:
    start: int  # offsets in the printed text, quotes included
    end: int
    concept: str
    term: str  # the registry surface matched (normalized)
    surface: str  # as printed, with its quotes when quoted
    quoted: bool
    variant: bool  # not the concept's own name (a relative, a gloss, an English form)


def _sub_with_map(text: str, idx: Sequence[int], pattern: re.Pattern[str],
                  repl: Callable[[re.Match[str]], str]) -> tuple[str, list[int]]:
    """``pattern.sub`` that keeps, for each output character, the index its source had."""
    out: list[str] = []
    new_idx: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        new_idx.extend(idx[pos:m.start()])
        r = repl(m)
        out.append(r)
        new_idx.extend([idx[m.start()]] * len(r))
        pos = m.end()
    out.append(text[pos:])
    new_idx.extend(idx[pos:])
    return "".join(out), new_idx


class ConceptMatcher:
    """Registry concepts (longest match) plus free ``terms`` (every occurrence, overlaps allowed).

    ``only``: report just these concepts (registry names, after lookup) — used by ``litmap trace``.
    """

    def __init__(self, registry: Registry, terms: Iterable[str] | None = None) -> None:
        self.registry = registry
        self._protector = Protector(registry)
        self.only: set[str] | None = None
        extra: list[Concept] = []
        if terms is not None:
            self.only = set()
            for t in terms:
                name = registry.lookup(t)
                if name is not None:
                    self.only.add(name)
                elif fast_normalize(t).strip():
                    extra.append(Concept(fast_normalize(t).strip()))
        # Terms outside the registry are matched on their own: a free term inside a registry
        # surface (帝国主义 in 数字帝国主义) is still an occurrence of what the user asked for.
        self._free = Registry(extra) if extra else None
        self._free_protector = Protector(self._free) if self._free else None
        # A line of one concept repeated is a million hits of a few surfaces: each is looked
        # up and folded once, not once per hit.
        self._concepts: dict[str, str] = {}
        self._variant: dict[tuple[str, str], bool] = {}

    def _concept_of(self, surface: str) -> str:
        c = self._concepts.get(surface)
        if c is None:
            c = self._concepts[surface] = self.registry.lookup(surface) or surface
        return c

    def find(self, text: str) -> list[Hit]:
        if not text:
            return []
        norm, idx = normalize_map(text)
        raw: list[tuple[int, int, str, str, bool]] = []  # norm start, end, term, concept, glossed
        if self.only is None or self.only:
            for s, e, term in self._protector.spans(norm):
                raw.append((s, e, term, self._concept_of(term), False))
            raw.extend(self._gloss_hits(norm, raw))
            if self.only is not None:
                raw = [h for h in raw if h[3] in self.only]
        if self._free_protector is not None:
            for s, e, term in self._free_protector.spans(norm):
                raw.append((s, e, term, term, False))
        raw.sort(key=lambda h: (h[0], -h[1]))
        return [self._hit(text, idx, *h) for h in raw]

    def _gloss_hits(self, norm: str, taken: list[tuple[int, int, str, str, bool]]) -> list[tuple[int, int, str, str, bool]]:
        if "（" not in norm and "(" not in norm:
            return []
        stripped, smap = _sub_with_map(norm, range(len(norm)), _GLOSS, lambda m: "")
        if len(stripped) == len(norm):
            return []
        # A dash left between Han characters after the gloss went is a compound dash again.
        stripped, smap = _sub_with_map(stripped, smap, re.compile(r"(?<=[\u3400-\u9fff])[—–\-－―‒]{1,2}(?=[\u3400-\u9fff])"),
                                       lambda m: "—")
        out = []
        # the plain pass's spans are sorted and do not overlap: the last one starting before a
        # span's end is the only one that can reach into it (a bisection, not a scan per hit)
        starts = [h[0] for h in taken]
        for s, e, term in self._protector.spans(stripped):
            ns, ne = smap[s], smap[e - 1] + 1
            if ne - ns == e - s:  # spans no gloss: the plain pass has it already
                continue
            k = bisect_left(starts, ne) - 1
            if k >= 0 and taken[k][1] > ns:
                continue
            out.append((ns, ne, term, self._concept_of(term), True))
        return out

    def _hit(self, text: str, idx: list[int], s: int, e: int, term: str, concept: str, glossed: bool) -> Hit:
        start, end = idx[s], idx[e - 1] + 1
        quoted = False
        if start > 0 and text[start - 1] in _OPEN:
            close = _OPEN[text[start - 1]]
            after = end
            g = _GLOSS.match(text, after)  # 外围（原材料供应国）” : the gloss sits inside the quotes
            if g and text[g.end():g.end() + 1] == close:
                after = g.end()
            if text[after:after + 1] == close:
                start, end, quoted = start - 1, after + 1, True
        variant = self._variant.get((term, concept))
        if variant is None:
            variant = self._variant[(term, concept)] = fast_normalize(term).casefold() != fast_normalize(concept).casefold()
        variant = glossed or variant
        return Hit(start, end, concept, term, text[start:end], quoted, variant)
