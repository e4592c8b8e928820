"""References in the GB/T 7714 style (``[J]``, ``[M]``, ``[EB/OL]`` … type codes): the Chinese
national standard's reference format, read field by field. The footnote styles (Chinese, English)
and what follows a title in any style are in ``styles.py``.
"""
from __future__ import annotations

import re
from typing import Any

from pipeline.refs.aligned import Aligned
from pipeline.refs.names import split_authors
from pipeline.refs.style_fields import _YEAR_BARE, _YEAR_ISSUE_PAREN, DASH, YEAR, _int_str, _norm_pages

GBT_RE = re.compile(r"\[(J|M|N|D|C|R|Z|P|S|A|G|EB/OL|J/OL|M/OL|N/OL|DB/OL|R/OL|C/OL|D/OL|EB|OL|CP/DK)\]")
GBT_TYPES = {"J": "journal", "M": "book", "N": "newspaper", "D": "thesis", "C": "book", "R": "report",
             "A": "chapter", "G": "book", "S": "report", "P": "other", "Z": "other"}


def parse_gbt(al: Aligned, a: int, b: int) -> dict[str, Any] | None:
    """``作者. 题名[J]. 刊名, 2022, 41(2): 1-17`` and the other GB/T 7714 document types."""
    v = al.v
    m = GBT_RE.search(v, a, b)
    if not m:
        return None
    code = m.group(1)
    head_a, head_b = a, m.start()
    dot = _author_dot(v, head_a, head_b)
    f: dict[str, Any] = {"gbt": code}
    if dot is not None:
        f["authors"] = split_authors(al.o[head_a:dot])[0]
        f["title"] = al.cut(dot + 1, head_b)
    else:
        f["title"] = al.cut(head_a, head_b)
    f["title"] = f["title"].rstrip(".")
    base = code.split("/")[0]
    f["gbt_type"] = "web" if "OL" in code and base in ("EB", "OL", "DB") else GBT_TYPES.get(base, "other")
    rest = m.end()
    tail = v[rest:b]
    if tail.startswith("//"):  # a part of a collection: //Editor. Collection. Place: Pub, year: pages
        f["gbt_type"] = "chapter"
        spans = []
        pos = rest + 2
        for dm in re.finditer(r"\.\s+", v[rest + 2:b]):
            spans.append((pos, rest + 2 + dm.start()))
            pos = rest + 2 + dm.end()
        spans.append((pos, b))
        # The collection is the part before the place: publisher part (an editor may precede it).
        f["container"] = al.cut(*spans[-2]) if len(spans) >= 2 else al.cut(*spans[0])
        _gbt_pub(al, spans[-1][0] if spans else rest, b, f)
        return f
    rest += len(tail) - len(tail.lstrip(". "))
    if f["gbt_type"] == "journal" or base == "N":
        jm = re.match(r"(.+?),\s*(?=" + YEAR + r")", v[rest:b])
        if jm:
            f["container"] = al.cut(rest, rest + jm.end(1))
            rest += jm.end()
        yi = _YEAR_ISSUE_PAREN.match(v[rest:b])
        nd = re.match(YEAR + r"\s*-\s*\d{1,2}\s*-\s*\d{1,2}\s*(?:\((\w+)\))?", v[rest:b])
        if base == "N" and nd:
            f["year"] = int(nd.group(1))
            f["dated"] = True
            if nd.group(2):
                f["pages"] = _int_str(nd.group(2))
        elif yi:
            f["year"] = int(yi.group(1))
            if yi.group(2):
                f["volume"] = _int_str(yi.group(2))
            if base == "N":
                f["pages"] = _int_str(yi.group(3))
            else:
                f["issue"] = _int_str(yi.group(3))
        else:
            ym = re.match(YEAR + r"(?:\s*,\s*(\w+))?", v[rest:b])
            if ym:
                f["year"] = int(ym.group(1))
                if ym.group(2):
                    f["volume"] = _int_str(ym.group(2))
        pm = re.search(r":\s*([\w]+(?:\s*" + DASH + r"\s*\w+)?)\s*$", v[rest:b])
        if pm and base != "N":
            f["pages"] = _norm_pages(pm.group(1))
        return f
    if f["gbt_type"] == "web":
        dm = re.search(r"\(\s*" + YEAR, v[rest:b])
        urls = al.url_spans(rest, b)
        if urls:
            f["url"] = al.o[urls[0][0]:urls[0][1]].strip("<>").rstrip(".")
        if dm:
            f["year"] = int(dm.group(1))
        else:
            pre = v[rest:urls[0][0]] if urls else v[rest:b]
            ym = _YEAR_BARE.search(pre)
            if ym:
                f["year"] = int(ym.group(1))
        return f
    _gbt_pub(al, rest, b, f)
    return f


def _author_dot(v: str, a: int, b: int) -> int | None:
    """Index of the full stop closing the author list, skipping initials such as ``J.``."""
    for m in re.finditer(r"\.(?:\s+|(?=[\u3400-\u9fff“\"]))", v[a:b]):
        i = a + m.start()
        if i - a >= 2 and v[i - 1].isupper() and v[i - 2] in " ,." and re.match(r"\s*[A-Z]\.", v[i + 1:b]):
            continue  # an initial inside a name (J. R. Smith) rather than the end of the list
        return i
    return None


def _gbt_pub(al: Aligned, a: int, b: int, f: dict[str, Any]) -> None:
    """``北京: 人民出版社, 2009: 12`` -> place, publisher, year, pages."""
    v = al.v
    m = re.match(r"\s*(?:([^:,\d]{1,20}?)\s*:\s*)?([^,]+?)\s*,\s*" + YEAR + r"(?:\s*:\s*([\w\-–—~]+))?", v[a:b])
    if m:
        if m.group(1):
            f["place"] = al.cut(a + m.start(1), a + m.end(1))
        f["publisher"] = al.cut(a + m.start(2), a + m.end(2))
        f["year"] = int(m.group(3))
        if m.group(4):
            f["pages"] = _norm_pages(m.group(4))
    else:
        ym = _YEAR_BARE.search(v[a:b])
        if ym:
            f["year"] = int(ym.group(1))
