"""Read the config layers, validate them against the model, and say exactly what is wrong.

Layers, later ones overriding earlier ones key by key (nested keys merge):
1. the packaged ``configs/default.yaml`` (equal to the model's defaults, see ``model.py``);
2. the project's ``configs/default.yaml``, when the project folder has one of its own;
3. the user's ``--config`` file.
Every leaf value remembers the layer it came from, for ``litmap config --show`` and for error
messages, which name the file, the key path, what was given and what is allowed.
"""
from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError
from .files import (  # noqa: F401  (DEFAULT_SOURCE, layer_files, packaged_configs re-exported)
    DEFAULT_SOURCE, check_named_files, layer_files, packaged_configs, project_root, resolve_path, source_in)
from .model import FILE_KEYS, MOVED, Settings
from ..yaml_safe import safe_load

Key = tuple[str, ...]


@dataclass
class Loaded:
    settings: Settings
    root: Path
    layers: list[tuple[str, Path]]  # (label, file) in the order applied
    sources: dict[Key, str] = field(default_factory=dict)  # leaf key path -> file it came from

    def as_dict(self) -> dict[str, Any]:
        cfg = self.settings.model_dump(mode="python")
        cfg["_root"] = str(self.root)
        return cfg

    def source_of(self, key: Key) -> str:
        return source_in(self.sources, key)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"config file not found: {path}") from e
    except IsADirectoryError as e:
        raise ConfigError(f"config file {path} is a folder, not a YAML file") from e
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {path} is not valid YAML: {e}") from e
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a mapping of sections (store:, topics:, …), "
                          f"not {type(data).__name__} {_short(data)}")
    return data


def _merge(base: dict[str, Any], over: dict[str, Any], sources: dict[Key, str], src: str, prefix: Key = ()) -> None:
    for k, v in over.items():
        key = prefix + (str(k),)
        if v is None and isinstance(base.get(k), dict):
            continue  # `topics:` with every key commented out is an empty section, not a mistake
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v, sources, src, key)
            continue
        base[k] = copy.deepcopy(v)
        for old in [s for s in sources if s[:len(key)] == key]:
            del sources[old]
        sources[key] = src


def load_settings(user: str | Path | None = None, root: Path | None = None, check_files: bool = True) -> Loaded:
    root = root or project_root()
    layers = layer_files(user, root)
    merged: dict[str, Any] = {}
    sources: dict[Key, str] = {}
    for _label, path in layers:
        data = read_yaml(path)
        _check_moved(data, path)
        _merge(merged, data, sources, str(path))
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as e:
        raise ConfigError(_explain(e, merged, sources)) from None
    loaded = Loaded(settings, root, layers, sources)
    if check_files:
        _check_files(loaded)  # that each exists; what it holds is checked by its reader (pipeline.preflight)
    return loaded


def _check_moved(data: dict[str, Any], path: Path) -> None:
    for old, new in MOVED.items():
        node: Any = data
        for part in old:
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            raise ConfigError(f"{path}: {'.'.join(old)} has moved to {new} (one key names the file for every stage); "
                              f"write `{new}: {node}` instead")


def _check_files(loaded: Loaded) -> None:
    check_named_files(loaded.settings.model_dump(mode="python"), loaded.root, loaded.source_of)


# -- messages -----------------------------------------------------------------------------
def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _key_path(loc: tuple, data: Any) -> tuple[Key, list[str]]:
    """The part of a pydantic location that names keys of the input (union branch tags dropped)."""
    path: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(str(part))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            path.append(f"[{part}]")
        else:
            break
    return tuple(path), [str(p) for p in loc[len(path):]]


def _model_at(key: Key) -> type[BaseModel] | None:
    model: Any = Settings
    for part in key:
        f = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if f is None:
            return None
        model = f.annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _dotted(key: Key) -> str:
    return ".".join(key).replace(".[", "[")


def _suggest(word: str, options: list[str]) -> str:
    m = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {m[0]!r}?" if m else ""


_ALLOWED = {
    "int_type": "an integer", "int_parsing": "an integer", "float_type": "a number", "bool_type": "true or false",
    "string_type": "a text", "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
}


def _keys_of(section: str, options: list[str], hint: str) -> str:
    # A long list helps nobody once the near miss is named; `litmap config --show` lists them all.
    if len(options) > 12:
        return f"section {section!r} has {len(options)} keys (litmap config --show lists them)"
    return f"section {section!r} has: {', '.join(options)}"


def _allowed(err: dict[str, Any]) -> str:
    t, ctx = err["type"], err.get("ctx") or {}
    if t == "literal_error":
        return " or ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))) or str(ctx.get("expected"))
    if t == "greater_than_equal":
        return f"a number ≥ {ctx['ge']}"
    if t == "greater_than":
        return f"a number > {ctx['gt']}"
    if t == "less_than_equal":
        return f"a number ≤ {ctx['le']}"
    if t == "less_than":
        return f"a number < {ctx['lt']}"
    if t == "too_short":
        return f"a list of at least {ctx.get('min_length')} item(s)"
    if t == "string_pattern_mismatch":
        from .model import PATTERN_WORDS

        return PATTERN_WORDS.get(ctx.get("pattern"), f"a text matching {ctx.get('pattern')}")
    return _ALLOWED.get(t, err["msg"].removeprefix("Input should be ").removeprefix("Value error, ").strip())


def _explain(e: ValidationError, data: dict[str, Any], sources: dict[Key, str]) -> str:
    def src(key: Key) -> str:
        return source_in(sources, key)

    grouped: dict[Key, list[dict[str, Any]]] = {}
    extra: list[tuple[Key, Any]] = []
    for err in e.errors():
        key, _rest = _key_path(err["loc"], data)
        if err["type"] == "extra_forbidden":
            extra.append((key, err["input"]))
        else:
            grouped.setdefault(key, []).append(err)
    lines = []
    for key, given in extra:
        parent, name = key[:-1], key[-1]
        model = _model_at(parent)
        options = list(model.model_fields) if model else []
        hint = _suggest(name, options)
        if parent:
            what = f"unknown key {_dotted(key)!r} (given {_short(given)}); {_keys_of(_dotted(parent), options, hint)}"
        else:
            what = f"unknown section {name!r}; the sections are: {', '.join(options)}"
        lines.append(f"{src(key)}: {what}{hint}")
    for key, errs in grouped.items():
        given: Any = data
        for part in key:
            given = given[int(part[1:-1])] if part.startswith("[") else given[part]
        if any(x["type"] in ("model_type", "dict_type") for x in errs) and _model_at(key):
            model = _model_at(key)
            lines.append(f"{src(key)}: {_dotted(key)} must be a section of keys, not {_short(given)} "
                         f"({_keys_of(_dotted(key), list(model.model_fields), '')})")
            continue
        allowed = list(dict.fromkeys(_allowed(x) for x in errs))
        literals = [w for x in errs if x["type"] == "literal_error"
                    for w in re.findall(r"'([^']*)'", str((x.get("ctx") or {}).get("expected", "")))]
        hint = _suggest(str(given), literals) if isinstance(given, str) else ""
        lines.append(f"{src(key)}: {_dotted(key)}: given {_short(given)}; allowed: {', or '.join(allowed)}{hint}")
    return "invalid settings:\n  " + "\n  ".join(lines)
