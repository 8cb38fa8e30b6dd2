"""The review reads the checks: open errors block, warnings need the walidata's written
justification, the berita acara lists them; the clinic's per-OPD report and its CSV."""

from __future__ import annotations

import csv
import io

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action
from pypdf import PdfReader

from ckanext.walidata.cli import walidata
from ckanext.walidata.workflow import store as review_store
from tests.sdi_data import COMPLETE_STATISTIK

pytestmark = [pytest.mark.usefixtures("with_plugins")]

GOOD = ("kode_wilayah,nama_wilayah,tahun,laki_laki,perempuan,jumlah\n"
        "53.01,Kabupaten Kupang,2023,190123,184377,374500\n"
        "53.71,Kota Kupang,2023,226114,229736,455850\n")
BAD = GOOD + "53.99,Kabupaten Fiktif,2023,10,-5,5\n"
# The same regencies a year later, one of them jumping by far more than 50 %.
JUMP = ("kode_wilayah,nama_wilayah,tahun,laki_laki,perempuan,jumlah\n"
        "53.01,Kabupaten Kupang,2024,190900,185100,376000\n"
        "53.71,Kota Kupang,2024,526114,529736,1055850\n")


@pytest.fixture(scope="module")
def people(module_db):
    for name in ("opd-dukcapil", "walidata", "walidata-2"):
        factories.User(name=name, email=f"{name}@example.go.id")
    factories.Organization(name="diskominfo", users=[
        {"name": "walidata", "capacity": "admin"}, {"name": "walidata-2", "capacity": "admin"}])
    return factories.Organization(name="dinas-dukcapil", title="Dinas Dukcapil",
                                  users=[{"name": "opd-dukcapil", "capacity": "editor"}])


def act(verb: str, user: str, dataset_id: str, **params) -> dict:
    return call_action(f"walidata_{verb}", context={"user": user, "ignore_auth": False},
                       id=dataset_id, **params)


def checked(org, create_with_upload, name: str, content: str, **fields) -> dict:
    values = dict(COMPLETE_STATISTIK, resources=[], cakupan_wilayah="53")
    values.update(fields)
    dataset = call_action("package_create", context={"user": "opd-dukcapil",
                                                     "ignore_auth": False},
                          name=name, owner_org=org["id"], **values)
    create_with_upload(content, f"{name}.csv", package_id=dataset["id"], name="Tabel",
                       format="CSV", url="ignored",
                       context={"user": "opd-dukcapil", "ignore_auth": False})
    act("quality_run", "opd-dukcapil", dataset["id"], **{"async": False})
    return call_action("package_show", id=dataset["id"])


def walk(dataset_id: str, *steps: tuple[str, str]) -> None:
    for verb, user in steps:
        act(verb, user, dataset_id)


def test_open_errors_block_verification_and_ratification(people, create_with_upload):
    dataset = checked(people, create_with_upload, "penduduk-salah-2023", BAD)
    quality = act("quality_show", "opd-dukcapil", dataset["id"])
    assert quality["status"] == "failure" and quality["errors"] >= 2
    assert any("errors" in reason for reason in quality["blocking"])
    walk(dataset["id"], ("submit", "opd-dukcapil"), ("verify", "walidata"))
    with pytest.raises(tk.ValidationError, match="quality checks"):
        act("verify", "walidata", dataset["id"])
    review = act("review_show", "walidata", dataset["id"])
    assert "verify" not in review["actions"] and "return" in review["actions"]
    # Nothing half-written: the refused decision left no trace.
    assert review["state"] == "verifying"
    assert [e["action"] for e in review["events"]] == ["submit", "verify"]
    # The decision events carry the checks as they stood.
    assert review["events"][-1]["checks"]["errors"] == quality["errors"]


def test_warnings_need_a_justification_that_the_minutes_record(people, create_with_upload):
    # Administrative data (pendukung): no pembina data sign-off between verify and ratify.
    previous = checked(people, create_with_upload, "penduduk-2023", GOOD, type="pendukung",
                       jenis_data="data_administrasi")
    dataset = checked(people, create_with_upload, "penduduk-2024", JUMP, type="pendukung",
                      jenis_data="data_administrasi", periode_sebelumnya=previous["name"],
                      periode_mulai="2024-01-01", periode_selesai="2024-12-31")
    quality = act("quality_show", "opd-dukcapil", dataset["id"])
    item = quality["resources"][0]
    assert item["status"] == "success" and item["errors"] == 0
    assert "satudata-period-change" in item["open_warnings"]
    walk(dataset["id"], ("submit", "opd-dukcapil"), ("verify", "walidata"))
    with pytest.raises(tk.ValidationError, match="without a justification"):
        act("verify", "walidata", dataset["id"])
    # Only the walidata justifies, in writing, and only warnings.
    with pytest.raises(tk.NotAuthorized):
        act("quality_justify", "opd-dukcapil", dataset["id"], resource_id=item["resource_id"],
            error_type="satudata-period-change", justification="Benar")
    with pytest.raises(tk.ValidationError, match="Write why"):
        act("quality_justify", "walidata", dataset["id"], resource_id=item["resource_id"],
            error_type="satudata-period-change", justification="  ")
    act("quality_justify", "walidata", dataset["id"], resource_id=item["resource_id"],
        error_type="satudata-period-change",
        justification="Pemekaran wilayah: penduduk Kota Kupang bertambah.")
    walk(dataset["id"], ("verify", "walidata"), ("ratify", "walidata-2"))
    number = act("review_show", "walidata", dataset["id"])["minutes"][-1]
    pdf, _sha, _package = review_store.minutes(number)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Pemekaran wilayah" in text and "peringatan" in text


def test_a_new_file_needs_new_checks_and_a_new_justification(people, create_with_upload):
    dataset = checked(people, create_with_upload, "penduduk-ulang-2023", GOOD)
    resource = dataset["resources"][0]
    create_with_upload(BAD, "ulang.csv", action="resource_update", id=resource["id"],
                       package_id=dataset["id"], name="Tabel", format="CSV", url="ignored",
                       context={"user": "opd-dukcapil", "ignore_auth": False})
    item = act("quality_show", "opd-dukcapil", dataset["id"])["resources"][0]
    assert item["status"] == "created" and item["current"]
    assert act("quality_show", "opd-dukcapil", dataset["id"])["blocking"] == [
        "Tabel: checks still running"]


def test_the_clinic_report_per_opd_and_its_csv(people, create_with_upload, cli, tmp_path):
    checked(people, create_with_upload, "penduduk-laporan-2023", BAD)
    target = tmp_path / "klinik.csv"
    result = cli.invoke(walidata, ["check", "--organization", "dinas-dukcapil",
                                   "--csv", str(target)])
    assert result.exit_code == 0, result.output
    assert "Dinas Dukcapil:" in result.output
    assert "penduduk-laporan-2023 / Tabel: failure" in result.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    found = {(row["dataset"], row["finding_type"]): row for row in rows}
    unknown = found[("penduduk-laporan-2023", "satudata-unknown-region-code")]
    assert unknown["severity"] == "error" and unknown["first_row"] == "4"
    assert unknown["first_column"] == "kode_wilayah" and "53.99" in unknown["message_id"]
    assert all(row["organization"] == "Dinas Dukcapil" for row in rows)
    with pytest.raises(SystemExit):
        walidata.main(["check"], standalone_mode=True)


@pytest.mark.ckan_config("ckanext.walidata.pembina.statistik", "bps-ntt")
def test_another_opd_publishing_other_figures_for_the_same_indicator_is_flagged(
        people, create_with_upload):
    factories.User(name="bps-ntt", email="bps-ntt@example.go.id")
    bappeda = factories.Organization(name="bappeda", title="Bappeda", users=[
        {"name": "opd-dukcapil", "capacity": "editor"}])
    same = {"nama_indikator": "Jumlah penduduk", "cakupan_wilayah": "53"}
    published = checked(bappeda, create_with_upload, "penduduk-bappeda-2023", GOOD, **same)
    walk(published["id"], ("submit", "opd-dukcapil"), ("verify", "walidata"),
         ("verify", "walidata"), ("qa_approve", "bps-ntt"), ("ratify", "walidata"),
         ("publish", "walidata"))
    other = GOOD.replace("226114,229736,455850", "226114,239736,465850")
    dataset = checked(people, create_with_upload, "penduduk-dukcapil-2023", other, **same)
    item = act("quality_show", "opd-dukcapil", dataset["id"])["resources"][0]
    assert item["errors"] == 0 and "satudata-peer-mismatch" in item["open_warnings"]
    report = call_action("resource_validation_show", resource_id=item["resource_id"])["report"]
    mismatches = [e for e in report["tasks"][0]["errors"]
                  if e["type"] == "satudata-peer-mismatch"]
    assert {(e["rowNumber"], e["fieldName"]) for e in mismatches} == {
        (3, "perempuan"), (3, "jumlah")}
    assert all("penduduk-bappeda-2023" in e["note"] for e in mismatches)
