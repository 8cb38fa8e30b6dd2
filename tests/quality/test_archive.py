"""XLSX archive limits: a zip bomb is refused before openpyxl unpacks it (real files made
here, no big file committed)."""

from __future__ import annotations

import resource
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ckanext.walidata.quality import engine
from ckanext.walidata.quality.archive import XlsxLimits, check_xlsx, unpacked_size
from ckanext.walidata.quality.limits import MB, BeyondLimit, CheckRefused

ROW = b"<row><c><v>1</v></c></row>" * 40960


def workbook(path: Path, rows: int = 3) -> Path:
    """A real, small workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["kode_wilayah", "jumlah"])
    for number in range(rows):
        sheet.append([f"53.{number + 1:02d}", number])
    book.save(path)
    return path


def xlsx_bomb(path: Path, unpacked_bytes: int) -> Path:
    """A workbook unpacking to ``unpacked_bytes``, nearly all of it identical rows of the
    first sheet: a few MB on disk, valid for openpyxl, which would build every row."""
    source = workbook(path.with_name(f"plain-{path.name}"))
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        unpacked_bytes -= sum(info.file_size for info in plain.infolist()
                              if info.filename != "xl/worksheets/sheet1.xml")
        for info in plain.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info, plain.read(info))
                continue
            with bomb.open(info.filename, "w", force_zip64=True) as sheet:
                head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                tail = b"</sheetData></worksheet>"
                sheet.write(head)
                left = unpacked_bytes - len(head) - len(tail)
                while left >= len(ROW):
                    sheet.write(ROW)
                    left -= len(ROW)
                sheet.write(b" " * left + tail)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return xlsx_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", 1024 * MB)


def test_a_one_gib_bomb_is_refused_at_once_without_unpacking(bomb):
    assert bomb.stat().st_size < 8 * MB
    assert unpacked_size(str(bomb)) >= 1024 * MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(BeyondLimit) as refused:
        engine.validate(str(bomb), fmt="xlsx")
    assert time.monotonic() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB
    assert str(refused.value) == ("The XLSX file unpacks to 1,024 MB; at most 200 MB are "
                                  "allowed.")
    indonesian = {refused.value.message: "Berkas XLSX terurai menjadi {size} MB; paling "
                                          "banyak {limit} MB."}
    assert refused.value.render(indonesian.get) == ("Berkas XLSX terurai menjadi 1,024 MB; "
                                                     "paling banyak 200 MB.")


def test_a_part_compressed_beyond_the_ratio_is_refused(tmp_path):
    path = xlsx_bomb(tmp_path / "dense.xlsx", 30 * MB)
    with pytest.raises(CheckRefused, match=r"compressed \d+ times; at most 100 times"):
        check_xlsx(str(path), XlsxLimits())
    check_xlsx(str(path), XlsxLimits(max_ratio=10_000))


def test_too_many_parts_are_refused(tmp_path):
    path = workbook(tmp_path / "plain.xlsx")
    parts = len(zipfile.ZipFile(path).infolist())
    with pytest.raises(CheckRefused, match=f"holds {parts} parts; at most 3 are allowed"):
        check_xlsx(str(path), XlsxLimits(max_members=3))


def test_a_plain_workbook_is_checked_and_a_broken_one_is_frictionless_s_to_report(tmp_path):
    outcome = engine.validate(str(workbook(tmp_path / "plain.xlsx")), fmt="xlsx")
    assert outcome.status == "success" and outcome.summary.rows == 3
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip at all")
    check_xlsx(str(broken), XlsxLimits())
    assert engine.validate(str(broken), fmt="xlsx").status == "error"


def test_the_engine_reads_local_files_only():
    with pytest.raises(ValueError, match="not a local file"):
        engine.validate("http://127.0.0.1:9/table.csv", fmt="csv")
