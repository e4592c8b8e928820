"""Footnotes and reference-list lines -> :class:`Ref` records.

A footnote is cut into pieces at top-level 。 and ；, each piece loses its lead-in (参见, 参看,
转引自, a list number) and is tried as a citation in the style it looks like. Pieces that read as
prose are explanatory notes and yield nothing, so a note that ends in a citation gives exactly
that citation. 同上 / 同前引 are resolved against earlier references by :func:`parse_footnotes`.

Example::

    >>> [r.title for r in parse_references("参见温旭：《数字金融帝国主义的本质逻辑与超越路径》，《经济学家》2025年第4期。")]
    ['数字金融帝国主义的本质逻辑与超越路径']
"""
from __future__ import annotations

import copy
import re
from typing import Any

from pipeline.ingest.normalize import normalize_for_match, repair_pinyin, strip_zero_width
from pipeline.records import Ref
from pipeline.refs.aligned import Aligned, strip_span, top_level_splits
from pipeline.refs.names import canonical_authors, default_aliases, is_latin, prepare_aliases
from pipeline.refs.styles import parse_chinese, parse_english
from pipeline.refs.styles_gbt import GBT_RE, parse_gbt

# Collected works and party documents: cited for authority, ranked apart from research.
DEFAULT_CLASSICS = [
    "马克思恩格斯文集", "马克思恩格斯全集", "马克思恩格斯选集", "马克思恩格斯列宁斯大林",
    "资本论", "列宁全集", "列宁选集", "列宁专题文集", "斯大林全集", "斯大林选集", "毛泽东选集",
    "毛泽东文集", "毛泽东著作选读", "邓小平文选", "江泽民文选", "胡锦涛文选", "习近平谈治国理政",
    "习近平著作选读", "习近平新时代中国特色社会主义思想", "建国以来重要文献选编",
    "十八大以来重要文献选编", "十九大以来重要文献选编", "二十大以来重要文献选编",
]
DEFAULT_CLASSIC_AUTHORS = ["马克思", "恩格斯", "马克思、恩格斯", "列宁", "斯大林", "毛泽东", "邓小平",
                           "江泽民", "胡锦涛", "习近平", "中共中央文献研究室", "中共中央党史和文献研究院"]
DEFAULT_PARTY_DOC = (r"^(?:中共中央|中国共产党|中央委员会|国务院|全国人民代表大会|中华人民共和国|"
                     r"中央全面深化改革|中共中央办公厅)\S*(?:决定|决议|公报|纲要|规划|建议|意见|通知|章程|宪法|法|条例|报告)$")

LEADIN = re.compile(
    r"\s*(?:\[\d+\]|〔\d+〕|\d{1,3}[.、)]\s+|\d{1,3}\.(?=[\u3400-\u9fff]))?\s*"
    r"(?:(?:具体|另|又|还|亦|也|均|可|请|详|并)?(?:参见|参看|参阅|参考|详见|转引自|引自|见)\s*[:]?\s*)?"
)
IBID = re.compile(r"^\s*(?:同上|同前引|同前注|同前|前引|上引|ibid\.?|id\.?)(?:书|文)?\s*", re.IGNORECASE)
PRE_IBID = re.compile(r"^(.{1,30}?)\s*[:]?\s*(?:前引|同前引)(?:书|文)?")
PAGE_IN_IBID = re.compile(r"第\s*([0-9]+(?:\s*[-–—~]+\s*[0-9]+)?)\s*页|pp?\.\s*(\d+(?:\s*[-–]\s*\d+)?)")
SOURCE_NOTE = re.compile(r"(?:来自|来源于|源自|取自|引自|出自|来源:)\s*([^,。;:]{2,30}?)(?:的|网站)?(?:[,。;]|$)")


def _cfg(cfg: dict | None) -> dict[str, Any]:
    refs = (cfg or {}).get("refs", cfg or {})
    return {
        "classics": refs.get("classics", DEFAULT_CLASSICS),
        "classic_authors": set(refs.get("classic_authors", DEFAULT_CLASSIC_AUTHORS)),
        "party_doc": re.compile(refs.get("party_doc_pattern", DEFAULT_PARTY_DOC)),
    }


def _prepare(text: str) -> str:
    text, _ = strip_zero_width(text)
    text, _ = repair_pinyin(text)
    return text


def _pieces(al: Aligned) -> list[tuple[int, int]]:
    """Top-level sentences and ；-separated parts of a footnote, trimmed of final stops."""
    spans: list[tuple[int, int]] = []
    for sa, sb in top_level_splits(al, 0, len(al.v), "。;"):
        sa, sb = strip_span(al, sa, sb, " \t\n\r")
        if sb > sa and al.v[sb - 1] == "." and not al.v[sa:sb].rstrip(".").endswith(("et al", "p", "pp")):
            sb -= 1
        if sb > sa:
            spans.append((sa, sb))
    return spans


def _kind(v: str) -> str:
    if GBT_RE.search(v):
        return "gbt"
    if re.match(r"^[A-Z]", v) and is_latin(v.split("载")[0][:200]):
        return "english"
    return "chinese"


def _parse_span(al: Aligned, a: int, b: int) -> tuple[dict[str, Any] | None, int]:
    """Fields of the citation in ``al[a:b]`` and where its raw text starts, or (None, a)."""
    m = LEADIN.match(al.v, a, b)
    start = m.end() if m else a
    start, b = strip_span(al, start, b)
    if start >= b:
        return None, a
    v = al.v[start:b]
    if IBID.match(v) or PRE_IBID.match(v):
        return {"ibid": True, "ibid_text": al.cut(start, b)}, start
    kind = _kind(v)
    if kind == "gbt":
        f = parse_gbt(al, start, b)
    elif kind == "english":
        f = parse_english(al, start, b)
    else:
        f = parse_chinese(al, start, b)
    return f, start


def _find_embedded(al: Aligned, a: int, b: int) -> tuple[dict[str, Any] | None, int]:
    """A citation introduced mid-sentence (……的作用，参见X：《…》)."""
    for m in re.finditer(r"(?<=[,，\s])(?:参见|参看|详见|转引自|参阅)", al.v[a:b]):
        f, start = _parse_span(al, a + m.start(), b)
        if f:
            return f, start
    return None, a


def _type_of(f: dict[str, Any], cfg: dict[str, Any]) -> tuple[str, bool]:
    title = normalize_for_match(f.get("title") or "")
    bare = re.sub(r"\s+", "", title)
    authors = [normalize_for_match(a) for a in f.get("authors") or []]
    if all(a in cfg["classic_authors"] for a in authors) and any(
            re.fullmatch(re.escape(c) + r"(?:[(（].*|第.*|[:：].*)?", bare) for c in cfg["classics"]):
        return "classic", True
    if not authors and cfg["party_doc"].match(bare):
        return "classic", True
    if f.get("in_collection"):
        return "chapter", False
    if f.get("gbt_type"):
        return f["gbt_type"], False
    if f.get("thesis"):
        return "thesis", False
    if f.get("source_note"):
        return "web", False
    container = normalize_for_match(f.get("container") or "")
    if container:
        if f.get("dated") and not f.get("issue"):
            return "newspaper", False
        if re.search(r"(?:日报|晚报|时报|周报|报道|报)$", container) and not f.get("issue"):
            return "newspaper", False
        return "journal", False
    if f.get("publisher"):
        return "book", False
    if f.get("url"):
        return "web", False
    return "other", False


def _to_ref(al: Aligned, start: int, end: int, f: dict[str, Any], aliases: dict[str, Any],
            cfg: dict[str, Any]) -> Ref:
    typ, classic = _type_of(f, cfg)
    authors = [] if classic else list(f.get("authors") or [])
    nats = [n for n in (f.get("nats") or []) if n] if not classic else []
    nationality: str | list[str] | None = None
    if nats:
        nationality = nats[0] if len(set(nats)) == 1 else list(dict.fromkeys(nats))
    title = f.get("title") or None
    return Ref(
        raw=al.o[start:end].strip(),
        authors=authors,
        authors_canonical=canonical_authors(authors, title, aliases),
        nationality=nationality,
        translators=list(f.get("translators") or []),
        title=title,
        container=f.get("container") or None,
        publisher=f.get("publisher") or None,
        place=f.get("place") or None,
        year=f.get("year"),
        volume=f.get("volume"),
        issue=f.get("issue"),
        pages=f.get("pages"),
        url=f.get("url"),
        type=typ,
        classic=classic,
    )


def _parse(text: str, aliases: dict[str, Any], cfg: dict[str, Any]) -> list[Ref | dict[str, Any]]:
    """Refs in reading order; unresolved 同上 stay as dicts for :func:`parse_footnotes`."""
    al = Aligned.of(_prepare(text))
    out: list[Ref | dict[str, Any]] = []
    notes: list[str] = []
    for a, b in _pieces(al):
        f, start = _parse_span(al, a, b)
        if f is None:
            f, start = _find_embedded(al, a, b)
        if f is None:
            notes.append(al.v[a:b])
            continue
        if f.get("ibid"):
            f["raw"] = al.o[start:b].strip()
            out.append(f)
            continue
        if not f.get("title") and f.get("url") and not f.get("container"):
            # 数据来自世界银行官网……参见 URL: the note names the source the URL belongs to.
            for note in reversed(notes):
                m = SOURCE_NOTE.search(note)
                if m:
                    s = note.find(m.group(1))
                    f["container"] = _orig_of(al, note, s, len(m.group(1)))
                    f["source_note"] = True
                    break
        out.append(_to_ref(al, start, b, f, aliases, cfg))
    return out


def _orig_of(al: Aligned, note_view: str, offset: int, length: int) -> str:
    i = al.v.find(note_view)
    return al.o[i + offset:i + offset + length] if i >= 0 else note_view[offset:offset + length]


def _aliases(aliases: dict | None) -> dict[str, Any]:
    return default_aliases() if aliases is None else prepare_aliases(aliases)


def parse_references(text: str, aliases: dict | None = None, cfg: dict | None = None) -> list[Ref]:
    """Every reference in one footnote (without its marker) or one reference-list line.

    >>> r = parse_references("[美]大卫·哈维：《新帝国主义》，初立忠、沈晓雷译，北京：社会科学文献出版社，2009年，第115页。")[0]
    >>> r.authors, r.nationality, r.translators, r.title, r.place, r.publisher, r.year, r.pages, r.type
    (['大卫·哈维'], '美', ['初立忠', '沈晓雷'], '新帝国主义', '北京', '社会科学文献出版社', 2009, '115', 'book')
    >>> parse_references("这里只是一个解释性的注释，没有引文。")
    []
    """
    al_aliases, c = _aliases(aliases), _cfg(cfg)
    return [r for r in _parse(text, al_aliases, c) if isinstance(r, Ref)]


def parse_footnotes(texts: list[str], aliases: dict | None = None, cfg: dict | None = None) -> list[list[Ref]]:
    """A paper's footnotes in order; 同上 repeats the previous reference, 前引 an earlier one."""
    al_aliases, c = _aliases(aliases), _cfg(cfg)
    history: list[Ref] = []
    result: list[list[Ref]] = []
    for text in texts:
        refs: list[Ref] = []
        for item in _parse(text, al_aliases, c):
            if isinstance(item, Ref):
                refs.append(item)
                history.append(item)
                continue
            target = _resolve_ibid(item["ibid_text"], history)
            if target is None:
                continue
            ref = copy.deepcopy(target)
            ref.raw = item["raw"]
            pm = PAGE_IN_IBID.search(normalize_for_match(item["ibid_text"]))
            if pm:
                ref.pages = re.sub(r"\s+", "", pm.group(1) or pm.group(2)).replace("—", "-")
            refs.append(ref)
            history.append(ref)
        result.append(refs)
    return result


def _resolve_ibid(text: str, history: list[Ref]) -> Ref | None:
    if not history:
        return None
    v = normalize_for_match(text)
    m = PRE_IBID.match(v)
    who = m.group(1).strip(" ,:") if m else ""
    if not who:
        m2 = re.match(r"^\s*(?:前引|同前引)\s*(.{1,12}?)(?:书|文|著)", v)
        who = m2.group(1).strip() if m2 else ""
    if who:
        for ref in reversed(history):
            if any(normalize_for_match(a) == who for a in ref.authors) or \
                    (ref.title and who.strip("《》") in normalize_for_match(ref.title)):
                return ref
    return history[-1]
