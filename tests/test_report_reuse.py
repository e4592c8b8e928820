"""A report that keeps pages from the previous one (``report/reuse.py``: a paper added, the pages
whose inputs did not change are linked from the previous report) is byte for byte the report a
full render writes, but for the footer of each page, which says when it was written. And the
pyLDAvis page's numpy ranking (``report/ldavis_fast.py``) gives pyLDAvis's own data, and the page
the report writes without pyLDAvis (``report/ldavis_prepare.py``) is the one pyLDAvis writes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import SEED, SHARED, make_config

EXTRA = SHARED / "corpora" / "works" / "w005.md"  # 刘皓琰 2020: cites authors the seed cites too
FOOTER = re.compile(rb"<footer.*?</footer>", re.DOTALL)


def _files(root: Path) -> dict[str, bytes]:
    """Every file of a report but run.json (run ids, timings): pages without their footer,
    report.xlsx as its parts (the zip stamps each with the time it was written)."""
    import zipfile

    out = {}
    for f in sorted(root.rglob("*")):
        rel = str(f.relative_to(root))
        if f.is_file() and rel != "run.json":
            data = f.read_bytes()
            out[rel] = FOOTER.sub(b"", data) if f.suffix == ".html" else data
            if f.suffix == ".xlsx":
                with zipfile.ZipFile(f) as z:
                    out[rel] = b"\0".join(n.encode() + b"\0" + z.read(n) for n in sorted(z.namelist()))
    return out


def test_kept_pages_are_the_pages_a_full_render_writes(tmp_path: Path, capsys, monkeypatch) -> None:
    from pipeline import side
    from pipeline.config import load_config
    from pipeline.report import background
    from pipeline.report.build import write_report
    from pipeline.runner import corpus as corpus_stages
    from pipeline.runner.run import run
    from pipeline.store.db import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    cfg = load_config(make_config(tmp_path))
    out = tmp_path / "report"
    run(corpus, cfg, out=out)
    shutil.copy(EXTRA, corpus / EXTRA.name)
    capsys.readouterr()
    # The update starts the tables' side process before its corpus stages (warm_tables), and no
    # started process is left waiting once it is done.
    events: list[str] = []
    warm, stages = background.warm, corpus_stages.run_corpus_stages
    monkeypatch.setattr(background, "warm", lambda module, many=False: (events.append(module), warm(module, many))[1])
    monkeypatch.setattr(corpus_stages, "run_corpus_stages", lambda c: (events.append("stages"), stages(c))[1])
    from pipeline.report import ldavis_page

    hashed = []
    key_of = ldavis_page.ldavis_key
    monkeypatch.setattr(ldavis_page, "ldavis_key", lambda state: (hashed.append(state), key_of(state))[1])
    ctx = run(corpus, cfg, out=out, update=True)
    assert events[:2] == ["pipeline.report.writer", "stages"] and not side._WARM, events
    said = capsys.readouterr().err
    # pyLDAvis's layout went to that process after the topics stage (ldavis_page.start_early),
    # and the report's tables then went to the same process: no second one was started.
    assert "the pyLDAvis page laid out in a side process beside the stages after topics" in said, said[-2000:]
    assert events.count("pipeline.report.writer") == 1, events
    assert len(hashed) == 1, hashed  # the report took that layout for the state it was made from
    monkeypatch.setattr(ldavis_page, "ldavis_key", key_of)
    logged: list[str] = []
    # The same context rendered whole into an empty folder: nothing to keep there.
    ctx.store = Store(ctx.store.path)
    ctx.out = tmp_path / "fresh"
    ctx.log = logged.append
    try:
        _check_kept_cooccurrence_years(ctx)
        _check_concept_key(ctx)
        _check_relabelled(ctx)
        _check_author_topics(ctx)
        write_report(ctx)
        state = ctx.results["topics"]["result"].state
    finally:
        ctx.store.close()
    assert not any("kept from the previous report" in line for line in logged)
    kept, fresh = _files(out), _files(tmp_path / "fresh")
    assert sorted(kept) == sorted(fresh)
    differ = [name for name in kept if kept[name] != fresh[name]]
    assert not differ, differ[:10]
    # Pages were kept (else the comparison above proves nothing), and others rendered: the new
    # paper's page, the pages of its authors and of those both papers cite.
    m = re.search(r"report: (\d+) of (\d+) author pages kept", said)
    assert m and 0 < int(m[1]) < int(m[2]), said[-2000:]
    # The pyLDAvis page (laid out again, early: the topic state changed) holds pyLDAvis's own data.
    from pipeline.models.topics_ldavis import prepare_vis
    from pipeline.report.ldavis_fast import fast_relevance

    with fast_relevance():
        fast = prepare_vis(state).to_json()
    assert fast == prepare_vis(state).to_json()
    # And the page the report wrote (report/ldavis_prepare.py: no pyLDAvis) is pyLDAvis's own.
    from pipeline.models.topics_ldavis import write_ldavis
    from pipeline.report.ldavis_page import TITLE

    ref = write_ldavis(state, tmp_path / "ldavis.html", title=TITLE).read_text(encoding="utf-8")
    assert (out / "topics" / "ldavis.html").read_text(encoding="utf-8") == ref


def _check_kept_cooccurrence_years(ctx) -> None:
    """The years of the co-occurrence network kept in the store and added to from the documents
    read since (``net_data.kept_cooccurrence_years``) are those of a pass over every document;
    and they are forgotten afterwards, so the full render below dates the network in full."""
    from pipeline.report.net_data import KV_KEY, cooccurrence_years, doc_years, kept_cooccurrence_years

    years = doc_years(ctx.papers)
    assert len(years) == 2
    cooc = ctx.results["concepts"]["cooccurrence"].sort_values(["count", "npmi"], ascending=False)
    pairs = {(min(a, b), max(a, b)) for a, b in zip(cooc.term_a.head(40), cooc.term_b.head(40))}
    terms = {t for p in pairs for t in p}
    full = cooccurrence_years(((d, u) for d, part in ctx.iter_part("feat.content") if d in years
                               for u in part.get("cooc") or ()), years, terms, pairs)
    assert full.nodes and full.edges
    said: list[str] = []
    ctx.log = said.append
    ctx.store.con.execute("DELETE FROM kv WHERE key=?", [KV_KEY])
    first = min(years)
    kept_cooccurrence_years(ctx, {first: years[first]}, terms, pairs, terms)  # the earlier report
    got = kept_cooccurrence_years(ctx, years, terms, pairs)  # reads the other document only
    assert said == ["report: co-occurrence years: read 1 of 2 documents, the others kept"]
    assert dict(got.nodes) == dict(full.nodes) and dict(got.edges) == dict(full.edges)
    ctx.store.con.execute("DELETE FROM kv WHERE key=?", [KV_KEY])


def _check_concept_key(ctx) -> None:
    """A concept page's key holds the mentions its KWIC table shows and their number: a change
    to a mention past them leaves key and page as they were; one to a shown mention or the
    number changes the key."""
    import copy

    from pipeline.report.concepts_section import KWIC_ROWS, _concept_page, _page_key
    from pipeline.report.labels import labels_cached

    traces = ctx.results["concepts"]["traces"]
    name = max(traces, key=lambda n: len(traces[n]["mentions"]))
    t = copy.deepcopy(traces[name])
    assert t["mentions"]
    t["mentions"] = [dict(m) for m in (t["mentions"] * (KWIC_ROWS // len(t["mentions"]) + 2))]
    labels = labels_cached(ctx)

    def key_page(tr):
        return (_page_key(name, None, tr, labels, 60, None, None, "code", "aliases"),
                _concept_page(name, None, tr, labels, 60).split("<footer")[0])

    key, page = key_page(t)
    late = copy.deepcopy(t)
    late["mentions"][KWIC_ROWS + 1]["sentence"] = "另一句 another sentence"
    assert key_page(late) == (key, page)
    shown = copy.deepcopy(t)
    shown["mentions"][KWIC_ROWS - 1]["sentence"] = "另一句 another sentence"
    assert key_page(shown)[0] != key
    fewer = copy.deepcopy(t)
    fewer["mentions"].pop()
    assert key_page(fewer)[0] != key
    # the labels of the documents and works the page names are in the key (found in its text)
    import dataclasses

    for field, some in (("docs", t["mentions"][0]["doc_id"]), ("docs", t["users"][-1]["doc_ids"][-1]),
                        ("works", next((w for u in t["users"] for w in [u.get("work_id")] if w), None))):
        if some is None:
            continue
        other = dataclasses.replace(labels, **{field: {**getattr(labels, field), some: "另一个标签 another label"}})
        assert _page_key(name, None, t, other, 60, None, None, "code", "aliases") != key, (field, some)
    stranger = dataclasses.replace(labels, docs={**labels.docs, "no-such-document": "另一个标签"})
    assert _page_key(name, None, t, stranger, 60, None, None, "code", "aliases") == key


def _check_relabelled(ctx) -> None:
    """A paper page whose topics were relabelled (``papers_section.relabelled``: the previous
    page with its topics section made again) is the page rendered with the new labels."""
    import dataclasses

    from pipeline.report.entities import build_entities_cached
    from pipeline.report.labels import labels_cached
    from pipeline.report.links import concept_slugs
    from pipeline.report.papers_section import paper_page, relabelled

    ents = build_entities_cached(ctx)
    pages = concept_slugs(ctx.results["concepts"])
    labels = labels_cached(ctx)
    d, info = next((d, i) for d, i in ents.papers.items() if len(i.topics) > 1)
    text = next(iter(ctx.iter_papers([d])))
    old = paper_page(info, text, ents, pages, labels)
    new_labels = {t: f"新标签 new label <{t}>" for t in ents.topic_labels}
    ents2 = dataclasses.replace(ents, topic_labels=new_labels)
    new = paper_page(info, text, ents2, pages, labels)
    assert new != old and "新标签 new label &lt;" in new
    assert relabelled(old, info, ents2) == new.split("<footer")[0] + old[old.index("<footer"):]


def _check_author_topics(ctx) -> None:
    """An author page whose topic weights and topics' labels changed, and nothing else (what
    the online topic update does to most of them), is the previous page with its topics section
    made again (``authors_section.author_pages``): the page rendered anew. Only the second part
    of its key moves; a change elsewhere on the page moves the first."""
    import dataclasses

    from pipeline.report.authors_section import _topics_html, author_page, page_key
    from pipeline.report.entities import build_entities_cached
    from pipeline.report.labels import labels_cached
    from pipeline.report.links import concept_slugs
    from pipeline.report.reuse import replace_section

    ents = build_entities_cached(ctx)
    pages = concept_slugs(ctx.results["concepts"])
    labels = labels_cached(ctx)
    a = next(a for a in ents.authors.values() if len(a.topics) > 1 and a.papers)
    old = author_page(a, ents, pages, labels)
    moved = [{**r, "weight": round(r["weight"] * 0.9, 6)} for r in a.topics]
    a2 = dataclasses.replace(a, topics=moved)
    ents2 = dataclasses.replace(ents, topic_labels={t: f"新标签 new label <{t}>" for t in ents.topic_labels})
    new = author_page(a2, ents2, pages, labels)
    assert new != old and "新标签 new label &lt;" in new
    patched = replace_section(old, "topics", "主题", "Topics", _topics_html(a2, ents2, 1))
    assert patched == new.split("<footer")[0] + old[old.index("<footer"):]
    k1, k2 = page_key(a, ents, pages, labels, 1, "code"), page_key(a2, ents2, pages, labels, 1, "code")
    assert k1.rsplit(".", 1)[0] == k2.rsplit(".", 1)[0] and k1 != k2
    a3 = dataclasses.replace(a2, papers=a.papers[:-1])
    assert page_key(a3, ents2, pages, labels, 1, "code").rsplit(".", 1)[0] != k2.rsplit(".", 1)[0]
    # a page without one topics section to replace is rendered, not patched
    assert replace_section(old.replace('<section id="topics">', '<section id="x">'), "topics", "主题", "Topics",
                           _topics_html(a2, ents2, 1)) is None
