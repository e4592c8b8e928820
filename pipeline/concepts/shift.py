"""Meaning over time: how the company of words around a concept changed between periods.

Each *use* of a concept is one distinct context (a sentence, a keyword list, a footnote
sentence) of one work, with the content tokens the concepts stage gave it (``context_tokens``)
and the work's year. Per concept and pair of consecutive periods:

* a context vector per period: the counts of each context term over the concept's uses,
  square-rooted (``weighting: sqrt``: the cosine of two such vectors is the Bhattacharyya
  coefficient of the two context distributions, so 1 − cosine is a Hellinger-type distance in
  which no single frequent term dominates), or PPMI against the background of every use of
  every tracked concept (``weighting: ppmi``; term counts raised to ``smoothing``, Levy et al.
  2015). Square roots are the default: on the planted-shift bench (bench/shift.py) they found
  every plant in 500 papers where PPMI, whose weights favour terms seen once, missed one, and
  unplanted shifts were smaller. The background is the same whatever the period labels, so the
  permutation test below moves only the concept's own counts;
* ``distance`` = 1 − cosine of the two vectors; ``expected`` = its mean when the period labels
  are shuffled among the concept's *works* (a work's uses move together: its own vocabulary
  is not a change of meaning); ``shift`` = (distance − expected) / (1 − expected) = 1 − observed
  cosine / expected cosine: the share of the similarity two samples of one period keep that the
  two periods lost (0: no more change than resampling gives; 1: no context in common). Raw
  distance is near 1 for any concept used in varied sentences and grows as uses get fewer;
  this does not, so concepts can be ranked by it;
* ``p_value`` = (1 + permutations at least as distant) / (1 + permutations), seeded per
  concept; ``q_value`` its Benjamini–Hochberg adjustment over every pair tested in the run;
  ``significant`` = q_value ≤ alpha and shift ≥ min_shift;
* ``entered`` / ``left``: terms whose share of uses rose / fell most, with their counts of uses.

A concept with too few uses or works in a period, or with all its dated uses in one period,
gets no shift and a reason. Everything is linear in the uses (times the permutations, a
constant); nothing is trained, so reruns are byte-identical.
"""
from __future__ import annotations

import hashlib
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from ..context import StageContext
from ..settings.fill import section_defaults


_D = section_defaults("shift")  # the one home of these defaults: ``settings.model.Shift``


@dataclass(frozen=True)
class ShiftConfig:
    periods: Any = _D["periods"]              # "median" | list of years a period starts at
    width: int | None = _D["width"]           # fixed-width periods of this many years (instead of periods)
    min_uses: int = _D["min_uses"]            # uses of the concept per period
    min_documents: int = _D["min_documents"]  # works using it per period
    permutations: int = _D["permutations"]
    alpha: float = _D["alpha"]
    correction: str = _D["correction"]        # "fdr": Benjamini–Hochberg over every pair tested in the run; "none"
    min_shift: float = _D["min_shift"]
    seed: int = _D["seed"]
    top_terms: int = _D["top_terms"]
    smoothing: float = _D["smoothing"]
    weighting: str = _D["weighting"]          # "sqrt": cosine of square-rooted counts (Hellinger); "ppmi": PPMI vectors
    inferred_years: bool = _D["inferred_years"]  # count uses in papers whose year was only inferred

    @classmethod
    def from_cfg(cls, cfg: dict[str, Any] | None) -> ShiftConfig:
        s = dict((cfg or {}).get("shift") or {})
        return cls(**{k: v for k, v in s.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)  # one per distinct context: 160,000 at 10,000 papers
class Use:
    concept: str
    doc: str           # the work (mirrors of one paper are one work) or the document
    year: int
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Period:
    label: str
    lo: int
    hi: int

    def holds(self, year: int) -> bool:
        return self.lo <= year <= self.hi


@dataclass
class ShiftRow:
    concept: str
    period_a: str
    period_b: str
    shift: float
    distance: float
    expected: float
    p_value: float
    significant: bool
    q_value: float
    uses_a: int
    uses_b: int
    documents_a: int
    documents_b: int
    entered: list[tuple[str, int, int]] = field(default_factory=list)
    left: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class Withheld:
    concept: str
    reason: str
    period_a: str | None = None
    period_b: str | None = None


@dataclass
class ShiftResult:
    periods: list[Period]
    rows: list[ShiftRow]          # ranked: significant first, then by shift
    withheld: list[Withheld]
    config: ShiftConfig
    # Each tested pair's row before the run-wide correction, by the digest of everything it was
    # computed from (``pair_key``): ``--update`` recomputes only the pairs whose uses changed.
    memo: dict[str, ShiftRow] = field(default_factory=dict)


def uses_from_mentions(mentions: Iterable[dict[str, Any]], doc_work: dict[str, str] | None = None,
                       inferred_years: bool = False) -> list[Use]:
    """One use per concept and distinct context of a work: a sentence holding the concept twice,
    or one paper in two records (a CNKI export beside the full text), counts once."""
    doc_work = doc_work or {}
    seen: set[tuple] = set()
    out: list[Use] = []
    # A stored result's mentions share their context lists (16,032 mentions of 1,000 papers
    # hold 535 lists): each list is sorted once per concept, not once per mention. The lists
    # live as long as the mentions, so their ids stay theirs through the loop.
    sorted_of: dict[tuple[int, str], tuple[str, ...]] = {}
    for m in mentions:
        year = m.get("year")
        if year is None and inferred_years:
            year = m.get("year_inferred")
        if year is None:
            continue
        name = m["concept"]
        doc = doc_work.get(m["doc_id"]) or m["doc_id"]
        context = m.get("context_tokens") or ()
        toks = sorted_of.get((id(context), name))
        if toks is None:
            toks = sorted_of[id(context), name] = tuple(sorted({t for t in context if t != name}))
        key = (name, doc, m.get("where"), m.get("sentence") or "", toks)
        if key in seen:
            continue
        seen.add(key)
        out.append(Use(name, doc, int(year), toks))
    return out


def _span(years: list[int]) -> str:
    lo, hi = min(years), max(years)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def make_periods(years: Iterable[int], cfg: ShiftConfig) -> list[Period]:
    """The corpus's periods (one set for all concepts, so rows compare like with like), each
    labelled by the years its works actually have: split at the median year of the works, or at
    the years of ``periods``, or every ``width`` years."""
    years = list(years)
    ys = sorted(set(years))
    if not ys:
        return []
    if cfg.width:
        starts = list(range(ys[0], ys[-1] + 1, int(cfg.width)))
    elif isinstance(cfg.periods, (list, tuple)):
        starts = [ys[0]] + [int(b) for b in sorted(cfg.periods) if ys[0] < int(b) <= ys[-1]]
    else:
        med = sorted(years)[(len(years) - 1) // 2]
        # the later period starts after the median year, unless nothing is later
        cut = next((y for y in ys if y > med), None) or (med if med > ys[0] else None)
        starts = [ys[0]] + ([cut] if cut is not None else [])
    bounds = starts + [ys[-1] + 1]
    out = []
    for lo, nxt in zip(bounds, bounds[1:]):
        held = [y for y in ys if lo <= y < nxt]
        if held:
            out.append(Period(_span(held), lo, nxt - 1))
    return out


def _background(uses: list[Use], smoothing: float) -> dict[str, float]:
    c: Counter = Counter()
    for u in uses:
        c.update(u.tokens)
    weights = {t: k ** smoothing for t, k in c.items()}
    total = sum(weights.values()) or 1.0
    return {t: w / total for t, w in weights.items()}


def _distances(counts_a: np.ndarray, counts_b: np.ndarray, log_bg: np.ndarray, weighting: str = "sqrt") -> np.ndarray:
    """1 − cosine of the PPMI vectors (or square-rooted counts) of rows of term counts (k × V each)."""
    if weighting == "sqrt":
        # With a = √ca and b = √cb, |a|² = Σca and |b|² = Σcb and a·b = Σ√(ca·cb): one square
        # root over the rows instead of two roots and two norms (the permutation test's null
        # distribution is most of the stage, and this is its inner loop).
        na2, nb2 = counts_a.sum(axis=1), counts_b.sum(axis=1)
        prod = counts_a * counts_b
        dot = np.sqrt(prod, out=prod).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = np.where((na2 > 0) & (nb2 > 0), dot / np.sqrt(na2 * nb2), 0.0)
        return 1.0 - cos

    def ppmi(c: np.ndarray) -> np.ndarray:
        tot = c.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log(c / np.where(tot > 0, tot, 1)) - log_bg
        return np.where(c > 0, np.maximum(pmi, 0.0), 0.0)

    a, b = ppmi(counts_a), ppmi(counts_b)
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    dot = (a * b).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where((na > 0) & (nb > 0), dot / (na * nb), 0.0)
    return 1.0 - cos


def _changes(ca: Counter, cb: Counter, na: int, nb: int, top: int) -> tuple[list, list]:
    """Terms whose share of uses rose (entered) and fell (left) most; a term must be in at
    least two uses of the period it is counted for, so one sentence is not a trend."""
    terms = set(ca) | set(cb)
    diff = {t: cb.get(t, 0) / nb - ca.get(t, 0) / na for t in terms}
    up = sorted((t for t in terms if diff[t] > 0 and cb.get(t, 0) >= 2), key=lambda t: (-diff[t], t))[:top]
    down = sorted((t for t in terms if diff[t] < 0 and ca.get(t, 0) >= 2), key=lambda t: (diff[t], t))[:top]
    return ([(t, ca.get(t, 0), cb.get(t, 0)) for t in up], [(t, ca.get(t, 0), cb.get(t, 0)) for t in down])


def _seed(cfg: ShiftConfig, concept: str, pa: str, pb: str) -> int:
    # per concept and pair: a concept's result does not depend on which other concepts exist
    return (cfg.seed * 1_000_003 + zlib.crc32(f"{concept}\0{pa}\0{pb}".encode())) % (2 ** 32)


def pair_shift(concept: str, ua: list[Use], ub: list[Use], pa: Period, pb: Period, bg: dict[str, float],
              cfg: ShiftConfig) -> ShiftRow:
    """The shift of one concept between two periods, with its permutation test."""
    # a work is keyed with its side: two records of one paper dated differently stay apart
    docs = sorted({(u.doc, 0) for u in ua} | {(u.doc, 1) for u in ub})
    d_index = {d: i for i, d in enumerate(docs)}
    uses = ua + ub
    vocab = sorted({t for u in uses for t in u.tokens})
    t_index = {t: i for i, t in enumerate(vocab)}
    # works × terms, sparse: counts of the work's uses holding the term. The coordinates are
    # arrays from the start: as lists of ints, a concept with 160,000 uses at 10,000 papers
    # held about 40 bytes a token in each (most of the shift stage's memory then).
    lengths = np.fromiter((len(u.tokens) for u in uses), dtype=np.int64, count=len(uses))
    work = np.fromiter((d_index[(u.doc, side)] for side, us in ((0, ua), (1, ub)) for u in us), dtype=np.int64,
                       count=len(uses))
    r_i = np.repeat(work, lengths)
    c_i = np.fromiter((t_index[t] for u in uses for t in u.tokens), dtype=np.int64, count=int(lengths.sum()))
    x = csr_matrix((np.ones(len(r_i)), (r_i, c_i)), shape=(len(docs), len(vocab)))
    in_b = np.array([side == 1 for _d, side in docs])
    # the background weighs PPMI only (square roots never read it, and need not build it)
    log_bg = np.log(np.array([bg[t] for t in vocab])) if vocab and cfg.weighting != "sqrt" else np.zeros(len(vocab))
    total = np.asarray(x.sum(axis=0)).ravel()
    obs_b = x.T @ in_b.astype(float)
    observed = float(_distances((total - obs_b)[None, :], obs_b[None, :], log_bg, cfg.weighting)[0])
    rng = np.random.default_rng(_seed(cfg, concept, pa.label, pb.label))
    null = []
    n, k = len(docs), int(in_b.sum())
    block = max(1, min(200, 500_000 // max(len(vocab), 1)))  # a block's arrays stay near 4 MB each
    for start in range(0, cfg.permutations, block):
        m = min(block, cfg.permutations - start)
        labels = np.zeros((m, n))
        # one shuffle of 0..n-1 per row, as m calls of rng.permutation(n) would draw them (the
        # same values, the generator left in the same state), without a Python loop over rows
        np.put_along_axis(labels, rng.permuted(np.tile(np.arange(n), (m, 1)), axis=1)[:, :k], 1.0, axis=1)
        perm_b = (x.T @ labels.T).T
        null.append(_distances(total[None, :] - perm_b, perm_b, log_bg, cfg.weighting))
    null_d = np.concatenate(null) if null else np.zeros(0)
    expected = float(null_d.mean()) if len(null_d) else observed
    # ties within float noise count as "at least as distant"
    p = (1 + int((null_d >= observed - 1e-12).sum())) / (1 + len(null_d))
    # the similarity lost, as a share of the similarity two samples of one period keep: 0 = no
    # more change than resampling gives, 1 = no context in common. Raw 1 − cosine is near 1 for
    # any concept used in varied sentences (most terms occur once), so it does not compare concepts.
    kept = 1.0 - expected
    shift = (observed - expected) / kept if kept > 1e-12 else 0.0
    ca, cb = Counter(t for u in ua for t in u.tokens), Counter(t for u in ub for t in u.tokens)
    entered, left = _changes(ca, cb, len(ua), len(ub), cfg.top_terms)
    # significance is decided over all pairs at once (adjust), q_value set there
    return ShiftRow(concept, pa.label, pb.label, round(shift, 4), round(observed, 4), round(expected, 4),
                    round(p, 4), False, round(p, 4), len(ua), len(ub),
                    len({u.doc for u in ua}), len({u.doc for u in ub}), entered, left)


def adjust(rows: list[ShiftRow], cfg: ShiftConfig) -> None:
    """Set each row's q_value (Benjamini–Hochberg over every pair tested, as the run tests many
    concepts at once: at alpha 0.05 an unplanted corpus of 20 concepts would otherwise flag one
    by chance in two runs of three) and ``significant``: q ≤ alpha and shift ≥ min_shift."""
    m = len(rows)
    order = sorted(range(m), key=lambda i: (rows[i].p_value, i))
    q, running = [0.0] * m, 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        p = rows[i].p_value
        running = min(running, p * m / rank if cfg.correction == "fdr" else p)
        q[i] = running if cfg.correction == "fdr" else p
    for r, qi in zip(rows, q):
        r.q_value = round(min(qi, 1.0), 4)
        r.significant = bool(r.q_value <= cfg.alpha and r.shift >= cfg.min_shift)


def _short(pa: Period, ua: list[Use], cfg: ShiftConfig) -> str | None:
    n, d = len(ua), len({u.doc for u in ua})
    if n < cfg.min_uses:
        return f"too few uses in {pa.label}: {n} (shift.min_uses {cfg.min_uses})"
    if d < cfg.min_documents:
        return f"too few works in {pa.label}: {d} (shift.min_documents {cfg.min_documents})"
    return None


def pair_key(concept: str, ua: list[Use], ub: list[Use], pa: Period, pb: Period, bg_digest: str,
             cfg: ShiftConfig) -> str:
    """A digest of everything ``pair_shift`` reads: the concept, both periods, both periods'
    uses, the settings and (for PPMI weighting only) the background."""
    h = hashlib.sha1(repr((concept, pa, pb, cfg, bg_digest)).encode())
    for side in (ua, ub):
        for u in side:
            h.update(repr((u.doc, u.year, u.tokens)).encode())
        h.update(b"\0")
    return h.hexdigest()


def _bg_digest(bg: dict[str, float], cfg: ShiftConfig) -> str:
    if cfg.weighting == "sqrt":  # square-rooted counts never look at the background
        return ""
    return hashlib.sha1(repr(sorted(bg.items())).encode()).hexdigest()


def measure_shift(uses: list[Use], cfg: ShiftConfig, concepts: Iterable[str] | None = None,
                  memo: dict[str, ShiftRow] | None = None) -> ShiftResult:
    """Every concept's shift between consecutive periods, or why there is none.

    ``concepts``: the names to report on (a tracked concept with no dated use gets a reason);
    defaults to those with uses. ``memo``: rows of an earlier result by ``pair_key``; a pair
    whose key is there is not tested again (the permutation test is seeded, so it would give
    the same row)."""
    work_years = {u.doc: u.year for u in uses}
    periods = make_periods(list(work_years.values()), cfg)
    bg = _background(uses, cfg.smoothing) if cfg.weighting != "sqrt" else {}
    bg_digest = _bg_digest(bg, cfg)
    memo = memo or {}
    kept: dict[str, ShiftRow] = {}
    by_concept: dict[str, list[Use]] = {}
    for u in uses:
        by_concept.setdefault(u.concept, []).append(u)
    names = sorted(set(concepts) if concepts is not None else set(by_concept))
    rows: list[ShiftRow] = []
    withheld: list[Withheld] = []
    for name in names:
        own = by_concept.get(name) or []
        if not own:
            withheld.append(Withheld(name, "no dated use"))
            continue
        split = [[u for u in own if p.holds(u.year)] for p in periods]
        used = [i for i, s in enumerate(split) if s]
        if len(used) < 2:
            where = periods[used[0]].label if used else "?"
            n = len(own)
            withheld.append(Withheld(name, f"one period only: its dated use falls in {where}" if n == 1 else
                                     f"one period only: all {n} dated uses fall in {where}"))
            continue
        for i, j in zip(used, used[1:]):
            why = _short(periods[i], split[i], cfg) or _short(periods[j], split[j], cfg)
            if why:
                withheld.append(Withheld(name, why, periods[i].label, periods[j].label))
            else:
                key = pair_key(name, split[i], split[j], periods[i], periods[j], bg_digest, cfg)
                row = memo.get(key)
                if row is None:
                    row = pair_shift(name, split[i], split[j], periods[i], periods[j], bg, cfg)
                kept[key] = replace(row)
                rows.append(replace(row))
    adjust(rows, cfg)
    rows.sort(key=lambda r: (not r.significant, -r.shift, r.p_value, r.concept, r.period_a))
    return ShiftResult(periods, rows, withheld, cfg, kept)


def format_terms(terms: list[tuple[str, int, int]]) -> str:
    """``term:count_a→count_b;…`` (counts of uses holding the term in each period)."""
    return ";".join(f"{t}:{a}→{b}" for t, a, b in terms)


SHIFT_COLUMNS = ["concept", "period_a", "period_b", "shift", "p_value", "significant", "entered", "left"]


def shift_records(result: ShiftResult) -> list[dict[str, Any]]:
    """Rows of ``data/concept_shift.csv`` in rank order (the first row is the largest shift)."""
    return [{"concept": r.concept, "period_a": r.period_a, "period_b": r.period_b, "shift": r.shift,
             "p_value": r.p_value, "significant": r.significant, "entered": format_terms(r.entered),
             "left": format_terms(r.left)} for r in result.rows]


def why_not(result: ShiftResult, concept: str) -> list[str]:
    return [w.reason if w.period_a is None else f"{w.period_a} → {w.period_b}: {w.reason}"
            for w in result.withheld if w.concept == concept]


def compute_shift_stage(ctx: StageContext) -> ShiftResult:
    """The ``shift`` corpus stage: the concepts stage's mentions (with their context tokens),
    one work per set of mirrored records (the works stage), every traced concept reported on."""
    return _shift_stage(ctx, None)


def update_shift_stage(ctx: StageContext, previous: Any) -> ShiftResult:
    """``--update``: periods, uses and the correction over all pairs are the corpus's, as in a
    fresh run (a new paper can move the median year or any concept's uses); only the pairs
    whose inputs are unchanged take their stored row instead of a new permutation test."""
    return _shift_stage(ctx, getattr(previous, "memo", None))


def _shift_stage(ctx: StageContext, memo: dict[str, ShiftRow] | None) -> ShiftResult:
    res = ctx.results.get("concepts") or {}
    doc_work = (ctx.results.get("works") or {}).get("doc_work") or {}
    cfg = ShiftConfig.from_cfg(ctx.cfg)
    uses = uses_from_mentions(res.get("mentions") or [], doc_work, cfg.inferred_years)
    return measure_shift(uses, cfg, list((res.get("traces") or {}).keys()), memo)

