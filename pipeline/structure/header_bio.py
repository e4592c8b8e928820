"""Lines about the authors and the article that sit outside the header block.

* the closing bio line ``(陈灏系福建商学院金融学院教授；钟锦宸系…研究生)`` and CNKI's
  ``作者简介：田刚元（1990—），男，山东临沂人，南昌大学经济管理学院博士研究生`` footer;
* the editor line ``[责任编辑：宋丽丹]`` / ``（责任编辑：…）``;
* the funding note, the ``*`` footnote of the title (``* 本文系…项目…的阶段成果。``) or
  ``基金项目：…``.
"""
from __future__ import annotations

import re

from pipeline.ingest.normalize import fold_width, to_simplified
from pipeline.structure.header_names import HAN, _pair_singles

_OPEN = "[(（\\[［【〔]"
_CLOSE = "[)）\\]］】〕]"

_EDITOR = re.compile(rf"^\s*{_OPEN}?\s*(?:(?:责任编辑|责编)\s*[:：]?|编辑\s*[:：])\s*([^)）\]］】〕]+?)\s*{_CLOSE}?\s*$")
_BIO_WRAPPED = re.compile(rf"^\s*{_OPEN}\s*(.+?)\s*{_CLOSE}\s*$")
_BIO_ENTRY = re.compile(rf"^\s*([{HAN}]{{2,4}}?|[{HAN}]+[·•][{HAN}·•]+?)\s*系\s*(.+?)\s*[。.]?\s*$")
_PROFILE = re.compile(r"^\s*[\[［【〔(（]?\s*作\s*者\s*简\s*介\s*[\]］】〕)）]?\s*[:：]?\s*")
_PROFILE_NAME = re.compile(rf"^\s*([{HAN}·•]{{2,8}}?)\s*(?=[(（,，])")
_BIRTH = re.compile(r"^\s*[(（]\s*\d{4}\s*[-—–－~～]*\s*(?:\d{4})?\s*[)）]\s*")
_FUNDING_STAR = re.compile(r"^\s*[*＊∗]\s*(\S.*)$")
_FUNDING_LABEL = re.compile(r"^\s*[\[［【〔]?\s*(?:基金项目|项目基金|资助项目)\s*[\]］】〕]?\s*[:：]\s*(.+)$")
_FUNDING_WORDS = re.compile(r"本文系|本文为|基金|项目|资助|课题")

# Parts of a CNKI profile that describe the person rather than the post.
_PERSONAL = re.compile(
    r"^(?:男|女|[汉满回藏壮苗彝土蒙朝鲜]族|.{1,12}人|研究方向[为是:：]?.*|主要研究.*|主要从事.*|"
    r"(?:E-?mail|电子邮箱|邮箱|通讯作者|通信作者)\s*[:：]?.*)$",
    re.IGNORECASE,
)
# Posts and ranks printed after the institution in a bio (longest first).
_TITLES = re.compile(
    r"(?:[，,、\s]*(?:\d{4}\s*级)?(?:博士研究生|硕士研究生|博士生导师|硕士生导师|研究生|博士后|博士生|硕士生|本科生|"
    r"副教授|教授|副研究员|助理研究员|研究员|讲师|助教|教师|副主任|主任|院长|副院长|所长|副所长|"
    r"博士|硕士|学者|专家))+\s*$"
)


def _simp(line: str) -> str:
    """Simplified, width-folded copy used only for recognising markers (never returned)."""
    return to_simplified(fold_width(line))


def _same_length_simp(line: str) -> str:
    s = _simp(line)
    if len(s) != len(line):  # a phrase conversion changed length: convert per character
        s = "".join(c2 if len(c2 := _simp(c)) == 1 else c for c in line)
    return s


def parse_editor(line: str) -> str | None:
    """``[责任编辑：宋丽丹]`` → ``宋丽丹`` (any bracket style, traditional too); else None."""
    simp = _same_length_simp(line)
    if "编辑" not in simp:
        return None
    m = _EDITOR.match(simp)
    if not m:
        return None
    name = line[m.start(1):m.end(1)].strip()
    names, _ = _pair_singles(name.split())  # 李 明 is one padded name, not two
    name = " ".join(names)
    if not name or len(name) > 40 or re.search(r"[。，,]", name):
        return None
    return name


def parse_bio(line: str) -> dict[str, str] | None:
    """The authors' bio line as {name: description}; None if the line is not one.

    ``(陈灏系福建商学院金融学院教授；钟锦宸系复旦大学…研究生)`` gives the text after 系;
    ``作者简介：田刚元（1990—），男，山东临沂人，南昌大学…博士研究生；…`` gives the posts left
    once birth year, sex, native place and research field are dropped.
    """
    if not line or not line.strip():
        return None
    simp = _same_length_simp(line)
    pm = _PROFILE.match(simp)
    if pm:
        return _parse_profile(line[pm.end():]) or None
    m = _BIO_WRAPPED.match(simp)
    inner = line[m.start(1):m.end(1)] if m else line.strip()
    out: dict[str, str] = {}
    for part in re.split(r"[；;]", inner):
        if not part.strip():
            continue
        em = _BIO_ENTRY.match(part)
        if not em:
            return None
        out[em.group(1)] = em.group(2).strip()
    if not out:
        return None
    # Without brackets only accept a line made of such entries (a body sentence rarely is).
    if not m and len(inner) > 200:
        return None
    return out


def _parse_profile(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    entries = re.split(rf"[；;]|。(?=\s*[{HAN}]{{2,4}}\s*[(（,，])", text)
    for entry in entries:
        entry = entry.strip().rstrip("。.")
        nm = _PROFILE_NAME.match(entry)
        if not nm:
            continue
        rest = entry[nm.end():]
        rest = _BIRTH.sub("", rest).lstrip("，, ")
        parts = [p.strip() for p in re.split(r"[,，]", rest) if p.strip()]
        kept = [p for p in parts if not _PERSONAL.match(_same_length_simp(p))]
        out[nm.group(1)] = "，".join(kept)
    return out


def institution_of(description: str) -> str:
    """``福建商学院金融学院教授`` → ``福建商学院金融学院`` (posts, ranks, place and postcode dropped)."""
    if "；" in description:  # one author, several numbered affiliations
        return "；".join(filter(None, (institution_of(p) for p in description.split("；"))))
    # CNKI prints "unit，province city postcode": the place is not part of the institution.
    description = re.sub(r"\s*[，,]\s*[^，,；;]*\d{6}\s*$", "", description)
    simp = _same_length_simp(description)
    m = _TITLES.search(simp)
    cut = m.start() if m else len(description)
    return description[:cut].rstrip("，, 、")


def parse_funding(line: str) -> str | None:
    """The funding note: ``* 本文系…`` (a starred footnote that names a project) or ``基金项目：…``."""
    simp = _same_length_simp(line)
    m = _FUNDING_LABEL.match(simp)
    if m:
        return line[m.start(1):].strip()
    m = _FUNDING_STAR.match(simp)
    if m and _FUNDING_WORDS.search(m.group(1)):
        return line[m.start(1):].strip()
    return None
