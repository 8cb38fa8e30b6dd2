"""The quality checks on the portal's pages, through CKAN's test app: the resource report,
badges, the data dictionary editor, the review panel's checks and the review queue.

The files are uploaded and checked once per module (synchronously, no worker); the tests
that change a dataset use their own.
"""

from __future__ import annotations

import io
import json
from typing import Any

import ckan.model as model
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories
from ckan.tests.helpers import call_action
from ckan.tests.pytest_ckan.fixtures import FakeFileStorage

from ckanext.walidata.validation import store
from tests.pages import flashes, login, soup, text
from tests.sdi_data import COMPLETE_STATISTIK
from tests.validation.tables import CLEAN, PLANTED, merged_header_workbook

pytestmark = [pytest.mark.usefixtures("with_plugins")]

def as_user(user: str) -> dict[str, Any]:
    return {"user": user, "ignore_auth": False}


def new_dataset(org: dict, name: str) -> dict[str, Any]:
    return call_action("package_create", context=as_user("opd-dinsos"), name=name,
                       title=name.replace("-", " ").title(), owner_org=org["id"],
                       **dict(COMPLETE_STATISTIK, resources=[], cakupan_wilayah="53"))


def upload(dataset: dict, content: str | bytes, filename: str, fmt: str = "CSV"
           ) -> dict[str, Any]:
    data = content.encode() if isinstance(content, str) else content
    return call_action("resource_create", context=as_user("opd-dinsos"),
                       package_id=dataset["id"], name=filename, format=fmt, url="ignored",
                       upload=FakeFileStorage(io.BytesIO(data), filename))


def check(resource_id: str) -> dict[str, Any]:
    return call_action("resource_validation_run", context=as_user("opd-dinsos"),
                       resource_id=resource_id, **{"async": False})


@pytest.fixture(scope="module")
def portal(module_db) -> dict[str, Any]:
    for name in ("opd-dinsos", "walidata", "warga"):
        factories.User(name=name, email=f"{name}@example.go.id",
                       fullname=name.replace("-", " ").title())
    factories.Organization(name="diskominfo", users=[{"name": "walidata",
                                                      "capacity": "admin"}])
    org = factories.Organization(name="dinas-sosial", title="Dinas Sosial",
                                 users=[{"name": "opd-dinsos", "capacity": "editor"}])
    found: dict[str, Any] = {"org": org}
    # Three errors in one file; a draft, so that its OPD may still edit it.
    found["planted"] = new_dataset(org, "kemiskinan-2023")
    found["planted_csv"] = upload(found["planted"], PLANTED, "kemiskinan.csv")
    check(found["planted_csv"]["id"])
    # A clean file: the dictionary editor's subject.
    found["clean"] = new_dataset(org, "penduduk-2023")
    found["clean_csv"] = upload(found["clean"], CLEAN, "penduduk.csv")
    check(found["clean_csv"]["id"])
    # Submitted, then checked: a warning to justify and a check on the timeline.
    found["review"] = new_dataset(org, "penduduk-xlsx-2023")
    found["review_xlsx"] = upload(found["review"], merged_header_workbook(),
                                  "penduduk.xlsx", fmt="XLSX")
    call_action("walidata_submit", context=as_user("opd-dinsos"), id=found["review"]["id"])
    check(found["review_xlsx"]["id"])
    # Submitted with errors: what blocks shows in the panel.
    found["failing"] = new_dataset(org, "kemiskinan-diajukan-2023")
    found["failing_csv"] = upload(found["failing"], PLANTED, "kemiskinan.csv")
    call_action("walidata_submit", context=as_user("opd-dinsos"), id=found["failing"]["id"])
    check(found["failing_csv"]["id"])
    return found


def resource_page(app, dataset: dict, resource: dict, lang: str = "") -> BeautifulSoup:
    prefix = f"/{lang}" if lang else ""
    return soup(app.get(f"{prefix}/statistik/{dataset['name']}/resource/{resource['id']}",
                        status=200))


def csrf(page: BeautifulSoup) -> str:
    """The session's CSRF token, as every page carries it for the scripts."""
    return page.select_one('meta[name="_csrf_token"]')["content"]


# --- the resource page's report ------------------------------------------------------------


def test_the_report_groups_findings_with_row_column_and_value_in_indonesian(app, portal):
    login(app, "opd-dinsos")
    page = resource_page(app, portal["planted"], portal["planted_csv"], lang="id")
    section = page.select_one("#walidata-quality")
    assert section["data-status"] == "failure"
    assert text(section.select_one("h2 .walidata-check-badge")).endswith("Gagal")
    assert text(section.select_one(".walidata-rows")) == "4"
    assert text(section.select_one(".walidata-errors")) == "3"
    groups = section.select(".walidata-finding-group")
    assert {g["data-type"] for g in groups} == {
        "satudata-unknown-region-code", "satudata-negative-count", "satudata-percent-range"}
    assert all(g["data-severity"] == "error" for g in groups)
    region = section.select_one('[data-type="satudata-unknown-region-code"]')
    assert text(region.select_one(".walidata-finding-title")) == "Kode wilayah tidak dikenal"
    assert "Kemendagri" in text(region.select_one(".walidata-finding-description"))
    assert "1 kejadian" in text(region.select_one(".walidata-finding-count"))
    [row] = region.select("tr.walidata-occurrence")
    assert (text(row.select_one(".walidata-row")), text(row.select_one(".walidata-column")),
            text(row.select_one(".walidata-value"))) == ("3", "kode_wilayah", "53.99")
    assert "baris 3" in text(row.select_one(".walidata-message"))
    percent = section.select_one('[data-type="satudata-percent-range"] tr.walidata-occurrence')
    assert (percent["data-row"], percent["data-column"]) == ("5", "persentase_miskin")
    assert text(percent.select_one(".walidata-value")) == "120"
    negative = section.select_one('[data-type="satudata-negative-count"] tr.walidata-occurrence')
    assert text(negative.select_one(".walidata-value")) == "-455850"
    # The badge under the title links to the report.
    summary = page.select_one(".walidata-check-summary")
    assert summary.select_one('a[href="#walidata-quality"]')
    assert "3 galat" in text(summary)


def test_the_report_follows_the_page_language(app, portal):
    login(app, "opd-dinsos")
    section = resource_page(app, portal["planted"], portal["planted_csv"]).select_one(
        "#walidata-quality")
    region = section.select_one('[data-type="satudata-unknown-region-code"]')
    assert text(region.select_one(".walidata-finding-title")) == "Unknown region code"
    assert "Failed" in text(section.select_one("h2 .walidata-check-badge"))


def test_a_clean_file_passes(app, portal):
    login(app, "opd-dinsos")
    section = resource_page(app, portal["clean"], portal["clean_csv"], lang="id").select_one(
        "#walidata-quality")
    assert section["data-status"] == "success"
    assert "Lulus" in text(section.select_one("h2 .walidata-check-badge"))
    assert section.select_one(".walidata-check-clean")
    assert not section.select(".walidata-finding-group")


def test_the_buttons_are_there_for_who_may_use_them(app, portal):
    login(app, "opd-dinsos")
    section = resource_page(app, portal["planted"], portal["planted_csv"]).select_one(
        "#walidata-quality")
    assert section.select_one("form.walidata-run-resource")
    assert section.select_one("a.walidata-dictionary-link")["href"].endswith(
        f"/resource/{portal['planted_csv']['id']}/kamus-data")
    # The walidata runs checks of datasets in review, but does not edit the OPD's files.
    login(app, "walidata")
    section = resource_page(app, portal["failing"], portal["failing_csv"]).select_one(
        "#walidata-quality")
    assert section.select_one("form.walidata-run-resource")
    assert not section.select_one("a.walidata-dictionary-link")


def test_the_rerun_button_queues_a_new_check(app, portal):
    login(app, "opd-dinsos")
    page = resource_page(app, portal["clean"], portal["clean_csv"])
    before = store.get(portal["clean_csv"]["id"])
    form = page.select_one("form.walidata-run-resource")
    response = app.post(form["action"], data={"_csrf_token": csrf(page)})
    after = store.get(portal["clean_csv"]["id"])
    assert after["status"] == "created" and after["run_id"] != before["run_id"]
    page = soup(response)
    assert any("queued" in message for message in flashes(page))
    section = page.select_one("#walidata-quality")
    assert section["data-status"] == "created"
    assert section.select_one(".walidata-progress")
    # The previous report stays readable meanwhile.
    assert section.select_one(".walidata-check-clean")
    check(portal["clean_csv"]["id"])


def test_others_cannot_run_the_checks(app, portal):
    url = (f"/dataset/{portal['planted']['name']}/resource/{portal['planted_csv']['id']}"
           "/periksa")
    login(app, "opd-dinsos")
    app.post(url, data={}, status=400)  # no CSRF token: refused before anything runs
    login(app, "warga")
    token = csrf(soup(app.get("/dataset/", status=200)))
    # The draft is private: to others it does not exist.
    app.post(url, data={"_csrf_token": token}, status=404)
    assert store.get(portal["planted_csv"]["id"])["status"] == "failure"


# --- badges ----------------------------------------------------------------------------------


def test_the_resource_list_shows_each_files_badge(app, portal):
    login(app, "opd-dinsos")
    page = soup(app.get(f"/id/statistik/{portal['planted']['name']}", status=200))
    badge = page.select_one(
        f'.resource-item[data-id="{portal["planted_csv"]["id"]}"] .walidata-check-badge')
    assert badge["data-check-status"] == "failure" and "Gagal" in text(badge)
    page = soup(app.get(f"/id/statistik/{portal['review']['name']}", status=200))
    badge = page.select_one(".resource-item .walidata-check-badge")
    assert badge["data-check-status"] == "warning" and "Peringatan" in text(badge)


def test_search_results_show_the_worst_status_of_each_dataset(app, portal):
    login(app, "opd-dinsos")
    page = soup(app.get("/id/dataset/", status=200))
    badges = {}
    for item in page.select(".dataset-item"):
        link = item.select_one(".dataset-heading a")["href"].rstrip("/").rsplit("/", 1)[-1]
        badge = item.select_one(".walidata-dataset-check")
        badges[link] = (badge["data-check-status"], text(badge)) if badge else None
    assert badges["kemiskinan-2023"] == ("failure", "Pemeriksaan kualitas data: Gagal")
    assert badges["penduduk-xlsx-2023"][0] == "warning"
    assert badges["penduduk-2023"][0] in ("success", "created")


# --- the data dictionary editor ---------------------------------------------------------------


def dictionary_url(dataset: dict, resource: dict, lang: str = "") -> str:
    prefix = f"/{lang}" if lang else ""
    return f"{prefix}/dataset/{dataset['name']}/resource/{resource['id']}/kamus-data"


def form_data(page: BeautifulSoup) -> dict[str, str]:
    """The editor's form as a browser would post it unchanged."""
    form = page.select_one("form.walidata-dictionary-form")
    data = {"_csrf_token": form.select_one('input[name="_csrf_token"]')["value"]}
    for field in form.select("input, textarea, select"):
        name = field.get("name")
        if not name or name == "_csrf_token":
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            data[name] = chosen.get("value", "")
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "on")
        elif field.name == "textarea":
            data[name] = field.get_text()
        else:
            data[name] = field.get("value", "")
    return data


def field_index(page: BeautifulSoup, name: str) -> int:
    rows = page.select("table.walidata-dictionary tbody tr")
    return [row["data-name"] for row in rows].index(name)


def schema_of(resource: dict) -> dict[str, Any]:
    return json.loads(call_action("resource_show", id=resource["id"])["schema"])


def test_the_editor_lists_each_column_in_indonesian(app, portal):
    login(app, "opd-dinsos")
    page = soup(app.get(dictionary_url(portal["clean"], portal["clean_csv"], "id"),
                        status=200))
    rows = page.select("table.walidata-dictionary tbody tr")
    assert [row["data-name"] for row in rows] == [
        "kode_wilayah", "nama_wilayah", "tahun", "laki_laki", "perempuan", "jumlah"]
    kode = rows[0]
    assert kode.select_one('select[name="fields-0-type"] option[selected]')["value"] == "string"
    # Empty role: automatic, and the page says what the checks guess.
    automatic = kode.select_one('select[name="fields-0-role"] option[value=""]')
    assert text(automatic) == "Otomatis: Kode wilayah (Kemendagri)"
    labels = [text(o) for o in kode.select('select[name="fields-0-role"] option')]
    assert "Persentase (0–100)" in labels and "Jumlah (tidak boleh negatif)" in labels
    assert text(page.select_one("table.walidata-dictionary thead")).startswith(
        "Kolom Judul dan deskripsi Tipe Satuan")
    # The tab beside "Edit resource" and "Views".
    assert page.select_one(".nav-tabs a[href$='/kamus-data']")


def test_saving_the_dictionary_changes_the_schema_and_checks_again(app, portal):
    login(app, "opd-dinsos")
    resource = portal["clean_csv"]
    before = store.get(resource["id"])
    page = soup(app.get(dictionary_url(portal["clean"], resource), status=200))
    data = form_data(page)
    jumlah = field_index(page, "jumlah")
    kode = field_index(page, "kode_wilayah")
    data.update({f"fields-{jumlah}-title": "Jumlah penduduk",
                 f"fields-{jumlah}-description": "Laki-laki dan perempuan",
                 f"fields-{jumlah}-satuan": "orang",
                 f"fields-{jumlah}-minimum": "0",
                 f"fields-{jumlah}-maximum": "10000000",
                 f"fields-{jumlah}-role": "total",
                 f"fields-{kode}-required": "1"})
    response = app.post(dictionary_url(portal["clean"], resource), data=data)
    assert response.request.path.endswith(f"/resource/{resource['id']}")
    assert any("saved" in message for message in flashes(soup(response)))
    fields = {f["name"]: f for f in schema_of(resource)["fields"]}
    assert fields["jumlah"]["title"] == "Jumlah penduduk"
    assert fields["jumlah"]["satuan"] == "orang"
    assert fields["jumlah"]["walidata:role"] == "total"
    assert fields["jumlah"]["constraints"] == {"minimum": 0, "maximum": 10000000}
    assert fields["kode_wilayah"]["constraints"] == {"required": True}
    assert fields["nama_wilayah"]["type"] == "string"  # untouched columns kept as they were
    # A new version for the checks: a new run is requested.
    after = store.get(resource["id"])
    assert after["status"] == "created" and after["run_id"] != before["run_id"]
    assert after["fingerprint"] != before["fingerprint"]
    # The edited dictionary is used by the check.
    check(resource["id"])
    assert store.get(resource["id"])["status"] == "success"
    page = soup(app.get(dictionary_url(portal["clean"], resource), status=200))
    assert page.select_one(f'input[name="fields-{jumlah}-minimum"]')["value"] == "0"
    assert page.select_one(f'select[name="fields-{jumlah}-role"] option[selected]')[
        "value"] == "total"


def test_invalid_input_is_shown_translated_and_kept(app, portal):
    login(app, "opd-dinsos")
    resource = portal["clean_csv"]
    schema = schema_of(resource)
    page = soup(app.get(dictionary_url(portal["clean"], resource, "id"), status=200))
    data = form_data(page)
    laki = field_index(page, "laki_laki")
    nama = field_index(page, "nama_wilayah")
    perempuan = field_index(page, "perempuan")
    data.update({f"fields-{laki}-title": "Penduduk laki-laki",
                 f"fields-{laki}-minimum": "banyak",
                 f"fields-{nama}-minimum": "3",
                 f"fields-{perempuan}-minimum": "10",
                 f"fields-{perempuan}-maximum": "5"})
    response = app.post(dictionary_url(portal["clean"], resource, "id"), data=data,
                        status=200)
    page = soup(response)
    summary = text(page.select_one(".walidata-dictionary-errors"))
    assert "Kamus data tidak disimpan" in summary
    assert '"banyak" bukan nilai bertipe Bilangan bulat' in summary
    assert "Kolom nama_wilayah: Minimum atau maksimum memerlukan tipe angka" in summary
    assert "Maksimum lebih kecil daripada minimum" in summary
    row = page.select_one('tr[data-name="laki_laki"]')
    assert "walidata-dictionary-invalid" in row["class"]
    assert row.select_one(f'input[name="fields-{laki}-minimum"]')["value"] == "banyak"
    assert "is-invalid" in row.select_one(f'input[name="fields-{laki}-minimum"]')["class"]
    assert row.select_one(f'input[name="fields-{laki}-title"]')["value"] == "Penduduk laki-laki"
    assert schema_of(resource) == schema  # nothing saved


def test_a_decimal_comma_is_read(app, portal):
    login(app, "opd-dinsos")
    page = soup(app.get(dictionary_url(portal["planted"], portal["planted_csv"]), status=200))
    data = form_data(page)
    persen = field_index(page, "persentase_miskin")
    data.update({f"fields-{persen}-minimum": "0,5", f"fields-{persen}-maximum": "99,9"})
    app.post(dictionary_url(portal["planted"], portal["planted_csv"]), data=data)
    fields = {f["name"]: f for f in schema_of(portal["planted_csv"])["fields"]}
    assert fields["persentase_miskin"]["constraints"] == {"minimum": 0.5, "maximum": 99.9}
    check(portal["planted_csv"]["id"])


def test_an_unchecked_file_has_no_dictionary_yet(app, portal):
    login(app, "opd-dinsos")
    dataset = new_dataset(portal["org"], "belum-diperiksa-2023")
    resource = upload(dataset, CLEAN, "baru.csv")
    store.delete(resource["id"])
    model.repo.commit()
    page = soup(app.get(dictionary_url(dataset, resource, "id"), status=200))
    note = text(page.select_one(".walidata-dictionary-pending"))
    assert "disimpulkan dari berkas pada pemeriksaan pertamanya" in note
    assert page.select_one("form.walidata-run-resource")
    assert not page.select_one("form.walidata-dictionary-form")
    section = resource_page(app, dataset, resource, "id").select_one("#walidata-quality")
    assert section["data-status"] == "none"
    assert "Belum diperiksa" in text(section.select_one(".walidata-check-badge"))


def test_the_editor_is_refused_to_who_may_not_edit(app, portal):
    # In review, the dataset changes only through the clinic: the OPD is told why.
    login(app, "opd-dinsos")
    response = app.get(dictionary_url(portal["review"], portal["review_xlsx"]), status=403)
    assert "Klinik Walidata" in response.get_data(as_text=True)
    page = resource_page(app, portal["review"], portal["review_xlsx"])
    assert not page.select_one("a.walidata-dictionary-link")
    # The walidata reads the dataset but does not edit the OPD's dictionary.
    login(app, "walidata")
    app.get(dictionary_url(portal["review"], portal["review_xlsx"]), status=403)
    # Who may not read the dataset does not learn it exists.
    login(app, "warga")
    app.get(dictionary_url(portal["clean"], portal["clean_csv"]), status=404)
    login(app, None)
    app.get(dictionary_url(portal["clean"], portal["clean_csv"]), status=404)


def test_a_resource_of_another_dataset_is_not_found(app, portal):
    login(app, "opd-dinsos")
    app.get(dictionary_url(portal["clean"], portal["planted_csv"]), status=404)


# --- the review panel and the queue -----------------------------------------------------------


def panel_checks(app, dataset: dict, lang: str = "") -> BeautifulSoup:
    prefix = f"/{lang}" if lang else ""
    page = soup(app.get(f"{prefix}/statistik/{dataset['name']}", status=200))
    return page.select_one("#walidata-review #walidata-checks")


def test_the_panel_shows_what_blocks_ratification(app, portal):
    login(app, "walidata")
    checks = panel_checks(app, portal["failing"], "id")
    assert checks["data-status"] == "failure"
    blocking = [text(li) for li in checks.select(".walidata-blocking li")]
    assert blocking == ["kemiskinan.csv: 3 galat"]
    [row] = checks.select("table.walidata-check-resources tbody tr")
    assert row["data-status"] == "failure"
    assert text(row.select_one(".walidata-errors")) == "3"
    assert row.select_one("a.walidata-report-link")["href"].endswith(
        f"/resource/{portal['failing_csv']['id']}#walidata-quality")
    assert checks.select_one("form.walidata-run-checks")
    # The check that ran during the review is on the timeline, readably.
    event = soup(app.get(f"/id/statistik/{portal['failing']['name']}")).select_one(
        ".walidata-check-event")
    assert text(event.select_one(".walidata-check-text")) == (
        "Pemeriksaan kualitas: kemiskinan.csv — 3 galat, 0 peringatan")


def test_the_walidata_justifies_a_warning(app, portal):
    login(app, "opd-dinsos")
    checks = panel_checks(app, portal["review"])
    assert [li["data-type"] for li in checks.select(".walidata-open-warning")] == [
        "satudata-merged-header"]
    assert not checks.select("form.walidata-justify")  # only the walidata justifies
    assert "warnings without a justification" in text(checks.select_one(".walidata-blocking"))

    login(app, "walidata")
    checks = panel_checks(app, portal["review"], "id")
    assert checks["data-status"] == "warning"
    warning = checks.select_one('.walidata-open-warning[data-type="satudata-merged-header"]')
    assert "Sel tajuk digabung" in text(warning)
    form = warning.select_one("form.walidata-justify")
    assert form.select_one('input[name="error_type"]')["value"] == "satudata-merged-header"
    data = {field["name"]: field.get("value", "") for field in form.select("input")}
    # Empty: refused with the reason, nothing recorded.
    page = soup(app.post(form["action"], data=dict(data, justification="  ")))
    assert "Tuliskan alasan peringatan ini dapat diterima." in flashes(page)
    page = soup(app.post(form["action"], data=dict(
        data, justification="Tajuk bertingkat sesuai format publikasi BPS.")))
    assert "Justifikasi telah dicatat." in flashes(page)
    checks = page.select_one("#walidata-checks")
    justified = checks.select_one('.walidata-justification[data-type="satudata-merged-header"]')
    assert "Tajuk bertingkat sesuai format publikasi BPS." in text(justified)
    assert "Walidata" in text(justified.select_one(".walidata-justification-author"))
    assert not checks.select(".walidata-open-warning")
    assert not checks.select_one(".walidata-blocking")
    assert checks.select_one(".walidata-checks-clear")
    # The report on the resource page says it too.
    section = resource_page(app, portal["review"], portal["review_xlsx"]).select_one(
        "#walidata-quality")
    assert "Tajuk bertingkat" in text(section.select_one(".walidata-finding-justified"))
    # The timeline shows the check of the submitted file.
    event = soup(app.get(f"/id/statistik/{portal['review']['name']}")).select_one(
        ".walidata-check-event")
    assert text(event.select_one(".walidata-check-text")) == (
        "Pemeriksaan kualitas: penduduk.xlsx — 0 galat, 1 peringatan")


def test_errors_cannot_be_justified_and_others_cannot_justify(app, portal):
    login(app, "walidata")
    page = soup(app.get(f"/statistik/{portal['failing']['name']}"))
    url = f"/dataset/{portal['failing']['name']}/pemeriksaan/justifikasi"
    data = {"_csrf_token": csrf(page), "resource_id": portal["failing_csv"]["id"],
            "error_type": "satudata-percent-range", "justification": "Biarkan saja."}
    page = soup(app.post(url, data=data))
    assert any("Errors cannot be justified" in m for m in flashes(page))
    login(app, "opd-dinsos")
    token = csrf(soup(app.get(f"/statistik/{portal['failing']['name']}")))
    app.post(url, data=dict(data, _csrf_token=token), status=403)


def test_the_panel_button_runs_every_check_again(app, portal):
    login(app, "walidata")
    checks = panel_checks(app, portal["failing"])
    form = checks.select_one("form.walidata-run-checks")
    page = soup(app.post(form["action"], data={
        "_csrf_token": form.select_one('input[name="_csrf_token"]')["value"]}))
    assert "The checks of every table are queued." in flashes(page)
    assert store.get(portal["failing_csv"]["id"])["status"] == "created"
    checks = page.select_one("#walidata-checks")
    assert checks.select_one("tbody tr")["data-status"] == "created"
    assert "checks still running" in text(checks.select_one(".walidata-blocking"))
    check(portal["failing_csv"]["id"])


def test_the_queue_shows_each_datasets_checks(app, portal):
    login(app, "walidata")
    page = soup(app.get("/id/klinik", status=200))
    cells = {row["data-name"]: row.select_one(".walidata-queue-checks")
             for row in page.select("table.walidata-queue tr[data-name]")}
    failing = cells["kemiskinan-diajukan-2023"]
    assert failing["data-status"] == "failure"
    assert "Gagal" in text(failing.select_one(".walidata-check-badge"))
    assert "3 galat, 0 peringatan" in text(failing)
    assert cells["penduduk-xlsx-2023"]["data-status"] == "success"
    assert "0 galat, 1 peringatan" in text(cells["penduduk-xlsx-2023"])


def test_a_long_report_shows_the_first_occurrences_and_says_so(app, portal):
    rows = "".join(f"53.{90 + i // 10}{i % 10},Fiktif {i},2023,{i}\n" for i in range(25))
    dataset = new_dataset(portal["org"], "banyak-galat-2023")
    resource = upload(dataset, "kode_wilayah,nama_wilayah,tahun,jumlah\n" + rows,
                      "banyak.csv")
    check(resource["id"])
    login(app, "opd-dinsos")
    group = resource_page(app, dataset, resource, "id").select_one(
        '#walidata-quality [data-type="satudata-unknown-region-code"]')
    assert group["data-count"] == "25"
    shown = group.select("tr.walidata-occurrence")
    assert len(shown) == 20
    assert [row["data-row"] for row in shown[:3]] == ["2", "3", "4"]
    assert text(group.select_one(".walidata-more")) == (
        "Menampilkan 20 kejadian pertama dari 25.")
