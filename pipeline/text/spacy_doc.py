"""spaCy view of a paper: the pieces that turn our segmenter's tokens into a ``Doc``.

The ``Doc`` of a paper (built by :mod:`pipeline.concepts.paper_doc`, cached as a ``DocBin``, read
back with ``pipeline.api.docs``) carries the PRINTED text: its words are the segment stage's
tokens laid back over the characters they were cut from (the segmenter cuts the folded form:
simplified script, unified dashes and quotes, whitespace dropped), and each token's ``norm_`` is
the token as the segmenter gave it. So ``doc.text`` reads as the paper does, and the tokens every
stage counts are ``[t.norm_ for t in doc if not t.norm_.isspace()]`` (a token split where a concept
mention starts or ends inside it is one segment token in pieces: see :func:`segment_tokens`).

:func:`align_words` is that laying-back; :class:`DocAssembler` collects words, sentence starts and
norms part by part and makes the ``Doc`` in one call (no ``nlp.pipe``, no tokenizer run: the
words are given). :func:`register_extensions` names what spans and docs carry (``Span._.term``,
``Span._.footnote``, ``Doc._.doc_id`` …); it is called on import.

For a quick look at any string there is :func:`pipeline.text.spacy_nlp.make_nlp`, a blank
``zh`` pipeline with the segmenter as its tokenizer; :mod:`pipeline.text.docbin` writes a Doc as
DocBin bytes.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate, compress
from operator import ne, sub
from typing import Any

import numpy as np
from pipeline.text import spacy_import  # noqa: F401  (before spaCy: see that module)
from spacy.attrs import NORM, SENT_START
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from pipeline.ingest.normalize import DASHES, ZERO_WIDTH
from pipeline.text.protect import normalize_map

_WS = re.compile(r"\s")
_NONSPACE = re.compile(r"\S")
# characters a fold drops or merges: zero-width ones, a second dash (—— → —)
_MOVES = re.compile(f"[{ZERO_WIDTH}]|[{re.escape(DASHES)}][ \t\u3000]*[{re.escape(DASHES)}]")
# doc.user_data keys (a DocBin keeps user data when made with store_user_data=True)
DATA = "litmap"  # the paper's units, footnote references, split tokens: see concepts/paper_doc.py


def register_extensions() -> None:
    """Span and Doc extensions of a paper's Doc. Getters only: the values live in span
    attributes that DocBin keeps (label, kb_id, id) and in ``doc.user_data``, so nothing is
    stored per span and a Doc of a million mentions stays columns."""
    ext: list[tuple[type, str, Any]] = [
        (Doc, "doc_id", lambda d: d.user_data.get("doc_id")),
        (Doc, "source", lambda d: d.user_data.get("source")),
        (Doc, "title", lambda d: d.user_data.get("title")),
        # a concept mention: label_ = canonical concept, kb_id_ = the registry surface matched,
        # id_ = flags ("q" quoted, "v" variant), text = the surface as printed
        (Span, "concept", lambda s: s.label_),
        (Span, "term", lambda s: s.kb_id_),
        (Span, "quoted", lambda s: "q" in s.id_),
        (Span, "variant", lambda s: "v" in s.id_),
        # a footnote marker (doc.spans["markers"]) or a footnote (doc.spans["footnotes"]):
        # label_ = the footnote's running number
        (Span, "footnote", lambda s: int(s.label_) if s.label_.isdigit() else None),
        (Span, "refs", _span_refs),
        (Span, "unit", _span_unit),
    ]
    for cls, name, getter in ext:
        if not cls.has_extension(name):
            cls.set_extension(name, getter=getter)


def _span_refs(span: Span) -> list[dict[str, Any]]:
    """The parsed references of a marker's or a footnote's note (one entry per reference, as
    ``concepts.attribution`` gives them; a note without a reference gives none)."""
    n = span.label_
    refs = ((span.doc.user_data.get(DATA) or {}).get("footnotes") or {}).get(n, {}).get("refs") or ()
    # a DocBin gives msgpack's tuples back where lists were stored
    return [{k: list(v) if isinstance(v, tuple) else v for k, v in r.items()} for r in refs]


def _span_unit(span: Span) -> dict[str, Any] | None:
    """What the paper says of the sentence holding ``span``: where (title, abstract, keywords,
    body, footnote), section and paragraph, the footnote markers in it …"""
    data = span.doc.user_data.get(DATA) or {}
    units, starts = data.get("units") or [], data.get("unit_starts") or []
    k = bisect_right(starts, span.start_char) - 1
    return dict(units[k]) if 0 <= k < len(units) else None


register_extensions()


def align_words(text: str, tokens: Sequence[str]) -> tuple[list[int], list[int], list[str]] | None:
    """(starts, ends, tokens): where each segment token lies in the printed ``text``; None if
    the tokens are not a cut of ``fast_normalize(text)`` (then the caller keeps the text as it
    stands).

    Folding keeps one character per character except dash runs (—— → —), dropped zero-width
    characters and whitespace; a dropped character is left between tokens (the caller gives it
    to the token before, as ``Segmenter.cut_spans`` does). Lists are made with ``map`` and
    slicing, not a Python loop per token: this runs on every word of the corpus."""
    tokens = list(tokens)
    if not tokens:
        return ([], [], []) if not text.strip() else None
    joined = "".join(tokens)
    ends = list(accumulate(map(len, tokens)))
    starts = [0, *ends[:-1]]
    at: Sequence[int] | None = None
    if not _MOVES.search(text):
        # No fold here drops or merges a character (no zero-width character, no dash pair):
        # the folded text has one character per printed one, and the tokens leave out only
        # whitespace. Checked by the count; the full fold map is made only when it differs.
        if not _WS.search(text):
            if len(text) == len(joined):
                return starts, ends, tokens
        else:
            at = [m.start() for m in _NONSPACE.finditer(text)]
            if len(at) != len(joined):
                at = None
    if at is None:
        norm, idx = normalize_map(text)
        if isinstance(idx, range) and joined == norm:
            return starts, ends, tokens
        # whitespace is not in the tokens (a spaced dash 中心 — 散点 is folded into one): place
        # them on the folded text's other characters, then through ``idx`` on the printed ones
        if _WS.search(norm):
            at = [i for i, c in enumerate(norm) if not c.isspace()]
            compact = "".join(norm.split())
        else:
            at, compact = range(len(norm)), norm
        if compact != joined and compact.lower() != joined.lower():
            return None
        if not isinstance(idx, range):
            at = [idx[i] for i in at]
    last = list(map(at.__getitem__, map((-1).__add__, ends)))
    return list(map(at.__getitem__, starts)), list(map((1).__add__, last)), tokens


class DocAssembler:
    """Words, their trailing spaces, norms and sentence starts, collected part by part."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.words: list[str] = []
        self.spaces: list[bool] = []
        self.norms: list[str] = []
        self.starts: list[bool] = []
        self.chars = 0  # characters of doc.text so far
        self.joined: list[int] = []  # token indices that continue the token before (a split token)
        self.word_starts: list[int] = []  # doc character offset of each word
        self.norm_fix: list[int] = []  # words whose norm is not their text (folded script, dashes …)
        self.text_parts: list[str] = []  # doc.text, as it is laid

    def add_part(self, text: str, tokens: Sequence[str] | None, cuts: Sequence[int], sent_starts: set[int]) -> int:
        """Lay ``text`` (one part of the paper: a title, a paragraph, a footnote) into the Doc.

        ``tokens``: its segment tokens (None: not segmented, kept as one word per sentence);
        ``cuts``: offsets in ``text`` where a word must start (mention and sentence bounds),
        splitting a token there; ``sent_starts``: offsets where a sentence starts. Returns the
        doc character offset of the part's start."""
        base = self.chars
        aligned = align_words(text, tokens) if tokens is not None else None
        if aligned is not None and self._bulk(text, aligned, cuts, sent_starts):
            return base
        fake = aligned is None
        spans = [(0, len(text), text)] if fake and text else [] if fake else list(zip(*aligned))
        pieces, gaps = _pieces(text, spans, cuts, fake)
        items: list[tuple[int, int, str | None, bool]] = list(pieces)
        items.extend((a, b, None, False) for a, b in gaps)
        items.sort(key=lambda x: x[0])
        for a, b, norm, cont in items:
            w = text[a:b]
            if norm is None:  # whitespace
                if w == " " and self.words and not self.spaces[-1] and self.chars > base:
                    self.spaces[-1] = True
                    self.chars += 1
                    continue
                norm = w
            if cont:
                self.joined.append(len(self.words))
            if norm != w:
                self.norm_fix.append(len(self.words))
            self.word_starts.append(self.chars)
            self.words.append(w)
            self.spaces.append(False)
            self.norms.append(norm)
            self.starts.append((a in sent_starts) or not self.starts)
            self.chars += len(w)
        self.text_parts.append(text)
        self._close_part(base)
        return base

    def _bulk(self, text: str, aligned: tuple[list[int], list[int], list[str]], cuts: Sequence[int],
              sent_starts: set[int]) -> bool:
        """The common case in one go: the tokens cover the text but for single spaces between
        them (nothing folded away) and no cut falls inside a token. False when the general path
        is needed."""
        starts, ends, toks = aligned
        n = len(toks)
        if not n or starts[0] != 0 or ends[-1] != len(text):
            return False
        if ends[:-1] == starts[1:]:
            spaces = [False] * n
        else:
            spaces = list(map(ne, ends[:-1], starts[1:]))
            spaces.append(False)
            gaps = list(map(sub, starts[1:], ends[:-1]))
            if max(gaps) > 1 or any(text[e] != " " for e, g in zip(ends, gaps) if g):
                return False
        for c in cuts:
            if 0 < c < len(text) and starts[bisect_right(starts, c) - 1] != c:
                return False
        base = self.chars
        first = len(self.words)
        if not any(spaces) and text == "".join(toks):
            self.words.extend(toks)
        else:  # the printed words differ from the tokens somewhere (script, quotes, width)
            words = list(map(text.__getitem__, map(slice, starts, ends)))
            self.norm_fix.extend(compress(range(first, first + n), map(ne, words, toks)))
            self.words.extend(words)
        self.norms.extend(toks)
        self.spaces.extend(spaces)
        self.word_starts.extend(map(base.__add__, starts))
        flags = [False] * n
        for off in sent_starts:
            k = bisect_right(starts, off) - 1
            if k >= 0 and starts[k] == off:
                flags[k] = True
        if first == 0:
            flags[0] = True
        self.starts.extend(flags)
        self.chars += len(text)
        self.text_parts.append(text)
        self._close_part(base)
        return True

    def _close_part(self, base: int) -> None:
        if self.words and not self.spaces[-1] and self.chars > base:
            self.spaces[-1] = True  # parts are set apart by one space
            self.chars += 1
            self.text_parts.append(" ")

    def token_at(self, char: int) -> int:
        """Index of the word starting at doc offset ``char`` (every cut starts a word)."""
        return bisect_right(self.word_starts, char) - 1

    def make(self) -> Doc:
        """The Doc: words and spaces in one constructor call, sentence starts as one array, and
        a norm set only on the words whose norm is not their text (the vocab's default norm is
        the word itself: see :func:`paper_vocab`)."""
        if self.spaces and self.spaces[-1]:
            self.spaces[-1] = False
            self.chars -= 1
            if self.text_parts and self.text_parts[-1] == " ":
                self.text_parts.pop()
            else:  # the part's own text ended in the space
                self.text_parts[-1] = self.text_parts[-1][:-1]
        doc = Doc(self.vocab, words=self.words, spaces=self.spaces)
        if self.words:
            starts = np.where(np.array(self.starts, dtype=bool), 1, -1).astype(np.int64).astype(np.uint64)
            doc.from_array([SENT_START], starts.reshape(-1, 1))
            for i in self.norm_fix:
                doc[i].norm_ = self.norms[i]
        return doc

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def paper_vocab() -> Vocab:
    """A Vocab whose default norm is the word itself (a blank one's is empty): a paper's Doc
    sets a norm only where the segmenter's token differs from the printed word."""
    return Vocab(lex_attr_getters={NORM: _same})


def _same(s: str) -> str:
    return s


def _pieces(text: str, aligned: list[tuple[int, int, str]], cuts: Sequence[int],
            fake: bool) -> tuple[list[tuple[int, int, str, bool]], list[tuple[int, int]]]:
    """Words (start, end, norm, continues the token before) and whitespace runs of one part.

    Characters the tokens leave out: whitespace between them becomes spacing, anything else (a
    dropped zero-width character, the second dash of ——) joins a neighbour."""
    spans: list[list[Any]] = [[s, e, t] for s, e, t in aligned]
    gaps: list[tuple[int, int]] = []
    pos = 0
    for i, sp in enumerate(spans):
        s = sp[0]
        if s > pos:
            gap = text[pos:s]
            lead = len(gap) - len(gap.lstrip())
            tail = len(gap) - len(gap.rstrip())
            if gap.isspace():
                gaps.append((pos, s))
            elif i == 0:
                if lead:
                    gaps.append((pos, pos + lead))
                sp[0] = pos + lead
            else:
                spans[i - 1][1] = s - tail
                if tail:
                    gaps.append((s - tail, s))
        pos = sp[1]
    if spans and pos < len(text):
        gap = text[pos:]
        if gap.isspace():
            gaps.append((pos, len(text)))
        else:
            tail = len(gap) - len(gap.rstrip())
            spans[-1][1] = len(text) - tail
            if tail:
                gaps.append((len(text) - tail, len(text)))
    elif not spans and text:
        gaps.append((0, len(text)))
    pieces: list[tuple[int, int, str, bool]] = []
    cuts_sorted = sorted(set(cuts))
    for s, e, t in spans:
        lo = bisect_right(cuts_sorted, s)
        inner = []
        while lo < len(cuts_sorted) and cuts_sorted[lo] < e:
            inner.append(cuts_sorted[lo])
            lo += 1
        if not inner:
            pieces.append((s, e, t, False))
            continue
        bounds = [s, *inner, e]
        for k in range(len(bounds) - 1):
            a, b = bounds[k], bounds[k + 1]
            # a piece's norm: its share of the token's characters (folding keeps one character
            # per character but for dash runs and dropped characters, counted with the piece)
            na = min(len(t), _norm_len(text, s, a))
            nb = len(t) if k == len(bounds) - 2 else min(len(t), _norm_len(text, s, b))
            pieces.append((a, b, text[a:b] if fake else t[na:nb], k > 0))
    return pieces, gaps


def _norm_len(text: str, s: int, a: int) -> int:
    """Characters of the folded form of ``text[s:a]`` (a token's first ``a - s`` printed
    characters), as the segmenter saw them: whitespace and dropped characters do not count."""
    norm, _idx = normalize_map(text[s:a])
    return len("".join(norm.split()))


def segment_tokens(doc: Doc | Span, joined: set[int] | None = None) -> list[str]:
    """The segment stage's tokens of a Doc or a span of it: norms, whitespace left out, a token
    split at a mention bound joined again."""
    if joined is None:
        d = doc.doc if isinstance(doc, Span) else doc
        joined = set((d.user_data.get(DATA) or {}).get("joined") or ())
    out: list[str] = []
    for t in doc:
        if t.norm_.isspace():  # whitespace the paper printed (a segment token is never blank)
            continue
        if t.i in joined and out:
            out[-1] += t.norm_
        else:
            out.append(t.norm_)
    return out
