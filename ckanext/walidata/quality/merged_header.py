"""Spreadsheets with a two-level header: merged cells over the column names.

Agencies often head an XLSX table with "Jumlah Penduduk" merged over "Laki-laki",
"Perempuan", "Jumlah". Read as is, frictionless sees blank column names; read with the
header rows joined ("Jumlah Penduduk Laki-laki") the table validates, and a warning tells the
walidata the column names were built that way.
"""

from __future__ import annotations

import os
from typing import ClassVar

import attrs
import openpyxl

from .findings import SatuDataTableError, Severity, register

# Header detection loads the whole workbook (openpyxl keeps merged ranges only then):
# skip it for workbooks larger than this.
MAX_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 5


def merged_header_rows(path: str) -> list[int] | None:
    """The header rows (1-based) when merged cells span the top of the first sheet."""
    if os.path.getsize(path) > MAX_BYTES:
        return None
    try:
        # A file object: uploads are stored without their extension, which openpyxl wants.
        with open(path, "rb") as handle:
            workbook = openpyxl.load_workbook(handle, read_only=False, data_only=True)
    except MemoryError:
        raise  # not an unreadable file: the job reports its memory limit
    except Exception:  # noqa: BLE001 - an unreadable file is frictionless's to report
        return None
    try:
        ranges = [r for r in workbook.worksheets[0].merged_cells.ranges
                  if r.min_row <= HEADER_SEARCH_ROWS and r.min_row == 1]
        if not ranges:
            return None
        last = max(r.max_row for r in ranges)
        # A merge across columns at the bottom of the header has its sub-headers below it.
        if any(r.min_col != r.max_col and r.max_row == last for r in ranges):
            last += 1
        return list(range(1, last + 1)) if last > 1 else None
    finally:
        workbook.close()


@register
@attrs.define(kw_only=True, repr=False)
class MergedHeaderError(SatuDataTableError):
    type = "satudata-merged-header"
    title = "Merged header cells"
    description = ("The first rows of the sheet have merged cells; the column names were "
                   "built by joining the header rows. Check them in the data dictionary, or "
                   "give the sheet one header row.")
    template = "Header rows {note} have merged cells; their labels were joined into column names."
    severity: ClassVar[Severity] = Severity.WARNING
    title_id: ClassVar[str] = "Sel tajuk digabung"
    template_id: ClassVar[str] = ("Baris tajuk {note} memiliki sel yang digabung; nama kolom "
                                  "disusun dengan menggabungkan baris-baris tajuk itu.")
