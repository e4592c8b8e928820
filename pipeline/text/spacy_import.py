"""spaCy, imported without its command-line interface until something of it is used.

``spacy/__init__`` imports ``spacy.cli.info`` for the ``spacy.info`` function, and with it the
whole CLI package: the model downloader (``requests``), the config templates (``jinja2``),
``weasel``'s project commands, ``typer``. That is 0.12 s of spaCy's 0.39 s import on this
project's 2-core machine, and an ``--update`` pays it on its critical path: the new paper's
worker imports spaCy to build the paper's Doc while the driver waits for the paper. litmap
never runs spaCy's CLI. So ``spacy.cli`` and ``spacy.cli.info`` stand in while spaCy imports
(``pipeline/deferred_import.py``): ``spacy.info`` is the real function the first time it is
called, and a later ``import spacy.cli`` is the real package.

Every module of litmap that imports spaCy imports this module first.

    >>> spacy.info()["spacy_version"] == spacy.__version__
    True
"""
from __future__ import annotations

from pipeline.deferred_import import import_deferring

DEFERRED = ("spacy.cli", "spacy.cli.info")

# Importing this module imports spaCy: a module of litmap that uses spaCy imports this first.
spacy = import_deferring("spacy", DEFERRED)
