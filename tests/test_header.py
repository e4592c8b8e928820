"""Header metadata on real paper headers (../shared/corpora/headers, the founding paper)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ingest.normalize import repair_pinyin, strip_zero_width, to_simplified
from pipeline.structure.header import HeaderResult, parse_bio, parse_editor, parse_header, split_keywords
from pipeline.structure.header_bio import institution_of, parse_funding
from pipeline.structure.header_names import parse_author_line, split_run_together

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HEADERS = SHARED / "corpora" / "headers"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
FIELDS = ("title", "authors", "journal", "year", "issue", "keywords")


def _ingested_lines(path: Path) -> list[str]:
    """What the lead's ingest hands over: zero-width characters and mirror pinyin removed."""
    text = strip_zero_width(path.read_text("utf-8"))[0]
    return repair_pinyin(text)[0].split("\n")


def _simp(value):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return to_simplified(value)
    if isinstance(value, list):
        return [to_simplified(v) for v in value]
    return value


@pytest.fixture(scope="module")
def gold_headers() -> dict:
    return json.loads((SHARED / "gold" / "headers.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def parsed_headers(gold_headers: dict) -> dict[str, HeaderResult]:
    return {name: parse_header(_ingested_lines(HEADERS / name)) for name in gold_headers}


@pytest.fixture(scope="module")
def seed() -> tuple[list[str], HeaderResult]:
    lines = SEED.read_text("utf-8").split("\n")
    return lines, parse_header(lines)


def test_headers_corpus_field_accuracy(gold_headers: dict, parsed_headers: dict) -> None:
    hits = {f: 0 for f in FIELDS}
    misses = []
    for name, gold in gold_headers.items():
        got = parsed_headers[name]
        for f in FIELDS:
            if _simp(getattr(got, f)) == gold[f]:
                hits[f] += 1
            else:
                misses.append(f"{name}.{f}: {getattr(got, f)!r} != {gold[f]!r}")
    n = len(gold_headers)
    print("\nheader field accuracy on", n, "files:")
    for f in FIELDS:
        print(f"  {f:9s} {hits[f]}/{n} = {hits[f] / n:.1%}")
    total = sum(hits.values()) / (n * len(FIELDS))
    print(f"  overall   {total:.1%}")
    assert n == len(list(HEADERS.glob("*.txt")))
    assert total >= 0.95, misses
    assert all(hits[f] / n >= 0.9 for f in FIELDS), misses


def test_fields_not_printed_stay_empty(gold_headers: dict, parsed_headers: dict) -> None:
    checked = {"journal": 0, "year": 0, "issue": 0, "keywords": 0}
    for name, gold in gold_headers.items():
        got = parsed_headers[name]
        for f in ("journal", "year", "issue"):
            if gold[f] is None:
                assert getattr(got, f) is None, (name, f)
                checked[f] += 1
        if gold["keywords"] == []:
            assert got.keywords == [], name
            checked["keywords"] += 1
    assert all(checked.values()), checked  # every field has headers that do not print it


def test_fields_keep_the_documents_script(gold_headers: dict, parsed_headers: dict) -> None:
    traditional = [n for n, g in gold_headers.items() if g["variant"] == "traditional"]
    assert traditional
    for name in traditional:
        got = parsed_headers[name]
        raw = (HEADERS / name).read_text("utf-8")
        assert got.title and got.title in raw  # as printed, not converted
        assert got.title != to_simplified(got.title) or got.title == gold_headers[name]["title"]
        assert all(a in raw for a in got.authors)


def test_body_start_is_after_the_header(gold_headers: dict, parsed_headers: dict) -> None:
    header_words = ("摘", "关键词", "關鍵詞", "中图分类号", "中圖分類號", "文献标识码", "文獻標識碼")
    with_keywords = with_abstract = 0
    for name, got in parsed_headers.items():
        lines = _ingested_lines(HEADERS / name)
        body = [ln for ln in lines[got.body_start:] if ln.strip()]
        assert body, name
        assert not any(w in body[0][:6] for w in header_words), (name, body[0][:20])
        head = "\n".join(lines[: got.body_start])
        if got.keywords:
            assert got.keywords[0] in head, name
            with_keywords += 1
        if got.abstract:
            assert got.abstract[:10] in head, name
            assert got.abstract[:10] not in body[0]
            with_abstract += 1
    assert with_keywords > len(parsed_headers) // 2 and with_abstract > len(parsed_headers) // 2


def test_garbled_mirror_text_is_repaired_when_given_raw(gold_headers: dict) -> None:
    garbled = [n for n, g in gold_headers.items() if g["variant"] == "garbled"]
    assert garbled
    for name in garbled:
        got = parse_header((HEADERS / name).read_text("utf-8").split("\n"))
        gold = gold_headers[name]
        assert _simp(got.title) == gold["title"]
        assert _simp(got.authors) == gold["authors"]
        assert any("pinyin" in w for w in got.warnings)


def test_seed_metadata_matches_gold(seed: tuple[list[str], HeaderResult]) -> None:
    lines, got = seed
    gold = json.loads((SHARED / "gold" / "seed" / "meta.json").read_text("utf-8"))
    assert got.title == gold["title"]
    assert got.authors == gold["authors"]
    assert got.abstract == gold["abstract"]
    assert got.keywords == gold["keywords"]
    assert got.affiliations == gold["affiliations"]
    assert got.institutions == gold["affiliation_institutions"]
    assert got.editor == gold["editor"]
    assert got.funding == gold["funding"]
    # The founding paper prints no journal, year or issue: nothing may be invented.
    assert (got.journal, got.year, got.issue) == (None, None, None)
    first_body = next(ln for ln in lines[got.body_start:] if ln.strip())
    assert first_body.strip() == gold["sections"][0]["heading"]
    assert {lines[i] for i in got.meta_lines} >= {gold["author_bio_raw"], "[责任编辑：宋丽丹]"}
    # the paper's metadata as build_paper assembles it from the header and the closing lines
    from pipeline.api import parse

    meta = parse(SEED).meta
    assert meta.title == gold["title"] and meta.editor == "宋丽丹" and meta.funding == gold["funding"]


def test_cnki_pdf_header_with_affiliations_and_english_block() -> None:
    lines = """马克思主义与现实　2023年第04期
经济全球化中的数字鸿沟治理：形成逻辑、
现实困境与中国路径*
田刚元1,2，陈富良2
（1.南昌大学 经济管理学院，江西 南昌 330031；2.江西财经大学 产业经济研究院，江西 南昌 330013）
摘　要：数字鸿沟是经济全球化的伴生物。
它有多重成因。
关键词：数字鸿沟；经济全球化；
全球治理
中图分类号：F0　　文献标识码：A　　文章编号：1000-0000（2023）04-0001-08
Digital Divide Governance in Economic Globalization
Abstract: The digital divide is a companion of globalization.
Key words: digital divide; globalization
基金项目：国家社会科学基金项目“数字鸿沟”（21BKS000）
一、引言
正文。""".split("\n")  # noqa: SIM905 (reads as the printed page)
    got = parse_header(lines)
    assert got.title == "经济全球化中的数字鸿沟治理：形成逻辑、现实困境与中国路径"
    assert got.authors == ["田刚元", "陈富良"]
    assert got.affiliations["田刚元"] == ("南昌大学 经济管理学院，江西 南昌 330031；"
                                       "江西财经大学 产业经济研究院，江西 南昌 330013")
    assert got.institutions["陈富良"] == "江西财经大学 产业经济研究院"
    assert (got.journal, got.year, got.issue) == ("马克思主义与现实", 2023, "4")
    assert got.abstract == "数字鸿沟是经济全球化的伴生物。它有多重成因。"
    assert got.keywords == ["数字鸿沟", "经济全球化", "全球治理"]
    assert got.funding == "国家社会科学基金项目“数字鸿沟”（21BKS000）"
    assert lines[got.body_start] == "一、引言"


def test_web_layout_without_second_author_line() -> None:
    lines = ["中美欧国际数字治理格局比较研究及建议", "2022-02-25张蕴洁冯莉媛李铮艾秋媛邱泽奇",
             "中国科学院院刊 2022年10期", "", "摘 要:本文比较了三方。", "中图分类号:F0 文献标识码:A", "正文"]
    got = parse_header(lines)
    assert got.authors == ["张蕴洁", "冯莉媛", "李铮", "艾秋媛", "邱泽奇"]
    assert (got.journal, got.year, got.issue, got.date) == ("中国科学院院刊", 2022, "10", "2022-02-25")
    assert got.body_start == 6


@pytest.mark.parametrize("marker", ["[摘要]", "〔摘要〕", "【摘要】", "摘要:", "摘 要:", "摘　要：", "［摘要］"])
def test_abstract_markers(marker: str) -> None:
    got = parse_header(["题目", "张 三", f"{marker} 这是摘要。", "【关键词】甲；乙", "一、引言"])
    assert got.abstract == "这是摘要。"
    assert got.keywords == ["甲", "乙"]
    assert got.authors == ["张三"]


def test_author_lines() -> None:
    assert parse_author_line("陈 灏 钟锦宸").names == ["陈灏", "钟锦宸"]  # type: ignore[union-attr]
    assert parse_author_line("王超贤 颜 蒙 张伟东").names == ["王超贤", "颜蒙", "张伟东"]  # type: ignore[union-attr]
    got = parse_author_line("王福涛1，郝雄磊2，袁永3")
    assert got is not None and got.names == ["王福涛", "郝雄磊", "袁永"] and got.numbers["袁永"] == ["3"]
    assert parse_author_line("作者：李 铁").names == ["李铁"]  # type: ignore[union-attr]
    assert parse_author_line("数字帝国主义的演化特征及其批判进路") is None
    assert parse_author_line("关键词：数据；劳动") is None
    assert split_run_together("牛凯功黄再胜") == ["牛凯功", "黄再胜"]
    assert split_run_together("韩涛郭曦") == ["韩涛", "郭曦"]
    assert split_run_together("陈朦") == ["陈朦"]


def test_bio_editor_funding_lines() -> None:
    assert parse_bio("(陈灏系福建商学院金融学院教授；钟锦宸系复旦大学马克思主义学院2024级硕士研究生)") == {
        "陈灏": "福建商学院金融学院教授", "钟锦宸": "复旦大学马克思主义学院2024级硕士研究生"}
    assert parse_bio("（李鐵系某大學教師）") == {"李鐵": "某大學教師"}
    profile = parse_bio("作者简介：田刚元（1990—），男，山东临沂人，南昌大学经济管理学院博士研究生，研究方向为数字经济；"
                        "陈富良（1964—），男，江西人，江西财经大学教授。")
    assert profile == {"田刚元": "南昌大学经济管理学院博士研究生", "陈富良": "江西财经大学教授"}
    assert parse_bio("数字资本是数字化生产的历史产物，其积累机制依然建立在对生产力的控制之上。") is None
    assert institution_of("复旦大学马克思主义学院2024级硕士研究生") == "复旦大学马克思主义学院"
    assert parse_editor("[责任编辑：宋丽丹]") == "宋丽丹"
    assert parse_editor("（責任編輯：李 明）") == "李明"
    assert parse_editor("编辑部的故事") is None
    assert parse_funding("* 本文系国家社会科学基金项目（21BKS000）的阶段成果。") == "本文系国家社会科学基金项目（21BKS000）的阶段成果。"
    assert parse_funding("* 注释") is None


def test_keyword_splitting() -> None:
    assert split_keywords("数字经济 数字技术 “技术-经济”范式") == ["数字经济", "数字技术", "“技术-经济”范式"]
    assert split_keywords("大数据；数字资本；“数字中国”；") == ["大数据", "数字资本", "“数字中国”"]
    assert split_keywords("甲，乙，丙") == ["甲", "乙", "丙"]
    assert split_keywords("") == []


def test_no_markers_gives_title_and_empty_fields() -> None:
    got = parse_header(["", "数字劳动论", "", "正文第一段，没有任何标记。"])
    assert got.title == "数字劳动论"
    assert got.authors == [] and got.keywords == [] and got.abstract is None and got.journal is None
