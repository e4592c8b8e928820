"""Vocabulary for topic models: which tokens may become topic terms, and which units are noise.

Topic terms must be words a reader recognises as themes. Segmenters leave behind numbers, dates,
single characters and the apparatus of citations (参见, 出版社, 2019年第5期); a topic built from those
is "citation noise", not a theme. This module cleans tokens (it never segments) and builds the
gensim dictionary shared by LDA and NMF so both back ends see the same vocabulary.

>>> clean_tokens(["参见", "数字", "资本", "2019年", "第5期", "的", "人民出版社"], {})
['数字', '资本']
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from pipeline.models import gensim_import  # noqa: F401  (before gensim: see that module)
from gensim.corpora import Dictionary

from pipeline.settings.fill import section_defaults

_DEFAULTS = section_defaults("topics")  # what a partial section (tests, the doctest) leaves out

# Citation apparatus and calendar words: they mark where a thought was printed, not what it says.
# Generic to Chinese scholarly writing (GB/T 7714 and footnote styles), not to any one paper.
DEFAULT_NOISE_TERMS: frozenset[str] = frozenset(
    ["参见", "参看", "参阅", "详见", "转引", "转引自", "引自", "同上", "前引", "前揭", "出版社", "出版", "年版", "主编", "编著", "编译", "译者", "译", "载于", "收录", "第", "期", "卷", "页", "年", "月", "日", "版", "号", "辑", "册", "编", "著", "等", "及其", "以及", "一种", "进行", "通过", "认为", "指出", "提出", "表明", "本文", "文章", "研究", "分析", "问题", "方面", "作用", "影响", "方法", "结果", "基础", "提供", "具有", "存在", "相关", "主要", "重要", "不同", "一定", "过程", "情况", "实现", "发展", "采用", "利用", "基于", "探讨", "论述", "阐述", "讨论", "得到", "给出", "其中", "对于", "关于", "因此", "同时", "此外", "然而", "并且", "而且", "目前", "当前", "近年来", "最后", "首先", "其次", "再次", "一方面", "另一方面"]
)
# 发展/研究/问题 etc. are kept out by default because in abstracts they occur in most documents and
# crowd every topic; a corpus that needs them can pass its own `noise_terms`.

_HAS_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")
# Dates, issue and page numbers, with or without their unit: 2019年, 第5期, 12页, 一九九八年.
_NUMBERISH = re.compile(
    r"^[第]?[\d０-９〇零一二三四五六七八九十百千万.．,，%％\-–—]+"
    r"[年月日期卷章节页版号条次辑册]?$"
)
_CITATION_SUFFIX = re.compile(r"(出版社|出版公司|书局|印书馆|杂志社|编辑部)$")
# Markers of a bibliographic line: a 《title》 with a year+issue, a publisher, or a leading 参见.
_CIT_PATTERNS = [
    re.compile(r"《[^》]{1,60}》"),
    re.compile(r"\d{4}\s*年\s*(第\s*\d+\s*期|版)"),
    re.compile(r"出版社|书局|印书馆"),
    re.compile(r"^(\s*[①-⑳\d\[\(（])?\s*(参见|参看|参阅|转引自|详见)"),
    re.compile(r"第\s*\d+(\s*[-–—]\s*\d+)?\s*页"),
    re.compile(r"https?://|www\.|doi\.org"),
    re.compile(r"\b(?:pp?\.|Vol\.|No\.|eds?\.)|\b(?:Press|Journal|Review)\b"),
]
# Body prose does not say 参见 before a 《title》 or a URL: that is a footnote's reference tail,
# even when the footnote opens with a sentence of commentary.
_SEE_REF = re.compile(r"(参见|参看|参阅|转引自|详见)\s*[^。]{0,40}?(《|https?://)")
# A footnote printed under the page starts with its marker: ① or ^① in PDF-extracted text.
_FOOTNOTE_START = re.compile(r"^\s*\^?[①-⑳㉑-㉟㊱-㊿]")
_YEAR = re.compile(r"(19|20)\d{2}")
# Latin tokens come from English references and URLs far more often than from themes.
_URL_PARTS = frozenset(["http", "https", "www", "com", "org", "net", "cn", "edu", "gov", "pdf", "html", "htm", "doi", "pp", "vol", "no", "eds", "ed"])


def is_noise_token(tok: str, noise: frozenset[str], min_chars: int = 2) -> bool:
    """True for tokens that carry no theme: too short, numeric, citation apparatus."""
    if len(tok) < min_chars or not _HAS_WORD.search(tok):
        return True
    if tok in noise or _NUMBERISH.match(tok) or _CITATION_SUFFIX.search(tok):
        return True
    return tok.isascii() and (tok.lower() in _URL_PARTS or tok.lower() in _english_stop())


@lru_cache(maxsize=1)
def _english_stop() -> frozenset[str]:
    try:
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords("en"))
    except ImportError:  # the list is a nicety; the URL parts above catch the worst
        return frozenset(["the", "and", "of", "to", "in", "on", "for", "with", "from", "by",
                          "at", "as", "is", "are", "was", "an", "or"])


def noise_terms(cfg: dict) -> frozenset[str]:
    extra = cfg.get("extra_noise_terms") or []
    base = cfg.get("noise_terms")
    return frozenset(base if base is not None else DEFAULT_NOISE_TERMS) | frozenset(extra)


def _noise_memo(cfg: dict) -> tuple[dict[str, bool], frozenset[str], int]:
    noise = noise_terms(cfg)
    min_chars = int(cfg.get("min_token_chars", _DEFAULTS["min_token_chars"]))
    # Tokens repeat (a corpus of 35M tokens has ~10^5 distinct ones): decide each once per
    # noise list; the regexes were most of a topic fit's time on 1,000 papers.
    memo = _MEMO.get((noise, min_chars))
    if memo is None:
        if len(_MEMO) > 8:
            _MEMO.clear()
        memo = _MEMO[(noise, min_chars)] = {}
    return memo, noise, min_chars


def clean_tokens(tokens: Iterable[str], cfg: dict) -> list[str]:
    """Keep the tokens that may become topic terms, in order (duplicates kept: they are counts)."""
    memo, noise, min_chars = _noise_memo(cfg)
    out = []
    for t in tokens:
        bad = memo.get(t)
        if bad is None:
            bad = memo[t] = is_noise_token(t, noise, min_chars)
        if not bad:
            out.append(t)
    return out


_MEMO: dict[tuple[frozenset[str], int], dict[str, bool]] = {}


def clean_counts(tokens: Iterable[str], cfg: dict) -> dict[str, int]:
    """What :func:`clean_tokens` keeps, counted: {token: count} in order of first occurrence.
    Counting first (``Counter`` runs in C) decides each distinct token once instead of each
    occurrence: a paper of 5,000 tokens has about 1,500 distinct ones.

    >>> clean_counts(["数字", "的", "资本", "数字", "2019年"], {})
    {'数字': 2, '资本': 1}
    """
    memo, noise, min_chars = _noise_memo(cfg)
    out = {}
    for t, n in Counter(tokens).items():
        bad = memo.get(t)
        if bad is None:
            bad = memo[t] = is_noise_token(t, noise, min_chars)
        if not bad:
            out[t] = n
    return out


def citation_score(text: str) -> float:
    """Bibliographic markers per 100 characters; footnote-like units score far above body text."""
    if not text:
        return 0.0
    hits = sum(len(p.findall(text)) for p in _CIT_PATTERNS)
    return 100.0 * hits / max(len(text), 1)


def is_citation_like(text: str, threshold: float = 2.0) -> bool:
    """A unit that is mostly references (a footnote block, a bibliography) is kept out of fits.

    Body prose quotes a 《book》 now and then (score well under 1 per 100 chars); a reference
    line has a title, a year-issue and a publisher within a few dozen characters (score > 3).
    """
    if _SEE_REF.search(text):
        return True
    score = citation_score(text)
    if _FOOTNOTE_START.match(text) and (score >= threshold / 4 or _YEAR.search(text)):
        return True
    return score >= threshold


def build_dictionary(texts: list[list[str]], cfg: dict) -> Dictionary:
    """Dictionary over cleaned texts, with rare and ubiquitous terms removed.

    `no_below` scales down for tiny corpora (one paper by paragraph has ~50 units): a term must
    still occur in two units to say anything about co-occurrence.
    """
    return filter_dictionary(Dictionary(texts), cfg)


def filter_dictionary(d: Dictionary, cfg: dict) -> Dictionary:
    """Drop rare and ubiquitous terms (see :func:`build_dictionary`); ``d`` was built by adding
    documents one at a time, so its document count is the number of units."""
    n = d.num_docs
    no_below = int(cfg.get("no_below") or (2 if n < 500 else 3))
    # in one paper by paragraph its main terms are in most paragraphs and still the themes
    no_above = float(cfg.get("no_above") or (0.5 if n >= 200 else 0.8))
    keep_n = int(cfg.get("keep_n", _DEFAULTS["keep_n"]))
    if n >= 4:
        d.filter_extremes(no_below=no_below, no_above=no_above, keep_n=keep_n)
    d.compactify()
    return d
