"""Shared test fixtures: paths to ../shared, small corpora built from its real files, and run
contexts built by the runner's own stages (so tests exercise the code `litmap run` runs).

The tests read real data from ../shared beside the repo. Without it, the session says once what
is missing and skips the tests that read it; under ``CI=true`` missing data fails the session.
"""
from __future__ import annotations

import inspect
import os
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
WORKS = SHARED / "corpora" / "works"

# What the tests read from ../shared: a missing one is named in the session's one message.
NEEDED = (SEED, WORKS, SHARED / "corpora" / "headers", SHARED / "corpora" / "cnki", SHARED / "corpora" / "cssci",
          SHARED / "gold" / "seed",
          SHARED / "gold" / "works.json", SHARED / "gold" / "headers.json", SHARED / "gold" / "references.jsonl",
          SHARED / "data" / "csl" / "csl_2000.jsonl", SHARED / "data" / "sighan2005")


def missing_shared() -> list[Path]:
    return [p for p in NEEDED if not p.exists()]


def _missing_message(missing: list[Path]) -> str:
    what = "the folder itself" if not SHARED.is_dir() else ", ".join(str(p.relative_to(SHARED)) for p in missing)
    return (f"litmap tests: shared test data missing at {SHARED} ({what}): the real corpora, gold labels and "
            f"data sets the tests read; put the project's shared folder beside the repo as ../shared")


def pytest_sessionstart(session: pytest.Session) -> None:
    missing = missing_shared()
    if not missing:
        return
    msg = _missing_message(missing)
    if os.environ.get("CI", "").lower() == "true":
        # one line on stderr, exit status 4, no test run: CI must not pass on skipped data
        raise pytest.UsageError(msg + " (CI=true: missing shared data is a failure)")
    tr = session.config.pluginmanager.get_plugin("terminalreporter")
    if tr is not None:
        tr.write_line(msg + "; the tests that need it are skipped", yellow=True, bold=True)
    else:
        print(msg, file=sys.stderr)


def _in_tests(code: types.CodeType) -> bool:
    return code.co_filename.startswith(str(ROOT / "tests"))


def _under_shared(value: Any) -> bool:
    return isinstance(value, Path) and (value == SHARED or SHARED in value.parents)


def _fn_reads_shared(fn: Any, seen: set[int]) -> bool:
    fn = getattr(fn, "__wrapped__", fn)
    if not (inspect.isfunction(fn) and _in_tests(fn.__code__)):
        return False
    defaults = [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]  # seed_document(path=SEED)
    return any(map(_under_shared, defaults)) or _reads_shared(fn.__code__, fn.__globals__, seen)


def _reads_shared(code: types.CodeType, globs: dict[str, Any], seen: set[int]) -> bool:
    """Whether test code reaches ../shared: it names a path under it (SEED, GOLD, ...) or calls a
    test helper that does (fixtures_docs.build_pdf, another module's report builder)."""
    if id(code) in seen:
        return False
    seen.add(id(code))
    for name in code.co_names:
        value = globs.get(name)
        if _under_shared(value) or _fn_reads_shared(value, seen):
            return True
    return any(isinstance(c, types.CodeType) and _reads_shared(c, globs, seen) for c in code.co_consts)


def needs_shared(item: pytest.Item) -> bool:
    """A test needs ../shared when it is marked ``shared`` (it reaches the data some other way,
    e.g. through a bench script), or its own code or one of its fixtures' code reaches it."""
    if item.get_closest_marker("shared") is not None:
        return True
    funcs = [getattr(item, "function", None)]
    for defs in getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {}).values():
        funcs += [d.func for d in defs]
    seen: set[int] = set()
    return any(_fn_reads_shared(f, seen) for f in funcs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared: the test reads ../shared in a way conftest cannot see")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not missing_shared():
        return
    skip = pytest.mark.skip(reason=f"needs {SHARED} (see the message at the start of the session)")
    for item in items:
        if needs_shared(item):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


def refusing_while_stood_in(module: str, stand_in: str) -> str:
    """The start of a script for a fresh interpreter (``sys.argv[1]``: the checkout): a module of
    a package that refuses to load while ``stand_in`` is one of ``pipeline/deferred_import.py``'s
    stand-ins, as a release of the package whose import needs the real module would."""
    return f"""
import sys
sys.path.insert(0, sys.argv[1])

class Picky:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r} and type(sys.modules.get({stand_in!r})).__name__ == "_StandIn":
            raise ImportError("needs the real " + {stand_in!r})
        return None

sys.meta_path.insert(0, Picky())
"""


def make_config(tmp: Path, **sections) -> Path:
    """A --config file pointing the store into tmp, plus any overrides."""
    import yaml

    cfg = {"store": {"path": str(tmp / "store.duckdb")}, "report": {"out": str(tmp / "report")}}
    for k, v in sections.items():
        cfg.setdefault(k, {}).update(v)
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture()
def bad_corpus(tmp_path: Path) -> Path:
    """The seed, its GB18030 copy, a binary file and an empty file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    (corpus / "seed_gb18030.txt").write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_bytes(b"")
    return corpus


# -- run contexts built by the runner's stages --------------------------------------------------

def stage_context(tmp: Path, sources: list[Path], **sections: dict) -> Any:
    """A corpus of ``sources`` (copied into ``tmp/corpus``) through the runner's per-document
    stages (discover, parse, segment, features: :mod:`pipeline.runner.doc_stages`), in this process;
    returns the run context with its store open. A test then calls the corpus stages' reduces
    (``pipeline.runner.corpus.STAGES``, see :func:`corpus_results`) on it: the code `litmap run`
    runs, without the report and the models a test does not look at."""
    from pipeline.config import load_config, resolve
    from pipeline.runner import stages
    from pipeline.runner.discover import discover
    from pipeline.runner.run import RunContext, features_stage, parse_stage, segment_stage
    from pipeline.store.db import Store

    corpus = tmp / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for src in sources:
        shutil.copy(src, corpus / src.name)
    cfg = load_config(make_config(tmp, **sections))
    # In-process workers keep what they loaded (segmenter, aliases) for the process's life; a
    # session builds corpora with different settings, so each starts from nothing.
    stages._state.clear()
    store = Store(resolve(cfg, cfg["store"]["path"]), cfg["store"]["memory_limit"], cfg["store"]["storage_compatibility"])
    run_id = store.start_run(str(corpus.resolve()), "test", "refit")
    ctx = RunContext(cfg, store, run_id, corpus.resolve(), tmp / "report")
    ctx.files = discover(corpus, cfg["ingest"]["suffixes"], int(cfg["ingest"]["max_bytes"]))
    for stage in (parse_stage, segment_stage, features_stage):
        stage(ctx, 1, "local", None)
    return ctx


def corpus_results(ctx: Any, *names: str) -> dict[str, Any]:
    """Compute the named corpus stages, in the runner's order, with their own compute functions."""
    from pipeline.runner.corpus import STAGES

    for stage in STAGES:
        if stage.name in names:
            ctx.results[stage.name] = stage.compute(ctx)
    return ctx.results


@pytest.fixture(scope="session")
def works_ctx(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The seed plus ../shared/corpora/works (39 documents) through the runner's per-document
    stages and its works, terms and concepts stages (not vectors and topics: no test of this
    context reads them, and they are most of a run's model time)."""
    ctx = stage_context(tmp_path_factory.mktemp("works_ctx"), [SEED, *sorted(WORKS.glob("*.md"))])
    corpus_results(ctx, "works", "stance", "terms", "concepts")
    yield ctx
    ctx.store.close()
