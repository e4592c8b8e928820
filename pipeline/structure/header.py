"""Header metadata of a Chinese paper: title, authors, journal, year, issue, abstract, keywords.

One reader covers the layouts real papers come in, because they share their markers and differ
only in order:

* the founding paper's: ``TITLE*`` / ``陈 灏 钟锦宸`` / ``[摘要] …`` / ``[关键词] a b c``, with no
  journal or year printed;
* CNKI PDF text: running journal line ``马克思主义与现实　2023年第4期``, title, ``田刚元1，陈富良2``,
  ``摘　要：…``, ``关键词：a；b``, 中图分类号 / 文献标识码 / 文章编号 lines;
* periodical web pages: title, ``2021-03-26牛凯功黄再胜``, ``党政干部学刊 2021年6期``, ``关键词:…``,
  then the authors again with spaces and the abstract.

Lines are classified on a simplified, width-folded copy (so 關鍵詞 and ［摘要］ are found) and
values are cut from the original line at the same offsets, so fields keep the document's
script. Nothing is invented: a field the header does not print stays None / [].
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.ingest.normalize import repair_pinyin, strip_zero_width, to_simplified
from pipeline.settings.fill import filled
from pipeline.structure.header_bio import (
    _same_length_simp,
    institution_of,
    parse_bio,
    parse_editor,
    parse_funding,
)
from pipeline.structure.header_lines import (
    _ABSTRACT,
    _ARTICLE_NO,
    _COLUMN,
    _DATE_RUN,
    _INSTITUTION,
    _JOURNAL,
    _JOURNAL_PAREN,
    _KEYWORDS,
    _NUMBERED_AFF,
    _TITLE_TAIL,
    after_marker,
    classify,
    is_ascii_line,
    join_wrapped,
    split_keywords,
)
from pipeline.structure.header_names import parse_author_line, split_run_together

__all__ = ["HeaderResult", "parse_bio", "parse_editor", "parse_funding", "parse_header", "split_keywords"]

@dataclass
class HeaderResult:
    """Header fields as printed (document's own script) plus where the body starts."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    affiliations: dict[str, str] = field(default_factory=dict)  # name -> text as printed
    institutions: dict[str, str] = field(default_factory=dict)  # name -> affiliation without posts
    journal: str | None = None
    year: int | None = None
    issue: str | None = None  # no leading zeros
    abstract: str | None = None
    keywords: list[str] = field(default_factory=list)
    funding: str | None = None
    editor: str | None = None
    date: str | None = None  # web layouts print an online date (kept apart: it is not the issue year)
    body_start: int = 0  # index of the first line after the header block
    meta_lines: list[int] = field(default_factory=list)  # funding / bio / editor lines beyond it
    warnings: list[str] = field(default_factory=list)


def parse_header(lines: list[str], cfg: dict | None = None) -> HeaderResult:
    """Read the header block of a paper given as text lines (see the module docstring)."""
    cfg = filled(cfg, "structure", "header")
    max_lines, max_title_lines, max_title_chars = cfg["max_lines"], cfg["max_title_lines"], cfg["max_title_chars"]
    res = HeaderResult()

    clean, repaired = _repair(lines)
    if repaired:
        res.warnings.append(f"header: removed {repaired} mirror-site pinyin insertions")

    window = min(len(clean), max_lines)
    simp = [_same_length_simp(clean[i]) for i in range(window)]
    kinds = [classify(s) for s in simp]
    # The header ends at the first section heading: nothing past it is header.
    for i, k in enumerate(kinds):
        if k == "heading" and i > 0:
            window = i
            break
    kinds, simp = kinds[:window], simp[:window]

    def first(kind: str, start: int = 0) -> int | None:
        return next((i for i in range(start, window) if kinds[i] == kind), None)

    i_abs, i_kw, i_cls = first("abstract"), first("keywords"), first("classification")
    stop = next((i for i in (i_abs, i_kw, i_cls) if i is not None), None)
    front_end = i_abs if i_abs is not None else (min(x for x in (i_kw, i_cls) if x is not None)
                                                 if (i_kw is not None or i_cls is not None) else window)
    used: set[int] = set()

    # Journal, year, issue: a running journal line or a web page's "journal year期" line.
    i_jour = first("journal")
    if i_jour is not None and i_jour < front_end:
        m = _JOURNAL.match(simp[i_jour]) or _JOURNAL_PAREN.match(simp[i_jour])
        assert m is not None
        res.journal = clean[i_jour][m.start("j"):m.end("j")].strip().rstrip(",，").strip() or None
        res.year = int(m.group("y"))
        res.issue = _strip_zeros(m.group("i"))
        used.add(i_jour)

    i_date = first("date")
    run_authors = ""
    if i_date is not None and i_date < front_end:
        dm = _DATE_RUN.match(simp[i_date])
        assert dm is not None
        res.date = f"{dm.group(1)}-{int(dm.group(2)):02d}-{int(dm.group(3)):02d}"
        run_authors = clean[i_date][dm.start(4):].strip()
        used.add(i_date)

    # Front lines: title, its continuation, the authors and their affiliations.
    front = [i for i in range(front_end) if kinds[i] == "text" and i not in used]
    # CNKI pages may print a column label (【数字经济研究】) above the title.
    while len(front) > 1 and _COLUMN.match(clean[front[0]]):
        used.add(front.pop(0))
    author_idx: int | None = None
    # A first line longer than any title (a paper pasted as one line, a plain essay) is body text.
    if front and len(clean[front[0]]) > max_title_chars:
        res.warnings.append(f"header: first line longer than {max_title_chars} characters: read as body, no title")
        res.body_start = front[0]
        return res
    if front:
        t0 = front[0]
        used.add(t0)
        for pos, i in enumerate(front[1:], start=1):
            if pos > max_title_lines + 1:
                break
            if parse_author_line(clean[i]) is not None:
                author_idx = i
                break
        title_lines = [t0]
        if author_idx is not None:
            title_lines += [i for i in front if t0 < i < author_idx and not is_ascii_line(clean[i])]
        res.title = _TITLE_TAIL.sub("", join_wrapped([clean[i] for i in title_lines])) or None
        used.update(title_lines)

    bio_names: list[str] = []
    bio, bio_idx = _find_bio(clean)
    if bio:
        bio_names = [n for n in bio if n not in ("作者", "本文作者")]

    if author_idx is not None:
        al = parse_author_line(clean[author_idx])
        assert al is not None
        used.add(author_idx)
        res.authors = al.names
        if al.paired and bio_names and res.authors != bio_names and "".join(res.authors) == "".join(bio_names):
            res.warnings.append("header: author names split as in the bio line")
            res.authors = list(bio_names)
        res.affiliations.update(al.inline_affiliations)
        # Affiliation lines follow the author line directly.
        after = []
        for i in range(author_idx + 1, min(author_idx + 5, front_end)):
            if kinds[i] != "text":
                break
            after.append(i)
        n_aff = _numbered_affiliations(res, al.numbers, [clean[i] for i in after])
        used.update(after[:n_aff])
    elif run_authors:
        spaced = parse_author_line(run_authors) if re.search(r"\s", run_authors) else None
        res.authors = spaced.names if spaced else split_run_together(run_authors, bio_names or None)
        if not spaced and len(res.authors) > 1 and "".join(bio_names) != re.sub(r"\s", "", run_authors):
            res.warnings.append(f"header: authors {run_authors!r} split by surname: {res.authors}")

    # Abstract: the marker line and its wrapped continuation.
    abs_end = None
    if i_abs is not None:
        parts = [after_marker(clean[i_abs], simp[i_abs], _ABSTRACT)]
        j = i_abs + 1
        while j < window and kinds[j] == "text" and j - i_abs <= 40 and not is_ascii_line(clean[j]):
            parts.append(clean[j])
            j += 1
        res.abstract = join_wrapped(parts) or None
        abs_end = j - 1
        used.update(range(i_abs, j))

    if i_kw is not None:
        text = after_marker(clean[i_kw], simp[i_kw], _KEYWORDS)
        j = i_kw
        # A keyword line wrapped by PDF extraction ends with its separator.
        while re.search(r"[；;，,、]\s*$", text) and j + 1 < window and kinds[j + 1] == "text":
            j += 1
            text += clean[j].strip()
        res.keywords = split_keywords(text)
        used.update(range(i_kw, j + 1))
    for i in range(window):
        if kinds[i] in ("keywords", "classification") and (stop is not None and i >= stop):
            used.add(i)

    _year_from_article_no(res, clean, window)
    res.body_start = _body_start(kinds, clean, used, window, stop, abs_end)

    # Lines outside the header block that still belong to the metadata. A bio line must name
    # one of the authors (when they are known), so a bracketed body line is not taken for one.
    if bio and res.authors and not any(_match_author(n, res.authors) in res.authors for n in bio):
        res.warnings.append(f"header: bio line {bio_idx} names none of the authors; ignored")
        bio = None
    if bio:
        for name, desc in bio.items():
            key = _match_author(name, res.authors)
            res.affiliations[key] = desc
        res.meta_lines.append(bio_idx)
    for name, desc in res.affiliations.items():
        inst = institution_of(desc)
        if inst:
            res.institutions[name] = inst
    res.funding, f_idx = _find(clean, parse_funding, ("*", "＊", "∗", "基金", "项目", "項目"))
    res.editor, e_idx = _find(clean, parse_editor, ("编辑", "編輯"), last=True)
    res.meta_lines += [i for i in (f_idx, e_idx) if i is not None and i >= res.body_start]
    res.meta_lines = sorted({i for i in res.meta_lines if i is not None})

    if res.title is None:
        res.warnings.append("header: no title found")
    return res


def _repair(lines: list[str]) -> tuple[list[str], int]:
    """Ingest already repairs the text; doing it again is cheap and keeps this usable alone."""
    out: list[str] = []
    total = 0
    for line in lines:
        line, _ = strip_zero_width(line.rstrip("\r\n"))
        if "(" in line or "（" in line:
            line, n = repair_pinyin(line)
            total += n
        out.append(line)
    return out, total


def _strip_zeros(issue: str) -> str:
    return (issue.lstrip("0") or "0") if issue.isdigit() else issue


def _numbered_affiliations(res: HeaderResult, numbers: dict[str, list[str]], lines: list[str]) -> int:
    """``（1.南昌大学 经济管理学院，江西 南昌 330031；2.…）`` under numbered authors.

    Returns how many of ``lines`` were affiliation lines.
    """
    by_number: dict[str, str] = {}
    plain: list[str] = []
    consumed = 0
    for line in lines:
        stripped = line.strip()
        inner = stripped.strip("()（）").strip()
        found = _NUMBERED_AFF.findall(inner)
        if found and re.match(r"^\d+\s*[.．、]", inner):
            for n, text in found:
                by_number[n] = text.strip().rstrip("）)").strip()
        elif (_INSTITUTION.search(_same_length_simp(inner)) and not is_ascii_line(inner)
              and (re.match(r"^[(（].*[)）]$", stripped) or (len(inner) < 60 and "。" not in inner))):
            plain.append(inner)
        else:
            break
        consumed += 1
    for name in res.authors:
        texts = [by_number[n] for n in numbers.get(name, []) if n in by_number]
        if texts:
            res.affiliations[name] = "；".join(texts)
        elif plain and name not in res.affiliations:
            res.affiliations[name] = plain[0]
    return consumed


def _year_from_article_no(res: HeaderResult, clean: list[str], window: int) -> None:
    """``文章编号：1000-0000（2024）02-…`` prints year and issue when no journal line does."""
    if res.year is not None:
        return
    for line in clean[:window]:
        m = _ARTICLE_NO.search(_same_length_simp(line))
        if m:
            res.year, res.issue = int(m.group(1)), _strip_zeros(m.group(2))
            return


def _body_start(kinds: list[str], clean: list[str], used: set[int], window: int,
                stop: int | None, abs_end: int | None) -> int:
    if not used:
        return 0
    end = max(used)
    # An English block (title, names, Abstract:, Key words:) after the Chinese one is header too.
    en = [i for i in range(end + 1, window) if kinds[i] in ("en_abstract", "en_keywords")]
    if en and en[0] - end <= 8:
        end = max(en)
        j = end + 1
        while kinds[end] == "en_abstract" and j < window and kinds[j] == "text" and is_ascii_line(clean[j]):
            end = j
            j += 1
    # Classification lines, funding notes, dates that follow directly are header as well.
    j = end + 1
    while j < window and kinds[j] in ("blank", "classification", "keywords", "en_keywords", "star"):
        if kinds[j] != "blank":
            if kinds[j] == "star" and parse_funding(clean[j]) is None:
                break
            end = j
        j += 1
    return end + 1


def _find_bio(clean: list[str]) -> tuple[dict[str, str] | None, int | None]:
    """The closing bio line (the last one) or a 作者简介 footer (the first one)."""
    for i in range(len(clean) - 1, -1, -1):
        line = clean[i]
        if "系" in line and len(line) < 400 and re.match(r"^\s*[(（\[［【〔]", line):
            bio = parse_bio(line)
            if bio:
                return bio, i
    for i, line in enumerate(clean):
        if "简介" in line or "簡介" in line:
            bio = parse_bio(line)
            if bio:
                return bio, i
    return None, None


def _match_author(name: str, authors: list[str]) -> str:
    """The author's own spelling for a bio name (bio and header may differ in script)."""
    if name in ("作者", "本文作者") and len(authors) == 1:
        return authors[0]
    key = to_simplified(name)
    for a in authors:
        if to_simplified(a) == key:
            return a
    return name


def _find(clean: list[str], fn, hints: tuple[str, ...], last: bool = False):  # type: ignore[no-untyped-def]
    rng = range(len(clean) - 1, -1, -1) if last else range(len(clean))
    for i in rng:
        line = clean[i]
        if len(line) < 500 and any(h in line for h in hints):
            value = fn(line)
            if value:
                return value, i
    return None, None

