"""An interactive pyLDAvis page that opens offline from the file system.

pyLDAvis's own HTML loads d3 and ldavis.js from a CDN (or, with `local=True` in old versions,
from absolute paths of the machine that wrote it). Its package ships the files (d3.v5.min.js,
ldavis.v3.0.0.js, ldavis.v1.0.0.css), so this module inlines them into one self-contained page:
no <script src>, no network at view time. Works for LDA and NMF alike: pyLDAvis.prepare takes
plain topic-term and document-topic matrices.
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


def prepare_vis(result_state: bytes, lam_step: float = 0.01):
    """pyLDAvis PreparedData of a stored topic state, topics in the report's order."""
    import pyLDAvis

    from pipeline.models.topics import topic_weights

    phi, theta, vocab, tf, lengths = topic_weights(result_state)
    keep = tf > 0  # pyLDAvis divides by term frequency
    phi = phi[:, keep] + 1e-12
    phi = phi / phi.sum(axis=1, keepdims=True)
    theta = theta + 1e-12
    theta = theta / theta.sum(axis=1, keepdims=True)
    doc_len = np.maximum(lengths, 1.0)
    vocab = [v for v, k in zip(vocab, keep) if k]
    return pyLDAvis.prepare(
        topic_term_dists=phi, doc_topic_dists=theta, doc_lengths=doc_len, vocab=vocab,
        term_frequency=tf[keep], sort_topics=False, n_jobs=1, start_index=0,
        lambda_step=lam_step,
    )


def write_ldavis(result_state: bytes, path: str | Path, title: str = "litmap topics") -> Path:
    """Write the page; returns its path. Raises ImportError if pyLDAvis is not installed."""
    from pyLDAvis import urls

    data = prepare_vis(result_state)
    vis_json = json.dumps(json.loads(data.to_json()), ensure_ascii=False)
    page = _PAGE.format(
        title=html.escape(title),
        css=Path(urls.LDAVIS_CSS_LOCAL).read_text(encoding="utf-8"),
        d3=_inline(Path(urls.D3_LOCAL).read_text(encoding="utf-8")),
        ldavis=_inline(Path(urls.LDAVIS_LOCAL).read_text(encoding="utf-8")),
        data=_inline(vis_json),
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
