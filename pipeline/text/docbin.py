"""A paper's spaCy Doc as ``DocBin`` bytes, fast: what the features step stores per paper.

Read back with any ``DocBin().from_bytes(data).get_docs(vocab)``.
"""
from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import srsly
from pipeline.text import spacy_import  # noqa: F401  (before spaCy: see that module)
from spacy.attrs import NORM, ORTH, SPACY
from spacy.tokens import Doc, DocBin


def _settle_msgpack_registries() -> None:
    """srsly gathers its msgpack extensions every time it packs (``catalogue``: the installed
    packages' entry points, then a scan of every function any package registered), and a
    DocBin packs ten times: 5 ms a paper. Here the entry points are read once and registered by
    name, and each registry's answer is kept until something new is registered anywhere."""
    import catalogue
    from srsly.msgpack import msgpack_decoders, msgpack_encoders

    for reg in (msgpack_encoders, msgpack_decoders):
        if getattr(reg, "_litmap_settled", False):
            continue
        if reg.entry_points:
            for name, func in reg.get_entry_points().items():
                reg.register(name, func=func)
            reg.entry_points = False
        scan, kept = reg.get_all, {}

        def get_all(scan: Any = scan, kept: dict[str, Any] = kept) -> dict[str, Any]:
            n = len(catalogue.REGISTRY)
            if kept.get("n") != n:
                kept["n"], kept["all"] = n, scan()
            return dict(kept["all"])

        reg.get_all = get_all
        reg._litmap_settled = True


def doc_text(doc: Doc) -> str:
    """``doc.text`` from the token arrays: the property makes a Token object per word."""
    if not len(doc):
        return ""
    strings = doc.vocab.strings
    arr = doc.to_array([ORTH, SPACY])
    return "".join([strings[o] + " " if sp else strings[o] for o, sp in arr.tolist()])


DOCBIN_ATTRS = ("ORTH", "NORM", "SENT_START")  # what a paper's Doc has (no tags, parses, entities)


def doc_bin_bytes(doc: Doc, strings: set[str] | None = None) -> bytes:
    """One Doc as ``DocBin`` bytes with its user data: what ``DocBin(attrs=DOCBIN_ATTRS,
    store_user_data=True).add(doc)`` writes, read back by any ``DocBin().from_bytes``.

    ``DocBin.add`` collects the strings to keep with nine attribute reads per token (tag,
    lemma, morph, dependency, entity …, all empty here): that loop cost four times the rest of
    the features step. The strings of a paper's Doc are its words' and norms' (found from the
    distinct hashes, or ``strings``: the words and norms the Doc was made of, when the caller
    has them) and its spans' labels and ids."""
    _settle_msgpack_registries()
    db = DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)
    array = doc.to_array(db.attrs)
    if len(array.shape) == 1:
        array = array.reshape((array.shape[0], 1))
    db.tokens.append(array)
    db.spaces.append(np.asarray(doc.to_array(SPACY).reshape((-1, 1)), dtype=bool))
    db.flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
    if strings is None:
        store = doc.vocab.strings
        cols = [db.attrs.index(ORTH), db.attrs.index(NORM)]
        strings = {store[h] for h in np.unique(array[:, cols]).tolist() if h}
    db.strings.update(strings)
    db.strings.add("")
    db.cats.append(doc.cats)
    db.user_data.append(srsly.msgpack_dumps(doc.user_data))
    db.span_groups.append(doc.spans.to_bytes())
    for group in doc.spans.values():
        for span in group:
            db.strings.update((span.label_, span.kb_id_, span.id_))
    # DocBin.to_bytes with zlib's fastest level: the default level took as long as building
    # the Doc, for a tenth less size
    msg = {"version": db.version, "attrs": db.attrs, "tokens": array.tobytes("C"),
           "spaces": db.spaces[0].tobytes("C"), "lengths": np.asarray([len(array)], dtype="int32").tobytes("C"),
           "strings": sorted(db.strings), "cats": db.cats, "flags": db.flags, "span_groups": db.span_groups,
           "user_data": db.user_data}
    return zlib.compress(srsly.msgpack_dumps(msg), 1)
