"""Where the configuration files are: the copy shipped with the package, and the project folder.

The packaged copy is the repository's ``configs/`` folder, installed as the package
``pipeline.configs`` (pyproject maps it), so a wheel install finds it as well as a checkout.
The project folder is where a researcher works: ``$LITMAP_HOME`` if set, else the current
directory. Its ``configs/`` files, when present, override the packaged ones file by file, and the
relative paths of the config (store, report, dictionaries) resolve against it.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

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
