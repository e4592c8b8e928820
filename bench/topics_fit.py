"""Bench: fit and update times of the topic model (issue 5).

Prints: CSL (2,000 abstracts) fit at k=13 and with k=auto (grid by coherence and stability);
the seed by paragraph (k=auto); a one-paper --update against a refit; the pyLDAvis page time.
Run: python bench/topics_fit.py
"""
from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from topics_csl import csl_units, load_csl, seed_units

from pipeline.models.topics import fit_topics, update_topics
from pipeline.models.topics_tokens import content_tokenizer


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - t0:.2f}s")
    return out


def main() -> None:
    warnings.filterwarnings("ignore", category=Warning)
    cut, name = content_tokenizer()
    print(f"tokenizer: {name}")
    rows = load_csl()
    units = timed("CSL tokenize 2000 abstracts", lambda: csl_units(rows, cut, True))
    res = timed("CSL fit k=13 (3 seeds + coherence)", lambda: fit_topics(units, {"k": 13}))
    res = timed("CSL fit k=auto", lambda: fit_topics(units, {}))
    print("  curve: " + "; ".join(f"k={r['k']} c_v={r['c_v']} npmi={r['npmi']} "
                                 f"stab={r['stability']}" for r in res.k_curve)
          + f" -> chosen k={res.k} ({res.model_name})")
    seed = seed_units(cut)
    for model in ("auto", "lda"):
        r = timed(f"seed by paragraph fit model={model}", lambda m=model: fit_topics(seed, {"model": m}))
        print(f"  -> {r.model_name}, k={r.k}, {r.n_fit_units} units fitted")
    for model in ("lda", "nmf"):
        base = units[:1999]
        cfg = {"k": 13, "model": model}
        fitted = timed(f"CSL refit 1999 docs model={model}",
                       lambda b=base, c=cfg: fit_topics(b, c))
        timed(f"CSL --update +1 paper model={model}",
              lambda f=fitted, c=cfg: update_topics(f.state, [units[1999]], c))
    try:
        from pipeline.models.topics_ldavis import write_ldavis

        with tempfile.TemporaryDirectory() as d:
            timed("pyLDAvis offline page (CSL)", lambda: write_ldavis(res.state, Path(d) / "v.html"))
    except ImportError as e:
        print(f"pyLDAvis not installed: {e}")


if __name__ == "__main__":
    main()
