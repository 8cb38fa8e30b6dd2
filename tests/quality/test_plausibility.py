"""Rule 2: counts are not negative, percentages lie within 0–100, totals add up."""

from __future__ import annotations

from ckanext.walidata.quality.checks.plausibility import ERRORS, format_number
from ckanext.walidata.quality.context import CheckContext
from ckanext.walidata.quality.findings import Severity, severity_of

from .conftest import CITY_WITH_ANCESTORS, assert_templates_render, messages

CLEAN = """\
    kode_wilayah,nama_wilayah,laki_laki,perempuan,jumlah,persentase_miskin
    53.01,Kabupaten Kupang,190000,182000,372000,22.5
    53.02,Kabupaten Timor Tengah Selatan,230000,236000,466000,26.1
    53.71,Kota Kupang,235000,231000,466000,8.6
    53,Nusa Tenggara Timur,655000,649000,1304000,20.4
    """


def test_error_classes_render_in_both_languages():
    assert_templates_render(ERRORS)
    assert {severity_of(cls.type) for cls in ERRORS} == {Severity.ERROR}


def test_format_number():
    assert format_number(1234.0) == "1234"
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(-2.5) == "-2.5"


def test_a_plausible_table_has_no_findings(validate):
    assert validate(CLEAN).findings == []


def test_negative_count(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53.01,Kabupaten Kupang,372000
        53.71,Kota Kupang,-466000
        """)
    assert run.brief() == [("satudata-negative-count", 3, "jumlah_penduduk", "< 0")]
    assert messages(run.findings[0]) == (
        'Count "-466000" in row 3, column "jumlah_penduduk" is negative; a count cannot be '
        'below zero.',
        'Nilai "-466000" di baris 3 kolom "jumlah_penduduk" negatif, padahal jumlah/banyaknya '
        'tidak mungkin kurang dari nol.')


def test_a_negative_measure_that_is_no_count_passes(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,laju_pertumbuhan_penduduk,saldo_migrasi
        53.01,Kabupaten Kupang,-0.4,-1200
        53.71,Kota Kupang,1.8,3400
        """)
    assert run.findings == []


def test_a_minimum_in_the_schema_is_left_to_frictionless(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53.01,Kabupaten Kupang,-372000
        """, fields={"jumlah_penduduk": {"constraints": {"minimum": 0}}})
    assert run.findings == []
    assert [error["type"] for error in run.frictionless_errors] == ["constraint-error"]


def test_percentage_out_of_range(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,persentase_miskin,apm_sd
        53.01,Kabupaten Kupang,22.5,97.1
        53.71,Kota Kupang,108.6,-1
        """)
    assert run.brief() == [("satudata-percent-range", 3, "persentase_miskin", "0–100"),
                           ("satudata-percent-range", 3, "apm_sd", "0–100")]
    assert messages(run.findings[0]) == (
        'Percentage "108.6" in row 3, column "persentase_miskin" lies outside 0–100.',
        'Persentase "108.6" di baris 3 kolom "persentase_miskin" berada di luar rentang '
        '0–100.')


def test_a_percentage_of_change_may_leave_the_range(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,persentase_pertumbuhan_ekonomi
        53.01,Kabupaten Kupang,-2.5
        53.71,Kota Kupang,104.0
        """)
    assert run.findings == []


def test_the_table_unit_makes_every_measure_a_percentage(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,nilai
        53.01,Kabupaten Kupang,22.5
        53.71,Kota Kupang,120.5
        """, context=CheckContext(unit="persen"))
    assert run.brief() == [("satudata-percent-range", 3, "nilai", "0–100")]


def test_a_unit_column_makes_its_rows_percentages(validate):
    run = validate("""\
        kode_wilayah,indikator,satuan,nilai
        53.71,Jumlah penduduk miskin,jiwa,35000
        53.71,Persentase penduduk miskin,persen,120.5
        53.71,Laju pertumbuhan ekonomi,persen,-2.1
        53.71,Tingkat pengangguran terbuka,persen,9.4
        """)
    assert run.brief() == [("satudata-percent-range", 3, "nilai", "0–100")]


def test_a_total_column_is_the_sum_of_its_parts(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,laki_laki,perempuan,jumlah
        53.01,Kabupaten Kupang,190000,182000,372000
        53.71,Kota Kupang,235000,231000,466001
        """)
    assert run.brief() == [("satudata-total-mismatch", 3, "jumlah",
                            "laki_laki + perempuan = 466000")]
    assert messages(run.findings[0]) == (
        'Total "466001" in row 3, column "jumlah" is not the sum of its parts: '
        'laki_laki + perempuan = 466000.',
        'Total "466001" di baris 3 kolom "jumlah" tidak sama dengan jumlah rinciannya: '
        'laki_laki + perempuan = 466000.')


def test_decimal_totals_allow_for_rounding(validate):
    areas = {"luas_sawah": {"walidata:role": "count"}, "luas_ladang": {"walidata:role": "count"},
             "luas_total": {"walidata:role": "total",
                            "walidata:parts": ["luas_sawah", "luas_ladang"]}}
    run = validate("""\
        kode_wilayah,nama_wilayah,luas_sawah,luas_ladang,luas_total
        53.01,Kabupaten Kupang,10.45,20.45,30.9
        53.02,Kabupaten Timor Tengah Selatan,1000.1,2000.2,3030.3
        53.71,Kota Kupang,1.04,2.04,3.1
        """, fields=areas, types=dict.fromkeys(areas, "number"))
    assert run.brief() == [("satudata-total-mismatch", 3, "luas_total",
                            "luas_sawah + luas_ladang = 3000.3")]


def test_a_blank_part_leaves_the_total_unchecked(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,laki_laki,perempuan,jumlah
        53.01,Kabupaten Kupang,190000,,372000
        53.71,Kota Kupang,235000,231000,466000
        """)
    assert run.findings == []


def test_a_total_row_is_the_sum_of_the_other_rows(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,laki_laki,perempuan,jumlah
        53.01,Kabupaten Kupang,190000,182000,372000
        53.02,Kabupaten Timor Tengah Selatan,230000,236000,466000
        53.71,Kota Kupang,235000,231000,466000
        ,Jumlah,655000,649001,1304001
        """)
    assert run.brief() == [("satudata-total-row-mismatch", 5, "perempuan", "Σ = 649000; n = 3"),
                           ("satudata-total-row-mismatch", 5, "jumlah", "Σ = 1304000; n = 3")]
    error = run.findings[0]
    assert (error["cell"], error["fieldNumber"], error["cells"][1]) == ("649001", 4, "Jumlah")
    assert messages(error) == (
        'Total row 5: "649001" in column "perempuan" is not the sum of the other rows '
        '(Σ = 649000; n = 3).',
        'Baris jumlah 5: nilai "649001" di kolom "perempuan" tidak sama dengan total baris '
        'lainnya (Σ = 649000; n = 3).')


def test_the_parent_region_row_is_a_total_row(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53,Nusa Tenggara Timur,1304001
        53.01,Kabupaten Kupang,372000
        53.02,Kabupaten Timor Tengah Selatan,466000
        53.71,Kota Kupang,466000
        """)
    assert run.brief() == [("satudata-total-row-mismatch", 2, "jumlah_penduduk",
                            "Σ = 1304000; n = 3")]


def test_a_correct_total_row_passes(validate):
    assert validate(CLEAN.replace("1304000", "1304000")).findings == []
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53.01,Kabupaten Kupang,372000
        53.71,Kota Kupang,466000
        ,JUMLAH ,838000
        """)
    assert run.findings == []


def test_an_ancestor_that_is_no_direct_parent_is_no_total_row(validate):
    run = validate(CITY_WITH_ANCESTORS)
    assert run.findings == []


def test_total_rows_are_checked_per_period(validate):
    run = validate("""\
        tahun,kode_wilayah,nama_wilayah,jumlah_penduduk
        2022,53.01,Kabupaten Kupang,370000
        2022,53.71,Kota Kupang,460000
        2022,,Jumlah,830000
        2023,53.01,Kabupaten Kupang,372000
        2023,53.71,Kota Kupang,466000
        2023,,Jumlah,839000
        """)
    assert run.brief() == [("satudata-total-row-mismatch", 7, "jumlah_penduduk",
                            "Σ = 838000; n = 2")]


def test_periods_need_not_be_sorted(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk
        53.01,Kabupaten Kupang,2022,370000
        53.01,Kabupaten Kupang,2023,372000
        53.71,Kota Kupang,2022,460000
        53.71,Kota Kupang,2023,466000
        ,Jumlah,2022,830000
        ,Jumlah,2023,838001
        """)
    assert run.brief() == [("satudata-total-row-mismatch", 7, "jumlah_penduduk",
                            "Σ = 838000; n = 2")]


def test_several_total_rows_in_a_period_are_ambiguous(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jenis_kelamin,jumlah_penduduk
        53.01,Kabupaten Kupang,Laki-laki,190000
        53.71,Kota Kupang,Laki-laki,235000
        ,Jumlah,Laki-laki,1
        53.01,Kabupaten Kupang,Perempuan,182000
        53.71,Kota Kupang,Perempuan,231000
        ,Jumlah,Perempuan,2
        """)
    assert run.findings == []


def test_a_blank_count_leaves_the_total_row_unchecked(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53.01,Kabupaten Kupang,
        53.71,Kota Kupang,466000
        ,Jumlah,838000
        """)
    assert run.findings == []


def test_text_in_a_count_column_is_read_as_a_number(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53.01,Kabupaten Kupang,-5
        53.71,Kota Kupang,n/a
        """, fields={"jumlah_penduduk": {"walidata:role": "count"}},
        types={"jumlah_penduduk": "string"})
    assert run.brief() == [("satudata-negative-count", 2, "jumlah_penduduk", "< 0")]
