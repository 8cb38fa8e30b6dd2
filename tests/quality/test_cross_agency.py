"""Rule 4: one indicator, one figure: other agencies' published datasets."""

from __future__ import annotations

from ckanext.walidata.quality.checks.cross_agency import ERRORS, MAX_LISTED
from ckanext.walidata.quality.context import CheckContext, Peer
from ckanext.walidata.quality.findings import Severity, severity_of

from .conftest import assert_templates_render, messages, stored

BPS = """\
    kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
    53.01,Kabupaten Kupang,2023,372000,22.5
    53.02,Kabupaten Timor Tengah Selatan,2023,466000,26.1
    53.71,Kota Kupang,2023,466000,8.6
    """
LABEL = "penduduk-ntt-2023 (BPS Provinsi NTT)"


def peers(validate, *texts: str) -> CheckContext:
    """The context of a dataset whose indicator other agencies published as ``texts``."""
    return CheckContext(peers=tuple(Peer(label=LABEL if not index else f"peer-{index} (OPD)",
                                         profile=stored(validate(text).profile))
                                    for index, text in enumerate(texts)))


def test_error_classes_render_in_both_languages():
    assert_templates_render(ERRORS)
    assert {severity_of(cls.type) for cls in ERRORS} == {Severity.WARNING}


def test_the_same_figures_pass(validate):
    run = validate(BPS.replace("22.5", "22.51"), context=peers(validate, BPS))
    assert run.findings == []  # 22.51 against 22.5: rounding (0.1 %)


def test_a_different_figure_is_a_warning_naming_the_peer(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,Kabupaten Kupang,2023,372000,22.5
        53.02,Kabupaten Timor Tengah Selatan,2023,465000,26.1
        53.71,Kota Kupang,2023,466000,9.6
        53.72,Kota Fiktif,2023,1000,1.0
        """, context=peers(validate, BPS))
    assert run.brief() == [
        ("satudata-peer-mismatch", 3, "jumlah_penduduk", f"{LABEL}: 466000"),
        ("satudata-peer-mismatch", 4, "persentase_miskin", f"{LABEL}: 8.6")]
    assert messages(run.findings[0]) == (
        'Value "465000" in row 3, column "jumlah_penduduk" differs from the figure another '
        f'agency published for the same indicator ({LABEL}: 466000).',
        'Nilai "465000" di baris 3 kolom "jumlah_penduduk" berbeda dengan angka yang '
        f'diterbitkan OPD lain untuk indikator yang sama ({LABEL}: 466000).')


def test_every_comparable_peer_is_compared(validate):
    other = BPS.replace("372000", "371000")
    run = validate(BPS, context=peers(validate, BPS, other))
    assert run.brief() == [("satudata-peer-mismatch", 2, "jumlah_penduduk",
                            "peer-1 (OPD): 371000")]


def test_a_peer_with_only_some_measures_in_common(validate):
    run = validate(BPS.replace("8.6", "9.6"), context=peers(validate, """\
        kode_wilayah,nama_wilayah,tahun,persentase_miskin,garis_kemiskinan
        53.71,Kota Kupang,2023,8.6,650000
        """))
    assert run.brief() == [("satudata-peer-mismatch", 4, "persentase_miskin", f"{LABEL}: 8.6")]


def test_a_peer_with_other_key_columns_is_not_comparable(validate):
    run = validate(BPS, context=peers(validate, """\
        kode_wilayah,tahun,jumlah_penduduk
        53.01,2023,1
        """))
    assert run.findings == []


def test_differences_beyond_the_listed_are_counted(validate):
    header = "kode_wilayah,nama_wilayah,jumlah_penduduk\n"
    count = MAX_LISTED + 5
    context = peers(validate, header + "\n".join(f"53.{i:04d},Desa {i},100"
                                                 for i in range(count)))
    run = validate(header + "\n".join(f"53.{i:04d},Desa {i},101" for i in range(count)),
                   context=context)
    assert len(run.of_type("satudata-peer-mismatch")) == MAX_LISTED
    more = run.of_type("satudata-peer-mismatch-more")
    assert [error["note"] for error in more] == [f"{LABEL}: 5"]
    assert messages(more[0]) == (
        'More values differ from the figures another agency published than are listed one by '
        f'one ({LABEL}: 5).',
        'Masih ada nilai lain yang berbeda dengan angka yang diterbitkan OPD lain dan tidak '
        f'dicantumkan satu per satu ({LABEL}: 5).')


def test_a_profile_not_stored_yet_compares_alike(validate):
    text = """\
        kode_wilayah,persentase_miskin
        53.01,22.5
        53.71,8.6
        """
    peer = CheckContext(peers=(Peer(label=LABEL, profile=validate(text).profile),))
    run = validate(text.replace("8.6", "9.6"), context=peer)
    assert run.brief() == [("satudata-peer-mismatch", 3, "persentase_miskin", f"{LABEL}: 8.6")]


def test_a_long_table_compares_each_key_once(validate):
    run = validate("""\
        kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin
        53.01,Kabupaten Kupang,2023,372000,22.5
        53.01,Kabupaten Kupang,2024,380000,21.9
        53.71,Kota Kupang,2023,466000,8.6
        53.71,Kota Kupang,2024,470000,8.1
        """, context=peers(validate, BPS))
    assert run.findings == []
