"""One reference of a CSSCI record (CSSCI's dotted style, first author only) → :class:`Ref`.

The forms CSSCI prints (the list number is already removed by :mod:`pipeline.refs.lists`)::

    程恩富.论新帝国主义的五大特征和特性.马克思主义研究.2019.(5)         journal: 刊名.年.卷(期)
    John Bellamy Foster.Late Imperialism: ….Monthly Review.2019.71(3)   English journal
    丹·席勒.数字化衰退：信息技术与经济危机.北京:中国传媒大学出版社       book: 地点:出版社[,年]
    Zuboff,S..The Age of Surveillance Capitalism.New York:PublicAffairs,2019   initials end in a dot
    样例甲.数字资本积累研究:学位论文.北京:某大学,2020                  thesis
    刘晓.某文.人民日报.12.17(2)                                         newspaper: 报名.月.日(版)
    .列宁全集.北京:人民出版社                                           no author: a leading dot
    刘晓.国常会重磅部署数字经济                                         author and title only: other

Titles may hold dots, colons and full-width punctuation, so the parse anchors on the end of the
item (the year and issue, the place:publisher, the date) and the title is what lies between the
author and that tail. Book fields are set as footnotes set them (``publisher`` and ``place``) and
``container`` is the publisher too, as CSSCI's own records treat it. Classics are recognised by
the footnote parser's rules (``refs.parse``); their type stays the form's (a classic printed as
a book is a book) and ``classic`` is set, which is what the counts and networks read.
"""
from __future__ import annotations

import re
from typing import Any

from pipeline.records import Ref
from pipeline.refs import lists
from pipeline.refs.names import canonical_authors, is_latin, split_authors, split_nationality
from pipeline.refs.parse import _aliases, _cfg, _prepare, _type_of

YEAR = r"(1[5-9]\d\d|20\d\d)"
# Surnames, initials and the separator dot: ``Zuboff,S..`` ``Foster,J.B..`` ``Romer P.M..``
# ``Hardt,M.,Negri,A..``: the author ends at the dot after an initial's dot.
# A transliterated surname keeps its initials the same way: ``哈特,M.,奈格里,A..``
_LATIN_AUTHOR = re.compile(r"^((?:[A-Za-z\u3400-\u9fff][A-Za-z\u3400-\u9fff·• '’\-]{0,40}(?:,\s*|\s+)"
                           r"(?:[A-Z]\.\s*-?)+(?:,\s*)?)+"
                           r"(?:et\s+al\.)?)\.(?!\.)")
# A transliterated name printed with Latin initials: ``J.B.福斯特.`` ``(美)J.B.福斯特.``
_INITIALS_HAN = re.compile(r"^((?:[\[(（〔【][^\])）〕】]{1,4}[\])）〕】]\s*)?"
                           r"(?:[A-Z]\s*[.·]\s*){1,3}[\u3400-\u9fff·]{1,15})\.")
_INITIALS = re.compile(r"^(?:[A-Z]\.?\s*-?)+$")
_EDITION_SEG = re.compile(r"\s*\.\s*(?:第?\s*[0-9一二三四五六七八九十]+\s*版|修订版|增订版)$")
_URL = re.compile(r"^(.*?)[.\s]*((?:https?://|www\.)\S+)$")
_THESIS = re.compile(r"[:：]\s*((?:博士|硕士|学士)?学位论文)")
_NEWSPAPER = re.compile(r"^(.+)\.((?!\d+\.)[^.]{1,40})\.(?:" + YEAR + r"[.\-])?(\d{1,2})[.\-](\d{1,2})"
                        r"(?:\s*[(（]\s*(\w+)\s*[)）])?$")
# 刊名.年.卷(期)[:页]; the volume and the issue may each be missing (.2019.(5), .2019.71, .2019)
_JOURNAL = re.compile(r"^(.+)\.([^.:：]{1,80})\.\s*" + YEAR + r"\s*(?:[.,，]\s*([^.()（）:：]{0,20}?)\s*"
                      r"(?:[(（]\s*([^)）]{1,20}?)\s*[)）])?)?\s*(?:[:：]\s*(\d+(?:\s*[-–—~]\s*\d+)?))?$")
# 出版社,年 without a place: the comma before the year is the book form's (a journal's year follows a dot)
_PUB_COMMA_YEAR = re.compile(r"^(.+)\.([^.\d]{2,60}?)\s*[,，]\s*" + YEAR + r"\s*年?$")
_GBT_MARK = re.compile(r"\s*\[(?:[A-Z]{1,2}(?:/OL)?)\]$")
_YEAR_ONLY_END = re.compile(r"^(.+?)\s*[.,，]\s*" + YEAR + r"\s*年?$")
_PLACE_PUB = re.compile(r"^(.+)\.([^.:：\d]{1,20}?)\s*[:：]\s*([^:：]{1,80}?)(?:\s*[,，.]\s*" + YEAR + r"\s*年?)?$")
_PUBLISHER = r"(?:出版社|书局|书店|出版公司|出版集团|印书馆|Press|Publishers?|Publishing|Verlag|Books)"
_PUB_ONLY = re.compile(r"^(.+)\.([^.]{1,60}?" + _PUBLISHER + r")(?:\s*[,，.]\s*" + YEAR + r"\s*年?)?$",
                       re.IGNORECASE)
_NEWSPAPER_NAME = re.compile(r"^(.+)\.([^.]{2,20}报)$")
_VOLUME_SEG = re.compile(r"^(.+?)\s*\.\s*第\s*([0-9一二三四五六七八九十百]+)\s*(?:卷|册)$")


def _number(x: str | None) -> str | None:
    """Issue and volume numbers without leading zeros ((05) is issue 5); 增刊, S1 stay."""
    if not x:
        return None
    x = x.strip()
    return (x.lstrip("0") or "0") if x.isdigit() else x


def split_author(text: str) -> tuple[str, str] | None:
    """(first author as printed, the rest) or None when no dot ends an author."""
    if text.startswith("."):
        return "", text[1:]
    m = _LATIN_AUTHOR.match(text) or _INITIALS_HAN.match(text)
    if m:
        return m.group(1).strip(), text[m.end():]
    i = text.find(".")
    if i < 0:
        return None
    return text[:i].strip(), text[i + 1:]


def parse_tail(rest: str) -> dict[str, Any]:
    """Title and the fields after it, read from the end of the item."""
    rest = rest.strip().rstrip(".。").strip()
    m = _URL.match(rest)
    if m and m.group(1):
        return {"title": m.group(1), "url": m.group(2), "type": "web"}
    m = _THESIS.search(rest)
    if m:
        f: dict[str, Any] = {"title": rest[:m.start()].strip(), "type": "thesis"}
        after = rest[m.end():].strip(" .")
        ym = re.search(r"[,，.]?\s*" + YEAR + r"\s*年?$", after)
        if ym:
            f["year"] = int(ym.group(1))
            after = after[:ym.start()].strip()
        pm = re.match(r"^([^:：]{1,20})\s*[:：]\s*(.+)$", after)
        place, school = (pm.group(1).strip(), pm.group(2).strip()) if pm else (None, after or None)
        f.update(place=place, container=school, publisher=school)
        return f
    m = _NEWSPAPER.match(rest)
    if m and 1 <= int(m.group(4)) <= 12 and 1 <= int(m.group(5)) <= 31:
        return {"title": m.group(1), "container": m.group(2), "year": int(m.group(3)) if m.group(3) else None,
                "pages": m.group(6), "type": "newspaper", "dated": True}
    m = _JOURNAL.match(rest)
    if m:
        container = m.group(2).strip()
        if re.search(_PUBLISHER + "$", container, re.IGNORECASE) and not m.group(5):
            return {"title": m.group(1), "container": container, "publisher": container,
                    "year": int(m.group(3)), "type": "book"}
        return {"title": m.group(1), "container": container, "year": int(m.group(3)),
                "volume": _number(m.group(4)), "issue": _number(m.group(5)),
                "pages": re.sub(r"\s*[-–—~]\s*", "-", m.group(6)) if m.group(6) else None, "type": "journal"}
    m = _PLACE_PUB.match(rest)
    if m:
        return {"title": m.group(1), "place": m.group(2).strip(), "publisher": m.group(3).strip(),
                "container": m.group(3).strip(), "year": int(m.group(4)) if m.group(4) else None, "type": "book"}
    m = _PUB_ONLY.match(rest)
    if m:
        return {"title": m.group(1), "publisher": m.group(2).strip(), "container": m.group(2).strip(),
                "year": int(m.group(3)) if m.group(3) else None, "type": "book"}
    m = _PUB_COMMA_YEAR.match(rest)
    if m:
        return {"title": m.group(1), "publisher": m.group(2).strip(), "container": m.group(2).strip(),
                "year": int(m.group(3)), "type": "book"}
    m = _YEAR_ONLY_END.match(rest)
    if m:
        return {"title": m.group(1), "year": int(m.group(2)), "type": "other"}
    m = _NEWSPAPER_NAME.match(rest)
    if m:
        return {"title": m.group(1), "container": m.group(2), "type": "newspaper"}
    return {"title": rest, "type": "other"}


def _authors(author: str) -> tuple[list[str], str | None]:
    """The printed author(s) and a nationality tag. A Latin name stays as printed, initials' dot
    included (``Zuboff,S.``: its comma is not a list); Chinese bylines go through the footnote
    parser's splitter ([美]大卫·哈维 → 大卫·哈维, 美; 张三等 → 张三)."""
    if not author:
        return [], None
    if is_latin(author) or re.search(r",\s*[A-Z]\.", author):
        text, nat = split_nationality(author)
        names: list[str] = []
        for part in re.split(r"\s*(?:;|&|\band\b)\s*", re.sub(r"[\s,]*(?:et\s+al\.?|等)\s*$", "", text)):
            for piece in (x.strip() for x in part.split(",")):
                if names and _INITIALS.match(piece) and "," not in names[-1]:
                    names[-1] += "," + piece  # Zuboff,S.: the comma joins a surname and its initials
                elif piece:
                    names.append(piece)
        return names, nat
    names, nats = split_authors(author)
    return names, next((n for n in nats if n), None)


def parse_cssci(text: str, aliases: dict[str, Any] | None = None) -> Ref:
    """One printed item without its list number → a Ref (``unparsed`` says why when it is not one).

    >>> r = parse_cssci("程恩富.论新帝国主义的五大特征和特性.马克思主义研究.2019.(5)")
    >>> r.authors, r.title, r.container, r.year, r.issue, r.type
    (['程恩富'], '论新帝国主义的五大特征和特性', '马克思主义研究', 2019, '5', 'journal')
    """
    raw = text.strip()
    item = _prepare(raw).strip()
    if not item:
        return Ref(raw=raw, unparsed="empty item")
    parts = split_author(item)
    if parts is None:
        return Ref(raw=raw, unparsed="no dot after the author: not CSSCI's 作者.题名 form")
    author, rest = parts
    if not rest.strip(" ."):
        return Ref(raw=raw, unparsed="author only, no title")
    f = parse_tail(rest)
    title = (f.get("title") or "").strip()
    vm = _VOLUME_SEG.match(title)
    if vm:  # 马克思恩格斯文集.第1卷.北京:人民出版社: the volume printed as its own segment
        title, f["volume"] = vm.group(1), vm.group(2)
    title = _EDITION_SEG.sub("", title)  # 文献计量学.第2版: the edition is not part of the title
    if not title:
        return Ref(raw=raw, unparsed="no title between the author and the source")
    title = _GBT_MARK.sub("", title)
    authors, nationality = _authors(author)
    _, classic = _type_of({"title": title, "authors": authors}, _cfg(None))
    al = _aliases(aliases)
    return Ref(
        raw=raw, authors=authors, authors_canonical=canonical_authors(authors, title, al),
        nationality=nationality, title=title, container=f.get("container") or None,
        publisher=f.get("publisher") or None, place=f.get("place") or None, year=f.get("year"),
        volume=f.get("volume"), issue=f.get("issue"), pages=f.get("pages") or None, url=f.get("url"),
        type=f["type"], classic=classic,
    )


lists.PARSERS["cssci"] = parse_cssci
