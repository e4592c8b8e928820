"""The corpus works and the works they cite as bibliography items, for Zotero (RIS and
CSL-JSON share this): each corpus work with its abstract, keywords and its references (from
the full text's footnotes, the CSSCI list, the CNKI record) in a note; each cited work that is
not itself in the corpus as an item of its own, tagged ``litmap-cited`` and noting which corpus
works cite it. A cited work matched to a corpus document is that corpus item, not a second one.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .records import CitedRef, Work
from .wos import _most_common

CITED_TAG = "litmap-cited"
CORPUS_TAG = "litmap-corpus"


@dataclass
class Item:
    id: str  # litmap's work_id
    type: str  # litmap's reference type; corpus works are "journal"
    title: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    container: str = ""
    publisher: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    abstract: str = ""
    keywords: list[str] = field(default_factory=list)
    note_head: str = ""  # what the note lists
    note_lines: list[str] = field(default_factory=list)  # one reference, or one citing work, each

    @property
    def note(self) -> str:
        """The note as plain text: its head, then the numbered lines."""
        if not self.note_head:
            return ""
        return "\n".join([self.note_head] + [f"{i}. {x}" for i, x in enumerate(self.note_lines, 1)])


def _reference_line(r: CitedRef) -> str:
    where = "; ".join(r.sources)
    return (r.label or r.title or r.work_id) + (f" [{where}]" if where else "")


def items(works: list[Work], refs: list[CitedRef]) -> list[Item]:
    by_citing: dict[str, list[CitedRef]] = defaultdict(list)
    by_cited: dict[str, list[CitedRef]] = defaultdict(list)
    for r in refs:
        by_citing[r.citing_work_id].append(r)
        by_cited[r.work_id].append(r)
    corpus_ids = {w.work_id for w in works}
    doc_work = {d: w.work_id for w in works for d in w.doc_ids}
    title_of = {w.work_id: w.title for w in works}
    out = []
    for w in works:
        rs = by_citing.get(w.work_id, [])
        head = f"参考文献 References ({len(rs)}, parsed by litmap; [where each was found]):" if rs else ""
        out.append(Item(w.work_id, "journal", w.title, list(w.authors_printed or w.authors), w.year, w.journal, "",
                        w.volume, w.issue, w.pages, w.doi, w.abstract, list(w.keywords) + [CORPUS_TAG], head,
                        [_reference_line(r) for r in rs]))
    for wid in sorted(by_cited):
        rs = by_cited[wid]
        if wid in corpus_ids or any(doc_work.get(r.matched_doc_id) for r in rs):
            continue
        authors = _most_common(tuple(r.authors) for r in rs) or ()
        citing = sorted({r.citing_work_id for r in rs})
        out.append(Item(wid, _most_common(r.type for r in rs) or "other", _most_common(r.title for r in rs) or "",
                        list(authors), _most_common(r.year for r in rs), _most_common(r.container for r in rs) or "",
                        _most_common(r.publisher for r in rs) or "", _most_common(r.volume for r in rs) or "",
                        _most_common(r.issue for r in rs) or "", _most_common(r.pages for r in rs) or "",
                        keywords=[CITED_TAG], note_head="被引于 Cited by (corpus works, litmap):",
                        note_lines=[title_of.get(c, c) for c in citing]))
    return out
