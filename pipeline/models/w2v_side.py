"""Train the vectors stage's two word2vec models (``seed`` and ``stability_seed``) in two side
processes at once, while the driver computes the similar papers.

Each model trains with one worker thread (reproducible across processes, ``models/vectors.py``),
so one model keeps one core busy; two processes train both in the time of one, and the driver's
LSA runs beside them. Threads in one process were no faster (gensim's job queues contend for
the GIL, ``vectors_stage.train_pair``).

Nothing is pickled across: the sample goes to the children as a text file (one sentence a
line, tokens separated by spaces: content tokens hold no whitespace), and each child saves its
model with gensim's own ``save``, which the driver loads. A child that fails or is not started
leaves its model to be trained in the driver, so the result never depends on the processes.

    python -m pipeline.models.w2v_side SENTENCES OUT PARAMS_JSON PARENT_PID
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _params(w2: dict[str, Any], seed: int) -> dict[str, Any]:
    return {"vector_size": w2["vector_size"], "window": w2["window"], "min_count": w2["min_count"], "seed": seed,
            "workers": 1, "epochs": w2["epochs"]}


def _env() -> dict[str, str]:
    env = dict(os.environ)  # the child imports this very package (a checkout run with PYTHONPATH too)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(p for p in sys.path if p))
    return env


def train_pair_beside(sents: list[list[str]], w2: dict[str, Any], meanwhile: Callable[[], None],
                      log: Callable[[str], None]) -> tuple[Any, Any]:
    """The two models of ``vectors_stage.train_pair``, trained in two side processes while
    ``meanwhile()`` runs here. The same models as training them here (a test checks it)."""
    from .vectors import train_word2vec

    seeds = (w2["seed"], w2["stability_seed"])
    with tempfile.TemporaryDirectory(prefix="litmap-w2v-") as tmp:
        src = Path(tmp) / "sentences.txt"
        with open(src, "w", encoding="utf-8") as f:
            for s in sents:
                if s:
                    f.write(" ".join(s) + "\n")
        procs: list[tuple[subprocess.Popen | None, Path]] = []
        for seed in seeds:
            out = Path(tmp) / f"w2v-{seed}.model"
            try:
                p = subprocess.Popen([sys.executable, "-m", __name__, str(src), str(out), json.dumps(_params(w2, seed)),
                                      str(os.getpid())], env=_env(), stdin=subprocess.DEVNULL)
            except OSError:  # no process to be had: trained here below
                p = None
            procs.append((p, out))
        models: list[Any] = []
        try:
            meanwhile()
        finally:
            for (p, out), seed in zip(procs, seeds):
                ok = p is not None and p.wait() == 0 and out.exists()
                if ok:
                    from gensim.models import Word2Vec

                    models.append(Word2Vec.load(str(out)))
                else:
                    log(f"vectors: the word2vec side process for seed {seed} failed: training it here")
                    models.append(train_word2vec(sents, **_params(w2, seed)))
    return models[0], models[1]


def _main(src: str, out: str, params: str, parent: str) -> None:
    from ..lifeline import follow_parent

    follow_parent(int(parent))  # a killed driver wants no model
    from .vectors import train_word2vec

    with open(src, encoding="utf-8") as f:
        sents = [line.split() for line in f]
    model = train_word2vec(sents, **json.loads(params))
    model.save(out)


if __name__ == "__main__":
    _main(*sys.argv[1:5])
