"""Typed records of what ``litmap export`` writes: a corpus work, one of its cited works, and a
network as the report draws it. The format writers take these, never a run's CSV rows, so each
writer is tested on records and the loader (``load.py``) is the only code that reads a run."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Work:
    """A corpus work (``data/works.csv``): the documents that are one paper, grouped."""
    work_id: str
    title: str = ""
    authors: list[str] = field(default_factory=list)  # canonical identities
    authors_printed: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    keywords: list[str] = field(default_factory=list)
    abstract: str = ""
    affiliations: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    n_references: int = 0
    year_inferred: int | None = None  # from the documents' text when none prints a year


@dataclass
class CitedRef:
    """One (citing work, cited work) pair (``data/work_references.csv``)."""
    citing_work_id: str
    work_id: str
    label: str = ""
    authors: list[str] = field(default_factory=list)  # canonical
    first_author: str = ""  # as printed
    title: str = ""
    container: str = ""
    publisher: str = ""
    year: int | None = None
    volume: str = ""
    issue: str = ""
    pages: str = ""
    type: str = ""
    classic: bool = False
    sources: list[str] = field(default_factory=list)  # "footnote 1", "cssci 3", ...
    matched_doc_id: str = ""


@dataclass
class NetNode:
    id: str  # the id litmap uses (a term, a work_id, a person)
    label: str
    cluster: int  # 1-based Louvain community, largest first (as the report colours it)
    # The node's size in the report: a term's co-occurrence count, a cited work's citing
    # documents, a person's works.
    occurrences: float
    years: list[int] = field(default_factory=list)  # years it is active in
    year: int | None = None  # where a timeline puts it (a cited work: its publication year)
    description: str = ""


@dataclass
class NetEdge:
    a: str
    b: str
    weight: float
    years: list[int] = field(default_factory=list)


@dataclass
class Network:
    name: str  # file stem: cooccurrence, cocitation, coauthorship
    title: str
    nodes: list[NetNode]
    edges: list[NetEdge]

    def links(self) -> dict[str, tuple[int, float]]:
        """node id -> (number of links, total link strength), as VOSviewer counts them."""
        out = {n.id: [0, 0.0] for n in self.nodes}
        for e in self.edges:
            for x in (e.a, e.b):
                out[x][0] += 1
                out[x][1] += e.weight
        return {k: (int(v[0]), float(v[1])) for k, v in out.items()}
