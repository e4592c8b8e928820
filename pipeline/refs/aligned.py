"""A reference string with a folded twin of equal length, so patterns run on one, text comes from the other.

Patterns are written once against the folded view (simplified characters, ASCII punctuation and
digits: ``：`` -> ``:``, ``，`` -> ``,``, ``；`` -> ``;``) while every field is cut from the string as
printed, which keeps traditional titles traditional and ``raw`` an exact substring.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.normalize import fold_width, to_simplified

OPEN = "《〈“(（[〔【［"
CLOSE = "》〉”)）]〕】］"
PAIR = dict(zip(CLOSE, OPEN))
URL_RE = re.compile(r"<?(?:https?://|www\.)[^\s<>，。；“”\u3400-\u9fff]+>?")


def fold_aligned(text: str) -> str:
    """Simplified + width-folded text of exactly the same length as ``text``."""
    simp = to_simplified(text)
    if len(simp) != len(text):  # a phrase conversion changed length: convert per character
        simp = "".join(c2 if len(c2 := to_simplified(c)) == 1 else c for c in text)
    return fold_width(simp)


@dataclass
class Aligned:
    o: str  # as printed
    v: str  # folded view, same length

    @classmethod
    def of(cls, text: str) -> Aligned:
        return cls(text, fold_aligned(text))

    def cut(self, a: int, b: int) -> str:
        return self.o[a:b].strip()

    def url_spans(self, a: int = 0, b: int | None = None) -> list[tuple[int, int]]:
        b = len(self.v) if b is None else b
        return [(m.start() + a, m.end() + a) for m in URL_RE.finditer(self.v[a:b])]


def top_level_splits(al: Aligned, a: int, b: int, seps: str) -> list[tuple[int, int]]:
    """Spans of ``al[a:b]`` between separators found outside brackets, quotes and URLs.

    One pass: the URLs (in text order) are walked with the characters, and open brackets are
    counted, so a megabyte of references with thousands of URLs and stray brackets stays linear."""
    urls = al.url_spans(a, b)
    out: list[tuple[int, int]] = []
    stack: list[str] = []
    waiting: dict[str, int] = {}  # opener -> how many are on the stack
    start = a
    i = a
    u = 0
    while i < b:
        while u < len(urls) and urls[u][1] <= i:
            u += 1
        if u < len(urls) and urls[u][0] <= i:
            i = urls[u][1]
            continue
        c = al.v[i]
        if c in OPEN and not (c == "(" and _is_latin_paren(al.v, i)):
            stack.append(c)
            waiting[c] = waiting.get(c, 0) + 1
        elif c in CLOSE and stack:
            if stack[-1] == PAIR[c]:
                waiting[stack.pop()] -= 1
            elif waiting.get(PAIR[c]):  # unbalanced inner bracket: unwind to the matching opener
                while stack:
                    o = stack.pop()
                    waiting[o] -= 1
                    if o == PAIR[c]:
                        break
        elif c in seps and not stack:
            out.append((start, i))
            start = i + 1
        i += 1
    out.append((start, b))
    return out


def _is_latin_paren(v: str, i: int) -> bool:
    # "(Fictitious Economy)" and "41(2)" are balanced anyway; nothing special needed yet.
    return False


def matching_close(v: str, i: int) -> int:
    """Index of the bracket closing the one opened at ``v[i]`` (nesting-aware), or -1."""
    opener = v[i]
    closer = CLOSE[OPEN.index(opener)]
    depth = 0
    for j in range(i, len(v)):
        if v[j] == opener and opener != closer:
            depth += 1
        elif v[j] == closer:
            depth -= 1
            if depth == 0:
                return j
    return -1


def strip_span(al: Aligned, a: int, b: int, chars: str = " \t\u3000") -> tuple[int, int]:
    while a < b and al.v[a] in chars:
        a += 1
    while b > a and al.v[b - 1] in chars:
        b -= 1
    return a, b
