"""Figures on a year axis, as inline SVG.

- :func:`timeline_svg`, in the manner of CiteSpace's timeline view: each community of a network
  is a horizontal row, its members sit at the year they first appear, sized by frequency, with
  the links inside the community drawn as arcs; the row is named by its largest members.
- :func:`spread_svg`: a concept's users on a year axis (each at the year they first used it) and
  the spread edges between them, citation edges apart from co-use, each edge's evidence
  sentence as its tooltip.

The year axis is linear (an empty year keeps its width), so distances read as time.
"""
from __future__ import annotations

import math
from typing import Any

from markupsafe import Markup, escape

from .networks import OTHER, Drawn, svg_open


def _axis(years: list[int], x: Any, top: int, bottom: int, min_gap: int) -> str:
    """A tick per year (``<g class="tick" data-year>``), labelled every k-th year when the
    columns are too narrow for every label."""
    if not years:
        return ""
    step = max(1, math.ceil(min_gap / max(1e-9, (x(years[-1]) - x(years[0])) / max(1, len(years) - 1)))) \
        if len(years) > 1 else 1
    parts = []
    for i, y in enumerate(years):
        xx = x(y)
        text = (f'<text x="{xx:.1f}" y="{top - 8}" font-size="11" fill="#666" text-anchor="middle">{y}</text>'
                if i % step == 0 or i == len(years) - 1 else "")
        parts.append(f'<g class="tick" data-year="{y}"><line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{bottom}" '
                     f'stroke="#eee"/>{text}</g>')
    return "".join(parts)


def timeline_svg(drawn: Drawn, label: str, save: str, axis_years: list[int] | None = None, max_rows: int = 8,
                 labels_per_year: int = 3) -> Markup:
    """The communities of ``drawn`` (a network drawn with ``communities=True``) as rows on a
    year axis; ``axis_years`` widens the axis to the corpus's years. Communities of one node
    and undated nodes are left out (the network shows them)."""
    rows = [c for c in drawn.communities if len(c.members) > 1][:max_rows]
    by_id = {n.id: n for n in drawn.nodes}
    placed = {m for c in rows for m in c.members if by_id[m].first_year is not None}
    if not placed:
        return Markup('<p class="muted">无年份 no dated community to place on a timeline</p>')
    ys = {by_id[m].first_year for m in placed} | set(axis_years or ())
    years = list(range(min(ys), max(ys) + 1))
    col = max(26, min(90, 820 // len(years)))
    left, top = 24, 34

    def x(y: int) -> float:
        return left + col * (y - years[0]) + col / 2

    right = x(years[-1]) + col / 2
    slant = col < 64
    size_top = max(by_id[m].size for m in placed) or 1
    body, row_top = [], top + 6
    for c in rows:
        cells: dict[int, list[str]] = {}
        for m in c.members:  # largest first
            if m in placed:
                cells.setdefault(by_id[m].first_year, []).append(m)
        if not cells:
            continue
        stack = min(labels_per_year, max(len(v) for v in cells.values()))
        line_y = row_top + 16
        colour = c.colour if c.colour != OTHER else "#888"
        y0, y1 = min(cells), max(cells)
        body.append(f'<g class="row" data-community="{c.index}">'
                    f'<line x1="{x(y0):.1f}" y1="{line_y}" x2="{x(y1):.1f}" y2="{line_y}" stroke="{colour}" '
                    f'stroke-width="2" opacity=".6"/>')
        members = set(cells_m for v in cells.values() for cells_m in v)
        for e in drawn.edges:
            if e.a in members and e.b in members and by_id[e.a].first_year != by_id[e.b].first_year:
                xa, xb = x(by_id[e.a].first_year), x(by_id[e.b].first_year)
                h = min(14, 4 + abs(xb - xa) / 8)
                body.append(f'<path d="M{xa:.1f},{line_y} Q{(xa + xb) / 2:.1f},{line_y - h:.1f} {xb:.1f},{line_y}" '
                            f'fill="none" stroke="{colour}" stroke-width="1" opacity=".45">'
                            f'<title>{escape(e.title)}</title></path>')
        def radius(m: str) -> float:
            return 3 + 7 * (by_id[m].size / size_top) ** 0.5

        for y, ms in sorted(cells.items()):
            below = line_y + radius(ms[0]) + 12  # under the cell's largest circle
            for k, m in enumerate(reversed(ms)):  # the largest drawn last, on top
                n = by_id[m]
                r = radius(m)
                rank = len(ms) - 1 - k
                ty = below + 13 * rank
                # Narrow year columns: labels slant, so neighbouring years do not overprint.
                turn = f' transform="rotate(30 {x(y):.1f} {ty:.1f})"' if slant else ' text-anchor="middle"'
                text = (f'<text x="{x(y):.1f}" y="{ty:.1f}" font-size="11"{turn}{HALO}>{escape(n.label)}</text>'
                        if rank < labels_per_year else "")
                circle = (f'<circle cx="{x(y):.1f}" cy="{line_y}" r="{r:.1f}" fill="{colour}" stroke="#fff">'
                          f'<title>{escape(n.title or n.label)} · {y}</title></circle>')
                inner = circle + text
                if n.href:
                    inner = f'<a href="{escape(n.href)}">{inner}</a>'
                body.append(f'<g class="node" data-year="{y}">{inner}</g>')
            if len(ms) > labels_per_year:
                body.append(f'<text x="{x(y) - 4:.1f}" y="{line_y - 8:.1f}" font-size="10" '
                            f'fill="#999" text-anchor="end">+{len(ms) - labels_per_year}</text>')
        body.append(f'<text x="{right + 10:.1f}" y="{line_y + 4}" font-size="12" fill="{colour}" font-weight="bold">'
                    f'#{c.index} {escape(c.label)}</text></g>')
        row_top += 44 + 13 * stack + 14 + (36 if slant else 0)
    width = int(right + 20 + max(_text_width(f"#{c.index} {c.label}") for c in rows))
    height = int(row_top + 4)
    return Markup(svg_open(width, height, label, "timeline", save) + _axis(years, x, top, height - 4, 34)
                  + "".join(body) + "</svg>")


def _text_width(s: str, size: int = 12) -> float:
    """About how wide ``s`` is drawn: CJK characters are square, Latin ones about half."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.55 for c in s)


def _people(users: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One entry per person (users has one per (author, role)): first year, roles, uses."""
    out: dict[str, dict[str, Any]] = {}

    def add(name: str, year: Any, role: str | None, count: int) -> None:
        p = out.setdefault(name, {"year": None, "roles": set(), "count": 0})
        if year is not None and (p["year"] is None or int(year) < p["year"]):
            p["year"] = int(year)
        if role:
            p["roles"].add(role)
        p["count"] += count

    for u in users:
        add(u["author"], u.get("first_year"), u.get("role"), int(u.get("count") or 0))
    for e in edges:
        add(e["from"], e.get("from_year"), None, 0)
        add(e["to"], e.get("to_year"), None, 0)
    return out


# A white outline under each label keeps it readable where an edge crosses it.
HALO = ' stroke="#fff" stroke-width="3" paint-order="stroke" stroke-linejoin="round"'
ROLE_COLOUR = {"author": "#4a78b5", "cited": "#e0a030", "both": "#8064a2"}


def spread_svg(users: list[dict[str, Any]], edges: list[dict[str, Any]], author_href: Any, concept: str = "",
               root: str = "../", max_people: int = 60) -> Markup:
    """People at the year they first used the concept (x), stacked within a year; citation edges
    solid with an arrow, co-use dashed; each edge's evidence sentence is its tooltip."""
    people = _people(users, edges)
    if not people:
        return Markup('<p class="muted">无使用者 no users</p>')
    in_edge = {e["from"] for e in edges} | {e["to"] for e in edges}
    ranked = sorted(people, key=lambda n: (n not in in_edge, -people[n]["count"], n))[:max_people]
    dated = [n for n in ranked if people[n]["year"] is not None]
    undated = [n for n in ranked if people[n]["year"] is None]
    ys = sorted({people[n]["year"] for n in dated})
    years = list(range(ys[0], ys[-1] + 1)) if ys else []
    col = max(96, min(150, 900 // max(1, len(years) + (1 if undated else 0))))
    left, top, row = 12, 34, 26

    def x(y: int | None) -> float:
        return left + col * ((y - years[0]) if y is not None else len(years)) + 8

    stack: dict[Any, int] = {}
    pos: dict[str, tuple[float, float]] = {}
    # In a year, the corpus's authors first, then the cited, each by number of uses.
    for n in sorted(ranked, key=lambda n: ("author" not in people[n]["roles"], -people[n]["count"], n)):
        y = people[n]["year"]
        k = stack.get(y, 0)
        stack[y] = k + 1
        pos[n] = (x(y), top + 44 + row * k)  # room above the first row for the arcs
    height = top + 44 + row * max(stack.values()) + 34
    width = int(x(None if undated else years[-1]) + col)
    parts = [f'<defs><marker id="spread-arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
             '<path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>']
    parts.append(_axis(years, x, top, height - 30, 40))
    if undated:
        parts.append(f'<g class="tick" data-year=""><text x="{x(None):.1f}" y="{top - 8}" font-size="11" fill="#666">'
                     '无年份 undated</text></g>')
    # Citation edges first, then co-use, at most three per person drawn: a concept of a large
    # corpus has thousands of co-use pairs, and the table below lists them all.
    drawn = [e for e in edges if e["from"] in pos and e["to"] in pos]
    drawn = sorted(drawn, key=lambda e: e.get("via") != "citation")[:3 * max_people]
    for e in drawn:
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        if x2 > x1 + 20:  # a later year: leave from the end of the name, not across it
            x1 += 10 + _text_width(e["from"])
        cite = e.get("via") == "citation"
        # Arcs bow upward with the distance they span, so an edge rarely runs along a row of names.
        bend = -min(40.0, 12 + abs(x2 - x1) / 10)
        style = ' stroke="#555" stroke-width="1.4" marker-end="url(#spread-arrow)"' if cite else \
            ' stroke="#aaa" stroke-width="1.2" stroke-dasharray="4 3"'
        tip = f"{e['from']} ({e.get('from_year') or '?'}) → {e['to']} ({e.get('to_year') or '?'}), " \
              f"{'引用 citation' if cite else '共用 co-use'}: {e.get('evidence') or ''}"
        parts.append(f'<path class="edge {"citation" if cite else "co-use"}" d="M{x1:.1f},{y1:.1f} '
                     f'Q{(x1 + x2) / 2:.1f},{min(y1, y2) + bend:.1f} {x2 - 6:.1f},{y2:.1f}" fill="none"{style}>'
                     f'<title>{escape(tip)}</title></path>')
    for n in ranked:
        p, (px, py) = people[n], pos[n]
        role = "both" if {"author", "cited"} <= p["roles"] else ("author" if "author" in p["roles"] else "cited")
        what = {"author": "语料作者 corpus author", "cited": "被引作者 cited author", "both": "语料作者且被引 both"}[role]
        parts.append(f'<g class="person" data-year="{p["year"] if p["year"] is not None else ""}" data-role="{role}">'
                     f'<a href="{escape(root + author_href(n))}"><circle cx="{px:.1f}" cy="{py:.1f}" r="5" '
                     f'fill="{ROLE_COLOUR[role]}"><title>{escape(n)}: {p["year"] or "?"} · {what} · '
                     f'{p["count"]} 次 uses</title></circle><text x="{px + 8:.1f}" y="{py + 4:.1f}" font-size="12"{HALO}>'
                     f'{escape(n)}</text></a></g>')
    ly = height - 12
    parts.append(f'<g class="legend" font-size="11" fill="#555">'
                 f'<line x1="12" y1="{ly - 4}" x2="40" y2="{ly - 4}" stroke="#555" stroke-width="1.4"/>'
                 f'<text x="44" y="{ly}">引用 citation</text>'
                 f'<line x1="130" y1="{ly - 4}" x2="158" y2="{ly - 4}" stroke="#aaa" stroke-dasharray="4 3"/>'
                 f'<text x="162" y="{ly}">共用 co-use</text>'
                 + "".join(f'<circle cx="{250 + 130 * i}" cy="{ly - 4}" r="5" fill="{ROLE_COLOUR[k]}"/>'
                           f'<text x="{258 + 130 * i}" y="{ly}">{t}</text>'
                           for i, (k, t) in enumerate((("author", "语料作者 author"), ("cited", "被引 cited"),
                                                       ("both", "两者 both")))) + "</g>")
    width = max(width, 640)
    label = f"{concept} 的扩散：使用者按首次使用年份排列 spread of {concept}: users by year of first use"
    more = len(people) - len(ranked)
    note = Markup('<p class="muted">另有 {} 位使用者见下表 {} more users in the table below</p>').format(more, more) \
        if more > 0 else Markup("")
    if not edges:
        note += Markup('<p class="muted">无扩散边 no spread edges</p>')
    return Markup(svg_open(width, height, label, "spread", "spread") + "".join(parts) + "</svg>") + note
