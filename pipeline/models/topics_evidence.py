"""What a topic model rests on, and whether that is enough to show its topics with confidence.

A model fitted on 39 metadata records (mostly titles, a few hundred tokens) and one fitted on
1,000 full texts produce the same tables; the report tells them apart with these figures
(issue 15). Thresholds are ``evidence.topics`` in the settings; below any of them the topics
are labelled tentative (主题仅供参考), not hidden. Measured with the default settings: the seed
and 38 metadata records, 4 units and 315 in-vocabulary tokens fitted, stability 0.64 at K=2;
300 CSL abstracts, 299 documents, 12,820 tokens, stability 0.54 at K=10; 2,000 CSL abstracts,
1,984 documents, 105,335 tokens, stability 0.85 at K=10.

    >>> e = TopicEvidence(docs=4, docs_with_text=1, units=4, tokens=315, stability=0.64, k=2)
    >>> e.judge({"min_documents": 20, "min_tokens": 10000, "min_stability": 0.5}).ok
    False
    >>> e.why
    'fitted on 4 documents (needs 20), 315 tokens (needs 10,000)'
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TopicEvidence:
    docs: int  # documents with a fitted unit (one per work)
    docs_with_text: int  # of those, documents with body paragraphs (not title/abstract records)
    units: int  # fitted units (papers, sections or paragraphs)
    tokens: int  # tokens of the fitted units within the topic vocabulary: what the model saw
    stability: float | None  # mean matched Jaccard of top terms across topics.seeds at the chosen K; None: not measured
    k: int
    ok: bool = True
    why: str = ""  # why tentative ("" when ok)
    thresholds: dict[str, Any] = field(default_factory=dict)

    def judge(self, th: dict[str, Any]) -> TopicEvidence:
        short = []
        if self.docs < th["min_documents"]:
            short.append(f"{_n(self.docs, 'document')} (needs {th['min_documents']:,})")
        if self.tokens < th["min_tokens"]:
            short.append(f"{self.tokens:,} tokens (needs {th['min_tokens']:,})")
        if self.stability is not None and self.stability < th["min_stability"]:
            short.append(f"stability across seeds {self.stability:.2f} (needs {th['min_stability']:.2f})")
        self.ok = not short
        self.why = ("fitted on " + ", ".join(short)) if short else ""
        self.thresholds = dict(th)
        return self

    def line(self) -> str:
        """The figures in one line, as each topic page and the topics section show them."""
        text = "" if self.docs_with_text == self.docs else f" ({self.docs_with_text:,} with body text)"
        stab = "not measured (fixed K)" if self.stability is None else f"{self.stability:.2f}"
        return (f"拟合依据 fitted on: {_n(self.docs, 'document')}{text}, {_n(self.units, 'unit')}, {self.tokens:,} tokens "
                f"in the topic vocabulary; stability across seeds {stab} (K = {self.k})")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def topic_evidence(result: Any, with_text: set[str], thresholds: dict[str, Any]) -> TopicEvidence:
    """The figures of a fitted (or updated) :class:`~pipeline.models.topics.TopicResult`, judged
    against ``thresholds`` (``evidence.topics``); ``with_text``: doc_ids that have body paragraphs."""
    if getattr(result, "fit_docs", None) is not None:
        docs, units, tokens = set(result.fit_docs), int(result.n_fit_units), int(result.fit_tokens)
    else:  # a result stored before it kept them: its state has them
        docs, units, tokens = _from_state(result.state)
    chosen = next((r for r in result.k_curve if r.get("chosen")), {})
    return TopicEvidence(docs=len(docs), docs_with_text=len(docs & with_text), units=units,
                         tokens=tokens, stability=chosen.get("stability"),
                         k=int(result.k)).judge(thresholds)


def _from_state(state: bytes) -> tuple[set[str], int, int]:
    """The fitted units' documents, their number and their tokens, read from a packed state."""
    import numpy as np

    from .topic_state import unpack

    st = unpack(state)
    mask = np.asarray(st["mask"], dtype=bool)
    lengths = np.asarray(st["lengths"], dtype=float)
    return {u.doc_id for u, m in zip(st["units"], mask) if m}, int(mask.sum()), int(lengths[mask].sum())


def no_model_evidence(note: str) -> dict[str, Any]:
    """The evidence record of a corpus with too little text for any topic model."""
    return TopicEvidence(docs=0, docs_with_text=0, units=0, tokens=0, stability=None, k=0, ok=False, why=note).as_dict()
