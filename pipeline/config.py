"""Configuration: ``configs/default.yaml`` merged key by key with a user's ``--config`` file.

Paths inside the config (store, dictionaries) are relative to the project root, which is the
directory holding ``configs/``: the current directory when it has one, else the checkout this
package was installed from (an editable install keeps it beside ``pipeline/``).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml


class ConfigError(Exception):
    """A usage or configuration error (exit status 2)."""


def project_root() -> Path:
    env = os.environ.get("LITMAP_HOME")
    if env:
        return Path(env)
    cwd = Path.cwd()
    if (cwd / "configs" / "default.yaml").is_file():
        return cwd
    return Path(__file__).resolve().parents[1]


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"config file not found: {path}") from e
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {path} is not valid YAML: {e}") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a mapping of sections")
    return data


def load_config(user: str | Path | None = None) -> dict[str, Any]:
    root = project_root()
    cfg = _read_yaml(root / "configs" / "default.yaml")
    if user:
        cfg = deep_merge(cfg, _read_yaml(Path(user)))
    cfg["_root"] = str(root)
    _validate(cfg)
    return cfg


def _validate(cfg: dict[str, Any]) -> None:
    t = cfg.get("topics", {})
    if t.get("model") not in ("lda", "nmf", "auto"):
        raise ConfigError(f"topics.model must be lda, nmf or auto, not {t.get('model')!r}")
    if t.get("k") != "auto" and not (isinstance(t.get("k"), int) and t["k"] >= 1):
        raise ConfigError(f"topics.k must be a positive integer or auto, not {t.get('k')!r}")
    if t.get("unit") not in ("paper", "section", "paragraph", "auto"):
        raise ConfigError(f"topics.unit must be paper, section, paragraph or auto, not {t.get('unit')!r}")
    if cfg.get("segment", {}).get("backend") not in ("jieba", "rjieba"):
        raise ConfigError(f"segment.backend must be jieba or rjieba, not {cfg['segment'].get('backend')!r}")


def resolve(cfg: dict[str, Any], rel: str | None) -> Path | None:
    """A path from the config, relative to the project root."""
    if not rel:
        return None
    p = Path(rel)
    return p if p.is_absolute() else Path(cfg.get("_root", ".")) / p


def stable_hash(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def section_hash(cfg: dict[str, Any], section: str, files: tuple[str, ...] = ()) -> str:
    """Hash of one config section plus the contents of the files it names (dictionaries etc.)."""
    part = cfg.get(section, {})
    contents = {}
    for key in files:
        p = resolve(cfg, part.get(key)) if isinstance(part, dict) else None
        contents[key] = hashlib.sha1(p.read_bytes()).hexdigest() if p and p.is_file() else None
    return stable_hash({"section": part, "files": contents})
