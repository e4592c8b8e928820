"""Read what a finished run left in its report directory: ``run.json`` and ``data/*.csv``.

The export reads the report's tables, not the store: they are what the user saw, they travel
with the report folder, and a table a run did not finish writing is never read (the report is
swapped in whole, see ``report/outdir.py``). Only the dates of co-occurring terms come from
the store (the per-document windows are not in a table); without the store the co-occurrence
network is written undated.
"""
from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..config import ConfigError
from ..report.outdir import PARTIAL_MARKER, is_litmap_report, read_run_info
from .records import CitedRef, Work

# The tables an export needs; an older report without them was written before litmap grouped works.
NEEDED = ("works.csv", "work_references.csv", "documents.csv", "references.csv", "cocitation.csv",
          "cooccurrence.csv")


def _list(v: str | None) -> list[str]:
    return [x.strip() for x in (v or "").split(";") if x.strip()]


def _int(v: str | None) -> int | None:
    try:
        return int(float(v)) if v not in (None, "") else None
    except ValueError:
        return None


def _bool(v: str | None) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


def _s(v: str | None) -> str:
    return (v or "").strip()


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    # The report writes its CSVs with a byte-order mark for Excel: utf-8-sig reads either.
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)


def work_of(row: dict[str, str]) -> Work:
    return Work(row["work_id"], _s(row.get("title")), _list(row.get("authors")), _list(row.get("authors_printed")),
                _int(row.get("year")), _s(row.get("journal")), _s(row.get("volume")), _s(row.get("issue")),
                _s(row.get("pages")), _s(row.get("doi")), _list(row.get("keywords")), _s(row.get("abstract")),
                _list(row.get("affiliations")), _list(row.get("doc_ids")), _list(row.get("sources")),
                _list(row.get("kinds")), _int(row.get("n_references")) or 0)


def cited_ref_of(row: dict[str, str]) -> CitedRef:
    from .text import reference_text

    ref = CitedRef(row["citing_work_id"], row["work_id"], _s(row.get("label")), _list(row.get("authors")),
                    _s(row.get("first_author")), _s(row.get("title")), _s(row.get("container")),
                    _s(row.get("publisher")), _int(row.get("year")), _s(row.get("volume")), _s(row.get("issue")),
                    _s(row.get("pages")), _s(row.get("type")), _bool(row.get("classic")), _list(row.get("sources")),
                    _s(row.get("matched_doc_id")))
    ref.label = ref.label or reference_text(ref)
    return ref


@dataclass
class FinishedRun:
    """A finished run's report directory."""
    report_dir: Path
    info: dict[str, Any]
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.report_dir / "data"

    def rows(self, table: str) -> list[dict[str, str]]:
        if table not in self._cache:
            self._cache[table] = list(read_rows(self.data / table))
        return self._cache[table]

    def works(self) -> list[Work]:
        # works.csv's year_inferred: the earliest its documents infer, else the earliest dated
        # reference to the work (report/works_table.py)
        out = [work_of(r) for r in self.rows("works.csv")]
        for w, r in zip(out, self.rows("works.csv")):
            w.year_inferred = _int(r.get("year_inferred"))
        return out

    def cited_refs(self) -> list[CitedRef]:
        return [cited_ref_of(r) for r in self.rows("work_references.csv")]

    def references(self) -> list[dict[str, Any]]:
        """references.csv as the report's networks read the works stage (``refs.union.all_rows``
        with ``counted_only``): footnote references and printed-list items, without those merged
        into another record's citation of the same work; ``classic`` a bool, not the text "False"."""
        return [{**r, "classic": _bool(r.get("classic"))} for r in self.rows("references.csv")
                if r.get("counted", "True") == "" or _bool(r.get("counted", "True"))]

    def papers(self) -> list[dict[str, Any]]:
        """The documents as the report's network code reads papers: doc_id and the meta it uses."""
        out = []
        for r in self.rows("documents.csv"):
            if r.get("status", "ok") != "ok":
                continue
            out.append({"doc_id": r["doc_id"], "meta": {
                "authors_canonical": _list(r.get("authors")), "authors": _list(r.get("authors_printed") or r.get("authors")),
                "year": _int(r.get("year")), "year_inferred": _int(r.get("year_inferred")), "title": _s(r.get("title"))}})
        return out

    def doc_work(self) -> dict[str, str]:
        return {r["doc_id"]: r["work_id"] for r in self.rows("documents.csv") if r.get("work_id")}

    def cooccurrence(self):
        import pandas as pd

        return pd.read_csv(self.data / "cooccurrence.csv", encoding="utf-8-sig", keep_default_na=False,
                           dtype={"term_a": str, "term_b": str})


def load_run(report_dir: str | Path) -> FinishedRun:
    """The run that wrote ``report_dir``; :class:`ConfigError` (naming ``--report``) when it is
    missing, not a litmap report, half-written, or older than the tables an export reads."""
    d = Path(report_dir)
    if not d.is_dir():
        raise ConfigError(f"--report {d}: no such report folder; run `litmap run` first (or give --report the "
                          "folder a run wrote)")
    info = read_run_info(d)
    if not is_litmap_report(info):
        raise ConfigError(f"--report {d}: not a litmap report (no run.json written by litmap)")
    if (d / PARTIAL_MARKER).exists():
        raise ConfigError(f"--report {d}: this report is still being written (or its run was killed); wait for "
                          "the run to finish, or run `litmap run` again")
    missing = [t for t in NEEDED if not (d / "data" / t).is_file()]
    if missing:
        raise ConfigError(f"--report {d}: the run that wrote it left no {', '.join('data/' + t for t in missing)} "
                          "(written by an older litmap, or deleted); run `litmap run` again")
    return FinishedRun(d, info or {})
