"""The report names people and papers as a reader does: one identity per person across scripts
and aliases, and no document id or hash in any page's visible text (ids stay in CSV columns and
link targets). Checked on the seed's report (every page) and, in test_run, on the 38 works."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from test_report import seed_report

from pipeline.ingest.normalize import to_simplified

# A doc id (16 hex), a work id (w + 12 hex), or any longer hex run standing as a word: what no
# reader should see. (A user's file name that holds one, 000_085182e16f623625.txt, is the user's.)
HASH = re.compile(r"\b(?:w[0-9a-f]{12}|[0-9a-f]{12,})\b")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return " ".join(p.parts)


def pages_with_hashes(report: Path) -> dict[str, str]:
    """Page -> the first hash-like text it shows, for every HTML page of the report."""
    bad = {}
    for f in sorted(report.rglob("*.html")):
        if f.name == "ldavis.html":  # pyLDAvis's own page: its topic ids are numbers, no hashes
            continue
        m = HASH.search(visible_text(f))
        if m:
            bad[str(f.relative_to(report))] = m.group(0)
    return bad


def assert_one_row_per_person(report: Path) -> pd.DataFrame:
    authors = pd.read_csv(report / "data" / "authors.csv", keep_default_na=False)
    folded = authors.author.map(lambda a: to_simplified(a))
    dup = authors[folded.duplicated(keep=False)]
    assert dup.empty, f"one person listed under several names: {dup.author.tolist()}"
    return authors


def test_seed_report_shows_no_ids() -> None:
    report = seed_report()
    assert len(list(report.rglob("*.html"))) > 50
    assert pages_with_hashes(report) == {}
    assert_one_row_per_person(report)


def test_hash_pattern_catches_ids() -> None:
    """The check itself: an id shown in a table cell is found, a year or a count is not."""
    assert HASH.search("users 510700ef54e443d5 2025") and HASH.search("source w8ac85ea14270 ")
    assert not HASH.search("2025 年 77 条脚注 abc") and not HASH.search("topic-12 ¶3")
