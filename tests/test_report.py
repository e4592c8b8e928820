"""The report site on the seed corpus: every page and link resolves, evidence links land on the
right paragraph or footnote, report.xlsx mirrors the CSVs, figures have a glyph for every
Chinese character, and a second run says what changed."""
from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
EXTRA = SHARED / "corpora" / "works" / "w005.md"  # 刘皓琰 2020, a second paper for "what changed"


def _config(tmp: Path) -> Path:
    import yaml

    cfg = tmp / "config.yaml"
    cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp / "store.duckdb")}}), encoding="utf-8")
    return cfg


def litmap_run(corpus: Path, out: Path, cfg: Path) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                        "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    return p


@functools.lru_cache(maxsize=1)
def seed_report() -> Path:
    """The seed corpus's report, built once per test session (the browser test uses it too)."""
    tmp = Path(tempfile.mkdtemp(prefix="litmap-report-"))
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    litmap_run(corpus, tmp / "report", _config(tmp))
    return tmp / "report"


@pytest.fixture(scope="module")
def report() -> Path:
    assert SEED.is_file(), f"../shared is missing beside the repo ({SEED})"
    return seed_report()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("href", "src") and v:
                self.links.append(v)
            if k == "id" and v:
                self.ids.add(v)


def parse_html(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def broken_links(report: Path) -> list[str]:
    """Every relative href/src of every page that does not resolve to a file in the report, or
    whose #fragment names no element of the target page."""
    pages = {p: parse_html(p) for p in report.rglob("*.html")}
    bad = []
    for page, parsed in pages.items():
        for href in parsed.links:
            u = urlsplit(href)
            if u.scheme or href.startswith("//") or href.startswith("data:") or href.startswith("javascript:"):
                if u.scheme in ("http", "https") or href.startswith("//"):
                    bad.append(f"{page.relative_to(report)}: network link {href}")
                continue
            target = (page.parent / unquote(u.path)).resolve() if u.path else page.resolve()
            if not target.is_file() or report.resolve() not in target.parents:
                bad.append(f"{page.relative_to(report)}: {href} (no file)")
            elif u.fragment and target.suffix == ".html" and target in pages and unquote(u.fragment) not in pages[target].ids:
                bad.append(f"{page.relative_to(report)}: {href} (no #{u.fragment})")
    return bad


def test_every_href_resolves_to_a_file_in_the_report(report: Path) -> None:
    pages = list(report.rglob("*.html"))
    assert len(pages) > 50  # index, concepts, topics, authors, papers, ldavis
    bad = broken_links(report)
    assert not bad, bad[:20]


def test_index_links_to_a_page_per_topic_concept_author_and_paper(report: Path) -> None:
    idx = parse_html(report / "index.html").links
    for folder in ("topics/", "concepts/", "authors/", "papers/", "assets/"):
        assert any(h.startswith(folder) for h in idx), folder
    assert any(h.startswith("figures/") for h in parse_html(report / "figures.html").links)
    topics = pd.read_csv(report / "data" / "topics.csv")
    on_topics_page = parse_html(report / "topics.html").links
    for t in topics.topic_id:
        assert f"topics/topic-{t}.html" in on_topics_page and f"topics/topic-{t}.html" in idx
    html = (report / "index.html").read_text(encoding="utf-8")
    m = re.search(r'href="(concepts/[^"#]+\.html)">数字食利国<', html)
    assert m, "no link from the index to the 数字食利国 page"
    assert (report / m.group(1)).is_file()
    assert re.search(r'href="authors/[^"]+\.html">温旭<', html)  # first user of 数字食利国, most cited author
    authors = (report / "authors.html").read_text(encoding="utf-8")
    for name in ("陈灏", "温旭"):
        assert re.search(rf'href="authors/[^"]+\.html">{name}<', authors), name
    assert "本次变化" in html and "What changed" in html


FRONT_BLOCKS = ("changes", "topics", "concepts", "citations", "cooccurrence")
HASH = re.compile(r"\b[0-9a-f]{16}\b|\bw[0-9a-f]{12}\b")


class _Blocks(HTMLParser):
    """The front page's blocks: each <section id> with its heading, its basis line (documents
    and sentences it rests on), its links, and the page's visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: dict[str, dict[str, Any]] = {}
        self.cur: str | None = None
        self.text: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style", "title"):
            self.skip += 1
        if tag == "section":
            self.cur = a.get("id")
            self.blocks[self.cur] = {"h2": False, "basis": None, "links": [], "svg": False}
        if self.cur is None:
            return
        b = self.blocks[self.cur]
        b["h2"] |= tag == "h2"
        b["svg"] |= tag == "svg" and a.get("role") == "img" and bool(a.get("aria-label"))
        if "basis" in (a.get("class") or "").split():
            b["basis"] = a
        if tag == "a" and a.get("href"):
            b["links"].append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self.skip -= 1
        if tag == "section":
            self.cur = None

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def test_front_page_shows_the_findings_with_their_basis_and_evidence(report: Path) -> None:
    p = _Blocks()
    p.feed((report / "index.html").read_text(encoding="utf-8"))
    for key in FRONT_BLOCKS:
        b = p.blocks.get(key)
        assert b and b["h2"], key
        pages = [h for h in b["links"] if h.endswith(".html") and "/" not in h]
        assert pages, f"{key}: no link to its evidence page"
        for h in b["links"]:
            assert (report / unquote(urlsplit(h).path)).is_file(), (key, h)
    # Each finding says what it rests on (the seed: one document, its sentences and footnotes).
    for key in ("topics", "concepts", "citations", "cooccurrence"):
        basis = p.blocks[key]["basis"]
        assert basis and int(basis["data-documents"]) == 1 and int(basis["data-sentences"]) > 10, (key, basis)
    assert p.blocks["topics"]["svg"] and p.blocks["concepts"]["svg"]  # sparklines, labelled
    assert any(h.startswith("topics/topic-") for h in p.blocks["topics"]["links"])
    assert any(h.startswith("concepts/") for h in p.blocks["concepts"]["links"])
    assert any(h.startswith("authors/") for h in p.blocks["citations"]["links"])
    assert "svg" in (report / "index.html").read_text(encoding="utf-8").split('id="cooccurrence"')[1]
    text = " ".join(p.text)
    assert not HASH.findall(text), HASH.findall(text)[:5]
    # The front page is findings, not tables of every row: the documents table is on its own page.
    assert "n_paragraphs" not in text
    docs = (report / "documents.html").read_text(encoding="utf-8")
    assert "<th>n_paragraphs</th>" in docs and re.search(r'<td><a href="papers/[^"]+\.html">数字化生产下', docs)
    assert not HASH.findall(re.sub(r"<[^>]+>", " ", docs))
    for page in ("documents", "changes", "figures", "topics", "concepts", "authors", "papers", "similar", "references"):
        assert f'href="{page}.html"' in docs, page  # the navigation reaches every section page


def test_a_model_that_cannot_say_something_says_what_is_missing() -> None:
    """A block without data (no topic model, no concept, no reference) says why, in its place."""
    from types import SimpleNamespace

    from pipeline.report.findings import citations_block, concepts_block, topics_block

    ctx = SimpleNamespace(results={"topics": {"result": None, "note": "too little text for a topic model: 3 unit(s)"}},
                          papers=[], cfg={}, store=None, memo={})
    assert "too little text for a topic model: 3 unit(s)" in topics_block(ctx, 10, None).html
    assert "no tracked concept occurs" in concepts_block(ctx, 10).html
    assert "no parsed reference" in citations_block(ctx, 10).html


def _concept_page(report: Path, name: str) -> str:
    html = (report / "concepts.html").read_text(encoding="utf-8")
    href = re.search(rf'href="(concepts/[^"#]+\.html)">{name}<', html).group(1)
    return (report / href).read_text(encoding="utf-8")


def test_concept_evidence_links_land_on_the_sentence_and_footnote(report: Path) -> None:
    page = _concept_page(report, "数字食利国")
    # The attribution of 数字食利国 to 温旭 links to footnote 55 of the paper, which carries 温旭.
    m = re.search(r'href="\.\./(papers/[^"#]+\.html)#fn55"', page)
    assert m, "no link to footnote 55"
    paper = (report / m.group(1)).read_text(encoding="utf-8")
    fn = re.search(r'<li id="fn55"[^>]*>(.*?)</li>', paper, re.DOTALL)
    assert fn and "温旭" in fn.group(1)
    # Each KWIC row links to the paragraph holding its sentence.
    kwic = re.findall(r'href="\.\./papers/[^"#]+\.html#(p\d+)">[^<]*body<', page)
    assert kwic
    mentions = pd.read_csv(report / "data" / "concept_mentions.csv")
    sent = mentions[(mentions.concept == "数字食利国") & (mentions["where"] == "body")].sentence.iloc[0]
    paras = dict(re.findall(r'<p id="(p\d+)">(.*?)</p>', paper, re.DOTALL))
    assert any(sent[:12] in paras[a] for a in kwic)
    # The timeline counts the 2024 first use by a cited author and the 2025 mentions.
    assert "2024" in page and "2025" in page


def test_author_and_paper_pages(report: Path) -> None:
    html = (report / "authors.html").read_text(encoding="utf-8")
    href = re.search(r'href="(authors/[^"]+\.html)">温旭<', html).group(1)
    page = (report / href).read_text(encoding="utf-8")
    assert "数字食利国" in page and "#fn55" in page and "被引作品" in page
    chen = (report / re.search(r'href="(authors/[^"]+\.html)">陈灏<', html).group(1)).read_text(encoding="utf-8")
    # The paper named as a reader names it: authors, year, short title.
    assert "陈灏、钟锦宸 2025《数字化生产下金融帝国主义积累模式的…》" in chen and "钟锦宸" in chen
    paper = next((report / "papers").glob("*.html")).read_text(encoding="utf-8")
    assert len(re.findall(r'<li id="fn\d+"', paper)) == 77
    assert paper.count('<div class="ref">') >= 70  # parsed references under their footnotes
    assert "topics/topic-" in paper and "concepts/" in paper


def _section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    return page[start:page.index("</section>", start)]


def test_model_figures_the_seed_alone_cannot_carry_are_withheld_or_tentative(report: Path) -> None:
    """Issue 15's evidence gates on one paper: no word2vec similarity is shown (too little text),
    the page says so and lists co-occurring terms with their counts instead; the trace JSON keeps
    "neighbors" empty with the reason beside it; topics say what they rest on and are tentative."""
    from pipeline.api import trace
    from pipeline.runner.load import LoadedRun

    cooc = _section(_concept_page(report, "数字食利国"), "cooc")
    assert "词向量近邻未显示 word2vec neighbours withheld: too little text for a word2vec model" in cooc
    assert "余弦相似度" not in cooc and "word2vec neighbours</span>" not in cooc  # no similarity table
    assert re.search(r"<td>寡头</td><td>.*?>2</span></td>", cooc)  # the co-occurring term with its count
    t = trace("数字食利国", report)
    assert t["neighbors"] == [] and t["neighbors_note"].startswith("too little text for a word2vec model")
    assert t["cooccurring"][0]["term"] == "寡头"

    run = LoadedRun(report)
    try:
        ev = run.result("topics")["evidence"]
    finally:
        run.close()
    # one paper, modelled by paragraph: one document, a few thousand tokens, below evidence.topics
    assert ev["docs"] == 1 and ev["docs_with_text"] == 1 and ev["units"] > 20 and 1000 < ev["tokens"] < 10000
    assert ev["ok"] is False and ev["why"].startswith("fitted on 1 document (needs 20)")
    index = (report / "index.html").read_text(encoding="utf-8")
    page = (report / "topics" / "topic-0.html").read_text(encoding="utf-8")
    for html in (index, page):
        assert "主题仅供参考 tentative: fitted on 1 document (needs 20)" in html
        assert f"拟合依据 fitted on: 1 document, {ev['units']} units, {ev['tokens']:,} tokens" in html


def test_profile_shift_never_compares_the_authors_of_one_paper(report: Path) -> None:
    """陈灏 and 钟锦宸 wrote the seed together: their company of words is the same bag, so the
    profile shift neither compares them nor lets one cancel the other's distinctive words; with
    one document each they are not profiled at all (evidence.authors.min_documents 2)."""
    from pipeline.concepts.profiles import build_profiles
    from pipeline.runner.load import LoadedRun

    run = LoadedRun(report)
    try:
        t = run.result("concepts")["traces"]["数字食利国"]
    finally:
        run.close()
    assert t["profiles"]["by_author"] == [] and t["profiles"]["authors_withheld"] == 2
    assert "2 author(s) below that are not profiled" in _section(_concept_page(report, "数字食利国"), "profiles")
    one = build_profiles("数字食利国", t["mentions"], {}, min_docs=1)
    assert {r["author"] for r in one["by_author"]} == {"陈灏", "钟锦宸"}
    assert one["author_similarity"] == []  # the co-authors share their one document
    assert all(r["distinctive"] for r in one["by_author"])  # measured against other documents, not the co-author


def test_xlsx_has_a_sheet_per_table_with_the_csv_rows(report: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(report / "report.xlsx", read_only=True)
    csvs = sorted((report / "data").glob("*.csv"))
    assert {"documents", "references", "concept_mentions", "topics", "doc_topics", "cooccurrence"} <= {p.stem for p in csvs}
    for p in csvs:
        sheet = p.stem[:31]
        assert sheet in wb.sheetnames, sheet
        if not p.read_text(encoding="utf-8").strip():
            continue  # a table with no columns (e.g. no term bursts in one year): nothing to compare
        df = pd.read_csv(p)
        assert sum(1 for _ in wb[sheet].iter_rows(values_only=True)) == len(df) + 1, sheet
    refs = wb["references"]
    header = [c.value for c in next(refs.iter_rows(max_row=1))]
    assert header[:9] == ["doc_id", "footnote_n", "work_id", "authors", "title", "container", "year", "type",
                          "matched_doc_id"]


def test_xlsx_cells_made_a_column_at_a_time_are_the_cells_made_one_at_a_time(report: Path, tmp_path: Path) -> None:
    """report.xlsx writes a column of text, integers or floats at once (``xlsx._column_cells``):
    the same XML as its cells one by one, for the report's tables and for values that need
    care (markup characters, characters XML cannot hold, blanks at an end, over-long text,
    NaN, NA, infinities, booleans, numpy scalars, mixed columns); and openpyxl reads back what
    was written."""
    import numpy as np
    from openpyxl import load_workbook

    from pipeline.report import xlsx

    odd = pd.DataFrame({
        "text": ["陈灏 & 钟锦宸 <数字>", " 前导空格", "末尾空格 ", "", None, "控制\x01字符", "中心—散点", "\t",
                 "长" * 40000, "数字食利国"],
        "gaps": ["平台", float("nan"), None, pd.NA, "算法", "", " ", "a&b", "<", ">"],
        "int": [1, 2, None, 4, 5, -6, 7, 0, 10**20, 3],
        "float": [1.5, float("nan"), None, 1e-300, -0.0, 2.0, 3.25, 1e300, 0.1, 7.0],
        "inf": [1.0, float("inf"), 2.0, None, 3.0, float("-inf"), 1.0, 1.0, 1.0, 1.0],
        "bool": [True, False, None, True, True, False, True, True, False, True],
        "mixed": [1, "a", 2.5, None, True, np.int64(3), np.float32(1.5), "b", 0, ""],
    })
    odd["numpy"] = pd.Series([np.int64(i) for i in range(10)], dtype=object)
    frames = {p.stem: pd.read_csv(p) for p in sorted((report / "data").glob("*.csv")) if p.read_text(encoding="utf-8").strip()}
    frames["odd"] = odd
    for name, df in frames.items():
        for j, col in enumerate(df.columns):
            ref = xlsx._col_letter(j)
            values, cell = df[col].tolist(), xlsx._cell_writer(ref)
            assert xlsx._column_cells(values, ref, 2, cell) == [cell(v, i) for i, v in enumerate(values, 2)], (name, col)
    xlsx.write_xlsx({"odd": odd}, tmp_path / "odd.xlsx")
    rows = list(load_workbook(tmp_path / "odd.xlsx", read_only=True)["odd"].iter_rows(values_only=True))
    got = {c: [r[j] for r in rows[1:]] for j, c in enumerate(rows[0])}
    assert got["text"][:3] == ["陈灏 & 钟锦宸 <数字>", " 前导空格", "末尾空格 "] and got["text"][5] == "控制字符"
    assert got["text"][3] is None and len(got["text"][8]) == xlsx.MAX_CHARS
    assert got["gaps"][:4] == ["平台", None, None, None] and got["int"][8] == 10**20
    assert got["float"][:2] == [1.5, None] and got["inf"][1] == "inf" and got["bool"][:3] == [True, False, None]


def test_figures_use_a_cjk_font_with_every_glyph(report: Path) -> None:
    from matplotlib.ft2font import FT2Font

    from pipeline.report.figures import cjk_font_path

    font = cjk_font_path()

    def missing_glyphs(text: str) -> set[str]:  # what the font would draw as tofu
        ft = FT2Font(str(font))
        return {c for c in set(text) if not c.isspace() and ft.get_char_index(ord(c)) == 0}

    assert font is not None and "CJK" in font.name
    for name in ("topic_by_year", "author_topic", "concept_timelines"):
        png = report / "figures" / f"{name}.png"
        assert png.stat().st_size > 5000 and png.read_bytes()[:4] == b"\x89PNG"
    labels = "".join(pd.read_csv(report / "data" / "topics.csv").label) + "".join(
        pd.read_csv(report / "data" / "topic_by_author.csv").author) + "".join(
        pd.read_csv(report / "data" / "concept_mentions.csv").concept.unique()) + "作者主题年份概念时间线"
    assert missing_glyphs(labels) == set()
    assert missing_glyphs("数字\U0001F600") == {"\U0001F600"}  # the check can fail: no emoji in the font


def test_heat_map_title_is_where_matplotlib_places_it(monkeypatch) -> None:
    """``figures.heatmap`` gives its title's y (saving the layouts matplotlib's placement costs):
    the picture is the one matplotlib's own placement draws, byte for byte."""
    from matplotlib.axes import Axes

    from pipeline.report.figures import cjk_font_path, heatmap

    if cjk_font_path() is None:
        pytest.skip("no CJK font")
    args = ([[0.1 * ((i * j) % 7) for j in range(12)] for i in range(30)], [f"作者{i}" for i in range(30)],
            [f"{j} 主题标签 topic" for j in range(12)], "作者 × 主题", "主题 topic",
            "作者 author")
    given = heatmap("x.png", *args).png
    set_title = Axes.set_title
    monkeypatch.setattr(Axes, "set_title",
                        lambda self, label, *a, y=None, **kw: set_title(self, label, *a, **kw))
    assert heatmap("x.png", *args).png == given


def test_report_md_is_readable_and_names_the_figures(report: Path) -> None:
    md = (report / "report.md").read_text(encoding="utf-8")
    heads = ("## 文献概览", "## 本次变化", "## 图表", "## 主题", "## 概念追踪", "## 作者")
    for h in heads:
        assert h in md, h
    # Shown in SECTIONS' order, though the figures section is built after the concepts section
    # (sections.build_order): the order the report's tables reach their side process.
    at = [md.index(f"\n{h} (") for h in heads]  # the section's own heading, "## 主题 (Topics)"
    assert at == sorted(at), at
    from pipeline.report.sections import SECTIONS, build_order

    names = [b.__name__ for b in build_order()]
    assert sorted(names) == sorted(b.__name__ for b in SECTIONS)
    assert names.index("figures_section") == names.index("concepts_section") + 1
    assert build_order(figures_drawn=False) == SECTIONS  # figures to draw: their process starts first
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) >= 3  # topics by year, author topics, concept timelines
    for img in images:
        assert (report / img).is_file(), img
    assert "<table" not in md and "<a href" not in md


def test_second_run_reports_new_paper_users_and_escapes_text(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    cfg, out = _config(tmp_path), tmp_path / "report"
    litmap_run(corpus, out, cfg)
    first = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(first["papers"]) == 1 and first["concepts"]["数字食利国"]["mentions"] >= 1
    shutil.copy(EXTRA, corpus / EXTRA.name)
    (corpus / "xss.md").write_text('---\ntitle: "<script>alert(1)</script>数字帝国主义"\nauthors: ["<b>x</b>"]\n'
                                   'year: 2023\n---\n正文<img src=x onerror=alert(1)>数字帝国主义。\n', encoding="utf-8")
    litmap_run(corpus, out, cfg)
    for page in ("changes.html", "index.html"):  # the section's page, and its summary on the front page
        html = (out / page).read_text(encoding="utf-8")
        changes = html[html.index('id="changes"'):html.index("</section>", html.index('id="changes"'))]
        assert "当代帝国主义是如何进行数字殖民的" in changes, page  # the new paper, linked to its page
        assert re.search(r'href="papers/[^"]+\.html">[^<]*当代帝国主义是如何进行数字殖民的', changes), page
        assert "刘皓琰" in changes, page  # a new user of a tracked concept
        assert re.search(r"[Cc]ompared with run", changes), page
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>x</b>" not in text, page
    assert any("&lt;script&gt;alert" in p.read_text(encoding="utf-8") for p in (out / "papers").glob("*.html"))
    # Papers of 2020, 2023 and 2025: the co-occurrence network's years and its timeline's axis
    # (the 2023 paper is one sentence: none of its terms is among the strongest pairs).
    html = (out / "figures.html").read_text(encoding="utf-8")
    net = re.search(r'<svg [^>]*data-save="cooccurrence-network"[^>]*>', html).group(0)
    front = (out / "index.html").read_text(encoding="utf-8")  # the front page's map is dated the same
    assert re.search(r'<svg [^>]*data-save="front-cooccurrence"[^>]*data-years="2020 2025"', front)
    assert re.search(r'data-years="([^"]*)"', net).group(1) == "2020 2025"
    tl = html[html.index('data-save="cooccurrence-timeline"'):]
    tl = tl[:tl.index("</svg>")]
    assert [int(y) for y in re.findall(r'<g class="tick" data-year="(\d+)"', tl)] == list(range(2020, 2026))
    assert {"2020", "2025"} <= set(re.findall(r'<g class="node" data-year="(\d+)"', tl))
    assert not broken_links(out)
