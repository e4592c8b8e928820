"""`litmap export`: every format read back by a reader this project did not write (wostools and
metaknowledge for Web of Science text, networkx for GEXF/GraphML, rispy for RIS, json for
CSL-JSON), on typed records of real references (the writers) and on a real run (the command).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest

from conftest import SEED, WORKS

from pipeline.export import csljson, ris, wos
from pipeline.export.records import CitedRef, Work


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
    label = wos.cr_strings(refs)
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
    seed = next(e for e in corpus if e["id"] == "litmap:wseed")
    assert seed["title"] == works[0].title and seed["authors"] == ["陈灏", "钟锦宸"]
    note = "\n".join(seed["notes"])
    assert all(r.label in note for r in refs if r.citing_work_id == "wseed")
    assert "[footnote 1]" in note
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
