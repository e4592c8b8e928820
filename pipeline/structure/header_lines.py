"""Line kinds of a paper header, judged on a simplified, width-folded copy of each line.

Markers come bracketed or with a colon, padded with spaces (``摘　要：``, ``[关键词]``,
``〔摘要〕``) and in either script; classifying the simplified copy lets one pattern set serve
all of them, while values are cut from the original line at the same offsets.
"""
from __future__ import annotations

import re


__all__ = ["after_marker", "classify", "is_ascii_line", "join_wrapped", "split_keywords"]

_O = r"[\[［【〔(（]"
_C = r"[\]］】〕)）]"
# The marker may be bracketed, followed by a colon, or both; spaces may pad its characters.
_ABSTRACT = re.compile(rf"^\s*(?:{_O}\s*(?:内\s*容\s*)?(?:摘\s*要|提\s*要)\s*{_C}\s*[:：]?|"
                       rf"(?:内\s*容\s*)?(?:摘\s*要|提\s*要)\s*(?:[:：]|\s+(?=\S)))\s*")
_KEYWORDS = re.compile(rf"^\s*(?:{_O}\s*关\s*键\s*[词字]\s*{_C}\s*[:：]?|关\s*键\s*[词字]\s*(?:[:：]|\s+(?=\S)))\s*")
_EN_ABSTRACT = re.compile(rf"^\s*{_O}?\s*abstract\s*{_C}?\s*[:：]?", re.IGNORECASE)
_EN_KEYWORDS = re.compile(rf"^\s*{_O}?\s*key\s*-?\s*words?\s*{_C}?\s*[:：]?", re.IGNORECASE)
_CLASSIFICATION = re.compile(
    r"^\s*(?:中\s*图\s*(?:分\s*类\s*号|法?分类号)|文\s*献\s*标\s*(?:识|志)\s*码|文\s*章\s*编\s*号|"
    r"DOI|doi|学科分类|分类号|收稿日期|修回日期|网络首发|引用格式|通[讯信]作者|"
    r"基金项目|作者简介|[\[［【〔]?\s*作\s*者\s*简\s*介)"
)
_ARTICLE_NO = re.compile(r"文\s*章\s*编\s*号\s*[:：]?\s*\d{4}-\d{3}[\dXx]\s*[(（]\s*((?:19|20)\d{2})\s*[)）]\s*0*(\d+)")
_JOURNAL = re.compile(
    r"^\s*(?P<j>[^\d\s:：。，,][^:：。，,]{0,40}?)[\s\u3000]*[,，]?\s*"
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?:第?\s*\d+\s*卷\s*)?第?\s*(?P<i>[A-Za-z]?\d{1,3})\s*期"
    r"(?:\s*[(（]?总第?\s*\d+\s*期[)）]?)?\s*$"
)
_JOURNAL_PAREN = re.compile(  # 上海城市规划, 2023(05) / 2023, 41(5)
    r"^\s*(?P<j>[^\d\s:：。，,][^:：。，,]{0,40}?)[\s\u3000]*[,，]?\s*"
    r"(?P<y>(?:19|20)\d{2})\s*[,，]?\s*(?:\d+\s*)?[(（]\s*(?P<i>[A-Za-z]?\d{1,3})\s*[)）]\s*$"
)
# Web pages run the online date into the author names: 2021-03-26牛凯功黄再胜 (names only after it).
_DATE_RUN = re.compile(r"^\s*((?:19|20)\d{2})[-/](\d{1,2})[-/](\d{1,2})\s*([\u3400-\u9fff·• \u3000]{0,40})\s*$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|引\s*言\s*$|[0-9]+\s*[.．、]?\s*引\s*言|前\s*言\s*$)")
_NUMBERED_AFF = re.compile(r"(\d+)\s*[.．、]\s*([^；;]+)")
_INSTITUTION = re.compile(r"大学|学院|研究院|研究所|研究中心|中心|学校|党校|科学院|出版社|公司|委员会|杂志社|编辑部")
_COLUMN = re.compile(r"^\s*[【［\[〔]\s*[^】］\]〕]{2,20}\s*[】］\]〕]\s*$")
_TITLE_TAIL = re.compile(r"[\s*＊∗①†]+$")
_KW_SPLIT_STRONG = re.compile(r"\s*[；;]\s*")
_KW_SPLIT_COMMA = re.compile(r"\s*[，,、]\s*")


def classify(simp: str) -> str:
    """What one header line is, judged on its simplified copy."""
    if not simp.strip():
        return "blank"
    if _ABSTRACT.match(simp):
        return "abstract"
    if _KEYWORDS.match(simp):
        return "keywords"
    if _CLASSIFICATION.match(simp):
        return "classification"
    if _EN_KEYWORDS.match(simp):
        return "en_keywords"
    if _EN_ABSTRACT.match(simp):
        return "en_abstract"
    if _DATE_RUN.match(simp):
        return "date"
    if len(simp) <= 70 and (_JOURNAL.match(simp) or _JOURNAL_PAREN.match(simp)):
        return "journal"
    if _HEADING.match(simp):
        return "heading"
    if re.match(r"^\s*[*＊∗]\s*\S", simp):
        return "star"
    return "text"


def is_ascii_line(line: str) -> bool:
    letters = [c for c in line if not c.isspace()]
    return bool(letters) and sum(c.isascii() for c in letters) / len(letters) > 0.8


def join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines: no space between Chinese, one between Latin words."""
    out = ""
    for p in parts:
        p = p.strip()
        if out and p and out[-1].isascii() and out[-1].isalnum() and p[0].isascii() and p[0].isalnum():
            out += " "
        out += p
    return out


def after_marker(line: str, simp: str, rx: re.Pattern[str]) -> str:
    m = rx.match(simp)
    return line[m.end():].strip() if m else line.strip()


def split_keywords(text: str) -> list[str]:
    """``a；b；c`` / ``a，b`` / ``a b c`` (the founding paper's spaces) → ordered list."""
    text = text.strip().rstrip("。.；;，,")
    if not text:
        return []
    if _KW_SPLIT_STRONG.search(text):
        parts = _KW_SPLIT_STRONG.split(text)
    elif _KW_SPLIT_COMMA.search(text):
        parts = _KW_SPLIT_COMMA.split(text)
    else:
        parts = re.split(r"[\s\u3000]+", text)
    return [p.strip() for p in parts if p.strip()]
