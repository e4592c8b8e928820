"""Where the configuration files are: the copy shipped with the package, and the project folder.

The packaged copy is the repository's ``configs/`` folder, installed as the package
``pipeline.configs`` (pyproject maps it), so a wheel install finds it as well as a checkout.
The project folder is where a researcher works: ``$LITMAP_HOME`` if set, else the current
directory. Its ``configs/`` files, when present, override the packaged ones file by file, and the
relative paths of the config (store, report, dictionaries) resolve against it.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_SOURCE = "litmap's built-in defaults"  # where a value no file sets comes from

# Keys that named a file now named elsewhere: the message says where it went.
MOVED: dict[tuple[str, ...], str] = {
    ("segment", "concepts"): "concepts.registry",
}
# Keys naming a file that must exist (a None value means "none").
FILE_KEYS: tuple[tuple[str, ...], ...] = (
    ("refs", "aliases"), ("segment", "userdict"), ("segment", "stopwords"), ("concepts", "registry"),
    ("glossary", "rules"),
    ("stance", "lexicon"),
    ("definitions", "cues"))

CONFIG_FILES = ("default.yaml", "concepts.yaml", "aliases.yaml", "userdict.txt", "stopwords.txt", "stance.yaml",
                "definitions.yaml", "glossary.yaml")


@lru_cache(maxsize=1)
def packaged_configs() -> Path:
    """The ``configs`` folder installed with litmap."""
    here = Path(__file__).resolve().parents[1]  # the pipeline package
    try:
        from importlib.resources import files

        p = Path(str(files("pipeline.configs")))
        if (p / "default.yaml").is_file():
            return p
    except (ModuleNotFoundError, TypeError, ValueError):
        pass  # running from a checkout on PYTHONPATH: no pipeline.configs package, configs/ is beside it
    for p in (here / "configs", here.parent / "configs"):
        if (p / "default.yaml").is_file():
            return p
    raise FileNotFoundError(f"litmap is installed without its configs/ folder (looked beside {here})")


def project_root() -> Path:
    env = os.environ.get("LITMAP_HOME")
    return Path(env) if env else Path.cwd()


def resolve_path(root: Path | str, rel: str | Path) -> Path:
    """A path from the config: absolute as given; relative to the project folder; a ``configs/``
    file the project does not have comes from the packaged copy."""
    p = Path(rel)
    if p.is_absolute():
        return p
    local = Path(root) / p
    if local.exists() or not p.parts or p.parts[0] != "configs":
        return local
    packaged = packaged_configs().joinpath(*p.parts[1:])
    return packaged if packaged.exists() else local


def layer_files(user: str | Path | None = None, root: Path | None = None) -> list[tuple[str, Path]]:
    """The config files applied, in order: (label, file)."""
    root = root or project_root()
    pkg = packaged_configs() / "default.yaml"
    layers = [("package defaults", pkg)]
    own = root / "configs" / "default.yaml"
    if own.is_file() and own.resolve() != pkg.resolve():
        layers.append(("project", own))
    if user:
        layers.append(("--config", Path(user)))
    return layers


def source_in(sources: dict[tuple[str, ...], str], key: tuple[str, ...]) -> str:
    """The config file that set ``key`` (or the section above it that one file set whole)."""
    for n in range(len(key), 0, -1):
        if key[:n] in sources:
            return sources[key[:n]]
    return DEFAULT_SOURCE


def check_named_files(cfg: dict[str, Any], root: Path | str, source_of: Callable[[tuple[str, ...]], str]) -> None:
    """That each file the settings name exists (what it holds is checked by its reader,
    ``pipeline.preflight``). ``source_of``: the config file that set a key, for the message."""
    for key in FILE_KEYS:
        value = cfg[key[0]][key[1]]
        if value is None:
            continue
        p = resolve_path(root, value)
        if not p.is_file():
            where = "" if Path(value).is_absolute() else f" (looked in {root} and in litmap's own configs/)"
            fix = "fix the path" if key == ("concepts", "registry") else "fix the path, or set it to null for none"
            raise ConfigError(f"{source_of(key)}: {'.'.join(key)}: {value!r} is not a file{where}; {fix}")
