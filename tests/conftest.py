"""Shared test fixtures: paths to ../shared and small corpora built from its real files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"


@pytest.fixture(scope="session")
def shared() -> Path:
    assert SHARED.is_dir(), f"../shared is missing beside the repo ({SHARED})"
    return SHARED


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


def make_config(tmp: Path, **sections) -> Path:
    """A --config file pointing the store into tmp, plus any overrides."""
    import yaml

    cfg = {"store": {"path": str(tmp / "store.duckdb")}, "report": {"out": str(tmp / "report")}}
    for k, v in sections.items():
        cfg.setdefault(k, {}).update(v)
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture()
def bad_corpus(tmp_path: Path) -> Path:
    """The seed, its GB18030 copy, a binary file and an empty file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    (corpus / "seed_gb18030.txt").write_bytes(SEED.read_text(encoding="utf-8").encode("gb18030"))
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "empty.txt").write_bytes(b"")
    return corpus
