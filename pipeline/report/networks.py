"""Networks as inline SVG: laid out once in Python (networkx spring layout, seeded so the same
corpus draws the same picture), drawn as plain SVG with links, made interactive by
``assets/litmap.js`` (hover highlights a node's neighbours) and ``assets/litmap-net.js`` (year
filter, save as SVG or PNG). No JavaScript library and no network: the figure works from the
file system and text is drawn by the browser's CJK font.

Communities are Louvain's (``networkx.community.louvain_communities``, seeded), found on the
graph as drawn (the ``max_nodes`` largest nodes and the edges among them), so every colour the
reader sees is a group they can see; the legend names each community by its largest nodes.

Every node and edge carries the years it is active in (``data-years``; see ``net_data.py``),
which the year filter reads. Styling a reader needs in a saved file (stroke, font) is written
as presentation attributes, not only in the stylesheet, which a saved SVG does not carry.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from ..context import ReportContext

PALETTE = ["#4a78b5", "#e0a030", "#5aa469", "#c0504d", "#8064a2", "#4bacc6", "#9b9b9b"]
# Community colours: Tableau 10 without its grey, which marks the small communities.
COMMUNITY_COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
                     "#ff9da7", "#9c755f"]
OTHER = "#b8b8b8"
# The fonts of litmap.css, written on each figure: a saved SVG or PNG has no stylesheet, and
# without a CJK family the browser draws its labels as boxes.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", ' \
       '"Hiragino Sans GB", sans-serif'


@dataclass
class Node:
    id: str
    label: str
    href: str | None = None  # relative to the page the SVG sits on
    size: float = 1.0
    group: int = 0
    title: str = ""
    years: list[int] = field(default_factory=list)  # years the node is active in (year filter)
    year: int | None = None  # where a timeline places it (None: its first active year)
    mark: bool = False  # drawn with a ring (a tracked concept among terms)

    @property
    def first_year(self) -> int | None:
        return self.year if self.year is not None else (min(self.years) if self.years else None)


@dataclass
class Edge:
    a: str
    b: str
    weight: float = 1.0
    title: str = ""
    directed: bool = False
    years: list[int] = field(default_factory=list)


@dataclass
class Community:
    index: int  # 1-based, largest first
    members: list[str]  # node ids, largest first
    label: str  # its largest nodes' labels
    colour: str
    size: float  # sum of the members' sizes


@dataclass
class Drawn:
    """A network as drawn: the SVG, and what a timeline of it needs."""
    svg: Markup
    nodes: list[Node]
    edges: list[Edge]
    communities: list[Community]
    community_of: dict[str, int]  # node id -> index into ``communities``


def svg_open(width: int, height: int, label: str, cls: str, save: str, extra: str = "") -> str:
    """The opening tag every figure shares: alt text (``aria-label`` and a ``<title>``), the
    fonts, and ``data-save`` (file name stem) which litmap-net.js gives save buttons."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(label)}" data-save="{escape(save)}" '
            f'font-family="{escape(FONT)}"{extra}><title>{escape(label)}</title>')


def years_attr(years: list[int]) -> str:
    return f' data-years="{" ".join(str(y) for y in years)}" data-y0="{years[0]}"' if years else ""


def find_communities(nodes: list[Node], edges: list[Edge], seed: int = 7, n_labels: int = 3,
                     max_coloured: int = len(COMMUNITY_COLOURS)) -> tuple[list[Community], dict[str, int]]:
    """Louvain communities of the (undirected, weighted) graph, largest first. The first
    ``max_coloured`` with two members or more get a colour each; the rest share grey."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(n.id for n in nodes)  # in list order: the seeded result depends on it
    for e in edges:
        if e.a != e.b:
            w = g[e.a][e.b]["weight"] + e.weight if g.has_edge(e.a, e.b) else e.weight
            g.add_edge(e.a, e.b, weight=float(w))
    by_id = {n.id: n for n in nodes}
    found = nx.community.louvain_communities(g, weight="weight", seed=seed) if g.number_of_nodes() else []
    groups = [sorted(c, key=lambda i: (-by_id[i].size, i)) for c in found]
    groups.sort(key=lambda m: (-sum(by_id[i].size for i in m), m[0]))
    out, of = [], {}
    for i, m in enumerate(groups):
        coloured = i < max_coloured and len(m) > 1
        out.append(Community(i + 1, m, "、".join(by_id[x].label for x in m[:n_labels]),
                             COMMUNITY_COLOURS[i] if coloured else OTHER, sum(by_id[x].size for x in m)))
        for x in m:
            of[x] = i
    return out, of


def _legend(comms: list[Community], x: int, y: int, max_rows: int) -> tuple[str, int]:
    """Legend rows (colour, number, top nodes, size); returns the SVG and its height."""
    shown = [c for c in comms if c.colour != OTHER][:max_rows]
    rest = len(comms) - len(shown)
    parts = ['<g class="legend">']
    for i, c in enumerate(shown):
        yy = y + 18 * i
        parts.append(f'<rect x="{x}" y="{yy - 10}" width="12" height="12" fill="{c.colour}"/>'
                     f'<text x="{x + 18}" y="{yy}" font-size="12" fill="#333">#{c.index} {escape(c.label)} '
                     f'（{len(c.members)}）</text>')
    if rest:
        yy = y + 18 * len(shown)
        parts.append(f'<rect x="{x}" y="{yy - 10}" width="12" height="12" fill="{OTHER}"/>'
                     f'<text x="{x + 18}" y="{yy}" font-size="12" fill="#333">其他 other: {rest} 个小社区 small communities</text>')
    parts.append("</g>")
    return "".join(parts), 18 * (len(shown) + (1 if rest else 0)) + 8


def _spread_out(pos: dict[str, Any], share: float = 0.5) -> dict[str, tuple[float, float]]:
    """Blend each coordinate with its rank: a spring layout packs the core densely and leaves
    the periphery empty, and the labels of the core then overprint each other. Ranks keep the
    order of nodes along each axis, so neighbours stay near."""
    ids = list(pos)
    out = {i: [0.0, 0.0] for i in ids}
    for axis in (0, 1):
        vals = [float(pos[i][axis]) for i in ids]
        lo, hi = min(vals), max(vals)
        order = sorted(range(len(ids)), key=lambda k: (vals[k], ids[k]))
        for r, k in enumerate(order):
            lin = (vals[k] - lo) / ((hi - lo) or 1)
            out[ids[k]][axis] = (1 - share) * lin + share * r / max(1, len(ids) - 1)
    return {i: (v[0], v[1]) for i, v in out.items()}


def drawn_subgraph(nodes: list[Node], edges: list[Edge], max_nodes: int) -> tuple[list[Node], list[Edge]]:
    """What a network figure shows: the ``max_nodes`` largest nodes and the edges among them
    (``litmap export`` writes the same part, so another tool shows what the report drew)."""
    keep = sorted(nodes, key=lambda n: (-n.size, n.id))[:max_nodes]
    ids = {n.id for n in keep}
    return keep, [e for e in edges if e.a in ids and e.b in ids and e.a != e.b]


def draw_network(nodes: list[Node], edges: list[Edge], width: int = 900, height: int = 620,
                 label: str = "network", max_nodes: int = 80, seed: int = 7, communities: bool = False,
                 legend_rows: int = 9, save: str = "network") -> Drawn:
    """Draw the ``max_nodes`` largest nodes and the edges among them; with ``communities``
    colour nodes by Louvain community (else by ``Node.group``) and add the legend."""
    import networkx as nx

    if not nodes:
        return Drawn(Markup('<p class="muted">无数据 nothing to draw</p>'), [], [], [], {})
    keep, edges = drawn_subgraph(nodes, edges, max_nodes)
    ids = {n.id for n in keep}
    g = nx.Graph()
    # In ``keep`` order, not the set's: set order changes with the string hash seed of each
    # process, and with it the seeded layout.
    g.add_nodes_from(n.id for n in keep)
    wmin = min((e.weight for e in edges), default=1) or 1
    for e in edges:
        # Log weights for the layout: raw counts run from 2 to hundreds, and a few heavy pairs
        # then pull the core into one blot.
        g.add_edge(e.a, e.b, weight=1.0 + math.log(max(e.weight, wmin) / wmin))
    # Disconnected parts drift to the edges and squash the main one into a blot: tie every part
    # to a hidden hub with a weak edge while laying out, then drop the hub.
    hub = "\0hub"
    for comp in list(nx.connected_components(g)):
        g.add_edge(hub, max(sorted(comp), key=lambda n: g.degree(n)), weight=0.3)
    pos = nx.spring_layout(g, seed=seed, k=2.5 / max(1, len(ids)) ** 0.5, iterations=100)
    pos.pop(hub, None)
    g.remove_node(hub)
    pos = _spread_out(pos)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad = 60
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def sx(v: float) -> float:
        return pad + (v - x0) / ((x1 - x0) or 1) * (width - 2 * pad)

    def sy(v: float) -> float:
        return pad / 2 + (v - y0) / ((y1 - y0) or 1) * (height - pad)

    comms, comm_of = find_communities(keep, edges, seed) if communities else ([], {})
    legend, legend_h = _legend(comms, 12, height + 14, legend_rows) if comms else ("", 0)
    top = max(n.size for n in keep) or 1
    wmax = max((e.weight for e in edges), default=1) or 1
    key = {n.id: f"n{i}" for i, n in enumerate(keep)}
    marker = f"arrow-{save}"
    parts = [f'<defs><marker id="{marker}" markerWidth="8" markerHeight="8" refX="12" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#999"/></marker></defs>']
    for e in edges:
        (ax, ay), (bx, by) = pos[e.a], pos[e.b]
        arrow = f' marker-end="url(#{marker})"' if e.directed else ""
        parts.append(f'<line data-a="{key[e.a]}" data-b="{key[e.b]}"{years_attr(e.years)} x1="{sx(ax):.1f}" '
                     f'y1="{sy(ay):.1f}" x2="{sx(bx):.1f}" y2="{sy(by):.1f}" stroke="#bbb" '
                     f'stroke-width="{0.6 + 2.4 * e.weight / wmax:.2f}"{arrow}><title>{escape(e.title)}</title></line>')
    all_years: set[int] = set()
    for n in keep:
        all_years.update(n.years)
        x, y = sx(pos[n.id][0]), sy(pos[n.id][1])
        r = 4 + 10 * (n.size / top) ** 0.5
        if communities:
            c = comms[comm_of[n.id]]
            colour, cattr = c.colour, f' data-community="{c.index}"'
        else:
            colour, cattr = PALETTE[n.group % len(PALETTE)], ""
        ring = ' stroke="#222" stroke-width="2"' if n.mark else ' stroke="#fff" stroke-width="1"'
        weight = ' font-weight="bold"' if n.mark else ""
        body = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}"{ring}>'
                f'<title>{escape(n.title or n.label)}</title></circle>'
                f'<text x="{x + r + 2:.1f}" y="{y + 4:.1f}" font-size="11"{weight}>{escape(n.label)}</text>')
        if n.href:
            body = f'<a href="{escape(n.href)}">{body}</a>'
        parts.append(f'<g class="node" data-id="{key[n.id]}"{cattr}{years_attr(sorted(n.years))}>{body}</g>')
    extra = years_attr(sorted(all_years)) if all_years else ""
    svg = Markup(svg_open(width, height + legend_h, label, "net", save, extra) + "".join(parts) + legend + "</svg>")
    return Drawn(svg, keep, edges, comms, comm_of)


def network_svg(nodes: list[Node], edges: list[Edge], width: int = 900, height: int = 620,
                label: str = "network", max_nodes: int = 80, seed: int = 7, communities: bool = False,
                save: str = "network") -> Markup:
    """The SVG of :func:`draw_network`."""
    return draw_network(nodes, edges, width, height, label, max_nodes, seed, communities, save=save).svg


# -- the three networks of the figures section ------------------------------------------------

# How many times the drawn pairs' terms are dated when the documents are read in full (net_data.
# kept_cooccurrence_years): a margin for the ranking to move in before they are all read again.
WIDER = 3


def cooccurrence_graph(cooc: Any, concept_pages: dict[str, str], root: str = "", max_edges: int = 150,
                       ctx: ReportContext | None = None) -> tuple[list[Node], list[Edge]]:
    """Strongest term pairs (by count, then NPMI); tracked concepts link to their pages and are
    ringed; with ``ctx`` (a run) every term and pair is dated by the documents holding it."""
    from .net_data import ctx_cooccurrence_years

    if cooc is None or len(cooc) == 0:
        return [], []
    ranked = cooc.sort_values(["count", "npmi"], ascending=False)
    df = ranked.head(max_edges)
    deg: dict[str, float] = {}
    edges = []
    for a, b, c, npmi in zip(df.term_a, df.term_b, df["count"], df.npmi):
        a, b = str(a), str(b)
        deg[a] = deg.get(a, 0) + c
        deg[b] = deg.get(b, 0) + c
        edges.append(Edge(a, b, float(c), f"{a} — {b}: {c} 次共现 co-occurrences, NPMI {float(npmi):.2f}"))
    # The terms of the next strongest pairs are dated too (kept for the next report, so one paper
    # added, which moves a few pairs across the cut, does not make it read every document again).
    near = ranked.head(WIDER * max_edges)
    wider = {str(t) for t in near.term_a} | {str(t) for t in near.term_b}
    dated = ctx_cooccurrence_years(ctx, set(deg), {(min(e.a, e.b), max(e.a, e.b)) for e in edges}, wider) \
        if ctx is not None else None
    if dated is not None:
        for e in edges:
            e.years = dated.of_edge(e.a, e.b)
    nodes = [Node(t, t, root + concept_pages[t] + "#kwic" if t in concept_pages else None, s,
                  0 if t in concept_pages else 6, f"{t}: {s:g}", dated.of_node(t) if dated else [],
                  mark=t in concept_pages) for t, s in deg.items()]
    return nodes, edges


def cooccurrence_network(cooc: Any, concept_pages: dict[str, str], root: str = "", *, max_edges: int, seed: int,
                         max_nodes: int, ctx: ReportContext | None = None, communities: bool = True,
                         save: str = "cooccurrence-network") -> Markup:
    """The co-occurrence network coloured by community (see :func:`cooccurrence_graph`); pass
    ``ctx`` (the run) to date its terms for the year filter, and another ``save`` (the saved
    file's name, also the stem of its marker id) when a page holds it twice. ``max_edges``,
    ``seed`` and ``max_nodes``: ``report.networks`` (``cooccurrence_edges``, ``seed``, ``max_nodes``)."""
    nodes, edges = cooccurrence_graph(cooc, concept_pages, root, max_edges, ctx)
    return draw_network(nodes, edges, label="共现网络 co-occurrence network: terms coloured by community",
                        max_nodes=max_nodes, seed=seed, communities=communities, save=save).svg


def cocitation_graph(references: list[dict[str, Any]], years: dict[str, int], root: str = "",
                     max_edges: int = 150, counted: list[Any] | None = None) -> tuple[list[Node], list[Edge]]:
    """Cited works (classics apart) linked when one document cites both; a work is named by its
    authors, year and short title and links to its paper page when the corpus holds it, else to
    its first author's page. Its timeline year is its publication year."""
    from .labels import authors_text, short_title, work_label
    from .links import author_href, paper_href
    from .net_data import cocitation_graph as pairs_of

    works, pairs, dated = pairs_of(references, years, max_edges, counted)
    used = {x for a, b, _ in pairs for x in (a, b)}
    nodes, full = [], {}
    for wid in sorted(used):
        w = works[wid]
        name = full[wid] = work_label(w.authors, w.year, w.title)
        # On the figure, authors and year as CiteSpace labels a reference; the tooltip names it whole.
        short = " ".join(x for x in (authors_text(w.authors) or short_title(w.title, 8), str(w.year or "")) if x)
        href = paper_href(w.matched_doc_id) if w.matched_doc_id else (author_href(w.authors[0]) if w.authors else None)
        nodes.append(Node(wid, short or name, root + href if href else None, float(len(w.citing)), 0,
                          f"{name}: 被 {len(w.citing)} 篇文献引用 cited by {len(w.citing)} documents",
                          dated.of_node(wid), year=w.year))
    edges = [Edge(a, b, float(n), f"{full[a]} — {full[b]}: {n} 篇文献同时引用 co-cited by {n} documents",
                  years=dated.of_edge(a, b)) for a, b, n in pairs]
    return nodes, edges


def coauthorship_graph(references: list[dict[str, Any]], papers: list[dict[str, Any]], doc_work: dict[str, str],
                       author_href: Callable[[str], str], root: str = "", max_edges: int = 150
                       ) -> tuple[list[Node], list[Edge]]:
    """People (canonical names) linked when they wrote a work together, linking to their pages."""
    from .net_data import coauthorship_graph as pairs_of

    n_works, pairs, dated = pairs_of(references, papers, doc_work, max_edges)
    used = sorted({x for a, b, _ in pairs for x in (a, b)})
    nodes = [Node(a, a, root + author_href(a), float(n_works.get(a, 1)), 0, f"{a}: {n_works.get(a, 1)} 部作品 works",
                  dated.of_node(a)) for a in used]
    edges = [Edge(a, b, float(n), f"{a} — {b}: {n} 部合著 joint works", years=dated.of_edge(a, b)) for a, b, n in pairs]
    return nodes, edges


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
    return network_svg(nodes, edges, label="引用网络 citation network: citing author → cited author", save="citation-network")
