"""Concept mentions of one paper: where, the sentence, KWIC context and attribution.

Units follow the gold's conventions (../shared/gold/seed/README.md): title, abstract, keywords,
body (headings are body text), footnotes (the funding note is a footnote). A body mention is
attributed to the references of the footnote markers in its own sentence; a footnote mention
to its own footnote. Works on the store dict of a paper (``Paper.to_store_dict()``) or a Paper.

Example::

    >>> from pathlib import Path
    >>> from pipeline.ingest.readers import read_text_file
    >>> from pipeline.structure.paper import build_paper
    >>> from pipeline.text.registry import load_registry
    >>> text = ("数字资本的新变化\\n陈灏\\n[摘要]平台正在变成“数字食利国”。\\n[关键词]数字食利国\\n一、问题的提出\\n"
    ...         "所谓“数字食利国”加快了对全球市场的瓜分^①。\\n"
    ...         "① 参见温旭：《数字金融帝国主义的本质逻辑与超越路径》，《经济学家》2024年第4期。\\n")
    >>> paper = build_paper(read_text_file(Path("x.txt"), text.encode(), "x.txt")[0]).to_store_dict()
    >>> ms = find_mentions(paper, load_registry())
    >>> [(m["surface"], m["where"], [a["authors"] for a in m["attributed"]]) for m in ms if m["concept"] == "数字食利国"]
    [('“数字食利国”', 'abstract', []), ('数字食利国', 'keywords', []), ('“数字食利国”', 'body', [['温旭']])]
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.concepts.attribution import attribution_for_footnote, footnote_index
from pipeline.concepts.matcher import ConceptMatcher, Hit
from pipeline.refs.names import paper_authors
from pipeline.settings.fill import filled
from pipeline.structure.sentences import split_sentences
from pipeline.text.registry import Registry

# How long a footnote's references (over 4 times this) must be to be placed by position, and how
# far past its expected place a reference is looked for (see _RefSpans): a bound of the
# algorithm, not a setting (the sentence cut, ``concepts.max_sentence_chars``, is one).
LONG_NOTE_CHARS = 1000
ELLIPSIS = "…"
_SPACE = re.compile(r"\s")


def _paper_dict(paper: Any) -> dict[str, Any]:
    if isinstance(paper, dict):
        return paper
    return paper.to_store_dict()  # a Paper record


def paper_year(meta: dict[str, Any]) -> tuple[int | None, bool]:
    """(year, inferred): the printed year, else the inferred one (marked)."""
    if meta.get("year"):
        return int(meta["year"]), False
    if meta.get("year_inferred"):
        return int(meta["year_inferred"]), True
    return None, False


def _nonspace(text: str) -> int:
    """Characters that are not whitespace: the unit the segmented tokens are measured in (the
    tokens of a text, joined, are its folded form without whitespace)."""
    return len("".join(text.split()))


def _sentences_in(text: str) -> Iterator[tuple[int, int, int, str]]:
    """(index, offset in ``text``, non-space characters of ``text`` before it, sentence) of each
    sentence of ``text`` (sentences are stripped pieces of it, in order)."""
    base, pos = 0, 0
    for i, s in enumerate(split_sentences(text)):
        at = text.find(s, pos)
        at = pos if at < 0 else at
        yield i, at, base, s
        base += _nonspace(s)
        pos = at + len(s)


def iter_units(paper: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every text unit a mention can sit in, in reading order, with its place and markers.

    ``source_len`` and ``base`` place the unit in the text its context tokens are cut from (the
    sentence itself; the whole abstract or footnote for their sentences): that text's length,
    and its non-space characters before the unit."""
    meta = paper.get("meta") or {}
    if meta.get("title"):
        yield {"where": "title", "text": meta["title"], "footnotes": []}
    abstract = meta.get("abstract") or ""
    for i, at, base, s in _sentences_in(abstract):
        yield {"where": "abstract", "text": s, "footnotes": [], "sentence_index": i,
               "source_len": len(abstract), "base": base, "offset": at}
    for i, k in enumerate(meta.get("keywords") or []):
        yield {"where": "keywords", "text": k, "footnotes": [], "keyword_index": i}
    para_no = 0
    for si, sec in enumerate(paper.get("sections") or []):
        heading = sec.get("heading")
        if heading:
            yield {"where": "body", "text": heading, "footnotes": [], "section": heading,
                   "section_index": si, "paragraph": None, "heading": True}
        sents_all = sec.get("sentences")
        for pi, ptext in enumerate(sec.get("paragraphs") or []):
            sents = sents_all[pi] if sents_all and pi < len(sents_all) and sents_all[pi] else \
                [{"text": t, "footnotes": []} for t in split_sentences(ptext)]
            for ji, s in enumerate(sents):
                yield {"where": "body", "text": s["text"], "footnotes": list(s.get("footnotes") or []),
                       "marker_pos": list(s.get("marker_pos") or []),
                       "section": heading, "section_index": si, "paragraph": para_no,
                       "paragraph_in_section": pi, "sentence_index": ji}
            para_no += 1
    if meta.get("funding"):
        yield {"where": "footnote", "text": meta["funding"], "footnotes": [], "funding": True}
    for f in paper.get("footnotes") or []:
        text = f.get("text") or ""
        for ji, at, base, s in _sentences_in(text):
            yield {"where": "footnote", "text": s, "footnotes": [f["n"]], "footnote_n": f["n"],
                   "sentence_index": ji, "own_footnote": True, "source_len": len(text), "base": base,
                   "offset": at}


def kwic_of(m: dict[str, Any]) -> dict[str, str]:
    """A mention's KWIC window {left, match, right}, whether kept whole or as offsets."""
    k = m.get("kwic")
    if isinstance(k, dict):
        return k
    s, start = m.get("sentence") or "", m.get("start") or 0
    if isinstance(k, (tuple, list)) and len(k) == 3:
        a, end, b = k
        return {"left": s[a:start], "match": s[start:end], "right": s[end:b]}
    return {"left": "", "match": m.get("surface") or "", "right": ""}


def find_mentions(paper: Any, registry: Registry, terms: list[str] | None = None,
                  cfg: dict | None = None, matcher: ConceptMatcher | None = None) -> list[dict[str, Any]]:
    """Every occurrence of a registry concept (or of ``terms`` only) in one paper."""
    paper = _paper_dict(paper)
    matcher = matcher or ConceptMatcher(registry, terms)
    rows = MentionRows(paper["doc_id"], paper.get("meta") or {}, footnote_index(paper), cfg)
    out: list[dict[str, Any]] = []
    for unit in iter_units(paper):
        hits = matcher.find(unit["text"])
        if hits:
            out.extend(rows.of_unit(unit, hits))
    return out


class MentionRows:
    """The mention dicts of one paper, unit by unit: what :func:`find_mentions` returns for the
    hits of a unit. Shared with the reader of a paper's spaCy Doc (``concepts/doc_read.py``), so
    the rows read from a Doc are the rows found in the paper, by the same code."""

    def __init__(self, doc_id: str, meta: dict[str, Any], fn_index: dict[int, dict[str, Any]],
                 cfg: dict | None = None) -> None:
        cfg = cfg or {}  # the whole config; what a partial one leaves out comes from the settings model
        self.width = filled(cfg.get("report"), "report")["kwic_width"]
        self.limit = filled(cfg.get("concepts"), "concepts")["max_sentence_chars"]
        self.doc_id, self.meta, self.fn_index = doc_id, meta, fn_index
        self.year, self.inferred = paper_year(meta)
        self.authors = paper_authors(meta)  # one list for the paper's mentions, never changed
        self.refs_of: dict[str, Any] = {}
        self.attribution: dict[int, list[dict[str, Any]]] = {}

    def of_unit(self, unit: dict[str, Any], hits: list[Hit]) -> list[dict[str, Any]]:
        text = unit["text"]
        width, limit, fn_index, attribution = self.width, self.limit, self.fn_index, self.attribution
        out: list[dict[str, Any]] = []
        attributed: list[dict[str, Any]] = []
        for n in unit["footnotes"]:
            if n not in attribution:  # once per note, not once per sentence of a long note
                attribution[n] = attribution_for_footnote(fn_index.get(n), n)
            attributed.extend(attribution[n])
        # A "sentence" of megabytes (OCR text, contents pages, prose without punctuation) is
        # shown as each mention's KWIC window, and its context is the words of that window:
        # each mention carrying the whole sentence made output and work grow with
        # mentions x sentence length.
        cut = len(text) > limit
        windowed = cut or unit.get("source_len", len(text)) > limit
        seen_at, seen_ns = 0, unit.get("base", 0)  # non-space characters before a hit, walked once
        spaced = windowed and _SPACE.search(text) is not None  # else characters are non-space ones
        section, paragraph, sentence_index = unit.get("section"), unit.get("paragraph"), unit.get("sentence_index")
        footnote_n, funding, heading = unit.get("footnote_n"), bool(unit.get("funding")), bool(unit.get("heading"))
        if unit.get("own_footnote") and self.refs_of.get("n") != unit["footnote_n"]:
            self.refs_of = {"n": unit["footnote_n"], "refs": _RefSpans(fn_index.get(unit["footnote_n"]))}
        refs_of = self.refs_of
        for h in hits:
            lo, hi = max(0, h.start - width), min(len(text), h.end + width)
            m = {
                "concept": h.concept, "term": h.term, "surface": h.surface, "quoted": h.quoted,
                "variant": h.variant, "doc_id": self.doc_id, "doc_authors": self.authors,
                "doc_title": self.meta.get("title"), "year": self.year, "year_inferred": self.inferred,
                "where": unit["where"], "sentence": text, "start": h.start,
                "kwic": {"left": text[lo:h.start], "match": text[h.start:h.end], "right": text[h.end:hi]},
                "attributed": attributed,
                "section": section, "paragraph": paragraph, "sentence_index": sentence_index,
                "footnote_n": footnote_n, "funding_note": funding, "heading": heading,
            }
            if unit.get("marker_pos") and len(unit["marker_pos"]) == len(unit["footnotes"]) and not cut:
                # where each marker sits in the sentence: what a marker vouches for ends there
                # (a definition's definer is the marker after its words, not one mid-sentence)
                m["markers"] = [[n, at] for n, at in zip(unit["footnotes"], unit["marker_pos"])]
            if cut:
                left, right = ELLIPSIS if lo > 0 else "", ELLIPSIS if hi < len(text) else ""
                m["sentence"] = left + text[lo:hi] + right
                m["start"] = h.start - lo + len(left)
            if windowed and not spaced:
                m["context_span"] = [seen_ns + lo, seen_ns + hi]
            elif windowed:
                if lo >= seen_at:
                    seen_ns += _nonspace(text[seen_at:lo])
                else:  # hits overlap (a free term inside a concept): count back
                    seen_ns -= _nonspace(text[lo:seen_at])
                seen_at = lo
                m["context_span"] = [seen_ns, seen_ns + _nonspace(text[lo:hi])]
            if unit.get("own_footnote"):
                m["in_ref"] = refs_of["refs"].holding(text, unit["offset"], h.start, h.end)
                if refs_of["refs"].long:
                    # A note of a megabyte of references: a mention is attributed to the
                    # reference holding it, not to all of them (mentions x references).
                    i = m["in_ref"]
                    own = [attributed[i]] if i is not None and i < len(attributed) else \
                        attribution_for_footnote(None, unit["footnote_n"])
                    m["attributed"] = own
            m["attributed"] = [dict(a) for a in m["attributed"]]
            out.append(m)
        return out


class _RefSpans:
    """Which reference of a footnote holds a hit. A footnote of ordinary size is searched as
    :func:`_ref_holding` does; in a long one (a megabyte of references run together) each
    reference is placed once and a hit is looked up by position, not by scanning every
    reference for every mention."""

    def __init__(self, footnote: dict[str, Any] | None) -> None:
        self.footnote = footnote or {}
        raws = [r.get("raw") or "" for r in self.footnote.get("refs") or []]
        self.long = sum(map(len, raws)) > 4 * LONG_NOTE_CHARS
        self.starts: list[int] = []  # (start, end, index) of each placed reference, in text order
        self.spans: list[tuple[int, int, int]] = []
        if self.long:
            text, pos = self.footnote.get("text") or "", 0
            for i, raw in enumerate(raws):
                # references are cut from the note in order; the bound keeps one that is not
                # found (a repaired raw string) from costing a scan of the rest of the note
                at = text.find(raw, pos, pos + len(raw) + LONG_NOTE_CHARS) if raw else -1
                if at >= 0:
                    self.spans.append((at, at + len(raw), i))
                    self.starts.append(at)
                    pos = at + len(raw)

    def holding(self, sentence: str, offset: int, start: int, end: int) -> int | None:
        if not self.long:
            return _ref_holding(self.footnote, sentence, start, end)
        k = bisect_right(self.starts, offset + start) - 1
        if k >= 0 and offset + end <= self.spans[k][1]:
            return self.spans[k][2]
        return None


def _ref_holding(footnote: dict[str, Any] | None, sentence: str, start: int, end: int) -> int | None:
    """Index of the reference whose raw string holds the hit (a concept in a cited title)."""
    if not footnote:
        return None
    piece = sentence[max(0, start - 8):end + 8]
    for i, r in enumerate(footnote.get("refs") or []):
        raw = r.get("raw") or ""
        if raw and (sentence[start:end] in raw) and (piece in raw or sentence in raw or raw in sentence and
                                                      sentence.find(raw) <= start < sentence.find(raw) + len(raw)):
            return i
    return None


def find_mentions_many(papers: Iterable[Any], registry: Registry, terms: list[str] | None = None,
                       cfg: dict | None = None) -> list[dict[str, Any]]:
    """Mentions over a corpus, reusing one matcher (its automaton costs more than one paper)."""
    matcher = ConceptMatcher(registry, terms)
    out: list[dict[str, Any]] = []
    for p in papers:
        out.extend(find_mentions(p, registry, terms, cfg, matcher))
    return out
