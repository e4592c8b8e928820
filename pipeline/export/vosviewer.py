"""VOSviewer map and network files ("Create a map based on network data"): per network a map
file (tab-separated, header naming the columns: ``id``, ``label``, ``cluster`` and
``weight<…>`` columns) and a network file (``id1 id2 strength``, no header). VOSviewer wants
integer ids: node i of the map is the i-th node, largest first. Labels: a term, a person, a
cited work as the report names it in full (authors, year, short title). Clusters are the
report's Louvain communities.
"""
from __future__ import annotations

from pathlib import Path

from .records import Network
from .text import one_line

MAP_HEADER = ["id", "label", "cluster", "weight<Links>", "weight<Total link strength>",
              "weight<Occurrences>"]
# Labels and descriptions are cells of a tab-separated line: no tab, no line break, no quote
# (VOSviewer reads a double quote as the start of a quoted cell).
_CELL = str.maketrans({"\t": " ", "\n": " ", "\r": " ", '"': "'"})


def _cell(s: str) -> str:
    return one_line(s.translate(_CELL))


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def files(net: Network) -> dict[str, str]:
    """``{file name: text}`` of one network."""
    ids = {n.id: i for i, n in enumerate(net.nodes, start=1)}
    links = net.links()
    rows = ["\t".join(MAP_HEADER)]
    for n in net.nodes:
        k, s = links[n.id]
        rows.append("\t".join([str(ids[n.id]), _cell(n.label), str(n.cluster), str(k),
                               _num(s), _num(n.occurrences)]))
    edges = [f"{ids[e.a]}\t{ids[e.b]}\t{_num(e.weight)}" for e in net.edges]
    return {f"{net.name}_map.txt": "\n".join(rows) + "\n",
            f"{net.name}_network.txt": "".join(e + "\n" for e in edges)}


def write(networks: list[Network], folder: Path) -> list[str]:
    """Write every network's two files into ``folder``; returns the names written."""
    names = []
    for net in networks:
        for name, text in files(net).items():
            (folder / name).write_text(text, encoding="utf-8", newline="\n")
            names.append(name)
    return names
