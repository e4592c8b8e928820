"""Segmentation backends behind one interface: ``add_word(word, freq, tag)`` and ``cut(text)``.

Both run the same algorithm on the same default dictionary (jieba's dict.txt; jieba-rs embeds
it) with the HMM on, so on Chinese text they give identical tokens once they are given the same
words with the same frequencies. Known differences, all outside Han text:

* Latin / numeric runs: jieba-rs keeps ``ET-1``, ``2076.2kg``, ``HPLC-ESI-MS`` whole where jieba
  gives ``ET - 1``, ``2076.2 kg``. :meth:`RjiebaBackend.cut` re-splits such tokens with jieba's own
  rule (``[a-zA-Z0-9]+(?:\\.\\d+)?%?`` runs and runs of other characters), unless the whole token
  is a dictionary word (``C++``); on the seed plus 4,000 CSL titles and abstracts the outputs are
  then identical.
* jieba-rs also treats CJK extension A (U+3400-4DBF), U+9FD6-9FFF and compatibility ideographs as
  Han, jieba does not (it emits them one character at a time). After t2s they are very rare.
* Whitespace: both emit whitespace runs as tokens; the segmenter drops them.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

_HAN = re.compile(r"[\u4e00-\u9fd5]")
_ODD = re.compile(r"[+#&._%\-]")
# jieba and jieba-rs only disagree on a Latin/numeric run holding one of +#&._%- next to another
# run character (ET-1, 2076.2kg); lines without such a pair skip the per-token fix-up.
_RUN_ODD = re.compile(r"[A-Za-z0-9+#&._%\-][+#&._%\-]|[+#&._%\-][A-Za-z0-9]")
_JIEBA_ALNUM_SPLIT = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?|[^a-zA-Z0-9]+")


class JiebaBackend:
    """Python jieba with its OWN Tokenizer (the global ``jieba.dt`` is never touched)."""

    name = "jieba"

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba's own logger only: no "Building prefix dict" noise
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        self.cut: Callable[[str], list[str]] = self._tk.lcut

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self._tk.add_word(word, freq, tag)

    def has_word(self, word: str) -> bool:
        return bool(self._tk.FREQ.get(word))


class RjiebaBackend:
    """jieba-rs through rjieba; Latin/numeric runs re-split to match jieba (see module doc)."""

    name = "rjieba"

    def __init__(self) -> None:
        self._rj = _rjieba_class()()
        self._cut = self._rj.cut

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self._rj.add_word(word, freq, tag)

    def has_word(self, word: str) -> bool:
        return self._rj.has_word(word)

    def cut(self, text: str) -> list[str]:
        toks = self._cut(text)
        if not _RUN_ODD.search(text):
            return toks
        out: list[str] = []
        has_word = self._rj.has_word
        for t in toks:
            if len(t) > 1 and _ODD.search(t) and not _HAN.search(t) and not has_word(t):
                out.extend(_JIEBA_ALNUM_SPLIT.findall(t))
            else:
                out.append(t)
        return out


def _rjieba_class() -> type:
    """rjieba's ``Jieba`` class, without the default instance ``import rjieba`` builds (its
    dictionary: 0.2 s of CPU in every process, which the one paper of ``--update`` pays in
    full). The extension module is loaded as the package would load it; any surprise (another
    layout in a later rjieba) falls back to the plain import."""
    import sys

    mod = sys.modules.get("rjieba.rjieba")
    if mod is None:
        try:
            import importlib.machinery
            import importlib.util
            from pathlib import Path

            spec = importlib.util.find_spec("rjieba")
            found = sorted(Path(spec.submodule_search_locations[0]).glob("rjieba*.so")) if spec and \
                spec.submodule_search_locations else []
            loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", str(found[0]))
            ext = importlib.util.spec_from_file_location("rjieba.rjieba", str(found[0]), loader=loader)
            mod = importlib.util.module_from_spec(ext)
            loader.exec_module(mod)
            sys.modules["rjieba.rjieba"] = mod
        except Exception:  # noqa: BLE001 - the plain import is always right, only slower
            import rjieba

            return rjieba.Jieba
    return mod.Jieba


BACKENDS: dict[str, type] = {"jieba": JiebaBackend, "rjieba": RjiebaBackend}


def make_backend(name: str = "jieba"):
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"unknown segment backend {name!r}; choose one of {sorted(BACKENDS)}") from None
