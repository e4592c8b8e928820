"""Work identity: one ``work_id`` per cited work, stable across typos, scripts and subtitles.

The id hashes the folded main title (subtitle after —— dropped), the first author's family name
and, for collected works, the volume. The year is left out on purpose: corpus records often lack
it (the seed's 《论数字资本的多重属性》 record has none), and a corpus document must get the same id
as a reference to it (:func:`work_id_for_doc`). A misprinted given name (卢获 for 卢荻) cannot change
the family name, so both citations share an id; near-identical titles are merged on top of that.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable

from pipeline.ingest.normalize import normalize_for_match, repair_pinyin
from pipeline.records import Ref
from pipeline.refs.names import edit_distance, is_latin, names_agree, surname

_SUBTITLE = re.compile(r"\s*(?:——|—|--|－－|―)\s*")
_NONWORD = re.compile(r"[\W_]+")


def title_key(title: str | None) -> str:
    """Folded title: simplified, no punctuation, quotes, spaces or markdown, lower case."""
    if not title:
        return ""
    t, _ = repair_pinyin(title)
    return _NONWORD.sub("", normalize_for_match(t).replace("*", "")).lower()


def main_title_key(title: str | None) -> str:
    """Key of the title without its subtitle (text after —— in Chinese, after ': ' in English)."""
    if not title:
        return ""
    t = normalize_for_match(repair_pinyin(title)[0])
    if is_latin(t):
        head = t.split(": ", 1)[0]
        main = head if len(head) >= 8 else t
    else:
        head = _SUBTITLE.split(t, 1)[0]
        main = head if len(_NONWORD.sub("", head)) >= 4 else t
    return title_key(main)


def _work_key(title: str | None, authors: list[str], volume: str | None, classic: bool) -> str:
    # A classic is known by its title and volume: footnotes drop its byline (马克思：《资本论》),
    # CSSCI prints it (马克思.资本论), and both must name one work.
    first = surname(authors[0]) if authors and not classic else ""
    vol = normalize_for_match(volume or "") if classic else ""
    return f"{main_title_key(title)}|{first.lower()}|{vol}"


def _hash(key: str) -> str:
    return "w" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def work_key_for_ref(ref: Ref) -> str:
    authors = ref.authors_canonical or ref.authors
    title = ref.title or ref.url or ref.raw
    return _work_key(title, authors, ref.volume, ref.classic)


def work_id_for_ref(ref: Ref) -> str:
    return _hash(work_key_for_ref(ref))


def work_id_for_doc(title: str | None, authors: Iterable[str] | None, year: int | None = None) -> str:
    """The id a reference to this document gets (``year`` is accepted but not part of the id)."""
    return _hash(_work_key(title, list(authors or []), None, False))


def _variant(ref: Ref) -> str:
    who = "、".join(ref.authors)
    title = f"《{ref.title}》" if ref.title else (ref.url or ref.raw)
    vol = f"第{ref.volume}卷" if ref.classic and ref.volume else ""
    return f"{who}：{title}{vol}" if who else f"{title}{vol}"


def _same_work(k1: str, k2: str, r1: Ref, r2: Ref) -> bool:
    """Two different keys that still name one work: a one-character title slip, same byline."""
    t1, _, v1 = k1.split("|")
    t2, _, v2 = k2.split("|")
    if v1 != v2 or min(len(t1), len(t2)) < 10:
        return False
    if edit_distance(t1, t2, 1) > 1:
        return False
    a1 = r1.authors_canonical or r1.authors
    a2 = r2.authors_canonical or r2.authors
    if not a1 and not a2:
        return r1.year is not None and r1.year == r2.year
    return bool(a1 and a2 and names_agree(a1[0], a2[0]))


def assign_work_ids(refs: list[Ref]) -> dict[str, list[str]]:
    """Set ``ref.work_id`` on every reference; returns ``work_id -> recorded variants`` (sorted).

    Deterministic and independent of input order: clusters are formed over sorted keys and each
    takes the id of its most frequent key (ties: the smallest key).
    """
    keys = [work_key_for_ref(r) for r in refs]
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, []).append(i)
    ordered = sorted(by_key)
    parent = {k: k for k in ordered}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    # Near-duplicate titles are rare; compare only keys sharing the title's first characters.
    buckets: dict[str, list[str]] = {}
    for k in ordered:
        buckets.setdefault(k[:2], []).append(k)
    for group in buckets.values():
        for i, k1 in enumerate(group):
            for k2 in group[i + 1:]:
                if find(k1) != find(k2) and _same_work(k1, k2, refs[by_key[k1][0]], refs[by_key[k2][0]]):
                    a, b = sorted((find(k1), find(k2)))
                    parent[b] = a
    members: dict[str, list[str]] = {}
    for k in ordered:
        members.setdefault(find(k), []).append(k)
    out: dict[str, list[str]] = {}
    for ks in members.values():
        counts = Counter({k: len(by_key[k]) for k in ks})
        best = min(ks, key=lambda k: (-counts[k], k))
        wid = _hash(best)
        variants: set[str] = set()
        for k in ks:
            for i in by_key[k]:
                refs[i].work_id = wid
                variants.add(_variant(refs[i]))
        out[wid] = sorted(variants)
    return dict(sorted(out.items()))
