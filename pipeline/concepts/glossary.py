"""Foreign originals printed beside Chinese terms and names, and the corpus glossary built from them.

Chinese papers print the original of a translated name or term in brackets right after it:
丹·席勒（Dan Schiller）, 信息与通信技术（ICT）, “虚拟经济”(Fictitious Economy), “优步”（Uber，全球打车服务
平台）. ``find_glosses`` finds these pairs in one text; ``paper_glosses`` in every part of a paper
(title, abstract, keywords, funding note, body sentences, footnotes); ``build_glossary`` folds them
over the corpus (occurrences, first user); ``glossary_aliases`` turns the person pairs into alias
entries so that "Dan Schiller" cited in one paper and 丹·席勒 in another are one person.

Everything is a bounded look around each bracket: the bracket's content is matched by a pattern
that cannot cross another bracket or reach past ``max_foreign_chars``, and the head is looked for
at most ``max_head_chars`` to the left, so a text is read in time linear in its length (a 15 MB
line included). The boundary rules (titles, function words, kinds) live in ``configs/glossary.yaml``.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

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
    data = yaml.safe_load(p.read_text(encoding="utf-8")) if p.exists() else {}
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
    rules = rules or load_rules()
    out: list[Gloss] = []
    for where, text in paper_texts(paper):
        out.extend(find_glosses(text, rules, where))
    return out


# ---------------------------------------------------------------- the corpus

def foreign_key(foreign: str) -> str:
    """The form foreign originals are compared in: case and spacing folded."""
    return re.sub(r"[\s.\-'’]+", " ", foreign).strip().lower()


@dataclass
class Entry:
    zh: str
    foreign: str
    kind: str
    occurrences: int = 0
    first_user: str = ""
    first_year: int | None = None
    first_doc: str = ""
    docs: list[str] = field(default_factory=list)


def _year(meta: dict[str, Any]) -> int | None:
    y = meta.get("year") or meta.get("year_inferred")
    try:
        return int(y) if y is not None else None
    except (TypeError, ValueError):
        return None


def build_glossary(per_doc: Iterable[tuple[dict[str, Any], list[Gloss]]]) -> list[Entry]:
    """Fold each paper's glosses (its head dict with ``doc_id`` and ``meta``, and its glosses)
    into one entry per (Chinese head, foreign original). The first user is the first canonical
    author of the earliest document printing the pair (undated documents come last; ties go to
    the smaller doc_id); the kind is the one most of its occurrences got."""
    from pipeline.refs.names import paper_authors

    entries: dict[tuple[str, str], Entry] = {}
    kinds: dict[tuple[str, str], Counter] = defaultdict(Counter)
    firsts: dict[tuple[str, str], tuple] = {}
    for head, glosses in per_doc:
        meta = head.get("meta") or {}
        year = _year(meta)
        authors = paper_authors(meta)
        rank = (year is None, year or 0, head.get("doc_id", ""))
        for g in glosses:
            key = (g.zh, foreign_key(g.foreign))
            e = entries.get(key)
            if e is None:
                e = entries[key] = Entry(g.zh, g.foreign, g.kind)
            e.occurrences += 1
            kinds[key][g.kind] += 1
            if head.get("doc_id") and head["doc_id"] not in e.docs:
                e.docs.append(head["doc_id"])
            if key not in firsts or rank < firsts[key]:
                firsts[key] = rank
                e.first_user, e.first_year, e.first_doc = (authors[0] if authors else ""), year, head.get("doc_id", "")
    for key, e in entries.items():
        e.kind = kinds[key].most_common(1)[0][0]
    return sorted(entries.values(), key=lambda e: (-e.occurrences, e.zh, e.foreign))


def glossary_rows(entries: Iterable[Entry | dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of ``data/glossary.csv``: zh, foreign, kind, occurrences, first_user, first_year."""
    rows = []
    for e in entries:
        d = asdict(e) if isinstance(e, Entry) else e
        rows.append({k: d.get(k) for k in ("zh", "foreign", "kind", "occurrences", "first_user", "first_year")})
    return rows


def foreign_for(surface: str, entries: Iterable[Entry | dict[str, Any]]) -> list[str]:
    """The foreign originals printed for a concept surface (most printed first)."""
    out: list[str] = []
    for e in entries:
        d = asdict(e) if isinstance(e, Entry) else e
        if d["zh"] == surface and d["foreign"] not in out:
            out.append(d["foreign"])
    return out


def glossary_aliases(entries: Iterable[Entry | dict[str, Any]], aliases: dict[str, Any] | None) -> dict[str, Any]:
    """Alias entries the corpus prints: each person's Chinese spellings and Latin name as one.

    A person pair (丹·席勒, Dan Schiller) joins the two names; pairs sharing a name join into one
    group. A group is merged only when it is unambiguous: all its Latin names share one family
    name, and the alias file does not already give its members two different canonical names
    (the alias file is the user's word and wins). Refused groups are returned with the reason,
    never merged. The canonical name is the alias file's one when it has one, else the Chinese
    spelling printed most often.

    Returns ``{"authors": {canonical: [variants]}, "refused": [{"names": [...], "reason": ...}]}``.
    """
    from pipeline.refs.names import canonical_name, is_latin, name_key, prepare_aliases, surname

    aliases = prepare_aliases(aliases or {})
    parent: dict[str, str] = {}
    spelled: dict[str, Counter] = defaultdict(Counter)

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for e in entries:
        d = asdict(e) if isinstance(e, Entry) else e
        if d["kind"] != "person" or not is_latin(d["foreign"]):
            continue
        a, b = name_key(d["zh"]), name_key(d["foreign"])
        if not a or not b:
            continue
        spelled[a][d["zh"]] += int(d.get("occurrences") or 1)
        spelled[b][d["foreign"]] += int(d.get("occurrences") or 1)
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for k in parent:
        groups[find(k)].append(k)
    out: dict[str, list[str]] = {}
    refused: list[dict[str, Any]] = []
    index = aliases.get("index") or {}
    for keys in groups.values():
        names = [n for k in sorted(keys) for n, _c in spelled[k].most_common()]
        latin = [n for n in names if is_latin(n)]
        if len({surname(n) for n in latin}) > 1:
            refused.append({"names": names, "reason": "the Latin names printed for it have different family names"})
            continue
        configured = {index[k] for k in keys if k in index}
        if len(configured) > 1:
            refused.append({"names": names, "reason": f"configs/aliases.yaml gives them different names: {sorted(configured)}"})
            continue
        if configured:
            canon = configured.pop()
        else:
            han = Counter({n: c for k in keys for n, c in spelled[k].items() if not is_latin(n)})
            canon = canonical_name(sorted(han.items(), key=lambda x: (-x[1], x[0]))[0][0], aliases) if han else names[0]
        out[canon] = sorted({n for n in names if n != canon})
    return {"authors": out, "refused": refused}


def extend_aliases(aliases: dict[str, Any] | None, extra: dict[str, list[str]]) -> dict[str, Any]:
    """``aliases`` with the glossary's person groups added; a name the alias file already
    maps keeps its mapping (the file wins)."""
    from pipeline.refs.names import name_key, prepare_aliases

    base = prepare_aliases(aliases or {})
    authors = {k: list(v) for k, v in base["authors"].items()}
    index = dict(base["index"])
    added: dict[str, str] = {}
    for canon, variants in extra.items():
        for v in [canon, *variants]:
            k = name_key(v)
            if k and k not in index:
                index[k] = added[k] = canon
                authors.setdefault(canon, [])
                if v != canon:
                    authors[canon].append(v)
    return {"authors": authors, "works": base["works"], "index": index, "glossary_index": added}


# ---------------------------------------------------------------- the stage

def glossary_stage(papers: Iterable[dict[str, Any]], rules_path: str | Path | None,
                   aliases: dict[str, Any] | None) -> dict[str, Any]:
    """The glossary stage's result from streamed paper dicts: ``entries`` (one dict per pair,
    with the documents that print it), ``aliases`` (person groups for the works stage, see
    ``glossary_aliases``) and ``refused`` (groups not merged, with the reason)."""
    rules = load_rules(rules_path)
    entries = build_glossary((p, paper_glosses(p, rules)) for p in papers)
    linked = glossary_aliases(entries, aliases)
    return {"entries": [asdict(e) for e in entries], "aliases": linked["authors"], "refused": linked["refused"]}
