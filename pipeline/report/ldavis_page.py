"""The offline pyLDAvis page, reused from the previous report while its inputs are unchanged.

The page is pyLDAvis's, computed without importing pyLDAvis (``ldavis_prepare.py``: its
``prepare`` in numpy, the same data to the bit; ``ldavis_render.py``: the side process's entry,
which imports numpy alone). The page depends only on the stored topic state, the code that writes
it (``models/topics_ldavis.py``, ``models/topics.py``, ``report/ldavis_*.py``) and the pyLDAvis
version (whose scripts it inlines), so a hash of those is kept in ``run.json`` (``ldavis_key``);
when the previous report in the output directory carries the same key, its page is copied instead
of laid out again; otherwise it is laid out while the pages are written, by the tables' side process
when the topics stage ran in this process (``background.beside_tables``: numpy is all it needs), else
in a side process of its own (``background.py``), which decodes the state with the model's library.
An ``--update`` lays it out earlier, right after its topics stage (:func:`start_early`), in the
tables' process it has warmed: the stages after topics leave the second core idle.
"""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..context import ReportContext
from ..store.codec import StoredBytes
from .background import beside_tables, early_tables_session, submit
from .ldavis_render import TITLE, render, render_inputs
from .section import previous_run_info

__all__ = ["PAGE", "TITLE", "ldavis_key", "render", "start_early", "start_ldavis"]

PAGE = "topics/ldavis.html"
_EARLY = "_early_ldavis"  # ctx.memo: (state, key, the side process's call) of a layout started early
# The code between the state and the page, hashed into the key: the page's writer, its numpy
# layout, pyLDAvis's ranking and the side process's entry (report/), and the writer and
# topic_weights (models/).
REPORT_CODE = ("ldavis_fast", "ldavis_prepare", "ldavis_render")
MODELS_CODE = ("topics_ldavis", "topics")


def ldavis_key(state: bytes | StoredBytes) -> str:
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    from .. import __version__

    try:
        vis = version("pyLDAvis")
    except PackageNotFoundError:  # write_ldavis will raise ImportError; the key is never used
        vis = ""
    if isinstance(state, StoredBytes):  # hashed from its file: 51 MB at 10,000 papers, never held
        with state.path.open("rb") as f:
            h = hashlib.file_digest(f, "sha1")
    else:
        h = hashlib.sha1(state)
    # Located, not imported: importing models.topics costs a second when nothing loaded it yet.
    for module in MODELS_CODE:
        spec = find_spec(f"{__package__.rsplit('.', 1)[0]}.models.{module}")
        h.update(Path(spec.origin).read_bytes() if spec and spec.origin else module.encode())
    for module in REPORT_CODE:
        h.update(Path(__file__).with_name(f"{module}.py").read_bytes())
    h.update(f"\0{vis}\0{__version__}\0{TITLE}".encode())
    return h.hexdigest()


def _previous(out: Path, key: str) -> str | None:
    """The previous report's page if it was written from the same inputs."""
    if previous_run_info(out).get("ldavis_key") != key:
        return None
    try:
        return (out / PAGE).read_text(encoding="utf-8")
    except OSError:
        return None


def start_early(ctx: Any) -> None:
    """After an ``--update``'s topics stage: lay the page out now, in the tables' process taken
    early (``background.early_tables_session``), when the previous report's page is not the
    one. :func:`start_ldavis` takes it when asked for the same state (the topics result does
    not change after its stage). Anything that fails here is left to the report, which lays
    the page out as before and says why it cannot."""
    from ..models.topics_ldavis import vis_inputs

    res_all = ctx.results.get("topics")
    res = res_all.get("result") if isinstance(res_all, dict) else None
    if res is None or not getattr(res, "state", None):
        return
    # Taken first: a full run has no such process, and hashes nothing here. A process taken
    # for a page the previous report holds is the one the report's tables then go to anyway.
    session = early_tables_session(ctx)
    if session is None:
        return
    try:
        key = ldavis_key(res.state)
        if _previous(Path(ctx.out), key) is not None:
            return
        inputs = vis_inputs(res.state)
    except Exception:
        return
    ctx.memo[_EARLY] = (res.state, key, session.call(render_inputs, inputs))
    log = getattr(ctx, "log", None)
    if callable(log):
        log("report: the pyLDAvis page laid out in a side process beside the stages after topics")


def start_ldavis(ctx: ReportContext, state: bytes | StoredBytes) -> tuple[str, Callable[[], str]]:
    """(key, get): ``get()`` returns the page's HTML, the previous report's when its key is
    the same, else laid out in a side process meanwhile; it raises what write_ldavis raises
    (no pyLDAvis, a model it cannot lay out)."""
    # ``state``: a run holds it in the stored result's file (``CorpusStage.bytes_on_disk``); it is
    # hashed and unpacked from there, and a side process given it reads that file.
    early = getattr(ctx, "memo", {}).pop(_EARLY, None)
    if early is not None and early[0] is state:  # laid out from this very state: hashed then
        return early[1], early[2].result
    try:
        key = ldavis_key(state)
    except Exception as e:  # the page's code or the state cannot be read: reported where the link would be
        err = e

        def fail() -> str:
            raise err

        return "", fail
    page = _previous(Path(ctx.out), key)
    if page is not None:
        return key, lambda: page
    if "pipeline.models.topics" in sys.modules:
        # The topics stage ran in this process (the state changed, so it did on --update): its
        # model's library is loaded here, and decoding the state costs ~0.3 s, where the side
        # process would import gensim (and scipy.stats) for it: ~3.5 s on the other core.
        from ..models.topics_ldavis import vis_inputs

        try:
            inputs = vis_inputs(state)
        except Exception:  # the side process decodes it again and reports why it cannot
            return key, submit(ctx, render, state).result
        # Laid out by the tables' process (numpy is all it needs), not a process of its own.
        return key, beside_tables(ctx, render_inputs, *inputs).result
    return key, submit(ctx, render, state).result
