"""The report's networks and year views on the seed report: communities in colour with a legend,
year attributes that match the data (the year filter reads them), the co-occurrence timeline on
the corpus's years, the concept spread graph placing people at their years, save buttons'
script linked on every page, alt text on every figure."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_report import SEED, seed_report


@pytest.fixture(scope="module")
def report() -> Path:
    assert SEED.is_file(), f"../shared is missing beside the repo ({SEED})"
    return seed_report()


class Svgs(HTMLParser):
    """Every inline svg of a page as a tree of (tag, attrs, children, text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.svgs: list[dict[str, Any]] = []
        self.stack: list[dict[str, Any]] = []
        self.imgs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.imgs.append(dict(attrs))
        if tag == "svg" or self.stack:
            el = {"tag": tag, "attrs": dict(attrs), "children": [], "text": ""}
            if self.stack:
                self.stack[-1]["children"].append(el)
            else:
                self.svgs.append(el)
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1]["tag"] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1]["text"] += data


def page_svgs(path: Path) -> Svgs:
    p = Svgs()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def walk(el: dict[str, Any]):
    yield el
    for c in el["children"]:
        yield from walk(c)


def find(el: dict[str, Any], tag: str, cls: str | None = None) -> list[dict[str, Any]]:
    return [e for e in walk(el) if e["tag"] == tag and (cls is None or cls in (e["attrs"].get("class") or "").split())]


def text_of(el: dict[str, Any]) -> str:
    return "".join(e["text"] for e in walk(el) if e["tag"] == "text")


def years(el: dict[str, Any]) -> set[int]:
    return {int(y) for y in (el["attrs"].get("data-years") or "").split()}


def svg_named(p: Svgs, save: str) -> dict[str, Any]:
    found = [s for s in p.svgs if s["attrs"].get("data-save") == save]
    assert found, f"no svg {save}: {[s['attrs'].get('data-save') for s in p.svgs]}"
    return found[0]


def test_cooccurrence_network_is_coloured_by_community_with_a_legend(report: Path) -> None:
    net = svg_named(page_svgs(report / "figures.html"), "cooccurrence-network")
    nodes = find(net, "g", "node")
    assert len(nodes) >= 20
    colour_of: dict[str, set[str]] = {}
    for g in nodes:
        fill = find(g, "circle")[0]["attrs"]["fill"]
        colour_of.setdefault(g["attrs"]["data-community"], set()).add(fill)
    assert all(len(c) == 1 for c in colour_of.values())  # one colour per community
    coloured = {next(iter(c)) for c in colour_of.values()} - {"#b8b8b8"}
    assert len(coloured) >= 2
    legend = text_of(find(net, "g", "legend")[0])
    # The legend names community #1 by its largest node: the node with the largest circle.
    biggest = max(nodes, key=lambda g: float(find(g, "circle")[0]["attrs"]["r"]))
    first = next(t for t in re.findall(r"#(\d+) ([^（]+)", legend) if t[0] == biggest["attrs"]["data-community"])
    assert text_of(biggest) == first[1].split("、")[0]


def test_year_attributes_match_the_documents_and_works(report: Path) -> None:
    p = page_svgs(report / "figures.html")
    docs = pd.read_csv(report / "data" / "documents.csv")
    doc_year = {int(y) for y in docs.year.fillna(docs.year_inferred).dropna()}
    cooc = svg_named(p, "cooccurrence-network")
    # The seed is one paper: every term and pair is active in its year, and only then.
    assert all(years(g) == doc_year for g in find(cooc, "g", "node"))
    assert all(years(e) == doc_year for e in find(cooc, "line"))
    assert years(cooc) == doc_year
    # Co-authors: active in the years of the works they wrote together (cited or in the corpus).
    co = svg_named(p, "coauthorship-network")
    refs = pd.read_csv(report / "data" / "references.csv")
    refs = refs[~refs.classic.astype(bool)]
    wrote: dict[str, set[int]] = {}
    for authors, y in zip(refs.authors.fillna(""), refs.year):
        for a in authors.split(";"):
            if a and pd.notna(y):
                wrote.setdefault(a, set()).add(int(y))
    for a in docs.authors.dropna().iloc[0].split(";"):
        wrote.setdefault(a, set()).update(doc_year)
    nodes = {g["attrs"]["data-id"]: g for g in find(co, "g", "node")}
    # A person whose joint works print no year is undated (no data-years): the filter keeps them.
    assert sum(1 for g in nodes.values() if years(g)) >= 4
    for g in nodes.values():
        assert years(g) <= wrote.get(text_of(g), set()), text_of(g)
    lines = find(co, "line")
    assert sum(1 for e in lines if years(e)) >= 2
    for e in lines:
        a, b = nodes[e["attrs"]["data-a"]], nodes[e["attrs"]["data-b"]]
        assert years(e) <= years(a) & years(b)
    assert years(co) == set().union(*(years(g) for g in nodes.values()))
    assert len(years(co)) >= 3  # cited works of several years: the filter has something to do


def test_cooccurrence_timeline_sits_on_the_corpus_years(report: Path) -> None:
    tl = svg_named(page_svgs(report / "figures.html"), "cooccurrence-timeline")
    docs = pd.read_csv(report / "data" / "documents.csv")
    doc_year = sorted({int(y) for y in docs.year.fillna(docs.year_inferred).dropna()})
    ticks = [int(t["attrs"]["data-year"]) for t in find(tl, "g", "tick")]
    assert ticks == list(range(doc_year[0], doc_year[-1] + 1))
    rows = find(tl, "g", "row")
    assert len(rows) >= 2 and all(re.search(r"#\d+ \S", text_of(r)) for r in rows)
    tick_x = {int(t["attrs"]["data-year"]): float(find(t, "line")[0]["attrs"]["x1"]) for t in find(tl, "g", "tick")}
    for g in find(tl, "g", "node"):
        assert float(find(g, "circle")[0]["attrs"]["cx"]) == pytest.approx(tick_x[int(g["attrs"]["data-year"])], abs=0.1)


def test_spread_graph_places_people_at_their_first_year(report: Path) -> None:
    html = (report / "concepts.html").read_text(encoding="utf-8")
    href = re.search(r'href="(concepts/[^"#]+\.html)">数字食利国<', html).group(1)
    page = (report / href).read_text(encoding="utf-8")
    spread = page[page.index('<section id="spread">'):page.index("</section>", page.index('<section id="spread">'))]
    p = Svgs()
    p.feed(spread)
    svg = next(s for s in p.svgs if "spread" in s["attrs"]["class"])
    tick_x = {int(t["attrs"]["data-year"]): float(find(t, "line")[0]["attrs"]["x1"])
              for t in find(svg, "g", "tick") if t["attrs"]["data-year"]}
    placed = {}
    for g in find(svg, "g", "person"):
        y = int(g["attrs"]["data-year"])
        assert float(find(g, "circle")[0]["attrs"]["cx"]) == pytest.approx(tick_x[y], abs=0.1)
        assert find(g, "a")[0]["attrs"]["href"].startswith("../authors/")
        placed[text_of(g)] = y
    # The users table: author, role, first year; a person is placed at their earliest.
    users = page[page.index('<section id="users">'):]
    first: dict[str, int] = {}
    for name, y in re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a></td><td>[^<]*</td><td>(\d{4})</td>', users):
        first[name] = min(first.get(name, 9999), int(y))
    assert placed == first and placed["温旭"] == 2024 and placed["陈灏"] == 2025
    # Citation edges carry the sentence that shows the citation.
    edges = find(svg, "path", "citation")
    assert edges and all("“数字食利国”" in find(e, "title")[0]["text"] for e in edges)


def test_figures_have_alt_text_and_the_script_that_saves_them(report: Path) -> None:
    assert "window.litmapNet" in (report / "assets" / "litmap-net.js").read_text(encoding="utf-8")
    pages = [report / "index.html", report / "figures.html", *sorted((report / "concepts").glob("*.html"))[:5]]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<script src="' + ("../" if page.parent != report else "") + 'assets/litmap-net.js"></script>' in html
        p = page_svgs(page)
        for s in p.svgs:
            a = s["attrs"]
            assert a.get("role") == "img" and (a.get("aria-label") or "").strip(), (page, a)
            # Text is drawn in a CJK font (a sparkline draws none).
            assert find(s, "title") and ("CJK" in a.get("font-family", "") or not find(s, "text")), (page, a)
        assert all((i.get("alt") or "").strip() for i in p.imgs), page
    idx = page_svgs(report / "figures.html")
    assert sum(1 for s in idx.svgs if s["attrs"].get("data-save")) >= 3
    assert len(idx.imgs) >= 3


def test_cocitation_pairs_are_the_works_stages_and_dated_by_their_citing_documents(report: Path) -> None:
    from pipeline.report.net_data import cocitation_graph

    refs = pd.read_csv(report / "data" / "references.csv").to_dict("records")
    counted = list(pd.read_csv(report / "data" / "cocitation.csv").itertuples(index=False, name=None))
    docs = pd.read_csv(report / "data" / "documents.csv")
    years = {d: int(y) for d, y in zip(docs.doc_id, docs.year.fillna(docs.year_inferred)) if pd.notna(y)}
    works, pairs, dated = cocitation_graph(refs, years, 150, counted)
    assert pairs == cocitation_graph(refs, years, 150)[1]  # the stage's count and the report's agree
    assert len(pairs) == 150 and not any(works[a].work_id != a for a, _b, _n in pairs)
    # The seed is the only citing document: every pair is co-cited once, in its year. The report
    # then draws no co-citation network (a clique per document has no communities to show).
    assert {n for _a, _b, n in pairs} == {1} and all(dated.of_edge(a, b) == [2025] for a, b, _n in pairs)
    html = (report / "figures.html").read_text(encoding="utf-8")
    assert 'id="cocitation-network"' in html and 'data-save="cocitation-network"' not in html
