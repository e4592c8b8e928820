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
import re
from collections import Counter, defaultdict
from typing import Any

import ahocorasick

from pipeline.settings.model import filled
from pipeline.text.protect import fast_normalize
from pipeline.text.registry import Registry
from pipeline.text.stopwords import is_content

_HAN = "\u3400-\u9fff"
_QUOTED = re.compile(rf"[“\"]([{_HAN}—·]{{2,12}})[”\"]")
_HAN_TOKEN = re.compile(rf"[{_HAN}]+")
WEIGHTS = {"quoted": 4.0, "dash": 4.0, "quoted;dash": 6.0}
DICT_FACTOR = 0.25


def _valid_quoted(term: str) -> bool:
    return not term.startswith("—") and not term.endswith("—") and "——" not in term


def _phrase_candidates(token_sents: list[list[str]], stop: frozenset[str], min_count: int,
                       min_npmi: float, max_n: int = 4) -> dict[str, float]:
    """n-grams (2..max_n) of adjacent Han content tokens with min-split NPMI ≥ ``min_npmi``."""
    counts: Counter[tuple[str, ...]] = Counter()
    total = 0
    for toks in token_sents:
        run: list[str] = []
        for t in toks + ["。"]:  # sentinel closes the last run
            if _HAN_TOKEN.fullmatch(t) and is_content(t, stop) or (run and t in ("的", "之")):
                run.append(t)
                continue
            while run and run[-1] in ("的", "之"):  # a run never ends on a particle
                run.pop()
            total += len(run)
            for n in range(1, max_n + 1):
                for i in range(len(run) - n + 1):
                    counts[tuple(run[i:i + n])] += 1
            run = []
    out: dict[str, float] = {}
    if not total:
        return out
    log_total = math.log(total)
    for gram, c in counts.items():
        if len(gram) < 2 or c < min_count or gram[0] in ("的", "之"):
            continue
        logp = math.log(c) - log_total
        npmi = min(
            (logp - (math.log(counts[gram[:k]]) - log_total) - (math.log(counts[gram[k:]]) - log_total))
            / -logp if logp < 0 else 1.0
            for k in range(1, len(gram))
        )
        if npmi >= min_npmi:
            out["".join(gram)] = npmi
    return out


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


class TermCounter:
    """Counts candidate terms over normalized sentences, one document at a time (Aho-Corasick):
    frequency, documents, and the first use (earliest year, then document id) with where it is."""

    def __init__(self, terms: list[str]) -> None:
        self.auto = ahocorasick.Automaton()
        for term in terms:
            self.auto.add_word(term, term)
        self.empty = not terms
        if not self.empty:
            self.auto.make_automaton()
        self.freq: Counter[str] = Counter()
        self.n_docs: Counter[str] = Counter()
        self.first: dict[str, tuple[int, str, int]] = {}  # term -> (year key, doc_id, sentence index)

    def add(self, doc_id: str, year: Any, norm_sents: list[str]) -> None:
        if self.empty:
            return
        key = (year if isinstance(year, int) else 10**6, doc_id)
        seen: dict[str, int] = {}  # term -> its first sentence in this document
        freq = self.freq
        for k, norm in enumerate(norm_sents):
            if not norm:
                continue
            for _, term in self.auto.iter(norm):
                freq[term] += 1
                if term not in seen:
                    seen[term] = k
        for term, k in seen.items():
            self.n_docs[term] += 1
            f = self.first.get(term)
            if f is None or key < f[:2]:
                self.first[term] = (*key, k)


def rank_candidates(kinds: dict[str, set[str]], marked: Counter[str], npmi: dict[str, float], counts: TermCounter,
                    has_word: Any, registry: Registry, min_count: int, fragment_share: float, top: int,
                    example_of: Any) -> list[dict[str, Any]]:
    """Score and rank counted candidates (see the module doc); ``example_of([(doc_id, k), ...])``
    gives the original text of sentence k of each document (one call: it may read the store)."""
    rows = []
    for term, ks in kinds.items():
        f = counts.freq[term]
        kind = ";".join(k for k in ("quoted", "dash", "phrase") if k in ks)
        q = min(marked[term], f)
        if f < (1 if q else min_count):
            continue
        w_mark = WEIGHTS.get(";".join(k for k in ("quoted", "dash") if k in ks), 1.0)
        # marked occurrences weigh w_mark, the others 1; a pure phrase weighs its NPMI
        mass = q * w_mark + (f - q) if q else f * npmi.get(term, 0.0)
        if has_word(term):  # the dictionary already keeps it whole: not a new word
            mass *= DICT_FACTOR
        n_docs = counts.n_docs[term]
        year, doc_id, k = counts.first[term]
        rows.append({
            "term": term, "kind": kind, "freq": f, "n_docs": n_docs,
            "first_seen": year if year != 10**6 else None, "first_doc": doc_id,
            "example": (doc_id, k), "known": registry.lookup(term) is not None, "concept": registry.lookup(term),
            "score": round(mass * (1 + math.log(n_docs)), 4),
        })
    rows = _drop_fragments(rows, fragment_share)
    rows.sort(key=lambda r: (-r["score"], -r["freq"], r["term"]))
    rows = rows[:top]
    texts = example_of([r["example"] for r in rows])
    for r, text in zip(rows, texts):
        r["example"] = _shorten(text, r["term"])
    return rows


def term_settings(cfg: dict | None) -> tuple[int, float, float]:
    """(min_count, min_npmi, fragment_share) from the ``terms`` section (or the top level)."""
    cfg = cfg or {}
    tcfg = filled(cfg["terms"] if isinstance(cfg.get("terms"), dict) else cfg, "terms")
    return int(tcfg["min_count"]), float(tcfg["min_npmi"]), float(tcfg["fragment_share"])


def _drop_fragments(rows: list[dict], share: float) -> list[dict]:
    """Drop a phrase whose occurrences mostly sit inside one longer candidate (数字食利 ⊂ 数字食利国).

    One Aho-Corasick pass over the candidates themselves finds which candidates each one
    contains, so the check costs the containments that exist, not every substring of every
    candidate (tens of thousands of candidates on a large corpus).
    """
    freq = {r["term"]: r["freq"] for r in rows}
    auto = ahocorasick.Automaton()
    for t in freq:
        auto.add_word(t, t)
    auto.make_automaton()
    best_host: dict[str, int] = {}  # term -> highest frequency of a longer candidate holding it
    for host, f in freq.items():
        for _end, inner in auto.iter(host):
            if len(inner) < len(host) and f > best_host.get(inner, -1):
                best_host[inner] = f
    return [r for r in rows
            if not (r["kind"] == "phrase" and best_host.get(r["term"], -1) >= share * r["freq"])]


def _shorten(sentence: str, term: str, width: int = 60) -> str:
    norm = fast_normalize(sentence)
    at = norm.find(term)
    if len(sentence) <= 2 * width or at < 0 or len(norm) != len(sentence):
        return sentence[: 4 * width]
    return sentence[max(0, at - width): at + len(term) + width]
