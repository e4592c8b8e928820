"""gensim imported with ``scipy.stats`` and ``scipy.optimize`` deferred (``pipeline/models/gensim_import.py``).

Each check runs in a fresh interpreter: in this one gensim and scipy.stats are long imported."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import refusing_while_stood_in

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# word2vec on real abstracts, as the vectors stage trains it; what scipy.stats is afterwards
TRAIN = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
if sys.argv[3] == "stats-first":
    import scipy.stats, scipy.optimize  # the ordinary import: no stand-in is made
from pipeline.models.vectors import train_word2vec
import gensim
deferred_during = not {"scipy.stats", "scipy.optimize"} & set(sys.modules)
sents = json.loads(open(sys.argv[2], encoding="utf-8").read())
m = train_word2vec(sents, vector_size=32, window=5, min_count=2, seed=1, workers=1, epochs=3)
vec = [round(float(x), 6) for x in m.wv[m.wv.index_to_key[0]][:8]]
# gensim's own uses of scipy.stats still work, and give scipy's answers
import scipy.optimize, scipy.stats
kl = float(gensim.matutils.entropy([0.5, 0.5], [0.25, 0.75]))
rho = float(gensim.models.keyedvectors.stats.spearmanr([1, 2, 3, 4], [1, 3, 2, 4])[0])
print(json.dumps({"deferred": deferred_during, "vec": vec, "keys": m.wv.index_to_key[:5],
                  "real": hasattr(scipy.stats, "norm") and type(scipy.stats).__name__ == "module",
                  "kl": kl == float(scipy.stats.entropy([0.5, 0.5], [0.25, 0.75])),
                  "rho": rho == float(scipy.stats.spearmanr([1, 2, 3, 4], [1, 3, 2, 4])[0]),
                  "optimize": gensim.models.ldaseqmodel.optimize.fmin_cg is scipy.optimize.fmin_cg}))
"""


def _train(mode: str, data: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", TRAIN, str(ROOT), str(data), mode], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def test_gensim_without_scipy_stats_trains_the_same(tmp_path):
    from pipeline.text.segment import Segmenter

    seg = Segmenter({"backend": "rjieba"})
    rows = [json.loads(ln) for ln in
            (SHARED / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines()[:200]]
    data = tmp_path / "sents.json"
    data.write_text(json.dumps([seg.cut(r["abstract"]) for r in rows], ensure_ascii=False), encoding="utf-8")
    lazy, plain = _train("gensim-first", data), _train("stats-first", data)
    assert lazy["deferred"] is True  # gensim imported, scipy.stats and scipy.optimize not
    assert plain["deferred"] is False
    assert lazy["vec"] == plain["vec"] and lazy["keys"] == plain["keys"]
    for got in (lazy, plain):
        assert got["real"] and got["kl"] and got["rho"] and got["optimize"]


# A gensim whose import needs more of scipy.stats than a stand-in gives: simulated by a module
# of gensim that refuses to load while the stand-in is there.
FALLBACK = refusing_while_stood_in("gensim.models.nmf", "scipy.stats") + r"""
from pipeline.models import gensim_import
import gensim.models.nmf, scipy.stats
print(type(gensim.models.nmf.halfnorm).__name__, type(scipy.stats).__name__,
      gensim_import.gensim is sys.modules["gensim"])
"""


def test_gensim_import_falls_back_to_the_ordinary_import():
    r = subprocess.run([sys.executable, "-c", FALLBACK, str(ROOT)], capture_output=True, text=True, check=True)
    # halfnorm is scipy's own distribution, not a stand-in's name; scipy.stats the real module
    assert r.stdout.split() == ["halfnorm_gen", "module", "True"]
