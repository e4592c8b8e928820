"""Configuration as the stages read it: the validated settings (``pipeline.settings``) as a dict.

``load_config`` returns every section complete (the model fills what no file sets) plus ``_root``,
the project folder that relative paths resolve against: ``$LITMAP_HOME`` or the current directory.
A bad value raises :class:`ConfigError` (exit status 2) before any work starts.
"""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from .settings.errors import ConfigError
from .settings.files import project_root, resolve_path

__all__ = ["ConfigError", "deep_merge", "load_config", "project_root", "resolve", "stable_hash"]


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def load_config(user: str | Path | None = None) -> dict[str, Any]:
    from .settings.load import load_settings  # the model is built only when settings are validated

    return load_settings(user).as_dict()


def resolve(cfg: dict[str, Any], rel: str | None) -> Path | None:
    """A path from the config, relative to the project folder (``configs/`` files fall back to the packaged copy)."""
    if not rel:
        return None
    return resolve_path(cfg.get("_root", "."), rel)


def stable_hash(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]

