"""Field values as the bibliographic readers need them: one line, no list separators inside a
value, names in the form Web of Science prints."""
from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s+")
# Readers split CR on ", " (CiteSpace, VOSviewer, wostools) and lists on ";" (bibliometrix joins
# continuation lines with ";"): inside a value these would cut it in pieces.
_SEPARATORS = str.maketrans({",": " ", ";": " ", "，": " ", "；": " "})


def one_line(s: object) -> str:
    """Whitespace (newlines, tabs) folded to single spaces."""
    return _SPACE.sub(" ", str(s or "")).strip()


def no_separators(s: object) -> str:
    """``论新帝国主义，特征；特性`` -> ``论新帝国主义 特征 特性``: a value that stays one item
    when a reader splits on commas and semicolons (ASCII and full-width
    ones); the enumeration comma 、 is no separator for them and stays."""
    return one_line(str(s or "").translate(_SEPARATORS))


def no_semicolons(s: object) -> str:
    """For list items joined with ``; `` (keywords, authors, affiliations)."""
    return one_line(str(s or "").replace(";", " ").replace("；", " "))


def is_cjk(name: str) -> bool:
    return bool(_CJK.search(name))


def _split_latin(name: str) -> tuple[str, list[str]]:
    """(family name, given names) of a Latin-script name: ``Rossi, Pedro`` or ``Pedro Rossi``."""
    if "," in name:
        family, given = name.split(",", 1)
        return family.strip(), given.split()
    parts = name.split()
    return (parts[-1], parts[:-1]) if len(parts) > 1 else (name.strip(), [])


def wos_author(name: str) -> str:
    """AU: ``Rossi, P`` for Latin names (family name, initials), Chinese names as they are."""
    name = one_line(name)
    if not name or is_cjk(name):
        return no_separators(name)
    family, given = _split_latin(name)
    initials = "".join(g[0].upper() for g in given if g and g[0].isalpha())
    return f"{family}, {initials}" if initials else family


def wos_full_name(name: str) -> str:
    """AF: ``Rossi, Pedro``; Chinese names as they are."""
    name = one_line(name)
    if not name or is_cjk(name):
        return no_separators(name)
    family, given = _split_latin(name)
    return f"{family}, {' '.join(given)}" if given else family


def cr_author(name: str) -> str:
    """The first author in a CR line: ``Rossi P`` (WoS prints no comma there)."""
    return no_separators(wos_author(name))


# GB/T 7714 document type codes, as a Chinese reference list marks them.
GBT_TYPE = {"journal": "J", "book": "M", "classic": "M", "chapter": "M", "newspaper": "N", "thesis": "D",
            "report": "R", "web": "EB/OL"}


def reference_text(r) -> str:
    """A cited work as a Chinese reference list prints it (GB/T 7714):
    ``程恩富, 鲁保林, 俞使超. 论新帝国主义的五大特征和特性[J]. 马克思主义研究, 2019(5).``"""
    authors = ", ".join(r.authors) if r.authors else (r.first_author or "")
    head = f"{authors}. " if authors else ""
    title = one_line(r.title) + f"[{GBT_TYPE.get(r.type, 'Z')}]" if r.title else ""
    where = one_line(r.container) if r.type in ("journal", "newspaper", "chapter") else one_line(r.publisher)
    when = (str(r.year) if r.year is not None else "") + (f"({one_line(r.issue)})" if r.issue else "")
    tail = ", ".join(x for x in (where, when) if x)
    pages = f": {one_line(r.pages)}" if r.pages else ""
    return " ".join(x for x in (head + (title + "." if title else ""), (tail + pages + ".") if tail else "") if x)
