"""``report.xlsx``: every table of the report as one sheet. Sheet names are the CSV names cut to
Excel's 31 characters.

The workbook is written directly as SpreadsheetML (a zip of XML parts), a column at a time:
openpyxl builds a Python object per cell and took ~5.5 s for the ~77,000 rows of a
1,000-paper corpus, this writes them in well under a second. The parts are the minimal set
Excel, LibreOffice, openpyxl and pandas open: content types, relationships, workbook, styles
and one worksheet per table. Text cells are inline strings (``t="inlineStr"``), so text that
starts with ``=`` stays text and no shared-string table is kept in memory; numbers and
booleans keep their types; empty values (None, NaN, NA, "") are left out, as openpyxl did.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

import pandas as pd

# Characters XML 1.0 cannot hold (control characters Excel refuses, lone surrogates, U+FFFE/F).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_ROWS = 1_048_575  # Excel's limit, less the header
MAX_CHARS = 32_000  # a cell holds at most 32,767 characters

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


_PRESERVE = ' xml:space="preserve"'


def _text(ref: str, s: str) -> str:
    s = _xml_escape(_ILLEGAL.sub("", s[:MAX_CHARS]))
    # Leading or trailing blanks are dropped by XML readers unless space is preserved.
    sp = _PRESERVE if s[:1].isspace() or s[-1:].isspace() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{sp}>{s}</t></is></c>'


def _cell_writer(ref: str) -> Callable[[Any, int], str]:
    """The serializer of one column's cells: value, row number -> ``<c>`` element ('' if empty)."""
    def cell(v: Any, row: int) -> str:
        if v is None or v is pd.NA:
            return ""
        if isinstance(v, str):
            return _text(f"{ref}{row}", v) if v else ""
        if isinstance(v, bool):
            return f'<c r="{ref}{row}" t="b"><v>{int(v)}</v></c>'
        if isinstance(v, int):
            return f'<c r="{ref}{row}"><v>{v}</v></c>'
        if isinstance(v, float):
            if math.isnan(v):
                return ""
            if math.isinf(v):  # a spreadsheet number cannot be infinite: keep it readable as text
                return _text(f"{ref}{row}", str(v))
            return f'<c r="{ref}{row}"><v>{v!r}</v></c>'
        if hasattr(v, "item"):  # numpy scalars
            return cell(v.item(), row)
        return _text(f"{ref}{row}", str(v))

    return cell


def _column_cells(values: list[Any], ref: str, first_row: int, cell: Callable[[Any, int], str]) -> list[str]:
    """The ``<c>`` elements of one column's values (rows from ``first_row``): what ``cell`` gives
    for each, made a column at a time when the column holds only text, or only integers, or
    only floats (each with empty values): one pass of the escapes over the joined text, and no
    call per cell. A call per cell was 85% of writing report.xlsx (1.1 s at 1,000 papers, the
    tail of an ``--update``'s report). Any other column goes cell by cell."""
    empty = [v is None or v is pd.NA or (type(v) is float and v != v) for v in values]
    present = [v for v, e in zip(values, empty) if not e]
    kinds = set(map(type, present))
    rows = range(first_row, first_row + len(values))
    if kinds == {str}:
        texts = ["" if e else v for v, e in zip(values, empty)]
        joined = "".join(texts)
        # the separator is a character XML cannot hold, so no cleaned text has it
        if _ILLEGAL.search(joined) is None and max(map(len, texts), default=0) <= MAX_CHARS:
            texts = _xml_escape("\x00".join(texts)).split("\x00")
            return [f'<c r="{ref}{i}" t="inlineStr"><is><t'
                    f'{_PRESERVE if s[:1].isspace() or s[-1:].isspace() else ""}>{s}</t></is></c>' if s else ""
                    for s, i in zip(texts, rows)]
    elif kinds == {int}:
        return ["" if e else f'<c r="{ref}{i}"><v>{v}</v></c>' for v, e, i in zip(values, empty, rows)]
    elif kinds == {float} and not any(map(math.isinf, present)):
        return ["" if e else f'<c r="{ref}{i}"><v>{v!r}</v></c>' for v, e, i in zip(values, empty, rows)]
    return [cell(v, i) for v, i in zip(values, rows)]


def _sheet_head(columns: list[Any], n_rows: int) -> str:
    """A worksheet's XML up to its first row of data: the used range and the header row."""
    refs = [_col_letter(i) for i in range(len(columns))]
    # The used range: readers (openpyxl read-only) pad each row to it, so a row whose last cells
    # are empty still has every column.
    dim = f'<dimension ref="A1:{refs[-1]}{min(n_rows, MAX_ROWS) + 1}"/>' if refs else ""
    header = "".join(_text(f"{r}1", str(c)) for r, c in zip(refs, columns))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>{dim}'
            f'<sheetData><row r="1">{header}</row>')


_SHEET_TAIL = "</sheetData></worksheet>"


def _sheet_rows(part: pd.DataFrame, start: int) -> str:
    """The ``<row>`` elements of ``part``, the table's rows from ``start`` (0 is the first row
    of data, the sheet's row 2)."""
    refs = [_col_letter(i) for i in range(part.shape[1])]
    rows = range(start + 2, start + 2 + len(part))
    # Column by column: one type dispatch per value, no per-row Python objects.
    cols = [_column_cells(part.iloc[:, j].tolist(), ref, start + 2, _cell_writer(ref)) for j, ref in enumerate(refs)]
    return "".join(f'<row r="{i}">{"".join(r)}</row>' for i, r in zip(rows, zip(*cols)))


def _sheet_name(name: str, used: set[str]) -> str:
    """``name`` as a sheet name not in ``used`` (which it joins): Excel's forbidden characters
    replaced, cut to 31 characters."""
    sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    while sheet in used:
        sheet = sheet[:28] + f"_{len(used)}"
    used.add(sheet)
    return sheet


def _package(sheets: list[str]) -> dict[str, str]:
    """The parts around the worksheets: content types, relationships, workbook, styles."""
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    n = range(1, len(sheets) + 1)
    return {
        "[Content_Types].xml": head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT_SHEET}"/>' for i in n)
            + "</Types>"),
        "_rels/.rels": head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": head + (
            f'<workbook {_NS} {_NS_R}><sheets>'
            + "".join(f'<sheet name="{_xml_escape(s, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in zip(n, sheets))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in n)
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": head + (
            f'<styleSheet {_NS}><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"),
    }


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    book = Workbook(path)
    try:
        for i, (name, df) in enumerate(tables.items(), start=1):
            book.begin(i, name, list(df.columns), len(df))
            for start in range(0, len(df), 10_000):
                book.rows(df.iloc[start:start + 10_000], start)
            book.end()
    finally:
        book.close()
    return Path(path)


class Workbook:
    """``report.xlsx`` written a sheet at a time, and a sheet a run of rows at a time, as the
    rows arrive (``report/writer.py`` streams the tables to a side process that way, each
    section's as soon as the section is built): at most one run of rows is held. Sheet ``i``
    (from 1) is the ``i``-th begun; the parts that list the sheets (workbook, relationships,
    content types) are written when the workbook is closed, once every sheet is known."""

    def __init__(self, path: Path) -> None:
        # Level 1 deflate: on the repetitive sheet XML the file is about a tenth larger than at
        # the default level 6 and compresses in half the time.
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.names: list[str] = []  # the sheets' names, in sheet order
        self._used: set[str] = set()
        self.sheet: Any = None

    def begin(self, i: int, name: str, columns: list[Any], n_rows: int) -> None:
        if i != len(self.names) + 1:
            raise ValueError(f"sheet {i} begun after {len(self.names)} sheets")
        self.names.append(_sheet_name(name, self._used))
        self.sheet = self.zip.open(f"xl/worksheets/sheet{i}.xml", "w")
        self.sheet.write(_sheet_head(columns, n_rows).encode("utf-8"))

    def rows(self, part: pd.DataFrame, start: int) -> None:
        """Rows ``start`` … of the current sheet; those past Excel's limit are left out."""
        part = part.iloc[:max(0, MAX_ROWS - start)]
        if len(part):
            self.sheet.write(_sheet_rows(part, start).encode("utf-8"))

    def end(self) -> None:
        self.sheet.write(_SHEET_TAIL.encode("utf-8"))
        self.sheet.close()
        self.sheet = None

    def close(self) -> None:
        if self.sheet is not None:  # a failure between begin and end: the file is not used
            self.sheet.close()
            self.sheet = None
        if not self.names:  # no table at all: one empty sheet, so the workbook opens
            self.begin(1, "empty", [], 0)
            self.end()
        for name, text in _package(self.names).items():
            self.zip.writestr(name, text)
        self.zip.close()
