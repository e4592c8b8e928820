"""Foreign originals printed beside Chinese terms and names, found in one text or one paper.

Chinese papers print the original of a translated name or term in brackets right after it:
丹·席勒（Dan Schiller）, 信息与通信技术（ICT）, “虚拟经济”(Fictitious Economy), “优步”（Uber，全球打车服务
平台）. ``find_glosses`` finds these pairs in one text; ``paper_glosses`` in every part of a paper
(title, abstract, keywords, funding note, body sentences, footnotes). The corpus glossary built
from them is in ``glossary.py``.

Everything is a bounded look around each bracket: the bracket's content is matched by a pattern
that cannot cross another bracket or reach past ``max_foreign_chars``, and the head is looked for
at most ``max_head_chars`` to the left, so a text is read in time linear in its length (a 15 MB
line included). The boundary rules (titles, function words, kinds) live in ``configs/glossary.yaml``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..yaml_safe import safe_load

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "configs" / "glossary.yaml"

# Bracket content: no other bracket and no line break inside, so a failed match stops at the next
# bracket and the scan stays linear. The length bound is applied after the match (see find_glosses).
_BRACKET = re.compile(r"[（(]([^（()）\n]{1,200})[）)]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# A foreign original: Latin words (accented letters allowed), digits, and the joiners names and
# terms use. It must start with a letter.
_FOREIGN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f .'’\-&/+]*")
_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f'’\-&/+.]+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
# One pinyin syllable with a tone mark: the mirror sites' 學(xué) annotations, not a gloss.
_PINYIN = re.compile(r"[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*")
# Quotes and title marks whose content is a head of its own: “虚拟经济”(…), 《资本论》（Das Kapital）.
_QUOTES = {"”": "“", "」": "「", "』": "『", "’": "‘", "》": "《", "\"": "\""}


@dataclass(frozen=True)
class Rules:
    max_head_chars: int = 30
    max_foreign_chars: int = 80
    max_foreign_words: int = 8
    explanation_separators: str = "，,；;：:"
    foreign_prefixes: tuple[str, ...] = ()
    grant_cues: tuple[str, ...] = ()
    grant_min_digits: int = 3
    title_words: tuple[str, ...] = ()
    function_words: tuple[str, ...] = ()
    name_breaks: str = ""
    name_dots: str = "·•・‧∙"
    count_prefix_chars: str = ""
    count_prefix_measures: str = ""
    organization_cues_zh: tuple[str, ...] = ()
    organization_cues_foreign: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Rules":
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"glossary rules: unknown keys {sorted(unknown)}")
        kw: dict[str, Any] = {}
        for k, v in data.items():
            default = cls.__dataclass_fields__[k].default
            kw[k] = tuple(str(x) for x in v or ()) if isinstance(default, tuple) else v
        # Longest first, so 被称为 wins over 称为 and 经济学家 over 学家 where both end at one place.
        for k in ("foreign_prefixes", "title_words", "function_words"):
            if k in kw:
                kw[k] = tuple(sorted(kw[k], key=len, reverse=True))
        return cls(**kw)


def load_rules(path: str | Path | None = None) -> Rules:
    p = Path(path) if path else DEFAULT_RULES
    return _load_rules_cached(str(p.resolve()), p.stat().st_mtime_ns if p.exists() else 0)


@lru_cache(maxsize=4)
def _load_rules_cached(path: str, _mtime: int) -> Rules:
    p = Path(path)
    data = safe_load(p.read_text(encoding="utf-8")) if p.exists() else {}
    return Rules.from_dict(data or {})


@dataclass
class Gloss:
    zh: str
    foreign: str
    kind: str  # person | term | organization
    start: int  # offset of the head in the text
    explanation: str = ""  # Chinese text after the foreign original inside the bracket
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- one text

def _simplified(text: str) -> str:
    """Simplified script of the same length (title words are listed in simplified script)."""
    from pipeline.ingest.normalize import to_simplified

    out = to_simplified(text)
    return out if len(out) == len(text) else text


def _foreign_part(content: str, rules: Rules) -> tuple[str, str] | None:
    """(foreign original, explanation) of a bracket's content, or None when it is no gloss."""
    content = content.strip()
    if len(content) > rules.max_foreign_chars:
        return None
    if any("\uff21" <= c <= "\uff5a" for c in content):  # full-width letters (ＩＣＴ) are Latin ones
        content = unicodedata.normalize("NFKC", content)
    for pre in rules.foreign_prefixes:
        if content.startswith(pre):
            rest = content[len(pre):].lstrip(" ：:")
            if rest and not _HAN.match(rest[0]):
                content = rest
            break
    cut = len(content)
    for sep in rules.explanation_separators:
        i = content.find(sep)
        if 0 <= i < cut:
            cut = i
    foreign, explanation = content[:cut].strip(), content[cut + 1:].strip() if cut < len(content) else ""
    if explanation and not _HAN.search(explanation):  # (Harvey, 2005), (Smith, J.): a citation
        return None
    m = _FOREIGN.fullmatch(foreign)
    if not m or _HAN.search(foreign):
        return None
    words = _WORD.findall(foreign)
    letters = sum(c.isalpha() for c in foreign)
    if letters < 2 or len(words) > rules.max_foreign_words:
        return None
    if _YEAR.search(foreign):  # (Harvey 2005), (1848): a citation or a date
        return None
    if _PINYIN.fullmatch(foreign):
        return None
    for w in words:  # FJ2024B036, 24BKS123: identifiers, not words
        if sum(c.isdigit() for c in w) >= rules.grant_min_digits and any(c.isalpha() for c in w):
            return None
    return foreign.strip(" .'’-&/+"), explanation


def _last_cut(text: str, words: Iterable[str]) -> int:
    """End offset of the last occurrence in ``text`` of any of ``words`` (0 when none occurs)."""
    best = 0
    for w in words:
        i = text.rfind(w)
        if i >= 0 and i + len(w) > best:
            best = i + len(w)
    return best


def _head(text: str, end: int, rules: Rules) -> tuple[str, int, bool] | None:
    """The head ending at ``end``: (head, start offset, cut after a title word), or None."""
    lo = max(0, end - rules.max_head_chars)
    if end > 0 and text[end - 1] in _QUOTES:
        opener = _QUOTES[text[end - 1]]
        i = text.rfind(opener, lo, end - 1)
        if i < 0:
            return None
        inner = text[i + 1:end - 1].strip()
        return (inner, i + 1, False) if inner and _HAN.search(inner) else None
    # The run of Han characters (and name dots) before the bracket.
    i = end
    while i > lo and (_HAN.match(text[i - 1]) or text[i - 1] in rules.name_dots):
        i -= 1
    run = text[i:end].strip(rules.name_dots)
    if not run:
        return None
    simple = _simplified(run)
    titled = False
    dots = [k for k, c in enumerate(run) if c in rules.name_dots]
    if dots:
        # A transliterated name: the family name is glued to the bracket; walk left over its
        # given names and stop inside the first one that carries prose (学家丹, 是迈克尔, 和约翰).
        first = 0
        for k in reversed(dots):
            seg_start = max([d + 1 for d in dots if d < k] or [0])
            seg = simple[seg_start:k]
            t = _last_cut(seg, rules.title_words)
            f = max(_last_cut(seg, rules.function_words), _last_cut(seg, rules.name_breaks))
            if t or f:
                titled = t >= f and t > 0
                first = seg_start + max(t, f)
                break
        head = run[first:]
    else:
        t = _last_cut(simple, rules.title_words)
        f = _last_cut(simple, rules.function_words)
        titled = t > 0 and t >= f
        head = run[max(t, f):]
        # A count prefix is not part of the term: 五大法族 -> 法族 (but 多项式 stays whole).
        if (len(head) >= 4 and head[0] in rules.count_prefix_chars and head[1] in rules.count_prefix_measures):
            head = head[2:]
    head = head.strip(rules.name_dots)
    if not head or not _HAN.search(head):
        return None
    return head, text.rfind(head, lo, end), titled


def _kind(head: str, foreign: str, explanation: str, titled: bool, rules: Rules) -> str:
    simple = _simplified(head)
    if any(c in head for c in rules.name_dots) or titled:
        return "person"
    if any(c in explanation or simple.endswith(c) for c in rules.organization_cues_zh):
        return "organization"
    words = {w.strip(".,").lower() for w in _WORD.findall(foreign)}
    if words & {c.lower() for c in rules.organization_cues_foreign}:
        return "organization"
    return "term"


def find_glosses(text: str, rules: Rules | None = None, where: str = "") -> list[Gloss]:
    """Every Chinese head printed with its foreign original in ``text``, in order.

    >>> [(g.zh, g.foreign, g.kind) for g in find_glosses("美国传播政治经济学家丹·席勒（Dan Schiller）提出")]
    [('丹·席勒', 'Dan Schiller', 'person')]
    """
    rules = rules or load_rules()
    out: list[Gloss] = []
    for m in _BRACKET.finditer(text):
        part = _foreign_part(m.group(1), rules)
        if part is None:
            continue
        foreign, explanation = part
        before = _simplified(text[max(0, m.start() - 12):m.start()])
        if any(c in before for c in rules.grant_cues) and any(ch.isdigit() for ch in foreign):
            continue
        head = _head(text, m.start(), rules)
        if head is None:
            continue
        zh, start, titled = head
        out.append(Gloss(zh, foreign, _kind(zh, foreign, explanation, titled, rules), start, explanation, where))
    return out


# ---------------------------------------------------------------- one paper

def paper_texts(paper: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, text) of every part of a stored paper dict a gloss may be printed in."""
    meta = paper.get("meta") or {}
    for key in ("title", "abstract", "funding"):
        if meta.get(key):
            yield key, str(meta[key])
    if meta.get("keywords"):
        yield "keywords", "；".join(str(k) for k in meta["keywords"])
    for sec in paper.get("sections") or []:
        if sec.get("heading"):
            yield "heading", str(sec["heading"])
        sentences = sec.get("sentences")
        if sentences:
            for para in sentences:
                for s in para:
                    yield "body", s["text"] if isinstance(s, dict) else str(s)
        else:
            for para in sec.get("paragraphs") or []:
                yield "body", para if isinstance(para, str) else str(para.get("text", ""))
    for fn in paper.get("footnotes") or []:
        yield "footnote", str(fn.get("text") or "")


def paper_glosses(paper: dict[str, Any], rules: Rules | None = None) -> list[Gloss]:
    return texts_glosses(paper_texts(paper), rules)


def gloss_texts(paper: dict[str, Any]) -> list[list[str]]:
    """The [where, text] of a paper that can hold a gloss: those with a bracket, which every
    gloss is printed in (``find_glosses`` looks at nothing else), whatever the rules. Computed
    with the paper's features in the worker pool (``runner/features.py``), so the glossary stage
    reads a few texts of each paper instead of the whole paper from the store."""
    return [[where, text] for where, text in paper_texts(paper) if _BRACKET.search(text)]


def texts_glosses(texts: Any, rules: Rules | None = None) -> list[Gloss]:
    """The glosses of (where, text) pairs in order: ``paper_glosses`` of the texts' paper when
    they are its ``paper_texts`` or its ``gloss_texts``."""
    rules = rules or load_rules()
    out: list[Gloss] = []
    for where, text in texts:
        out.extend(find_glosses(text, rules, where))
    return out
