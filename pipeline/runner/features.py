"""The per-document map step of the corpus stages: everything a corpus stage needs from ONE paper.

Corpus stages used to walk every paper and its tokens on every run. Now each document's share is
computed once, in the worker pool, and cached in the store under (doc_id, FEATURES_VERSION,
config hash); a corpus stage only streams and sums these small records. That is what keeps a
10,000-paper corpus flat in memory (no stage holds the papers) and makes ``--update`` cost the
new documents, not the corpus.

One record per document, stored as separate parts so a stage reads only what it needs:

* ``feat.content``  content tokens (stopwords out), the shape of the segment result, each
  sentence a space-joined string; the co-occurrence windows
  (sorted unique canonical terms, space-joined); normalized sentences for term counting;
* ``feat.concepts`` registry concept mentions with their context tokens (packed as columns,
  ``concepts/packed.py``), and what spread tracing needs of the document (citing sentences and
  footnote texts), only if it has mentions;
* ``feat.refs``     the parsed references by footnote, footnotes that look cited but parsed to
  nothing, and Latin names given in parentheses (alias suggestions);
* ``feat.terms``    author-marked term candidates (quoted coinages, dash compounds);
* ``feat.gloss``    the paper's texts that can hold a gloss (``concepts/glosses.py``: those with a
  bracket), read by the glossary stage;
* ``feat.cites``    what the stance stage reads of the paper (``concepts/stance.py``
  ``stance_inputs``: the sentences calling footnotes, the footnotes citing works, the authors);
* ``doc.bin``       the paper's spaCy ``Doc`` (``concepts/paper_doc.py``) as ``DocBin`` bytes, user
  data kept: stored in its own table (``doc_bins``), read back by ``pipeline.api.docs``.

The mention rows and the co-occurrence windows are read from that Doc (its concept spans and
sentences), not from parallel lists: the Doc is built once from the paper and its segment tokens.
"""
from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from ..structure.texts import other_texts as _other_texts
from ..structure.texts import sentence_texts  # noqa: F401  (the terms stage reads the same order)

FEATURES_VERSION = "features-6"  # features-6: feat.gloss and feat.cites; features-5: the spaCy Doc (doc.bin); features-4: feat.refs gains printed reference lists
DOC_PART = "doc.bin"
VOCAB_DOCS = 1000  # a worker's Vocab is renewed after this many Docs: its string store only grows
PARTS = ("feat.content", "feat.concepts", "feat.refs", "feat.terms", "feat.gloss", "feat.cites")

_state: dict[str, Any] = {}


def init_features(registry_path: str, cfg: dict[str, Any]) -> None:
    # Keyed on the content of the registry and stopword files, not their paths: a worker that
    # outlives a run (in-process runs, dask workers) must see an edited registry or stop list.
    from ..text.stopwords import stopwords_path
    from .keys import worker_key

    seg = cfg.get("segment") or {}
    key = worker_key(registry_path, stopwords_path(cfg), seg.get("userdict"), settings=cfg)
    if _state.get("key") == key:
        return
    from ..concepts.matcher import ConceptMatcher
    from ..text.stopwords import load_stopwords
    from .stages import worker_registry

    reg = worker_registry(registry_path)
    _state.clear()  # nothing built from the previous files may survive (the fallback segmenter)
    _state.update(key=key, is_content={}, registry=reg, matcher=ConceptMatcher(reg), stop=load_stopwords(cfg), cfg=cfg,
                  canon={s: reg.lookup(s) or s for s in reg.surfaces}, docs=0, seg_key=segment_key_of(cfg))


def _kwic_offsets(m: dict[str, Any]) -> dict[str, Any]:
    """The KWIC window as offsets into the sentence (see ``concepts.mentions.kwic_of``): three
    numbers that repeat from mention to mention, where the strings would not."""
    k = m["kwic"]
    end = m["start"] + len(k["match"])
    m["kwic"] = [m["start"] - len(k["left"]), end, end + len(k["right"])]
    return m


def doc_features(item: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """(paper, tokens) -> {part name: payload} or {"doc_id", "error"}; never raises."""
    paper, tokens = item
    try:
        return {"doc_id": paper["doc_id"], **_features(paper, tokens)}
    except Exception as e:  # one odd paper must not stop the batch; the message says where
        tb = traceback.extract_tb(e.__traceback__)[-1]
        return {"doc_id": paper["doc_id"],
                "error": f"features failed: {e.__class__.__name__}: {e} (at {Path(tb.filename).name}:{tb.lineno})"}


def _features(paper: dict[str, Any], tokens: dict[str, Any]) -> dict[str, Any]:
    from ..concepts.compute import attach_context
    from ..concepts.packed import pack_rows
    from ..concepts.doc_read import cooc_windows, iter_doc_units, mentions_from_doc, unit_tokens
    from ..text.protect import fast_normalize
    from ..text.stopwords import content_tokens, is_content
    from ..text.terms import doc_marks
    from ..concepts.glosses import gloss_texts
    from ..concepts.stance import stance_inputs
    from ..refs.works import refs_part

    st = _state
    stop, canon, cfg = st["stop"], st["canon"], st["cfg"]

    seen: dict[str, bool] = st.setdefault("is_content", {})  # tokens repeat: decide each once

    def content_of(toks: list[str]) -> list[str]:
        # one comprehension over the worker's verdicts; a token not decided yet is decided once
        # (a loop with a lookup and a branch per token was a sixth of the features step)
        try:
            return [t for t in toks if seen[t]]
        except KeyError:
            for t in toks:
                if t not in seen:
                    seen[t] = is_content(t, stop)
            return [t for t in toks if seen[t]]

    def content(s: str) -> list[str]:
        return content_of(s.split())

    paras = [[" ".join(content(s)) for s in para] for para in tokens["paragraphs"]]
    cont = {"title": " ".join(content(tokens["title"])), "abstract": " ".join(content(tokens["abstract"])),
            "keywords": [" ".join(content(k)) for k in tokens["keywords"]], "paragraphs": paras,
            "footnotes": [" ".join(content(f)) for f in tokens["footnotes"]]}
    window = cfg["cooccurrence"]["window"]
    n_tokens = sum(s.count(" ") + 1 for s in _token_strings(tokens) if s)
    doc = view = None
    if n_tokens <= int(cfg["concepts"]["max_doc_tokens"]):
        doc, view = _paper_doc(paper, tokens)
        windows = cooc_windows(doc, window, view)
        mentions = mentions_from_doc(doc, cfg, view.text)
    else:  # a paper of millions of words (a 15 MB line): no Doc, the same rows from the paper itself
        from ..concepts.mentions import find_mentions

        windows = [tokens["title"].split(), tokens["abstract"].split()]
        sents = [[s.split() for s in para] for para in tokens["paragraphs"]]
        windows += [[t for s in para for t in s] for para in sents] if window == "paragraph" else \
            [s for para in sents for s in para]
        mentions = find_mentions(paper, st["registry"], cfg=cfg, matcher=st["matcher"])
    cooc = []
    for toks in windows:
        # " ".join then split: a token holding a space (none the segmenter gives) splits as before
        u = sorted({canon.get(t, t) for t in content_of(" ".join(toks).split())})
        if len(u) > 1:
            cooc.append(" ".join(u))
    texts = sentence_texts(paper)
    raw_toks = [tokens["title"], tokens["abstract"], *[s for para in tokens["paragraphs"] for s in para]]
    norm = [fast_normalize(s) if s and s.strip() else "" for s in texts]

    attach_context(mentions, {paper["doc_id"]: tokens}, st["registry"], cfg)
    fallback: dict[str, list[str]] = {}  # a heading with many mentions is read once
    cut_units: dict[str, list[str]] | None = None if doc is not None else {}
    for m in mentions:
        if m.get("context_tokens") is None:
            if m["sentence"] not in fallback:
                if cut_units is None:  # headings and the funding note: the Doc has their tokens
                    cut_units = {u["text"]: t for u, t in zip(iter_doc_units(doc, view.text), unit_tokens(
                        doc, lambda u: bool(u.get("heading") or u.get("funding")), view)) if t is not None}
                toks = cut_units.get(m["sentence"])
                fallback[m["sentence"]] = sorted(set(content_tokens(toks, stop))) if toks is not None else \
                    _fallback_context(m["sentence"])
            m["context_tokens"] = list(fallback[m["sentence"]])
    concepts: dict[str, Any] = {"mentions": []}
    if mentions:
        concepts["mentions"] = pack_rows([_kwic_offsets(m) for m in mentions])
        cits: dict[str, str] = {}
        for c in paper.get("citations") or []:
            cits.setdefault(str(c["n"]), c.get("sentence") or "")
        concepts["citations"] = cits
        concepts["footnotes"] = {str(f["n"]): f.get("text") or "" for f in paper["footnotes"]}

    # tokens and sentences come in the same order (segment_paper cuts sentence_texts' items)
    kinds, marked = doc_marks(norm, [t.split() for t in raw_toks], stop)
    out = {
        "feat.content": {"content": cont, "cooc": cooc, "norm": norm,
                         "norm_other": [fast_normalize(t) for t in _other_texts(paper) if t]},
        "feat.concepts": concepts,
        "feat.refs": refs_part(paper),
        "feat.terms": {"kinds": {k: sorted(v) for k, v in kinds.items()}, "marked": dict(marked),
                       **_dictionary_words(kinds)},
        "feat.gloss": gloss_texts(paper),
        "feat.cites": stance_inputs(paper),
    }
    if doc is not None:
        out[DOC_PART] = doc_bytes(doc, view.strings())
    return out


def _token_strings(tokens: dict[str, Any]) -> list[str]:
    return [tokens.get("title") or "", tokens.get("abstract") or "", *(tokens.get("keywords") or []),
            *(s for para in tokens.get("paragraphs") or [] for s in para), *(tokens.get("footnotes") or []),
            *(tokens.get("headings") or []), tokens.get("funding") or ""]


def _paper_doc(paper: dict[str, Any], tokens: dict[str, Any]):
    """The paper's spaCy Doc, built with this worker's Vocab (renewed every VOCAB_DOCS Docs:
    a DocBin carries its own strings, so no reader needs the worker's)."""
    from ..concepts.paper_doc import build_doc_view
    from ..text.spacy_doc import paper_vocab

    st = _state
    if st.get("vocab") is None or st["docs"] >= VOCAB_DOCS:
        st["vocab"], st["docs"] = paper_vocab(), 0
    st["docs"] += 1
    return build_doc_view(paper, tokens, st["matcher"], st["vocab"])


def doc_bytes(doc, strings: set[str] | None = None) -> bytes:
    """One Doc as DocBin bytes, user data (the paper's units, references, ids) kept."""
    from ..text.docbin import doc_bin_bytes

    return doc_bin_bytes(doc, strings)


def segment_key_of(cfg: dict[str, Any]) -> str:
    """The key ``stages.init_segment`` gives the segmenter of a run of these settings."""
    from .doc_stages import segment_initargs
    from .keys import worker_key

    seg_cfg, registry_path, userdict_path = segment_initargs(cfg)
    return worker_key(registry_path, userdict_path, settings=seg_cfg)


def _dictionary_words(terms: dict[str, Any]) -> dict[str, Any]:
    """``{"dict": {term: bool}}``: whether the segmenter's dictionary keeps each of the paper's
    marked candidates whole, answered by the segmenter that cut the paper when it is this
    worker's (``stages.init_segment`` with this run's settings); else nothing.

    The terms stage asks the same of every candidate it ranks (``terms_stage._DictWords``) and
    remembers the answers; a candidate new with an added paper (a quoted coinage) was not
    remembered, and building the segmenter in the driver to ask it cost an ``--update`` of one
    paper into 1,000 about 0.2 s of its critical path. A hint: a part without it (computed by
    an earlier litmap, or where the segmenter was not built) leaves the question to the stage,
    which answers it the same way."""
    from .stages import segmenter_keyed

    seg = segmenter_keyed(_state.get("seg_key")) if terms else None
    if seg is None:
        return {}
    has_word = seg.backend.has_word
    return {"dict": {t: bool(has_word(t)) for t in terms}}


def _fallback_context(sentence: str) -> list[str]:
    """Content tokens of a sentence the segment stage did not cut (a heading, a funding note),
    with the run's own segmenter and stop list: the dictionaries the cache key names, not the
    repository's defaults."""
    from ..text.segment import Segmenter
    from ..text.stopwords import content_tokens

    st = _state
    if "segmenter" not in st:  # built on first need: most documents never need it
        st["segmenter"] = Segmenter(st["cfg"].get("segment") or {}, registry=st["registry"])
    return sorted(set(content_tokens(st["segmenter"].cut(sentence or ""), st["stop"])))
