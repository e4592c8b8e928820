"""Reference parser against the seed's gold footnotes and the reference-style gold set."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.ingest.normalize import normalize_for_match
from pipeline.refs import parse_footnotes, parse_references

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED_TXT = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
FIELDS = ["authors", "title", "container", "year", "issue"]


def _norm(x):
    if isinstance(x, list):
        return [normalize_for_match(i) for i in x]
    if isinstance(x, str):
        return normalize_for_match(x)
    return x


def _seed_footnotes() -> list[str]:
    lines = SEED_TXT.read_text(encoding="utf-8").split("\n")
    marker = re.compile(r"^\^?[\u2460-\u2473]\s*")
    return [marker.sub("", ln) for ln in lines if marker.match(ln)]


@pytest.fixture(scope="module")
def seed_gold() -> list[dict]:
    path = SHARED / "gold" / "seed" / "footnotes.jsonl"
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _accuracy(pairs, fields):
    hits = {f: 0 for f in fields}
    for gold, ref in pairs:
        d = ref.to_dict()
        for f in fields:
            hits[f] += _norm(gold.get(f)) == _norm(d.get(f))
    return {f: hits[f] / max(len(pairs), 1) for f in fields}


def test_seed_gold_footnotes_counts_and_fields(seed_gold):
    parsed = parse_footnotes([g["text"] for g in seed_gold])
    pairs = []
    for gold, refs in zip(seed_gold, parsed):
        assert len(refs) == len(gold["refs"]), (gold["n"], [r.raw for r in refs])
        pairs.extend(zip(gold["refs"], refs))
    acc = _accuracy(pairs, FIELDS + ["type", "raw", "pages", "volume", "translators"])
    for f in FIELDS:
        assert acc[f] >= 0.97, (f, acc)
    assert acc["raw"] >= 0.97 and acc["type"] >= 0.97


def test_reference_styles_gold():
    path = SHARED / "gold" / "references.jsonl"
    golds = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    pairs = []
    for g in golds:
        refs = parse_references(g["raw"])
        assert len(refs) == 1, g["raw"]
        pairs.append((g, refs[0]))
    acc = _accuracy(pairs, FIELDS + ["type"])
    assert all(v >= 0.90 for v in acc.values()), acc


def test_whole_seed_finds_76_references_and_skips_notes():
    fns = _seed_footnotes()
    assert len(fns) == 77
    parsed = parse_footnotes(fns)
    assert sum(len(r) for r in parsed) == 76
    empty = [i for i, refs in enumerate(parsed, 1) if not refs]
    assert all("数据" in fns[i - 1] or "虚拟经济" in fns[i - 1] for i in empty) and len(empty) == 2


def test_harder_seed_kinds():
    fns = _seed_footnotes()
    by_text = {t: refs for t, refs in zip(fns, parse_footnotes(fns))}

    def one(fragment):
        hits = [refs for t, refs in by_text.items() if fragment in t]
        assert hits, fragment
        return hits[0][0]

    chapter = one("Michael Hudson")
    assert chapter.type == "chapter" and chapter.container.startswith("马克思主义与人类命运共同体")
    assert chapter.year == 2019 and chapter.pages == "591" and chapter.publisher == "人民出版社"
    paper = one("《人民日报》2024年3月7日")
    assert paper.type == "newspaper" and paper.container == "人民日报" and paper.year == 2024 and not paper.authors
    decision = one("中共中央关于进一步全面深化改革")
    assert decision.classic and decision.type == "classic" and decision.authors == []
    xi = one("习近平谈治国理政")
    assert xi.classic and xi.volume == "4" and xi.publisher == "外文出版社"
    harvey = one("大卫·哈维")
    assert harvey.nationality == "美" and harvey.translators == ["许瑞宋"] and harvey.authors == ["大卫·哈维"]
    web = one("美国国债总额首次超过37万亿美元")
    assert web.type == "web" and web.year is None and web.url.startswith("http://usa.people.com.cn")
    imf = one("Silvia Albrizio")
    assert len(imf.authors) == 5 and imf.authors[-1] == "Philippe Wingender" and imf.type == "web"
    piketty = one("皮凯蒂")
    assert piketty.year == 2014 and piketty.pages == "11-39" and piketty.translators == ["巴曙松"]
    wood = one("艾伦·M.伍德")
    assert wood.container == "国外理论动态" and "〈新帝国主义〉" in wood.title and wood.issue == "7"


@pytest.mark.parametrize("text,expect", [
    ("[1] 程恩富, 鲁保林. 论新帝国主义[J]. 马克思主义研究, 2019, 41(5): 1-17.",
     {"authors": ["程恩富", "鲁保林"], "container": "马克思主义研究", "year": 2019, "volume": "41",
      "issue": "5", "pages": "1-17", "type": "journal"}),
    ("〔2〕蓝江. 一般数据、虚体与数字资本[M]. 南京: 江苏人民出版社, 2022: 57.",
     {"publisher": "江苏人民出版社", "place": "南京", "year": 2022, "type": "book", "raw": "蓝江. 一般数据、虚体与数字资本[M]. 南京: 江苏人民出版社, 2022: 57"}),
    ("[3] 习近平. 高举旗帜[N]. 人民日报, 2022-10-26(1).", {"container": "人民日报", "type": "newspaper"}),
    ("[4] 张三. 数字资本研究[D]. 北京: 中国人民大学, 2020.", {"type": "thesis", "year": 2020}),
    ("[5] 世界银行. 数字经济报告[EB/OL]. (2024-01-01)[2024-03-02]. https://www.worldbank.org/x.html.",
     {"type": "web", "year": 2024, "url": "https://www.worldbank.org/x.html"}),
    ("[6] 李四. 平台经济[C]//王五. 数字经济论文集. 北京: 人民出版社, 2019: 10-20.",
     {"type": "chapter", "container": "数字经济论文集"}),
    ("[8] 国务院发展研究中心. 中国发展报告[R]. 北京: 中国发展出版社, 2021.", {"type": "report"}),
    ("（美）约翰·贝拉米·福斯特：《垄断资本的新分析》，《国外理论动态》2014年第03期。",
     {"nationality": "美", "issue": "3", "type": "journal"}),
    ("马克思：《资本论》第1卷，北京：人民出版社，2004年，第8页。", {"classic": True, "authors": [], "volume": "1"}),
    ("David Harvey, *The New Imperialism*, Oxford: Oxford University Press, 2003, p. 137.",
     {"title": "The New Imperialism", "publisher": "Oxford University Press", "pages": "137", "type": "book"}),
    ("Christian Fuchs, “Digital Labour and Imperialism”, Monthly Review, Vol. 67, No. 8, 2016, pp. 14-24.",
     {"container": "Monthly Review", "volume": "67", "issue": "8", "type": "journal"}),
    ("参见黄再胜：《数字劳动》，载王五主编：《数字经济论文集》，北京：人民出版社，2019年，第12页。",
     {"type": "chapter", "container": "数字经济论文集"}),
    ("李四：《论平台》，《经济研究》2021年第56卷第3期。", {"volume": "56", "issue": "3"}),
    ("张三：《数字经济》，《光明日报》2023年5月8日第11版。", {"type": "newspaper", "pages": "11"}),
    ("刘(liú)皓琰：《數字帝國主義是如何進行掠奪(duó)的?》，《馬克思主義研究》2020年第11期。",
     {"title": "數字帝國主義是如何進行掠奪的?", "issue": "11"}),
])
def test_styles(text, expect):
    refs = parse_references(text)
    assert len(refs) == 1
    d = refs[0].to_dict()
    for k, v in expect.items():
        assert d[k] == v, (k, d[k])


def test_prose_and_ibid():
    assert parse_references("马克思在《资本论》中指出，资本是一种社会关系。") == []
    assert parse_references("数据由美国国家经济分析局和Wind数据库提供的相关数据整理计算得到。") == []
    out = parse_footnotes(["温旭：《数字资本》，《经济学家》2023年第3期。", "同上，第15页。", "注释。",
                           "另见李四：《论平台》，《经济研究》2021年第3期。", "温旭：前引文，第9页。"])
    assert out[1][0].title == "数字资本" and out[1][0].pages == "15" and out[1][0].raw == "同上，第15页"
    assert out[2] == []
    assert out[4][0].title == "数字资本" and out[4][0].pages == "9"


def test_two_refs_in_note_keep_raw_exact():
    text = _seed_footnotes()[1]
    refs = parse_references(text)
    assert [r.authors for r in refs] == [["毛小骅", "卢获"], ["温旭"]]
    assert all(r.raw in text and not r.raw.startswith("参见") and not r.raw.endswith("。") for r in refs)
