"""gensim, imported without paying for ``scipy.stats`` and ``scipy.optimize`` until something of them is used.

gensim's package import runs ``scipy.stats`` (``matutils`` takes ``entropy`` from it,
``models.nmf`` takes ``halfnorm``, ``models.keyedvectors`` the module), which builds about a
hundred distribution objects, and ``scipy.optimize`` (``models.ldaseqmodel``): 0.45 s and
0.15 s of gensim's 1.25 s import on this project's 2-core machine. litmap calls none of the
functions that use them (Kullback-Leibler and Jensen-Shannon distances, gensim's NMF,
word-pair evaluation, the dynamic topic model), and an ``--update`` imports gensim on its
critical path: the driver reads the stored word2vec model while the new paper is processed
beside it, and the stages wait for that read.

So while gensim's modules run, each of those two modules is a stand-in: each name taken from
it is a :class:`Deferred` that imports the real module on first use (a call or an attribute).
When gensim is imported the stand-ins leave ``sys.modules``: a later ``import scipy.stats``
(scikit-learn's) is the real one, and gensim's own references resolve to it when used. A
module already imported is not stood in for; if gensim's import fails beside the stand-ins (a
gensim release that does more with them at import), gensim is imported the ordinary way.

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

# Modules gensim imports whose import is dear and whose names it only uses in functions litmap
# never calls. Not scipy.spatial: gensim imports a submodule of it (scipy.spatial.distance), which
# needs the real package.
DEFERRED = ("scipy.stats", "scipy.optimize")
_lock = threading.Lock()


def _real(module: str) -> types.ModuleType:
    """The real module, imported now if only its stand-in is there."""
    if isinstance(sys.modules.get(module), _StandIn):
        del sys.modules[module]  # the rest of gensim's import, if any, sees the real module
    return importlib.import_module(module)


class Deferred:
    """A name of a deferred module (a function, a distribution) resolved on first use."""

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name = module, name

    def _target(self) -> Any:
        return getattr(_real(self._module), self._name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._target(), attr)

    def __repr__(self) -> str:
        return f"<{self._module}.{self._name}, imported on first use>"


class _StandIn(types.ModuleType):
    """A deferred module while gensim imports: its names are :class:`Deferred` until the real
    module is imported, and the real module's names after."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # __path__, __spec__...: the import system asking, not gensim
            raise AttributeError(name)
        real = sys.modules.get(self.__name__)
        if real is not None and not isinstance(real, _StandIn):
            return getattr(real, name)
        return Deferred(self.__name__, name)


def import_gensim() -> types.ModuleType:
    """``import gensim``, with ``DEFERRED`` deferred as the module docstring says."""
    if "gensim" in sys.modules:
        return sys.modules["gensim"]
    with _lock:
        stand_ins = {m: _StandIn(m) for m in DEFERRED if m not in sys.modules}  # not what is imported already
        if "gensim" in sys.modules or not stand_ins:
            return importlib.import_module("gensim")
        before = set(sys.modules)
        sys.modules.update(stand_ins)
        try:
            return importlib.import_module("gensim")
        except Exception:
            # Not this gensim: forget what the attempt left half-imported and import it plainly.
            _remove(stand_ins)
            for name in set(sys.modules) - before:
                if name == "gensim" or name.startswith("gensim."):
                    del sys.modules[name]
            return importlib.import_module("gensim")
        finally:
            _remove(stand_ins)


def _remove(stand_ins: dict[str, types.ModuleType]) -> None:
    for name, stand_in in stand_ins.items():
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


# Importing this module imports gensim: a module of litmap that uses gensim imports this first.
gensim = import_gensim()
