"""Vectors: the topic vocabulary's dictionary filtering, deterministic word2vec, trace neighbours.

Similar papers are LSA (``tests/test_lsa.py``); these are the functions the topics and vectors
stages and ``litmap trace`` call."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.concepts.trace import neighbor_terms
from pipeline.models.topics_vocab import filter_dictionary
from pipeline.models.vectors import train_word2vec

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def csl():
    from pipeline.text.segment import Segmenter
    from pipeline.text.stopwords import content_tokens, load_stopwords

    seg = Segmenter({"backend": "rjieba"})
    stop = load_stopwords()
    rows = [json.loads(ln) for ln in (SHARED / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines()[:400]]
    docs = [content_tokens(seg.cut(r["title"] + "。" + r["abstract"]), stop) for r in rows]
    return [str(r["i"]) + r["split"] for r in rows], docs, rows


def test_dictionary_filtering(csl):
    from gensim.corpora import Dictionary

    _, docs, _ = csl
    loose = filter_dictionary(Dictionary(docs), {"no_below": 1, "no_above": 1.0, "keep_n": 10**6})
    strict = filter_dictionary(Dictionary(docs), {"no_below": 3, "no_above": 0.2, "keep_n": 500})
    assert len(strict) == 500 < len(loose)
    for tok_id in strict:
        assert 3 <= strict.dfs[tok_id] <= 0.2 * len(docs)
    # the defaults scale with the corpus: 400 abstracts drop terms in fewer than 2 or over half of them
    default = filter_dictionary(Dictionary(docs), {})
    assert all(2 <= default.dfs[t] <= 0.5 * len(docs) for t in default)


W2V_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from pipeline.models.vectors import train_word2vec
sents = json.loads(open(sys.argv[2], encoding="utf-8").read())
m = train_word2vec(sents, vector_size=32, window=5, min_count=2, seed=1, workers=1, epochs=3)
print(json.dumps([round(float(x), 6) for x in m.wv[m.wv.index_to_key[0]][:8]] + m.wv.index_to_key[:5]))
"""


def test_word2vec_deterministic_across_processes(csl, tmp_path):
    _, docs, _ = csl
    data = tmp_path / "sents.json"
    data.write_text(json.dumps(docs[:200], ensure_ascii=False), encoding="utf-8")
    outs = []
    for seed in ("1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-c", W2V_SCRIPT, str(ROOT), str(data)], env=env,
                           capture_output=True, text=True, check=True)
        outs.append(r.stdout)
    assert outs[0] == outs[1]


def test_word2vec_neighbours(csl):
    _, docs, _ = csl
    model = train_word2vec(docs, vector_size=50, window=5, min_count=3, seed=1, epochs=10)
    word = model.wv.index_to_key[10]
    nb = neighbor_terms(word, model, top=5)
    assert len(nb) == 5 and all(n["term"] != word for n in nb)
    assert nb == sorted(nb, key=lambda n: -n["similarity"])
    assert neighbor_terms("不存在的词语", model) == []
