"""Ingest on real files: encodings, front matter, sidecars, CNKI exports, bad input."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from pipeline.ingest.encoding import IngestError, decode_bytes
from pipeline.ingest.readers import read_path


def test_encodings_of_the_seed_agree(seed_path: Path, tmp_path: Path) -> None:
    text = seed_path.read_text(encoding="utf-8")
    assert "ä" in text  # the reason plain GBK cannot hold the seed
    variants = {
        "utf-8": text.encode("utf-8"),
        "utf-8-sig": codecs.BOM_UTF8 + text.encode("utf-8"),
        "utf-16": text.encode("utf-16"),
        "gb18030": text.encode("gb18030"),
    }
    for name, data in variants.items():
        decoded, enc = decode_bytes(data)
        assert decoded.lstrip("\ufeff") == text, name
        assert enc == name


def test_gbk_legacy_file_decodes(shared: Path) -> None:
    data = (shared / "data" / "sighan2005" / "pku_test.txt").read_bytes()
    text, enc = decode_bytes(data)
    assert enc == "gb18030"
    assert text.replace("\r\n", "\n") == (shared / "data" / "sighan2005" / "pku_test.utf8").read_text(encoding="utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("data,reason", [(b"", "empty"), (b"  \n\n", "empty"), (bytes(range(256)) * 10, "binary"),
                                         (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")])
def test_bad_bytes_give_clear_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(IngestError, match=reason):
        decode_bytes(data)


def test_front_matter_and_traditional_mirror(shared: Path) -> None:
    doc = read_path(shared / "corpora" / "works" / "w007-mirror.md")[0]
    assert doc.overrides["title"] == "數字帝國主義是如何進行掠奪的?"
    assert doc.overrides["issue"] == "11" and doc.overrides["year"] == 2020
    assert doc.script == "traditional"
    assert not doc.text.startswith("---")


def test_sidecar_overrides_and_changes_the_id(seed_path: Path, tmp_path: Path) -> None:
    p = tmp_path / "paper.txt"
    p.write_bytes(seed_path.read_bytes())
    before = read_path(p)[0].doc_id
    (tmp_path / "paper.meta.yaml").write_text("journal: 马克思主义研究\nyear: 2025\nissue: '09'\n", encoding="utf-8")
    doc = read_path(p)[0]
    assert doc.overrides == {"journal": "马克思主义研究", "year": 2025, "issue": "9"}
    assert doc.doc_id != before


def test_mirror_pinyin_repaired_with_warning(shared: Path) -> None:
    doc = read_path(shared / "corpora" / "headers" / "w048.txt")[0]
    assert "(xué)" not in doc.text and "數字資本本性" in doc.text
    assert any("pinyin" in w for w in doc.warnings)


@pytest.mark.parametrize("name", ["download_refworks.txt", "download_refworks_gbk.txt", "download_endnote.txt",
                                  "download_noteexpress.net"])
def test_cnki_exports_give_one_document_per_record(shared: Path, name: str) -> None:
    docs = read_path(shared / "corpora" / "cnki" / name)
    assert len(docs) == 37
    assert all(d.kind == "record" and d.source.endswith(f"#{i}") for i, d in enumerate(docs, 1))
    by_title = {d.overrides["title"]: d for d in docs}
    d = by_title["数字帝国主义的演化特征及其批判进路"]
    assert d.overrides["authors"] == ["徐宏潇"] and d.overrides["journal"] == "马克思主义与现实"
    assert d.overrides["year"] == 2023 and d.overrides["issue"] == "4"
    two = by_title["论数字帝国主义的五大特征"]
    assert two.overrides["authors"] == ["孟子硕", "尹彦"]
    assert two.overrides["keywords"] == ["列宁帝国主义论", "数字帝国主义", "数字资本"]


def test_export_with_abstract_and_affiliations(tmp_path: Path) -> None:
    p = tmp_path / "mine.txt"
    p.write_text("RT Journal Article\nA1 王伟;李娜;\nAD 复旦大学;北京大学;\nT1 数字资本的逻辑\nJF 经济学家\nYR 2024\nIS 03\n"
                 "K1 数字资本;数字劳动\nAB 本文讨论数字资本。\nDS CNKI\n\nRT Journal Article\nA1 张三;\nYR 2020\n", encoding="gbk")
    docs = read_path(p)
    assert docs[0].overrides["affiliations"] == {"王伟": "复旦大学", "李娜": "北京大学"}
    assert docs[0].overrides["abstract"] == "本文讨论数字资本。" and "摘要：本文讨论数字资本。" in docs[0].text
    assert "no title" in docs[1].warnings[0]


def test_zero_width_removed(tmp_path: Path) -> None:
    p = tmp_path / "zw.txt"
    p.write_text("数字\u200b食利\u200d国的兴起\n\n正文。", encoding="utf-8")
    doc = read_path(p)[0]
    assert "数字食利国" in doc.text and any("zero-width" in w for w in doc.warnings)


def test_matching_form_folds_every_dash_quote_width_and_script_variant() -> None:
    from pipeline.ingest.normalize import normalize_for_match, normalize_with_map

    for variant in ("中心—散点", "中心——散点", "中心－散点", "中心-散点", "中心–散点", "中心 — 散点", "中心\u200b—散點"):
        assert normalize_for_match(variant) == "中心—散点", variant
    assert normalize_for_match("「數字—金融」ＡＩ") == "“数字—金融”AI"
    norm, idx = normalize_with_map("中心 —— 散點")
    assert norm == "中心—散点" and idx == [0, 1, 2, 6, 7]  # each folded character points at its original
    assert normalize_for_match("2019-2020年") == "2019-2020年"  # a dash between digits is not a compound


def _script_by_definition(text: str) -> str:
    """detect_script as first written: every Han character listed, converted, compared."""
    import re

    from pipeline.ingest.normalize import _s2t, to_simplified

    han = re.findall("[\u4e00-\u9fff]", text)
    if not han:
        return "simplified"
    sample = "".join(han[:20000])
    simplified = to_simplified(sample)
    if simplified == sample:
        return "simplified"
    to_s = sum(a != b for a, b in zip(sample, simplified))
    to_t = sum(a != b for a, b in zip(sample, _s2t().convert(sample)))
    return "traditional" if to_t == 0 or to_s / max(to_s + to_t, 1) > 0.75 else "mixed"


def test_script_detection_equals_its_definition_on_real_text(shared: Path, seed_path: Path) -> None:
    """The fast path (no character OpenCC's t2s changes: simplified without converting) and the
    counted one give what converting and comparing every Han character gives: on the seed, the
    headers (traditional and mirror-damaged), the works records and 2,000 CSL abstracts, and
    on each of them turned traditional."""
    import json

    from pipeline.ingest.normalize import _s2t, detect_script

    texts = [seed_path.read_text(encoding="utf-8")]
    for folder in ("headers", "works"):
        texts += [p.read_text(encoding="utf-8") for p in sorted((shared / "corpora" / folder).iterdir()) if p.is_file()]
    with open(shared / "data" / "csl" / "csl_2000.jsonl", encoding="utf-8") as f:
        texts += [" ".join(str(v) for v in json.loads(line).values()) for line in f]
    texts += [_s2t().convert(t) for t in texts[::7]]
    # the seed turned traditional up to a point: every share of changed characters around the
    # threshold between mixed and traditional
    seed = texts[0]
    texts += [_s2t().convert(seed[:k]) + seed[k:] for k in range(0, len(seed), len(seed) // 40)]
    texts += [seed[:k] + _s2t().convert(seed[k:]) for k in range(len(seed) - 2000, len(seed), 100)]
    # simplified text without one character t2s changes, then a traditional tail: the fast path
    # must look at the whole text, not its start
    from pipeline.text.protect import _t2s_trigger

    clean = "".join(t for t in texts if _t2s_trigger().search(t) is None)
    assert len(clean) > 20_000
    texts += [clean[:k] + _s2t().convert(seed[:3000]) for k in (5_000, 15_000, len(clean))]
    got = [detect_script(t) for t in texts]
    assert got == [_script_by_definition(t) for t in texts]
    assert {"simplified", "traditional", "mixed"} <= set(got)  # every branch is taken


def test_pdf_and_docx_readers_load_only_for_their_files(tmp_path: Path, seed_path: Path) -> None:
    """A run over text and Markdown never imports the PDF or .docx reader (their modules register
    themselves when the first file of their suffix is read); a PDF is still read by suffix."""
    import json
    import subprocess
    import sys

    from conftest import ROOT

    pdf = tmp_path / "page.pdf"
    import pymupdf  # a dependency; the PDF only has to be one, what it says does not matter here

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Digital rentier state", fontsize=12)
    doc.save(pdf)
    script = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
from pipeline.ingest.readers import read_path
from pipeline.runner.discover import discover
from pathlib import Path
discover(Path({str(seed_path.parent)!r}), [".txt", ".md", ".pdf", ".docx"], 10**8)
read_path(Path({str(seed_path)!r}))
before = sorted(m for m in ("pipeline.ingest.pdf", "pipeline.ingest.docx") if m in sys.modules)
docs = read_path(Path({str(pdf)!r}))
print(json.dumps({{"before": before, "pdf": "pipeline.ingest.pdf" in sys.modules, "kind": docs[0].kind}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"before": [], "pdf": True, "kind": "pdf"}
