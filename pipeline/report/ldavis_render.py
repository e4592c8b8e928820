"""The pyLDAvis page laid out from a topic state: what the report's side process runs.

Importing this module costs numpy alone (``report/ldavis_page.py`` imports pandas with the
report's sections): the side process that lays the page out imports what it unpickles by name,
and its imports were most of its time (pyLDAvis, scipy.stats, sklearn, pandas: ~6 of 9 s of CPU
at 1,000 papers). The data comes from ``ldavis_prepare.vis_data`` (pyLDAvis's own computation in
numpy); a model it does not cover is laid out by pyLDAvis itself.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

TITLE = "litmap 主题可视化 topics"


def render(state: bytes) -> str:
    """The page of a stored topic state. Decoding the state loads the model's library (gensim:
    ~3 s of imports); :func:`render_inputs` takes it decoded."""
    from ..models.topics_ldavis import vis_inputs

    return render_inputs(*vis_inputs(state))


def render_inputs(phi: np.ndarray, theta: np.ndarray, doc_len: np.ndarray, vocab: list[str],
                  tf: np.ndarray) -> str:
    """The page of ``topics_ldavis.vis_inputs``; raises what pyLDAvis raises for a model it
    cannot lay out (e.g. fewer than 3 topics)."""
    from ..models.topics_ldavis import page_html
    from .ldavis_prepare import Unsupported, vis_data

    try:
        vis: dict[str, Any] = vis_data(phi, theta, doc_len, vocab)
    except Unsupported:
        from ..models.topics_ldavis import prepare_inputs
        from .ldavis_fast import fast_relevance

        with fast_relevance():
            vis = json.loads(prepare_inputs(phi, theta, doc_len, vocab, tf).to_json())
    return page_html(vis, TITLE)
