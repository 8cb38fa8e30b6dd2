"""The completeness rules on their own: plain dicts, counted by hand."""

from __future__ import annotations

import pytest

from ckanext.walidata.completeness import band_of, measure

SCHEMA = {"dataset_fields": [
    {"field_name": "name", "required": True},        # skipped: every dataset has one
    {"field_name": "title", "required": True, "label": "Judul"},
    {"field_name": "satuan", "required": True, "label": "Satuan"},
    {"field_name": "konsep", "recommended": True, "label": "Konsep"},
    {"field_name": "tag_string", "recommended": True, "label": "Kata kunci"},
    {"field_name": "catatan"},                        # optional: no points
]}
VALID = {"wilayah": {"53", "53.71"}, "urusan": {"1.02"}}


def is_code(scheme: str, code: str) -> bool:
    return code in VALID[scheme]


def dataset(**fields):
    base = {"title": "Jumlah Dokter", "satuan": "orang", "konsep": "Tenaga medis",
            "tags": [{"name": "kesehatan"}], "cakupan_wilayah": "53.71", "urusan": "1.02",
            "resources": [{"name": "Tabel", "format": "CSV", "description": "Per kabupaten",
                           "satuan": "orang", "definisi": "Dokter umum dan spesialis"}]}
    base.update(fields)
    return base


def test_a_complete_dataset_scores_100():
    result = measure(dataset(), SCHEMA, is_code)
    assert result.score == 100 and result.missing == [] and result.band == "80-100"


def test_points_by_hand():
    # Required 60 / 2 fields, recommended 20 / 2, resources 10 / 2 resources,
    # dictionary 5 / 2 tabular resources, references 5 / 2 codes.
    partial = dataset(
        satuan="", konsep=None,
        resources=[{"name": "A", "format": "CSV", "description": "ok", "satuan": "orang",
                    "definisi": "x"},
                   {"name": "B", "format": "XLSX", "description": ""}],
        cakupan_wilayah="53.99")
    result = measure(partial, SCHEMA, is_code)
    # 30 (title) + 10 (tags) + 5 (one described resource) + 2.5 (one dictionary) + 2.5 (urusan)
    assert result.score == 50
    assert {(m.rule, m.field) for m in result.missing} == {
        ("required", "satuan"), ("recommended", "konsep"), ("resources", "resource:B"),
        ("dictionary", "resource:B"), ("reference", "cakupan_wilayah")}
    assert sum(m.points for m in result.missing) == pytest.approx(50)


def test_no_resources_costs_resources_and_dictionary():
    result = measure(dataset(resources=[]), SCHEMA, is_code)
    assert result.score == 85
    assert [m.rule for m in result.missing] == ["resources"]


def test_non_tabular_resources_need_no_dictionary():
    pdf = [{"name": "Laporan", "format": "PDF", "description": "Laporan tahunan"}]
    assert measure(dataset(resources=pdf), SCHEMA, is_code).score == 100


def test_reference_codes_are_checked_only_when_a_checker_is_given():
    unknown = dataset(cakupan_wilayah="99.99")
    assert measure(unknown, SCHEMA, is_code).score == 98  # 97.5 rounds to 98
    assert measure(unknown, SCHEMA).score == 100


@pytest.mark.parametrize(("score", "band"), [(0, "0-49"), (49, "0-49"), (50, "50-79"),
                                             (79, "50-79"), (80, "80-100"), (100, "80-100")])
def test_bands(score, band):
    assert band_of(score) == band


def test_a_signature_fills_the_field_of_the_role_that_signed():
    schema = {"dataset_fields": [
        {"field_name": "title", "required": True},
        {"field_name": "walidata", "recommended": True, "walidata_signed_by": "walidata"},
        {"field_name": "pembina_data", "recommended": True, "walidata_signed_by": "pembina"},
    ]}
    unsigned = measure(dataset(), schema, is_code)
    assert [m.field for m in unsigned.missing] == ["walidata", "pembina_data"]
    assert unsigned.score == 80
    walidata_only = measure(dataset(), schema, is_code, frozenset({"walidata"}))
    assert [m.field for m in walidata_only.missing] == ["pembina_data"]
    both = measure(dataset(), schema, is_code, frozenset({"walidata", "pembina"}))
    assert both.missing == [] and both.score == 100
    # A value typed in counts as before, signed or not.
    typed = measure(dataset(walidata="Diskominfo", pembina_data="bps"), schema, is_code)
    assert typed.score == 100
