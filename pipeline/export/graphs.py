"""GEXF (dynamic, with years) and GraphML for Gephi, written by networkx.

One file holds the three networks, each node and edge carrying a ``network`` attribute
(``cooccurrence``, ``cocitation``, ``coauthorship``): Gephi opens one file, and its Filters →
Attributes → Equal → network shows one network at a time. Node ids are prefixed with the
network (a person may be a co-author and a term may equal a name).

GEXF is dynamic: every node and edge has a ``start`` year (the first year it is active in; a
cited work starts at its publication year when that is earlier), so Gephi's Timeline plays the
networks over the years; ``timeformat="integer"`` as GEXF 1.2 names whole-number time (networkx
writes "long", which is replaced). Undated nodes and edges have no ``start``: always shown.
"""
from __future__ import annotations

import io
from pathlib import Path

from .records import Network

CREATOR = "litmap export"


def graph(networks: list[Network], dynamic: bool):
    import networkx as nx

    g = nx.Graph(generator=CREATOR)
    if dynamic:
        g.graph["mode"] = "dynamic"
    for net in networks:
        start: dict[str, int] = {}
        for n in net.nodes:
            attrs = {"label": n.label, "network": net.name, "cluster": n.cluster, "occurrences": n.occurrences,
                     "years": " ".join(str(y) for y in n.years), "litmap_id": n.id}
            first = [y for y in (*n.years, n.year) if y is not None]
            if first:
                start[n.id] = min(first)
            if dynamic and n.id in start:
                attrs["start"] = start[n.id]
            if n.year is not None:
                attrs["year"] = n.year
            g.add_node(f"{net.name}:{n.id}", **attrs)
        for e in net.edges:
            attrs = {"weight": e.weight, "network": net.name, "years": " ".join(str(y) for y in e.years)}
            # An edge never starts before its nodes (Gephi would hide it until they appear).
            s = [y for y in (min(e.years) if e.years else None, start.get(e.a), start.get(e.b)) if y is not None]
            if dynamic and s:
                attrs["start"] = max(s)
            g.add_edge(f"{net.name}:{e.a}", f"{net.name}:{e.b}", **attrs)
    return g


def gexf_text(networks: list[Network]) -> str:
    import xml.etree.ElementTree as ET

    import networkx as nx

    ns = "http://www.gexf.net/1.2draft"
    ET.register_namespace("", ns)
    ET.register_namespace("viz", "http://www.gexf.net/1.2draft/viz")
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.fromstring("\n".join(nx.generate_gexf(graph(networks, dynamic=True))))
    el = root.find(f"{{{ns}}}graph")
    if el is not None and el.get("timeformat") == "long":
        el.set("timeformat", "integer")
    creator = root.find(f"{{{ns}}}meta/{{{ns}}}creator")
    if creator is not None:
        creator.text = CREATOR
    buf = io.BytesIO()
    ET.ElementTree(root).write(buf, encoding="utf-8", xml_declaration=True)
    return buf.getvalue().decode("utf-8")


def write_gexf(networks: list[Network], path: Path) -> None:
    path.write_text(gexf_text(networks), encoding="utf-8")


def write_graphml(networks: list[Network], path: Path) -> None:
    import networkx as nx

    nx.write_graphml(graph(networks, dynamic=False), str(path), encoding="utf-8")


def gexf_is_ours(text: str) -> bool:
    return "<gexf" in text[:2000] and f"<creator>{CREATOR}</creator>" in text[:4000]


def graphml_is_ours(text: str) -> bool:
    return "<graphml" in text[:4000] and f">{CREATOR}</data>" in text
