"""The offline pyLDAvis page, reused from the previous report while its inputs are unchanged.

pyLDAvis ranks the whole vocabulary for every topic at 101 values of λ: 2-6 s at 1,000 papers,
as long as the rest of the report (``ldavis_fast.py`` does that ranking in numpy, the same page). The page depends only on the stored topic state, the code
that writes it (``models/topics_ldavis.py``, ``models/topics.py``) and the pyLDAvis version, so
a hash of those is kept in ``run.json`` (``ldavis_key``); when the previous report in the
output directory carries the same key, its page is copied instead of laid out again; otherwise
it is laid out in a side process (``background.py``) while the pages are written.
"""
from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..context import ReportContext
from .background import submit
from .section import previous_run_info

PAGE = "topics/ldavis.html"
TITLE = "litmap 主题可视化 topics"


def ldavis_key(state: bytes) -> str:
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    from .. import __version__

    try:
        vis = version("pyLDAvis")
    except PackageNotFoundError:  # write_ldavis will raise ImportError; the key is never used
        vis = ""
    h = hashlib.sha1(state)
    # The code between the state and the page: the writer and topic_weights (models/topics.py).
    # Located, not imported: importing models.topics costs a second when nothing loaded it yet.
    for module in ("topics_ldavis", "topics"):
        spec = find_spec(f"{__package__.rsplit('.', 1)[0]}.models.{module}")
        h.update(Path(spec.origin).read_bytes() if spec and spec.origin else module.encode())
    h.update(Path(__file__).with_name("ldavis_fast.py").read_bytes())
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


def render(state: bytes) -> str:
    """The page, laid out by pyLDAvis; run in a side process (background.py)."""
    from ..models.topics_ldavis import write_ldavis
    from .ldavis_fast import fast_relevance

    with tempfile.TemporaryDirectory() as tmp, fast_relevance():
        return write_ldavis(state, Path(tmp) / "ldavis.html", title=TITLE).read_text(encoding="utf-8")


def start_ldavis(ctx: ReportContext, state: bytes) -> tuple[str, Callable[[], str]]:
    """(key, get): ``get()`` returns the page's HTML, the previous report's when its key is
    the same, else laid out in a side process meanwhile; it raises what write_ldavis raises
    (no pyLDAvis, a model it cannot lay out)."""
    try:
        key = ldavis_key(state)
    except Exception as e:  # the page's code cannot be loaded: reported where the link would be
        err = e

        def fail() -> str:
            raise err

        return "", fail
    page = _previous(Path(ctx.out), key)
    if page is not None:
        return key, lambda: page
    return key, submit(ctx, render, state).result
