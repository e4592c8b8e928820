"""gensim, imported without paying for ``scipy.stats`` until something of it is used.

gensim's package import runs ``scipy.stats`` (``matutils`` takes ``entropy`` from it,
``models.nmf`` takes ``halfnorm``, ``models.keyedvectors`` the module), which builds about a
hundred distribution objects: 0.45 s of gensim's 1.25 s import on this project's 2-core machine.
litmap calls none of the functions that use them (Kullback-Leibler and Jensen-Shannon distances,
gensim's NMF, word-pair evaluation), and an ``--update`` imports gensim on its critical path: the
driver reads the stored word2vec model while the new paper is processed beside it, and the
stages wait for that read.

So while gensim's modules run, ``scipy.stats`` is a stand-in: each name taken from it is a
:class:`Deferred` that imports the real module on first use (a call or an attribute). When
gensim is imported the stand-in leaves ``sys.modules``: a later ``import scipy.stats``
(scikit-learn's) is the real one, and gensim's own references resolve to it when used. If
``scipy.stats`` is already imported, or gensim's import fails beside the stand-in (a gensim
release that does more with ``scipy.stats`` at import), gensim is imported the ordinary way.

Every module of litmap that imports gensim imports this module first (which imports gensim so).

    >>> gensim = import_gensim()
    >>> import scipy.stats
    >>> float(gensim.matutils.entropy([0.5, 0.5], [0.25, 0.75])) == float(scipy.stats.entropy([0.5, 0.5], [0.25, 0.75]))
    True
"""
from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_STATS = "scipy.stats"
_lock = threading.Lock()


def _real_stats() -> types.ModuleType:
    """The real ``scipy.stats``, imported now if only the stand-in is there."""
    current = sys.modules.get(_STATS)
    if isinstance(current, _StandIn):
        del sys.modules[_STATS]  # the rest of gensim's import, if any, sees the real module
    return importlib.import_module(_STATS)


class Deferred:
    """A name of ``scipy.stats`` (a function, a distribution) resolved on first use."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _target(self) -> Any:
        return getattr(_real_stats(), self._name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._target(), attr)

    def __repr__(self) -> str:
        return f"<scipy.stats.{self._name}, imported on first use>"


class _StandIn(types.ModuleType):
    """``scipy.stats`` while gensim imports: names are :class:`Deferred` until the real module
    is imported, and the real module's names after."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # __path__, __spec__...: the import system asking, not gensim
            raise AttributeError(name)
        real = sys.modules.get(_STATS)
        if real is not None and not isinstance(real, _StandIn):
            return getattr(real, name)
        return Deferred(name)


def import_gensim() -> types.ModuleType:
    """``import gensim``, with ``scipy.stats`` deferred as the module docstring says."""
    if "gensim" in sys.modules:
        return sys.modules["gensim"]
    with _lock:
        if "gensim" in sys.modules or _STATS in sys.modules:
            return importlib.import_module("gensim")
        before = set(sys.modules)
        stand_in = _StandIn(_STATS)
        sys.modules[_STATS] = stand_in
        try:
            return importlib.import_module("gensim")
        except Exception:
            # Not this gensim: forget what the attempt left half-imported and import it plainly.
            for name in set(sys.modules) - before:
                if name == "gensim" or name.startswith("gensim."):
                    del sys.modules[name]
            if sys.modules.get(_STATS) is stand_in:
                del sys.modules[_STATS]
            return importlib.import_module("gensim")
        finally:
            if sys.modules.get(_STATS) is stand_in:
                del sys.modules[_STATS]


# Importing this module imports gensim: a module of litmap that uses gensim imports this first.
gensim = import_gensim()
