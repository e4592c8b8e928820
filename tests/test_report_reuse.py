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


def test_kept_pages_are_the_pages_a_full_render_writes(tmp_path: Path, capsys) -> None:
    from pipeline.config import load_config
    from pipeline.report.build import write_report
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
    ctx = run(corpus, cfg, out=out, update=True)
    said = capsys.readouterr().err
    logged: list[str] = []
    # The same context rendered whole into an empty folder: nothing to keep there.
    ctx.store = Store(ctx.store.path)
    ctx.out = tmp_path / "fresh"
    ctx.log = logged.append
    try:
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
    # The pyLDAvis page (laid out again: the topic state changed) holds pyLDAvis's own data.
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
