"""Who used a concept, who used it first, and who took it up from whom.

Inputs are the mentions of ONE concept over the corpus, the corpus papers (store dicts) and the
works stage result. Documents that are the same work (a traditional-character mirror, an export
record of the same paper) count once: each work keeps one representative document.

* users: one entry per (author, role). ``author``: an author of a corpus document that uses the
  concept; ``cited``: an author of a cited work the concept is attributed to.
* first use: the earliest user; in a tie a cited work comes before the document citing it.
* spread edges A → B: B uses the concept and cites A, either in the sentence that uses it
  (attribution) or anywhere, when the cited work itself uses the concept (in the corpus, or in
  its cited title). A later author who uses it without citing any earlier user gets a
  ``co-use`` edge from the first user.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pipeline.ingest.normalize import to_simplified


@lru_cache(maxsize=1 << 16)
def author_key(name: str) -> str:
    """The name users are counted under: canonical alias, simplified script. Kept per name:
    a concept's users are counted from each mention's authors, the same few hundred names
    (2,636 calls for the 19 traces and coinages a one-paper update rebuilt, 0.11 s)."""
    try:
        from pipeline.refs.names import canonical_name, default_aliases

        return canonical_name(name, default_aliases()) or to_simplified(name).strip()
    except ImportError:  # the refs package is optional here: plain script folding still works
        return to_simplified(name).strip()


def work_id_of(title: str | None, authors: list[str], year: int | None) -> str:
    try:
        from pipeline.refs import work_id_for_doc

        return work_id_for_doc(title or "", authors, year)
    except ImportError:
        from pipeline.text.protect import fast_normalize

        return "t:" + fast_normalize((title or "") + "|" + ";".join(authors)).replace(" ", "")


@dataclass
class DocInfo:
    doc_id: str
    work_id: str
    authors: list[str]  # author keys
    year: int | None
    year_inferred: bool
    year_source: str  # printed | inferred | citation | none
    script: str = "simplified"
    title: str | None = None
    citations: dict[int, str] = field(default_factory=dict)  # footnote n -> first citing sentence
    footnotes: dict[int, str] = field(default_factory=dict)


def doc_infos(papers: Iterable[dict[str, Any]], works: dict[str, Any] | None) -> dict[str, DocInfo]:
    """Per document: work identity, author keys and the year used for first use.

    A document printing no year (a metadata record, a web mirror) takes the earliest year a
    corpus reference matched to it carries, marked inferred.
    """
    works = works or {}
    doc_work = works.get("doc_work") or {}
    cited_year: dict[str, int] = {}
    from ..refs.union import all_rows

    for r in all_rows(works):
        d, y = r.get("matched_doc_id"), r.get("year")
        if d and y:
            cited_year[d] = min(int(y), cited_year.get(d, 9999))
    out: dict[str, DocInfo] = {}
    for p in papers:
        m = p.get("meta") or {}
        authors = [author_key(a) for a in m.get("authors") or []]
        if m.get("year"):
            year, inferred, src = int(m["year"]), False, "printed"
        elif m.get("year_inferred"):
            year, inferred, src = int(m["year_inferred"]), True, "inferred"
        elif p["doc_id"] in cited_year:
            year, inferred, src = cited_year[p["doc_id"]], True, "citation"
        else:
            year, inferred, src = None, False, "none"
        wid = doc_work.get(p["doc_id"]) or work_id_of(m.get("title"), list(m.get("authors") or []), m.get("year"))
        cits: dict[int, str] = {}
        for c in p.get("citations") or []:
            cits.setdefault(int(c["n"]), c.get("sentence") or "")
        fns = {int(f["n"]): f.get("text") or "" for f in p.get("footnotes") or []}
        out[p["doc_id"]] = DocInfo(p["doc_id"], wid, authors, year, inferred, src, p.get("script") or "simplified",
                                   m.get("title"), cits, fns)
    return out


def representative_mentions(mentions: list[dict[str, Any]], docs: dict[str, DocInfo]) -> tuple[list[dict[str, Any]], int]:
    """Mentions of one document per work; (kept, dropped). The document using the concept most
    speaks for the work (a full text, not its CSSCI or CNKI record's title and keywords), then
    the simplified-script one (a mirror), then the smallest doc_id."""
    from collections import Counter

    n_of = Counter(m["doc_id"] for m in mentions)
    by_work: dict[str, list[str]] = {}
    for m in mentions:
        d = docs.get(m["doc_id"])
        wid = d.work_id if d else m["doc_id"]
        lst = by_work.setdefault(wid, [])
        if m["doc_id"] not in lst:
            lst.append(m["doc_id"])
    keep: set[str] = set()
    for ids in by_work.values():
        ids.sort(key=lambda i: (-n_of[i], docs[i].script != "simplified" if i in docs else True, i))
        keep.add(ids[0])
    kept = [m for m in mentions if m["doc_id"] in keep]
    return kept, len(mentions) - len(kept)


def attributions_used(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The attributed works a mention really credits: in a footnote holding several references,
    a concept inside one cited title credits that reference only."""
    att = m.get("attributed") or []
    i = m.get("in_ref")
    if m.get("where") == "footnote" and i is not None:
        narrowed = [a for a in att if a.get("ref_index") == i]
        return narrowed or att
    return att


def _year_key(y: int | None) -> tuple[bool, int]:
    return (y is None, y or 0)


def build_users(mentions: list[dict[str, Any]], docs: dict[str, DocInfo]) -> list[dict[str, Any]]:
    users: dict[tuple[str, str], dict[str, Any]] = {}
    order: dict[tuple[str, str], int] = {}

    def add(author: str, role: str, year: int | None, inferred: bool, doc_id: str, source: str | None) -> None:
        key = (author, role)
        u = users.get(key)
        if u is None:
            u = users[key] = {"author": author, "role": role, "first_year": year, "year_inferred": inferred,
                              "count": 0, "doc_ids": [], "source": source}
            order[key] = len(order)
        u["count"] += 1
        if doc_id not in u["doc_ids"]:
            u["doc_ids"].append(doc_id)
        if year is not None and (u["first_year"] is None or year < u["first_year"]):
            u["first_year"], u["year_inferred"], u["source"] = year, inferred, source

    for m in sorted(mentions, key=lambda m: (_year_key(docs[m["doc_id"]].year if m["doc_id"] in docs else m.get("year")),
                                             m["doc_id"])):
        d = docs.get(m["doc_id"])
        year = d.year if d else m.get("year")
        inferred = d.year_inferred if d else bool(m.get("year_inferred"))
        for a in (d.authors if d else [author_key(x) for x in m.get("doc_authors") or []]):
            add(a, "author", year, inferred, m["doc_id"], d.work_id if d else m["doc_id"])
        for att in attributions_used(m):
            for a in att.get("authors_canonical") or att.get("authors") or []:
                add(author_key(a), "cited", att.get("year"), False, m["doc_id"], att.get("work_id"))
    # Earliest first; in a year, a cited work before the document citing it, then first seen.
    return sorted(users.values(), key=lambda u: (*_year_key(u["first_year"]), u["role"] != "cited",
                                                 order[(u["author"], u["role"])]))


def first_use(users: list[dict[str, Any]]) -> dict[str, Any] | None:
    dated = [u for u in users if u["first_year"] is not None]
    if not dated:
        return None
    u = dated[0]  # users are sorted: earliest year, cited before citing, then first seen
    return {"author": u["author"], "year": u["first_year"], "role": u["role"], "year_inferred": u["year_inferred"],
            "source": u.get("source") or (u["doc_ids"][0] if u["doc_ids"] else None)}


def build_spread(mentions: list[dict[str, Any]], docs: dict[str, DocInfo], works: dict[str, Any] | None,
                 users: list[dict[str, Any]], title_uses: set[str] | None = None) -> list[dict[str, Any]]:
    """Edges A → B (see the module doc). ``title_uses``: work ids of cited works whose title
    carries the concept (the caller matches reference titles)."""
    title_uses = title_uses or set()
    using_docs = {m["doc_id"] for m in mentions}
    using_works = {docs[d].work_id for d in using_docs if d in docs}
    from ..refs.union import all_rows

    refs_by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in all_rows(works):  # footnotes, and the printed reference lists of records (CSSCI)
        refs_by_doc.setdefault(r["doc_id"], []).append(r)
    edges: dict[tuple[str, str], dict[str, Any]] = {}

    def add(a: str, ay: int | None, b: str, by: int | None, via: str, evidence: str, doc_id: str,
            work_id: str | None, fn: int | None) -> None:
        if a == b or (a, b) in edges:
            return
        edges[(a, b)] = {"from": a, "from_year": ay, "to": b, "to_year": by, "via": via, "evidence": evidence,
                         "doc_id": doc_id, "work_id": work_id, "footnote_n": fn}

    by_doc: dict[str, list[dict[str, Any]]] = {}
    for m in mentions:
        by_doc.setdefault(m["doc_id"], []).append(m)
    for doc_id in sorted(by_doc, key=lambda i: (_year_key(docs[i].year if i in docs else None), i)):
        d = docs.get(doc_id)
        if d is None:
            continue
        # 1. The sentence that uses the concept credits a cited work.
        for m in by_doc[doc_id]:
            for att in attributions_used(m):
                for a in att.get("authors_canonical") or att.get("authors") or []:
                    for b in d.authors:
                        add(author_key(a), att.get("year"), b, d.year, "citation", m["sentence"], doc_id,
                            att.get("work_id"), att.get("footnote_n"))
        # 2. The document cites, anywhere, a work that itself uses the concept.
        for r in refs_by_doc.get(doc_id, []):
            matched = r.get("matched_doc_id")
            uses = (matched in using_docs and matched != doc_id) or r.get("work_id") in title_uses or \
                   (r.get("work_id") in using_works and r.get("work_id") != d.work_id)
            if not uses:
                continue
            if r.get("footnote_n") is None:  # an item of a printed list: the item is the evidence
                n = None
                evidence = f"参考文献 reference list ({r.get('source')} {r.get('ref_n')}): {r.get('raw') or ''}"
            else:
                n = int(r["footnote_n"])
                evidence = d.citations.get(n) or d.footnotes.get(n, "")
            cited = [x for x in (r.get("authors") or "").split(";") if x]
            ay = r.get("year") or (docs[matched].year if matched in docs else None)
            for a in cited:
                for b in d.authors:
                    add(author_key(a), ay, b, d.year, "citation", evidence, doc_id, r.get("work_id"), n)
    fu = first_use(users)
    if fu is not None:
        has_in = {b for (_a, b) in edges}
        for u in users:
            if u["role"] != "author" or u["author"] in has_in or u["author"] == fu["author"]:
                continue
            if u["first_year"] is None or u["first_year"] <= fu["year"]:
                continue
            doc_id = u["doc_ids"][0]
            ev = next((m["sentence"] for m in by_doc.get(doc_id, [])), "")
            add(fu["author"], fu["year"], u["author"], u["first_year"], "co-use", ev, doc_id, None, None)
    return sorted(edges.values(), key=lambda e: (*_year_key(e["to_year"]), *_year_key(e["from_year"]), e["via"],
                                                 e["from"], e["to"]))


def annotate_stance(edges: list[dict[str, Any]], stances: dict[tuple[str, int], dict[str, Any]]) -> None:
    """Give each citation edge the stance of its footnote (``stance``, ``stance_cue``; see
    concepts/stance.py): how the citing sentence uses the cited work. None where no footnote
    carries the edge (an item of a printed reference list); co-use edges get no keys."""
    for e in edges:
        if e.get("via") != "citation":
            continue
        n = e.get("footnote_n")
        row = stances.get((e.get("doc_id"), int(n))) if n is not None else None
        e["stance"] = row["label"] if row else None
        e["stance_cue"] = row["cue"] if row else None
