"""Zotero's export formats in: RIS (with attached-note abstracts), BibTeX and CSL-JSON, read the way
the runner reads them (read_path → build_paper) and end to end through `litmap run`.

The fixtures in tests/fixtures/zotero/ are laid out as Zotero 7 writes them (File → Export Library…:
RIS with CRLF and note HTML in N1, the built-in BibTeX export with tab-indented fields and {…}-protected
words, CSL JSON indented with tabs) and carry the facts of works in ../shared/corpora/works and the
seed paper (its abstract, keywords, authors and year as its CSSCI record gives them).
"""
from __future__ import annotations

import codecs
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import SEED, SHARED, make_config
from pipeline.ingest.encoding import IngestError
from pipeline.ingest.readers import read_path
from pipeline.structure.paper import build_paper

FIX = Path(__file__).parent / "fixtures" / "zotero"
SEED_TITLE = "数字化生产下金融帝国主义积累模式的新变化及其启示"
SEED_KEYWORDS = ["数字资本", "金融帝国主义", "积累模式", "数字命运共同体"]


def seed_abstract() -> str:
    return SEED.read_text(encoding="utf-8").split("[摘要] ")[1].split("\n")[0]


def papers(path: Path, **kw):
    return [build_paper(raw) for raw in read_path(path, **kw)]


def test_ris_records_take_the_abstract_from_a_labelled_note_only() -> None:
    ps = papers(FIX / "zotero_library.ris")
    assert [p.source.rsplit("#", 1)[1] for p in ps] == ["1", "2", "3", "4"]
    assert all(p.kind == "record" and not p.footnotes for p in ps)
    seed, cai, xu, foster = (p.meta for p in ps)
    # 陈, 灏 (Zotero's two-field creator) is the name 陈灏; the URL and the "CNKI" notes are not the
    # abstract, the note labelled 摘要： is, without its HTML, its label or Zotero's <div> wrapper.
    assert (seed.title, seed.authors, seed.year) == (SEED_TITLE, ["陈灏", "钟锦宸"], 2025)
    assert seed.keywords == SEED_KEYWORDS
    assert seed.abstract == seed_abstract()
    assert "摘要：" + seed_abstract() in read_path(FIX / "zotero_library.ris")[0].text
    # a short reading note ("待读：第二节") is a comment, not an abstract
    assert cai.abstract is None and cai.journal == "当代世界与社会主义" and cai.issue == "3"
    assert cai.keywords == ["世界体系论", "世界数字体系", "数字霸权", "美国霸权", "数字殖民"]
    assert (xu.title, xu.authors, xu.journal, xu.year, xu.issue) == (
        "数字帝国主义的演化特征及其批判进路", ["徐宏潇"], "马克思主义与现实", 2023, "4")
    assert (foster.authors, foster.journal, foster.volume, foster.issue, foster.year) == (
        ["John Bellamy Foster"], "Monthly Review", "71", "3", 2019)
    assert not any(p.warnings for p in ps)


def test_ris_is_sniffed_in_any_name_encoding_and_line_end(tmp_path: Path) -> None:
    data = (FIX / "zotero_library.ris").read_bytes()
    text = data.decode("utf-8")
    variants = {"library.txt": data, "gbk.ris": text.encode("gbk"), "bom.txt": codecs.BOM_UTF8 + data,
                "lf.ris": text.replace("\r\n", "\n").encode("utf-8")}
    want = [(d.doc_id, d.overrides) for d in read_path(FIX / "zotero_library.ris")]
    for name, raw in variants.items():
        (tmp_path / name).write_bytes(raw)
        got = read_path(tmp_path / name)
        assert [(d.doc_id, d.overrides) for d in got] == want, name  # one record, one id, whatever the bytes
        assert all(d.source == f"{tmp_path / name}#{i}" for i, d in enumerate(got, 1))


def test_ris_unlabelled_and_heading_notes_affiliations_missing_title_and_end(tmp_path: Path) -> None:
    # The seed's record as another tool writes it: AD per author, the abstract in an <h1>Abstract</h1>
    # note; then the same abstract in a note with no label (taken, with a warning saying so); then
    # a record with no title; the last record lacks its ER line (a truncated download).
    abstract = seed_abstract()
    p = tmp_path / "mixed.ris"
    p.write_text(
        f"TY  - JOUR\nTI  - {SEED_TITLE}\nAU  - 陈灏\nAU  - 钟锦宸\nAD  - 福建商学院金融学院\nAD  - 复旦大学马克思主义学院\n"
        f"PY  - 2025\nN1  - <h1>Abstract</h1>\n<p>{abstract}</p>\nER  - \n\n"
        f"TY  - JOUR\nTI  - {SEED_TITLE}\nAU  - 陈灏\nN1  - <p>{abstract}</p>\nER  - \n\n"
        "TY  - JOUR\nAU  - 徐宏潇\nPY  - 2023\nER  - \n\n"
        "TY  - JOUR\nTI  - 数字帝国主义的演化特征及其批判进路\nAU  - 徐宏潇\nKW  - 数字帝国主义;数字殖民\n", encoding="utf-8")
    docs = read_path(p)
    heading, unlabelled, untitled, unclosed = (build_paper(d) for d in docs)
    assert heading.meta.abstract == abstract and not heading.warnings
    assert heading.meta.affiliations == {"陈灏": "福建商学院金融学院", "钟锦宸": "复旦大学马克思主义学院"}
    assert unlabelled.meta.abstract == abstract
    assert any("no 摘要/Abstract label" in w for w in unlabelled.warnings)
    assert any("record 3 has no title" in w for w in untitled.warnings)
    assert unclosed.meta.title == "数字帝国主义的演化特征及其批判进路"
    assert unclosed.meta.keywords == ["数字帝国主义", "数字殖民"]
    assert any("no 'ER  - ' line" in w for w in unclosed.warnings)
    # a higher bar in the config leaves the unlabelled note alone
    strict = read_path(p, cfg={"zotero": {"note_abstract_min_chars": len(abstract) + 1}})
    assert "abstract" not in strict[1].overrides and strict[0].overrides["abstract"] == abstract


def test_bibtex_protected_words_latex_escapes_and_names() -> None:
    seed, foster, fang, meng = (p.meta for p in papers(FIX / "zotero_library.bib"))
    # Zotero's {…} case protection and \textit{} (its rich-text italics) are decoded away
    assert foster.title == "Late Imperialism: Fifty Years after Harry Magdoff’s The Age of Imperialism"
    assert (foster.authors, foster.journal, foster.volume, foster.issue, foster.year) == (
        ["John Bellamy Foster"], "Monthly Review", "71", "3", 2019)
    assert fang.title == "数字劳动研究脉络与展望—基于CiteSpace的文献计量可视化分析"
    assert (fang.authors, fang.journal, fang.issue) == (["方章东", "李华强"], "北京科技大学学报(社会科学版)", "5")
    assert (seed.authors, seed.keywords, seed.abstract) == (["陈灏", "钟锦宸"], SEED_KEYWORDS, seed_abstract())
    assert (meng.authors, meng.keywords) == (["孟子硕", "尹彦"], ["列宁帝国主义论", "数字帝国主义", "数字资本"])


def test_bibtex_semicolon_keywords_pages_and_a_bad_block_beside_good_ones(tmp_path: Path) -> None:
    # Format example (the page range is not a fact of this work): `;` keywords, `--` pages,
    # and a second entry whose braces never close.
    p = tmp_path / "mine.bib"
    p.write_text("@article{xu_2023,\n\ttitle = {数字帝国主义的演化特征及其批判进路},\n\tauthor = {徐宏潇},\n"
                 "\tjournal = {马克思主义与现实},\n\tyear = {2023},\n\tnumber = {4},\n\tpages = {69--79},\n"
                 "\tkeywords = {数字帝国主义; 数字殖民},\n}\n\n@article{broken,\n\ttitle = {论数字帝国主义的五大特征\n",
                 encoding="gbk")
    docs = read_path(p)
    assert len(docs) == 1 and docs[0].encoding == "gb18030"
    assert docs[0].overrides["pages"] == "69-79" and docs[0].overrides["keywords"] == ["数字帝国主义", "数字殖民"]
    assert any("line 11 cannot be parsed" in w for w in docs[0].warnings)


def test_csljson_literal_and_chinese_family_given_names() -> None:
    wang, naughton, cai = (p.meta for p in papers(FIX / "zotero_library.json"))
    assert (wang.title, wang.authors, wang.journal, wang.year, wang.issue) == (
        "网络主权概念研究述评——基于CNKI的量化分析", ["李金锋", "许开轶"], "社会科学动态", 2018, "7")
    assert naughton.title == "新的監控型資本主義:互聯網怎樣控制你" and naughton.authors == ["約翰·諾頓"]
    assert naughton.year is None  # no issued date: the record has none, nothing is guessed
    assert cai.authors == ["蔡晓辉", "赵凯荣"] and cai.keywords == ["数字资本", "物质劳动", "劳动异化", "数字劳动"]


@pytest.mark.parametrize("name, reason", [
    ("broken.ris", "no 'TY  - ' line"),
    ("broken.bib", "block at line 2 cannot be parsed (Unexpectedly reached end of file"),
    ("broken.json", "broken JSON (line 41"),
    ("not_csl.json", "not CSL-JSON"),
])
def test_damaged_exports_fail_with_their_reason(name: str, reason: str) -> None:
    with pytest.raises(IngestError) as e:
        read_path(FIX / name)
    assert reason in str(e.value)


def test_run_reads_the_three_formats_beside_a_cnki_record(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in FIX.iterdir():
        (corpus / f.name).write_bytes(f.read_bytes())
    # The CNKI Refworks record of the work that the RIS gives as record 3, as CNKI exported it.
    refworks = (SHARED / "corpora" / "cnki" / "download_refworks.txt").read_text(encoding="utf-8")
    record = next(r for r in refworks.split("\n\n") if "T1 数字帝国主义的演化特征及其批判进路" in r)
    (corpus / "cnki_download.txt").write_text(record + "\n", encoding="utf-8")
    out = tmp_path / "report"
    cfg = make_config(tmp_path, runner={"workers": 1})
    p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                        "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    docs = pd.read_csv(out / "data" / "documents.csv")
    docs["name"] = [Path(s).name for s in docs.source]
    by = {s: r for s, r in zip(docs.name, docs.to_dict("records"))}
    ok = docs[docs.status == "ok"]
    assert sorted(ok.name) == sorted([f"zotero_library.ris#{i}" for i in range(1, 5)]
                                       + [f"zotero_library.bib#{i}" for i in range(1, 5)]
                                       + [f"zotero_library.json#{i}" for i in range(1, 4)]
                                       + ["cnki_download.txt#1"])
    assert (ok.kind == "record").all()
    for name, reason in (("broken.ris", "no 'TY  - ' line"), ("broken.bib", "cannot be parsed"),
                         ("broken.json", "broken JSON"), ("not_csl.json", "not CSL-JSON")):
        assert by[name]["status"] == "failed" and reason in by[name]["error"], name
    assert by["zotero_library.json#1"]["authors_printed"] == "李金锋;许开轶"
    assert by["zotero_library.bib#2"]["title"].startswith("Late Imperialism: Fifty Years after Harry Magdoff’s")
    # one work whichever export gives it: RIS and CNKI, RIS and BibTeX
    assert by["zotero_library.ris#3"]["work_id"] == by["cnki_download.txt#1"]["work_id"]
    assert by["zotero_library.ris#1"]["work_id"] == by["zotero_library.bib#1"]["work_id"]
    assert by["zotero_library.ris#1"]["work_id"] != by["zotero_library.ris#3"]["work_id"]
    # the note's abstract and the keywords reach the concept trace
    mentions = pd.read_csv(out / "data" / "concept_mentions.csv")
    seed_ris = by["zotero_library.ris#1"]["doc_id"]
    mine = mentions[(mentions.doc_id == seed_ris) & (mentions.concept == "数字命运共同体")]
    assert {"abstract", "keywords"} <= set(mine["where"])
    cai = mentions[mentions.doc_id == by["zotero_library.ris#2"]["doc_id"]]
    assert "数字霸权" in set(cai[cai["where"] == "keywords"].concept)


@pytest.mark.parametrize("note, want", [
    ("<p>【摘要】" + "数字资本" * 3 + "</p>", ("数字资本" * 3, True)),          # labelled: taken however short
    ("<p>Abstracting services index it.</p>", (None, False)),                  # a word, not the label; short
    ("<p>CNKI:SUN:MKSY.0.2023-04-012</p>", (None, False)),                     # a database tag line
    ("<p>CNKI检索的" + "论文" * 60 + "</p>", ("CNKI检索的" + "论文" * 60, False)),  # prose that starts with CNKI
])
def test_which_note_is_an_abstract(note: str, want: tuple) -> None:
    from pipeline.ingest.zotero import DEFAULT_NOTE_ABSTRACT_MIN_CHARS, note_abstract

    assert note_abstract([note], DEFAULT_NOTE_ABSTRACT_MIN_CHARS) == want


def test_the_note_threshold_is_part_of_the_parse_key() -> None:
    from pipeline.config import load_config
    from pipeline.runner import keys

    cfg = load_config()
    before = keys.parse_key(cfg, "parse-x")
    cfg["ingest"]["zotero"] = {"note_abstract_min_chars": 300}
    assert keys.parse_key(cfg, "parse-x") != before  # a cached record re-reads its notes with the new bar
