"""The corpus glossary in the report: ``data/glossary.csv`` and each concept page's foreign originals."""
from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from pipeline.concepts.glossary import foreign_for, glossary_rows

from ..context import ReportContext

COLUMNS = ["zh", "foreign", "kind", "occurrences", "first_user", "first_year"]


def glossary_entries(ctx: ReportContext) -> list[dict[str, Any]]:
    res = (getattr(ctx, "results", None) or {}).get("glossary") or {}
    return list(res.get("entries") or [])


def glossary_table(ctx: ReportContext) -> pd.DataFrame:
    """The rows of ``data/glossary.csv`` (columns exactly COLUMNS, also when empty)."""
    df = pd.DataFrame(glossary_rows(glossary_entries(ctx)), columns=COLUMNS)
    df["first_year"] = df["first_year"].astype("Int64")
    return df


def with_foreign(t: dict[str, Any], name: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The trace with ``foreign``: the originals printed for the concept or one of its variants."""
    out: list[str] = []
    for surface in [name, *(t.get("variants") or [])]:
        out += [f for f in foreign_for(surface, entries) if f not in out]
    return {**t, "foreign": out}


def foreign_html(t: dict[str, Any]) -> Markup:
    if not t.get("foreign"):
        return Markup("<p>—</p>")
    return Markup("<p>{}</p>").format("; ".join(t["foreign"]))
