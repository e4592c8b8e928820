"""Author names: splitting co-author lists, roles, nationality tags, aliases, alias suggestions.

Names are kept as printed (``authors``); ``canonical`` folds them through ``configs/aliases.yaml``
and normalization so that 〔英〕戴维·哈维 and [美] 大卫·哈维 count as one person. Suggestions of
further aliases are only reported, never applied: a wrong merge silently corrupts every ranking.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.ingest.normalize import fold_width, normalize_for_match, repair_pinyin, to_simplified
from pipeline.yaml_safe import safe_load

# A nationality tag in any of the bracket styles Chinese translations use: [美] 〔英〕 （美） 【德】.
NAT_RE = re.compile(r"^\s*[\[〔（(【［]\s*([^\]〕）)】］\s\d]{1,4}?)\s*[\]〕）)】］]\s*")
# Roles printed after a name (著 编 主编 …) say what the person did, not who they are.
ROLE_RE = re.compile(r"\s*(?:等)?\s*(?:主编|编著|编译|原著|选编|合著|译校|校译|编|著|译)$")
ETAL_RE = re.compile(r"\s*(?:等人|等|et\s+al\.?|et\s+al)\s*$", re.IGNORECASE)
_SPLIT_HAN = re.compile(r"\s*[、,，;；]\s*")
_SPLIT_LATIN = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_MIDDOT = re.compile(r"[·•‧∙・．.]")  # interpuncts of transliterated names, as PDFs print them

DEFAULT_ALIASES = Path(__file__).resolve().parents[2] / "configs" / "aliases.yaml"


def is_latin(text: str) -> bool:
    letters = sum(c.isascii() and c.isalpha() for c in text)
    han = sum("\u3400" <= c <= "\u9fff" for c in text)
    return letters > 0 and letters >= 2 * han


def split_nationality(name: str) -> tuple[str, str | None]:
    """``〔英〕戴维·哈维`` -> (``戴维·哈维``, ``英``)."""
    m = NAT_RE.match(name)
    if not m:
        return name.strip(), None
    return name[m.end():].strip(), m.group(1)


def clean_name(name: str) -> str:
    name = ETAL_RE.sub("", name.strip())
    if not is_latin(name):
        stripped = ROLE_RE.sub("", name)
        # A two-character name may end in 编/著 by chance; only strip when a name is left.
        if len(stripped) >= 2:
            name = stripped
    return ETAL_RE.sub("", name).strip(" ，,:：.")


def split_authors(text: str) -> tuple[list[str], list[str | None]]:
    """Co-authors as printed and their nationality tags (None where untagged).

    A tag before the first name applies to the following names until another tag appears only
    when the printer wrote it once for all (``[美] A、B``); we keep None for untagged names
    because guessing a nationality is worse than leaving it open.

    >>> split_authors("[美]大卫·哈维、毛小骅")
    (['大卫·哈维', '毛小骅'], ['美', None])
    """
    text = text.strip().strip(":：,，")
    if not text:
        return [], []
    text = ETAL_RE.sub("", text)
    splitter = _SPLIT_LATIN if is_latin(text) else _SPLIT_HAN
    names: list[str] = []
    nats: list[str | None] = []
    for part in _split_outside_parens(text, splitter):
        name, nat = split_nationality(part)
        name = clean_name(name)
        if name:
            names.append(name)
            nats.append(nat)
    return names, nats


def _split_outside_parens(text: str, splitter: re.Pattern[str]) -> list[str]:
    """Split on separators that are not inside brackets (中国（深圳）综合开发研究院 stays whole)."""
    out, depth, start = [], 0, 0
    pos = 0
    while pos < len(text):
        c = text[pos]
        if c in "（([〔【［":
            depth += 1
        elif c in "）)]〕】］":
            depth = max(depth - 1, 0)
        elif depth == 0:
            m = splitter.match(text, pos)
            if m and m.end() > pos:
                out.append(text[start:pos])
                start = pos = m.end()
                continue
        pos += 1
    out.append(text[start:])
    return [p for p in (x.strip() for x in out) if p]


def name_key(name: str) -> str:
    """The folded form names are compared in: simplified, width-folded, no dots or spaces."""
    n = normalize_for_match(split_nationality(name)[0])
    if is_latin(n):
        return re.sub(r"[^a-z]", "", n.lower())
    return re.sub(r"[\s·•‧∙・.．\-]", "", n)


def surname(name: str) -> str:
    """Family name used in work keys: last part of a transliterated or Latin name, else 1st char."""
    n = normalize_for_match(split_nationality(name)[0]).strip()
    if not n:
        return ""
    if is_latin(n):
        parts = re.findall(r"[A-Za-z][A-Za-z'\-]*", n)
        return parts[-1].lower() if parts else ""
    if _MIDDOT.search(n):
        return re.split(r"[·•‧∙・.．]", n)[-1].strip()
    # Two-character compound surnames are too rare in this literature to tell apart reliably;
    # the first character is stable under a given-name typo, which is what the key needs.
    return n[0]


# ---------------------------------------------------------------- aliases

def load_aliases(path: str | Path | None = None) -> dict[str, Any]:
    """Read ``configs/aliases.yaml``.

    Returns ``{"authors": {canonical: [variants]}, "works": [...], "index": {name_key: canonical}}``.
    A file holding only a flat ``canonical: [variants]`` mapping is read as the authors section.
    """
    p = Path(path) if path else DEFAULT_ALIASES
    data: dict[str, Any] = {}
    if p.exists():
        data = safe_load(p.read_text(encoding="utf-8")) or {}
    return prepare_aliases(data)


def prepare_aliases(data: dict[str, Any] | None) -> dict[str, Any]:
    """Accept a loaded file, a flat mapping or an already prepared dict; add the lookup index."""
    data = dict(data or {})
    if "index" in data and "authors" in data:
        return data
    if "authors" not in data and "works" not in data:
        data = {"authors": data, "works": []}
    authors: dict[str, list[str]] = {k: list(v or []) for k, v in (data.get("authors") or {}).items()}
    index: dict[str, str] = {}
    for canon, variants in authors.items():
        for v in [canon, *variants]:
            index[name_key(str(v))] = canon
    works = []
    for w in data.get("works") or []:
        works.append({
            "title": w.get("title", ""),
            "authors": list(w.get("authors") or []),
            "variants": [list(v) for v in (w.get("variants") or [])],
        })
    return {"authors": authors, "works": works, "index": index}


@lru_cache(maxsize=1)
def default_aliases() -> dict[str, Any]:
    return load_aliases(DEFAULT_ALIASES)


def canonical_name(name: str, aliases: dict[str, Any] | None) -> str:
    """The canonical spelling of one author (nationality tag and mirror-site pinyin removed,
    simplified script), or the name itself.

    >>> canonical_name("劉皓琰", {}), canonical_name("孫來斌", {}), canonical_name("刘皓(hào)琰", {})
    ('刘皓琰', '孙来斌', '刘皓琰')
    """
    bare = repair_pinyin(split_nationality(name)[0])[0]
    idx = (aliases or {}).get("index") or {}
    return idx.get(name_key(bare), to_simplified(bare).strip())


def canonical_authors(names: list[str], title: str | None, aliases: dict[str, Any] | None) -> list[str]:
    """Canonical authors; a work alias (a known misprint such as 卢获 for 卢荻) applies per work."""
    canon = [canonical_name(n, aliases) for n in names]
    if title and aliases:
        tkey = _title_key(title)
        for w in aliases.get("works") or []:
            if _title_key(w["title"]) != tkey:
                continue
            wanted = [name_key(x) for x in canon]
            for variant in w["variants"]:
                if [name_key(x) for x in variant] == wanted:
                    return [canonical_name(x, aliases) for x in w["authors"]]
    return canon


def paper_authors(meta: dict[str, Any]) -> list[str]:
    """A corpus paper's authors as one identity each (``meta.authors_canonical``, set at parse);
    papers parsed before that field existed fall back to the same folding without aliases."""
    canon = meta.get("authors_canonical")
    if canon:
        return list(canon)
    return [canonical_name(a, None) for a in meta.get("authors") or []]


def _title_key(title: str) -> str:
    return re.sub(r"[\W_]+", "", normalize_for_match(title)).lower()


# ---------------------------------------------------------------- similarity

def edit_distance(a: str, b: str, cap: int = 3) -> int:
    """Levenshtein distance, stopping early once it exceeds ``cap`` (names are short)."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]


def names_agree(a: str, b: str) -> bool:
    """Same person allowing one misprinted character (卢获/卢荻) when the family name agrees.

    >>> names_agree("卢获", "卢荻"), names_agree("大衛·哈維", "大卫·哈维"), names_agree("张三", "李四")
    (True, True, False)
    """
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    if surname(a) != surname(b):
        return False
    return edit_distance(ka, kb, 1) <= 1 and min(len(ka), len(kb)) >= 2


# ---------------------------------------------------------------- suggestions

# Given-name transliterations that Chinese translators render differently for the same name.
TRANSLIT_VARIANTS = [
    {"戴维", "大卫", "戴卫"}, {"约翰", "约翰尼"}, {"迈克尔", "麦克尔", "米歇尔", "迈克"},
    {"托马斯", "汤姆斯"}, {"克里斯蒂安", "克里斯琴"}, {"丹", "丹尼尔"}, {"威廉", "威廉姆"},
    {"詹姆斯", "詹姆士"}, {"弗里德里希", "弗里德利希"}, {"卡尔", "卡尔·海因里希"},
]
_LATIN_DOTS = "·•・"  # the middle dots of a transliterated name that _LATIN_IN_PARENS requires
_LATIN_IN_PARENS = re.compile(
    rf"([\u3400-\u9fff]{{1,8}}(?:[{_LATIN_DOTS}][\u3400-\u9fff]{{1,8}})+)\s*[（(]\s*([A-Z][A-Za-z.\-']+(?:\s+[A-Z][A-Za-z.\-']+)+)\s*[)）]"
)


# Words that end the prose before a transliterated name (经济学家丹·席勒, 这本质上是迈克尔·赫德森).
_LEAD_END = re.compile(r".*(?:学家|家|者|是|的|和|与|及|即|如|称|指出|认为|提出|了|在|为|上|长|授|师|人|国|员|席|统|裁)")


def _trim_lead(han: str, known: list[str]) -> str:
    """Cut the prose glued before a name found by the parenthesis pattern."""
    for k in sorted(known, key=len, reverse=True):
        if han.endswith(k):
            return k
    given, _, rest = han.partition("·")
    m = _LEAD_END.match(given)
    if m and m.end() < len(given):
        given = given[m.end():]
    return f"{given}·{rest}" if rest else given


def suggest_aliases(names: list[str], texts: list[str] | None = None,
                    aliases: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Probable aliases among ``names`` (and Latin spellings given in ``texts``), with a reason.

    Each suggestion is ``{"names": [a, b], "canonical": a, "reason": ..., "known": bool}``; ``known``
    says the alias file already merges them. Nothing is merged here.
    """
    aliases = prepare_aliases(aliases) if aliases is not None else default_aliases()
    uniq = sorted({split_nationality(n)[0].strip() for n in names if n and n.strip()})
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()

    def add(a: str, b: str, reason: str) -> None:
        pair = tuple(sorted((a, b)))
        if pair in seen or a == b:
            return
        seen.add(pair)  # type: ignore[arg-type]
        known = canonical_name(a, aliases) == canonical_name(b, aliases)
        # Prefer the Chinese spelling as the proposed canonical form: it is what papers print.
        pref = min(pair, key=lambda n: (is_latin(n), n))
        out.append({"names": list(pair), "canonical": canonical_name(pref, aliases),
                    "reason": reason, "known": known})

    dotted = [n for n in uniq if _MIDDOT.search(n) and not is_latin(n)]
    for i, a in enumerate(dotted):
        for b in dotted[i + 1:]:
            sa, sb = surname(a), surname(b)
            if sa != sb or len(sa) < 2:
                continue
            ga = normalize_for_match(re.split(r"[·•‧∙・.．]", a)[0])
            gb = normalize_for_match(re.split(r"[·•‧∙・.．]", b)[0])
            if any(ga in s and gb in s for s in TRANSLIT_VARIANTS):
                add(a, b, f"same surname {sa}; {ga}/{gb} are transliterations of one given name")
            elif ga != gb:
                add(a, b, f"same surname {sa} after ·, different given names ({ga}/{gb})")
    # A surname printed alone (〔英〕福克斯) next to a full transliterated name with that surname.
    for a in uniq:
        if _MIDDOT.search(a) or is_latin(a) or len(a) < 3:
            continue
        for b in dotted:
            if surname(b) == normalize_for_match(a):
                add(a, b, f"{a} is printed alone as the surname of {b}")
    for text in texts or []:
        for m in _LATIN_IN_PARENS.finditer(text):
            han, latin = _trim_lead(m.group(1), dotted), m.group(2)
            add(han, latin, f"Latin name given in parentheses in the text: {m.group(0)}")
            for b in dotted:
                if b != han and surname(b) == surname(han):
                    add(b, latin, f"shares surname {surname(han)} with {han}（{latin}）")
    latin_names = [n for n in uniq if is_latin(n)]
    for i, a in enumerate(latin_names):
        for b in latin_names[i + 1:]:
            if surname(a) == surname(b) and fold_width(a)[0].lower() == fold_width(b)[0].lower():
                add(a, b, "same Latin surname and first initial")
    return out
