"""The engine over files longer than a batch: progress, row order, findings past a batch."""

from __future__ import annotations

import json
from pathlib import Path

from ckanext.walidata.quality import engine
from ckanext.walidata.quality.batch import BATCH_ROWS, PROGRESS_ROWS
from ckanext.walidata.quality.context import CheckContext

from .conftest import REGION_CODES

SCHEMA = {"fields": [
    {"name": "kode_wilayah", "type": "string"},
    {"name": "tahun", "type": "integer"},
    {"name": "laki_laki", "type": "integer"},
    {"name": "perempuan", "type": "integer"},
    {"name": "jumlah", "type": "integer"},
]}


def write_table(path: Path, rows: int, change: dict[int, str] | None = None) -> Path:
    """``rows`` data rows of Kota Kupang, one a year; ``change`` replaces whole lines."""
    lines = ["kode_wilayah,tahun,laki_laki,perempuan,jumlah"]
    lines += [f"53.71,{1900 + n},{100 + n % 7},{200 + n % 5},{300 + n % 7 + n % 5}"
              for n in range(rows)]
    for row_number, line in (change or {}).items():
        lines[row_number - 1] = line  # row numbers count the header as row 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_progress_is_reported_every_progress_rows(tmp_path):
    rows = 2 * PROGRESS_ROWS + BATCH_ROWS // 2
    path = write_table(tmp_path / "long.csv", rows)
    reports: list[tuple[int, int, int]] = []
    outcome = engine.validate(str(path), fmt="csv", schema=SCHEMA,
                              progress=lambda *report: reports.append(report))
    assert outcome.status == "success", outcome.report
    assert outcome.summary.rows == rows
    assert [done for done, _bytes, _total in reports] == [PROGRESS_ROWS, 2 * PROGRESS_ROWS]
    size = path.stat().st_size
    assert all(total == size and 0 < read <= size for _done, read, total in reports)
    assert reports[0][1] < reports[1][1]


def test_findings_are_in_row_order_with_frictionless_errors(tmp_path):
    # Row 150 has text in a count (frictionless's type-error, reported as it is read);
    # row 120, earlier but in the same batch, a total that is not its parts' sum (reported
    # when the batch is full). The report lists them by row all the same.
    path = write_table(tmp_path / "mixed.csv", 3 * BATCH_ROWS, change={
        120: "53.71,2020,100,200,999",
        150: "53.71,2021,seratus,200,300",
        2 * BATCH_ROWS + 10: "53.71,2022,-5,200,195",
    })
    outcome = engine.validate(str(path), fmt="csv", schema=SCHEMA,
                              context=CheckContext(region_codes=REGION_CODES))
    errors = outcome.report["tasks"][0]["errors"]
    assert [(error["type"], error["rowNumber"]) for error in errors] == [
        ("satudata-total-mismatch", 120),
        ("type-error", 150),
        ("satudata-negative-count", 2 * BATCH_ROWS + 10),
    ]
    assert outcome.status == "failure"


def test_nan_cells_are_blanks(tmp_path):
    """Frictionless reads "NaN" and "sNaN" as numbers; the checks take them as blanks (a
    signalling NaN raises on any comparison) and the profile stays storable as JSON."""
    path = tmp_path / "nan.csv"
    path.write_text("kode_wilayah,laki_laki,perempuan,jumlah,persentase_miskin\n"
                    "53.01,100,NaN,100,NaN\n"
                    "53.02,sNaN,5,5,-3\n"
                    "53.71,10,20,30,12.5\n", encoding="utf-8")
    runs = [engine.validate(str(path), fmt="csv",
                            context=CheckContext(region_codes=REGION_CODES))
            for _ in range(2)]
    found = [(error["type"], error["rowNumber"]) for error in
             runs[0].report["tasks"][0]["errors"]]
    assert found == [("satudata-percent-range", 3)]
    profile = runs[0].profile
    assert profile["values"]["53.01"] == [100.0, None, 100.0, None]
    assert profile["sums"]["jumlah"] == 135.0
    json.dumps(profile, allow_nan=False)
    assert profile["fingerprint"] == runs[1].profile["fingerprint"]
