"""Parsers for one citation in each style: Chinese footnote style, English (GB/T 7714 is in
``styles_gbt.py``, the field patterns they share in ``style_fields.py``).

Every parser takes an :class:`Aligned` piece (prefix such as 参见 and the final 。 already removed)
and returns a dict of REF fields or None when the piece is not a citation. Patterns run on the
folded view, fields are cut from the printed text.
"""
from __future__ import annotations

import re
from typing import Any

from pipeline.refs.aligned import Aligned, matching_close, strip_span, top_level_splits
from pipeline.refs.names import is_latin, split_authors
from pipeline.refs.style_fields import (_DATE_CN, _EDITOR, _IN_COLLECTION, _ISSUE_CN, _ISSUE_EN, _PAGES, _PAGES_EN, _PART,
                                        _PLACE_PUB, _THESIS, _TRANSLATOR, _URL_CORE, _VOL_ISSUE_CN, _VOLUME, _YEAR_CN,
                                        _YEAR_ISSUE_PAREN, DASH, YEAR, _int_str, _norm_pages)


# ---------------------------------------------------------------- the part after the title

def parse_tail(al: Aligned, a: int, b: int, f: dict[str, Any]) -> None:
    """Fill ``f`` from the comma-separated segments that follow a title.

    Segments are read by what they look like, not by position, so the orders of the different
    styles (translator before or after the journal, pages last or missing) all work.
    """
    for sa, sb in top_level_splits(al, a, b, ","):
        sa, sb = strip_span(al, sa, sb, " \t.")
        if sa >= sb:
            continue
        seg = al.v[sa:sb]
        if _URL_CORE.match(seg) and ("://" in seg or seg.startswith("www.")):
            f.setdefault("url", _URL_CORE.match(al.o[sa:sb].strip()).group(1))  # type: ignore[union-attr]
            continue
        m = _IN_COLLECTION.match(seg)
        if m and ("《" in seg or "*" in seg or "“" in seg):
            f["in_collection"] = True
            _container_segment(al, sa + m.end(), sb, f)
            continue
        if seg[0] in "《*":
            _container_segment(al, sa, sb, f)
            continue
        if _segment_fields(al, sa, sb, f):
            continue
        m = _TRANSLATOR.match(seg)
        if m and not re.search(r"\d{4}", seg):
            f["translators"] = split_authors(al.o[sa:sa + m.end(1)])[0]
            continue
        if _EDITOR.match(seg):
            f.setdefault("editors", seg)
            continue
        m = _PLACE_PUB.match(seg)
        if m and not f.get("publisher"):
            pub = m.group(2)
            pa = sa + m.start(2)
            pb = sa + m.end(2)
            ym = re.search(r"\s*" + YEAR + r"\s*年?$", pub)  # 人民出版社2009年 without a comma
            if ym:
                f.setdefault("year", int(ym.group(1)))
                pb = pa + ym.start()
            f["place"] = al.cut(sa, sa + m.end(1)) or None
            f["publisher"] = al.cut(pa, pb) or None
            continue
        if _THESIS.search(seg):
            f["thesis"] = True
            continue
        f.setdefault("unparsed", []).append(al.cut(sa, sb))
    rest = f.get("unparsed") or []
    if rest and not f.get("container") and (f.get("issue") or f.get("volume")) and not f.get("publisher"):
        f["container"] = rest.pop(0).strip("*")  # Monthly Review, Vol. 67: an unmarked journal name
    elif rest and f.get("thesis") and not f.get("publisher"):
        f["publisher"] = rest.pop(0)  # the degree-granting institution


def _segment_fields(al: Aligned, sa: int, sb: int, f: dict[str, Any]) -> bool:
    """Years, dates, issues, volumes and pages in one segment; True if it was one of those."""
    seg = al.v[sa:sb].strip()
    hit = False
    m = _ISSUE_CN.search(seg)
    if m:
        f.setdefault("year", int(m.group(1)))
        if m.group(2):
            f.setdefault("volume", _int_str(m.group(2)))
        f.setdefault("issue", _int_str(re.sub(r"\s+", "", m.group(3))))
        hit = True
    else:
        m = _DATE_CN.search(seg)
        if m:
            f.setdefault("year", int(m.group(1)))
            f["dated"] = True
            hit = True
            pm = re.search(r"第\s*(\d+)\s*版", seg)
            if pm:
                f.setdefault("pages", pm.group(1))
        else:
            m = _VOL_ISSUE_CN.search(seg)
            if m:
                f.setdefault("volume", _int_str(m.group(1)))
                f.setdefault("issue", _int_str(m.group(2)))
                hit = True
            m2 = _YEAR_CN.search(seg)
            if m2:
                f.setdefault("year", int(m2.group(1)))
                hit = True
    if re.fullmatch(r"第\s*[0-9一二三四五六七八九十百]+\s*(?:卷|册|辑)(?:\s*第\s*\d+\s*期)?", seg) or \
            re.fullmatch(r"(?:Vol|Volume)\.?\s*\w+", seg, re.IGNORECASE):
        m = _VOLUME.search(seg)
        f.setdefault("volume", _int_str(m.group(1) or m.group(2)))  # type: ignore[union-attr]
        return True
    if re.fullmatch(r"(?:No|Issue|Nr)\.?\s*\w+", seg, re.IGNORECASE):
        f.setdefault("issue", _int_str(_ISSUE_EN.search(seg).group(1)))  # type: ignore[union-attr]
        return True
    m = _PAGES.match(seg) or _PAGES_EN.match(seg)
    if m:
        f.setdefault("pages", _norm_pages(m.group(1)))
        return True
    if re.fullmatch(YEAR + r"\s*年?", seg):
        f.setdefault("year", int(seg[:4]))
        return True
    if re.fullmatch(YEAR + r"\s*" + DASH + r"\s*\d{1,2}(?:\s*" + DASH + r"\s*\d{1,2})?", seg):
        f.setdefault("year", int(seg[:4]))
        f["dated"] = True
        return True
    return hit


def _container_segment(al: Aligned, sa: int, sb: int, f: dict[str, Any]) -> None:
    """``《刊名》2024年第9期`` / ``*Monthly Review*`` / ``《论文集》（下）`` -> container and what follows."""
    sa, sb = strip_span(al, sa, sb)
    v = al.v
    if v[sa] == "《":
        close = matching_close(v, sa)
        close = sb - 1 if close < 0 or close >= sb else close
        name = al.cut(sa + 1, close)
        rest = close + 1
    elif v[sa] == "*":
        close = v.find("*", sa + 1, sb)
        close = sb if close < 0 else close
        name = al.cut(sa + 1, close)
        rest = close + 1
    elif v[sa] == "“":
        close = v.find("”", sa + 1, sb)
        close = sb if close < 0 else close
        name = al.cut(sa + 1, close)
        rest = close + 1
    else:
        name, rest = al.cut(sa, sb), sb
    if f.get("container"):
        f.setdefault("unparsed", []).append(name)
    else:
        f["container"] = name
    m = _PART.match(v[rest:sb])
    if m:
        f.setdefault("volume", _int_str(m.group(1)))
        rest += m.end()
    if rest < sb:
        _segment_fields(al, rest, sb, f)
        ym = _YEAR_ISSUE_PAREN.search(v[rest:sb])
        if ym and "issue" not in f:
            f.setdefault("year", int(ym.group(1)))
            if ym.group(2):
                f.setdefault("volume", _int_str(ym.group(2)))
            f["issue"] = _int_str(ym.group(3))


# ---------------------------------------------------------------- Chinese footnote style

# Prose that quotes a book after a colon (马克思指出：《资本论》…) is not a byline.
_SPEECH = re.compile(r"指出|认为|提出|强调|写道|说道|谈到|曾说|所说|表示")

def parse_chinese(al: Aligned, a: int, b: int) -> dict[str, Any] | None:
    """``作者：《题名》，…`` or ``《题名》…``; None when the piece is prose that mentions a book."""
    v = al.v
    t0 = v.find("《", a, b)
    if t0 < 0:
        return _url_only(al, a, b)
    pre = v[a:t0].strip()
    if pre and not pre.endswith(":"):
        return None
    if len(pre) > 120 or "。" in pre or _SPEECH.search(pre):
        return None
    t1 = matching_close(v, t0)
    if t1 < 0 or t1 >= b:
        return None
    after = v[t1 + 1:b].lstrip()
    # Prose such as 《资本论》中马克思指出 is not a citation; a citation goes on with a comma,
    # a volume, a part, a year, or ends right after the title.
    if after and not re.match(r"[,:(第\d<]|https?:", after):
        return None
    f: dict[str, Any] = {"title": al.cut(t0 + 1, t1)}
    if pre:
        names, nats = split_authors(al.o[a:t0].strip().rstrip(":："))
        f["authors"], f["nats"] = names, nats
    _title_suffix(al, t1 + 1, b, f)
    return f


def _title_suffix(al: Aligned, start: int, b: int, f: dict[str, Any]) -> None:
    v = al.v
    m = re.match(r"\s*(第\s*[0-9一二三四五六七八九十百]+\s*(?:卷|册|辑))", v[start:b])
    if m:
        f["volume"] = _int_str(_VOLUME.search(m.group(1)).group(1))  # type: ignore[union-attr]
        start += m.end()
    m = _PART.match(v[start:b])
    if m:
        f.setdefault("volume", _int_str(m.group(1)))
        start += m.end()
    parse_tail(al, start, b, f)


def _url_only(al: Aligned, a: int, b: int) -> dict[str, Any] | None:
    urls = al.url_spans(a, b)
    if not urls:
        return None
    ua, ub = urls[0]
    before = al.v[a:ua].strip(" ,:")
    if before and not is_latin(before) and len(before) > 40:
        return None
    f: dict[str, Any] = {"url": al.o[ua:ub].strip("<>")}
    if before:
        f["title"] = al.cut(a, ua).strip(" ,，:：")
    return f


# ---------------------------------------------------------------- English

_QUOTED = re.compile(r"^(?P<auth>[^“\"*]{2,300}?),\s*(?P<q>[“\"*])")


def parse_english(al: Aligned, a: int, b: int) -> dict[str, Any] | None:
    """``Author, “Title”, *Journal*, Vol. 71, No. 3, 2019`` and ``Author, Title, Place: Pub, 2000``."""
    v = al.v
    m = _QUOTED.match(v[a:b])
    if m:
        q0 = a + m.start("q")
        closer = {"“": "”", "\"": "\"", "*": "*"}[m.group("q")]
        q1 = v.find(closer, q0 + 1, b)
        if q1 < 0:
            return None
        f: dict[str, Any] = {"title": al.cut(q0 + 1, q1).rstrip(",.")}
        f["authors"] = split_authors(al.o[a:a + m.end("auth")])[0]
        if m.group("q") == "*":
            f["italic_title"] = True
        parse_tail(al, q1 + 1, b, f)
        return f
    segs = [strip_span(al, x, y) for x, y in top_level_splits(al, a, b, ",")]
    segs = [(x, y) for x, y in segs if x < y]
    if len(segs) < 3:
        return None
    year_i = next((i for i in range(len(segs) - 1, 0, -1)
                   if re.fullmatch(YEAR + r"[a-z]?", v[segs[i][0]:segs[i][1]].strip())), None)
    if year_i is None or year_i < 2:
        return None
    end = year_i
    if ":" in v[segs[end - 1][0]:segs[end - 1][1]] and end - 1 >= 2:
        end -= 1
    f = {"authors": split_authors(al.o[segs[0][0]:segs[0][1]])[0],
         "title": al.cut(segs[1][0], segs[end - 1][1]).strip("*"),
         "italic_title": True}
    parse_tail(al, segs[end][0], b, f)
    return f
