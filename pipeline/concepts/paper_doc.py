"""One spaCy ``Doc`` per paper: its printed text cut into the segment stage's tokens, sentences
as the structure parser made them, and what the paper says about them as span groups.

What the Doc carries, in reading order, each part set apart by one space: the title, the
abstract, each keyword, each section's heading and paragraphs, the funding note, each footnote
(the units :func:`pipeline.concepts.mentions.iter_units` walks, so every mention the concept
finder sees is in it). Left out: authors, affiliations, journal and the other header fields
(they are ``doc.user_data``), a record's printed reference list, and characters between two
sentences of a paragraph that belong to neither (then the paragraph's sentences are laid one by
one).

* sentences: ``is_sent_start`` at each unit's first word: a body sentence is the parser's, an
  abstract or footnote sentence is cut by the parser's splitter (``structure/sentences.py``),
  a title, keyword, heading or funding note is one sentence;
* ``doc.spans["concepts"]``: registry concept mentions, exactly those ``find_mentions`` finds,
  ``label_`` the canonical concept, ``kb_id_`` the registry surface matched, ``id_`` flags
  (q quoted, v variant); the span's text is the surface as printed. A segment token a mention
  starts or ends inside is split there (its pieces keep the token's norm in shares);
* ``doc.spans["markers"]``: one span per footnote marker of a body sentence, on the word the
  marker follows (``label_`` the footnote number; ``span._.refs`` its parsed references);
* ``doc.spans["footnotes"]``, ``["sections"]`` (label: heading), ``["paragraphs"]`` (label:
  running paragraph number), ``["parts"]`` (title, abstract, keyword, funding);
* ``doc.user_data``: ``doc_id``, ``source``, ``title`` and, under ``"litmap"``, each unit's place
  (where, section, paragraph, markers and their offsets), the footnotes' references, the
  paper's authors and year: what a mention row carries beyond its span.
"""
from __future__ import annotations

from typing import Any

from pipeline.text import spacy_import  # noqa: F401  (before spaCy: see that module)
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from pipeline.concepts.doc_read import DocView
from pipeline.concepts.matcher import ConceptMatcher, Hit
from pipeline.concepts.mentions import iter_units
from pipeline.text.spacy_doc import DATA, DocAssembler

_META_FIELDS = ("title", "authors", "authors_canonical", "year", "year_inferred")
_REF_FIELDS = ("raw", "authors", "authors_canonical", "year", "title", "work_id", "type")
_UNIT_DROP = ("text", "section")  # the text is the Doc's; a heading is kept once per section


def _toks(s: str | None) -> list[str] | None:
    return s.split() if isinstance(s, str) else None


def _parts(paper: dict[str, Any], tokens: dict[str, Any]) -> list[tuple[tuple, str, list[str] | None, list[tuple[dict, int]]]]:
    """(key, text, segment tokens or None, [(unit, offset in text)]) for each part, in order."""
    meta = paper.get("meta") or {}
    sections = paper.get("sections") or []
    # the segment stage flattens (section, paragraph) into one list of paragraphs of sentences
    para_base, k = [], 0
    for sec in sections:
        para_base.append(k)
        k += len(sec.get("sentences") or [])
    paras_tok = tokens.get("paragraphs") or []
    heads_tok = tokens.get("headings")
    fn_pos = {f["n"]: i for i, f in enumerate(paper.get("footnotes") or [])}
    parts: list[tuple[tuple, str, list[str] | None, list[tuple[dict, int]]]] = []
    by_key: dict[tuple, int] = {}

    def add(key: tuple, text: str, toks: list[str] | None, unit: dict, off: int) -> None:
        if key not in by_key:
            by_key[key] = len(parts)
            parts.append((key, text, toks, []))
        parts[by_key[key]][3].append((unit, off))

    for u in iter_units(paper):
        w = u["where"]
        if w == "title":
            add(("title",), u["text"], _toks(tokens.get("title")), u, 0)
        elif w == "abstract":
            add(("abstract",), meta.get("abstract") or "", _toks(tokens.get("abstract")), u, u["offset"])
        elif w == "keywords":
            i = u["keyword_index"]
            kws = tokens.get("keywords") or []
            add(("keyword", i), u["text"], _toks(kws[i]) if i < len(kws) else None, u, 0)
        elif w == "body" and u.get("heading"):
            si = u["section_index"]
            add(("heading", si), u["text"], _toks(heads_tok[si]) if heads_tok and si < len(heads_tok) else None, u, 0)
        elif w == "body":
            si, pi = u["section_index"], u["paragraph_in_section"]
            sents = sections[si].get("sentences") or []
            toks = None
            if pi < len(sents) and sents[pi]:
                ptok = paras_tok[para_base[si] + pi] if para_base[si] + pi < len(paras_tok) else None
                if ptok is not None and u["sentence_index"] < len(ptok):
                    toks = _toks(ptok[u["sentence_index"]])
            add(("sentence", si, pi, u["sentence_index"]), u["text"], toks, u, 0)
        elif u.get("funding"):
            add(("funding",), u["text"], _toks(tokens.get("funding")), u, 0)
        else:
            n = u["footnote_n"]
            i = fn_pos.get(n)
            f = (paper.get("footnotes") or [])[i] if i is not None else {}
            fts = tokens.get("footnotes") or []
            add(("footnote", n, i), f.get("text") or "", _toks(fts[i]) if i is not None and i < len(fts) else None,
                u, u["offset"])
    return _join_paragraphs(parts, paper)


def _join_paragraphs(parts: list, paper: dict[str, Any]) -> list:
    """A paragraph's sentences laid as the paragraph's own text when they are its pieces in
    order with only whitespace between them (the whitespace the paper printed stays)."""
    sections = paper.get("sections") or []
    out: list = []
    i = 0
    while i < len(parts):
        key = parts[i][0]
        if key[0] != "sentence":
            out.append(parts[i])
            i += 1
            continue
        j = i
        while j < len(parts) and parts[j][0][0] == "sentence" and parts[j][0][1:3] == key[1:3]:
            j += 1
        group = parts[i:j]
        ptext = (sections[key[1]].get("paragraphs") or [""])[key[2]] if key[2] < len(sections[key[1]].get("paragraphs") or []) else ""
        offs, pos, ok = [], 0, all(g[2] is not None for g in group)
        for g in group:
            at = ptext.find(g[1], pos) if ok else -1
            if at < 0 or ptext[pos:at].strip():
                ok = False
                break
            offs.append(at)
            pos = at + len(g[1])
        if ok and not ptext[pos:].strip():
            toks = [t for g in group for t in g[2]]
            units = [(g[3][0][0], at) for g, at in zip(group, offs)]
            out.append((("paragraph", key[1], key[2]), ptext, toks, units))
        else:
            out.extend(group)
        i = j
    return out


def build_doc(paper: dict[str, Any], tokens: dict[str, Any], matcher: ConceptMatcher, vocab: Vocab,
              source: str | None = None) -> Doc:
    """The Doc of one paper (a store dict) from its segment tokens and the registry matcher."""
    return build_doc_view(paper, tokens, matcher, vocab, source)[0]


def build_doc_view(paper: dict[str, Any], tokens: dict[str, Any], matcher: ConceptMatcher, vocab: Vocab,
                   source: str | None = None) -> tuple[Doc, DocView]:
    """:func:`build_doc`, and the Doc's text and norms as the lists it was made from."""
    meta = paper.get("meta") or {}
    asm = DocAssembler(vocab)
    units: list[dict[str, Any]] = []
    unit_starts: list[int] = []
    mentions: list[tuple[int, int, Hit]] = []
    markers: list[tuple[int, int]] = []  # (doc char the marker follows, footnote n)
    regions: dict[str, list[tuple[str, int, int]]] = {"parts": [], "footnotes": [], "paragraphs": []}
    section_of: dict[int, list[int]] = {}
    headings = [s.get("heading") for s in paper.get("sections") or []]
    para_no: dict[tuple[int, int], int] = {}
    for key, text, toks, members in _parts(paper, tokens):
        hits_of = [matcher.find(u["text"]) for u, _off in members]
        cuts: list[int] = []
        starts: set[int] = set()
        for (u, off), hits in zip(members, hits_of):
            cuts += [off, off + len(u["text"])]
            starts.add(off)
            for h in hits:
                cuts += [off + h.start, off + h.end]
        base = asm.add_part(text, toks, cuts, starts)
        for (u, off), hits in zip(members, hits_of):
            a = base + off
            unit = {k: v for k, v in u.items() if k not in _UNIT_DROP}
            unit.update(a=a, b=a + len(u["text"]), tok=toks is not None)
            units.append(unit)
            unit_starts.append(a)
            mentions.extend((a + h.start, a + h.end, h) for h in hits)
            if u["where"] == "body" and u["footnotes"]:
                pos = u.get("marker_pos") or []
                for j, n in enumerate(u["footnotes"]):
                    at = pos[j] if len(pos) == len(u["footnotes"]) else len(u["text"])
                    markers.append((a + max(at, 1) - 1, n))
            if "section_index" in u:
                section_of.setdefault(u["section_index"], []).append(len(units) - 1)
            if u["where"] == "body" and not u.get("heading"):
                para_no.setdefault((u["section_index"], u["paragraph_in_section"]), u["paragraph"])
        end = asm.chars if not asm.spaces or not asm.spaces[-1] else asm.chars - 1
        if key[0] in ("title", "abstract", "keyword", "funding"):
            regions["parts"].append((key[0], base, end))
        elif key[0] == "footnote":
            regions["footnotes"].append((str(key[1]), base, end))
    doc = asm.make()
    tok = asm.token_at

    def span(a: int, b: int, **kw: Any) -> Span | None:
        if b <= a:
            return None
        return Span(doc, tok(a), tok(b - 1) + 1, **kw)

    doc.spans["concepts"] = [Span(doc, tok(a), tok(b - 1) + 1, label=h.concept, kb_id=h.term,
                                  span_id=("q" if h.quoted else "") + ("v" if h.variant else ""))
                             for a, b, h in mentions]
    doc.spans["markers"] = [Span(doc, tok(c), tok(c) + 1, label=str(n)) for c, n in markers]
    for group in ("parts", "footnotes"):
        doc.spans[group] = [s for s in (span(a, b, label=lab) for lab, a, b in regions[group]) if s is not None]
    secs, paras = [], {}
    for si, members in sorted(section_of.items()):
        us = [units[i] for i in members]
        secs.append(span(us[0]["a"], us[-1]["b"], label=headings[si] or ""))
        for u in us:
            if u["where"] == "body" and not u.get("heading"):
                k = (si, u["paragraph_in_section"])
                lo, hi = paras.get(k, (u["a"], u["b"]))
                paras[k] = (min(lo, u["a"]), max(hi, u["b"]))
    doc.spans["sections"] = [s for s in secs if s is not None]
    doc.spans["paragraphs"] = [s for s in (span(a, b, label=str(para_no[k])) for k, (a, b) in paras.items())
                               if s is not None]
    doc.user_data.update({
        "doc_id": paper["doc_id"], "source": source if source is not None else paper.get("source"),
        "title": meta.get("title"),
        DATA: {"units": units, "unit_starts": unit_starts, "joined": asm.joined, "headings": headings,
               # the header fields a mention row carries (MentionRows reads them as the paper's meta)
               "meta": {k: meta.get(k) for k in _META_FIELDS},
               "footnotes": {str(f["n"]): {"refs": [{k: r.get(k) for k in _REF_FIELDS} for r in f.get("refs") or []]}
                             for f in paper.get("footnotes") or []}},
    })
    return doc, DocView(asm.text, asm.norms, asm.word_starts, set(asm.joined), asm.words)
