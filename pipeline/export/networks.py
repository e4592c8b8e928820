"""The report's three networks (term co-occurrence, co-citation, co-authorship) as records, built
by the report's own functions (``report/networks.py``, ``report/net_data.py``) from the run's
tables: the same pairs, the same nodes (``report.networks.max_nodes`` largest) and the same
Louvain communities, so VOSviewer or Gephi show the groups the report coloured.

``export.networks: all`` writes every pair of the tables instead (no cap on edges or nodes).
"""
from __future__ import annotations

import sys
from typing import Any, Iterator

from .load import FinishedRun
from .records import NetEdge, NetNode, Network

NAMES = ("cooccurrence", "cocitation", "coauthorship")
UNCAPPED = 10 ** 9


class _StoreParts:
    """What ``net_data.ctx_cooccurrence_years`` reads of a run (its documents and their
    co-occurrence windows), from the store the run used."""

    def __init__(self, papers: list[dict[str, Any]], store: Any, features_key: tuple[str, str]):
        self.papers = papers
        self._store = store
        self._key = features_key
        self.memo: dict[str, Any] = {}  # what the report's readers keep for the run (``ReportContext.memo``)

    def iter_part(self, part: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for d, r in self._store.iter_results(part, [p["doc_id"] for p in self.papers], *self._key):
            if "error" not in r:
                yield d, r


def _open_parts(run: FinishedRun, papers: list[dict[str, Any]]) -> _StoreParts | None:
    """The store's windows, or None (said on stderr) when the run's store cannot be read."""
    from pathlib import Path

    key = run.info.get("features_key")
    path = run.info.get("store")
    if not key or not path or not Path(path).is_file():
        print(f"litmap export: the store of {run.report_dir} is not at hand (or its run.json is from an older "
              "litmap): the co-occurrence network is written without years", file=sys.stderr)
        return None
    from ..store.db import Store, StoreError

    try:
        return _StoreParts(papers, Store(path), (key[0], key[1]))
    except StoreError as e:
        print(f"litmap export: {e}; the co-occurrence network is written without years", file=sys.stderr)
        return None


def _records(name: str, title: str, nodes: list[Any], edges: list[Any], max_nodes: int, seed: int,
             label: dict[str, str] | None = None) -> Network:
    from ..report.networks import drawn_subgraph, find_communities

    keep, kept = drawn_subgraph(nodes, edges, max_nodes)
    comms, of = find_communities(keep, kept, seed)
    out_nodes = []
    for n in keep:
        yrs = sorted(set(n.years))
        out_nodes.append(NetNode(n.id, (label or {}).get(n.id, n.label), comms[of[n.id]].index, float(n.size), yrs, n.year,
                                 n.title or n.label))
    return Network(name, title, out_nodes, [NetEdge(e.a, e.b, float(e.weight), sorted(set(e.years))) for e in kept])


def build(run: FinishedRun, cfg: dict[str, Any]) -> list[Network]:
    """The networks with at least one edge, in ``NAMES`` order."""
    from ..report.net_data import doc_years
    from ..report.networks import coauthorship_graph, cocitation_graph, cooccurrence_graph

    nc = cfg["report"]["networks"]
    everything = cfg["export"]["networks"] == "all"
    max_nodes = UNCAPPED if everything else int(nc["max_nodes"])
    seed = int(nc["seed"])

    def cap(key: str) -> int:
        return UNCAPPED if everything else int(nc[key])

    papers = run.papers()
    years = doc_years(papers)
    out = []

    cooc = run.cooccurrence()
    if len(cooc):
        parts = _open_parts(run, papers)
        try:
            nodes, edges = cooccurrence_graph(cooc, {}, "", cap("cooccurrence_edges"), parts)
        finally:
            if parts is not None:
                parts._store.close()
        out.append(_records("cooccurrence", "term co-occurrence", nodes, edges, max_nodes, seed))

    refs = run.references()
    if refs:
        counted = [(r["work_a"], r["work_b"], int(r["documents"])) for r in run.rows("cocitation.csv")]
        counted.sort(key=lambda t: (-t[2], t[0], t[1]))
        nodes, edges = cocitation_graph(refs, years, "", cap("cocitation_edges"), counted)
        if edges:
            # Named in full (authors, year, short title), as the report's tooltip names them: the
            # figure's short "authors year" is ambiguous in a tool that lists every label.
            from ..report.labels import work_label
            from ..report.net_data import cited_works

            named = {w.work_id: work_label(w.authors, w.year, w.title) for w in cited_works(refs).values()}
            out.append(_records("cocitation", "co-citation of cited works", nodes, edges, max_nodes, seed, named))
        nodes, edges = coauthorship_graph(refs, papers, run.doc_work(), lambda a: "", "", cap("coauthorship_edges"))
        if edges:
            out.append(_records("coauthorship", "co-authorship", nodes, edges, max_nodes, seed))
    return out
