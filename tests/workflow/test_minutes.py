"""The berita acara PDF, read back with pypdf: content, determinism, page breaks."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from ckanext.walidata.workflow.minutes import (
    CORE_FONTS,
    CheckResult,
    MinutesRecord,
    Signatory,
    day_name,
    find_fonts,
    fingerprint,
    fold,
    format_date,
    format_time,
    minutes_number,
    people,
    render,
    spell_number,
    zone_label,
)

WITA = timezone(timedelta(hours=8))
ROOT = Path(__file__).resolve().parents[2]
URL = "https://satudata.nttprov.go.id/dataset/jumlah-tenaga-kesehatan-kabupaten-kota"
CHECKS = (
    CheckResult("Kelengkapan metadata", "lulus", "Skor 92/100; definisi dan satuan lengkap"),
    CheckResult("Kode referensi wilayah", "lulus", "22 kode kabupaten/kota valid (Kemendagri)"),
    CheckResult("Uji kewajaran (sense check)", "peringatan",
                "Kab. Sumba Tengah: rasio dokter 0,02 per 1.000 penduduk"),
    CheckResult("Uji lintas periode", "lulus", "Tidak ada angka yang disalin dari 2022"),
    CheckResult("Konsistensi antar-OPD", "tidak dijalankan",
                "Data pembanding Dinas Dukcapil belum tersedia"),
    CheckResult("Tautan sumber rujukan", "gagal"),
)
STATUS_WORDS = {"lulus": "Lulus", "peringatan": "Peringatan", "gagal": "Gagal",
                "tidak dijalankan": "Tidak dijalankan"}
FINDINGS = (
    "Satuan kolom 'jumlah' belum dicantumkan — diperbaiki oleh OPD pada versi 2 "
    "(satuan: orang).",
    "Angka Kab. Malaka 2023 sama persis dengan 2022 — OPD mengonfirmasi data baru dari "
    "puskesmas; angka dikoreksi.",
)
SIGNATORIES = (
    Signatory("Produsen data (OPD)", "dr. Maria Goreti Bria, M.Kes.", "Mengajukan",
              datetime(2026, 3, 9, 8, 15, tzinfo=WITA)),
    Signatory("Walidata pendukung", "Yohanes Nggadas, S.Kom.", "Memeriksa kelengkapan",
              datetime(2026, 3, 10, 14, 2, tzinfo=WITA)),
    Signatory("Pembina data (BPS Provinsi NTT)", "Ir. Agustinus Ratu Djawa, M.Si.",
              "Menjamin kualitas", datetime(2026, 3, 13, 11, 40, tzinfo=WITA)),
    Signatory("Walidata", "Theresia Lusi Seran, S.T., M.T.", "Mengesahkan",
              datetime(2026, 3, 16, 10, 30, tzinfo=WITA)),
)


def realistic_record(**changes) -> MinutesRecord:
    record = MinutesRecord(
        number="BA-WALIDATA/53/2026/0007",
        portal="Portal Satu Data Provinsi Nusa Tenggara Timur",
        dataset_title="Jumlah Tenaga Kesehatan menurut Kabupaten/Kota — Provinsi NTT",
        dataset_name="jumlah-tenaga-kesehatan-kabupaten-kota",
        dataset_id="6f1c2b8e-3d4a-4c5e-9f10-2a7b8c9d0e1f",
        dataset_type="statistik",
        organization="Dinas Kesehatan Provinsi Nusa Tenggara Timur",
        version=2,
        period="2023-01-01 s.d. 2023-12-31",
        completeness=92,
        checks=CHECKS,
        findings=FINDINGS,
        signatories=SIGNATORIES,
        ratified_at=datetime(2026, 3, 16, 10, 30, tzinfo=WITA),  # a Monday
        url=URL,
    )
    return dataclasses.replace(record, **changes)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text with whitespace runs folded to one space (lines wrap anywhere)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def realistic_pdf() -> bytes:
    return render(realistic_record())


def test_the_minutes_say_what_was_verified_by_whom_when_and_with_what_findings(realistic_pdf):
    pages = pages_text(realistic_pdf)
    text = " ".join(pages)
    assert realistic_pdf.startswith(b"%PDF-")
    assert "BERITA ACARA VERIFIKASI DAN PENGESAHAN DATA" in text
    assert "Nomor: BA-WALIDATA/53/2026/0007" in text
    assert ("Pada hari ini, Senin tanggal enam belas bulan Maret tahun dua ribu dua puluh enam "
            "(16 Maret 2026), pukul 10.30 WITA") in text
    assert "telah dilakukan verifikasi dan pengesahan data sebagai berikut" in text
    # The dataset, em dash included.
    assert "Jumlah Tenaga Kesehatan menurut Kabupaten/Kota — Provinsi NTT" in text
    assert "Dinas Kesehatan Provinsi Nusa Tenggara Timur" in text
    assert "6f1c2b8e-3d4a-4c5e-9f10-2a7b8c9d0e1f" in text
    assert "Data statistik sektoral" in text
    assert "2023-01-01 s.d. 2023-12-31" in text
    assert "92/100" in text
    assert URL in "".join(text.split())  # the URL is broken after a slash or hyphen
    # Every check with its status; a check without detail shows a dash.
    for check in CHECKS:
        assert check.name in text
        assert check.detail in text
        assert f"{check.name} {STATUS_WORDS[check.status]}" in text
    assert "Tautan sumber rujukan Gagal —" in text
    for finding in FINDINGS:
        assert finding in text
    assert "Tidak ada temuan" not in text
    # Every person with role, action and the time of the step.
    for person in SIGNATORIES:
        assert person.role in text and person.name in text and person.action in text
    assert "9 Maret 2026 08.15 WITA" in text and "13 Maret 2026 11.40 WITA" in text
    # Signature blocks: the pembina data and the walidata who ratified (not the helper).
    closing = text[text.index("V. Pengesahan"):]
    assert "Demikian berita acara ini dibuat dengan sebenarnya" in closing
    assert "Pembina data (BPS Provinsi NTT), (disetujui secara elektronik" in closing
    assert "Ir. Agustinus Ratu Djawa, M.Si." in closing
    assert "Walidata, (disetujui secara elektronik" in closing
    assert "Theresia Lusi Seran, S.T., M.T. Mengesahkan, 16 Maret 2026, 10.30 WITA" in closing
    assert "Yohanes Nggadas" not in closing
    # The footer is on every page.
    for number, page in enumerate(pages, 1):
        assert f"BA-WALIDATA/53/2026/0007 Halaman {number}/{len(pages)}" in page
        assert ("Dokumen ini dibuat oleh sistem; sidik jari SHA-256 dicatat pada log audit."
                in page)


def test_the_pdf_is_a4_with_metadata_from_the_record(realistic_pdf):
    reader = PdfReader(io.BytesIO(realistic_pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata["/Title"] == "Berita Acara BA-WALIDATA/53/2026/0007"
    assert reader.metadata["/CreationDate"] == "D:20260316103000+08'00'"
    assert reader.trailer["/Root"]["/Lang"] == "id"
    links = [annot.get_object()["/A"]["/URI"] for annot in reader.pages[0]["/Annots"]]
    assert URL in links


def test_the_same_record_gives_the_same_bytes_and_fingerprint(realistic_pdf):
    again = render(realistic_record())
    assert again == realistic_pdf
    assert fingerprint(again) == fingerprint(realistic_pdf)
    assert fingerprint(realistic_pdf) == hashlib.sha256(realistic_pdf).hexdigest()
    assert len(fingerprint(realistic_pdf)) == 64
    other = render(realistic_record(version=3))
    assert fingerprint(other) != fingerprint(realistic_pdf)


def test_the_bytes_do_not_depend_on_the_process_or_the_local_time_zone():
    naive = realistic_record(ratified_at=datetime(2026, 3, 16, 2, 30))
    script = (
        "from tests.workflow.test_minutes import realistic_record, render, fingerprint\n"
        "from datetime import datetime\n"
        "print(fingerprint(render(realistic_record())))\n"
        "print(fingerprint(render(realistic_record(ratified_at=datetime(2026, 3, 16, 2, 30)))))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "TZ": "America/New_York"}
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True, timeout=120)
    assert run.stdout.split() == [fingerprint(render(realistic_record())),
                                  fingerprint(render(naive))]


def test_naive_times_are_taken_as_utc():
    pdf = render(realistic_record(ratified_at=datetime(2026, 3, 16, 2, 30)))
    assert "pukul 02.30 UTC" in " ".join(pages_text(pdf))
    assert PdfReader(io.BytesIO(pdf)).metadata["/CreationDate"].startswith("D:20260316023000")


def test_a_record_without_findings_says_so():
    text = " ".join(pages_text(render(realistic_record(findings=()))))
    assert "Tidak ada temuan." in text
    assert "No findings were raised during the review." in text


def test_a_long_list_of_findings_spans_pages_with_numbered_footers():
    findings = tuple(
        f"Temuan {i}: nilai baris {i} tidak konsisten dengan periode sebelumnya — "
        f"dikembalikan ke OPD dan diperbaiki pada versi {i % 3 + 2}." for i in range(1, 61)
    )
    pages = pages_text(render(realistic_record(findings=findings)))
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert f"BA-WALIDATA/53/2026/0007 Halaman {number}/{len(pages)}" in page
        assert "sidik jari SHA-256 dicatat pada log audit" in page
        if number > 1:
            assert "Berita acara BA-WALIDATA/53/2026/0007 — lanjutan" in page
    text = " ".join(pages)
    for i, finding in enumerate(findings, 1):
        assert f"{i}. {finding}" in text
    # The list really crosses a page break rather than sitting on one page.
    first = next(n for n, page in enumerate(pages) if "Temuan 1:" in page)
    last = next(n for n, page in enumerate(pages) if "Temuan 60:" in page)
    assert last > first


def test_missing_signatories_leave_a_blank_signature_line():
    walidata_only = (SIGNATORIES[-1],)
    text = " ".join(pages_text(render(realistic_record(signatories=walidata_only))))
    closing = text[text.index("V. Pengesahan"):]
    assert "Pembina Data, (belum ada persetujuan tercatat)" in closing
    assert "Theresia Lusi Seran" in closing


def test_the_core_font_fallback_keeps_the_em_dash_and_folds_the_rest():
    record = realistic_record(organization="Dinas Kesehatan — Bidang Çağlar ≥ 2")
    text = " ".join(pages_text(render(record, fonts=CORE_FONTS)))
    assert "Pada hari ini, Senin tanggal enam belas bulan Maret" in text
    assert "Dinas Kesehatan — Bidang Çaglar >= 2" in text
    assert "BA-WALIDATA/53/2026/0007 Halaman 1/" in text


def test_fold_keeps_supported_characters_and_replaces_the_rest():
    latin = lambda ch: ord(ch) < 128  # noqa: E731
    assert fold("Dinas ≥ 5 — ğ ✓ 中\nbaris", latin) == "Dinas >= 5 - g v ?\nbaris"
    assert fold("Tanpa perubahan", latin) == "Tanpa perubahan"


def test_the_packaged_font_is_found_without_network():
    fonts = find_fonts()
    assert fonts.name.startswith("Noto Sans")  # pymupdf-fonts, pinned in requirements.txt
    assert fonts.regular[:4] == b"\x00\x01\x00\x00" and fonts.bold[:4] == b"\x00\x01\x00\x00"


def test_minutes_number_formatting():
    assert minutes_number("BA-WALIDATA", 2026, 7) == "BA-WALIDATA/2026/0007"
    assert minutes_number("BA-WALIDATA/53/", 2026, 7) == "BA-WALIDATA/53/2026/0007"
    assert minutes_number("BA-WALIDATA", 2026, 12345) == "BA-WALIDATA/2026/12345"
    for bad in (("", 2026, 1), ("BA", 26, 1), ("BA", 2026, 0)):
        with pytest.raises(ValueError):
            minutes_number(*bad)


def test_indonesian_dates_without_system_locales():
    monday = datetime(2026, 3, 16, 10, 30, tzinfo=WITA)
    week = [day_name(monday + timedelta(days=i)) for i in range(7)]
    assert week == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    months = [format_date(datetime(2026, m, 1)).split()[1] for m in range(1, 13)]
    assert months == ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
                      "Agustus", "September", "Oktober", "November", "Desember"]
    assert format_time(monday) == "10.30 WITA"
    assert zone_label(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=7)))) == "WIB"
    assert zone_label(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=9)))) == "WIT"
    assert zone_label(datetime(2026, 1, 1, tzinfo=timezone.utc)) == "UTC"
    assert zone_label(datetime(2026, 1, 1)) == "UTC"
    assert zone_label(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=30)))) \
        == "UTC+05:30"
    spelled = {1: "satu", 10: "sepuluh", 11: "sebelas", 16: "enam belas", 20: "dua puluh",
               31: "tiga puluh satu", 100: "seratus", 115: "seratus lima belas",
               1000: "seribu", 1999: "seribu sembilan ratus sembilan puluh sembilan",
               2026: "dua ribu dua puluh enam", 2100: "dua ribu seratus"}
    assert {n: spell_number(n) for n in spelled} == spelled


def test_the_record_checks_itself():
    with pytest.raises(ValueError):
        realistic_record(completeness=101)
    with pytest.raises(ValueError):
        realistic_record(number=" ")
    record = realistic_record(findings=list(FINDINGS))
    assert record.findings == FINDINGS
    hash(record)


def test_role_and_action_codes_are_printed_as_their_labels_in_the_portal_zone():
    utc = timezone.utc
    coded = (
        Signatory("produsen", "Maria Goreti Bria", "submit",
                  datetime(2026, 3, 9, 0, 15, tzinfo=utc), round=1),
        Signatory("walidata", "Theresia Lusi Seran", "return",
                  datetime(2026, 3, 10, 6, 2, tzinfo=utc), round=1),
        Signatory("pembina", "Agustinus Ratu Djawa", "qa_approve",
                  datetime(2026, 3, 13, 3, 40, tzinfo=utc), round=2),
        Signatory("walidata", "Theresia Lusi Seran", "ratify",
                  datetime(2026, 3, 16, 2, 30, tzinfo=utc), round=2),
    )
    pdf = render(realistic_record(signatories=coded, zone="Asia/Makassar",
                                  ratified_at=datetime(2026, 3, 16, 2, 30, tzinfo=utc)))
    text = " ".join(pages_text(pdf))
    for code in ("produsen", "qa_approve", "ratify", " UTC"):
        assert code not in text
    assert "Produsen data (OPD) Maria Goreti Bria Mengajukan (putaran ke-1)" in text
    assert "Mengembalikan dengan temuan (putaran ke-1)" in text
    assert "Pembina data (BPS) Agustinus Ratu Djawa Menjamin kualitas (putaran ke-2)" in text
    assert "9 Maret 2026 08.15 WITA" in text  # 00.15 UTC
    assert "pukul 10.30 WITA" in text
    assert "Waktu dalam WITA (Asia/Makassar)." in text
    closing = text[text.index("V. Pengesahan"):]
    assert "Pembina data (BPS), (disetujui secara elektronik" in closing
    assert "Agustinus Ratu Djawa Menjamin kualitas, 13 Maret 2026, 11.40 WITA" in closing
    assert "Theresia Lusi Seran Mengesahkan, 16 Maret 2026, 10.30 WITA" in closing


def test_people_lists_every_round_by_full_name_without_automatic_steps():
    events = [
        {"action": "submit", "actor": "opd", "actor_roles": ["produsen"], "round": 1,
         "created_at": "2026-03-09T00:15:00+00:00"},
        {"action": "check", "actor": "", "actor_roles": [], "round": 1,
         "created_at": "2026-03-09T00:16:00+00:00"},
        {"action": "return", "actor": "desk", "actor_roles": ["walidata"], "round": 1,
         "created_at": "2026-03-10T06:02:00+00:00"},
        {"action": "submit", "actor": "opd", "actor_roles": ["produsen"], "round": 2,
         "created_at": "2026-03-11T01:00:00+00:00"},
    ]
    names = {"opd": "Maria Goreti Bria", "desk": "Theresia Lusi Seran"}
    listed = people(events, names.__getitem__)
    assert [(s.name, s.role, s.action, s.round) for s in listed] == [
        ("Maria Goreti Bria", "produsen", "submit", 1),
        ("Theresia Lusi Seran", "walidata", "return", 1),
        ("Maria Goreti Bria", "produsen", "submit", 2)]
    assert listed[0].at == datetime(2026, 3, 9, 0, 15, tzinfo=timezone.utc)
