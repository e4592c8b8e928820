"""Normalization for matching and counting; display text keeps the document's own form.

Two kinds of function live here:

* repairs applied once on the way in (zero-width characters, the pinyin that damaged mirror
  sites insert after characters: ``發(fā)展``), which change the stored text and are reported;
* ``normalize_for_match`` / ``normalize_with_map``: the folded form used by every comparison
  (traditional → simplified with OpenCC, full-width ASCII → ASCII, dash variants inside
  compounds → ``—``, quote variants → “”). ``normalize_with_map`` also returns, for each
  character of the folded text, its index in the original, so a match can be shown as printed.
"""
from __future__ import annotations

import re
from functools import lru_cache

import opencc

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
_ZW_RE = re.compile(f"[{ZERO_WIDTH}]")

# A Han character followed by a parenthesised pinyin syllable with a tone mark. Real prose
# never puts toned pinyin in ASCII or full-width brackets straight after a character, so the
# tone mark is what keeps 丹·席勒（Dan Schiller） and (一) untouched.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN_RE = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（]([a-z{_TONED}]{{1,6}})[)）]"
)
_HAS_TONE = re.compile(f"[{_TONED}]")

# Dash variants that writers and PDF extractors use inside compounds like 中心—散点.
DASHES = "—–‐‑‒―－-─━⸺⸻﹘"
_HAN = r"\u3400-\u9fff"
# PDF extraction often spaces the dash (中心 — 散点): spaces around the run belong to it.
_DASH_RUN = re.compile(
    rf"(?<=[{_HAN}“”\"'‘’」』])[ \t\u3000]*[{re.escape(DASHES)}]{{1,2}}[ \t\u3000]*(?=[{_HAN}“”\"'‘’「『])")
# Any dash at all: the run's pattern tries its look-behind at every character, a plain class is
# found by the engine's fast scan; three texts in four hold no dash (7x faster to rule out).
_ANY_DASH = re.compile(f"[{re.escape(DASHES)}]")

# fold_width's characters: a regex substitution touches only them (on the seed paper 2.6x faster
# than a str.translate, 3.7x than a generator over every character)
_WIDTH = {**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " "}
_WIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")
_NON_HAN_BASIC = re.compile("[^\u4e00-\u9fff]+")
_QUOTES = str.maketrans({"「": "“", "」": "”", "『": "“", "』": "”", "＂": "\"", "〝": "“", "〞": "”"})


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def strip_zero_width(text: str) -> tuple[str, int]:
    """Remove zero-width and soft-hyphen characters; returns (text, how many)."""
    out, n = _ZW_RE.subn("", text)
    return out, n


def repair_pinyin(text: str) -> tuple[str, int]:
    """Remove mirror-site pinyin insertions (``發(fā)展`` → ``發展``); returns (text, how many)."""
    count = 0

    def drop(m: re.Match[str]) -> str:
        nonlocal count
        if _HAS_TONE.search(m.group(1)):
            count += 1
            return ""
        return m.group(0)

    return _PINYIN_RE.sub(drop, text), count


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def fold_width(text: str) -> str:
    """Full-width ASCII (Ａ１，) → ASCII; the ideographic space → a space."""
    return _WIDTH_RE.sub(lambda m: _WIDTH[m.group()], text)


def unify_dashes(text: str) -> str:
    """Any dash run (— —— － – -, spaced or not) between Han characters or quotes becomes one ``—``."""
    return _DASH_RUN.sub("—", text) if _ANY_DASH.search(text) else text


def detect_script(text: str) -> str:
    """``simplified``, ``traditional`` or ``mixed`` by how much OpenCC would change.

    A text holding none of the characters OpenCC's t2s changes (``protect._t2s_trigger``) is
    simplified without converting it; the Han sample is cut with one substitution, and the
    characters each direction changes are counted as arrays: a list of one-character strings
    and a Python loop over them were 2 ms of every paper's parse."""
    from pipeline.text.protect import _t2s_trigger

    if _t2s_trigger().search(text) is None:
        return "simplified"
    sample = _NON_HAN_BASIC.sub("", text)[:20000]
    if not sample:
        return "simplified"
    simplified = to_simplified(sample)
    if simplified == sample:  # most papers: one comparison instead of a count
        return "simplified"
    to_s = _changed(sample, simplified)
    to_t = _changed(sample, _s2t().convert(sample))
    # A traditional text has many characters s2t leaves alone but t2s changes; a simplified
    # one with a few traditional names or quotations is still "mixed".
    if to_t == 0 or to_s / max(to_s + to_t, 1) > 0.75:
        return "traditional"
    return "mixed"


def _changed(a: str, b: str) -> int:
    """Positions where ``a`` and ``b`` differ, over the shorter of the two."""
    import numpy as np

    n = min(len(a), len(b))
    x = np.frombuffer(a[:n].encode("utf-32-le"), dtype=np.uint32)
    y = np.frombuffer(b[:n].encode("utf-32-le"), dtype=np.uint32)
    return int(np.count_nonzero(x != y))


def normalize_for_match(text: str) -> str:
    """The folded form every comparison uses (not length-preserving).

    >>> normalize_for_match("“中心－散點”"), normalize_for_match("數字\u200b食利國"), normalize_for_match("中心——外围")
    ('“中心—散点”', '数字食利国', '中心—外围')
    """
    text = _ZW_RE.sub("", text)
    text = to_simplified(text)
    text = fold_width(text).translate(_QUOTES)
    # fold_width turned － into -, so unify after it.
    return unify_dashes(text)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Like :func:`normalize_for_match` but also maps each output index to an input index."""
    keep = [i for i, c in enumerate(text) if c not in ZERO_WIDTH]
    base = "".join(text[i] for i in keep)
    simp = to_simplified(base)
    if len(simp) != len(base):  # a phrase conversion changed length: fall back to per character
        simp = "".join(to_simplified(c) if len(to_simplified(c)) == 1 else c for c in base)
    folded = fold_width(simp).translate(_QUOTES)
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for m in _DASH_RUN.finditer(folded):
        out.append(folded[pos:m.start()])
        idx.extend(keep[pos:m.start()])
        out.append("—")
        idx.append(keep[m.start()])
        pos = m.end()
    out.append(folded[pos:])
    idx.extend(keep[pos:])
    return "".join(out), idx
