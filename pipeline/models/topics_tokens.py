"""Content tokens for benches and tests, before the runner supplies them.

The topic model never segments: the runner hands it tokens from `pipeline.text.segment`. Benches
and tests need the same tokens, so this uses the project's segmenter and stopword list when they
exist and falls back to plain jieba + the stopwords-iso Chinese list otherwise.
"""
from __future__ import annotations

from collections.abc import Callable


def content_tokenizer(cfg: dict | None = None) -> tuple[Callable[[str], list[str]], str]:
    """(text -> content tokens, name of the tokenizer used)."""
    try:
        from pipeline.text.segment import Segmenter
        from pipeline.text.stopwords import content_tokens, load_stopwords

        seg, stop = Segmenter(cfg or {}), load_stopwords()
        return (lambda text: list(content_tokens(seg.cut(text), stop))), "pipeline.text.segment"
    except Exception:  # noqa: BLE001 - segmenter missing or broken: fall back, say so in the name
        import jieba
        import stopwordsiso

        jieba.setLogLevel(60)
        stop = frozenset(stopwordsiso.stopwords("zh"))

        def cut(text: str) -> list[str]:
            return [t for t in (w.strip() for w in jieba.lcut(text)) if t and t not in stop]

        return cut, "jieba+stopwordsiso (fallback)"
