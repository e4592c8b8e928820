"""The Python API behind the ``litmap`` command; the CLI only parses arguments and calls these."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from .config import resolve
from .preflight import load_config  # the settings and the files they name, checked before any work
from .records import Paper, Ref


def parse(path: str | Path, config: str | Path | None = None) -> Paper:
    """One paper, structured. Raises :class:`pipeline.ingest.encoding.IngestError` if unreadable.

    For an export (CNKI, CSSCI) that holds many records, ``FILE#N`` (the record's source name in
    a run) gives record N; the file alone gives its first record."""
    import re

    from .ingest.encoding import IngestError
    from .ingest.readers import read_path
    from .refs import load_aliases
    from .structure.paper import build_paper

    cfg = load_config(config)
    p, n = Path(path), 1
    m = re.match(r"^(.*)#(\d+)$", str(path))
    if m and not p.exists() and Path(m.group(1)).is_file():
        p, n = Path(m.group(1)), int(m.group(2))
    raws = read_path(p, str(p), cfg.get("ingest"))
    if not 1 <= n <= len(raws):
        raise IngestError(f"no record {n}: the file holds {len(raws)}")
    aliases_path = resolve(cfg, cfg["refs"].get("aliases"))
    aliases = load_aliases(aliases_path) if aliases_path and aliases_path.is_file() else {}
    return build_paper(raws[n - 1], aliases, cfg.get("structure", {}))


def parse_refs(lines: Iterable[str], config: str | Path | None = None, style: str | None = None) -> list[list[Ref]]:
    """Each input line (a footnote's text or a reference-list entry) → the references in it.
    ``style`` names a printed list's style (``cssci``: one reference per line, its number optional)."""
    from .refs import load_aliases, parse_references

    cfg = load_config(config)
    aliases_path = resolve(cfg, cfg["refs"].get("aliases"))
    aliases = load_aliases(aliases_path) if aliases_path and aliases_path.is_file() else {}
    if style:
        from .refs.lists import parse_reference_list

        return [parse_reference_list([line], style, aliases) for line in lines]
    return [parse_references(line, aliases) for line in lines]


def run(corpus: str | Path = "corpora", config: str | Path | None = None, **kw: Any):
    """Validate everything (settings, files they name, the corpus, the options) before the store
    is opened or a file is read; a mistake raises :class:`pipeline.config.ConfigError`."""
    from .runner.run import run as _run
    from .preflight import check_run

    cfg = load_config(config)
    check_run(cfg, corpus, workers=kw.get("workers"), executor=kw.get("executor"), scheduler=kw.get("scheduler"))
    return _run(corpus, cfg, **kw)


def segment_lines(lines: Iterable[str], config: str | Path | None = None, workers: int | None = None) -> Iterator[list[str]]:
    from .text.segment import segment_lines as _seg

    cfg = load_config(config)
    seg = cfg["segment"]
    yield from _seg(lines, backend=seg["backend"], workers=workers or seg["workers"] or 1,
                    userdict_path=str(resolve(cfg, seg["userdict"])),
                    registry_path=str(resolve(cfg, cfg["concepts"]["registry"])))


def segment_stream(infile: Any, outfile: Any, config: str | Path | None = None, workers: int | None = None,
                   as_json: bool = False) -> None:
    from .text.segment import segment_stream as _stream

    cfg = load_config(config)
    seg = cfg["segment"]
    _stream(infile, outfile, backend=seg["backend"], workers=workers or seg["workers"] or 0,
            userdict_path=str(resolve(cfg, seg["userdict"])), registry_path=str(resolve(cfg, cfg["concepts"]["registry"])),
            cfg=seg, as_json=as_json)


def export(fmt: str, out: str | Path, report_dir: str | Path | None = None, config: str | Path | None = None):
    """Write what the finished run that wrote ``report_dir`` (default ``report.out``) found, in
    ``fmt`` (one of :data:`pipeline.export.FORMATS`) to ``out`` (a folder for ``vosviewer``).
    Every setting is checked before any work: a mistake raises
    :class:`pipeline.config.ConfigError` naming the option. Returns a
    :class:`pipeline.export.Exported` (what was written, and how much)."""
    from .export import export as _export

    cfg = load_config(config)
    return _export(fmt, out, report_dir or cfg["report"]["out"], cfg)


def docs(run_dir: str | Path | None = None, nlp: Any = None, config: str | Path | None = None) -> list[Any]:
    """The spaCy ``Doc`` of each paper of the last finished run, read from the store's DocBin
    cache (``doc_bins``), in the run's file order. Each Doc has ``user_data`` ``doc_id``,
    ``source`` and ``title``; ``doc.spans`` ``concepts``, ``markers``, ``footnotes``,
    ``sections``, ``paragraphs``, ``parts`` (see ``pipeline/concepts/paper_doc.py``).

    ``run_dir``: the report folder of the run (its ``run.json`` names the store and keys;
    default ``report.out``), or a project folder holding ``.litmap/store.duckdb`` (then the
    store's last finished run). ``nlp``: a spaCy pipeline whose vocab the Docs share, so its
    components can be run over them (default: a blank ``zh`` one)."""
    from .runner.docs import open_run_docs

    cfg = load_config(config)
    return open_run_docs(Path(run_dir) if run_dir is not None else Path(cfg["report"]["out"]), nlp)


def trace(concept: str, out: str | Path | None = None, config: str | Path | None = None) -> dict[str, Any] | None:
    """The trace of a concept (any term; registry concepts also through their variants) over the
    corpus of the run that wrote the report directory ``out``; None if it never occurs."""
    from .concepts.mentions import find_mentions_many
    from .concepts.trace import build_trace
    from .runner.load import LoadedRun
    from .text.registry import load_registry

    cfg = load_config(config)
    run = LoadedRun(out or cfg["report"]["out"])
    try:
        papers = run.papers()
        works = run.result("works")
        concepts = run.result("concepts") or {}
        vectors = run.result("vectors") or {}
        registry = load_registry(str(resolve(cfg, cfg["concepts"]["registry"])))
        traces = concepts.get("traces", {})
        from .concepts.trace import public_mention, resolve_concept

        from .report.glossary_html import with_foreign

        glossary = (run.result("glossary") or {}).get("entries") or []
        name = resolve_concept(concept, registry)
        from .concepts.definitions import definitions_of, load_cues

        if name in traces:  # the stage keeps traces sharing its working mention dicts
            stored = run.result("definitions")
            defs = [d for d in (stored or {}).get("rows") or [] if d["concept"] == name] if stored is not None else \
                [d.as_dict() for d in definitions_of(traces[name]["mentions"], load_cues(resolve(cfg, cfg["definitions"]["cues"])))]
            return with_foreign({**traces[name], "mentions": [public_mention(m) for m in traces[name]["mentions"]],
                                 "definitions": defs}, name, glossary)
        mentions = find_mentions_many(papers, registry, terms=[concept], cfg=cfg)
        from .models.vectors import neighbour_gate

        from .concepts.stance import attach_stances

        t = attach_stances(build_trace(concept, mentions, papers, works, concepts.get("cooccurrence"),
                                       neighbour_gate(vectors, cfg), registry,
                                       author_min_docs=int(cfg["evidence"]["authors"]["min_documents"])),
                           run.result("stance"))
        if t is not None:
            cues = load_cues(resolve(cfg, cfg["definitions"]["cues"]))
            t["definitions"] = [d.as_dict() for d in definitions_of(mentions, cues)]
        return with_foreign(t, concept, glossary) if t is not None else None
    finally:
        run.close()
