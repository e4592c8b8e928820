"""Term mining: candidate concepts the registry does not hold yet, ranked for a human to promote.

Three detectors over normalized sentences:

* ``quoted``: coinages an author marks with quotes (“数据美元”), 2-12 characters of Han (and —);
* ``dash``: compounds X—Y between Han tokens (中心—散点, 数字—金融) in any dash variant;
* ``phrase``: runs of 2-4 adjacent content tokens that stick together more than chance (minimum
  NPMI over the run's binary splits), so 数字 / 食 / 利国 comes back as 数字食利国.

Every candidate is then counted with one Aho-Corasick pass over the corpus (all occurrences,
quoted or not) for frequency, documents, first use and an example sentence. Candidates mostly
covered by a longer one (数字食利 inside 数字食利国) are dropped. The score puts author-marked
forms first: (marked occurrences × kind weight (quoted 4, dash 4, both 6) + other occurrences),
or for a pure phrase freq × NPMI; × 0.25 when the dictionary already keeps the term whole (a
quoted 中心 is emphasis, not a coinage); × (1 + log n_docs).

Rows: ``{term, kind, freq, n_docs, first_seen, first_doc, example, known, concept, score}``;
``first_seen`` is the earliest year (None if no document has one), ``first_doc`` that document.
Promote a row by adding ``- name: TERM`` to ``configs/concepts.yaml``. The terms corpus stage
(``models/terms_stage.py``) feeds these functions from the cached per-document parts.
"""
from __future__ import annotations

import math
from bisect import bisect_right
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any

import ahocorasick
import ahocorasick_rs
import numpy as np

from pipeline.settings.fill import filled
from pipeline.text.protect import fast_normalize
from pipeline.text.registry import Registry
from pipeline.text.stopwords import is_content as is_content_token

_HAN = "\u3400-\u9fff"
_QUOTED = re.compile(rf"[“\"]([{_HAN}—·]{{2,12}})[”\"]")
_HAN_TOKEN = re.compile(rf"[{_HAN}]+")
WEIGHTS = {"quoted": 4.0, "dash": 4.0, "quoted;dash": 6.0}
DICT_FACTOR = 0.25


def _valid_quoted(term: str) -> bool:
    return not term.startswith("—") and not term.endswith("—") and "——" not in term


_PARTICLES = ("的", "之")


def _phrase_candidates(token_sents: list[list[str]], stop: frozenset[str], min_count: int,
                       min_npmi: float, max_n: int = 4) -> dict[str, float]:
    """n-grams (2..max_n) of adjacent Han content tokens with min-split NPMI ≥ ``min_npmi``.

    A run is a stretch of content tokens, with 的/之 allowed inside but never at its ends. The
    n-grams are counted with numpy over the flattened token ids (an n-gram's id is the id of its
    (n-1)-gram prefix paired with its last token), so two million tokens cost about a second, not
    a Python loop per gram; the NPMI of each frequent gram is then computed with ``math.log``
    as before, so the same floats come out. Where two grams join to one string (梳毛+工艺,
    梳+毛工艺), the one first seen later in the text wins, as when grams were counted one by one."""
    out: dict[str, float] = {}
    end = ["。"]  # ends each sentence
    tokens = list(chain.from_iterable(chain.from_iterable((toks, end) for toks in token_sents)))
    if not tokens:
        return out
    words = list(dict.fromkeys(tokens))
    flat = list(map({t: i for i, t in enumerate(words)}.__getitem__, tokens))
    del tokens
    ids = np.array(flat, dtype=np.int64)
    is_content = np.fromiter((bool(_HAN_TOKEN.fullmatch(t)) and is_content_token(t, stop) for t in words),
                             dtype=bool, count=len(words))
    is_particle = np.fromiter((t in _PARTICLES for t in words), dtype=bool, count=len(words))
    content, particle = is_content[ids], is_particle[ids]
    # segments of content tokens and particles; a run is a segment without its leading and trailing particles
    seg = np.cumsum(~(content | particle))
    n_tok = len(ids)
    pos = np.arange(n_tok)
    seen_c = np.maximum.accumulate(np.where(content, pos, -1))  # last content token at or before each position
    last_seg = np.full(seg[-1] + 2, -1, dtype=np.int64)
    np.maximum.at(last_seg, seg[content], pos[content])  # last content token of each segment
    in_run = (content | particle) & (seen_c >= 0) & (seg[np.maximum(seen_c, 0)] == seg) & (pos <= last_seg[seg])
    total = int(in_run.sum())
    if not total:
        return out
    run_id = np.where(in_run, seg, -1)
    by_n: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]  # by_n[n][i]: id of the n-gram starting at i (-1: none)
    counts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    first: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    prev = np.where(in_run, ids, -1)
    for n in range(1, max_n + 1):
        if n > 1:
            ok = np.zeros(n_tok, dtype=bool)
            ok[: n_tok - n + 1] = (by_n[n - 1][: n_tok - n + 1] >= 0) & in_run[n - 1:] & (run_id[: n_tok - n + 1] == run_id[n - 1:])
            key = np.full(n_tok, -1, dtype=np.int64)
            key[: n_tok - n + 1] = by_n[n - 1][: n_tok - n + 1] * len(words) + ids[n - 1:]
            prev = np.where(ok, key, -1)
        valid = prev >= 0
        uniq, first_at, inverse, cnt = np.unique(prev[valid], return_index=True, return_inverse=True,
                                                 return_counts=True)
        gid = np.full(n_tok, -1, dtype=np.int64)
        gid[valid] = inverse
        by_n.append(gid)
        counts.append(cnt)
        first.append(np.flatnonzero(valid)[first_at])
    log_total = math.log(total)
    best: dict[str, tuple[tuple[int, int, int], float]] = {}
    for n in range(2, max_n + 1):
        frequent = np.flatnonzero(counts[n] >= min_count)
        starts = first[n][frequent]
        keep = ~is_particle[ids[starts]]
        frequent, starts = frequent[keep], starts[keep]
        c = counts[n][frequent]
        sides = [(counts[k][by_n[k][starts]], counts[n - k][by_n[n - k][starts + k]]) for k in range(1, n)]
        # numpy's log may differ from math.log in the last bit: it only picks the grams near or above
        # the threshold, whose NPMI is then computed exactly as before
        with np.errstate(divide="ignore", invalid="ignore"):
            logp = np.log(c) - log_total
            rough = np.min([(logp - (np.log(a) - log_total) - (np.log(b) - log_total)) / -logp for a, b in sides], axis=0)
            rough = np.where(logp < 0, rough, 1.0)
        near = np.flatnonzero(rough >= min_npmi - 1e-9)
        c_l = c[near].tolist()
        side_l = [(a[near].tolist(), b[near].tolist()) for a, b in sides]
        for j, p in enumerate(starts[near].tolist()):
            lp = math.log(c_l[j]) - log_total
            npmi = min(
                (lp - (math.log(a[j]) - log_total) - (math.log(b[j]) - log_total)) / -lp if lp < 0 else 1.0
                for a, b in side_l
            )
            if npmi >= min_npmi:
                term = "".join(words[i] for i in flat[p:p + n])
                order = (int(run_id[p]), n, p)  # where counting gram by gram first met it
                if term not in best or best[term][0] < order:
                    best[term] = (order, npmi)
    return {term: npmi for term, (_order, npmi) in best.items()}


def doc_marks(norm_sents: list[str], token_sents: list[list[str]], stop: frozenset[str]
              ) -> tuple[dict[str, set[str]], Counter[str]]:
    """Author-marked candidates of one document: quoted coinages and X—Y dash compounds, with
    how often each is marked. ``token_sents`` align with ``norm_sents`` (segmented the same way)."""
    kinds: dict[str, set[str]] = defaultdict(set)
    marked: Counter[str] = Counter()
    for norm, toks in zip(norm_sents, token_sents):
        for m in _QUOTED.finditer(norm):
            if _valid_quoted(m.group(1)):
                kinds[m.group(1)].add("quoted")
                marked[m.group(1)] += 1
                if "—" in m.group(1):
                    kinds[m.group(1)].add("dash")
        for i in range(1, len(toks) - 1):
            if toks[i] == "—" and _HAN_TOKEN.fullmatch(toks[i - 1]) and _HAN_TOKEN.fullmatch(toks[i + 1]):
                left, right = toks[i - 1], toks[i + 1]
                if left not in stop and right not in stop and len(left) <= 4 and len(right) <= 4:
                    kinds[f"{left}—{right}"].add("dash")
                    if f"“{left}—{right}”" not in norm:  # quoted ones were counted above
                        marked[f"{left}—{right}"] += 1
    return kinds, marked


KIND_BITS = {"quoted": 1, "dash": 2, "phrase": 4}
_NO_YEAR = 10**6  # the year key of a document without a year: after every dated one
# A document text longer than this is matched streaming (``TermCounter._streamed``): memory, not
# results, is what it changes.
STREAM_CHARS = 1_000_000
# An update's text longer than this is counted with the automaton (built in 0.3 s for 107,000
# candidates), not by looking its substrings up: those are held at once, about two a character
# (30 MB at this length).
FEW_CHARS = 200_000


@dataclass
class TermState:
    """Every candidate of a terms result with its counts, as parallel numpy arrays sorted by term.

    Arrays, not dicts of tuples: a corpus has a hundred thousand candidates and more, which a
    stored result then writes and ``--update`` reads as a few ``.npy`` files instead of a JSON
    object graph. ``first_*`` is the first use (earliest year, then document id, then the
    sentence index); ``dict_word`` is -1 where the dictionary was not asked."""
    terms: np.ndarray  # str
    kind_bits: np.ndarray  # int8: quoted 1, dash 2, phrase 4
    marked: np.ndarray  # int64: author-marked occurrences
    npmi: np.ndarray  # float64 (0 where not a phrase)
    freq: np.ndarray  # int64
    n_docs: np.ndarray  # int64
    first_year: np.ndarray  # int64 (_NO_YEAR: undated)
    first_doc: np.ndarray  # str ('' while unseen)
    first_k: np.ndarray  # int64 (-1 while unseen)
    dict_word: np.ndarray  # int8: 1 kept whole by the segmenter's dictionary, 0 not, -1 not asked

    @classmethod
    def new(cls, kinds: dict[str, set[str]], marked: Counter[str], npmi: dict[str, float]) -> "TermState":
        terms = sorted(kinds)
        n = len(terms)
        return cls(np.array(terms, dtype=str) if terms else np.zeros(0, dtype="<U1"),
                   np.fromiter((sum(KIND_BITS[k] for k in kinds[t]) for t in terms), dtype=np.int8, count=n),
                   np.fromiter((marked.get(t, 0) for t in terms), dtype=np.int64, count=n),
                   np.fromiter((npmi.get(t, 0.0) for t in terms), dtype=np.float64, count=n),
                   np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, _NO_YEAR, dtype=np.int64),
                   np.zeros(n, dtype="<U1"), np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int8))

    def to_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TermState":
        n = len(d["terms"])
        # a state stored before ``dict_word``: nothing asked yet
        return cls(**{f.name: np.asarray(d[f.name]) if f.name in d else np.full(n, -1, dtype=np.int8)
                      for f in fields(cls)})

    def index_of(self, term: str) -> int | None:
        """Where ``term`` is among the (sorted) terms, or None."""
        i = int(np.searchsorted(self.terms, term)) if len(self.terms) else 0
        return i if i < len(self.terms) and self.terms[i] == term else None

    def merged(self, kinds: dict[str, set[str]], marked: Counter[str]) -> "TermState":
        """This state with new documents' marked candidates joined (new terms start uncounted).

        The terms are kept sorted, so a new document's few candidates are found and placed by
        bisection: no dict of every term and no sort of them all on each ``--update`` (a hundred
        thousand at 1,000 papers). A state whose terms are not sorted is merged by a sort."""
        terms = self.terms
        if len(terms) > 1 and not bool(np.all(terms[1:] > terms[:-1])):
            return self._merged_by_sort(kinds, marked)
        asked = list(kinds)
        at = np.searchsorted(terms, asked).tolist() if asked and len(terms) else [0] * len(asked)
        known = {t: i for t, i in zip(asked, at) if i < len(terms) and terms[i] == t}
        fresh = sorted(t for t in asked if t not in known)
        kind_bits, marks = self.kind_bits.copy(), self.marked.copy()
        for t, i in known.items():
            kind_bits[i] |= sum(KIND_BITS[k] for k in kinds[t])
            marks[i] += marked.get(t, 0)
        out = TermState(*(getattr(self, f.name) for f in fields(self)))
        out.kind_bits, out.marked = kind_bits, marks
        if not fresh:
            return TermState(*(getattr(out, f.name).copy() for f in fields(out)))
        add = TermState.new({t: kinds[t] for t in fresh}, marked, {})
        where = np.searchsorted(terms, fresh)

        def put(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # a longer new term widens the text dtype
            dt = np.promote_types(a.dtype, b.dtype)
            return np.insert(a.astype(dt, copy=False), where, b.astype(dt, copy=False))

        return TermState(*(put(getattr(out, f.name), getattr(add, f.name)) for f in fields(out)))

    def _merged_by_sort(self, kinds: dict[str, set[str]], marked: Counter[str]) -> "TermState":
        index = {t: i for i, t in enumerate(self.terms.tolist())}
        fresh = sorted(t for t in kinds if t not in index)
        add = TermState.new({t: kinds[t] for t in fresh}, marked, {})
        out = TermState(*(np.concatenate([getattr(self, f.name), getattr(add, f.name)]) for f in fields(self)))
        for t, ks in kinds.items():
            if t in index:
                i = index[t]
                out.kind_bits[i] |= sum(KIND_BITS[k] for k in ks)
                out.marked[i] += marked.get(t, 0)
        order = np.argsort(out.terms, kind="stable")
        return TermState(*(getattr(out, f.name)[order] for f in fields(out)))

    def kinds_of(self, i: int) -> str:
        b = int(self.kind_bits[i])
        return ";".join(k for k in ("quoted", "dash", "phrase") if b & KIND_BITS[k])


class TermCounter:
    """Counts a state's candidates over normalized texts, one document at a time: one
    Aho-Corasick pass over the document's texts joined by newlines (no candidate holds one), the
    matches summed with numpy. Frequency, documents, and the first use (earliest year, then
    document id) with the index of the text it is in."""

    def __init__(self, state: TermState, few: bool = False) -> None:
        self.state = state
        self._first_doc = _FirstDocs(state.first_doc)  # written back by done()
        self.empty = len(state.terms) == 0
        self.few = few
        # A refit adds the documents in ascending id order to a state with no first uses: a
        # candidate's first use then always belongs to a document added before, of a smaller
        # id, and a tie of years never needs the ids compared (2.8 million comparisons, 4.6 s
        # under cProfile, at 10,000 papers). Once a document comes out of order, or the state
        # held first uses already (an update), every tie is compared.
        self._ascending = not bool((state.first_k >= 0).any())
        self._last_doc = ""
        self._terms: list[str] = [] if few else state.terms.tolist()
        if few:
            self._few_index(state.terms)
        # ahocorasick_rs's contiguous NFA, every overlapping match: the same candidate ids in
        # the same order as pyahocorasick's ``iter``, in 2.0 s where that took 4.8-5.7 s for the
        # 3.6 million matches of 107,000 candidates in a 1,000-paper corpus.
        self.auto = None
        self._streaming: Any = None  # pyahocorasick's automaton, for texts over STREAM_CHARS
        if not few and not self.empty:
            self._automaton()

    def _automaton(self) -> None:
        self.auto = ahocorasick_rs.AhoCorasick(
            self._terms, matchkind=ahocorasick_rs.MatchKind.Standard,
            implementation=ahocorasick_rs.Implementation.ContiguousNFA)

    def _few_index(self, terms: np.ndarray) -> None:
        """``few`` documents (an --update): a paper's substrings are looked up among the sorted
        candidates (numpy's binary search), rather than an automaton of a hundred thousand of
        them built for one paper's text, or a dict of them (0.1 s to build, and 0.11 s for the
        200,000 lookups of a 30 KB paper). Only positions where some candidate starts with the
        text's two characters are looked up: about a quarter of a paper's."""
        if len(terms) > 1 and not bool(np.all(terms[1:] > terms[:-1])):
            self._order: np.ndarray | None = np.argsort(terms, kind="stable")
            self._sorted = terms[self._order]
        else:  # the state keeps its terms sorted (TermState.merged)
            self._order, self._sorted = None, terms
        width = max(terms.dtype.itemsize // 4, 1)  # the longest candidate's length at most
        # a candidate of one character (or none) has no two-character head: every position is tried
        self._short = bool(len(terms)) and bool((terms.astype("<U1") == terms).any())
        self._width = width
        self.longest: dict[str, int] = {}  # two-character head -> its longest candidate's length
        if not self._short and len(terms):
            cand = self._sorted
            # lengths from the code points, up to the last that is not NUL (numpy pads with
            # them): np.char.str_len took 0.05 s
            held = cand.view(np.uint32).reshape(len(cand), width) != 0
            lens = np.where(held.any(axis=1), width - np.argmax(held[:, ::-1], axis=1), 0)
            heads = cand.astype("<U2")  # sorted, as the candidates are: a head's candidates are one run
            first = np.concatenate([[0], np.flatnonzero(heads[1:] != heads[:-1]) + 1])
            self.longest = dict(zip(heads[first].tolist(), np.maximum.reduceat(lens, first).tolist()))

    def _matches(self, text: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Candidate ids of every occurrence in ``text`` (overlapping ones too), and where each
        starts when the automaton found them (None from the lookups of a few documents)."""
        if not self.few or len(text) > FEW_CHARS:
            if not self._terms:  # a long text in an update: counted as a refit counts it
                self._terms = self.state.terms.tolist()
            if len(text) > STREAM_CHARS:
                return self._streamed(text)
            if self.auto is None:
                self._automaton()
            found = self.auto.find_matches_as_indexes(text, overlapping=True)  # (id, start, end)
            n = len(found)
            return (np.fromiter(map(itemgetter(0), found), dtype=np.int64, count=n),
                    np.fromiter(map(itemgetter(1), found), dtype=np.int64, count=n))
        end, longest = len(text), self.longest
        if self._short:
            subs = [text[p:p + n] for p in range(end) for n in range(1, min(self._width, end - p) + 1)]
        else:
            subs = [text[p:p + n] for p in range(end - 1) if (m := longest.get(text[p:p + 2]))
                    for n in range(2, min(m, end - p) + 1)]
        if not subs:
            return np.zeros(0, dtype=np.int64), None
        cand = self._sorted
        asked = np.array(subs, dtype=cand.dtype)  # no longer than a candidate: nothing is cut
        at = np.minimum(np.searchsorted(cand, asked), len(cand) - 1)
        # numpy's fixed-width strings drop trailing NULs: a hit is confirmed as Python strings
        hit = np.flatnonzero(cand[at] == asked).tolist()
        ids = [i for h in hit if subs[h] == str(cand[i := int(at[h])])]
        out = np.array(ids, dtype=np.int64)
        return (out if self._order is None else self._order[out].astype(np.int64)), None

    def _streamed(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_matches` of a very long text, streamed into numpy: ahocorasick_rs returns a
        text's matches as one list of tuples (over 100 bytes each), and a 15 MB line of one
        concept has millions. pyahocorasick yields (end, id) one at a time; the same matches
        in the same order."""
        if self._streaming is None:
            auto = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for i, term in enumerate(self._terms):
                auto.add_word(term, i)
            auto.make_automaton()
            self._streaming = (auto, np.fromiter(map(len, self._terms), dtype=np.int64, count=len(self._terms)))
        auto, lengths = self._streaming
        pairs = np.fromiter(chain.from_iterable(auto.iter(text)), dtype=np.int64).reshape(-1, 2)
        ids = pairs[:, 1].copy()
        return ids, pairs[:, 0] - lengths[ids] + 1

    def add(self, doc_id: str, year: Any, norm_sents: list[str]) -> None:
        if self.empty:
            return
        text = "\n".join(norm_sents)
        ids, at = self._matches(text)
        if not len(ids):
            return
        st = self.state
        st.freq += np.bincount(ids, minlength=len(st.terms))
        uniq, first = np.unique(ids, return_index=True)
        st.n_docs[uniq] += 1
        y = year if isinstance(year, int) else _NO_YEAR
        fy = st.first_year[uniq]
        earlier = (st.first_k[uniq] < 0) | (y < fy)
        # the document id breaks a tie of years: compared only where the years tie
        self._ascending = self._ascending and doc_id > self._last_doc
        self._last_doc = doc_id
        tie = np.flatnonzero((y == fy) & ~earlier) if not self._ascending else ()
        if len(tie):
            earlier[tie] = np.fromiter((doc_id < self._first_doc[i] for i in uniq[tie].tolist()), dtype=bool,
                                       count=len(tie))
        which = np.flatnonzero(earlier)
        if not len(which):
            return
        # Where the first use is, asked only of the terms this document is now the first use of
        # (all of them in the first document, few later). A candidate's matches come in the
        # order of their ends, and so of their starts (its length is fixed): its first match
        # is its first occurrence, what ``text.find`` would scan the text again for.
        starts = list(accumulate((len(t) + 1 for t in norm_sents), initial=0))
        now = uniq[which].tolist()
        where = at[first[which]].tolist() if at is not None else [text.find(str(self.state.terms[i])) for i in now]
        for i, a in zip(now, where):
            self._first_doc[i] = doc_id
            st.first_year[i] = y
            st.first_k[i] = bisect_right(starts, a) - 1

    def done(self) -> TermState:
        self.state.first_doc = self._first_doc.array()
        return self.state


class _FirstDocs:
    """The first document of each candidate: the state's array, read where nothing was set and
    written back by :meth:`array` where something was. Why not a list of them all: an
    ``--update`` of one paper sets a few hundred of 107,000, and the list there and back was
    0.03 s of it."""

    def __init__(self, first_doc: np.ndarray) -> None:
        self.first_doc, self.changed = first_doc, {}

    def __getitem__(self, i: int) -> str:
        d = self.changed.get(i)
        return str(self.first_doc[i]) if d is None else d

    def __setitem__(self, i: int, doc_id: str) -> None:
        self.changed[i] = doc_id

    def array(self) -> np.ndarray:
        if not self.changed:
            return self.first_doc
        at = np.fromiter(self.changed, dtype=np.int64, count=len(self.changed))
        new = np.array(list(self.changed.values()), dtype=str)
        out = self.first_doc.astype(np.promote_types(self.first_doc.dtype, new.dtype))  # a copy: the state's own
        out[at] = new
        return out


def rank_candidates(state: TermState, has_word: Any, registry: Registry, min_count: int, fragment_share: float,
                    top: int, example_of: Any) -> list[dict[str, Any]]:
    """Score and rank counted candidates (see the module doc); ``example_of([(doc_id, k), ...])``
    gives the original text of text k of each document (one call: it may read the store).

    Candidates are visited in the order of a bound on their score (numpy, the dictionary factor
    not applied, a margin above rounding), and only until no candidate left can reach the top:
    only those visited are checked for being a fragment, asked of the dictionary and scored
    exactly (in Python floats, as before). The same rows as scoring every candidate, for a few
    hundred checks instead of one per candidate (a hundred thousand and more). The registry is
    looked up for the rows shown only."""
    f_all, n_all = state.freq, state.n_docs
    q_all = np.minimum(state.marked, f_all)
    ok = np.flatnonzero(f_all >= np.where(q_all > 0, 1, min_count))
    terms = state.terms[ok].tolist()
    freqs = f_all[ok].tolist()
    bits = state.kind_bits[ok].astype(np.int64)
    phrase_only = (bits == KIND_BITS["phrase"]).tolist()
    w_of_bits = np.array([WEIGHTS.get(";".join(k for k in ("quoted", "dash") if b & KIND_BITS[k]), 1.0) for b in range(4)])
    f, q = f_all[ok].astype(np.float64), q_all[ok].astype(np.float64)
    rough = np.where(q > 0, q * w_of_bits[bits & 3] + (f - q), f * state.npmi[ok])
    bound = np.maximum(rough, rough * DICT_FACTOR) * (1 + np.log(np.maximum(n_all[ok], 1)))
    bound = bound + np.abs(bound) * 1e-9 + 1e-4  # above the exact score, whatever the last bit and the rounding
    order = np.argsort(-bound, kind="stable").tolist()
    is_fragment = _fragments(terms, freqs, fragment_share)
    scored: list[tuple[tuple[float, int, str], int]] = []
    for at, j in enumerate(order):
        if len(scored) >= top and at % 64 == 0:
            scored.sort()
            del scored[top:]
            if -scored[-1][0][0] > bound[j]:  # no candidate left can reach the top
                break
        if phrase_only[j] and is_fragment(j):
            continue
        i = int(ok[j])
        term, fr, qi, b = terms[j], freqs[j], int(q_all[i]), int(bits[j])
        w_mark = WEIGHTS.get(";".join(k for k in ("quoted", "dash") if b & KIND_BITS[k]), 1.0)
        # marked occurrences weigh w_mark, the others 1; a pure phrase weighs its NPMI
        mass = qi * w_mark + (fr - qi) if qi else fr * float(state.npmi[i])
        if has_word(term):  # the dictionary already keeps it whole: not a new word
            mass *= DICT_FACTOR
        scored.append(((-round(mass * (1 + math.log(int(n_all[i]))), 4), -fr, term), i))
    scored.sort()
    rows = []
    for (neg_score, _f, term), i in scored[:top]:
        year = int(state.first_year[i])
        rows.append({
            "term": term, "kind": state.kinds_of(i), "freq": int(state.freq[i]), "n_docs": int(n_all[i]),
            "first_seen": year if year != _NO_YEAR else None, "first_doc": str(state.first_doc[i]),
            "example": (str(state.first_doc[i]), int(state.first_k[i])), "known": registry.lookup(term) is not None,
            "concept": registry.lookup(term), "score": -neg_score,
        })
    texts = example_of([r["example"] for r in rows])
    for r, text in zip(rows, texts):
        r["example"] = _shorten(text, r["term"])
    return rows


def term_settings(cfg: dict | None) -> tuple[int, float, float]:
    """(min_count, min_npmi, fragment_share) from the ``terms`` section (or the top level)."""
    cfg = cfg or {}
    tcfg = filled(cfg["terms"] if isinstance(cfg.get("terms"), dict) else cfg, "terms")
    return int(tcfg["min_count"]), float(tcfg["min_npmi"]), float(tcfg["fragment_share"])


def _fragments(terms: list[str], freqs: list[int], share: float) -> Any:
    """``is_fragment(j)``: whether candidate j's occurrences mostly sit inside one longer candidate
    (数字食利 ⊂ 数字食利国): some other candidate holding it is used at least ``share`` × as often.

    Asked of the few candidates ranking visits, by searching one newline-joined string of all
    candidates (C-speed ``str.find``), instead of finding every containment among all of them.
    The string holds the candidates heaviest first, so only its head, the candidates heavy
    enough to count, is searched: searching all of it (1.5 MB at 1,000 papers) for each term
    was most of ranking, since a term that is no fragment is looked for to the end."""
    by_use = np.argsort(-np.asarray(freqs, dtype=np.int64), kind="stable")
    lighter = (-np.asarray(freqs, dtype=np.int64)[by_use]).tolist()  # ascending: where they get too light
    order: list[int] = []
    starts = [0]
    joined = [""]  # the first len(order) candidates, heaviest first, each followed by a newline

    def head(n: int) -> str:
        """The joined head of the ``n`` heaviest candidates: made as far as asked (twice as far
        each time), since ranking checks a few hundred heavy candidates, whose heavier ones are
        a small head of all (joining all 107,000 at 1,000 papers was 0.1 s of every update)."""
        if n > len(order):
            more = by_use[len(order):max(n, 2 * len(order), 1024)].tolist()
            order.extend(more)
            base = starts[-1]
            starts.extend(base + a for a in accumulate(len(terms[h]) + 1 for h in more))
            joined[0] += "".join(terms[h] + "\n" for h in more)
        return joined[0]

    def is_fragment(j: int) -> bool:
        term = terms[j]
        count = bisect_right(lighter, -share * freqs[j])  # every candidate used >= share × j
        text = head(count)
        end = starts[count]
        at = text.find(term, 0, end)
        while at >= 0:
            if order[bisect_right(starts, at) - 1] != j:
                return True
            at = text.find(term, at + 1, end)
        return False
    return is_fragment


def _shorten(sentence: str, term: str, width: int = 60) -> str:
    norm = fast_normalize(sentence)
    at = norm.find(term)
    if len(sentence) <= 2 * width or at < 0 or len(norm) != len(sentence):
        return sentence[: 4 * width]
    return sentence[max(0, at - width): at + len(term) + width]
