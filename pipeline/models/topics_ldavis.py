"""An interactive pyLDAvis page that opens offline from the file system.

pyLDAvis's own HTML loads d3 and ldavis.js from a CDN (or, with `local=True` in old versions,
from absolute paths of the machine that wrote it). Its package ships the files (d3.v5.min.js,
ldavis.v3.0.0.js, ldavis.v1.0.0.css), so this module inlines them into one self-contained page:
no <script src>, no network at view time. Works for LDA and NMF alike: pyLDAvis.prepare takes
plain topic-term and document-topic matrices.

:func:`write_ldavis` lays the page out with pyLDAvis itself; the report lays out the same page
(``report/ldavis_render.py``) from :func:`vis_inputs` and :func:`page_html` with pyLDAvis's
computation redone in numpy (``report/ldavis_prepare.py``), without importing pyLDAvis.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

_PAGE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
{css}
</style>
<script type="text/javascript">
{d3}
</script>
<script type="text/javascript">
{ldavis}
</script>
</head>
<body>
<h1 style="font-family:sans-serif;font-size:18px">{title}</h1>
<div id="ldavis_el" style="background-color:white;"></div>
<script type="text/javascript">
var ldavis_data = {data};
new LDAvis("#ldavis_el", ldavis_data);
</script>
</body>
</html>
"""


def _inline(js: str) -> str:
    # a literal "</script" inside inlined code would end the element early
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def vis_inputs(result_state: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(topic-term, unit-topic, unit lengths, vocabulary, term frequency) of a stored state as
    pyLDAvis takes them: topics in the report's order, terms that occur, no zero weights."""
    from pipeline.models.topics import topic_weights

    phi, theta, vocab, tf, lengths = topic_weights(result_state)
    keep = tf > 0  # pyLDAvis divides by term frequency
    phi = phi[:, keep] + 1e-12
    phi = phi / phi.sum(axis=1, keepdims=True)
    theta = theta + 1e-12
    theta = theta / theta.sum(axis=1, keepdims=True)
    doc_len = np.maximum(lengths, 1.0)
    vocab = [v for v, k in zip(vocab, keep) if k]
    return phi, theta, doc_len, vocab, tf[keep]


def prepare_vis(result_state: bytes, lam_step: float = 0.01):
    """pyLDAvis PreparedData of a stored state, topics in the report's order (pyLDAvis itself:
    the reference ``report/ldavis_prepare.py`` is checked against)."""
    return prepare_inputs(*vis_inputs(result_state), lam_step=lam_step)


def prepare_inputs(phi: np.ndarray, theta: np.ndarray, doc_len: np.ndarray, vocab: list[str],
                   tf: np.ndarray, lam_step: float = 0.01):
    """``pyLDAvis.prepare`` of :func:`vis_inputs`."""
    import pyLDAvis

    return pyLDAvis.prepare(
        topic_term_dists=phi, doc_topic_dists=theta, doc_lengths=doc_len, vocab=vocab,
        term_frequency=tf, sort_topics=False, n_jobs=1, start_index=0,
        lambda_step=lam_step,
    )


def js_dir() -> Path:
    """pyLDAvis's bundled d3/LDAvis files, located without importing pyLDAvis (its __init__
    imports scipy.stats and sklearn: ~6 s). Raises ImportError if it is not installed."""
    from importlib.util import find_spec

    spec = find_spec("pyLDAvis")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pyLDAvis is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "js"


# The files pyLDAvis.urls names (D3_LOCAL, LDAVIS_LOCAL, LDAVIS_CSS_LOCAL) for pyLDAvis 3.x.
D3_FILE, LDAVIS_FILE, CSS_FILE = "d3.v5.min.js", "ldavis.v3.0.0.js", "ldavis.v1.0.0.css"


def page_html(vis: dict, title: str, files: tuple[str, str, str] | None = None) -> str:
    """The offline page of ``PreparedData.to_dict()``-shaped data (plain Python values); files:
    the paths of d3, LDAvis's script and its CSS (by default pyLDAvis's, see :func:`js_dir`)."""
    if files is None:
        js = js_dir()
        files = (str(js / D3_FILE), str(js / LDAVIS_FILE), str(js / CSS_FILE))
    d3, ldavis, css = (Path(f).read_text(encoding="utf-8") for f in files)
    return _PAGE.format(
        title=html.escape(title),
        css=css,
        d3=_inline(d3),
        ldavis=_inline(ldavis),
        data=_inline(json.dumps(vis, ensure_ascii=False)),
    )


def write_ldavis(result_state: bytes, path: str | Path, title: str = "litmap topics") -> Path:
    """Write the page, laid out by pyLDAvis itself; returns its path. Raises ImportError if
    pyLDAvis is not installed."""
    from pyLDAvis import urls

    data = prepare_vis(result_state)
    page = page_html(json.loads(data.to_json()), title,
                     (urls.D3_LOCAL, urls.LDAVIS_LOCAL, urls.LDAVIS_CSS_LOCAL))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
