"""Definitions by author: the sentences that define or characterize a tracked concept, and who
gives the definition (issue 17).

A cue of ``configs/definitions.yaml`` is a regex with ``{X}`` for the concept; it counts only
where ``{X}`` is the concept mention itself (same place in the sentence), so the cue binds to the
concept and not to any word of the sentence. The definer is the paper's own authors (``self``)
unless a footnote attributes the sentence: a sentence inside a note belongs to the works the note
cites; a body sentence to the work of its last marker (a marker closes the sentence it sources),
except when the sentence ends on a quotation without the concept, which that marker sources
instead. Everything here is a pure function of the mentions ``find_mentions`` gives.

Example::

    >>> cues = load_cues()
    >>> m = {"concept": "数字资本", "surface": "数字资本", "start": 0, "doc_id": "d", "where": "body",
    ...      "year": 2025, "sentence": "数字资本是数字化生产的历史产物。", "attributed": []}
    >>> [(d.concept, d.definer, d.kind, d.cue) for d in definitions_of([m], cues)]
    [('数字资本', 'self', 'definition', '数字资本是数字化生产的历史产物')]
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..yaml_safe import safe_load

COLUMNS = ["concept", "definer", "definer_footnote", "year", "doc_id", "where", "sentence", "cue", "kind"]
KINDS = ("definition", "characterization")
SELF = "self"
_CLAUSE_END = re.compile(r"[，,。；;！？!?]")
_MACRO = re.compile(r"\{([A-Z_]+)\}")


@dataclass(frozen=True)
class Cue:
    name: str
    kind: str
    pattern: str  # macros spelled out, {X} left in


@dataclass(frozen=True)
class CueSet:
    cues: tuple[Cue, ...]
    skip: tuple[str, ...] = ()
    classic_definers: tuple[tuple[str, str], ...] = ()
    source: str = ""

    def compiled(self, cue: Cue, surface: str) -> re.Pattern[str]:
        return _compile(cue.pattern, surface)

    def skipped(self, sentence: str) -> bool:
        return any(re.search(p, sentence) for p in self.skip)


@dataclass
class Definition:
    concept: str
    definer: str  # "self" or the cited authors (、 within a work, ； between works)
    definer_footnote: int | None
    year: int | None  # the cited work's year for a cited definer, else the paper's
    doc_id: str
    where: str
    sentence: str
    cue: str  # the matched words, to the end of their clause
    kind: str
    cue_name: str = ""
    surface: str = ""
    doc_authors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COLUMNS}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=20000)
def _compile(pattern: str, surface: str) -> re.Pattern[str]:
    return re.compile(pattern.replace("{X}", "(?P<X>" + re.escape(surface) + ")"))


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for _ in range(5):  # macros may use macros
        new = _MACRO.sub(lambda m: macros.get(m.group(1), m.group(0)) if m.group(1) != "X" else m.group(0), pattern)
        if new == pattern:
            break
        pattern = new
    return pattern


def default_cue_file() -> Path:
    from ..config import resolve

    return resolve({}, "configs/definitions.yaml")


def load_cues(path: str | Path | None = None) -> CueSet:
    """The cue file (default: ``configs/definitions.yaml``), each pattern checked to compile."""
    p = Path(path) if path else default_cue_file()
    try:
        data = safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"{p}: cannot read the definition cues: {e}") from e
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    cues = []
    for i, c in enumerate(data.get("cues") or []):
        if not isinstance(c, dict) or not c.get("pattern"):
            raise ValueError(f"{p}: cue {i + 1} has no pattern")
        kind = c.get("kind", "definition")
        if kind not in KINDS:
            raise ValueError(f"{p}: cue {c.get('name') or i + 1}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        pat = _expand(str(c["pattern"]), macros)
        if "{X}" not in pat:
            raise ValueError(f"{p}: cue {c.get('name') or i + 1} has no {{X}} (the concept's place)")
        try:
            _compile(pat, "X")
        except re.error as e:
            raise ValueError(f"{p}: cue {c.get('name') or i + 1} is not a valid regex: {e}") from e
        cues.append(Cue(str(c.get("name") or f"cue {i + 1}"), kind, pat))
    classics = tuple((str(k), str(v)) for k, v in (data.get("classic_definers") or {}).items())
    return CueSet(tuple(cues), tuple(str(s) for s in data.get("skip") or ()), classics, str(p))


def match_cue(sentence: str, surface: str, start: int, cues: CueSet,
              others: tuple[int, ...] = ()) -> tuple[Cue, str, int] | None:
    """The first cue whose {X} is the mention at ``start``, with the cue's words (from the match
    to the end of its clause) and where they start, or None. ``others``: where the sentence's other concepts start; a
    cue with a ``cue`` group after {X} (X…，即…的形态) restates the concept nearest before it, so
    another concept between the two takes it."""
    for cue in cues.cues:
        rx, pos = cues.compiled(cue, surface), 0
        while pos <= len(sentence):
            # overlapping search: a cue beginning inside an earlier match is still seen
            m = rx.search(sentence, pos)
            if m is None:
                break
            pos = m.start() + 1
            if m.start("X") != start:
                continue
            if "cue" in rx.groupindex and m.start("cue") > m.end("X") and \
                    any(m.end("X") <= o < m.start("cue") for o in others):
                continue
            if "cue" in rx.groupindex and m.start("cue") >= 0:
                lo = m.start("cue")
            else:  # from the clause that holds the concept (not a connective before it: 因此，X作为…)
                cut = max(sentence.rfind(p, m.start(), start) for p in "，,；;：:")
                lo = max(m.start(), cut + 1)
            while lo < len(sentence) and sentence[lo] in "，,；;：: ":
                lo += 1
            end = _CLAUSE_END.search(sentence, max(m.end(), m.end("X")))
            hi = end.start() if end else len(sentence)
            if m.end() > hi:  # a cue spanning clauses (…，即…的形态) is shown whole
                hi = m.end()
            return cue, sentence[lo:hi].strip(), lo
    return None


def _after_foreign_quote(sentence: str, at: int, surface: str) -> bool:
    """Whether a marker at ``at`` closes a quotation that does not hold the concept: it sources
    the quotation, not the sentence's claim about the concept."""
    if at <= 0 or sentence[at - 1] not in "”\"’":
        return False
    opening = max(sentence.rfind("“", 0, at - 1), sentence.rfind('"', 0, at - 1))
    return surface.strip("“”\"'") not in sentence[max(opening, 0):at]


def _ends_on_foreign_quote(sentence: str, surface: str) -> bool:
    """Whether the sentence closes on a quotation that does not hold the concept: the marker
    after it sources the quotation, not the sentence's claim about the concept."""
    s = sentence.rstrip("。.！!？? ")
    if not s.endswith(("”", "\"", "’")):
        return False
    opening = max(s.rfind("“"), s.rfind('"', 0, len(s) - 1))
    quoted = s[opening:] if opening >= 0 else s
    bare = surface.strip("“”\"'")
    return bare not in quoted


def _names(entry: dict[str, Any], classics: tuple[tuple[str, str], ...]) -> list[str]:
    names = [str(a) for a in (entry.get("authors_canonical") or entry.get("authors") or []) if a]
    if names:
        return names
    title = entry.get("title") or ""
    if entry.get("type") == "classic" or entry.get("classic"):
        for key, who in classics:
            if key in title:
                return [who]
    return []


def definer_of(mention: dict[str, Any], cues: CueSet, cue_start: int = 0) -> tuple[str, int | None, int | None]:
    """(definer, footnote, year of the cited work) of a defining sentence; ("self", None, None)
    when no footnote gives it to a cited work. Where the markers' places are known (``markers``:
    [footnote, offset] pairs), the definer is the first marker at or after the cue's words that
    does not close a quotation without the concept; a marker before them sources something else."""
    attributed = mention.get("attributed") or []
    if not attributed:
        return SELF, None, None
    sentence, surface = mention.get("sentence") or "", mention.get("surface") or mention["concept"]
    if mention.get("where") == "footnote":
        n = mention.get("footnote_n") or attributed[-1].get("footnote_n")
    elif mention.get("markers"):
        n = next((fn for fn, at in sorted(mention["markers"], key=lambda x: x[1])
                  if at >= cue_start and not _after_foreign_quote(sentence, at, surface)), None)
        if n is None:
            return SELF, None, None
    else:
        n = attributed[-1].get("footnote_n")  # the last marker: the one closing the sentence
        if _ends_on_foreign_quote(mention.get("sentence") or "", mention.get("surface") or mention["concept"]):
            return SELF, None, None
    works, years = [], []
    for a in attributed:
        if a.get("footnote_n") != n:
            continue
        names = _names(a, cues.classic_definers)
        if names and "、".join(names) not in works:
            works.append("、".join(names))
            if a.get("year"):
                try:
                    years.append(int(a["year"]))
                except (TypeError, ValueError):
                    pass
    if not works:
        return SELF, None, None  # a note with no cited work: the authors' own remark
    return "；".join(works), n, min(years) if years else None


def _unit(m: dict[str, Any]) -> tuple:
    return (m["doc_id"], m.get("where"), m.get("paragraph"), m.get("sentence_index"), m.get("footnote_n"),
            m.get("sentence"))


def definitions_of(mentions: list[dict[str, Any]], cues: CueSet) -> list[Definition]:
    """The definitions among concept mentions (``find_mentions`` dicts): one per concept and
    sentence, in the order of the mentions. Titles, keywords, headings and a cited work's own
    title inside a note define nothing."""
    out: list[Definition] = []
    seen: set[tuple] = set()
    starts: dict[tuple, list[tuple[int, str]]] = {}
    for m in mentions:
        starts.setdefault(_unit(m), []).append((m.get("start") or 0, m["concept"]))
    # The other concepts' starts in a mention's sentence, once per (sentence, concept): gathered
    # per mention they cost the square of a sentence's mentions (a 15 MB line of one concept,
    # 1.25 M mentions in one unit, ran for hours; bench/adversarial.py concept_line).
    others_of: dict[tuple, tuple[int, ...]] = {}
    # Whether a sentence can hold a definition of a surface at all (not skipped, some cue
    # matches somewhere in it), once per (sentence, surface): the mentions of one sentence share
    # it, and trying every cue at every mention of a long sentence that holds no cue was most of
    # the stage (84 µs a mention on the 15 MB line).
    possible: dict[tuple[str, str], bool] = {}
    for m in mentions:
        if m.get("where") in ("title", "keywords") or m.get("heading") or m.get("funding_note"):
            continue
        if m.get("in_ref") is not None:
            continue
        key = (*_unit(m), m["concept"])
        if key in seen:
            continue
        sentence = m.get("sentence") or ""
        if not sentence:
            continue
        can = possible.get((sentence, m["surface"]))
        if can is None:
            can = possible[(sentence, m["surface"])] = not cues.skipped(sentence) and any(
                cues.compiled(c, m["surface"]).search(sentence) for c in cues.cues)
        if not can:
            continue
        others = others_of.get(key)
        if others is None:
            others = others_of[key] = tuple(o for o, c in starts[_unit(m)] if c != m["concept"])
        hit = match_cue(sentence, m["surface"], m.get("start") or 0, cues, others)
        if hit is None:
            continue
        seen.add(key)
        cue, words, cue_start = hit
        definer, fn, cited_year = definer_of(m, cues, cue_start)
        year = cited_year if definer != SELF and cited_year else m.get("year")
        out.append(Definition(concept=m["concept"], definer=definer, definer_footnote=fn, year=year,
                              doc_id=m["doc_id"], where=m.get("where") or "", sentence=sentence, cue=words,
                              kind=cue.kind, cue_name=cue.name, surface=m["surface"],
                              doc_authors=list(m.get("doc_authors") or [])))
    return out


def divergent(defs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Concepts that different definers define differently: per concept, one row per definer
    with its first definition, kept where two or more definers give one (the front page's block)."""
    by: dict[str, dict[str, dict[str, Any]]] = {}
    for d in defs:
        if d.get("kind") != "definition":
            continue
        who = d["definer"] if d["definer"] != SELF else "、".join(d.get("doc_authors") or []) or SELF
        by.setdefault(d["concept"], {}).setdefault(who, d)
    return [{"concept": c, "definers": [{"definer": w, **{k: d[k] for k in ("year", "doc_id", "cue", "sentence")}}
                                        for w, d in sorted(ds.items(), key=lambda x: (x[1].get("year") or 0, x[0]))]}
            for c, ds in by.items() if len(ds) >= 2]
