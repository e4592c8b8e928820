"""Web of Science plain text (the "Other file formats → Plain text / Full record and cited
references" download), read by CiteSpace, VOSviewer and bibliometrix.

The layout the readers rely on: ``FN``/``VR`` first (CiteSpace and metaknowledge look for
``VR 1.0``), records of two-letter tags with three-space continuation lines, ``ER`` and a blank
line after each record (wostools splits records on blank lines), ``EF`` last. UTF-8 with a
byte-order mark as Web of Science writes it (``export.wos.bom``): metaknowledge requires it,
CiteSpace reads Chinese from UTF-8 files with or without it.

Co-citation in those tools is counted on CR strings, so a CR string here names a cited WORK:
it is built once per work_id from every row citing it (the most common canonical first author,
year, source), so the same work reads byte-identical in every record, and two works never
share a string (a clash gets the title, then the work_id, added to its source).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .records import CitedRef, Work
from .text import cr_author, no_semicolons, no_separators, one_line, wos_author, wos_full_name

HEADER = "FN Clarivate Analytics Web of Science\nVR 1.0\n"
UT_PREFIX = "LITMAP:"
# Reference types whose WoS "source" is the item's own title (WoS prints a book's title where an
# article has its journal).
TITLE_IS_SOURCE = frozenset({"book", "classic", "thesis", "report", "other"})


def _most_common(values: Iterable[Any]) -> Any:
    """The most frequent non-empty value; ties go to the smallest, so the choice is stable."""
    c = Counter(v for v in values if v not in (None, "", ()))
    if not c:
        return None
    top = max(c.values())
    return min(v for v, n in c.items() if n == top)


@dataclass
class CitedWork:
    """One cited work as the CR line names it, aggregated over all rows citing it."""
    work_id: str
    author: str
    year: int | None
    source: str
    title: str
    volume: str
    page: str
    year_inferred: bool = False  # no reference prints a year: the earliest citing work's year


def cited_works(refs: Iterable[CitedRef], upper_latin: bool = True,
                citing_year: dict[str, int] | None = None) -> dict[str, CitedWork]:
    """``citing_year``: citing work_id -> its year. Given, a work no reference dates gets the year
    of the earliest corpus work citing it (it cannot be later): CiteSpace slices by year and
    wostools' reference parser needs one, so an undated CR would drop out of their co-citation."""
    rows: dict[str, list[CitedRef]] = defaultdict(list)
    for r in refs:
        rows[r.work_id].append(r)
    out = {}
    for wid, rs in rows.items():
        authors = _most_common(tuple(a for a in r.authors if a) for r in rs)
        first = (authors[0] if authors else None) or _most_common(r.first_author for r in rs)
        typ = _most_common(r.type for r in rs) or ""
        title = _most_common(one_line(r.title) for r in rs) or ""
        container = _most_common(one_line(r.container) for r in rs) or ""
        publisher = _most_common(one_line(r.publisher) for r in rs) or ""
        if typ in TITLE_IS_SOURCE:
            source = title or container or publisher
        else:
            source = container or title or publisher
        source = no_separators(source)
        if upper_latin:
            source = source.upper()
        pages = _most_common(one_line(r.pages) for r in rs) or ""
        year = _most_common(r.year for r in rs)
        inferred = False
        if year is None and citing_year:
            years = [citing_year[r.citing_work_id] for r in rs if citing_year.get(r.citing_work_id)]
            if years:
                year, inferred = min(years), True
        out[wid] = CitedWork(wid, cr_author(first) if first else "[Anonymous]", year,
                             source or "[UNKNOWN]", no_separators(title), no_separators(_most_common(
                                 one_line(r.volume) for r in rs) or ""),
                             no_separators(pages.replace("–", "-").split("-")[0]), inferred)
    return out


def _cr(w: CitedWork, source: str) -> str:
    parts = [w.author] + ([str(w.year)] if w.year is not None else []) + [source]
    if w.volume:
        parts.append(f"V{w.volume}")
    if w.page:
        parts.append(f"P{w.page}")
    return ", ".join(parts)


def cr_strings(refs: Iterable[CitedRef], upper_latin: bool = True,
               citing_year: dict[str, int] | None = None) -> dict[str, str]:
    """cited work_id -> its CR string, one string per work and no string for two works."""
    return cr_table(refs, upper_latin, citing_year)[0]


def cr_table(refs: Iterable[CitedRef], upper_latin: bool = True,
             citing_year: dict[str, int] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(cited work_id -> CR string, cited work_id -> the SOURCE in it)."""
    works = cited_works(refs, upper_latin, citing_year)
    source = {wid: w.source for wid, w in works.items()}
    label = {wid: _cr(w, source[wid]) for wid, w in works.items()}
    for step in ("title", "work_id"):
        by_label: dict[str, list[str]] = defaultdict(list)
        for wid, s in label.items():
            by_label[s].append(wid)
        clashes = [wid for wids in by_label.values() if len(wids) > 1 for wid in wids]
        if not clashes:
            break
        for wid in clashes:
            extra = works[wid].title if step == "title" else wid
            extra = extra.upper() if upper_latin else extra
            if extra and extra != source[wid]:
                source[wid] = f"{source[wid]} {extra}"
                label[wid] = _cr(works[wid], source[wid])
    return label, source


def _field(tag: str, values: list[str]) -> list[str]:
    values = [v for v in (one_line(x) for x in values) if v]
    if not values:
        return []
    return [f"{tag} {values[0]}"] + [f"   {v}" for v in values[1:]]


def record(w: Work, crs: list[str], times_cited: int, upper_latin: bool = True, j9: str = "") -> str:
    """One work's record, ``PT`` to ``ER``. ``j9``: the source abbreviation readers key a record
    by (wostools labels a record AU, PY, J9 and drops one without J9); a work the corpus cites
    gets the SOURCE of its CR string, so the record and the references to it are one article."""
    so = one_line(w.journal)
    first_page, _, last_page = one_line(w.pages).replace("–", "-").partition("-")
    kw = "; ".join(k for k in (no_semicolons(k) for k in w.keywords) if k)
    lines = ["PT J"]
    lines += _field("AU", [wos_author(a) for a in w.authors])
    lines += _field("AF", [wos_full_name(a) for a in w.authors])
    lines += _field("TI", [w.title])
    lines += _field("SO", [so.upper() if upper_latin else so])
    lines += _field("J9", [j9 or no_separators(so or w.title).upper() if upper_latin else j9 or no_separators(so or w.title)])
    lines += ["DT Article"]
    # No Keywords Plus exists for these papers: ID repeats the author keywords, so the tools whose
    # keyword analyses default to ID (bibliometrix, CiteSpace's "keyword" nodes) still see them.
    lines += _field("DE", [kw]) + _field("ID", [kw])
    lines += _field("AB", [w.abstract])
    # CiteSpace takes an institution from C1 up to its first comma: one affiliation, one unit.
    lines += _field("C1", [no_separators(a) for a in w.affiliations])
    lines += _field("CR", crs)
    lines += [f"NR {len(crs)}", f"TC {times_cited}"]
    # CiteSpace slices by PY and leaves a record without one out: a paper whose text prints no
    # year gets the year litmap inferred from it (its latest cited year, the report's "year_inferred").
    year = w.year if w.year is not None else w.year_inferred
    lines += _field("PY", [str(year)] if year is not None else [])
    lines += _field("VL", [w.volume]) + _field("IS", [w.issue])
    lines += _field("BP", [first_page.strip()]) + _field("EP", [last_page.strip()])
    lines += _field("DI", [w.doi])
    lines += [f"UT {UT_PREFIX}{w.work_id}", "ER"]
    return "\n".join(lines) + "\n"


def citing_years(works: list[Work]) -> dict[str, int]:
    return {w.work_id: y for w in works if (y := w.year if w.year is not None else w.year_inferred) is not None}


def render(works: list[Work], refs: list[CitedRef], upper_latin: bool = True, infer_years: bool = True) -> str:
    """The whole file's text (without the byte-order mark)."""
    label, source = cr_table(refs, upper_latin, citing_years(works) if infer_years else None)
    cited_by: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for r in refs:
        if (r.citing_work_id, r.work_id) not in seen:
            seen.add((r.citing_work_id, r.work_id))
            cited_by[r.citing_work_id].append(r.work_id)
    # Local times cited: the corpus works citing this one (a reference matched to a document of
    # it, or naming its work_id).
    doc_work = {d: w.work_id for w in works for d in w.doc_ids}
    citing: dict[str, set[str]] = defaultdict(set)
    for r in refs:
        target = doc_work.get(r.matched_doc_id) or r.work_id
        citing[target].add(r.citing_work_id)
    parts = [HEADER]
    for w in works:
        crs = [label[c] for c in cited_by.get(w.work_id, [])]
        parts.append(record(w, crs, len(citing.get(w.work_id, ())), upper_latin, source.get(w.work_id, "")) + "\n")
    parts.append("EF\n")
    return "".join(parts)


def write(works: list[Work], refs: list[CitedRef], path: Path, bom: bool = True, upper_latin: bool = True,
          infer_years: bool = True) -> None:
    path.write_text(("\ufeff" if bom else "") + render(works, refs, upper_latin, infer_years), encoding="utf-8",
                    newline="\n")


def is_ours(text: str) -> bool:
    """A file this writer made: the header, and every UT (at least one, unless the file holds no
    record at all) is litmap's."""
    text = text.lstrip("\ufeff")
    if not text.startswith(HEADER):
        return False
    uts = [line for line in text.splitlines() if line.startswith("UT ")]
    if not uts:
        return text.strip() == (HEADER + "EF").strip()
    return all(line.startswith("UT " + UT_PREFIX) for line in uts)
