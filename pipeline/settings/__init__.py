"""Typed settings: the model (defaults in one place), the config layers, and their checks.

The model and its loader (pydantic) are imported on first use of a name that needs them: a run
whose settings are known (``settings/cache.py``) and the modules that only read defaults
(``settings/fill.py``) never build the model.
"""
from __future__ import annotations

import importlib
from typing import Any

from .errors import ConfigError
from .files import CONFIG_FILES, layer_files, packaged_configs, project_root, resolve_path
from .fill import filled, section_defaults

_LAZY = {"Loaded": "load", "load_settings": "load", "Settings": "model", "defaults": "model"}

__all__ = ["CONFIG_FILES", "ConfigError", "Loaded", "Settings", "defaults", "filled", "layer_files", "load_settings",
           "packaged_configs", "project_root", "resolve_path", "section_defaults"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
