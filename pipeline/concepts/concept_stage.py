"""The ``concepts`` corpus stage: mentions of every paper, one trace per tracked concept,
co-occurrence and the coinages of mined terms.

:func:`concepts_from_parts` is a reduce over the per-document parts of ``runner/features.py``
(mentions with their context tokens, co-occurrence windows), streamed from the store. The result
holds everything the report and ``litmap trace`` need (mentions, co-occurrence table, traces,
summary, coinages), so neither recomputes; ``concepts/tables.py`` gives its rows to the store.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pipeline.concepts.attribution import fill_work_ids, footnote_refs
from pipeline.concepts.compact import compact_mentions
from pipeline.concepts.compute import coinage_row, concept_summary
from pipeline.concepts.spread import doc_infos
from pipeline.concepts.stance import attach_stances
from pipeline.concepts.trace import build_trace
from pipeline.digests import short_hash
from pipeline.context import Head, StageContext
from pipeline.models.fold import new_docs
from pipeline.refs.names import paper_authors
from pipeline.text.registry import Registry


def compute_concept_stage(ctx: StageContext) -> dict[str, Any]:
    return concepts_from_parts(ctx, None)


def update_concept_stage(ctx: StageContext, previous: dict[str, Any]) -> dict[str, Any]:
    todo = new_docs(ctx, previous)
    if todo is None or "cooc_state" not in previous:
        return concepts_from_parts(ctx, None)
    return concepts_from_parts(ctx, previous, todo)


def _doc_stub(head: Head, part: dict[str, Any] | None) -> dict[str, Any]:
    """What doc_infos reads of a paper: the head, plus citing sentences and footnote texts of a
    document with mentions (stored with its features)."""
    part = part or {}
    return {**head, "citations": [{"n": int(n), "sentence": s} for n, s in (part.get("citations") or {}).items()],
            "footnotes": [{"n": int(n), "text": t} for n, t in (part.get("footnotes") or {}).items()]}


def concepts_from_parts(ctx: StageContext, previous: dict[str, Any] | None, todo: list[str] | None = None,
                        reuse: bool = True) -> dict[str, Any]:
    """The concepts stage as a reduce over per-document parts (``runner/features.py``).

    Refit (``previous`` None): every document's mentions and co-occurrence windows are streamed
    and summed. Update: the stored mentions, document notes and pair counts are kept and only
    ``todo`` (new documents) are added; traces, the summary and coinages are rebuilt from the
    sums, which is cheap next to reading the corpus. Each document's ``feat.content`` part is
    read once: its windows go to the pair counts and its normalized sentences to the search
    for mined terms (coinages) in the same pass. On update a concept's stored trace is kept
    when nothing it is built from changed (:class:`TraceInputs`; ``reuse=False`` builds every
    trace again, which tests compare with).
    """
    from pipeline.models.cooccurrence import PairCounter
    from pipeline.models.terms_stage import term_rows
    from pipeline.text.registry import load_registry

    from ..config import resolve
    from .trace import cooc_index

    cfg = ctx.cfg
    reg = load_registry(str(resolve(cfg, cfg["concepts"]["registry"])))
    ccfg = cfg["cooccurrence"]  # validated settings hold every default
    works = ctx.results.get("works")
    if previous is None:
        mentions: list[dict[str, Any]] = []
        notes: dict[str, Any] = {}
        pairs = PairCounter()
        ids = None
    else:
        mentions, notes, pairs, ids = list(previous["mentions"]), dict(previous["doc_notes"]), previous["cooc_state"], todo
    from .packed import unpack_rows

    terms = term_rows(ctx.results.get("terms"))
    candidates = [r["term"] for r in terms if not r.get("known")][:50]
    plan = _CoinagePlan(candidates, reg, previous, todo)
    # the terms searched in the documents this pass reads: on refit every term in every
    # document; on update the terms already traced, in the new documents
    here = _Holders(plan.new_terms if ids is None else plan.old_terms)
    batch: list[str] = []  # windows as stored: terms joined by spaces
    for d, part in ctx.iter_part("feat.content", ids):
        batch.extend(part["cooc"])  # as text: split by the counter a slice at a time
        if len(batch) > 50_000:
            pairs.add(batch)
            batch = []
        here.look(d, part)
    pairs.add(batch)
    del batch
    # The mentions are read after the pair counts: with topics.k fixed this stage runs beside
    # the topic fit's side process (276 MB at 10,000 papers), and the mentions (160,000 dicts,
    # 160 MB of the driver) read first were held beside it; the pass above grows slowly.
    for d, part in ctx.iter_part("feat.concepts", ids):
        mentions.extend(compact_mentions(unpack_rows(part["mentions"])))
        if part["mentions"]:
            notes[d] = {"citations": part.get("citations") or {}, "footnotes": part.get("footnotes") or {}}
    mentions.sort(key=lambda m: m["doc_id"])
    # the works stage is recomputed on every run: a new paper can give a stored mention's
    # citation another work; those documents' rows change too (``changed_docs``)
    before = _attributed_works(mentions) if previous is not None else None
    fill_work_ids(mentions, works)
    changed = None
    if before is not None:
        after = _attributed_works(mentions)
        changed = sorted(set(todo or ()) | {d for d, w in before.items() if after.get(d) != w})
    cooc = pairs.table(ccfg["min_count"], ccfg["max_rows"])
    heads = {h["doc_id"]: h for h in ctx.papers}
    by_concept: dict[str, list[dict[str, Any]]] = {}
    for m in mentions:
        by_concept.setdefault(m["concept"], []).append(m)
    stubs = [_doc_stub(heads[d], notes.get(d)) for d in sorted({m["doc_id"] for m in mentions}) if d in heads]
    docs = doc_infos(stubs, works)
    from pipeline.models.vectors import neighbour_gate

    gate = neighbour_gate(ctx.results.get("vectors"), cfg)
    min_docs = int(cfg["evidence"]["authors"]["min_documents"])
    index = cooc_index(cooc, by_concept)
    traces: dict[str, dict[str, Any]] = {}
    inputs = TraceInputs(docs, works, index, gate, reg, min_docs, sorted(by_concept))
    keys: dict[str, str] = {}
    kept = 0
    old_traces = (previous or {}).get("traces") or {}
    old_keys = (previous or {}).get("trace_inputs") or {} if reuse else {}
    changed_set = set(changed or ())
    touched = {m["concept"] for m in mentions if m["doc_id"] in changed_set}
    bar = ctx.progress("traces", len(by_concept), "concepts")
    for name in sorted(by_concept):
        keys[name] = inputs.key(name, by_concept[name])
        if name not in touched and name in old_traces and old_keys.get(name) == keys[name]:
            t = old_traces[name]  # its mentions are the stored ones, unchanged (``changed`` holds none)
            kept += 1
        else:
            t = build_trace(name, by_concept[name], stubs, works, index, gate, reg, docs=docs, share=True,
                            author_min_docs=min_docs, known=inputs.known.get(name))
        if t is not None:
            traces[name] = attach_stances(t, ctx.results.get("stance"))
        bar.update(1)
    bar.close()
    if previous is not None:
        ctx.log(f"concepts: {kept} of {len(by_concept)} traces kept (their inputs unchanged), "
                f"{len(by_concept) - kept} built again")
    summary = concept_summary(reg, traces)
    shown = sum(1 for t in traces.values() if t["neighbors"])
    neighbours = gate.summary(shown, len(traces) - shown)
    if ids is not None and plan.new_terms:  # terms new to the ranking: looked for in every document
        again = _Holders(plan.new_terms)
        for d, part in ctx.iter_part("feat.content"):
            again.look(d, part)
        holders = [(plan.new_terms, again.hold), (plan.old_terms, here.hold)]
    else:
        holders = [(here.terms, here.hold)]
    coin, coin_mentions, coin_keys = coinages_from_parts(ctx, plan, holders, works, reuse)
    return {"mentions": mentions, "cooccurrence": cooc, "traces": traces, "summary": summary, "coinages": coin,
            "neighbours": neighbours, "coinage_inputs": coin_keys,
            "coinage_mentions": coin_mentions, "doc_notes": notes, "cooc_state": pairs, "trace_inputs": keys,
            "doc_ids": list(ctx.doc_ids), "mode": "refit" if previous is None else "update", "changed_docs": changed}


class TraceInputs:
    """The key of what :func:`build_trace` makes a concept's trace of, but for the mentions'
    own content: the documents using it (their identity, authors, years, citations and
    footnotes as ``doc_infos`` gives them, and their reference rows with the years of the
    documents those match), the works whose cited title carries it, its co-occurring terms, its
    word2vec neighbours as the gate gives them, and the settings. The caller keeps a stored
    trace only when this key is the stored one and no mention of the concept is in a document
    the update changed (a new document, or one whose citations now point to another work), so
    a kept trace is the trace ``build_trace`` would make again (``tests/test_concepts.py``).

    Why: rebuilding every trace was half of the concepts stage on an update (2.3 s of CPU at
    1,000 papers), though one new paper touches few concepts."""

    def __init__(self, docs: dict[str, Any], works: dict[str, Any] | None, index: dict[str, Any], gate: Any,
                 registry: Registry, min_docs: int, names: list[str]) -> None:
        from ..refs.union import all_rows

        self.works, self.index, self.registry, self.min_docs = works, index, registry, min_docs
        refs: dict[str, list[Any]] = {}
        for r in all_rows(works):
            m = r.get("matched_doc_id")
            refs.setdefault(r["doc_id"], []).append([r, docs[m].year if m in docs else None])
        self.doc_keys = {d: short_hash([info, refs.get(d, [])]) for d, info in docs.items()}
        # what a key read that build_trace reads again, by concept: a trace built anew is given them
        self.known: dict[str, dict[str, Any]] = {}
        # every concept's neighbours at once: one matrix product per model, not two calls each
        self.neighbours = gate.neighbours_of(names)

    def key(self, name: str, mentions: list[dict[str, Any]]) -> str:
        from .trace import _title_uses, cooccurring_terms

        used = sorted({m["doc_id"] for m in mentions})
        known = self.known[name] = {"title_uses": _title_uses(name, self.works, self.registry),
                                    "neighbours": self.neighbours[name]}
        return short_hash([name, len(mentions), [(d, self.doc_keys.get(d)) for d in used],
                            sorted(known["title_uses"]), cooccurring_terms(name, self.index),
                            known["neighbours"], self.min_docs])


def _attributed_works(mentions: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Per document, the works and matched documents its mentions' citations point to."""
    out: dict[str, list[Any]] = {}
    for m in mentions:
        for a in m.get("attributed") or ():
            out.setdefault(m["doc_id"], []).append((a.get("work_id"), a.get("matched_doc_id")))
    return out


class _CoinagePlan:
    """Which mined terms outside the registry are traced as coinages, and which of them the
    stored result already traced (those are looked for in the new documents only)."""

    def __init__(self, candidates: list[str], registry: Registry, previous: dict[str, Any] | None,
                 todo: list[str] | None) -> None:
        self.fresh = [c for c in candidates if registry.lookup(c) is None]
        known: dict[str, Any] = dict((previous or {}).get("coinage_mentions") or {})
        if known and not all(isinstance(v, dict) and all(len(u) == _RUN_LEN for u in v["uses"][:1])
                             for v in known.values()):
            known = {}  # stored before uses were kept compact, or as runs: look again everywhere
        self.old_terms = [t for t in self.fresh if t in known and todo is not None]
        self.new_terms = [t for t in self.fresh if t not in self.old_terms]
        self.found: dict[str, dict[str, Any]] = {t: {"uses": list(known[t]["uses"]), "example": known[t]["example"]}
                                                 for t in self.old_terms}
        # the stored rows and the keys of what each was made of (``coinages_from_parts``)
        self.old_rows = {r["term"]: r for r in (previous or {}).get("coinages") or []} if self.old_terms else {}
        self.old_keys: dict[str, str] = dict((previous or {}).get("coinage_inputs") or {}) if self.old_terms else {}


class _Holders:
    """The documents whose stored normalized sentences hold one of ``terms`` (one
    Aho-Corasick pass per document): only those papers are read and matched in full."""

    def __init__(self, terms: list[str]) -> None:
        self.terms, self.hold = terms, []
        self.auto = None
        if terms:
            import ahocorasick

            self.auto = ahocorasick.Automaton()
            for t in terms:
                self.auto.add_word(t, t)
            self.auto.make_automaton()

    def look(self, d: str, part: dict[str, Any]) -> None:
        if self.auto is not None and any(True for s in part["norm"] + part["norm_other"] if s
                                         for _ in self.auto.iter(s)):
            self.hold.append(d)


def coinages_from_parts(ctx: StageContext, plan: _CoinagePlan, holders: list[tuple[list[str], list[str]]],
                        works: dict[str, Any] | None, reuse: bool = True
                        ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Mined terms outside the registry with their first users (the report's "new coinages"),
    their uses, and per term the key of what its row is made of.

    ``holders``: (terms, the documents that hold one of them) as :class:`_Holders` found them;
    only those papers are read and matched in full. On update, a term the stored result
    already traced is looked for in the new documents only, and its stored row is kept when
    its key is the stored one (``reuse=False`` builds every row again, which tests compare
    with): the key holds the term's uses, and of each document using it what the row reads
    (its identity, authors and year as ``doc_infos`` gives them, its byline, the works stage's
    rows of its footnotes), and the example sentence. Why: the rows of all 50 terms were built
    again from all their uses on every update (at 10,000 papers 530,000 uses, 3 s)."""
    from pipeline.concepts.matcher import ConceptMatcher
    from pipeline.concepts.mentions import find_mentions

    found = plan.found
    for terms, hold in holders:
        if not terms:
            continue
        matcher = ConceptMatcher(Registry.empty(), terms)
        mine: set[int] = set()  # the runs made here: only those grow (the stored ones are the previous result's)
        for paper in ctx.iter_papers(hold):
            # Kept compact, one paper at a time: a common coined phrase has hundreds of thousands
            # of uses on a large corpus, and the table needs only who used it, where and when.
            for m in find_mentions(paper, Registry.empty(), terms, ctx.cfg, matcher):
                f = found.setdefault(m["concept"], {"uses": [], "example": None})
                use, runs = _use_of(m), f["uses"]
                last = runs[-1] if runs else None
                if last is not None and id(last) in mine and last[:-1] == use:
                    last[-1] += 1
                else:
                    runs.append(use + [1])
                    mine.add(id(runs[-1]))
                if f["example"] is None or m["doc_id"] < f["example"][0]:
                    f["example"] = (m["doc_id"], m["sentence"])
    fresh = plan.fresh
    heads = {h["doc_id"]: h for h in ctx.papers}
    used = sorted({u[0] for t in fresh if t in found for u in found[t]["uses"]})
    docs = doc_infos([_doc_stub(heads[d], None) for d in used if d in heads], works)
    rows = []
    by_fn = footnote_refs(works)
    inputs = _CoinageInputs(docs, by_fn, heads)
    keys: dict[str, str] = {}
    for term in fresh:  # one term's mentions at a time, as dicts only while it is ranked
        uses = (found.get(term) or {}).get("uses", [])
        if not uses:
            continue
        keys[term] = inputs.key(term, uses, found[term]["example"])
        if reuse and term in plan.old_rows and plan.old_keys.get(term) == keys[term]:
            rows.append(plan.old_rows[term])
            continue
        own = sorted((m for run in uses for m in _mentions_of(run, heads)), key=lambda m: m["doc_id"])
        fill_work_ids(own, works, by_fn)
        rows.append(coinage_row(term, own, docs, lambda kept, t=term: _example(found[t]["example"], kept)))
    rows.sort(key=lambda r: (-r["documents"], -r["mentions"], r["term"]))
    return rows, {t: found[t] for t in fresh if t in found}, keys


class _CoinageInputs:
    """The key of what :func:`coinage_row` makes a mined term's row of (see
    :func:`coinages_from_parts`); per document the part is hashed once."""

    def __init__(self, docs: dict[str, Any], by_fn: dict[tuple[str, int], list[dict[str, Any]]],
                 heads: dict[str, Any]) -> None:
        self.docs, self.heads = docs, heads
        self.refs: dict[str, list[Any]] = {}
        for (d, n), rs in sorted(by_fn.items(), key=lambda kv: kv[0]):
            self.refs.setdefault(d, []).append([n, rs])
        self.doc_keys: dict[str, str] = {}

    def _doc(self, d: str) -> str:
        key = self.doc_keys.get(d)
        if key is None:
            info = self.docs.get(d)
            h = self.heads.get(d) or {"meta": {}}
            key = self.doc_keys[d] = short_hash([info, paper_authors(h["meta"]), self.refs.get(d, [])])
        return key

    def key(self, term: str, uses: list[Any], example: Any) -> str:
        return short_hash([term, uses, [[d, self._doc(d)] for d in sorted({u[0] for u in uses})], example])


_RUN_LEN = 7  # a stored run of uses: the six values of _use_of and how many uses in a row have them


def _use_of(m: dict[str, Any]) -> list[Any]:
    """What a coinage's users and first use need of one mention: a list of plain values (no
    attribution is None, not an empty list). A list of plain values is stored and read back as
    it is, where a tuple is tagged and a list holding a list is walked element by element
    (``store/codec.py``): the 53,099 uses of a 1,000-paper corpus were written in 0.37 s and
    read in 0.19 s with an empty list in each, 0.11 s and 0.08 s without.

    A term's uses are kept as runs: these values and the number of uses in a row that have
    them (``coinages_from_parts``). A coined term used in a paper's body is mostly used there
    again with the same values, so the 53,099 uses of that corpus are 19,202 runs; at 10,000
    papers the uses held as lists were 136 MB of the driver."""
    return [m["doc_id"], m["where"], m.get("in_ref"), m.get("attributed") or None, m.get("year"), m.get("year_inferred")]


def _mentions_of(run: list[Any] | tuple, heads: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The mentions of a run of uses, each its own dict (``fill_work_ids`` fills them in)."""
    doc_id, where, in_ref, attributed, year, inferred, n = run
    h = heads.get(doc_id) or {"meta": {}}
    authors = paper_authors(h["meta"])
    for _ in range(n):
        yield {"doc_id": doc_id, "where": where, "in_ref": in_ref, "attributed": [dict(a) for a in attributed or ()],
               "year": year, "year_inferred": inferred, "doc_authors": authors, "sentence": ""}


def _example(example: tuple[str, str] | None, kept: list[dict[str, Any]]) -> str:
    return example[1] if example and kept and kept[0]["doc_id"] == example[0] else ""
