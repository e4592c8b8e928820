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

from collections.abc import Iterable, Iterator
from typing import Any

from pipeline.concepts.attribution import attribution_for_footnote, footnote_index
from pipeline.concepts.matcher import ConceptMatcher
from pipeline.structure.sentences import split_sentences
from pipeline.text.registry import Registry

KWIC_WIDTH = 30


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


def iter_units(paper: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every text unit a mention can sit in, in reading order, with its place and markers."""
    meta = paper.get("meta") or {}
    if meta.get("title"):
        yield {"where": "title", "text": meta["title"], "footnotes": []}
    for i, s in enumerate(split_sentences(meta.get("abstract") or "")):
        yield {"where": "abstract", "text": s, "footnotes": [], "sentence_index": i}
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
                       "section": heading, "section_index": si, "paragraph": para_no,
                       "paragraph_in_section": pi, "sentence_index": ji}
            para_no += 1
    if meta.get("funding"):
        yield {"where": "footnote", "text": meta["funding"], "footnotes": [], "funding": True}
    for f in paper.get("footnotes") or []:
        for ji, s in enumerate(split_sentences(f.get("text") or "")):
            yield {"where": "footnote", "text": s, "footnotes": [f["n"]], "footnote_n": f["n"],
                   "sentence_index": ji, "own_footnote": True}


def _kwic(text: str, start: int, end: int, width: int) -> dict[str, str]:
    return {"left": text[max(0, start - width):start], "match": text[start:end], "right": text[end:end + width]}


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
    cfg = cfg or {}
    width = int((cfg.get("report") or {}).get("kwic_width", cfg.get("kwic_width", KWIC_WIDTH)))
    matcher = matcher or ConceptMatcher(registry, terms)
    meta = paper.get("meta") or {}
    year, inferred = paper_year(meta)
    fn_index = footnote_index(paper)
    out: list[dict[str, Any]] = []
    for unit in iter_units(paper):
        hits = matcher.find(unit["text"])
        if not hits:
            continue
        attributed: list[dict[str, Any]] = []
        for n in unit["footnotes"]:
            attributed.extend(attribution_for_footnote(fn_index.get(n), n))
        for h in hits:
            m = {
                "concept": h.concept, "term": h.term, "surface": h.surface, "quoted": h.quoted,
                "variant": h.variant, "doc_id": paper["doc_id"], "doc_authors": list(meta.get("authors") or []),
                "doc_title": meta.get("title"), "year": year, "year_inferred": inferred,
                "where": unit["where"], "sentence": unit["text"], "start": h.start,
                "kwic": _kwic(unit["text"], h.start, h.end, width),
                "attributed": [dict(a) for a in attributed],
                "section": unit.get("section"), "paragraph": unit.get("paragraph"),
                "sentence_index": unit.get("sentence_index"),
                "footnote_n": unit.get("footnote_n"), "funding_note": bool(unit.get("funding")),
                "heading": bool(unit.get("heading")),
            }
            if unit.get("own_footnote"):
                m["in_ref"] = _ref_holding(fn_index.get(unit["footnote_n"]), unit["text"], h.start, h.end)
            out.append(m)
    return out


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
