"""Validation through CKAN's actions: uploads with planted errors, reports read as a walidata
reads them, ckanext-validation's contract, and the review guard that reads the checks."""

from __future__ import annotations

import json
import os

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.sdi_data import COMPLETE_STATISTIK, DATA_SERVER
from tests.validation.tables import CLEAN, PLANTED, merged_header_workbook

pytestmark = [pytest.mark.usefixtures("with_plugins")]

NIK = ("nik,nama,alamat,bantuan\n"
       "5371014507850003,Maria Ndun,Jl. El Tari 5,300000\n"
       "5371011203900001,Yohanes Bria,Jl. Soeharto 12,-300000\n"  # also a negative count
       "5301025508770002,Agustina Manu,Desa Oelnasi,300000\n")


@pytest.fixture(scope="module")
def people(module_db):
    users = {name: factories.User(name=name, email=f"{name}@example.go.id")
             for name in ("opd-dinsos", "walidata", "warga")}
    factories.Organization(name="diskominfo", users=[{"name": "walidata",
                                                      "capacity": "admin"}])
    org = factories.Organization(name="dinas-sosial", title="Dinas Sosial",
                                 users=[{"name": "opd-dinsos", "capacity": "editor"}])
    return {"users": users, "org": org}


def as_user(user: str) -> dict:
    return {"user": user, "ignore_auth": False}


def new_dataset(people, name: str, **fields) -> dict:
    return call_action("package_create", context=as_user("opd-dinsos"), name=name,
                       title=name.replace("-", " ").title(), owner_org=people["org"]["id"],
                       **dict(COMPLETE_STATISTIK, **dict({"resources": [],
                                                          "cakupan_wilayah": "53"}, **fields)))


def upload(create_with_upload, dataset: dict, content: str | bytes, filename: str,
           fmt: str = "CSV") -> dict:
    return create_with_upload(content, filename, context=as_user("opd-dinsos"),
                              package_id=dataset["id"], name=filename, format=fmt,
                              url="ignored")


def run(resource_id: str, user: str = "opd-dinsos") -> dict:
    call_action("resource_validation_run", context=as_user(user), resource_id=resource_id,
                **{"async": False})
    return call_action("resource_validation_show", context=as_user(user),
                       resource_id=resource_id)


def types_of(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for task in report["tasks"]:
        for error in task["errors"]:
            found.setdefault(error["type"], []).append(error)
    return found


def test_a_clean_upload_passes_and_gets_its_data_dictionary(people, create_with_upload):
    dataset = new_dataset(people, "penduduk-2023")
    resource = upload(create_with_upload, dataset, CLEAN, "penduduk.csv")
    validation = run(resource["id"])
    assert validation["status"] == "success", validation["report"]
    assert validation["summary"]["rows"] == 2
    assert validation["summary"]["errors"] == validation["summary"]["warnings"] == 0
    shown = call_action("resource_show", id=resource["id"])
    assert shown["validation_status"] == "success"
    assert shown["validation_timestamp"]
    schema = json.loads(shown["schema"])
    assert [f["name"] for f in schema["fields"]] == [
        "kode_wilayah", "nama_wilayah", "tahun", "laki_laki", "perempuan", "jumlah"]
    # Region codes stay text: 53.10 is a regency, not the number 53.1.
    assert schema["fields"][0]["type"] == "string"


def test_planted_errors_are_reported_by_type_row_and_column(people, create_with_upload):
    dataset = new_dataset(people, "kemiskinan-2023")
    resource = upload(create_with_upload, dataset, PLANTED, "kemiskinan.csv")
    validation = run(resource["id"])
    assert validation["status"] == "failure"
    found = types_of(validation["report"])
    codes = [e for errors in found.values() for e in errors if e.get("cell") == "53.99"]
    assert codes and codes[0]["rowNumber"] == 3 and codes[0]["fieldName"] == "kode_wilayah"
    negatives = [e for errors in found.values() for e in errors
                 if e.get("fieldName") == "jumlah_penduduk"]
    assert [e["rowNumber"] for e in negatives] == [4]
    percents = [e for errors in found.values() for e in errors
                if e.get("fieldName") == "persentase_miskin"]
    assert [(e["rowNumber"], e["cell"]) for e in percents] == [(5, "120")]
    assert validation["summary"]["errors"] == 3
    assert call_action("resource_show", id=resource["id"])["validation_status"] == "failure"
    # The dataset's badge is searchable.
    found_by_status = call_action("package_search", fq="validation_status:failure",
                                  include_private=True)
    assert dataset["id"] in {d["id"] for d in found_by_status["results"]}


def test_personal_data_is_flagged_and_masked_in_the_report(people, create_with_upload):
    dataset = new_dataset(people, "penerima-bantuan-2023")
    resource = upload(create_with_upload, dataset, NIK, "penerima.csv")
    validation = run(resource["id"])
    assert validation["status"] == "failure"
    report_text = json.dumps(validation["report"])
    assert "5371014507850003" not in report_text
    assert "Maria Ndun" not in report_text
    # The negative count's finding quotes its row, masked too.
    assert "5371011203900001" not in report_text and "Yohanes Bria" not in report_text
    assert "satudata-negative-count" in validation["summary"]["types"]
    severities = validation["summary"]["types"]
    assert any("nik" in kind and info["severity"] == "error"
               for kind, info in severities.items())


def test_a_broken_csv_is_a_failure_with_its_rows(people, create_with_upload):
    dataset = new_dataset(people, "rusak-2023")
    broken = ("kode_wilayah,nama_wilayah,jumlah\n53.01,Kabupaten Kupang,10\n"
              "53.71,Kota Kupang,12,99,extra\n53.02\n")
    resource = upload(create_with_upload, dataset, broken, "rusak.csv")
    validation = run(resource["id"])
    assert validation["status"] == "failure"
    found = types_of(validation["report"])
    assert found["extra-cell"][0]["rowNumber"] == 3
    assert found["missing-cell"][0]["rowNumber"] == 4


def test_a_file_that_is_not_a_table_is_an_error_not_a_crash(people, create_with_upload):
    dataset = new_dataset(people, "bukan-tabel-2023")
    resource = upload(create_with_upload, dataset, b"\x89PNG\r\n\x1a\n\x00\x00binary",
                      "gambar.csv")
    validation = run(resource["id"])
    assert validation["status"] in ("error", "failure")
    assert validation["summary"]["errors"] >= 1


def test_an_xlsx_with_merged_header_cells_is_read_with_joined_names(people,
                                                                     create_with_upload):
    dataset = new_dataset(people, "penduduk-xlsx-2023")
    resource = upload(create_with_upload, dataset, merged_header_workbook(), "penduduk.xlsx",
                      fmt="XLSX")
    validation = run(resource["id"])
    found = types_of(validation["report"])
    assert "satudata-merged-header" in found
    assert validation["summary"]["types"]["satudata-merged-header"]["severity"] == "warning"
    assert validation["summary"]["rows"] == 2
    assert validation["summary"]["errors"] == 0
    schema = json.loads(call_action("resource_show", id=resource["id"])["schema"])
    assert "Jumlah Penduduk Laki-laki" in [f["name"] for f in schema["fields"]]


def test_a_linked_csv_is_downloaded_and_checked(people):
    dataset = new_dataset(people, "dokter-tautan-2023", resources=[
        {"url": f"{DATA_SERVER}/dokter.csv", "format": "CSV", "name": "Tabel"}])
    validation = run(dataset["resources"][0]["id"])
    assert validation["status"] == "success", validation["report"]


def test_the_contract_refuses_what_it_should(people, create_with_upload):
    dataset = new_dataset(people, "kontrak-2023", resources=[
        {"url": f"{DATA_SERVER}/laporan.pdf", "format": "PDF", "name": "Laporan"}])
    with pytest.raises(tk.ValidationError):
        call_action("resource_validation_run", context=as_user("opd-dinsos"),
                    resource_id=dataset["resources"][0]["id"])
    with pytest.raises(tk.ObjectNotFound):
        call_action("resource_validation_show", resource_id=dataset["resources"][0]["id"])
    resource = upload(create_with_upload, dataset, CLEAN, "penduduk.csv")
    with pytest.raises(tk.NotAuthorized):
        call_action("resource_validation_run", context=as_user("warga"),
                    resource_id=resource["id"])
    run(resource["id"])
    call_action("resource_validation_delete", context=as_user("opd-dinsos"),
                resource_id=resource["id"])
    with pytest.raises(tk.ObjectNotFound):
        call_action("resource_validation_show", resource_id=resource["id"])


def test_a_file_missing_from_the_storage_is_an_error_that_can_be_rerun(people,
                                                                        create_with_upload):
    from ckan.lib import uploader

    dataset = new_dataset(people, "berkas-hilang-2023")
    resource = upload(create_with_upload, dataset, CLEAN, "penduduk.csv")
    path = uploader.get_resource_uploader(resource).get_path(resource["id"])
    with open(path, "rb") as handle:
        content = handle.read()
    os.remove(path)
    validation = run(resource["id"])
    assert validation["status"] == "error"
    assert "could not run" in validation["error"]
    with open(path, "wb") as handle:
        handle.write(content)
    assert run(resource["id"])["status"] == "success"
