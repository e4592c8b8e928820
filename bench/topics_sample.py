"""Bench: what fitting LDA on a sample of units costs in quality (issue 19), and what it saves.

The topics stage fits on a stable sample of units of at most ``topics.fit_max_tokens`` tokens
and infers every other unit (``models/topics.py``). This measures the loss against a fit on all
units, as a function of the sample's share of the tokens:

- held-out per-word bound (gensim's variational lower bound of log p(w) per word, higher is
  better) on a stable 10% of the units no fit sees;
- topic match: the sample fit's topics matched one-to-one to the full fit's (Hungarian on the
  cosine of topic-word vectors), mean and worst cosine;
- doc-topic agreement: over every unit, 1 - half the L1 distance between its topic mixtures
  under the two fits (topics matched as above), and how often the top topic is the same;
- on CSL (abstracts with a discipline label, ``model: lda``): the NMI of top topic vs category.

The noise floor is the same figures between two full fits with different seeds: a sample whose
loss is within it costs nothing measurable.

    python bench/topics_sample.py csl [--KEY=VALUE ...] [--ref-KEY=VALUE ...]
    python bench/topics_sample.py store CORPUS CONFIG [...]   (a corpus a `litmap run` has stored)

``--KEY=VALUE`` sets a ``topics`` key for the rows, ``--ref-KEY=VALUE`` for the reference only
(e.g. ``--ref-iterations=200``: is 50 as good as the old 200?); ``--shares=1,0.3`` picks the
sample shares (of the pooled tokens) to fit.
"""
from __future__ import annotations

import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SHARES = (0.1, 0.2, 0.3, 0.5, 1.0)


def bows_of(units, cfg):
    from gensim.corpora import Dictionary

    from pipeline.models.topics_bows import CsrBows
    from pipeline.models.topics_vocab import clean_tokens, filter_dictionary

    texts = [clean_tokens(u.tokens, cfg) for u in units]
    d = Dictionary()
    for t in texts:
        d.add_documents([t])
    d = filter_dictionary(d, cfg)
    return CsrBows.from_bows((d.doc2bow(t) for t in texts), len(d)), d


def stable_order(ids):
    return sorted(range(len(ids)), key=lambda i: (zlib.crc32(ids[i].encode()), ids[i]))


def match(phi_a, phi_b):
    a = phi_a / np.linalg.norm(phi_a, axis=1, keepdims=True)
    b = phi_b / np.linalg.norm(phi_b, axis=1, keepdims=True)
    sim = a @ b.T
    r, c = linear_sum_assignment(-sim)
    return sim[r, c], c  # cosine per matched pair; b's topic for each of a's


def completion(be, model, held):
    """Held-out per-word log-likelihood by document completion: each held-out bag is split in
    two halves (a word's count halved, odd ones alternating), topics are inferred from one half
    and the other half scored as sum_w n_w log sum_k theta_k phi_kw / N (comparable across fits
    of any size, unlike gensim's bound, whose topic-prior term depends on the training size)."""
    from pipeline.models.topics_bows import CsrBows

    m = held.matrix.tocoo()
    first = m.data // 2 + (m.data % 2) * (np.arange(len(m.data)) % 2)
    rest = m.data - first
    from scipy import sparse

    a = CsrBows(sparse.csr_matrix((first, (m.row, m.col)), shape=m.shape))
    b = sparse.csr_matrix((rest, (m.row, m.col)), shape=m.shape)
    theta = be.doc_topics(model, a)
    phi = be.topic_term(model)
    bc = b.tocoo()
    p = np.einsum("ik,ki->i", theta[bc.row], phi[:, bc.col])
    return float((bc.data * np.log(np.maximum(p, 1e-300))).sum() / max(bc.data.sum(), 1))


def compare(be, ref, model, bows, held, dictionary):
    phi_r, phi_m = be.topic_term(ref), be.topic_term(model)
    cos, perm = match(phi_r, phi_m)
    th_r = be.doc_topics(ref, bows)
    th_m = be.doc_topics(model, bows)[:, perm]
    agree = 1 - 0.5 * np.abs(th_r - th_m).sum(axis=1)
    same_top = (th_r.argmax(1) == th_m.argmax(1)).mean()
    bound = completion(be, model, held)
    return {"cos_mean": cos.mean(), "cos_min": cos.min(), "doc_agree": agree.mean(), "top_same": same_top,
            "heldout": bound}


def run(units, cfg, labels=None, ref_over=None):
    """Reference: a fit on every pooled unit with ``cfg`` updated by ``ref_over`` (the settings
    being replaced); the rows: another seed of the reference (noise floor), then ``cfg`` on all
    units and on samples of them."""
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from pipeline.models.topics import _bottom_k
    from pipeline.models.topics_lda import LdaBackend

    be = LdaBackend()
    ids = [u.unit_id for u in units]
    bows, d = bows_of(units, cfg)
    lengths = bows.lengths()
    order = stable_order(ids)
    held_idx = np.array(sorted(order[: max(2, len(ids) // 10)]))
    pool = np.array(sorted(order[max(2, len(ids) // 10):]))
    held = bows.subset(held_idx)
    total = float(lengths[pool].sum())
    ref_cfg = {**cfg, **(ref_over or {})}
    print(f"{len(ids)} units, {int(lengths.sum()):,} tokens in vocabulary ({len(d):,} terms); "
          f"held out {len(held_idx)}; k={cfg['k']}; reference {ref_over or 'cfg'}; rows: passes={cfg['passes']}, "
          f"iterations={cfg['iterations']}")
    k = int(cfg["k"])

    def fit(rows_i, c, seed=0):
        t0 = time.perf_counter()
        c0 = time.process_time()
        m = be.fit(bows.subset(rows_i), d, k, seed, c)
        return m, time.process_time() - c0

    def score(model):
        if labels is None:
            return float("nan")
        return nmi(labels, be.doc_topics(model, bows).argmax(1))

    ref, t_ref = fit(pool, ref_cfg)
    rows = [("reference (all units)", t_ref, compare(be, ref, ref, bows, held, d), score(ref))]
    other, t_o = fit(pool, ref_cfg, seed=1)
    rows.append(("reference, seed 1 (noise floor)", t_o, compare(be, ref, other, bows, held, d), score(other)))
    for share in SHARES[::-1]:
        keep = _bottom_k([(ids[i], int(lengths[i])) for i in pool], int(total * share))
        rows_i = np.array([i for i in pool if ids[i] in keep])
        m, secs = fit(rows_i, cfg)
        rows.append((f"sample {share:.0%} ({len(rows_i)} units)", secs, compare(be, ref, m, bows, held, d), score(m)))
    print(f"{'fit':34s} {'cpu s':>6s} {'cos mean':>8s} {'cos min':>8s} {'doc agr':>8s} {'top=':>6s} "
          f"{'held-out':>9s} {'NMI':>6s}")
    for name, secs, c, s in rows:
        print(f"{name:34s} {secs:6.1f} {c['cos_mean']:8.3f} {c['cos_min']:8.3f} {c['doc_agree']:8.3f} "
              f"{c['top_same']:6.3f} {c['heldout']:9.3f} {s:6.3f}", flush=True)


def csl_units_lda():
    from topics_csl import csl_units, load_csl

    from pipeline.models.topics_tokens import content_tokenizer

    rows = load_csl()
    cut, _ = content_tokenizer()
    return csl_units(rows, cut, True), [r["category"] for r in rows]


def store_units(corpus, config):
    from topics_stage import context

    from pipeline.models.topic_stage import _paper_units, unit_source
    from pipeline.store.doc_cache import abort_run

    ctx, store, run_id = context(corpus, config)
    heads, _twins = _paper_units(ctx)
    units = list(unit_source(ctx, "paper", heads)())
    abort_run(store, run_id)
    store.close()
    return units


def main() -> None:
    from pipeline.models.topics import _cfg

    warnings.filterwarnings("ignore")
    over, ref = {}, {}
    for a in sys.argv[1:]:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            if k == "shares":  # e.g. --shares=1,0.3: the sample shares to fit (default: all of SHARES)
                global SHARES
                SHARES = tuple(sorted(float(x) for x in v.split(",")))
                continue
            (ref if k.startswith("ref-") else over)[k.removeprefix("ref-")] = int(v) if v.isdigit() else v
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args[0] == "csl":
        units, labels = csl_units_lda()
        cfg = _cfg({"k": 13, "model": "lda", **over})
        run(units, cfg, labels, ref)
    else:
        units = store_units(args[1], args[2])
        cfg = _cfg({"k": 20, **over})
        run(units, cfg, None, ref)


if __name__ == "__main__":
    main()
