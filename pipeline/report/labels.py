"""How the report names a document, a work and a person in visible text.

A reader recognises a paper by its authors, year and title, never by a hash: every place that
names a document shows ``陈灏、钟锦宸 2025《数字化生产下金融帝国主义…》`` and links to the paper
page; ids stay in CSV columns and link targets. People are named by their canonical identity
(``meta.authors_canonical``: one person across scripts, mirror-site pinyin and
``configs/aliases.yaml``); the printed variants are kept for the author's page.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from pipeline.refs.names import canonical_name, paper_authors

from ..context import ReportContext
from .links import paper_href

TITLE_CHARS = 18  # a short title: enough to tell two papers of one author apart in a table cell
MAX_AUTHORS = 2   # more become 等 (et al.), as Chinese reference lists print them


def short_title(title: str | None, n: int = TITLE_CHARS) -> str:
    """``数字化生产下金融帝国主义积累模式的新变化及其启示`` -> ``数字化生产下金融帝国主义积累模式的…``

    >>> short_title("数字化生产下金融帝国主义积累模式的新变化及其启示")
    '数字化生产下金融帝国主义积累模式的…'
    >>> short_title("论数字资本的多重属性")
    '论数字资本的多重属性'
    """
    t = " ".join(str(title or "").split())
    # The main title only: a subtitle after a dash or colon rarely tells papers apart.
    for sep in ("——", "—", "：", ":"):
        head = t.split(sep)[0].strip()
        if len(head) >= 4:
            t = head
            break
    return t if len(t) <= n else t[: n - 1] + "…"


def authors_text(authors: Iterable[str], n: int = MAX_AUTHORS) -> str:
    """``['陈灏', '钟锦宸']`` -> ``陈灏、钟锦宸``; three or more -> ``A、B 等``."""
    names = [a for a in authors if a]
    if not names:
        return ""
    return "、".join(names[:n]) + (" 等" if len(names) > n else "")


def work_label(authors: Iterable[str], year: Any, title: str | None) -> str:
    """A work as a reader names it: authors, year and a short title (any part may be missing).

    >>> work_label(["陈灏", "钟锦宸"], 2025, "数字化生产下金融帝国主义积累模式的新变化及其启示")
    '陈灏、钟锦宸 2025《数字化生产下金融帝国主义积累模式的…》'
    >>> work_label([], None, None)
    '（无题 untitled）'
    """
    who = authors_text(authors)
    when = str(year) if year not in (None, "") else ""
    what = f"《{short_title(title)}》" if title else ""
    head = " ".join(x for x in (who, when) if x)
    return (head + what) or "（无题 untitled）"


@dataclass
class Labels:
    """Display labels of the run's documents and people, built once per report."""

    docs: dict[str, str] = field(default_factory=dict)  # doc_id -> label
    titles: dict[str, str] = field(default_factory=dict)  # doc_id -> 《short title》
    works: dict[str, str] = field(default_factory=dict)  # work_id -> label (cited works too)
    work_doc: dict[str, str] = field(default_factory=dict)  # work_id -> a corpus document of the work
    variants: dict[str, set[str]] = field(default_factory=dict)  # canonical person -> printed forms seen
    _aliases: dict[str, Any] | None = None

    def doc(self, doc_id: str) -> str:
        return self.docs.get(doc_id) or "（未知文献 unknown document）"

    def doc_link(self, doc_id: str, root: str = "", anchor: str | None = None) -> Markup:
        """The document's label linking to its paper page (``root``: ``../`` from a sub-page)."""
        if doc_id not in self.docs:
            return Markup(escape(self.doc(doc_id)))
        return Markup(f'<a href="{escape(root + paper_href(doc_id, anchor))}">{escape(self.docs[doc_id])}</a>')

    def work(self, work_or_doc_id: str | None) -> str:
        """A work (or a document: trace sources are either) by its label."""
        key = work_or_doc_id or ""
        return self.works.get(key) or self.docs.get(key) or "（未知作品 unknown work）"

    def work_link(self, work_or_doc_id: str | None, root: str = "") -> Markup:
        """The work's label, linking to the paper page when the corpus holds the work."""
        key = work_or_doc_id or ""
        doc = key if key in self.docs else self.work_doc.get(key)
        if doc is not None:
            return Markup(f'<a href="{escape(root + paper_href(doc))}">{escape(self.work(key))}</a>')
        return Markup(escape(self.work(key)))

    def person(self, name: str) -> str:
        """A printed name -> the person's canonical name (the same folding the parse applies)."""
        return canonical_name(name, self._aliases)


def build_labels(papers: Iterable[dict[str, Any]], aliases: dict[str, Any] | None = None,
                 works: dict[str, Any] | None = None) -> Labels:
    """Labels for ``papers`` (heads with ``meta``) and, given the works stage result, for every
    cited work. Two documents that would get the same label (an export record and the full
    text of one paper) keep it: they are the same work, and the paper pages say so."""
    lab = Labels(_aliases=aliases)
    works = works or {}
    from ..refs.union import all_rows

    for r in all_rows(works):
        wid = r.get("work_id")
        if wid and wid not in lab.works:
            names = [x for x in str(r.get("authors") or "").split(";") if x]
            lab.works[wid] = work_label(names, r.get("year"), r.get("title") or r.get("container") or r.get("raw"))
    for p in papers:
        m = p.get("meta") or {}
        canon = paper_authors(m)
        title = m.get("title") or p.get("source")
        lab.docs[p["doc_id"]] = work_label(canon, m.get("year") or m.get("year_inferred"), title)
        lab.titles[p["doc_id"]] = f"《{short_title(title)}》"
        for printed, c in zip(m.get("authors") or [], canon):
            lab.variants.setdefault(c, set()).add(str(printed).strip())
    # A work in the corpus is named as its document is (its own metadata beats a citation's).
    for doc_id, wid in sorted((works.get("doc_work") or {}).items()):
        if doc_id in lab.docs and wid not in lab.work_doc:
            lab.work_doc[wid] = doc_id
            lab.works[wid] = lab.docs[doc_id]
    return lab


def labels_cached(ctx: ReportContext) -> Labels:
    """The run's labels, built once per report (every section names documents)."""
    from .entities import per_run, run_aliases

    return per_run(ctx, "_report_labels", lambda c: build_labels(
        c.papers, run_aliases(c), (getattr(c, "results", None) or {}).get("works")))
