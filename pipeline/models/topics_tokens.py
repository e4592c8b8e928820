"""Content tokens of free text for benches and tests that build topic units themselves.

The topic model never segments: the runner hands it the content tokens of its features stage
(segmenter, then the stopword filter). This gives the same tokens for text outside a run, with
the same two steps and nothing else (no fallback tokenizer: tests must see the runner's tokens).
"""
from __future__ import annotations

from collections.abc import Callable


def content_tokenizer(cfg: dict | None = None) -> tuple[Callable[[str], list[str]], str]:
    """(text -> content tokens, name of the tokenizer used)."""
    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    seg, stop = Segmenter(cfg or {}), load_stopwords()
    return (lambda text: list(content_tokens(seg.cut(text), stop))), "pipeline.text.segment"
