"""``--update``: the stored results the corpus stages fold into, read while the new documents
are parsed, segmented and featured in a worker process.

An update of one paper in a thousand spent about as long reading the stored results (word2vec
with gensim's import, the concepts result, the topic model: 3.3 s) as processing the paper
(parse, jieba, spaCy: 2.1 s), one after the other on one core. Neither needs the other: the
stored results are what the corpus stages had before this run. Results larger together than
``runner.prefetch_mb`` on disk are left to be read when their stage runs, so a large store's
update does not hold every previous result in memory at once.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..store.db import ResultUnavailable
from .keys import environment

if TYPE_CHECKING:
    from .run import RunContext

MISSING = object()  # a stage the prefetch did not read


class Prefetch:
    def __init__(self, ctx: RunContext, stages: list[str], budget_mb: float) -> None:
        self.ctx, self.stages, self.budget = ctx, stages, budget_mb * 2**20
        self.got: dict[str, Any] = {}  # stage -> its newest result, None, or the ResultUnavailable it raised
        self.seconds = 0.0  # spent reading, while the new papers were processed

    def load(self) -> None:
        """Read the newest result of each stage, in stage order, within the budget."""
        t = time.time()
        left = self.budget
        env = environment()
        for name in self.stages:
            stored = self.ctx.store.newest_corpus(name)
            if stored is None:
                continue
            size = stored.size()
            if size > left:
                continue
            left -= size
            try:
                self.got[name] = self.ctx.store.read_corpus(stored, env)
            except ResultUnavailable as e:  # said when the stage asks for it, as without the prefetch
                self.got[name] = e
        self.seconds = time.time() - t
        if self.got:
            self.ctx.log(f"update: {len(self.got)} stored results read beside the new documents' "
                         f"processing, {self.seconds:.1f} s")

    def take(self, name: str) -> Any:
        """The stage's prefetched result (once), or ``MISSING`` if it was not read."""
        got = self.got.pop(name, MISSING)
        if isinstance(got, ResultUnavailable):
            raise got
        return got

    def clear(self) -> None:
        self.got.clear()
