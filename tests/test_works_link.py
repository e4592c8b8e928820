"""Corpus-level work identity: the seed's references matched to ../shared/corpora/works."""
from __future__ import annotations

from pathlib import Path

from conftest import SEED, SHARED
from pipeline import api
from pipeline.refs.works import link_works


def test_seed_citations_match_the_work_and_nothing_else() -> None:
    papers = [api.parse(SEED).to_store_dict()]
    works_dir = SHARED / "corpora" / "works"
    for p in sorted(works_dir.glob("*.md")):
        papers.append(api.parse(p).to_store_dict())
    by_file = {Path(p["source"]).name: p["doc_id"] for p in papers}
    result = link_works(papers)
    seed_id = papers[0]["doc_id"]
    matched = [r for r in result["references"] if r["matched_doc_id"]]
    assert {r["footnote_n"] for r in matched} == {2, 11}  # the two citations of 《论数字资本的多重属性》
    assert {r["matched_doc_id"] for r in matched} == {by_file["w145.md"]}
    assert all(r["doc_id"] == seed_id and r["title"] == "论数字资本的多重属性" for r in matched)
    # both spellings (卢获 / 卢荻) are one work, the same work as the corpus document
    assert len({r["work_id"] for r in matched}) == 1
    assert matched[0]["work_id"] == result["doc_work"][by_file["w145.md"]]
    # the mirror in traditional characters is the same work as w007
    assert result["doc_work"][by_file["w007.md"]] == result["doc_work"][by_file["w007-mirror.md"]]
    assert len(set(result["doc_work"].values())) == 38  # 39 documents, one mirror
