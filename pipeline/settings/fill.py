"""The settings' defaults and plain constants, without the pydantic model.

``configs/default.yaml`` as shipped holds the model's defaults value for value, types included
(``tests/test_settings.py`` checks it), so the defaults are read from it here. Why not from the
model: building the model's classes is most of the settings' cost (0.23-0.27 s on this
project's 2-core machine), and the modules every run imports (the store, the segmenter, the
parsers, the topic and concept code) need only the defaults, to fill a partial section
(:func:`filled`). A run whose settings were validated before (``settings/cache.py``) then never
builds the model at all.

    >>> filled({"max_lines": 10}, "structure", "header")
    {'max_lines': 10, 'max_title_lines': 3, 'max_title_chars': 200}
"""
from __future__ import annotations

import copy
import os
import re
from functools import lru_cache
from typing import Any

from .files import packaged_configs

# A size as DuckDB's memory_limit takes it (256MB, 1.5 GB, 2GiB, 256 megabytes, 80%), or none
# / -1 for DuckDB's default: checked by the model, since DuckDB refuses any other text only when
# the store is opened, with a message that does not say which setting it was. The units (case
# aside) and their bytes, as DuckDB reads them: 256MB is 256,000,000 bytes, 256MiB 2^28.
MEMORY_UNITS = {"b": 1, "byte": 1, "bytes": 1, "k": 1000, "kb": 1000, "kib": 1024, "kilobyte": 1000,
                "kilobytes": 1000, "m": 1000**2, "mb": 1000**2, "mib": 1024**2, "megabyte": 1000**2,
                "megabytes": 1000**2, "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "gigabyte": 1000**3,
                "gigabytes": 1000**3, "t": 1000**4, "tb": 1000**4, "tib": 1024**4, "terabyte": 1000**4,
                "terabytes": 1000**4}
MEMORY_SIZE = (r"^(?i:\s*(\d+(\.\d+)?\s*(" + "|".join(sorted(MEMORY_UNITS, key=len, reverse=True))
               + r")|\d+(\.\d+)?%|-1|none)\s*)$")


def size_bytes(size: str | None) -> float:
    """Bytes of a memory size :data:`MEMORY_SIZE` allows (a share of RAM of this machine's);
    no limit (None, none, -1) is infinite.

    >>> size_bytes("256MB"), size_bytes("0.5 GiB"), size_bytes("none")
    (256000000.0, 536870912.0, inf)
    """
    text = (size or "").strip().lower()
    if text in ("", "none", "-1"):
        return float("inf")
    if text.endswith("%"):
        return float(text[:-1]) / 100 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]+)", text)
    return float(m.group(1)) * MEMORY_UNITS[m.group(2)]


@lru_cache(maxsize=1)
def default_tree() -> dict[str, Any]:
    """Every setting's default, by section: the shipped ``configs/default.yaml`` (never the
    project's own copy, which is a layer of settings, not the defaults)."""
    from ..yaml_safe import safe_load

    return safe_load((packaged_configs() / "default.yaml").read_text(encoding="utf-8"))


def section_defaults(*path: str) -> dict[str, Any]:
    """The defaults of one section, e.g. ``section_defaults("structure", "body")`` (a copy)."""
    return copy.deepcopy(_tree_at(path))


def filled(given: dict[str, Any] | None, *path: str) -> dict[str, Any]:
    """The section at ``path`` as ``given`` sets it, every key it leaves out taken from the defaults.

    Stages read the validated settings, which are complete; a function that may also be called
    with a partial section (a test, a script through the API, ``cfg={}``) fills it here, so no
    default is written twice (an inline ``cfg.get("min_count", 2)`` drifts from the model).
    """
    return _deep_fill(given or {}, _tree_at(path))


def _tree_at(path: tuple[str, ...]) -> dict[str, Any]:
    node = default_tree()
    for key in path:
        node = node[key]
    return node


def _deep_fill(given: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    out = {k: (_deep_fill(given[k], v) if isinstance(v, dict) and isinstance(given.get(k), dict) else
               given[k] if k in given else copy.deepcopy(v)) for k, v in base.items()}
    out.update((k, v) for k, v in given.items() if k not in base)  # keys the model does not know (``_root``)
    return out
