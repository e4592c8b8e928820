"""Importing a package while some modules it imports stand in until first used.

A package's import may run modules litmap never uses and that cost much of it: gensim's runs
``scipy.stats`` and ``scipy.optimize`` (``models/gensim_import.py``), spaCy's its command-line
interface (``text/spacy_import.py``). While the package imports, each such module is a stand-in
(:class:`_StandIn`): each name taken from it is a :class:`Deferred` that imports the real module
on first use (a call or an attribute). Once the package is imported the stand-ins leave
``sys.modules``: a later import of the module is the real one, and the package's references
resolve to it when used. A module already imported is not stood in for; if the package's import
fails beside the stand-ins (a release that does more with them at import), the package is
imported the ordinary way.
"""
from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


def _real(module: str) -> types.ModuleType:
    """The real module, imported now if only its stand-in is there."""
    if isinstance(sys.modules.get(module), _StandIn):
        del sys.modules[module]  # the rest of the package's import, if any, sees the real module
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
    """A deferred module while its package imports: its names are :class:`Deferred` until the
    real module is imported, and the real module's names after."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # __path__, __spec__...: the import system asking, not the package
            raise AttributeError(name)
        real = sys.modules.get(self.__name__)
        if real is not None and not isinstance(real, _StandIn):
            return getattr(real, name)
        return Deferred(self.__name__, name)


def _remove(stand_ins: dict[str, types.ModuleType]) -> None:
    for name, stand_in in stand_ins.items():
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]


def import_deferring(package: str, deferred: tuple[str, ...]) -> types.ModuleType:
    """``import package``, with the modules ``deferred`` stood in for while it imports."""
    if package in sys.modules:
        return sys.modules[package]
    with _lock:
        stand_ins = {m: _StandIn(m) for m in deferred if m not in sys.modules}  # not what is imported already
        if package in sys.modules or not stand_ins:
            return importlib.import_module(package)
        before = set(sys.modules)
        sys.modules.update(stand_ins)
        try:
            return importlib.import_module(package)
        except Exception:
            # Not this release: forget what the attempt left half-imported and import it plainly.
            _remove(stand_ins)
            for name in set(sys.modules) - before:
                if name == package or name.startswith(package + "."):
                    del sys.modules[name]
            return importlib.import_module(package)
        finally:
            _remove(stand_ins)
