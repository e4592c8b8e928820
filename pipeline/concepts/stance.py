"""Stance toward the cited: how a citing sentence uses the work its footnote cites.

Labels: ``defines`` (takes the cited work's definition or term), ``supports`` (evidence or
authority), ``extends`` (builds on it), ``contests`` (disagrees or qualifies), ``background`` (a
pointer to the literature). The method is a transparent cue lexicon (``configs/stance.yaml``):
per label, cues for the body sentence and for the footnote, and a priority; the label of the
highest-priority cue that fires wins and the cue is reported with it. Three cues are structural
rather than lexical, each switched on in the same file: a quoted term the footnote carries too
(defines), the citing paper's own authors among the cited (extends), a direct quotation or a
classic (supports). When nothing fires the label is the configured default with cue "".

``classify`` is a pure function of the texts; ``stance_rows`` applies it to a paper (store dict).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.ingest.normalize import to_simplified
from pipeline.yaml_safe import safe_load

LABELS = ("defines", "supports", "extends", "contests", "background")
ADOPTING = ("defines", "supports", "extends")  # a concept page lists these as "adopted"

_CLAUSE_END = "，,；;。！？!?"
_SENT_END = "。！？!?"
_QUOTE = re.compile(r"[“\"「『]([^”\"」』]{1,400})[”\"」』]")


@dataclass(frozen=True)
class Cue:
    text: str  # as written in the config: what the report shows
    pattern: re.Pattern[str]
    needs: tuple[str, ...] = ()

    def find(self, text: str) -> re.Match[str] | None:
        if self.needs and not any(w in text for w in self.needs):
            return None
        return self.pattern.search(text)


@dataclass(frozen=True)
class LabelCues:
    label: str
    priority: int
    body: tuple[Cue, ...] = ()
    note: tuple[Cue, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # quoted_term, self_citation, quotation, classic


@dataclass(frozen=True)
class Lexicon:
    labels: tuple[LabelCues, ...]  # by priority
    default: str = "supports"

    def of(self, label: str) -> LabelCues | None:
        return next((c for c in self.labels if c.label == label), None)


@dataclass(frozen=True)
class Stance:
    label: str
    cue: str  # the deciding cue as the lexicon writes it ("" when the default applies)
    cue_in: str  # body | note | "" (default)
    matched: str = ""  # the text the cue matched, for the evidence column of a page
    priority: int = 99


def _compile(text: str, clause_gap: int, sentence_gap: int) -> re.Pattern[str]:
    """``……`` is a gap within the sentence, ``…`` a gap within one clause."""
    text = to_simplified(text)
    parts = re.split(r"(……|…)", text)
    out = []
    for p in parts:
        if p == "……":
            out.append(f"[^{_SENT_END}]{{0,{sentence_gap}}}?")
        elif p == "…":
            out.append(f"[^{_CLAUSE_END}]{{0,{clause_gap}}}?")
        elif p:
            out.append(re.escape(p))
    return re.compile("".join(out))


def _cues(items: Iterable[Any], clause_gap: int, sentence_gap: int, where: str) -> tuple[Cue, ...]:
    out = []
    for it in items or []:
        if isinstance(it, str):
            text, needs = it, ()
        elif isinstance(it, dict) and isinstance(it.get("cue"), str):
            text, needs = it["cue"], tuple(to_simplified(str(w)) for w in it.get("needs") or [])
        else:
            raise ValueError(f"{where}: a cue is a string or {{cue: ..., needs: [...]}}, not {it!r}")
        if not text.strip("…"):
            raise ValueError(f"{where}: empty cue")
        out.append(Cue(text, _compile(text, clause_gap, sentence_gap), needs))
    return tuple(out)


def lexicon_from_dict(data: dict[str, Any], source: str = "stance lexicon") -> Lexicon:
    gap = data.get("gap") or {}
    cg, sg = int(gap.get("clause", 40)), int(gap.get("sentence", 120))
    labels = []
    for label, spec in (data.get("labels") or {}).items():
        if label not in LABELS:
            raise ValueError(f"{source}: unknown label {label!r} (one of {', '.join(LABELS)})")
        spec = spec or {}
        opts = {k: v for k, v in spec.items() if k not in ("priority", "body", "note")}
        labels.append(LabelCues(label, int(spec.get("priority", 50)),
                                _cues(spec.get("body"), cg, sg, f"{source}: {label}.body"),
                                _cues(spec.get("note"), cg, sg, f"{source}: {label}.note"), opts))
    default = str(data.get("default") or "supports")
    if default not in LABELS:
        raise ValueError(f"{source}: default {default!r} is not a label")
    return Lexicon(tuple(sorted(labels, key=lambda c: c.priority)), default)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: float) -> Lexicon:
    p = Path(path)
    try:
        data = safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"{p}: cannot read the stance lexicon: {e}") from e
    return lexicon_from_dict(data, str(p))


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The lexicon of a YAML file (default: the packaged ``configs/stance.yaml``)."""
    if path:
        p = Path(path)
    else:
        from pipeline.settings.files import packaged_configs

        p = packaged_configs() / "stance.yaml"
    return _load(str(p.resolve()), p.stat().st_mtime if p.exists() else 0.0)


def body_scope(sentence: str, marker_pos: int | None, after: int = 0) -> str:
    """The part of the sentence a marker vouches for: from the previous marker in the sentence
    (``after``) to the end of the clause holding this marker. Without a position: all of it."""
    if marker_pos is None:
        return sentence[after:]
    end = marker_pos
    while end < len(sentence) and sentence[end] not in _CLAUSE_END:
        end += 1
    return sentence[after:end]


def _name_key(name: str) -> str:
    return to_simplified(name).replace("·", "").replace("•", "").replace(" ", "").strip()


def classify(sentence: str, note: str, marker_pos: int | None = None, *, after: int = 0,
             cited_authors: Sequence[str] = (), citing_authors: Sequence[str] = (), classic: bool = False,
             lexicon: Lexicon | None = None) -> Stance:
    """The stance of one citation: ``sentence`` is the body sentence holding the marker (markers
    removed; "" for a note no marker calls), ``note`` the footnote's text, ``marker_pos`` the
    marker's offset in the sentence (None: unknown, the whole sentence counts)."""
    lex = lexicon or load_lexicon()
    body = to_simplified(body_scope(sentence or "", marker_pos, after))
    note_s = to_simplified(note or "")
    for lc in lex.labels:
        s = _fire(lc, body, note_s, cited_authors, citing_authors, classic)
        if s is not None:
            return s
    return Stance(lex.default, "", "", "", 99)


def _fire(lc: LabelCues, body: str, note: str, cited: Sequence[str], citing: Sequence[str],
          classic: bool) -> Stance | None:
    for c in lc.body:
        m = c.find(body)
        if m:
            return Stance(lc.label, c.text, "body", m.group(0), lc.priority)
    for c in lc.note:
        m = c.find(note)
        if m:
            return Stance(lc.label, c.text, "note", m.group(0), lc.priority)
    o = lc.options
    if o.get("quoted_term"):
        lo, hi = int(o["quoted_term"].get("min_chars", 2)), int(o["quoted_term"].get("max_chars", 8))
        for q in _QUOTE.finditer(body):
            term = q.group(1).strip()
            if lo <= len(term) <= hi and not any(ch in term for ch in _CLAUSE_END + "：:") and term in note:
                return Stance(lc.label, f"“{term}”", "body", q.group(0), lc.priority)
    if o.get("self_citation"):
        mine = {_name_key(a) for a in citing if a}
        shared = [a for a in cited if a and _name_key(a) in mine]
        if shared:
            return Stance(lc.label, "自引 self-citation: " + "、".join(shared), "note", "", lc.priority)
    if o.get("quotation"):
        lo = int(o["quotation"].get("min_chars", 8))
        for q in _QUOTE.finditer(body):
            if len(q.group(1)) >= lo:
                return Stance(lc.label, q.group(0), "body", q.group(0), lc.priority)
    if o.get("classic") and classic:
        return Stance(lc.label, "经典文献 classic", "note", "", lc.priority)
    return None


STANCE_COLUMNS = ["doc_id", "footnote_n", "cited_authors", "label", "cue", "cue_in"]


def stance_rows(paper: dict[str, Any], lexicon: Lexicon | None = None) -> list[dict[str, Any]]:
    """One row per footnote of a paper (store dict) that cites a work (has a parsed reference).
    A footnote several markers call takes the highest-priority stance among its sentences (a
    dispute anywhere is a dispute); a note no marker calls is read alone. ``sentence`` and
    ``matched`` are kept for the pages (data/stances.csv has STANCE_COLUMNS only)."""
    lex = lexicon or load_lexicon()
    meta = paper.get("meta") or {}
    citing = list(meta.get("authors_canonical") or []) + list(meta.get("authors") or [])
    # (sentence, marker offset or None, offset of the previous marker in it) per footnote
    sentences: dict[int, list[tuple[str, int | None, int]]] = {}
    for sec in paper.get("sections") or []:
        for para in sec.get("sentences") or []:
            for x in para:
                pos = x.get("marker_pos") or []
                for i, n in enumerate(x.get("footnotes") or []):
                    at = pos[i] if len(pos) == len(x["footnotes"]) else None
                    prev = pos[i - 1] if at is not None and i > 0 else 0
                    sentences.setdefault(int(n), []).append((x["text"], at, prev))
    for c in paper.get("citations") or []:  # markers outside paragraphs (headings), or a store without sentences
        if int(c["n"]) not in sentences and c.get("sentence"):
            sentences[int(c["n"])] = [(c["sentence"], None, 0)]
    rows = []
    for f in paper.get("footnotes") or []:
        refs = f.get("refs") or []
        if not refs:
            continue  # an explanatory note cites no work: no stance toward a cited work
        n = int(f["n"])
        cited: list[str] = []
        for r in refs:
            for a in r.get("authors_canonical") or r.get("authors") or []:
                if a not in cited:
                    cited.append(a)
        classic = any(r.get("classic") for r in refs)
        best: tuple[Stance, str] | None = None
        for s, at, prev in sentences.get(n) or [("", None, 0)]:
            st = classify(s, f.get("text") or "", at, after=prev, cited_authors=cited, citing_authors=citing,
                          classic=classic, lexicon=lex)
            if best is None or st.priority < best[0].priority:
                best = (st, s)
        assert best is not None
        st, s = best
        rows.append({"doc_id": paper["doc_id"], "footnote_n": n, "cited_authors": ";".join(cited), "label": st.label,
                     "cue": st.cue, "cue_in": st.cue_in, "matched": st.matched, "sentence": s})
    return rows


def stance_inputs(paper: dict[str, Any]) -> dict[str, Any]:
    """The part of a paper (store dict) that ``stance_rows`` reads, whatever the lexicon: its id,
    its authors, the sentences that call a footnote, its citations, and its footnotes that cite a
    work. ``stance_rows`` of it equals ``stance_rows`` of the paper. Computed with the paper's
    features in the worker pool (``runner/features.py``): reading whole papers back from the
    store was all of the stance stage's time on a corpus of few citing notes."""
    meta = paper.get("meta") or {}
    sections = []
    for sec in paper.get("sections") or []:
        sents = sec.get("sentences")
        sections.append({"sentences": [[x for x in para if x.get("footnotes")] for para in sents]} if sents else {})
    return {"doc_id": paper["doc_id"],
            "meta": {"authors_canonical": meta.get("authors_canonical") or [], "authors": meta.get("authors") or []},
            "sections": sections, "citations": paper.get("citations") or [],
            "footnotes": [f for f in paper.get("footnotes") or [] if f.get("refs")]}


def stance_index(result: Any) -> dict[tuple[str, int], dict[str, Any]]:
    """(doc_id, footnote_n) -> row of a stance stage result (empty for none)."""
    rows = (result or {}).get("rows") or [] if isinstance(result, dict) else []
    return {(r["doc_id"], int(r["footnote_n"])): r for r in rows}


def concept_stances(trace: dict[str, Any], stances: dict[tuple[str, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """The stance of every citation a concept's mentions are attributed to: one row per
    (document, footnote), with the citing authors, the cited authors and the sentence."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for m in trace.get("mentions") or []:
        for a in m.get("attributed") or []:
            n = a.get("footnote_n")
            if n is None:
                continue
            key = (m["doc_id"], int(n))
            row = stances.get(key)
            if row is None or key in out:
                continue
            out[key] = {"doc_id": m["doc_id"], "footnote_n": int(n), "citing": list(m.get("doc_authors") or []),
                        "year": m.get("year"), "cited": [x for x in row["cited_authors"].split(";") if x],
                        "label": row["label"], "cue": row["cue"], "cue_in": row["cue_in"],
                        "sentence": m.get("sentence") or row.get("sentence") or ""}
    return sorted(out.values(), key=lambda r: (r["year"] is None, r["year"] or 0, r["doc_id"], r["footnote_n"]))


def attach_stances(trace: dict[str, Any] | None, stance_result: Any) -> dict[str, Any] | None:
    """A trace with its citations' stances: on the spread edges (``stance``, ``stance_cue``) and
    as ``stances`` (``concept_stances``), which the concept page splits into adopted/disputed."""
    if trace is None:
        return None
    from .spread import annotate_stance

    index = stance_index(stance_result)
    annotate_stance(trace.get("spread") or [], index)
    trace["stances"] = concept_stances(trace, index)
    return trace
