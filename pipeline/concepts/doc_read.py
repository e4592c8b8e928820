"""What the per-document features read from a paper's spaCy Doc (``concepts/paper_doc.py``).

* :func:`mentions_from_doc`: the mention rows (place, KWIC, attribution to the footnote
  markers' references) of ``doc.spans["concepts"]``, through the same row code as
  :func:`pipeline.concepts.mentions.find_mentions`, which they equal;
* :func:`unit_tokens`: the segment tokens of each sentence (what the co-occurrence windows and
  a heading's context words are made of).

Works on a Doc fresh from ``build_doc`` and on one read back from a ``DocBin`` (msgpack gives
tuples where lists were stored; the rows are the same JSON).

    >>> from pathlib import Path
    >>> from pipeline.text.spacy_doc import paper_vocab
    >>> from pipeline.concepts.matcher import ConceptMatcher
    >>> from pipeline.concepts.paper_doc import build_doc
    >>> from pipeline.ingest.readers import read_text_file
    >>> from pipeline.structure.paper import build_paper
    >>> from pipeline.text.registry import load_registry
    >>> text = "数字资本的新变化\\n陈灏\\n[摘要]平台正在变成“数字食利国”。\\n"
    >>> paper = build_paper(read_text_file(Path("x.txt"), text.encode(), "x.txt")[0]).to_store_dict()
    >>> toks = {"title": "数字 资本 的 新 变化", "abstract": "平台 正在 变成 “ 数字食利国 ” 。"}
    >>> doc = build_doc(paper, toks, ConceptMatcher(load_registry()), paper_vocab())
    >>> [(s.text, s.label_, s._.quoted) for s in doc.spans["concepts"]]
    [('数字资本', '数字资本', False), ('“数字食利国”', '数字食利国', True)]
    >>> [(m["surface"], m["where"]) for m in mentions_from_doc(doc)]
    [('数字资本', 'title'), ('“数字食利国”', 'abstract')]
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from typing import Any

from pipeline.text import spacy_import  # noqa: F401  (before spaCy: see that module)
from spacy.attrs import IDX, NORM
from spacy.tokens import Doc

from pipeline.concepts.matcher import Hit
from pipeline.concepts.mentions import MentionRows
from pipeline.text.spacy_doc import DATA


def _data(doc: Doc) -> dict[str, Any]:
    return doc.user_data.get(DATA) or {}


def footnote_index(doc: Doc) -> dict[int, dict[str, Any]]:
    """{n: {"n", "text", "refs"}} of the paper's footnotes, their text read from the Doc."""
    texts = {s.label_: s.text for s in doc.spans["footnotes"]} if "footnotes" in doc.spans else {}
    return {int(n): {"n": int(n), "text": texts.get(n, ""), "refs": [dict(r) for r in f.get("refs") or ()]}
            for n, f in (_data(doc).get("footnotes") or {}).items()}


def iter_doc_units(doc: Doc, text: str | None = None) -> Iterator[dict[str, Any]]:
    """Each unit (sentence) of the Doc as ``iter_units`` gives it: place, markers, text
    (``text``: ``doc.text``, when the caller has it already)."""
    data = _data(doc)
    text = doc.text if text is None else text
    headings = data.get("headings") or ()
    for u in data.get("units") or ():
        unit = {k: (list(v) if isinstance(v, tuple) else v) for k, v in u.items()}
        unit["text"] = text[unit["a"]:unit["b"]]
        if "section_index" in unit:
            unit["section"] = headings[unit["section_index"]]
        yield unit


def mentions_from_doc(doc: Doc, cfg: dict | None = None, text: str | None = None) -> list[dict[str, Any]]:
    """The mention rows of the Doc's concept spans (``find_mentions``' rows for the paper)."""
    data = _data(doc)
    rows = MentionRows(doc.user_data["doc_id"], dict(data.get("meta") or {}), footnote_index(doc), cfg)
    starts = list(data.get("unit_starts") or ())
    units = list(iter_doc_units(doc, text))
    by_unit: dict[int, list[Hit]] = {}
    for s in doc.spans["concepts"]:
        k = bisect_right(starts, s.start_char) - 1
        a = units[k]["a"]
        by_unit.setdefault(k, []).append(Hit(s.start_char - a, s.end_char - a, s.label_, s.kb_id_, s.text,
                                             "q" in s.id_, "v" in s.id_))
    out: list[dict[str, Any]] = []
    for k in sorted(by_unit):
        out.extend(rows.of_unit(units[k], by_unit[k]))
    return out


class DocView:
    """The Doc's text, token norms and character offsets as plain lists, read once: a Token
    object per word and pass costs more than the rest of the features step. :meth:`of` reads
    them from any Doc; the builder hands over the same lists it made the Doc from
    (``paper_doc.build_doc_view``), so the features step does not read them back."""

    def __init__(self, text: str, norms: list[str], idx: list[int], joined: set[int],
                 words: list[str] | None = None) -> None:
        self.text, self.norms, self.idx, self.joined = text, norms, idx, joined
        self.words = words  # the printed words, when the builder hands them over

    def strings(self) -> set[str] | None:
        """Every word and norm (what a DocBin keeps of the tokens), when the words are known."""
        return None if self.words is None else set(self.words) | set(self.norms)

    @classmethod
    def of(cls, doc: Doc) -> DocView:
        from pipeline.text.docbin import doc_text

        strings = doc.vocab.strings
        arr = doc.to_array([NORM, IDX]) if len(doc) else None
        return cls(doc_text(doc), [strings[h] for h in arr[:, 0].tolist()] if arr is not None else [],
                   arr[:, 1].tolist() if arr is not None else [], set(_data(doc).get("joined") or ()))

    def _joins(self, lo: int, hi: int) -> bool:
        """Whether a word in [lo, hi) continues the word before (a split token)."""
        order = self.__dict__.get("_joined_sorted")
        if order is None:
            order = self.__dict__["_joined_sorted"] = sorted(self.joined)
        k = bisect_left(order, lo)
        return k < len(order) and order[k] < hi

    def between(self, a: int, b: int) -> list[str]:
        """Segment tokens of the words starting in characters [a, b): whitespace the paper
        printed left out (a segment token is never blank), a split token joined again."""
        out: list[str] = []
        norms, joined = self.norms, self.joined
        lo, hi = bisect_left(self.idx, a), bisect_left(self.idx, b)
        if not joined or not self._joins(lo, hi):  # no split token here: one comprehension
            return [n for n in norms[lo:hi] if not n.isspace()]
        for i in range(lo, hi):
            norm = norms[i]
            if norm.isspace():
                continue
            if i in joined and out:
                out[-1] += norm
            else:
                out.append(norm)
        return out


def cooc_windows(doc: Doc, window: str = "sentence", view: DocView | None = None) -> list[list[str]]:
    """The co-occurrence windows' segment tokens, in order: the title, the abstract, then each
    body sentence the segment stage cut (``window: paragraph``: each paragraph)."""
    data = _data(doc)
    norms = view or DocView.of(doc)
    parts = {s.label_: (s.start_char, s.end_char) for s in doc.spans["parts"]} if "parts" in doc.spans else {}
    out = [norms.between(*parts[k]) if k in parts else [] for k in ("title", "abstract")]
    para: tuple | None = None
    for u in data.get("units") or ():
        if u["where"] != "body" or u.get("heading") or not u["tok"]:
            continue
        toks = norms.between(u["a"], u["b"])
        here = (u["section_index"], u["paragraph_in_section"])
        if window == "paragraph" and here == para:
            out[-1].extend(toks)
        else:
            out.append(toks)
        para = here
    return out


def unit_tokens(doc: Doc, where: Callable[[dict[str, Any]], bool] | None = None,
                view: DocView | None = None) -> list[list[str] | None]:
    """The segment tokens of each unit, in unit order; None for a unit the segment stage did not
    cut (a paragraph whose sentences the parser did not give) or that ``where`` leaves out."""
    norms = view or DocView.of(doc)
    return [norms.between(u["a"], u["b"]) if u["tok"] and (where is None or where(u)) else None
            for u in _data(doc).get("units") or ()]
