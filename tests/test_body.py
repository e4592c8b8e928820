"""Body structure on the founding paper and on damaged / reshaped copies of it.

The variants (a page's notes printed before its last body lines, carets lost, wrapped notes,
no notes at all) are built from the seed's own lines, so the gold still applies to them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.structure.body import BodyResult, heading_level, parse_body
from pipeline.structure.footnotes import FOOTNOTE_LINE
from pipeline.structure.header import parse_header
from pipeline.structure.sentences import split_sentences

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
GOLD = SHARED / "gold" / "seed"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def result(lines: list[str]) -> BodyResult:
    return parse_body(lines, header_end(lines))


def header_end(lines: list[str]) -> int:
    """Where the body starts, as build_paper finds it: the line after the header block."""
    return parse_header(lines).body_start


def _body_start(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith("[关键词]")) + 1


def _paragraph_lines(r: BodyResult) -> list[str]:
    out: list[str] = []
    for s in r.sections:
        if s.heading:
            out.append(s.heading)
        out.extend(p.text for p in s.paragraphs)
    return out


def _gold_body() -> list[str]:
    skip = ("[摘要]", "[关键词]")
    gold = GOLD.joinpath("body.txt").read_text(encoding="utf-8").splitlines()
    title = json.loads(GOLD.joinpath("meta.json").read_text(encoding="utf-8"))["title"]
    return [g for g in gold if g and g != title and not g.startswith(skip)]


def _assert_matches_gold(r: BodyResult) -> None:
    """The checks of the issue, shared by the seed and its variants."""
    assert len(r.footnotes) == 77
    assert [f.n for f in r.footnotes] == list(range(1, 78))
    for g in _jsonl(GOLD / "footnotes.jsonl"):
        f = r.footnotes[g["n"] - 1]
        assert (f.marker, f.text, f.page) == (g["page_marker"], g["text"], g["pdf_page"]), g["n"]
    markers = _jsonl(GOLD / "markers.jsonl")
    for i, g in enumerate(markers):
        assert r.citations[i].n == g["n"], (i, r.citations[i])
        assert r.citations[i].sentence == g["context"], g["n"]
    assert _paragraph_lines(r) == _gold_body()


# -- the seed ---------------------------------------------------------------------------

def test_body_starts_on_the_line_after_keywords(lines: list[str]) -> None:
    assert header_end(lines) == _body_start(lines)


def test_seed_matches_gold(result: BodyResult) -> None:
    _assert_matches_gold(result)
    assert result.warnings == []


def test_seed_headings_and_levels(result: BodyResult) -> None:
    meta = json.loads(GOLD.joinpath("meta.json").read_text(encoding="utf-8"))
    got = [(s.heading, s.level) for s in result.sections if s.heading]
    assert got == [(s["heading"], s["level"]) for s in meta["sections"]]
    # "(半) 外围国家…" opens a page, not a section: it continues the paragraph before it.
    assert not any(s.heading and s.heading.startswith("(半)") for s in result.sections)


def test_seed_closing_lines(result: BodyResult) -> None:
    meta = json.loads(GOLD.joinpath("meta.json").read_text(encoding="utf-8"))
    assert result.funding == meta["funding"]
    assert result.bio_line == meta["author_bio_raw"]
    assert result.editor_line == "[责任编辑：宋丽丹]"
    assert result.trailing == []
    # The last page's notes come after the closing lines and still belong to its page.
    assert [f.marker for f in result.footnotes[-2:]] == ["①", "②"]
    assert result.footnotes[-1].page == result.footnotes[-2].page == 19


def test_every_marker_cited_once_in_reading_order(result: BodyResult) -> None:
    # 77 markers for 77 notes, none cited twice: every note is linked exactly once.
    assert sorted(c.n for c in result.citations) == list(range(1, 78))
    sentence_ns = [n for s in result.sections for p in s.paragraphs for x in p.sentences for n in x.footnotes]
    assert sentence_ns == [c.n for c in result.citations]


def test_markers_beyond_gold_via_concept_attribution(result: BodyResult) -> None:
    """concepts.jsonl attributes each body occurrence to the notes of its sentence; that covers
    notes 39-77, which markers.jsonl does not."""
    sentences = [x for s in result.sections for p in s.paragraphs for x in p.sentences]
    checked = late = 0
    for c in _jsonl(GOLD / "concepts.jsonl"):
        if c["where"] != "body":
            continue
        candidates = [x for x in sentences if c["surface"] in x.text]
        assert any(x.footnotes == c["attributed_footnotes"] for x in candidates), c
        checked += 1
        late += any(n > 38 for n in c["attributed_footnotes"])
    assert checked > 100 and late > 10


def test_two_page_sentence_links_both_pages(result: BodyResult) -> None:
    # The sentence cut between pages 7 and 8 carries ③ of page 7 and ① of page 8.
    hits = [c for c in result.citations if c.sentence.startswith("资本的本性驱动其")]
    assert [c.n for c in hits] == [26, 27]
    assert result.footnotes[25].page == 7 and result.footnotes[26].page == 8


# -- reshaped copies of the seed --------------------------------------------------------

def _is_note(line: str) -> bool:
    return bool(FOOTNOTE_LINE.match(line)) or line.startswith("*")


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line index of each footnote block (blank lines inside included)."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if _is_note(lines[i]):
            j = i
            k = i + 1
            while k < len(lines) and (not lines[k].strip() or _is_note(lines[k])):
                if lines[k].strip():
                    j = k
                k += 1
            out.append((i, j))
            i = k
        else:
            i += 1
    return out


def test_notes_printed_before_last_body_line(lines: list[str]) -> None:
    """Every page's footnote block moved above the page's last body line (where that line is
    not a heading and the page has another body line): layout alone would now point that
    line's markers at the next page's notes."""
    body_start = _body_start(lines)
    out = list(lines)
    moved = 0
    blocks = _blocks(lines)
    for k in range(len(blocks) - 2, -1, -1):  # the last block follows the closing lines
        first, last = blocks[k]
        page_start = blocks[k - 1][1] + 1 if k else body_start
        page = [i for i in range(max(page_start, body_start), first) if out[i].strip()]
        if len(page) < 2 or heading_level(out[page[-1]]):
            continue
        y = page[-1]
        out[y:last + 1] = out[first:last + 1] + [""] + out[y:first]
        moved += 1
    assert moved >= 5
    r = parse_body(out, _body_start(out))
    assert len(r.footnotes) == 77
    markers = _jsonl(GOLD / "markers.jsonl")
    assert [c.n for c in r.citations[:38]] == [g["n"] for g in markers]
    assert sorted(c.n for c in r.citations) == list(range(1, 78))


def test_notes_printed_before_their_whole_page(lines: list[str]) -> None:
    """Every other page's footnote block printed right after the previous page's block, i.e.
    above all of its own body text: two pages' notes back to back, numbering restarting."""
    out = list(lines)
    blocks = _blocks(lines)
    moved = 0
    for k in range(len(blocks) - 2, 0, -2):
        first, last = blocks[k]
        prev_last = blocks[k - 1][1]
        out[prev_last + 1:last + 1] = [""] + out[first:last + 1] + [""] + out[prev_last + 1:first]
        moved += 1
    assert moved >= 8
    _assert_matches_gold(parse_body(out, _body_start(out)))


def test_markers_without_caret(lines: list[str]) -> None:
    plain = [line.replace("^", "") for line in lines]
    _assert_matches_gold(parse_body(plain, _body_start(plain)))


def test_lost_markers_do_not_shift_the_others(lines: list[str]) -> None:
    """A marker the extractor dropped (note 3, and note 27 which opens page 8) leaves its note
    uncited, with a warning; every other marker still finds its own note."""
    out = list(lines)
    out[18] = out[18].replace("灵魂”^②", "灵魂”", 1)
    out[112] = out[112].replace("层级性^①", "层级性", 1)
    assert out[18] != lines[18] and out[112] != lines[112]
    r = parse_body(out, _body_start(out))
    expected = [g["n"] for g in _jsonl(GOLD / "markers.jsonl") if g["n"] not in (3, 27)]
    assert [c.n for c in r.citations[:36]] == expected
    assert sorted(c.n for c in r.citations) == [n for n in range(1, 78) if n not in (3, 27)]
    assert any("not cited" in w for w in r.warnings)


def test_wrapped_footnotes(lines: list[str]) -> None:
    """Long notes wrapped onto a second line, mid-sentence or after a full stop."""
    out: list[str] = []
    wrapped = 0
    for line in lines:
        if FOOTNOTE_LINE.match(line) and len(line) > 120:
            cut = line.find("。", 40)
            if wrapped % 2 == 0 or cut < 0 or cut >= len(line) - 2:
                cut = line.find("，", 40)
            if 0 < cut < len(line) - 2:
                out += [line[:cut + 1], line[cut + 1:]]
                wrapped += 1
                continue
        out.append(line)
    assert wrapped >= 5
    _assert_matches_gold(parse_body(out, _body_start(out)))


def test_traditional_script_and_crlf_indented_copy(lines: list[str]) -> None:
    import opencc

    cc = opencc.OpenCC("s2t")
    trad = ["\u3000\u3000" + cc.convert(line) + "\r" if line else line for line in lines]
    r = parse_body(trad, header_end(trad))
    assert len(r.footnotes) == 77 and r.warnings == [] and r.trailing == []
    assert [c.n for c in r.citations[:38]] == [g["n"] for g in _jsonl(GOLD / "markers.jsonl")]
    assert [s.level for s in r.sections if s.heading] == [
        s["level"] for s in json.loads(GOLD.joinpath("meta.json").read_text(encoding="utf-8"))["sections"]]
    assert r.editor_line == "[責任編輯：宋麗丹]" and r.bio_line and r.bio_line.startswith("(陳灝系")
    assert len([p for s in r.sections for p in s.paragraphs]) == len(_gold_body()) - 18


def test_no_footnotes_plain_essay(lines: list[str]) -> None:
    plain = [re.sub(r"\^?[①-⑳]", "", line) for line in lines if not _is_note(line)]
    r = parse_body(plain, _body_start(plain))
    assert r.footnotes == [] and r.citations == [] and r.warnings == []
    assert _paragraph_lines(r) == _gold_body()


def test_abstract_only_record() -> None:
    text = ["数字资本主义研究", "", "摘要：本文讨论数字资本。数字资本是一种新的资本形态！"]
    r = parse_body(text)
    assert r.footnotes == [] and r.citations == []
    [section] = r.sections
    assert section.heading is None and section.level == 0
    assert [p.text for p in section.paragraphs] == ["数字资本主义研究", text[2]]
    assert [s.text for s in section.paragraphs[1].sentences] == ["摘要：本文讨论数字资本。", "数字资本是一种新的资本形态！"]
    assert parse_body([]).sections == []


def test_circled_numbers_beyond_twenty() -> None:
    circled = [chr(c) for c in range(0x2460, 0x2474)] + [chr(c) for c in range(0x3251, 0x3256)]
    body = "".join(f"第{i + 1}句话{m}。" for i, m in enumerate(circled))
    lines = ["一、引言", body] + [f"{m} 作者{i + 1}：《题名》。" for i, m in enumerate(circled)]
    lines += ["一句被切断的", "① 下一页的注释。", "话^①。"]
    r = parse_body(lines)
    assert len(r.footnotes) == 26 and r.footnotes[-2].marker == "㉕"
    assert [c.n for c in r.citations] == list(range(1, 27))
    assert r.citations[24].sentence == "第25句话。"
    assert r.citations[25].sentence == "一句被切断的话。"
    assert r.footnotes[-1].page == 2


def test_enumeration_numerals_are_not_markers() -> None:
    lines = ["一、对策", "具体包括：①提高效率；②加强监管^①。", "① 参见某某：《某文》。"]
    r = parse_body(lines)
    assert [(c.n, c.sentence) for c in r.citations] == [(1, "具体包括：①提高效率；②加强监管。")]


def test_heading_lookalike_after_mid_sentence_page_break() -> None:
    lines = ["一、引言", "这一变化已经持续了", "① 甲：《乙》。", "二、三十年之久^①。", "（二）下一节", "正文。"]
    r = parse_body(lines)
    assert [(s.heading, [p.text for p in s.paragraphs]) for s in r.sections] == [
        ("一、引言", ["这一变化已经持续了二、三十年之久。"]), ("（二）下一节", ["正文。"])]
    # The marker printed after the notes block still finds its note (a single page of notes).
    assert [c.n for c in r.citations] == [1] and r.footnotes[0].page == 1


@pytest.mark.parametrize(("line", "level"), [
    ("一、问题的提出", 1), ("（一）命题的回顾", 2), ("(五) 金融帝国主义资本积累的新边疆", 2),
    ("1. 数据的金融化", 3), ("1．数据的金融化", 3), ("(半) 外围国家地区包括数字产业在内的大量实体资产。", 0),
    ("一、问题的提出在于数字资本是什么。", 0), ("2023年美国等5个国家", 0), ("3.5亿美元的投资", 0),
])
def test_heading_level(line: str, level: int) -> None:
    assert heading_level(line) == level


def test_split_sentences_quotes() -> None:
    assert split_sentences("他说：“我来了。你呢？”然后走了。好！") == ["他说：“我来了。你呢？”", "然后走了。", "好！"]
    # 。 inside a quotation that continues does not end the sentence.
    assert split_sentences("指出：“甲。乙”的观点。丙。") == ["指出：“甲。乙”的观点。", "丙。"]
    # A quotation whose closer was lost does not swallow the rest.
    assert split_sentences("甲。“乙。丙。") == ["甲。", "“乙。", "丙。"]
    # ；inside quotes stays; splitting on top-level ； is opt-in.
    assert split_sentences("甲；乙。") == ["甲；乙。"]
    assert split_sentences("甲；乙。", split_semicolon=True) == ["甲；", "乙。"]
    assert split_sentences("“A；B”。") == ["“A；B”。"]


def test_the_stored_record_holds_every_field_of_every_sentence() -> None:
    """``Paper.to_store_dict`` writes sentences field by field (not ``asdict``, for speed): a
    field added to ``Sentence`` must reach the store too."""
    from dataclasses import asdict

    from pipeline import api

    paper = api.parse(SEED)
    stored = paper.to_store_dict()
    want = [[[asdict(x) for x in p.sentences] for p in s.paragraphs] for s in paper.sections]
    assert [sd["sentences"] for sd in stored["sections"]] == want
    assert sum(len(p) for s in want for p in s) > 100  # the seed's sentences, not an empty body
