"""A blank ``zh`` spaCy pipeline with our segmenter as its tokenizer, for ad hoc strings (a
paper's Doc is not made with it: see ``pipeline/concepts/paper_doc.py``).

    >>> from pipeline.text.segment import Segmenter
    >>> nlp = make_nlp(Segmenter())
    >>> doc = nlp("“數字食利國”加快对全球数字市场的跨国瓜分。")
    >>> [(s.text, s.label_) for s in doc.spans["concepts"]]
    [('数字食利国', '数字食利国')]
"""
from __future__ import annotations

from pipeline.text import spacy_import  # noqa: F401  (before spaCy: see that module)
import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import filter_spans


class SegmenterTokenizer:
    """spaCy tokenizer protocol (``__call__(text) -> Doc``) over a :class:`Segmenter`."""

    def __init__(self, vocab, segmenter) -> None:
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str) -> Doc:
        words = self.segmenter.cut(text)
        return Doc(self.vocab, words=words, spaces=[False] * len(words))

    # spaCy calls these when saving a pipeline; the segmenter is rebuilt from config instead
    def to_bytes(self, **kw) -> bytes:
        return b""

    def from_bytes(self, data: bytes, **kw) -> SegmenterTokenizer:
        return self


class ConceptMatcher:
    """Pipe that marks registry surfaces (one token each, thanks to the tokenizer)."""

    def __init__(self, nlp: Language, registry) -> None:
        self.matcher = PhraseMatcher(nlp.vocab)
        self.registry = registry
        by_concept: dict[str, list[Doc]] = {}
        for c in registry.concepts:
            by_concept[c.name] = [Doc(nlp.vocab, words=[s], spaces=[False]) for s in c.surfaces]
        for name, docs in by_concept.items():
            self.matcher.add(name, docs)

    def __call__(self, doc: Doc) -> Doc:
        spans = [doc[s:e] for _, s, e in self.matcher(doc)]
        spans = [doc.char_span(sp.start_char, sp.end_char, label=self.registry.lookup(sp.text) or sp.text)
                 for sp in spans]
        spans = [sp for sp in spans if sp is not None]
        doc.spans["concepts"] = spans
        doc.ents = filter_spans(spans)
        return doc


@Language.factory("litmap_concepts")
def _concepts_factory(nlp: Language, name: str):
    return ConceptMatcher(nlp, nlp.tokenizer.segmenter.registry)


def make_nlp(segmenter) -> Language:
    """Blank ``zh`` + our tokenizer + sentencizer + the registry PhraseMatcher, for ad hoc
    strings. A paper's Doc is not made with it (see ``concepts/paper_doc.py``)."""
    nlp = spacy.blank("zh")
    nlp.tokenizer = SegmenterTokenizer(nlp.vocab, segmenter)
    nlp.add_pipe("sentencizer", config={"punct_chars": ["。", "！", "？", "!", "?", "；", ";", "…"]})
    nlp.add_pipe("litmap_concepts")
    return nlp
