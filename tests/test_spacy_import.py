"""spaCy imported with its command-line interface deferred (``pipeline/text/spacy_import.py``).

Each check runs in a fresh interpreter: in this one spaCy is long imported."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import refusing_while_stood_in

ROOT = Path(__file__).resolve().parents[1]

# A paper's Doc as the worker builds it, then what is imported and whether spaCy's CLI works
WORKER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from pipeline.concepts import paper_doc  # noqa: F401  what the worker imports to build a paper's Doc
from pipeline.text.spacy_doc import paper_vocab
from spacy.tokens import Doc
doc = Doc(paper_vocab(), words=["数字", "资本"])
before = {m: m in sys.modules for m in ("spacy", "spacy.cli", "weasel", "jinja2")}
import spacy
info = spacy.info()
print(json.dumps({"before": before, "text": doc.text, "version": info["spacy_version"] == spacy.__version__,
                  "cli": type(sys.modules.get("spacy.cli")).__name__}))
"""


def test_spacy_without_its_cli_until_used():
    import json

    r = subprocess.run([sys.executable, "-c", WORKER, str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["before"] == {"spacy": True, "spacy.cli": False, "weasel": False, "jinja2": False}
    assert got["text"] == "数字 资本 "  # spaCy's default: a space after each word
    assert got["version"] and got["cli"] == "module"  # spacy.info() imported the real CLI when called


# A spaCy whose import needs more of its CLI than a stand-in gives: simulated by a module of spaCy
# that refuses to load while the stand-in is there.
FALLBACK = refusing_while_stood_in("spacy.language", "spacy.cli") + r"""
from pipeline.text import spacy_import
import spacy
print(type(sys.modules["spacy.cli"]).__name__, spacy_import.spacy is sys.modules["spacy"], callable(spacy.blank))
"""


def test_spacy_import_falls_back_to_the_ordinary_import():
    r = subprocess.run([sys.executable, "-c", FALLBACK, str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["module", "True", "True"]
