"""CSSCI downloads: the reader and the dotted-reference parser on the real sample and its gold,
in every encoding a download comes in, through the code `litmap run` runs (read_path, build_paper)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import ROOT, SHARED
from pipeline.ingest.encoding import IngestError
from pipeline.ingest.readers import read_path
from pipeline.refs.cssci import parse_cssci
from pipeline.refs.lists import PARSERS, parse_reference_list
from pipeline.structure.paper import build_paper

LY = SHARED / "corpora" / "cssci" / "LY_20251201120000.txt"
GOLD = Path(f"{LY}.gold.json")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_cssci_accuracy", ROOT / "bench" / "cssci_accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gold_fields_in_every_encoding(tmp_path: Path) -> None:
    bench = _bench()
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    ids = {}
    for name, path in bench.variants(LY, tmp_path).items():
        res = bench.score(path, gold)
        assert res["records"] == len(gold) == 23, name
        assert all(a == 1.0 for a in res["record_fields"].values()), (name, res["misses"])
        assert all(a >= 0.95 for a in res["ref_fields"].values()), (name, res["ref_fields"], res["misses"])
        assert res["references"] == 31 and not res["unparsed"]
        docs = read_path(path, path.name)
        assert [d.source for d in docs] == [f"{LY.name}#{i}" for i in range(1, 24)]
        assert {d.kind for d in docs} == {"record"} and {d.reference_style for d in docs} == {"cssci"}
        ids[name] = [d.doc_id for d in docs]
    # the same record read from GBK, UTF-8 with a BOM or with CRLF is one document
    assert len({tuple(v) for v in ids.values()}) == 1 and len(set(ids["GBK+LF"])) == 23


def test_record_fields_beyond_the_gold() -> None:
    docs = read_path(LY)
    first, sample = docs[0], docs[1]
    assert first.overrides["affiliations"] == {"陈灏": "福建商学院金融学院", "钟锦宸": "复旦大学马克思主义学院"}
    assert first.overrides["funding"] == "福建省社会科学基金一般项目(FJ2024B036)"
    assert "journal" not in first.overrides and "issue" not in first.overrides  # empty and 2025, in the file
    assert (sample.overrides["year"], sample.overrides["volume"], sample.overrides["issue"],
            sample.overrides["pages"]) == (2024, "3", "2", "5-15")
    assert first.text.startswith("数字化生产下金融帝国主义积累模式的新变化及其启示\n") and "关键词：数字资本；" in first.text
    paper = build_paper(first)
    refs = paper.references
    assert [r.list_n for r in refs] == list(range(1, 27)) and {r.source for r in refs} == {"cssci"}
    lenin = refs[6]
    assert (lenin.title, lenin.authors, lenin.publisher, lenin.place, lenin.classic) == \
        ("列宁全集", [], "人民出版社", "北京", True)
    foster = refs[7]
    assert (foster.volume, foster.issue, foster.container) == ("71", "3", "Monthly Review")
    assert not any(r.classic for r in refs if r.title != "列宁全集" and r.title != "马克思恩格斯文集")
    zuboff = build_paper(sample).references[0]
    assert (zuboff.authors, zuboff.place, zuboff.publisher, zuboff.year) == \
        (["Zuboff,S."], "New York", "PublicAffairs", 2019)
    assert zuboff.authors_canonical  # canonical names are set as for footnotes


FORMS = [
    # English journal with volume and issue, author as initials
    ("Small,H..Co-citation in the Scientific Literature: A New Measure of the Relationship between Two "
     "Documents.Journal of the American Society for Information Science.1973.24(4)",
     dict(authors=["Small,H."], title="Co-citation in the Scientific Literature: A New Measure of the Relationship "
          "between Two Documents", container="Journal of the American Society for Information Science",
          year=1973, volume="24", issue="4", type="journal")),
    # newspaper with its year printed, page in brackets
    ("习近平.在哲学社会科学工作座谈会上的讲话.人民日报.2016.05.19(2)",
     dict(authors=["习近平"], title="在哲学社会科学工作座谈会上的讲话", container="人民日报", year=2016,
          pages="2", type="newspaper")),
    # newspaper with month and day only: a date is not a year
    ("刘晓.数字经济的新部署.经济日报.12.17(2)",
     dict(authors=["刘晓"], title="数字经济的新部署", container="经济日报", year=None, issue=None, type="newspaper")),
    # doctoral thesis
    ("王伟.平台经济的垄断问题研究:博士学位论文.北京:中国人民大学,2021",
     dict(authors=["王伟"], title="平台经济的垄断问题研究", container="中国人民大学", publisher="中国人民大学",
          place="北京", year=2021, type="thesis")),
    # no author, a yearbook
    (".中国统计年鉴.北京:中国统计出版社,2020",
     dict(authors=[], title="中国统计年鉴", container="中国统计出版社", place="北京", year=2020, type="book")),
    # a book with a year and a nationality tag
    ("[美]大卫·哈维.新自由主义简史.上海:上海译文出版社,2010",
     dict(authors=["大卫·哈维"], nationality="美", title="新自由主义简史", container="上海译文出版社",
          publisher="上海译文出版社", place="上海", year=2010, type="book")),
    # a classic's volume printed as its own segment
    (".马克思恩格斯文集.第1卷.北京:人民出版社,2009",
     dict(authors=[], title="马克思恩格斯文集", volume="1", year=2009, type="book", classic=True)),
    # journal with volume, issue with a leading zero, and pages
    ("李强.基于关键词演进的我国科技评价学科发展研究.科学学与科学技术管理.2019.40(010):3-19",
     dict(authors=["李强"], container="科学学与科学技术管理", year=2019, volume="40", issue="10", pages="3-19",
          type="journal")),
    # English book whose publisher has dots, title with a dot
    ("Foster,J.B..The Ecological Rift: Capitalism’s War on the Earth. A Study.New York:W.W. Norton,2010",
     dict(authors=["Foster,J.B."], title="The Ecological Rift: Capitalism’s War on the Earth. A Study",
          place="New York", container="W.W. Norton", year=2010, type="book")),
    # web page
    ("国家统计局.2022年国民经济和社会发展统计公报.http://www.stats.gov.cn/sj/zxfb/202302/t20230228.html",
     dict(authors=["国家统计局"], title="2022年国民经济和社会发展统计公报", container=None,
          url="http://www.stats.gov.cn/sj/zxfb/202302/t20230228.html", type="web")),
    # a transliterated name printed with its initials, several authors
    ("哈特,M.,奈格里,A..帝国.南京:江苏人民出版社,2003",
     {"authors": ["哈特,M.", "奈格里,A."], "title": "帝国", "container": "江苏人民出版社", "year": 2003, "type": "book"}),
]


@pytest.mark.parametrize("text,want", FORMS, ids=[f[1]["type"] + str(i) for i, f in enumerate(FORMS)])
def test_reference_forms(text: str, want: dict) -> None:
    ref = parse_cssci(text)
    assert ref.unparsed is None and ref.raw == text
    for key, value in want.items():
        assert getattr(ref, key) == value, (key, getattr(ref, key))


def test_list_items_numbered_kept_raw_when_unparsable() -> None:
    assert PARSERS["cssci"] is parse_cssci
    refs = parse_reference_list(["1.程恩富.论新帝国主义.马克思主义研究.2019.(5)", "2.没有作者也没有点的条目", "3.张三."],
                                "cssci")
    assert [r.list_n for r in refs] == [1, 2, 3] and refs[0].unparsed is None
    assert refs[1].raw == "没有作者也没有点的条目" and "no dot" in refs[1].unparsed
    assert refs[2].unparsed and refs[2].title is None


HEAD = "南京大学中国社会科学研究评价中心\n数字文献处理系统 版本：2.1\n版权所有 (C) 2000 - 2001 CSSCI Corp.\n\n\n"
DASHES = "-" * 71 + "\n\n"


def test_broken_record_and_wrapped_lines(tmp_path: Path) -> None:
    good = ("【来源篇名】数字资本与平台积累\n【来源作者】王伟/李娜\n【期    刊】经济学家\n【机构名称】[王伟]北京大学.经济学院./[李娜]复旦大学.\n"
            "【年代卷期】2019,40(010):3-19\n【关 键 词】数字资本/平台\n【参考文献】\n"
            "1.程恩富.论新帝国主义的五大特征和特性——以列宁的帝国主义理论为基础.马克思主义研究.\n2019.(5)\n"
            "2.Zuboff,S..The Age of Surveillance\nCapitalism.New York:PublicAffairs,2019\n3.没有点的条目\n")
    broken = "这一行不属于任何字段\n【来源作者】张三\n【年代卷期】***\n【参考文献】\n"
    last = "【来源篇名】数字帝国主义的演化特征\n及其批判进路\n【来源作者】徐宏潇\n【年代卷期】2023,(4)\n【参考文献】\n"
    p = tmp_path / "mine.txt"
    p.write_bytes((HEAD + good + DASHES + broken + DASHES + last + DASHES).encode("gbk"))
    docs = read_path(p)
    assert len(docs) == 3 and docs[2].source.endswith("#3")
    assert docs[0].overrides["affiliations"] == {"王伟": "北京大学经济学院", "李娜": "复旦大学"}
    assert (docs[0].overrides["volume"], docs[0].overrides["issue"]) == ("40", "10")
    assert "title" not in docs[1].overrides and any("no title" in w for w in docs[1].warnings)
    assert any("before its first tag" in w for w in docs[1].warnings)
    assert docs[2].overrides["title"] == "数字帝国主义的演化特征及其批判进路"  # a wrapped value is joined
    refs = build_paper(docs[0]).references
    assert len(refs) == 3
    assert (refs[0].container, refs[0].year, refs[0].issue) == ("马克思主义研究", 2019, "5")
    assert refs[1].title == "The Age of Surveillance Capitalism"
    assert refs[2].unparsed and refs[2].raw == "没有点的条目"


def test_not_a_download_or_empty(tmp_path: Path) -> None:
    empty = tmp_path / "LY_empty.txt"
    empty.write_text(HEAD, encoding="utf-8")
    with pytest.raises(IngestError, match="CSSCI download holds no records"):
        read_path(empty)
    paper = tmp_path / "paper.txt"  # a paper that names the centre in its text stays a paper
    paper.write_text("CSSCI来源期刊的评价\n\n本文讨论南京大学中国社会科学研究评价中心发布的来源期刊目录。\n",
                     encoding="utf-8")
    assert read_path(paper)[0].kind == "text"


def test_api_reaches_every_record_and_the_style() -> None:
    from pipeline import api

    paper = api.parse(f"{LY}#2")
    assert paper.source == f"{LY}#2" and paper.meta.title == "数字资本与平台积累(格式样例)"
    assert [r.type for r in paper.references] == ["book", "book", "thesis", "other", "book"]
    with pytest.raises(IngestError, match="no record 24"):
        api.parse(f"{LY}#24")
    (ref,), = api.parse_refs(["8.John Bellamy Foster.Late Imperialism.Monthly Review.2019.71(3)"], style="cssci")
    assert (ref.list_n, ref.authors, ref.container, ref.issue) == (8, ["John Bellamy Foster"], "Monthly Review", "3")


def test_a_repeated_record_is_kept_and_named(tmp_path: Path) -> None:
    rec = "【来源篇名】数字资本与平台积累\n【来源作者】王伟\n【年代卷期】2019,(3)\n【参考文献】\n1.李四.论文.经济研究.2019.(5)\n"
    p = tmp_path / "LY_twice.txt"
    p.write_text(HEAD + rec + DASHES + rec + DASHES, encoding="utf-8")
    a, b = read_path(p)
    assert a.doc_id != b.doc_id and any("repeats record 1" in w for w in b.warnings) and not a.warnings
