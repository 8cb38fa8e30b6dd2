"""Rule 3: the same dataset's previous period (sharp changes, figures copied forward)."""

from __future__ import annotations

from ckanext.walidata.quality.checks.cross_period import ERRORS, MAX_LISTED
from ckanext.walidata.quality.context import CheckContext
from ckanext.walidata.quality.findings import Severity, severity_of

from .conftest import assert_templates_render, messages, stored

PREVIOUS = """\
    kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
    53.01,Kabupaten Kupang,2022,370000,23.1
    53.02,Kabupaten Timor Tengah Selatan,2022,462000,26.9
    53.71,Kota Kupang,2022,460000,8.9
    53.72,Kota Fiktif,2022,1000,10.0
    """


def previous_period(validate, text: str = PREVIOUS, **options) -> CheckContext:
    """The context of the next period: the previous one validated and stored first."""
    profile = stored(validate(text).profile)
    return CheckContext(previous=profile, previous_label="penduduk-ntt-2022", **options)


def test_error_classes_render_in_both_languages():
    assert_templates_render(ERRORS)
    assert {severity_of(cls.type) for cls in ERRORS} == {Severity.WARNING}


def test_ordinary_changes_pass(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,Kabupaten Kupang,2023,372000,22.5
        53.02,Kabupaten Timor Tengah Selatan,2023,466000,26.1
        53.71,Kota Kupang,2023,466000,8.6
        53.72,Kota Fiktif,2023,1200,9.0
        """, context=previous_period(validate))
    assert run.findings == []


def test_a_sharp_change_is_a_warning_at_the_cell(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,Kabupaten Kupang,2023,372000,22.5
        53.02,Kabupaten Timor Tengah Selatan,2023,46600,26.1
        53.71,Kota Kupang,2023,466000,17.9
        53.72,Kota Fiktif,2023,1200,9.0
        """, context=previous_period(validate))
    assert run.brief() == [
        ("satudata-period-change", 3, "jumlah_penduduk",
         "penduduk-ntt-2022: 462000 → 46600 (-89.9 %)"),
        ("satudata-period-change", 4, "persentase_miskin",
         "penduduk-ntt-2022: 8.9 → 17.9 (+101.1 %)")]
    assert messages(run.findings[0]) == (
        'Value "46600" in row 3, column "jumlah_penduduk" changed sharply from the previous '
        'period: penduduk-ntt-2022: 462000 → 46600 (-89.9 %).',
        'Nilai "46600" di baris 3 kolom "jumlah_penduduk" berubah tajam dari periode '
        'sebelumnya: penduduk-ntt-2022: 462000 → 46600 (-89.9 %).')
    assert severity_of(run.findings[0]["type"]) is Severity.WARNING


def test_the_threshold_comes_from_the_context(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,Kabupaten Kupang,2023,444000,23.1
        """, context=previous_period(validate, max_change_ratio=0.1))
    assert run.brief() == [("satudata-period-change", 2, "jumlah_penduduk",
                            "penduduk-ntt-2022: 370000 → 444000 (+20.0 %)")]


def test_new_regions_and_zero_before_are_not_compared(validate):
    context = previous_period(validate, PREVIOUS.replace("1000,10.0", "0,0"))
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.72,Kota Fiktif,2023,1200,9.0
        53.10,Kabupaten Manggarai,2023,340000,21.0
        """, context=context)
    assert run.findings == []


def test_a_repeated_key_is_compared_once(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,Kabupaten Kupang,2023,372000,22.5
        53.01,Kabupaten Kupang,2024,999000,22.5
        """, context=previous_period(validate))
    assert run.findings == []


def test_figures_copied_forward(validate):
    run = validate(PREVIOUS.replace("2022", "2023"), context=previous_period(validate))
    assert run.brief() == [("satudata-copied-forward", None, None,
                            "penduduk-ntt-2022: 4/4 = 100 %")]
    assert messages(run.findings[0]) == (
        'The figures repeat the previous period unchanged (penduduk-ntt-2022: 4/4 = 100 % of '
        "the compared rows are identical); check that this period's data were really updated.",
        'Angka sama persis dengan periode sebelumnya (penduduk-ntt-2022: 4/4 = 100 % baris '
        'yang dibandingkan identik); pastikan data periode ini benar-benar diperbarui.')


def test_copied_forward_in_another_order(validate):
    lines = PREVIOUS.replace("2022", "2023").splitlines()
    run = validate("\n".join([lines[0], *reversed(lines[1:])]),
                   context=previous_period(validate))
    assert run.of_type("satudata-copied-forward")[0]["note"] == "penduduk-ntt-2022: 4/4 = 100 %"


def test_mostly_copied_forward(validate):
    rows = [f"53.{i:02d},Kabupaten {i},2022,{1000 * i},{i}.5" for i in range(1, 11)]
    context = previous_period(validate, "kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,"
                              "persentase_miskin\n" + "\n".join(rows))
    rows = [row.replace("2022", "2023") for row in rows]
    rows[0] = rows[0].replace("1000,1.5", "1010,1.5")
    run = validate("kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin\n"
                   + "\n".join(rows), context=context)
    assert run.brief() == [("satudata-copied-forward", None, None,
                            "penduduk-ntt-2022: 9/10 = 90 %")]
    rows[1] = rows[1].replace("2000,2.5", "2010,2.5")
    run = validate("kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin\n"
                   + "\n".join(rows), context=context)
    assert run.findings == []


def test_other_key_columns_are_not_comparable(validate):
    run = validate("""\
        kode_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,2023,37,0.1
        """, context=previous_period(validate))
    assert run.findings == []


def test_no_previous_period_means_no_findings(validate):
    run = validate(PREVIOUS, context=CheckContext())
    assert run.findings == []


def test_sharp_changes_beyond_the_listed_are_counted(validate):
    header = "kode_wilayah,nama_wilayah,tahun,jumlah_penduduk\n"
    count = MAX_LISTED + 3
    context = previous_period(validate, header + "\n".join(
        f"53.{i:04d},Desa {i},2022,100" for i in range(count)))
    run = validate(header + "\n".join(f"53.{i:04d},Desa {i},2023,300" for i in range(count)),
                   context=context)
    assert len(run.of_type("satudata-period-change")) == MAX_LISTED
    assert run.of_type("satudata-period-change-more")[0]["note"] == "penduduk-ntt-2022: 3"
    assert messages(run.of_type("satudata-period-change-more")[0])[1] == (
        'Masih ada nilai lain yang berubah tajam dari periode sebelumnya dan tidak '
        'dicantumkan satu per satu (penduduk-ntt-2022: 3).')


def test_a_stored_profile_and_a_fresh_one_hash_alike(validate):
    fresh = validate(PREVIOUS).profile
    assert stored(fresh).fingerprint == fresh.fingerprint == validate(PREVIOUS).profile.fingerprint
    assert validate(PREVIOUS.replace("462000", "462001")).profile.fingerprint != fresh.fingerprint
