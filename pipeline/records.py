"""Typed records passed between stages.

Every stage takes and returns these dataclasses; ``to_dict`` gives the JSON shapes of
``../shared/CONTRACT.md``. Records hold display text in the document's own script; matching
code normalizes on the fly with :mod:`pipeline.ingest.normalize`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RawDoc:
    """A file (or one record of an export) decoded to text, before any structure."""

    doc_id: str  # sha1 of the bytes (plus record index for exports)
    source: str  # path as given; ``FILE#N`` for record N of an export
    text: str  # decoded, zero-width characters and mirror pinyin removed; script kept
    encoding: str
    script: str  # simplified | traditional | mixed
    warnings: list[str] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)  # front matter / sidecar metadata
    kind: str = "text"  # text | record (metadata-only export record) | pdf | docx
    # PDF input only: what the page layout says of each line of ``text`` (None for blank lines).
    layout: list[LayoutLine | None] | None = None
    # A reference list printed with a bibliographic record (CSSCI's 【参考文献】), one string per
    # item as printed, and the style it is printed in: parsed at build time, with the run's aliases.
    reference_lines: list[str] = field(default_factory=list)
    reference_style: str | None = None  # cssci | …: a key of ``refs.lists.PARSERS``


@dataclass
class LayoutLine:
    """One line of a PDF's text as its layout printed it: a paragraph, or a note with its number.

    The reader decides notes, note numbers and paragraph ends from the page; the structure parser
    trusts these and decides headings from the type (size relative to the body, weight, face).
    """

    kind: str  # para | note | plain-note (an unnumbered note: funding, bio, dates)
    page: int  # 1-based page of its first printed line
    size: float = 1.0  # type size relative to the body's
    bold: bool = False
    face: bool = False  # set in another face than the body (a 黑体 heading at body size)
    lines: int = 1  # printed lines
    centered: bool = False
    n: int | None = None  # a note's running number over the paper
    label: str = ""  # a note's label as printed: ①, 1, [1], （1）, *


@dataclass
class Ref:
    """One parsed reference (the REF shape of the contract)."""

    raw: str
    authors: list[str] = field(default_factory=list)
    authors_canonical: list[str] = field(default_factory=list)
    nationality: str | list[str] | None = None
    translators: list[str] = field(default_factory=list)
    title: str | None = None
    container: str | None = None
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    url: str | None = None
    type: str = "other"  # journal | book | chapter | classic | newspaper | web | report | thesis | other
    classic: bool = False
    work_id: str | None = None
    # Where the reference was read: None for a footnote; the list's style ("cssci") for an item
    # of a record's printed reference list, numbered ``list_n`` as printed.
    source: str | None = None
    list_n: int | None = None
    unparsed: str | None = None  # why the item could not be parsed (``raw`` keeps it whole)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Sentence:
    text: str  # markers removed, joined across page breaks
    footnotes: list[int] = field(default_factory=list)  # running numbers of its markers, in order
    marker_pos: list[int] = field(default_factory=list)  # each marker's offset in ``text`` (what it vouches for ends there)


@dataclass
class Paragraph:
    text: str  # whole paragraph, markers removed
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class Section:
    heading: str | None  # None for text before the first heading
    level: int  # 1 for 一、 2 for （一） 3 for 1. ; 0 for the headless lead
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Footnote:
    n: int  # running number over the whole paper
    marker: str  # ① as printed on its page
    text: str  # without its marker
    page: int = 0  # page block index (1-based) the footnote was printed on
    refs: list[Ref] = field(default_factory=list)


@dataclass
class Citation:
    n: int  # the footnote this marker points to
    sentence: str  # the body sentence holding it, markers removed


@dataclass
class Meta:
    title: str | None = None
    authors: list[str] = field(default_factory=list)  # as printed
    # One identity per person across scripts, mirror-site pinyin and configs/aliases.yaml: what
    # every count, table and page groups by (the printed forms stay in ``authors``).
    authors_canonical: list[str] = field(default_factory=list)
    affiliations: dict[str, str] = field(default_factory=dict)
    journal: str | None = None
    year: int | None = None
    year_inferred: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    abstract: str | None = None
    keywords: list[str] = field(default_factory=list)
    funding: str | None = None
    editor: str | None = None


@dataclass
class Paper:
    doc_id: str
    source: str
    encoding: str
    script: str
    warnings: list[str] = field(default_factory=list)
    meta: Meta = field(default_factory=Meta)
    sections: list[Section] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    kind: str = "text"
    # The record's printed reference list (CSSCI), parsed; items that could not be parsed are
    # kept with ``unparsed`` set. Footnote references stay on their footnotes.
    references: list[Ref] = field(default_factory=list)

    def paragraphs(self) -> list[Paragraph]:
        return [p for s in self.sections for p in s.paragraphs]

    def to_dict(self) -> dict[str, Any]:
        """The ``litmap parse --json`` shape."""
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "encoding": self.encoding,
            "script": self.script,
            "kind": self.kind,
            "warnings": list(self.warnings),
            "meta": asdict(self.meta),
            "sections": [
                {"heading": s.heading, "level": s.level, "paragraphs": [p.text for p in s.paragraphs]}
                for s in self.sections
            ],
            "footnotes": [
                {"n": f.n, "marker": f.marker, "text": f.text, "page": f.page,
                 "refs": [r.to_dict() for r in f.refs]}
                for f in self.footnotes
            ],
            "citations": [{"n": c.n, "sentence": c.sentence} for c in self.citations],
            "references": [r.to_dict() for r in self.references],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Paper":
        """Inverse of :meth:`to_dict` plus the sentence detail kept by the store."""
        meta = Meta(**d["meta"])
        sections = []
        for s in d["sections"]:
            paras = []
            for i, p in enumerate(s["paragraphs"]):
                sents = s.get("sentences", [None] * len(s["paragraphs"]))[i]
                paras.append(Paragraph(p, [Sentence(**x) for x in sents] if sents else []))
            sections.append(Section(s["heading"], s["level"], paras))
        footnotes = [
            Footnote(f["n"], f["marker"], f["text"], f.get("page", 0), [Ref(**r) for r in f.get("refs", [])])
            for f in d["footnotes"]
        ]
        citations = [Citation(**c) for c in d["citations"]]
        return cls(d["doc_id"], d["source"], d["encoding"], d["script"], list(d["warnings"]), meta,
                   sections, footnotes, citations, d.get("kind", "text"),
                   [Ref(**r) for r in d.get("references", [])])

    def to_store_dict(self) -> dict[str, Any]:
        """``to_dict`` plus per-paragraph sentences, so the store round-trips the whole record."""
        d = self.to_dict()
        for sd, s in zip(d["sections"], self.sections):
            # by hand, not asdict: its recursive deep copy was 6% of parsing a paper
            sd["sentences"] = [[{"text": x.text, "footnotes": list(x.footnotes), "marker_pos": list(x.marker_pos)}
                                for x in p.sentences] for p in s.paragraphs]
        return d
