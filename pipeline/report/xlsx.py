"""``report.xlsx``: every table of the report as one sheet (openpyxl, write-only so large
tables stream). Sheet names are the CSV names cut to Excel's 31 characters."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters Excel refuses
MAX_ROWS = 1_048_575  # Excel's limit, less the header


def _cell(v: object) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    if isinstance(v, str):
        return _ILLEGAL.sub("", v)[:32_000]  # a cell holds at most 32,767 characters
    if isinstance(v, (int, float, bool)):
        return v
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return str(v)


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for name, df in tables.items():
        sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
        while sheet in used:
            sheet = sheet[:28] + f"_{len(used)}"
        used.add(sheet)
        ws = wb.create_sheet(sheet)
        ws.append([str(c) for c in df.columns])
        for row in df.head(MAX_ROWS).itertuples(index=False, name=None):
            ws.append([_cell(v) for v in row])
    if not used:
        wb.create_sheet("empty")
    wb.save(path)
    return path
