"""Train the vectors stage's two word2vec models (``seed`` and ``stability_seed``) in side
processes while the driver computes the similar papers (and, in a run, other stages).

Each model trains with one worker thread (reproducible across processes, ``models/vectors.py``),
so one model keeps one core busy. Two processes train both in the time of one when the driver
has only the LSA to do; when the runner has a stage for the driver to compute meanwhile (the
terms stage, ``runner/corpus.py`` ``while_waiting``), one process trains both in turn: a third
busy process on two cores slowed the training threads twofold (measured at 1,000 papers:
vectors and terms 34.7 s that way, 19.9 s with one side process, 27.9-33.9 s one after the
other, in runs minutes apart). Threads
in one process were no faster (gensim's job queues contend for the GIL, ``vectors_stage.train_pair``).

Nothing is pickled across: the sample goes to the children as a text file (one sentence a
line, tokens separated by spaces: content tokens hold no whitespace), and each child saves its
model with gensim's own ``save``, which the driver loads. A child that fails or is not started
leaves its model to be trained in the driver, so the result never depends on the processes.

    python -m pipeline.models.w2v_side SENTENCES PARENT_PID OUT PARAMS_JSON [OUT PARAMS_JSON]
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
                      log: Callable[[str], None], processes: int = 2) -> tuple[Any, Any]:
    """The two models of ``vectors_stage.train_pair``, trained in side processes while
    ``meanwhile()`` runs here. The same models as training them here (a test checks it).

    ``processes``: 2 trains them at once, one core each; 1 trains them one after the other in
    one process, for a driver that has a core's work of its own meanwhile (another stage):
    a third busy process on two cores slowed word2vec's training threads threefold."""
    from .vectors import train_word2vec

    seeds = (w2["seed"], w2["stability_seed"])
    with tempfile.TemporaryDirectory(prefix="litmap-w2v-") as tmp:
        src = Path(tmp) / "sentences.txt"
        with open(src, "w", encoding="utf-8") as f:
            for s in sents:
                if s:
                    f.write(" ".join(s) + "\n")
        jobs = [[(Path(tmp) / f"w2v-{seed}.model", seed)] for seed in seeds]
        if processes < 2:
            jobs = [jobs[0] + jobs[1]]
        procs: list[tuple[subprocess.Popen | None, Path]] = []
        for job in jobs:
            args = [a for out, seed in job for a in (str(out), json.dumps(_params(w2, seed)))]
            try:
                p = subprocess.Popen([sys.executable, "-m", __name__, str(src), str(os.getpid()), *args],
                                     env=_env(), stdin=subprocess.DEVNULL)
            except OSError:  # no process to be had: trained here below
                p = None
            procs += [(p, out) for out, _seed in job]
        models: list[Any] = []
        try:
            meanwhile()
        finally:
            for (p, out), seed in zip(procs, seeds):
                ok = p is not None and p.wait() == 0 and out.exists()  # (one process: waited for twice)
                if ok:
                    from .vectors import Word2Vec

                    models.append(Word2Vec.load(str(out)))
                else:
                    log(f"vectors: the word2vec side process for seed {seed} failed: training it here")
                    models.append(train_word2vec(sents, **_params(w2, seed)))
    return models[0], models[1]


def _main(src: str, parent: str, *jobs: str) -> None:
    """``jobs``: (model file, its parameters as JSON), trained one after the other."""
    from ..lifeline import follow_parent

    follow_parent(int(parent))  # a killed driver wants no model
    from .vectors import train_word2vec

    with open(src, encoding="utf-8") as f:
        sents = [line.split() for line in f]
    for out, params in zip(jobs[::2], jobs[1::2]):
        train_word2vec(sents, **json.loads(params)).save(out)


if __name__ == "__main__":
    _main(*sys.argv[1:])
