"""Page footnotes: recognising footnote lines and body markers, and linking markers to notes.

Markers restart at ① on every printed page, so a marker's number alone does not say which
note it means. Two signals do: the *layout* (a page's notes are printed after its body text,
so a marker points to the first footnote block that follows it) and the *sequence* (on one
page markers run ①②③…, so a number that does not grow starts a new page). Layout alone fails
when an extractor prints a page's notes before its last body lines; sequence alone fails
when a marker is lost. :func:`link_markers` aligns marker runs to footnote pages with a small
dynamic programme that scores both, so either signal can outvote the other's damage.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.circled import CIRCLED_VALUE as _CIRCLED_VALUE
from .sentences import CIRCLED

_C = re.escape(CIRCLED)
# A footnote line: optional ^ (superscript left by the extractor), a circled numeral, the text.
# ``^[3]`` / ``[3]`` numeric notes are accepted only with the caret or when the caller allows it.
FOOTNOTE_LINE = re.compile(rf"^\s*\^?\s*([{_C}])\s*(.*)$")
NUMERIC_FOOTNOTE_LINE = re.compile(r"^\s*\^\s*\[(\d{1,3})\]\s*(.+)$")
BARE_NUMERIC_FOOTNOTE_LINE = re.compile(r"^\s*\[(\d{1,3})\]\s*(.+)$")
FUNDING_LINE = re.compile(r"^\s*[*＊※]\s*(.+)$")

# Body markers. A bare circled numeral right after ：；，、 or at a line start is an enumeration
# (①提高…；②加强…), not a note call, so it is left in the text.
MARKER = re.compile(rf"\^\s*([{_C}])|\^\s*\[(\d{{1,3}})\]|([{_C}])")
BARE_NUMERIC_MARKER = re.compile(r"\[(\d{1,3})\]")
_ENUM_BEFORE = set("：:；;，,、")

# What a wrapped footnote's first line does not end with.
_NOTE_END = re.compile(r"[。.．!?！？)）>》”\"]\s*$")


def circled_value(ch: str) -> int:
    return _CIRCLED_VALUE[ch]


@dataclass
class NoteLine:
    number: int
    marker: str  # as printed: ① or [3]
    text: str


def match_footnote_line(line: str, numeric_bare: bool = False) -> NoteLine | None:
    """The footnote a line starts, or None."""
    m = FOOTNOTE_LINE.match(line)
    if m and m.group(2).strip():
        return NoteLine(circled_value(m.group(1)), m.group(1), m.group(2).strip())
    m = NUMERIC_FOOTNOTE_LINE.match(line) or (BARE_NUMERIC_FOOTNOTE_LINE.match(line) if numeric_bare else None)
    if m:
        return NoteLine(int(m.group(1)), f"[{m.group(1)}]", m.group(2).strip())
    return None


def note_is_open(text: str) -> bool:
    """A note whose text stops mid-sentence continues on the next line."""
    return not _NOTE_END.search(text)


@dataclass
class Marker:
    number: int
    printed: str
    layout_page: int  # index of the first footnote page printed after the marker
    n: int | None = None  # running number of the linked note, once linked


def find_markers(text: str, numeric_bare: bool = False) -> list[tuple[int, int, int, str]]:
    """Note calls in a body line: (start, end, number, printed) for each, in order."""
    out: list[tuple[int, int, int, str]] = []
    for m in MARKER.finditer(text):
        if m.group(1):
            out.append((m.start(), m.end(), circled_value(m.group(1)), m.group(1)))
        elif m.group(2):
            out.append((m.start(), m.end(), int(m.group(2)), f"[{m.group(2)}]"))
        else:
            ch = m.group(3)
            prev = text[: m.start()].rstrip()
            if not prev or prev[-1] in _ENUM_BEFORE or prev[-1] in CIRCLED:
                continue
            out.append((m.start(), m.end(), circled_value(ch), ch))
    if numeric_bare:
        taken = [(s, e) for s, e, _, _ in out]
        for m in BARE_NUMERIC_MARKER.finditer(text):
            if not any(s <= m.start() < e for s, e in taken):
                out.append((m.start(), m.end(), int(m.group(1)), f"[{m.group(1)}]"))
        out.sort()
    return out


@dataclass
class FootPage:
    """The notes printed on one page: number → running number."""

    notes: dict[int, int] = field(default_factory=dict)


# Costs of the alignment; only their order matters (see link_markers).
_MISSING = 4.0  # marker number absent from the page
_SKIP_MARKER = 6.0  # leave a marker unlinked
_UNUSED_NOTE = 2.0  # a note nobody cites (rare: a lost marker)
_REPEAT = 3.0  # a second marker run on the same page (a stray numeral)


def _layout_cost(layout: int, page: int) -> float:
    d = layout - page
    if d == 0:
        return 0.0
    if d == 1:  # the page's notes were printed before its last body lines
        return 1.0
    if d == -1:  # the page's notes were printed after the next page's first lines
        return 2.0
    return 4.0 * abs(d)


def _runs(markers: list[Marker]) -> list[list[int]]:
    """Split markers into runs where the number stops growing (a new page starts)."""
    runs: list[list[int]] = []
    prev = None
    for i, m in enumerate(markers):
        if prev is None or m.number <= prev:
            runs.append([])
        runs[-1].append(i)
        prev = m.number
    return runs


def link_markers(markers: list[Marker], pages: list[FootPage]) -> list[str]:
    """Set ``Marker.n`` for every marker that can be linked; returns warnings."""
    warnings: list[str] = []
    if not markers:
        return warnings
    if not pages:
        return [f"{len(markers)} note markers in the body but no footnotes"]
    seen: set[int] = set()
    unique = True
    for p in pages:
        for k in p.notes:
            unique &= k not in seen
            seen.add(k)
    if unique:
        # Running numbering over the paper (or a single page of notes): the number decides.
        by_number = {k: n for p in pages for k, n in p.notes.items()}
        for m in markers:
            m.n = by_number.get(m.number)
    else:
        _align(markers, pages)
    lost = [m.printed for m in markers if m.n is None]
    if lost:
        warnings.append(f"{len(lost)} note markers could not be linked to a footnote: {''.join(lost)}")
    cited = {m.n for m in markers}
    uncited = [n for p in pages for n in p.notes.values() if n not in cited]
    if uncited:
        warnings.append(f"{len(uncited)} footnotes are not cited in the body: n={uncited[:10]}")
    return warnings


# Pages a run of markers may link to: this many either side of the pages its markers sit on.
# Further away, each marker costs at least 4 x (_BAND + 1) = 16 against 6 for leaving it
# unlinked; searching every page for every run made a paper of 5,000 notes cubic.
_BAND = 3


class _PrefixMin:
    """Minimum (value, index) over indices below t (a Fenwick tree); values are only lowered."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.tree = [(float("inf"), n)] * (n + 1)

    def lower(self, i: int, value: float) -> None:
        x, i = (value, i), i + 1
        while i <= self.n:
            if x < self.tree[i]:
                self.tree[i] = x
            i += i & -i

    def below(self, t: int) -> tuple[float, int]:
        best = (float("inf"), self.n)
        while t > 0:
            if self.tree[t] < best:
                best = self.tree[t]
            t -= t & -t
        return best


def _run_costs(run: list[Marker], pages: list[FootPage]) -> dict[int, float]:
    """Cost of linking a run to each page near its markers' layout pages (see ``_BAND``)."""
    from collections import Counter

    n_pages = len(pages)
    numbers = Counter(m.number for m in run)
    layouts = [min(m.layout_page, n_pages - 1) for m in run]
    near = sorted({p for lp in layouts for p in range(max(0, lp - _BAND), min(n_pages, lp + _BAND + 1))})
    out = {}
    for p in near:
        cited = sum(numbers[k] for k in pages[p].notes if k in numbers)
        out[p] = sum(_layout_cost(m.layout_page, p) for m in run) + _MISSING * (len(run) - cited)
    return out


def _align(markers: list[Marker], pages: list[FootPage]) -> None:
    """Link each run of markers to a page (or to none), in page order, at least cost.

    dp[s] is the best cost with page s-1 the last one linked (s = 0: none yet). A run either
    links to a page p at or after the last one (the notes of the pages skipped in between are
    left uncited) or is left unlinked. Linking from the best earlier state is a prefix minimum
    of dp[s] - prefix[s], kept in a Fenwick tree; leaving a run unlinked adds the same cost to
    every state, kept as one offset; so each run costs the pages near it, not every page."""
    runs = _runs(markers)
    n_pages = len(pages)
    prefix = [0.0]
    for p in pages:
        prefix.append(prefix[-1] + len(p.notes) * _UNUSED_NOTE)
    inf = float("inf")
    stored = [0.0] + [inf] * n_pages  # dp[s] = stored[s] + offset
    offset = 0.0
    best_before = _PrefixMin(n_pages + 1)
    best_before.lower(0, 0.0)
    back: list[dict[int, tuple[int, int]]] = []  # per run: changed state -> (old state, page)
    for run in runs:
        idx = [markers[i] for i in run]
        skip = _SKIP_MARKER * len(run)
        updates: dict[int, tuple[float, tuple[int, int]]] = {}
        for p, c in _run_costs(idx, pages).items():
            t = p + 1
            # in the order the candidates were always weighed (ties keep the first): linking
            # from an earlier state, leaving the run unlinked, a second run on the same page
            v, s = best_before.below(t)
            best, choice = inf, (t, -1)
            if v < inf:
                best, choice = v + offset + prefix[p] + c, (s, p)
            old = stored[t] + offset
            if old + skip < best:
                best, choice = old + skip, (t, -1)
            if old + c + _REPEAT < best:
                best, choice = old + c + _REPEAT, (t, p)
            if choice[1] >= 0:
                updates[t] = (best, choice)
        offset += skip
        for t, (value, _choice) in updates.items():
            stored[t] = value - offset
            best_before.lower(t, stored[t] - prefix[t])
        back.append({t: ch for t, (_v, ch) in updates.items()})
    best = min(range(n_pages + 1), key=lambda s: stored[s] + offset + prefix[n_pages] - prefix[s])
    state = best
    for r in range(len(runs) - 1, -1, -1):
        prev_state, page = back[r].get(state, (state, -1))
        for i in runs[r]:
            m = markers[i]
            if page >= 0:
                m.n = pages[page].notes.get(m.number)
            if m.n is None:  # unlinked run: fall back on the layout alone
                lp = min(m.layout_page, n_pages - 1)
                m.n = pages[lp].notes.get(m.number)
        state = prev_state
