"""Settings: one typed model, its defaults equal to configs/default.yaml, every mistake refused
(exit 2, naming file, key, value and what is allowed) before any work; config --show; init."""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SEED, make_config
from pipeline.cli import main
from pipeline.settings import defaults, load_settings


def litmap(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # From another folder the package is found as installed; under a checkout run, through PYTHONPATH.
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout)


# -- the model's defaults are configs/default.yaml ----------------------------------------------
def differences(a, b, path: str = "") -> list[str]:
    """Keys or values (types included: 0.0 is not 0) that differ between two nested mappings."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}{k}: only in {'the model' if k in a else 'the YAML'}")
            else:
                out.extend(differences(a[k], b[k], f"{path}{k}."))
        return out
    return [] if (a == b and type(a) is type(b)) else [f"{path.rstrip('.')}: {a!r} != {b!r}"]


def test_default_yaml_equals_the_model_defaults() -> None:
    shipped = yaml.safe_load((ROOT / "configs" / "default.yaml").read_text(encoding="utf-8"))
    model = defaults()
    assert differences(model, shipped) == []
    # The check bites when one side is edited alone: a changed value, an added or a removed key.
    edited = copy.deepcopy(shipped)
    edited["vectors"]["word2vec"]["max_tokens"] = 2000000
    assert differences(model, edited) == ["vectors.word2vec.max_tokens: 150000 != 2000000"]
    edited = copy.deepcopy(shipped)
    edited["segment"]["concepts"] = "configs/concepts.yaml"
    del edited["topics"]["burst_s"]
    assert differences(model, edited) == ["segment.concepts: only in the YAML", "topics.burst_s: only in the model"]


def test_pyproject_lists_every_package_and_ships_configs() -> None:
    """The package list is explicit (configs/ is mapped in as pipeline.configs): a new subpackage
    left out would be missing from a wheel install."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")}
    assert set(tool["packages"]) == on_disk | {"pipeline.configs"}
    assert tool["package-dir"]["pipeline.configs"] == "configs"
    shipped = {p.name for p in (ROOT / "configs").iterdir()}
    from pipeline.settings import CONFIG_FILES

    assert set(CONFIG_FILES) <= shipped


# -- every mistake exits 2 before any work, naming the file and key -----------------------------
BAD = [
    ("topcis:\n  k: 5\n", ["unknown section 'topcis'", "did you mean 'topics'"]),
    ("topics: 5\n", ["topics must be a section of keys", "not 5"]),
    ("terms:\n  min_count: two\n", ["terms.min_count", "given 'two'", "allowed: an integer"]),
    ("cooccurrence:\n  window: sentnce\n", ["cooccurrence.window", "given 'sentnce'", "sentence or paragraph",
                                           "did you mean 'sentence'"]),
    ("runner:\n  executor: dsak\n", ["runner.executor", "given 'dsak'", "local or dask", "did you mean 'dask'"]),
    ("topics:\n  modle: lda\n", ["unknown key 'topics.modle'", "did you mean 'model'"]),
    ("topics:\n  k: 0\n", ["topics.k", "given 0", "≥ 1", "auto"]),
    ("vectors:\n  no_above: 1.5\n", ["vectors.no_above", "given 1.5", "≤ 1"]),
    ("segment:\n  concepts: configs/concepts.yaml\n", ["segment.concepts has moved to concepts.registry"]),
    ("segment:\n  userdict: configs/no_such_userdict.txt\n", ["segment.userdict", "no_such_userdict.txt", "not a file"]),
    ("concepts:\n  registry: nowhere/concepts.yaml\n", ["concepts.registry", "nowhere/concepts.yaml", "not a file"]),
    ("refs:\n  aliases: configs/alias.yaml\n", ["refs.aliases", "not a file"]),
    ("evidence:\n  neighbours:\n    min_overlap: 1.5\n", ["evidence.neighbours.min_overlap", "given 1.5", "≤ 1"]),
    ("store:\n  memory_limit: lots\n", ["store.memory_limit", "given 'lots'", "a size such as 256MB"]),
    ("runner:\n  malloc_mmap_threshold: 64MB\n", ["runner.malloc_mmap_threshold", "given '64MB'"]),
    ("runner:\n  malloc_mmap_threshold: 67108864\n", ["runner.malloc_mmap_threshold", "given 67108864", "≤ 33554432"]),
    ("vectors:\n  word2vec:\n    stability_seed: 1\n", ["vectors.word2vec.stability_seed", "given 1",
                                                               "allowed: a seed other than seed (1)"]),
]


@pytest.mark.parametrize("text,expect", BAD, ids=[b[0].split(":")[0] + "-" + str(i) for i, b in enumerate(BAD)])
def test_bad_settings_exit_2_before_any_work(tmp_path: Path, capsys, text: str, expect: list[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    cfg = make_config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8") + text, encoding="utf-8")
    assert main(["run", "--corpus", str(corpus), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert str(cfg) in err
    for part in expect:
        assert part in err, (part, err)
    assert not (tmp_path / "store.duckdb").exists() and not (tmp_path / "report").exists()


def test_exit_status_2_through_the_command(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("cooccurrence:\n  window: sentnce\n", encoding="utf-8")
    p = litmap("config", "--show", "--config", str(cfg))
    assert p.returncode == 2 and "cooccurrence.window" in p.stderr and "Traceback" not in p.stderr


def test_missing_or_empty_corpus_and_bad_options_exit_2(tmp_path: Path, capsys) -> None:
    cfg = make_config(tmp_path)
    (tmp_path / "corpora").mkdir()
    assert main(["run", "--corpus", str(tmp_path / "corpra"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "corpra" in err and "does not exist" in err and "did you mean" in err and "corpora" in err
    (tmp_path / "corpora" / "notes.docx~").write_text("x", encoding="utf-8")  # an editor backup is no paper
    assert main(["run", "--corpus", str(tmp_path / "corpora"), "--config", str(cfg)]) == 2
    assert "holds no papers" in capsys.readouterr().err
    shutil.copy(SEED, tmp_path / "corpora" / "seed.txt")
    assert main(["run", "--corpus", str(tmp_path / "corpora"), "--config", str(cfg), "--scheduler", "tcp://x:8786"]) == 2
    assert "--scheduler" in capsys.readouterr().err
    assert main(["run", "--corpus", str(tmp_path / "corpora"), "--config", str(cfg), "--workers", "-1"]) == 2
    assert "--workers -1" in capsys.readouterr().err
    assert not (tmp_path / "store.duckdb").exists()


# -- one key per file -----------------------------------------------------------------------------
def test_concepts_registry_drives_segmentation(tmp_path: Path, monkeypatch) -> None:
    """The registry named by concepts.registry is the one segmentation keeps whole."""
    from pipeline.api import segment_lines

    reg = tmp_path / "concepts.yaml"
    reg.write_text("concepts:\n  - name: 算法封建主义\n", encoding="utf-8")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"concepts:\n  registry: {reg}\n", encoding="utf-8")
    line = ["算法封建主义与数字食利国"]
    with_reg = next(segment_lines(iter(line), cfg))
    assert with_reg[0] == "算法封建主义"
    default = next(segment_lines(iter(line), None))
    assert "算法封建主义" not in default and "数字食利国" in default


# -- config --show ---------------------------------------------------------------------------------
def test_config_show_names_where_each_value_came_from(tmp_path: Path, capsys, monkeypatch) -> None:
    proj = tmp_path / "proj"
    (proj / "configs").mkdir(parents=True)
    (proj / "configs" / "default.yaml").write_text("cooccurrence:\n  window: paragraph\n", encoding="utf-8")
    user = tmp_path / "mine.yaml"
    user.write_text("topics:\n  k: 7\n", encoding="utf-8")
    monkeypatch.chdir(proj)
    assert main(["config", "--show", "--config", str(user), "--json"]) == 0
    eff = json.loads(capsys.readouterr().out)
    rows = {r["key"]: r for r in eff["settings"]}
    assert [ly["source"] for ly in eff["layers"]] == ["package defaults", "project", "--config"]
    assert rows["topics.k"]["value"] == 7 and rows["topics.k"]["file"] == str(user)
    assert rows["cooccurrence.window"]["value"] == "paragraph" and rows["cooccurrence.window"]["source"] == "project"
    assert rows["topics.model"]["source"] == "package defaults"
    assert len(rows) == len([1 for _ in _leaves(defaults())])
    assert main(["config", "--show", "--config", str(user)]) == 0
    text = capsys.readouterr().out
    assert any(line.startswith("topics.k = 7") and line.endswith("# --config") for line in text.splitlines())
    assert any(line.startswith('cooccurrence.window = "paragraph"') and line.endswith("# project")
               for line in text.splitlines())
    # A configs/ file the project lacks comes from litmap's own copy, file by file.
    loaded = load_settings(user)
    from pipeline.config import resolve

    got = resolve(loaded.as_dict(), loaded.settings.segment.userdict)
    assert got.is_file() and got.parent != proj / "configs"


def _leaves(d):
    for v in d.values():
        if isinstance(v, dict):
            yield from _leaves(v)
        else:
            yield v


# -- litmap init, then run from inside the project -------------------------------------------------
def test_init_keeps_user_files(tmp_path: Path) -> None:
    proj = tmp_path / "study"
    (proj / "configs").mkdir(parents=True)
    mine = "# my own aliases\n"
    (proj / "configs" / "aliases.yaml").write_text(mine, encoding="utf-8")
    p = litmap("init", str(proj))
    assert p.returncode == 0, p.stderr
    assert (proj / "configs" / "aliases.yaml").read_text(encoding="utf-8") == mine
    assert "kept" in p.stdout and "aliases.yaml" in p.stdout and "litmap run" in p.stdout
    assert (proj / "corpora").is_dir() and (proj / "reports").is_dir()
    shipped = (ROOT / "configs" / "concepts.yaml").read_bytes()
    assert (proj / "configs" / "concepts.yaml").read_bytes() == shipped
    (proj / "configs" / "concepts.yaml").write_text("concepts: []\n", encoding="utf-8")
    assert litmap("init", str(proj)).returncode == 0  # a second init changes nothing of theirs
    assert (proj / "configs" / "concepts.yaml").read_text(encoding="utf-8") == "concepts: []\n"


def test_init_then_run_from_the_project_folder(tmp_path: Path) -> None:
    proj = tmp_path / "study"
    assert litmap("init", str(proj)).returncode == 0
    shutil.copy(SEED, proj / "corpora" / "seed.txt")
    # The project's own default.yaml is the one in force: a window of paragraphs.
    own = proj / "configs" / "default.yaml"
    own.write_text(own.read_text(encoding="utf-8").replace("window: sentence ", "window: paragraph"), encoding="utf-8")
    p = litmap("run", "--workers", "1", cwd=proj)
    assert p.returncode == 0, p.stderr
    assert (proj / ".litmap" / "store.duckdb").is_file()  # relative paths resolve against the project
    docs = (proj / "reports" / "latest" / "data" / "documents.csv").read_text(encoding="utf-8")
    assert "corpora/seed.txt" in docs and ",ok," in docs
    show = litmap("config", "--show", cwd=proj).stdout
    assert any(line.startswith('cooccurrence.window = "paragraph"') and line.endswith("# project")
               for line in show.splitlines())


# -- settings validated before are found again by their files' bytes (settings/cache.py) -------
KNOWN_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from pipeline.preflight import load_config
cfg = load_config(sys.argv[2])
print(json.dumps({"model": "pipeline.settings.model" in sys.modules, "pydantic": "pydantic" in sys.modules,
                  "k": cfg["topics"]["k"], "root": cfg["_root"]}))
"""


def _load_fresh(cfg: Path, cache: Path, cwd: Path) -> dict:
    env = {**os.environ, "LITMAP_CACHE": str(cache)}
    env.pop("LITMAP_HOME", None)
    out = subprocess.run([sys.executable, "-c", KNOWN_SCRIPT, str(ROOT), str(cfg)], capture_output=True, text=True,
                         cwd=cwd, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_known_settings_are_used_without_the_model_and_never_stale(tmp_path: Path, monkeypatch) -> None:
    """The second command on the same files takes the settings validated by the first, without
    building the model (pydantic is not even imported); a config edited by one value, or a file it
    names gone, is checked anew and refused as without the cache."""
    from pipeline.config import load_config as validate
    from pipeline.preflight import load_config
    from pipeline.settings import ConfigError, cache
    from pipeline.settings.files import layer_files

    cache_dir = tmp_path / "cache"
    cfg = make_config(tmp_path, topics={"k": 7})
    first = _load_fresh(cfg, cache_dir, tmp_path)
    assert first["model"] and first["k"] == 7  # validated: the model was built, and the entry written
    assert len(list((cache_dir / "settings").glob("*.json"))) == 1
    again = _load_fresh(cfg, cache_dir, tmp_path)
    assert not again["model"] and not again["pydantic"] and again["k"] == 7
    # another project folder (relative paths resolve against it) is another entry
    (tmp_path / "elsewhere").mkdir()
    assert _load_fresh(cfg, cache_dir, tmp_path / "elsewhere")["model"]

    monkeypatch.setenv("LITMAP_CACHE", str(cache_dir))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LITMAP_HOME", raising=False)
    # the kept settings are what validation gives, types and all
    assert cache.same(load_config(cfg), validate(cfg))
    # one value changed: validated anew, and a bad value is refused by the model as ever
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("k: 7", "k: 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match="topics.k"):
        load_config(cfg)
    cfg.write_text(text.replace("k: 7", "k: 9"), encoding="utf-8")
    assert load_config(cfg)["topics"]["k"] == 9
    # a file the settings name, gone after they were kept: refused on the kept path too
    stop = tmp_path / "stop.txt"
    stop.write_text("的\n", encoding="utf-8")
    cfg.write_text(text + f"segment:\n  stopwords: {stop}\n", encoding="utf-8")
    load_config(cfg)
    assert cache.known(layer_files(cfg, tmp_path), tmp_path) is not None
    stop.unlink()
    with pytest.raises(ConfigError, match="segment.stopwords.*is not a file"):
        load_config(cfg)


def test_settings_cache_off_or_unwritable_costs_nothing_but_time(tmp_path: Path, monkeypatch) -> None:
    from pipeline.preflight import load_config
    from pipeline.settings import cache

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LITMAP_HOME", raising=False)
    cfg = make_config(tmp_path)
    monkeypatch.setenv("LITMAP_CACHE", "off")
    assert cache.cache_dir() is None
    assert load_config(cfg)["store"]["path"] == str(tmp_path / "store.duckdb")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("LITMAP_CACHE", str(blocked))
    assert load_config(cfg)["store"]["path"] == str(tmp_path / "store.duckdb")
    assert load_config(cfg)["store"]["path"] == str(tmp_path / "store.duckdb")
    # a damaged entry is validated anew and written again
    monkeypatch.setenv("LITMAP_CACHE", str(tmp_path / "c"))
    load_config(cfg)
    (entry,) = (tmp_path / "c" / "settings").glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    assert load_config(cfg)["store"]["path"] == str(tmp_path / "store.duckdb")
    assert json.loads(entry.read_text(encoding="utf-8"))["settings"]["store"]["path"] == str(tmp_path / "store.duckdb")
    # at most cache.KEEP entries stay
    monkeypatch.setattr(cache, "KEEP", 2)
    for k in (3, 4, 5):
        (tmp_path / f"k{k}").mkdir()
        load_config(make_config(tmp_path / f"k{k}", topics={"k": k}))
    assert len(list((tmp_path / "c" / "settings").glob("*.json"))) == 2


def test_settings_cache_folder_follows_xdg_and_survives_no_home(monkeypatch, tmp_path: Path) -> None:
    from pathlib import Path as P

    from pipeline.settings import cache

    monkeypatch.delenv("LITMAP_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "litmap" / "settings"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setattr(P, "home", classmethod(lambda cls: tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "litmap" / "settings"

    def no_home(cls):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(P, "home", classmethod(no_home))
    assert cache.cache_dir() is None
