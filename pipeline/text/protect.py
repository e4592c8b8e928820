"""Fast matching normalization and the Aho-Corasick pass that protects registry surfaces.

Why a second normalizer next to :func:`pipeline.ingest.normalize.normalize_for_match`: the
segmenter runs on every line of the corpus, and the per-character Python loops there cost more
than jieba-rs itself. :func:`fast_normalize` gives the same string (a test checks it on real text)
with one ``str.translate``, OpenCC only on lines that hold a character t2s changes, and the same
dash regex. It adds one fold of its own: a dash with spaces around it between Han characters
(``中心 — 散点``, as PDF extraction prints it) becomes ``—`` like an unspaced one.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import ahocorasick
import opencc

from pipeline.ingest.normalize import (
    _ANY_DASH,
    _DASH_RUN,
    _QUOTES,
    ZERO_WIDTH,
    normalize_with_map,
    to_simplified,
    unify_dashes,
)

_HAN = r"\u3400-\u9fff"


def _build_table() -> dict[int, int | str | None]:
    table: dict[int, int | str | None] = {ord(c): None for c in ZERO_WIDTH}
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = cp - 0xFEE0
    table[0x3000] = " "
    for k, v in _QUOTES.items():
        table[k] = v
    # Full-width ＂ folds to " first in normalize_for_match, then the quote table sees ASCII.
    table[0xFF02] = '"'
    return table


_TABLE = _build_table()
# re.sub over the few characters that change is ~9x faster than str.translate with a dict
# table on CJK text (translate looks every character up in the dict).
_FOLD_MAP = {chr(k): ("" if v is None else v if isinstance(v, str) else chr(v)) for k, v in _TABLE.items()}
_FOLD_RE = re.compile("[" + re.escape("".join(_FOLD_MAP)) + "]")
_ZW_RE = re.compile("[" + re.escape("".join(ZERO_WIDTH)) + "]")


def _fold_one(m: re.Match[str]) -> str:
    return _FOLD_MAP[m.group()]
_ASCII_LOWER = {cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)}


@lru_cache(maxsize=1)
def _t2s_trigger() -> re.Pattern[str]:
    """A character class of every character OpenCC t2s changes on its own.

    Lines with none of them are already simplified, so OpenCC (a third of the hot path on
    simplified text) is skipped. Built once per process (~0.1 s).
    """
    ranges = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]
    chars = "".join(chr(c) for a, b in ranges for c in range(a, b + 1))
    conv = to_simplified(chars)
    if len(conv) == len(chars):
        changed = [a for a, b in zip(chars, conv) if a != b]
    else:  # a multi-character mapping shifted positions: fall back to one call per character
        changed = [c for c in chars if to_simplified(c) != c]
    # Phrase entries change characters that are unchanged on their own (藉此 → 借此, 英哩 → 英里):
    # the characters that differ inside such phrases trigger OpenCC too.
    lines = _ts_phrases()
    if lines is not None:
        extra = set()
        for line in lines:
            key, _, vals = line.partition("\t")
            val = vals.split(" ")[0] if vals else key
            if len(val) == len(key):
                extra.update(a for a, b in zip(key, val) if a != b)
            else:
                extra.update(key)
        changed = sorted(set(changed) | extra)
    else:  # an OpenCC build without the text dictionaries: convert every line that holds Han
        return re.compile(f"[{_HAN}]")
    # Supplementary-plane traditional characters are rare; any astral Han triggers OpenCC.
    return re.compile("[" + re.escape("".join(changed)) + "\U00020000-\U0003134f]")


def _ts_phrases() -> list[str] | None:
    """The lines of OpenCC's t2s phrase table (``traditional<TAB>simplified ...``), or None.

    Older OpenCC wheels ship it as text; newer ones (1.1.7+) only as the binary ``.ocd2``, with
    OpenCC's own ``opencc_dict`` tool beside it, which writes it out as text (477 lines, 5 ms).
    Without the table every line holding Han goes through OpenCC (4 s of CPU in a run of
    1,000 papers)."""
    root = Path(opencc.__file__).parent
    text = root / "dictionary" / "TSPhrases.txt"
    if text.exists():
        return text.read_text(encoding="utf-8").splitlines()
    clib = root / "clib"
    tool, binary = clib / "bin" / "opencc_dict", clib / "share" / "opencc" / "TSPhrases.ocd2"
    if not (tool.is_file() and binary.is_file()):
        return None
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="litmap-opencc-") as tmp:
        out = Path(tmp) / "TSPhrases.txt"
        env = {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(
            p for p in (str(clib / "lib64"), str(clib / "lib"), os.environ.get("LD_LIBRARY_PATH", "")) if p)}
        try:
            subprocess.run([str(tool), "-i", str(binary), "-o", str(out), "-f", "ocd2", "-t", "text"],
                           env=env, capture_output=True, timeout=30, check=True)
            return out.read_text(encoding="utf-8").splitlines()
        except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
            return None


def fast_normalize(text: str) -> str:
    """The folded matching form: zero-width dropped, t2s, full-width → ASCII, quotes, dashes."""
    text = _FOLD_RE.sub(_fold_one, text)
    if _t2s_trigger().search(text):
        text = to_simplified(text)
    return unify_dashes(text)  # spaced dashes (中心 — 散点) included


def normalize_map(text: str) -> tuple[str, Sequence[int]]:
    """``fast_normalize`` with, for each output character, its index in ``text``.

    The same folding as :func:`pipeline.ingest.normalize.normalize_with_map`, faster on the
    common case: with no zero-width character and no length-changing conversion, every fold but
    the dash runs keeps positions, so the map is the identity apart from them."""
    if _ZW_RE.search(text):
        return normalize_with_map(text)
    simp = to_simplified(text) if _t2s_trigger().search(text) else text
    folded = _FOLD_RE.sub(_fold_one, simp) if len(simp) == len(text) else ""
    if len(folded) != len(text):
        return normalize_with_map(text)
    if not _ANY_DASH.search(folded) or not _DASH_RUN.search(folded):
        return folded, range(len(text))  # the identity, without a list of a million numbers
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for m in _DASH_RUN.finditer(folded):
        out.append(folded[pos:m.start()])
        idx.extend(range(pos, m.start()))
        out.append("—")
        idx.append(m.start())
        pos = m.end()
    out.append(folded[pos:])
    idx.extend(range(pos, len(folded)))
    return "".join(out), idx


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


class Protector:
    """Finds registry surfaces in normalized text: longest leftmost, non-overlapping.

    Latin surfaces (``Late Imperialism``) match case-insensitively and only on word boundaries,
    so ``late imperialism`` is found but ``chocolate imperialism`` is not. Han surfaces match
    anywhere: Chinese has no spaces, and keeping a concept whole is the point.
    """

    def __init__(self, registry) -> None:
        self._auto = ahocorasick.Automaton()
        self._fold = False
        n = 0
        for surface in registry.surfaces:
            key = surface.translate(_ASCII_LOWER)
            if key != surface:
                self._fold = True
            left = _is_word_char(surface[0])
            right = _is_word_char(surface[-1])
            if key not in self._auto:
                self._auto.add_word(key, (len(key), surface, left, right))
                n += 1
        self.size = n
        if n:
            self._auto.make_automaton()

    def spans(self, norm: str) -> list[tuple[int, int, str]]:
        """(start, end, surface) in ``norm``; ``surface`` is the registry's spelling."""
        if not self.size:
            return []
        hay = norm
        if self._fold:
            hay = norm.lower()  # C-fast; the rare length-changing lowercase falls back to ASCII only
            if len(hay) != len(norm):
                hay = norm.translate(_ASCII_LOWER)
        out = []
        for end, (length, surface, left, right) in self._auto.iter_long(hay):
            start = end - length + 1
            if left and start > 0 and _is_word_char(hay[start - 1]):
                continue
            if right and end + 1 < len(hay) and _is_word_char(hay[end + 1]):
                continue
            out.append((start, end + 1, surface))
        return out
