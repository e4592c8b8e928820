"""Stopwords: the stopwordsiso Chinese list plus domain noise from ``configs/stopwords.txt``.

Topic models and co-occurrence read :func:`content_tokens`; concept search does not filter, so a
concept stays findable even where its tokens would be dropped here.

    >>> stop = load_stopwords()
    >>> content_tokens(["参见", "数字资本", "的", "2024", "年", "，", "a", "中心—散点"], stop)
    ['数字资本', '中心—散点']
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pipeline.text.protect import fast_normalize
from pipeline.settings.files import packaged_configs
from pipeline.settings.fill import filled
from pipeline.text.registry import resolve_config_path

DEFAULT_PATH = packaged_configs() / "stopwords.txt"

# A token worth keeping has a Han character or a Latin letter; numbers (2024, 3.5%, 第 is a
# stopword) and punctuation runs (——, “, ...) are noise for topics and co-occurrence.
_HAS_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")
_SINGLE_LATIN = re.compile(r"[A-Za-z]")


@lru_cache(maxsize=8)
def _load(path: str, use_iso: bool, digest: str | None) -> frozenset[str]:
    """Cached by the file's content (``digest``), not its path: an edited stop list is read again."""
    words: set[str] = set()
    if use_iso:
        import stopwordsiso

        words.update(fast_normalize(w) for w in stopwordsiso.stopwords("zh"))
    p = Path(path)
    if p.is_file():
        for line in p.read_text(encoding="utf-8").splitlines():
            w = line.strip()
            if w and not w.startswith("#"):
                words.add(fast_normalize(w))
                words.add(fast_normalize(w).lower())
    return frozenset(words)


def load_stopwords(cfg: dict | None = None) -> frozenset[str]:
    """``cfg`` may be the whole config or its ``segment`` section; keys ``stopwords`` (path) and
    ``stopwords_iso`` (bool); ``stopwords: null`` means no domain list."""
    sec = _section(cfg)
    path = stopwords_path(cfg)
    return _load(str(path or ""), bool(sec["stopwords_iso"]), _digest(path))


def _section(cfg: dict | None) -> dict:
    """The ``segment`` section of a whole config or the section itself, filled from the model."""
    cfg = cfg or {}
    return filled(cfg["segment"] if isinstance(cfg.get("segment"), dict) else cfg, "segment")


def stopwords_path(cfg: dict | None = None) -> Path | None:
    """The stop list file ``cfg`` names (whole config or its ``segment`` section); None for
    ``stopwords: null`` (no domain list)."""
    cfg = cfg or {}
    given = _section(cfg)["stopwords"]
    return resolve_config_path(given, DEFAULT_PATH, cfg.get("_root")) if given else None


def _digest(path: Path | None) -> str | None:
    import hashlib

    try:
        return hashlib.sha1(path.read_bytes()).hexdigest() if path else None
    except OSError:
        return None


def is_content(token: str, stop: frozenset[str]) -> bool:
    if token in stop or not _HAS_WORD.search(token):
        return False
    if _SINGLE_LATIN.fullmatch(token):
        return False
    return token.lower() not in stop


def content_tokens(tokens: Iterable[str], stop: frozenset[str]) -> list[str]:
    """Tokens minus stopwords, punctuation, pure numbers and single Latin letters."""
    return [t for t in tokens if is_content(t, stop)]
