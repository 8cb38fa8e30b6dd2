"""The quality checks walked in headless Chromium: an OPD uploads a CSV with planted errors
through the resource form, a real ``ckan jobs worker`` checks it, the resource page shows
the report grouped by type with rows and values, and the walidata sees what blocks."""

from __future__ import annotations

import re

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action
from playwright.sync_api import Browser, Page, expect

from tests.conftest import run_jobs_worker
from tests.sdi_data import COMPLETE_STATISTIK

PASSWORD = "quality-password-2026"

PLANTED = ("kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin\n"
           "53.01,Kabupaten Kupang,2023,374500,22.4\n"
           "53.99,Kabupaten Fiktif,2023,1000,10.1\n"        # no such regency
           "53.02,Kabupaten Timor Tengah Selatan,2023,470000,120\n")  # 120 %

pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.fixture(scope="module")
def dataset(module_db):
    for name in ("opd-dinsos", "walidata"):
        factories.User(name=name, password=PASSWORD, email=f"{name}@example.go.id",
                       fullname=name.replace("-", " ").title())
    factories.Organization(name="diskominfo", users=[{"name": "walidata", "capacity": "admin"}])
    org = factories.Organization(name="dinas-sosial", title="Dinas Sosial",
                                 users=[{"name": "opd-dinsos", "capacity": "editor"}])
    return call_action("package_create", context={"user": "opd-dinsos", "ignore_auth": False},
                       name="kemiskinan-2023", title="Penduduk Miskin 2023",
                       owner_org=org["id"],
                       **dict(COMPLETE_STATISTIK, resources=[], cakupan_wilayah="53"))


def session(browser: Browser, portal: str, user: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{portal}/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.click("form[method=post] button.btn-primary")
    return page


def press(page: Page, verb: str) -> None:
    page.locator(f"form.walidata-action[data-verb={verb}] button").click()


def test_an_upload_with_planted_errors_is_reported_and_blocks(live_portal, browser, dataset,
                                                              tmp_path):
    url = f"{live_portal}/id/statistik/{dataset['name']}"
    csv = tmp_path / "kemiskinan.csv"
    csv.write_text(PLANTED, encoding="utf-8")

    # The OPD uploads the file through the resource form, and submits the dataset.
    opd = session(browser, live_portal, "opd-dinsos")
    opd.goto(f"{url}/resource/new")
    with opd.expect_file_chooser() as chooser:
        opd.locator("#resource-upload-button").click()
    chooser.value.set_files(str(csv))
    expect(opd.locator("#field-name")).to_have_value(re.compile("kemiskinan"))
    opd.locator("form#resource-edit button[name=save]").last.click()
    expect(opd).to_have_url(re.compile(rf"/statistik/{dataset['name']}$"))
    resource_link = opd.locator(".resource-item a.heading").first
    expect(resource_link).to_contain_text("kemiskinan")
    expect(opd.locator(".resource-item .walidata-check-badge")).to_have_attribute(
        "data-check-status", "created")
    press(opd, "submit")
    expect(opd.locator("#walidata-review")).to_have_attribute("data-state", "submitted")

    # The real worker checks the upload.
    run_jobs_worker()

    opd.locator(".resource-item a.heading").first.click()
    report = opd.locator("#walidata-quality")
    expect(report).to_have_attribute("data-status", "failure")
    expect(report.locator("h2 .walidata-check-badge")).to_contain_text("Gagal")
    expect(report.locator(".walidata-rows")).to_have_text("3")
    region = report.locator('[data-type="satudata-unknown-region-code"]')
    expect(region.locator(".walidata-finding-title")).to_have_text("Kode wilayah tidak dikenal")
    expect(region.locator("tr.walidata-occurrence")).to_have_attribute("data-row", "3")
    expect(region.locator(".walidata-value")).to_have_text("53.99")
    percent = report.locator('[data-type="satudata-percent-range"]')
    expect(percent.locator(".walidata-finding-title")).to_have_text("Persentase di luar rentang")
    expect(percent.locator("tr.walidata-occurrence")).to_have_attribute("data-row", "4")
    expect(percent.locator(".walidata-column")).to_have_text("persentase_miskin")
    expect(percent.locator(".walidata-value")).to_have_text("120")
    expect(percent.locator(".walidata-message")).to_contain_text("baris 4")
    # Errors first: both groups are errors, most frequent first, no warning before them.
    severities = report.locator(".walidata-finding-group").evaluate_all(
        "groups => groups.map(g => g.dataset.severity)")
    assert severities == ["error", "error"]
    report.scroll_into_view_if_needed()
    opd.screenshot(path=str(tmp_path / "quality-report.png"), full_page=True)
    opd.screenshot(path="/tmp/quality-report.png", full_page=True)

    # The walidata starts verification and cannot pass it: the panel says why.
    walidata = session(browser, live_portal, "walidata")
    walidata.goto(url)
    checks = walidata.locator("#walidata-checks")
    expect(checks).to_have_attribute("data-status", "failure")
    expect(checks.locator(".walidata-blocking")).to_contain_text("kemiskinan.csv: 2 galat")
    expect(walidata.locator(".walidata-check-event .walidata-check-text")).to_have_text(
        "Pemeriksaan kualitas: kemiskinan.csv — 2 galat, 0 peringatan")
    press(walidata, "verify")
    expect(walidata.locator("#walidata-review")).to_have_attribute("data-state", "verifying")
    # Passing verification is not offered while the checks block it; the panel says why.
    expect(walidata.locator("form.walidata-action[data-verb=verify]")).to_have_count(0)
    expect(walidata.locator("form.walidata-action[data-verb=return]")).to_have_count(1)
    expect(walidata.locator("#walidata-checks .walidata-blocking")).to_contain_text(
        "kemiskinan.csv: 2 galat")
    walidata.locator("#walidata-checks a.walidata-report-link").click()
    expect(walidata.locator("#walidata-quality")).to_have_attribute("data-status", "failure")
    walidata.goto(url)
    walidata.screenshot(path="/tmp/quality-review.png", full_page=True)
