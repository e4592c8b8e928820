"""YAML read safely (plain data, no Python objects), by libyaml's parser when PyYAML has it.

Every run reads the configs and the term lists (six files, ~40 KB) and the front matter of each
Markdown paper; an ``--update`` of one paper reads the configs twelve times over its stages.
PyYAML's pure-Python parser took 28 ms for the six files once, libyaml's 3 ms, with equal
results; its errors are the same ``yaml.YAMLError`` classes, with line and column.
"""
from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # a PyYAML built without libyaml has only the Python one


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` of ``text``."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
