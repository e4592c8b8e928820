"""Read back what a finished run wrote, from its report directory's ``run.json`` and the store.

``litmap trace`` uses this: the report directory names the store and the cache keys of its
run, so a trace answers over exactly the corpus of that run, without reprocessing anything.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..store.db import ResultUnavailable, Store
from .context import with_source


def _stages() -> dict[str, Any]:
    from .corpus import STAGES

    return {s.name: s for s in STAGES}


_STAGES = _stages()  # by name: what only a stage's next --update reads is not decoded for a trace


class LoadedRun:
    def __init__(self, out: str | Path):
        path = Path(out) / "run.json"
        if not path.is_file():
            raise ConfigError(f"{out} is not a litmap report directory (no run.json): run `litmap run` first")
        self.info = json.loads(path.read_text(encoding="utf-8"))
        self.store = Store(self.info["store"])

    def papers(self) -> list[dict[str, Any]]:
        version, cfg_hash = self.info["parse_key"]
        keys = sorted({k for _s, k in self.info["files"]})
        results = self.store.get_results("parse", keys, version, cfg_hash)
        out = []
        for source, key in self.info["files"]:
            for p in results.get(key, {}).get("papers", []):
                out.append(with_source(p, source))
        return out

    def result(self, stage: str) -> Any:
        h = self.info.get("stage_hashes", {}).get(stage)
        load = self.store.corpus_loader(stage, h) if h else None
        if load is None:
            return None
        known = _STAGES.get(stage)
        try:
            return load(known.fold_state, known.bytes_on_disk) if known is not None else load()
        except ResultUnavailable as e:  # the report's run is what is asked about: nothing to recompute here
            raise ConfigError(f"{e}; run `litmap run` again, it recomputes it") from e

    def close(self) -> None:
        self.store.close()
