"""The Python API behind the ``litmap`` command; the CLI only parses arguments and calls these."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from .config import load_config, resolve
from .records import Paper, Ref


def parse(path: str | Path, config: str | Path | None = None) -> Paper:
    """One paper, structured. Raises :class:`pipeline.ingest.encoding.IngestError` if unreadable."""
    from .ingest.readers import read_path
    from .refs import load_aliases
    from .structure.paper import build_paper

    cfg = load_config(config)
    raws = read_path(Path(path), str(path))
    aliases_path = resolve(cfg, cfg["refs"].get("aliases"))
    aliases = load_aliases(aliases_path) if aliases_path and aliases_path.is_file() else {}
    return build_paper(raws[0], aliases, cfg.get("structure", {}))


def parse_refs(lines: Iterable[str], config: str | Path | None = None) -> list[list[Ref]]:
    """Each input line (a footnote's text or a reference-list entry) → the references in it."""
    from .refs import load_aliases, parse_references

    cfg = load_config(config)
    aliases_path = resolve(cfg, cfg["refs"].get("aliases"))
    aliases = load_aliases(aliases_path) if aliases_path and aliases_path.is_file() else {}
    return [parse_references(line, aliases) for line in lines]


def run(corpus: str | Path = "corpora", config: str | Path | None = None, **kw: Any):
    from .runner.run import run as _run

    return _run(corpus, load_config(config), **kw)


def segment_lines(lines: Iterable[str], config: str | Path | None = None, workers: int | None = None) -> Iterator[list[str]]:
    from .text.segment import segment_lines as _seg

    cfg = load_config(config)
    seg = cfg["segment"]
    yield from _seg(lines, backend=seg.get("backend", "jieba"), workers=workers or seg.get("workers") or 1,
                    userdict_path=str(resolve(cfg, seg.get("userdict"))),
                    registry_path=str(resolve(cfg, seg.get("concepts"))))
