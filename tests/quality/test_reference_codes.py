"""Rule 1: region and urusan codes exist in the reference lists, at the declared level."""

from __future__ import annotations

from ckanext.walidata.quality.checks.reference_codes import ERRORS
from ckanext.walidata.quality.context import CheckContext
from ckanext.walidata.quality.findings import Severity, severity_of

from .conftest import (
    CITY_WITH_ANCESTORS,
    REGION_CODES,
    URUSAN_CODES,
    assert_templates_render,
    messages,
)

REGENCIES = CheckContext(region_codes=REGION_CODES, urusan_codes=URUSAN_CODES,
                         region_levels=frozenset({"kabupaten_kota"}), region_coverage="53")

POPULATION = """\
    kode_wilayah,nama_wilayah,jumlah_penduduk
    53.01,Kabupaten Kupang,372000
    53.71,Kota Kupang,466000
    {code},{name},1000
    53,Nusa Tenggara Timur,839000
    """


def test_error_classes_render_in_both_languages():
    assert_templates_render(ERRORS)
    assert [severity_of(cls.type) for cls in ERRORS] == [
        Severity.ERROR, Severity.ERROR, Severity.WARNING, Severity.ERROR]


def test_listed_codes_at_the_declared_level_pass(validate):
    run = validate(POPULATION.format(code="53.02", name="Kabupaten Timor Tengah Selatan"),
                   context=REGENCIES)
    assert run.findings == []


def test_unknown_code_is_an_error(validate):
    run = validate(POPULATION.format(code="53.99", name="Kabupaten Fiktif"), context=REGENCIES)
    assert run.brief() == [("satudata-unknown-region-code", 4, "kode_wilayah", "53.99")]
    assert messages(run.findings[0]) == (
        'Region code "53.99" in row 4, column "kode_wilayah" is not in the Kemendagri list of '
        'region codes.',
        'Kode wilayah "53.99" di baris 4 kolom "kode_wilayah" tidak ada dalam daftar kode '
        'wilayah Kemendagri.')
    assert severity_of(run.findings[0]["type"]) is Severity.ERROR


def test_malformed_code_is_unknown(validate):
    run = validate(POPULATION.format(code="Kupang", name="Kota Kupang"), context=REGENCIES)
    assert run.brief() == [("satudata-unknown-region-code", 4, "kode_wilayah", "Kupang")]


def test_code_below_the_declared_level_is_an_error(validate):
    run = validate(POPULATION.format(code="53.71.01", name="Kecamatan Alak"), context=REGENCIES)
    assert run.brief() == [("satudata-region-level", 4, "kode_wilayah",
                            "kecamatan, kabupaten/kota")]
    assert messages(run.findings[0]) == (
        'Region code "53.71.01" in row 4, column "kode_wilayah" is below the level the '
        'metadata declares (code level, declared level: kecamatan, kabupaten/kota).',
        'Kode wilayah "53.71.01" di baris 4 kolom "kode_wilayah" berada di bawah tingkat '
        'penyajian pada metadata (tingkat kode, tingkat penyajian: kecamatan, '
        'kabupaten/kota).')


def test_unlisted_code_below_the_level_is_reported_once_as_a_level_error(validate):
    run = validate(POPULATION.format(code="53.71.99", name="Kecamatan Fiktif"),
                   context=REGENCIES)
    assert run.brief() == [("satudata-region-level", 4, "kode_wilayah",
                            "kecamatan, kabupaten/kota")]


def test_code_outside_the_coverage_is_a_warning(validate):
    run = validate(POPULATION.format(code="52.01", name="Kabupaten Lombok Barat"),
                   context=REGENCIES)
    assert run.brief() == [("satudata-region-coverage", 4, "kode_wilayah", "53")]
    assert messages(run.findings[0]) == (
        'Region code "52.01" in row 4, column "kode_wilayah" lies outside the region the '
        'dataset covers (53).',
        'Kode wilayah "52.01" di baris 4 kolom "kode_wilayah" berada di luar cakupan wilayah '
        'dataset (53).')
    assert severity_of(run.findings[0]["type"]) is Severity.WARNING


def test_ancestor_of_the_coverage_is_not_outside_it(validate):
    city = CheckContext(region_codes=REGION_CODES, region_coverage="53.71",
                        region_levels=frozenset({"kecamatan"}))
    run = validate(CITY_WITH_ANCESTORS, context=city)
    assert run.findings == []


def test_undotted_bps_codes_are_accepted(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        5301,Kabupaten Kupang,372000
        5371,Kota Kupang,466000
        5399,Kabupaten Fiktif,1000
        """, context=REGENCIES)
    assert run.brief() == [("satudata-unknown-region-code", 4, "kode_wilayah", "53.99")]


def test_total_row_words_in_the_code_column_are_not_codes(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,jumlah_penduduk
        53.01,Kabupaten Kupang,372000
        53.71,Kota Kupang,466000
        Jumlah,,838000
        """, context=REGENCIES)
    assert run.findings == []


def test_no_reference_list_loaded_means_no_findings(validate):
    run = validate(POPULATION.format(code="53.99", name="Kabupaten Fiktif"),
                   context=CheckContext(region_levels=frozenset({"kabupaten_kota"})))
    assert run.findings == []


def test_urusan_codes(validate):
    run = validate("""\
        kode_urusan,nama_urusan,anggaran
        1.01,Pendidikan,1500000
        1.2,Kesehatan,900000
        1.99,Tidak Ada,100
        """, context=REGENCIES)
    assert run.brief() == [("satudata-unknown-urusan-code", 4, "kode_urusan", "1.99")]
    assert messages(run.findings[0]) == (
        'Urusan code "1.99" in row 4, column "kode_urusan" is not in the urusan classification '
        'of Permendagri 90/2019.',
        'Kode urusan "1.99" di baris 4 kolom "kode_urusan" tidak ada dalam klasifikasi urusan '
        'Permendagri 90/2019.')


def test_every_bad_row_is_reported_even_when_the_code_repeats(validate):
    run = validate("""\
        kode_wilayah,tahun,jumlah_penduduk
        53.99,2022,1000
        53.01,2022,372000
        53.99,2023,1100
        """, context=REGENCIES)
    assert run.brief() == [("satudata-unknown-region-code", 2, "kode_wilayah", "53.99"),
                           ("satudata-unknown-region-code", 4, "kode_wilayah", "53.99")]
