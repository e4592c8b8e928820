"""`litmap export`: every format read back by a reader this project did not write (wostools and
metaknowledge for Web of Science text, networkx for GEXF/GraphML, rispy for RIS, json for
CSL-JSON), on typed records of real references (the writers) and on a real run (the command).
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest

from conftest import SEED, SHARED, WORKS

from pipeline.export import csljson, ris, wos
from pipeline.export.records import CitedRef, Work


CSSCI = SHARED / "corpora" / "cssci"


# -- readers this project did not write ------------------------------------------------------

def read_wostools(path: Path) -> dict[str, list[str]]:
    """UT -> CR lines, as wostools reads the file."""
    from wostools.base import BaseCollection

    coll = BaseCollection.from_filenames(str(path))
    try:
        return {a.extra["UT"]: list(a.references) for a in coll._articles() if a.extra.get("UT")}
    finally:
        for f in coll._files:
            f.close()


def read_metaknowledge(path: Path) -> dict[str, list[str]]:
    import metaknowledge as mk

    rc = mk.RecordCollection(str(path))
    assert not rc.errors, rc.errors
    return {r.get("UT"): list(r.get("CR", raw=True) or []) for r in rc}


def bibliometrix_split(text: str) -> dict[str, list[str]]:
    """bibliometrix's isi2df, cheaply: a line's first two characters are its tag, continuation
    lines (three spaces) belong to the tag above, and the lines of CR are joined with ";" and
    split on it again."""
    out, rec, tag = {}, defaultdict(list), None
    for line in text.lstrip("\ufeff").split("\n"):
        if line.startswith("   "):
            rec[tag].append(line[3:])
        elif len(line) >= 2:
            tag = line[:2]
            if tag == "ER":
                out[rec["UT"][0]] = ";".join(rec["CR"]).split(";") if rec["CR"] else []
                rec = defaultdict(list)
            else:
                rec[tag].append(line[3:])
    return out


def cocitation_of(records: dict[str, list[str]]) -> Counter:
    """Pairs of distinct CR strings per record, each pair counted once per record."""
    c: Counter = Counter()
    for crs in records.values():
        for a, b in combinations(sorted(set(crs)), 2):
            c[(a, b)] += 1
    return c


# -- typed records from real facts: the seed's parsed footnotes, the works' metadata ------------

@pytest.fixture(scope="module")
def records() -> tuple[list[Work], list[CitedRef]]:
    """The seed cites its 76 parsed references; two works of ../shared/corpora/works are given
    every second and every third of them, so cited works are shared and co-cited (the values
    are real, the arrangement is the fixture's)."""
    from pipeline import api

    paper = api.parse(SEED)
    refs = [(f.n, r) for f in paper.footnotes for r in f.refs]

    def wid(r) -> str:
        key = "|".join(r.authors_canonical) + "|" + (r.title or r.raw)
        return "w" + hashlib.sha1(key.encode()).hexdigest()[:12]

    def meta(name: str) -> dict:
        head = (WORKS / name).read_text(encoding="utf-8").split("---")[1]
        return {k.strip(): json.loads(v) for k, v in (ln.split(":", 1) for ln in head.strip().splitlines())}

    m5, m8 = meta("w005.md"), meta("w008.md")
    works = [Work("wseed", paper.meta.title, list(paper.meta.authors), year=2025, keywords=list(paper.meta.keywords),
                  abstract=paper.meta.abstract or "", doc_ids=[paper.doc_id]),
             Work("w005", m5["title"], m5["authors"], year=m5["year"], journal="马克思主义研究"),
             Work("w008", m8["title"], m8["authors"], year=m8["year"])]

    def cited(citing: str, n: int, r) -> CitedRef:
        return CitedRef(citing, wid(r), r.raw, list(r.authors_canonical), (r.authors or [""])[0], r.title or "",
                        r.container or "", r.publisher or "", r.year, r.volume or "", r.issue or "", r.pages or "",
                        r.type, r.classic, [f"footnote {n}"])

    rows = [cited("wseed", n, r) for n, r in refs]
    rows += [cited("w005", n, r) for n, r in refs[::2]] + [cited("w008", n, r) for n, r in refs[::3]]
    # One pair per (citing work, cited work), as work_references.csv has it.
    seen, out = set(), []
    for r in rows:
        if (r.citing_work_id, r.work_id) not in seen:
            seen.add((r.citing_work_id, r.work_id))
            out.append(r)
    return works, out


def expected_cocitation(refs: list[CitedRef]) -> Counter:
    by: dict[str, set[str]] = defaultdict(set)
    for r in refs:
        by[r.citing_work_id].add(r.work_id)
    c: Counter = Counter()
    for ws in by.values():
        for a, b in combinations(sorted(ws), 2):
            c[(a, b)] += 1
    return c


def test_wos_round_trip_through_independent_readers(records, tmp_path: Path) -> None:
    works, refs = records
    path = tmp_path / "download_litmap.txt"
    wos.write(works, refs, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfFN Clarivate Analytics Web of Science\nVR 1.0\n") and raw.endswith(b"EF\n")
    label = wos.cr_strings(refs, citing_year=wos.citing_years(works))
    assert len(set(label.values())) == len(label)  # two works never share a CR string
    for s in label.values():
        assert not re.search("[;，；]", s) and s.count(", ") == len(s.split(", ")) - 1
    by_citing: dict[str, list[str]] = defaultdict(list)
    for r in refs:
        by_citing[r.citing_work_id].append(label[r.work_id])
    want = {f"LITMAP:{w.work_id}": by_citing[w.work_id] for w in works}
    text = raw.decode("utf-8")
    for reader in (read_wostools(path), read_metaknowledge(path), bibliometrix_split(text)):
        assert {k: sorted(v) for k, v in reader.items()} == {k: sorted(v) for k, v in want.items()}
    # Co-citation counted on the export's CR strings is litmap's count of cited works.
    back = {s: w for w, s in label.items()}
    got = Counter({tuple(sorted((back[a], back[b]))): n for (a, b), n in cocitation_of(read_wostools(path)).items()})
    assert got == expected_cocitation(refs) and sum(got.values()) > 1000


def test_cr_names_a_work_the_same_everywhere_and_clashes_apart() -> None:
    rows = [CitedRef("a", "x1", authors=["程恩富"], title="论新帝国主义的五大特征", container="马克思主义研究", year=2019,
                     type="journal"),
            CitedRef("b", "x1", authors=["程恩富"], title="论新帝国主义的五大特征", container="马克思主义研究", year=2019,
                     type="journal"),
            CitedRef("c", "x1", authors=["程恩富"], title="论新帝国主义五大特征", container="马克思主义研究", year=2018,
                     type="journal"),
            CitedRef("a", "x2", authors=["程恩富"], title="另一篇，文章", container="马克思主义研究", year=2019, type="journal"),
            CitedRef("a", "x3", authors=["Shoshana Zuboff"], title="The Age of Surveillance Capitalism",
                     publisher="PublicAffairs", year=2019, type="book"),
            CitedRef("a", "x4", authors=["马克思"], title="资本论", publisher="人民出版社", type="classic", classic=True)]
    label = wos.cr_strings(rows)
    # x1: the most common year wins; x1 and x2 clash on author/year/journal and get their titles
    assert label["x1"] == "程恩富, 2019, 马克思主义研究 论新帝国主义的五大特征"
    assert label["x2"] == "程恩富, 2019, 马克思主义研究 另一篇 文章"
    assert label["x3"] == "Zuboff S, 2019, THE AGE OF SURVEILLANCE CAPITALISM"
    assert label["x4"] == "马克思, 资本论"  # undated, as WoS prints an undated reference
    twin = CitedRef("a", "x5", authors=["马克思"], title="资本论", publisher="人民出版社", type="classic", classic=True)
    both = wos.cr_strings(rows + [twin])
    assert both["x4"] != both["x5"] and both["x1"] == label["x1"]


def test_ris_and_csljson_carry_the_references(records, tmp_path: Path) -> None:
    import rispy

    works, refs = records
    path = tmp_path / "litmap.ris"
    ris.write(works, refs, path)
    entries = rispy.loads(path.read_text(encoding="utf-8"))
    corpus = [e for e in entries if "litmap-corpus" in e.get("keywords", [])]
    cited = [e for e in entries if "litmap-cited" in e.get("keywords", [])]
    assert len(corpus) == 3 and len(cited) == len({r.work_id for r in refs}) and len(entries) == 3 + len(cited)
    seed = next(e for e in corpus if e["accession_number"] == "litmap:wseed")
    assert seed["title"] == works[0].title and seed["authors"] == ["陈灏", "钟锦宸"]
    [note] = seed["notes"]  # one note, one list item per reference
    listed = re.findall(r"<li>(.*?)</li>", note)
    assert [html.unescape(x) for x in listed] == [
        f"{' '.join(r.label.split())} [{'; '.join(r.sources)}]" for r in refs if r.citing_work_id == "wseed"]
    assert listed[0].endswith("[footnote 1]")
    assert ris.is_ours(path.read_text(encoding="utf-8"))

    items = json.loads(csljson.render(works, refs))
    assert len(items) == len(entries)
    allowed = {"id", "type", "source", "title", "container-title", "publisher", "volume", "issue", "page", "DOI",
               "abstract", "keyword", "note", "author", "issued"}
    csl_types = {"article-journal", "book", "chapter", "article-newspaper", "webpage", "report", "thesis", "document"}
    for it in items:
        assert set(it) <= allowed and it["type"] in csl_types and it["id"].startswith("litmap:")
        for a in it.get("author", []):
            assert set(a) in ({"literal"}, {"family", "given"})
        if "issued" in it:
            assert isinstance(it["issued"]["date-parts"][0][0], int)
    s = next(it for it in items if it["id"] == "litmap:wseed")
    assert s["author"] == [{"literal": "陈灏"}, {"literal": "钟锦宸"}] and "footnote 77" in s["note"]


# -- the command on a real run ------------------------------------------------------------------

def litmap(*args: str) -> "subprocess.CompletedProcess":
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=300)


def litmap_run(tmp: Path) -> tuple[Path, Path]:
    """One `litmap run` over the seed, four works of ../shared (w007 twice: the mirror in
    traditional characters is the same work) and the CSSCI download: (report folder, config)."""
    import shutil

    from conftest import make_config

    corpus = tmp / "corpus"
    corpus.mkdir(parents=True)
    shutil.copy(SEED, corpus / SEED.name)
    for name in ("w005.md", "w007.md", "w007-mirror.md", "w008.md"):
        shutil.copy(WORKS / name, corpus / name)
    # The seed's CSSCI record is the same work as its full text; the download's other records
    # cite other works: two citing works, references from footnotes and from a printed list.
    for f in CSSCI.glob("LY_*.txt"):
        shutil.copy(f, corpus / f.name)
    cfg = make_config(tmp, runner={"workers": 1})
    out = tmp / "report"
    p = litmap("run", "--corpus", str(corpus), "--config", str(cfg), "--out", str(out))
    assert p.returncode == 0, p.stderr
    return out, cfg


def csv_rows(path: Path) -> list[dict[str, str]]:
    from pipeline.export.load import read_rows

    return list(read_rows(path))


def test_exports_of_a_run(tmp_path: Path) -> None:
    """One run (a run is most of this file's time), every format exported from it."""
    run_dir = litmap_run(tmp_path / "run")
    for check in (check_cssci_records, check_wos, check_networks, check_zotero, check_refusals):
        out = tmp_path / check.__name__
        out.mkdir()
        check(run_dir, out)


def check_cssci_records(run_dir, tmp_path: Path) -> None:
    """The run read every record of the CSSCI download (this run is also test_cssci's)."""
    import pandas as pd

    report, _cfg = run_dir
    docs = pd.read_csv(report / "data" / "documents.csv")
    ly = docs[docs.source.str.contains("LY_")]
    names = {Path(s).name for s in ly.source}
    assert names == {f"LY_20251201120000.txt#{i}" for i in range(1, 24)}
    assert (ly.status == "ok").all() and (ly.kind == "record").all()
    row = ly[ly.source.str.endswith("#3")].iloc[0]
    assert (row.title, row.journal, row.year) == ("马克思垄断理论视域下数字平台经济发展特征及规制进路", "E-Commerce Letters", 2024)
    seed = docs[docs.source.str.endswith(SEED.name)].iloc[0]
    assert (docs.work_id == seed.work_id).sum() == 2  # the full text and its CSSCI record: one work


def check_wos(run_dir, tmp_path: Path) -> None:
    report, cfg = run_dir
    out = tmp_path / "download_litmap.txt"
    p = litmap("export", "--format", "wos", "--out", str(out), "--report", str(report), "--config", str(cfg))
    assert p.returncode == 0, p.stderr
    works = csv_rows(report / "data" / "works.csv")
    refs = csv_rows(report / "data" / "work_references.csv")
    assert works and refs
    from pipeline.export.load import load_run

    run = load_run(report)
    label = wos.cr_strings(run.cited_refs(), citing_year=wos.citing_years(run.works()))
    assert len(set(label.values())) == len(label) == len({r["work_id"] for r in refs})
    # every CR carries a year (an undated one takes its earliest citing work's), so wostools'
    # reference parser, which needs one, keeps every cited work
    from wostools.article import Article

    assert all(Article.from_isi_citation(s).year for s in label.values())
    want: dict[str, set[str]] = {f"LITMAP:{w['work_id']}": set() for w in works}
    for r in refs:
        want[f"LITMAP:{r['citing_work_id']}"].add(label[r["work_id"]])
    for got in (read_wostools(out), read_metaknowledge(out), bibliometrix_split(out.read_text(encoding="utf-8-sig"))):
        assert set(got) == set(want)  # every work, once
        assert {k: set(v) for k, v in got.items()} == want  # every cited work, one CR line each
        assert all(len(v) == len(set(v)) for v in got.values())
    back = {s: w for w, s in label.items()}
    from_export = Counter({tuple(sorted((back[a], back[b]))): n for (a, b), n in cocitation_of(read_wostools(out)).items()})
    litmaps = Counter({tuple(sorted((r["work_a"], r["work_b"]))): int(r["documents"])
                       for r in csv_rows(report / "data" / "cocitation.csv")})
    assert from_export == litmaps and len(litmaps) > 100


def check_networks(run_dir, tmp_path: Path) -> None:
    import networkx as nx

    from pipeline import api

    report, cfg = run_dir
    vos = api.export("vosviewer", tmp_path / "vos", report, cfg)
    gexf = api.export("gexf", tmp_path / "litmap.gexf", report, cfg)
    api.export("graphml", tmp_path / "litmap.graphml", report, cfg)
    for fmt, out in (("vosviewer", "vos"), ("gexf", "litmap.gexf"), ("graphml", "litmap.graphml")):
        api.export(fmt, tmp_path / out, report, cfg)  # its own earlier export is recognised and replaced
    g = nx.read_gexf(tmp_path / "litmap.gexf")
    h = nx.read_graphml(tmp_path / "litmap.graphml")
    assert g.graph["mode"] == "dynamic" and 'timeformat="integer"' in (tmp_path / "litmap.gexf").read_text()[:2000]
    cooc = {tuple(sorted((r["term_a"], r["term_b"]))): float(r["count"])
            for r in csv_rows(report / "data" / "cooccurrence.csv")}
    coc = {tuple(sorted((r["work_a"], r["work_b"]))): float(r["documents"])
           for r in csv_rows(report / "data" / "cocitation.csv")}
    years = {int(float(r["year"] or r["year_inferred"])) for r in csv_rows(report / "data" / "documents.csv")
             if (r["year"] or r["year_inferred"])}
    for name, table in (("cooccurrence", cooc), ("cocitation", coc)):
        assert f"{name}_map.txt" in vos.files
        lines = (tmp_path / "vos" / f"{name}_map.txt").read_text(encoding="utf-8").splitlines()
        assert lines[0] == "id\tlabel\tcluster\tweight<Links>\tweight<Total link strength>\tweight<Occurrences>"
        ids = [int(x.split("\t")[0]) for x in lines[1:]]
        assert ids == list(range(1, len(ids) + 1))
        net = [tuple(map(float, x.split("\t"))) for x in
               (tmp_path / "vos" / f"{name}_network.txt").read_text(encoding="utf-8").splitlines()]
        for graph in (g, h):
            nodes = [n for n, d in graph.nodes(data=True) if d["network"] == name]
            edges = [(a, b, d["weight"]) for a, b, d in graph.edges(data=True) if d["network"] == name]
            assert len(nodes) == len(ids) == gexf.counts[f"{name}_nodes"] > 0
            assert len(edges) == len(net) == gexf.counts[f"{name}_edges"] > 0
            for a, b, w in edges:  # every weight is the table's count of that pair
                pair = tuple(sorted((graph.nodes[a]["litmap_id"], graph.nodes[b]["litmap_id"])))
                assert table[pair] == w
        # the VOSviewer strengths are the same edges
        assert sorted(w for *_, w in net) == sorted(d["weight"] for _, _, d in g.edges(data=True) if d["network"] == name)
    starts = [d["start"] for _, d in g.nodes(data=True) if d["network"] == "cooccurrence"]
    assert starts and set(starts) <= years  # terms dated by the documents holding them
    for a, b, d in g.edges(data=True):
        if "start" in d and "start" in g.nodes[a] and "start" in g.nodes[b]:
            assert d["start"] >= max(g.nodes[a]["start"], g.nodes[b]["start"])


def check_zotero(run_dir, tmp_path: Path) -> None:
    import rispy

    from pipeline import api

    report, cfg = run_dir
    works = csv_rows(report / "data" / "works.csv")
    refs = csv_rows(report / "data" / "work_references.csv")
    api.export("ris", tmp_path / "litmap.ris", report, cfg)
    api.export("csljson", tmp_path / "litmap.json", report, cfg)
    for fmt, out in (("ris", "litmap.ris"), ("csljson", "litmap.json")):
        api.export(fmt, tmp_path / out, report, cfg)  # its own earlier export is recognised and replaced
    entries = rispy.loads((tmp_path / "litmap.ris").read_text(encoding="utf-8"))
    items = json.loads((tmp_path / "litmap.json").read_text(encoding="utf-8"))
    for got in ({e["accession_number"]: (e.get("title"), html.unescape("".join(e.get("notes", [])))) for e in entries},
                {i["id"]: (i.get("title"), i.get("note", "")) for i in items}):
        for w in works:
            title, note = got[f"litmap:{w['work_id']}"]
            assert title == w["title"]
            for r in refs:  # every cited work of the work, with where it was found
                if r["citing_work_id"] == w["work_id"]:
                    assert " ".join((r["title"] or r["authors"]).split()) in note and r["sources"].split(";")[0] in note
    assert len(entries) == len(items) > len(works)


def check_refusals(run_dir, tmp_path: Path) -> None:
    """Bad settings are refused before any work, naming the option; a user's file is never touched."""
    report, cfg = run_dir
    mine = tmp_path / "mine.txt"
    mine.write_text("my notes, not an export\n", encoding="utf-8")
    folder = tmp_path / "vos"
    folder.mkdir()
    (folder / "chapter1.docx").write_bytes(b"PK")
    for args, names in ((["--format", "endnote", "--out", str(tmp_path / "x")], "--format"),
                        (["--format", "wos", "--out", str(tmp_path / "x"), "--report", str(tmp_path / "nowhere")],
                         "--report"),
                        (["--format", "wos", "--out", str(mine), "--report", str(report)], "--out"),
                        (["--format", "vosviewer", "--out", str(folder), "--report", str(report)], "--out")):
        p = litmap("export", *args, "--config", str(cfg))
        assert p.returncode == 2 and names in p.stderr, (args, p.stderr)
    assert mine.read_text(encoding="utf-8") == "my notes, not an export\n"
    assert sorted(x.name for x in folder.iterdir()) == ["chapter1.docx"]
    assert not (tmp_path / "x").exists()
    # its own earlier export is replaced
    out = tmp_path / "download_litmap.txt"
    for _ in range(2):
        p = litmap("export", "--format", "wos", "--out", str(out), "--report", str(report), "--config", str(cfg))
        assert p.returncode == 0, p.stderr
