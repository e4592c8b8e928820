"""Networks as inline SVG: laid out once in Python (networkx spring layout, seeded so the same
corpus draws the same picture), drawn as plain SVG with links, made interactive by
``assets/litmap.js`` (hover highlights a node's neighbours). No JavaScript library and no network:
the figure works from the file system and text is drawn by the browser's CJK font.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

PALETTE = ["#4a78b5", "#e0a030", "#5aa469", "#c0504d", "#8064a2", "#4bacc6", "#9b9b9b"]


@dataclass
class Node:
    id: str
    label: str
    href: str | None = None  # relative to the page the SVG sits on
    size: float = 1.0
    group: int = 0
    title: str = ""


@dataclass
class Edge:
    a: str
    b: str
    weight: float = 1.0
    title: str = ""
    directed: bool = False


def network_svg(nodes: list[Node], edges: list[Edge], width: int = 900, height: int = 620,
                label: str = "network", max_nodes: int = 80, seed: int = 7) -> Markup:
    """Draw the ``max_nodes`` largest nodes and the edges among them."""
    import networkx as nx

    if not nodes:
        return Markup('<p class="muted">无数据 nothing to draw</p>')
    keep = sorted(nodes, key=lambda n: (-n.size, n.id))[:max_nodes]
    ids = {n.id for n in keep}
    edges = [e for e in edges if e.a in ids and e.b in ids and e.a != e.b]
    g = nx.Graph()
    # In ``keep`` order, not the set's: set order changes with the string hash seed of each
    # process, and with it the seeded layout.
    g.add_nodes_from(n.id for n in keep)
    for e in edges:
        g.add_edge(e.a, e.b, weight=float(e.weight))
    # Disconnected parts drift to the edges and squash the main one into a blot: tie every part
    # to a hidden hub with a weak edge while laying out, then drop the hub.
    hub = "\0hub"
    for comp in list(nx.connected_components(g)):
        g.add_edge(hub, max(sorted(comp), key=lambda n: g.degree(n)), weight=0.05)
    pos = nx.spring_layout(g, seed=seed, k=2.5 / max(1, len(ids)) ** 0.5, iterations=100)
    pos.pop(hub, None)
    g.remove_node(hub)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad = 60
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def sx(v: float) -> float:
        return pad + (v - x0) / ((x1 - x0) or 1) * (width - 2 * pad)

    def sy(v: float) -> float:
        return pad / 2 + (v - y0) / ((y1 - y0) or 1) * (height - pad)

    top = max(n.size for n in keep) or 1
    wmax = max((e.weight for e in edges), default=1) or 1
    key = {n.id: f"n{i}" for i, n in enumerate(keep)}
    parts = ['<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="12" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#999"/></marker></defs>']
    for e in edges:
        (ax, ay), (bx, by) = pos[e.a], pos[e.b]
        arrow = ' marker-end="url(#arrow)"' if e.directed else ""
        parts.append(f'<line data-a="{key[e.a]}" data-b="{key[e.b]}" x1="{sx(ax):.1f}" y1="{sy(ay):.1f}" '
                     f'x2="{sx(bx):.1f}" y2="{sy(by):.1f}" stroke-width="{0.6 + 2.4 * e.weight / wmax:.2f}"{arrow}>'
                     f'<title>{escape(e.title)}</title></line>')
    for n in keep:
        x, y = sx(pos[n.id][0]), sy(pos[n.id][1])
        r = 4 + 10 * (n.size / top) ** 0.5
        color = PALETTE[n.group % len(PALETTE)]
        body = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{color}"><title>{escape(n.title or n.label)}</title>'
                f'</circle><text x="{x + r + 2:.1f}" y="{y + 4:.1f}">{escape(n.label)}</text>')
        if n.href:
            body = f'<a href="{escape(n.href)}">{body}</a>'
        parts.append(f'<g class="node" data-id="{key[n.id]}">{body}</g>')
    return Markup(f'<svg class="net" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
                  f'aria-label="{escape(label)}">{"".join(parts)}</svg>')


def cooccurrence_network(cooc: Any, concept_pages: dict[str, str], root: str = "", max_edges: int = 150) -> Markup:
    """Strongest term pairs (by count, then NPMI); tracked concepts link to their pages."""
    if cooc is None or len(cooc) == 0:
        return network_svg([], [])
    df = cooc.sort_values(["count", "npmi"], ascending=False).head(max_edges)
    deg: dict[str, float] = {}
    edges = []
    for a, b, c, npmi in zip(df.term_a, df.term_b, df["count"], df.npmi):
        a, b = str(a), str(b)
        deg[a] = deg.get(a, 0) + c
        deg[b] = deg.get(b, 0) + c
        edges.append(Edge(a, b, float(c), f"{a} — {b}: {c} 次共现 co-occurrences, NPMI {float(npmi):.2f}"))
    nodes = [Node(t, t, root + concept_pages[t] + "#kwic" if t in concept_pages else None, s,
                  0 if t in concept_pages else 6, f"{t}: {s:g}") for t, s in deg.items()]
    return network_svg(nodes, edges, label="co-occurrence network")


def citation_network(references: list[dict[str, Any]], doc_authors: dict[str, list[str]], author_href: Any,
                     root: str = "", max_edges: int = 250) -> Markup:
    """Citing author -> cited author, weighted by citations (classics apart, shown in grey)."""
    w: dict[tuple[str, str], int] = {}
    size: dict[str, float] = {}
    classic: set[str] = set()
    for r in references:
        citing = doc_authors.get(r["doc_id"]) or []
        for b in [x for x in str(r.get("authors") or "").split(";") if x]:
            if r.get("classic"):
                classic.add(b)
            size[b] = size.get(b, 0) + 1
            for a in citing:
                if a != b:
                    w[(a, b)] = w.get((a, b), 0) + 1
                    size.setdefault(a, 0)
                    size[a] += 0.5
    top = sorted(w.items(), key=lambda kv: -kv[1])[:max_edges]
    edges = [Edge(a, b, n, f"{a} → {b}: {n} 次引用 citations", directed=True) for (a, b), n in top]
    used = {e.a for e in edges} | {e.b for e in edges}
    citing = {a for docs in doc_authors.values() for a in docs}
    nodes = [Node(n, n, root + author_href(n), s + 1, 1 if n in citing else (6 if n in classic else 0),
                  f"{n}: {int(round(s))}") for n, s in size.items() if n in used]
    return network_svg(nodes, edges, label="citation network")
