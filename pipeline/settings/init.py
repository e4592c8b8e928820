"""``litmap init DIR``: a project folder a researcher can run litmap in.

It holds ``corpora/`` (the papers), ``configs/`` (copies of litmap's own files, to edit) and
``reports/``. A file already there is never overwritten: it is the user's, and it is reported as kept.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .errors import ConfigError
from .files import CONFIG_FILES, packaged_configs


def init_project(folder: Path) -> dict[str, list[str]]:
    made: list[str] = []
    kept: list[str] = []
    for sub in ("", "corpora", "configs", "reports"):
        d = folder / sub
        if d.exists() and not d.is_dir():
            raise ConfigError(f"litmap init: {d} exists and is not a folder; nothing was changed there")
    for sub in ("corpora", "configs", "reports"):
        d = folder / sub
        if d.is_dir():
            kept.append(f"{sub}/")
        else:
            d.mkdir(parents=True, exist_ok=False)
            made.append(f"{sub}/")
    src = packaged_configs()
    for name in CONFIG_FILES:
        target = folder / "configs" / name
        if target.exists():
            kept.append(f"configs/{name}")
            continue
        shutil.copyfile(src / name, target)
        made.append(f"configs/{name}")
    return {"made": made, "kept": kept}
