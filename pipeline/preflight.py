"""Checks before any work that need a domain package's own reader, so they run here, at the
entry (beside ``api``), and not in the settings layer, which sits below every domain package.

- Settings files whose content only a domain can read: the stance lexicon (``concepts.stance``)
  and the definition cues (``concepts.definitions``). The settings layer checks that each file
  named exists; here each is read as its stage will read it, and a mistake is refused naming
  the key and the settings file that set it.
- The corpus of a run: missing, or holding no file the readers (``ingest.readers``) take.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .concepts.definitions import load_cues
from .concepts.stance import load_lexicon
from .ingest.readers import skip_reason
from .settings import cache as settings_cache
from .settings.checks import check_options, near_folders
from .settings.errors import ConfigError
from .settings.files import check_named_files, layer_files, project_root, resolve_path, source_in

if TYPE_CHECKING:
    from .settings.load import Loaded

Key = tuple[str, ...]

# The settings files read by a domain reader, with it: a reader raises ValueError on a bad file.
CONTENT_READERS: dict[Key, Callable[[Path], Any]] = {
    ("stance", "lexicon"): load_lexicon,
    ("definitions", "cues"): load_cues,
}


def check_contents(cfg: dict[str, Any], root: Path | str, source_of: Callable[[Key], str]) -> None:
    """Each settings file a domain reads, read by it: a lexicon that cannot be read, a cue that is
    not a valid regex or has no {X}, is a config error found before any work. ``source_of``: the
    config file that set a key, for the message."""
    for key, read in CONTENT_READERS.items():
        value = cfg[key[0]][key[1]]
        try:
            read(resolve_path(root, value))
        except ValueError as e:
            raise ConfigError(f"{source_of(key)}: {'.'.join(key)}: {e}") from None


def load_checked(user: str | Path | None = None) -> Loaded:
    """The settings of ``user`` over the defaults, validated, every file they name checked."""
    return _validated(user)[0]


def _validated(user: str | Path | None) -> tuple[Loaded, dict[str, Any]]:
    """:func:`load_checked`'s settings, and their dict (dumped from the model once)."""
    from .settings.load import load_settings

    loaded = load_settings(user)
    cfg = loaded.as_dict()
    check_contents(cfg, loaded.root, loaded.source_of)
    return loaded, cfg


def load_config(user: str | Path | None = None) -> dict[str, Any]:
    """As :func:`pipeline.config.load_config`, with the settings files' contents checked too:
    what every command of the API starts from.

    Settings validated before from the same files are taken as validated then
    (``settings/cache.py``), without building the model; the files they name are checked as
    every time: that each exists, and what the stance lexicon and the cues hold."""
    root = project_root()
    layers = layer_files(user, root)
    kept = settings_cache.known(layers, root)
    if kept is not None:
        cfg, sources = kept
        source_of = partial(source_in, sources)
        check_named_files(cfg, root, source_of)
        check_contents(cfg, root, source_of)
        return cfg
    loaded, cfg = _validated(user)
    settings_cache.remember(layers, root, cfg, loaded.sources)
    return cfg


def check_run(cfg: dict[str, Any], corpus: str | Path, workers: int | None = None, executor: str | None = None,
              scheduler: str | None = None) -> None:
    check_options(cfg, workers, executor, scheduler)
    check_corpus(Path(corpus), cfg["ingest"]["suffixes"])


def check_corpus(corpus: Path, suffixes: list[str]) -> None:
    """A corpus that is missing, or holds no file litmap reads, is a mistake (a misspelled
    ``--corpus``), not an empty report."""
    if not corpus.exists():
        raise ConfigError(f"corpus folder {corpus} does not exist{near_folders(corpus)}")
    if corpus.is_file():
        return
    if not corpus.is_dir():
        raise ConfigError(f"corpus {corpus} is neither a folder nor a file")
    wanted = {s.lower() for s in suffixes}
    for dirpath, dirnames, filenames in os.walk(corpus, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for f in filenames:
            p = Path(dirpath) / f
            if not f.startswith(".") and p.suffix.lower() in wanted and skip_reason(p) is None:
                return
    raise ConfigError(f"corpus folder {corpus} holds no papers (files ending in {', '.join(suffixes)}); "
                      f"put papers there, or name another folder with --corpus")
