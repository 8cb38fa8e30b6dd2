"""The Satu Data dataset types through CKAN's actions, API, search and pages."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan.cli.cli import ckan as ckan_command
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests import sdi_data

pytestmark = [pytest.mark.usefixtures("with_plugins")]

# BPS-style input on purpose: the validators store 53.71 and 1.02.
COMMON = dict(sdi_data.COMMON, cakupan_wilayah="5371", urusan="1.2")
STATISTIK = dict(sdi_data.STATISTIK, **COMMON)
RECOMMENDED = sdi_data.RECOMMENDED
DESCRIBED_CSV = sdi_data.DESCRIBED_CSV


@pytest.fixture(scope="module")
def opd(module_db):
    editor = factories.User(name="editor-dinkes")
    org = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 urusan="1.02", kode_opd="1.02.0.00.0.00.01.0000",
                                 users=[{"name": editor["name"], "capacity": "editor"}])
    return {"org": org, "editor": editor}


def create(opd, **fields):
    context = {"user": opd["editor"]["name"], "ignore_auth": False}
    return call_action("package_create", context=context, owner_org=opd["org"]["id"], **fields)


def search(**params):
    """package_search over every dataset: Satu Data datasets are private until published."""
    return call_action("package_search", include_private=True, **params)


def completeness_of(name):
    found = search(fq=f"name:{name}", fl="completeness_score completeness_band")["results"][0]
    return found["completeness_score"], found["completeness_band"]


def test_complete_statistik_dataset_scores_100(opd):
    dataset = create(opd, name="jumlah-dokter", title="Jumlah Dokter menurut Kabupaten/Kota",
                     resources=[DESCRIBED_CSV], **STATISTIK, **RECOMMENDED)
    assert dataset["type"] == "statistik"
    assert dataset["cakupan_wilayah"] == "53.71" and dataset["urusan"] == "1.02"
    assert completeness_of("jumlah-dokter") == (100, "80-100")


def test_required_fields_only_scores_65_by_hand(opd):
    # Required 60 + references 5; no recommended field (20), no resource (10 + 5).
    create(opd, name="dokter-minimal", title="Dokter (minimal)", **STATISTIK)
    assert completeness_of("dokter-minimal") == (65, "50-79")


def test_half_the_recommended_fields_by_hand(opd):
    half = dict(list(RECOMMENDED.items())[:7])  # 7 of the 14 recommended fields
    create(opd, name="dokter-separuh", title="Dokter (separuh)",
           resources=[dict(DESCRIBED_CSV, satuan="")], **STATISTIK, **half)
    # 60 + 20 * 7/14 + 10 (described resource) + 0 (dictionary without unit) + 5
    assert completeness_of("dokter-separuh") == (85, "80-100")


@pytest.mark.parametrize(("wrong", "field", "message"), [
    ({"cakupan_wilayah": "53.99"}, "cakupan_wilayah", 'Unknown code "53.99"'),
    ({"cakupan_wilayah": "5x"}, "cakupan_wilayah", 'Malformed code "5x"'),
    ({"urusan": "1"}, "urusan", "this field takes"),
    ({"periode_selesai": "2022-12-31"}, "periode_selesai", "The period ends before it starts"),
    ({"satuan": ""}, "satuan", "Missing value"),
    ({"frekuensi": "kadang-kadang"}, "frekuensi", "Value must be one of"),
    ({"periode_mulai": "31-12-2023"}, "periode_mulai", "Date format incorrect"),
])
def test_wrong_metadata_is_refused_with_the_field_and_reason(opd, wrong, field, message):
    with pytest.raises(tk.ValidationError) as raised:
        create(opd, name="salah", title="Data Salah", **dict(STATISTIK, **wrong))
    assert message in " ".join(raised.value.error_dict[field])
    assert search(fq="name:salah")["count"] == 0


def test_a_rejected_update_leaves_the_dataset_as_it_was(opd):
    dataset = create(opd, name="dokter-tetap", title="Dokter Tetap", **STATISTIK)
    context = {"user": opd["editor"]["name"], "ignore_auth": False}
    with pytest.raises(tk.ValidationError):
        call_action("package_patch", context=context, id=dataset["id"],
                    periode_selesai="2020-01-01", title="Judul Baru")
    shown = call_action("package_show", id=dataset["id"])
    assert shown["title"] == "Dokter Tetap" and shown["periode_selesai"] == "2023-12-31"


def test_each_data_group_has_its_own_required_fields(opd):
    with pytest.raises(tk.ValidationError) as raised:
        create(opd, name="peta-jalan", title="Peta Jalan Provinsi", type="geospasial",
               **COMMON)
    assert {"kategori_topik", "lineage"} <= set(raised.value.error_dict)
    create(opd, name="peta-jalan", title="Peta Jalan Provinsi", type="geospasial",
           kategori_topik="transportation", sistem_referensi="EPSG:4326",
           lineage="Digitasi citra 2023", **COMMON)
    assert call_action("package_show", id="peta-jalan")["sistem_referensi"] == "4326"
    create(opd, name="realisasi-belanja", title="Realisasi Belanja Kesehatan", type="keuangan",
           tahun_anggaran="2024", tahap_anggaran="realisasi", satuan_rupiah="juta_rupiah",
           **COMMON)
    create(opd, name="survei-kepuasan", title="Survei Kepuasan Puskesmas", type="pendukung",
           jenis_data="hasil_survei", **COMMON)
    types = search(**{"facet.field": '["dataset_type"]'})["facets"]
    assert {"statistik", "geospasial", "keuangan", "pendukung"} <= set(types["dataset_type"])


def test_search_facets_and_sort_on_the_new_fields(opd):
    result = search(sort="completeness_score desc", **{
        "facet.field": '["urusan", "frekuensi", "completeness_band", "tingkat_penyajian"]'})
    scores = [r.get("completeness_score") for r in search(
        sort="completeness_score desc", fl="completeness_score", rows=100)["results"]]
    assert scores == sorted(scores, reverse=True) and scores[0] == 100
    assert result["facets"]["urusan"]["1.02"] == result["count"]
    assert result["facets"]["frekuensi"]["tahunan"] == result["count"]
    urusan_items = result["search_facets"]["urusan"]["items"]
    assert urusan_items[0]["display_name"] == "1.02 — Kesehatan"
    filtered = search(fq='completeness_band:"80-100"')
    assert {r["name"] for r in filtered["results"]} >= {"jumlah-dokter", "dokter-separuh"}


def test_stock_datasets_keep_working_and_are_reported(opd, cli):
    legacy = factories.Dataset(name="data-lama", owner_org=opd["org"]["id"],
                               extras=[{"key": "periode", "value": "2019"}])
    shown = call_action("package_show", id=legacy["id"])
    assert shown["type"] == "dataset"
    assert {"key": "periode", "value": "2019"} in shown["extras"]
    result = cli.invoke(ckan_command, ["walidata", "report-missing", "--type", "dataset"])
    assert result.exit_code == 0, result.output
    line = next(row for row in result.output.splitlines() if row.startswith("data-lama"))
    assert "kontak_nama" in line and "cakupan_wilayah" in line and "urusan" in line


def as_editor(opd):
    return {"Authorization": factories.APIToken(user=opd["editor"]["name"])["token"]}


def test_dataset_page_shows_score_missing_fields_and_region_name(app, opd):
    page = BeautifulSoup(app.get("/statistik/dokter-minimal", headers=as_editor(opd))
                         .get_data(as_text=True), "html.parser")
    section = page.select_one("#walidata-completeness")
    assert section["data-score"] == "65"
    missing = {li["data-field"] for li in section.select("li")}
    assert {"konsep", "resources"} <= missing
    assert "53.71 — Kota Kupang" in page.get_text()


def test_organization_page_shows_the_average_score(app, opd):
    page = BeautifulSoup(app.get("/organization/dinas-kesehatan", headers=as_editor(opd))
                         .get_data(as_text=True), "html.parser")
    text = page.select_one("#walidata-org-completeness").get_text(" ", strip=True)
    assert "/100" in text and "80-100" in text


def test_reference_autocomplete_endpoint_and_action(app, opd):
    body = app.get("/api/walidata/reference/wilayah/autocomplete?incomplete=kupang").json
    labels = [item["label"] for item in body["ResultSet"]["Result"]]
    # Kemendagri numbers Kabupaten Kupang 53.01 (BPS: 5301 is Sumba Barat).
    assert set(labels[:2]) == {"53.71 — Kota Kupang", "53.01 — Kabupaten Kupang"}
    found = app.get("/api/3/action/walidata_reference_search",
                    query_string={"q": "kesehatan", "scheme": "urusan"}).json["result"]
    assert found[0]["code"] == "1.02"
    app.get("/api/3/action/walidata_reference_search",
            query_string={"q": "x", "scheme": "planet"}, status=409)


def test_errors_are_translated_in_indonesian(app, opd):
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])["token"]
    response = app.post("/id/api/3/action/package_create", headers={"Authorization": token},
                        json=dict(STATISTIK, name="salah-id", title="Salah",
                                  owner_org=opd["org"]["id"], cakupan_wilayah="53.99"),
                        status=409)
    assert "tidak ada dalam daftar referensi" in json.dumps(response.json["error"],
                                                            ensure_ascii=False)
