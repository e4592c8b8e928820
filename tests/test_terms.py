"""Term mining finds the seed's coinages by itself; stopwords filter noise, not concepts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.text.registry import Registry, load_registry
from pipeline.text.stopwords import content_tokens, load_stopwords
from pipeline.text.terms import mine_candidates, promotion_line

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"
TARGETS = ["数字食利国", "中心—散点", "数据美元", "数字—金融"]


def seed_docs() -> list[dict]:
    text = SEED.read_text(encoding="utf-8")
    sents = [s.strip() for s in re.split(r"(?<=[。！？])|\n", text) if s.strip()]
    return [{"doc_id": "seed", "year": 2025, "sentences": sents}]


@pytest.fixture(scope="module")
def empty_rows() -> list[dict]:
    return mine_candidates(seed_docs(), registry=Registry.empty(), top=200)


def test_seed_coinages_in_top_30_with_empty_registry(empty_rows):
    top30 = [r["term"] for r in empty_rows[:30]]
    for t in TARGETS:
        assert t in top30, (t, top30)
    assert not any(r["known"] for r in empty_rows)


def test_rows_have_the_table_fields(empty_rows):
    row = next(r for r in empty_rows if r["term"] == "数据美元")
    assert row["freq"] >= 3 and row["n_docs"] == 1 and row["first_seen"] == 2025
    assert row["first_doc"] == "seed" and "数据美元" in row["example"]
    assert "quoted" in row["kind"]
    dash = next(r for r in empty_rows if r["term"] == "数字—金融")
    assert "dash" in dash["kind"] and dash["freq"] >= 12
    assert promotion_line(row) == "  - name: 数据美元"
    # a fragment of a longer coinage is not a candidate of its own
    assert "数字食利" not in [r["term"] for r in empty_rows]
    scores = [r["score"] for r in empty_rows]
    assert scores == sorted(scores, reverse=True)


def test_statistical_phrases_found_without_quotes():
    # 数字食利国 is split by jieba (数字 / 食 / 利国): here it is never quoted, only repeated
    sents = ["数字食利国加快对全球数字市场的跨国瓜分。", "所谓数字食利国依靠平台收取租金。",
             "数字食利国的寄生性更为突出。", "全球数字市场与平台租金。", "数字技术改变了市场。"]
    rows = mine_candidates([{"doc_id": "a", "year": 2024, "sentences": sents[:2]},
                            {"doc_id": "b", "year": 2023, "sentences": sents[2:]}],
                           registry=Registry.empty())
    row = next(r for r in rows if r["term"] == "数字食利国")
    assert row["kind"] == "phrase" and row["freq"] == 3 and row["n_docs"] == 2
    assert row["first_seen"] == 2023 and row["first_doc"] == "b"


def test_known_terms_marked_with_registry():
    rows = mine_candidates(seed_docs(), registry=load_registry(), top=200)
    by_term = {r["term"]: r for r in rows}
    for t in TARGETS:
        assert by_term[t]["known"] is True
    assert by_term["数字食利国"]["concept"] == "数字食利国"
    assert any(not r["known"] for r in rows[:30])


def test_stopwords_and_content_tokens():
    stop = load_stopwords()
    assert {"的", "参见", "人民出版社", "第", "期", "页"} <= stop
    toks = ["参见", "数字资本", "的", "2024", "年", "第", "6", "期", "，", "a", "3.5%", "——", "中心—散点",
            "Harvey", "人民出版社"]
    assert content_tokens(toks, stop) == ["数字资本", "中心—散点", "Harvey"]
    extra = load_stopwords({"segment": {"stopwords": "configs/stopwords.txt", "stopwords_iso": False}})
    assert "参见" in extra and "只怕" not in extra
