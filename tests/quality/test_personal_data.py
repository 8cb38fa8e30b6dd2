"""Rule 5: personal data (UU 27/2022) in a table, reported once per column and masked."""

from __future__ import annotations

import json

import pytest

from ckanext.walidata.quality.checks.personal_data import (
    ERRORS,
    SAMPLE_ROWS,
    classify,
    mask_email,
    mask_number,
    mask_report,
)
from ckanext.walidata.quality.context import CheckContext
from ckanext.walidata.quality.findings import Severity, severity_of

from .conftest import REGION_CODES, assert_templates_render, messages

# NIK: province, regency, kecamatan, birth date DDMMYY (women: day + 40), serial.
NIKS = ["5301051508850001",   # man, born 15-08-1985, Kabupaten Kupang
        "5371025508900002",   # woman, born 15-08-1990, Kota Kupang
        "5302016101950003",   # woman, born 21-01-1995
        "5371011203800004"]   # man, born 12-03-1980
RECIPIENTS = """\
    no,nik,nama_desa,jumlah_bantuan
    1,{},Oesapa,600000
    2,{},Oesapa,600000
    3,{},Lasiana,600000
    4,{},Lasiana,600000
    """.format(*NIKS)


def test_error_classes_render_in_both_languages():
    assert_templates_render(ERRORS)
    assert [severity_of(cls.type) for cls in ERRORS] == [Severity.ERROR, Severity.WARNING] * 4


@pytest.mark.parametrize(("value", "kind"), [
    ("5301051508850001", "nik"), (5371025508900002, "nik"), ("5301 0515 0885 0001", "nik"),
    ("'5301051508850001", "nik"),
    ("5301051513850001", None),  # month 13
    ("5301050008850001", None),  # day 0
    ("5301057208850001", None),  # day 72: women's days end at 71
    ("9901051508850001", None),  # no province 99
    ("0812-3456-7890", "phone"), ("+62 812 3456 7890", "phone"), ("(0380) 821234", "phone"),
    ("6281234567890", "phone"), ("0812.3456.7890", "phone"),
    ("081", None), ("2023-01-15", None), ("0", None), ("53.71", None),
    ("budi.santoso@gmail.com", "email"), ("budi@", None), ("Kota Kupang", None),
    (81234567890, None), (None, None), (12.5, None),
])
def test_classify(value, kind):
    assert classify(value, REGION_CODES) == kind


def test_numbers_are_phones_only_in_a_column_named_like_one():
    assert classify(81234567890, REGION_CODES, phone_column=True) == "phone"
    assert classify(6281234567890, None, phone_column=True) == "phone"
    assert classify(6_212_500_000, None, phone_column=False) is None  # a budget in rupiah


def test_without_a_region_list_any_province_number_will_do():
    assert classify("1101051508850001") == "nik"
    assert classify("9901051508850001") is None


def test_masks():
    assert mask_number("5301051508850001") == "5301**********01"
    assert mask_number("081234567890") == "0812******90"
    assert mask_email("budi.santoso@gmail.com") == "b***@gmail.com"


def test_nik_column_in_open_data_is_an_error(validate):
    run = validate(RECIPIENTS, context=CheckContext(region_codes=REGION_CODES))
    assert run.brief() == [("satudata-personal-nik", 2, "nik", "n = 4/4")]
    error = run.findings[0]
    assert error["cell"] == "5301**********01"
    assert error["cells"] == ["1", "5301**********01", "Oesapa", "600000"]
    assert messages(error) == (
        'Column "nik" holds NIK (national identity numbers), personal data protected by '
        'UU 27/2022 (n = 4/4; first in row 2: "5301**********01"). Open data must not '
        'contain it: drop the column or publish aggregates.',
        'Kolom "nik" berisi NIK (nomor induk kependudukan), data pribadi yang dilindungi '
        'UU 27/2022 (n = 4/4; pertama di baris 2: "5301**********01"). Data terbuka tidak '
        'boleh memuatnya: hapus kolom ini atau terbitkan agregatnya.')
    assert severity_of(error["type"]) is Severity.ERROR


def test_the_report_does_not_leak_what_it_flags(validate):
    run = validate(RECIPIENTS)
    text = json.dumps(run.report)
    assert not [nik for nik in NIKS if nik in text]


def test_other_findings_are_masked_once_the_column_is_known(validate):
    run = validate(RECIPIENTS.replace(f"3,{NIKS[2]},Lasiana,600000",
                                      f"3,{NIKS[2]},Lasiana,enam ratus ribu"),
                   types={"jumlah_bantuan": "integer"})
    [type_error] = run.frictionless_errors
    assert type_error["type"] == "type-error" and NIKS[2] in type_error["cells"]
    mask_report(run.report, {"nik": "nik"})
    assert not [nik for nik in NIKS if nik in json.dumps(run.report)]
    [type_error] = run.frictionless_errors
    assert type_error["cells"] == ["3", "5302**********03", "Lasiana", "enam ratus ribu"]
    assert type_error["cell"] == "enam ratus ribu"


def test_in_data_that_is_not_open_it_is_a_warning(validate):
    run = validate(RECIPIENTS, context=CheckContext(open_data=False))
    assert run.brief() == [("satudata-personal-nik-restricted", 2, "nik", "n = 4/4")]
    assert severity_of(run.findings[0]["type"]) is Severity.WARNING
    assert messages(run.findings[0])[1].endswith(
        "Dataset ini bukan data terbuka: pastikan tetap tertutup dan catat dasar hukum "
        "pemrosesannya.")


def test_phones_and_emails(validate):
    run = validate("""\
        nama_kelompok,telepon,surel,no_hp
        Kelompok Tani Sejahtera,0812-3456-7890,budi.santoso@gmail.com,081234567891
        Kelompok Tani Makmur,+62 813 3456 7890,siti.rahma@yahoo.co.id,081234567892
        Kelompok Tani Maju,(0380) 821234,yohanes99@gmail.com,081234567893
        """)
    assert run.brief() == [("satudata-personal-phone", 2, "telepon", "n = 3/3"),
                           ("satudata-personal-email", 2, "surel", "n = 3/3"),
                           ("satudata-personal-phone", 2, "no_hp", "n = 3/3")]
    phone, email, mobile = run.findings
    # Every personal column of the row is masked, whichever column the finding is about.
    assert email["cells"] == ["Kelompok Tani Sejahtera", "0812********90", "b***@gmail.com",
                              "0812******91"]
    assert (phone["cell"], email["cell"], mobile["cell"]) == (
        "0812********90", "b***@gmail.com", "0812******91")
    assert messages(email)[0].startswith(
        'Column "surel" holds e-mail addresses, personal data protected by UU 27/2022 '
        '(n = 3/3; first in row 2: "b***@gmail.com").')
    assert messages(phone) == (
        'Column "telepon" holds phone numbers, personal data protected by UU 27/2022 '
        '(n = 3/3; first in row 2: "0812********90"). Open data must not contain it: drop '
        'the column or publish aggregates.',
        'Kolom "telepon" berisi nomor telepon, data pribadi yang dilindungi UU 27/2022 '
        '(n = 3/3; pertama di baris 2: "0812********90"). Data terbuka tidak boleh '
        'memuatnya: hapus kolom ini atau terbitkan agregatnya.')


def test_phone_numbers_read_as_integers(validate):
    run = validate("""\
        nama_kelompok,no_hp,jumlah_anggota
        Kelompok Tani Sejahtera,081234567891,25
        Kelompok Tani Makmur,081234567892,30
        Kelompok Tani Maju,6281234567893,18
        """, types={"no_hp": "integer"})
    assert run.brief() == [("satudata-personal-phone", 2, "no_hp", "n = 3/3")]
    assert run.findings[0]["cells"] == ["Kelompok Tani Sejahtera", "0812******91", "25"]


def test_office_mailboxes_are_not_personal(validate):
    run = validate("""\
        nama_opd,surel
        Dinas Kesehatan,dinkes@kupangkota.go.id
        Dinas Pendidikan,dikbud@kupangkota.go.id
        Bappeda,bappeda@kupangkota.go.id
        """)
    assert run.findings == []


def test_names_with_addresses(validate):
    run = validate("""\
        no,nama_lengkap,alamat,jumlah_bantuan
        1,Yohanes Bili,Jl. Timor Raya No. 5 Oesapa,600000
        2,Maria Ndun,Jl. Adisucipto No. 12 Penfui,600000
        3,,Jl. Frans Seda No. 3,600000
        """)
    assert run.brief() == [("satudata-personal-name-address", 2, "nama_lengkap",
                            "nama_lengkap + alamat; n = 2")]
    error = run.findings[0]
    assert (error["cell"], error["cells"]) == ("***", ["1", "***", "***", "600000"])
    assert messages(error) == (
        'Column "nama_lengkap" holds names of persons together with their addresses '
        '(nama_lengkap + alamat; n = 2), personal data protected by UU 27/2022; first in row '
        '2. Open data must not contain it: drop the column or publish aggregates.',
        'Kolom "nama_lengkap" berisi nama orang beserta alamatnya (nama_lengkap + alamat; '
        'n = 2), data pribadi yang dilindungi UU 27/2022; pertama di baris 2. Data terbuka '
        'tidak boleh memuatnya: hapus kolom ini atau terbitkan agregatnya.')


def test_names_of_places_and_institutions_are_not_persons(validate):
    run = validate("""\
        nama_wilayah,nama_sekolah,alamat
        Kota Kupang,SD Inpres Oesapa,Jl. Timor Raya
        Kabupaten Kupang,SMP Negeri 1 Kupang Tengah,Jl. Oesao
        """)
    assert run.findings == []
    run = validate("""\
        nama,alamat,jumlah_tempat_tidur
        RSUD Prof. Dr. W. Z. Johannes,Jl. Moh. Hatta No. 19,350
        Puskesmas Oesapa,Jl. Timor Raya,10
        Klinik Pratama Kasih,Jl. Frans Seda,8
        """)
    assert run.findings == []


def test_names_without_addresses_pass(validate):
    run = validate("""\
        nama,jabatan
        Yohanes Bili,Kepala Dinas
        Maria Ndun,Sekretaris
        """)
    assert run.findings == []


def test_a_few_personal_values_do_not_make_a_personal_column(validate):
    run = validate("""\
        kode_wilayah,keterangan
        53.01,hubungi 0812-3456-7890
        53.02,0812-3456-7891
        53.03,data sementara
        53.71,-
        53.72,-
        53.73,-
        53.74,-
        """)
    assert run.findings == []


def test_one_finding_per_column_in_a_long_file(validate):
    rows = "\n".join(f"{i},53010515088{i:05d},600000" for i in range(SAMPLE_ROWS + 200))
    run = validate("no,nik,jumlah_bantuan\n" + rows)
    assert run.brief() == [("satudata-personal-nik", 2, "nik",
                            f"n = {SAMPLE_ROWS}/{SAMPLE_ROWS}")]
    assert run.findings[0]["cell"] == "5301**********00"
