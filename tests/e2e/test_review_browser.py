"""The review walked in headless Chromium: OPD submits, walidata returns, OPD resubmits,
the walidata verifies, ratifies (the berita acara is downloaded) and publishes."""

from __future__ import annotations

import re

import pytest
from ckan.tests import factories
from playwright.sync_api import Browser, Page, expect

from tests.sdi_data import create_checked
from tests.workflow.test_review_path import DATASET

PASSWORD = "review-password-2026"

pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.fixture(scope="module")
def dataset(module_db):
    for name in ("opd-dinkes", "walidata"):
        factories.User(name=name, password=PASSWORD, email=f"{name}@example.go.id")
    factories.Organization(name="diskominfo", users=[{"name": "walidata", "capacity": "admin"}])
    org = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 users=[{"name": "opd-dinkes", "capacity": "editor"}])
    return create_checked("opd-dinkes", name="survei-puskesmas",
                          title="Survei Kepuasan Puskesmas", owner_org=org["id"],
                          **dict(DATASET, type="pendukung", jenis_data="hasil_survei"))


def session(browser: Browser, portal: str, user: str | None) -> Page:
    page = browser.new_context().new_page()
    if user:
        page.goto(f"{portal}/user/login")
        page.fill("#field-login", user)
        page.fill("#field-password", PASSWORD)
        page.click("form[method=post] button.btn-primary")
    return page


def press(page: Page, verb: str, comment: str = "") -> None:
    form = page.locator(f"form.walidata-action[data-verb={verb}]")
    if comment:
        form.locator("textarea").fill(comment)
    form.locator("button").click()


def test_review_walked_by_each_role(live_portal, browser, dataset, tmp_path):
    url = f"{live_portal}/pendukung/{dataset['name']}"
    state = "#walidata-review"

    opd = session(browser, live_portal, "opd-dinkes")
    opd.goto(url)
    press(opd, "submit")
    expect(opd.locator(state)).to_have_attribute("data-state", "submitted")

    walidata = session(browser, live_portal, "walidata")
    walidata.goto(f"{live_portal}/klinik")
    walidata.locator("a", has_text="Survei Kepuasan Puskesmas").first.click()
    press(walidata, "verify")
    expect(walidata.locator(state)).to_have_attribute("data-state", "verifying")
    press(walidata, "return", "Jumlah responden per puskesmas belum dicantumkan.")
    walidata.goto(url)
    expect(walidata.locator(".walidata-comment").last).to_contain_text(
        "Jumlah responden per puskesmas")

    opd.goto(url)
    expect(opd.locator(state)).to_have_attribute("data-state", "returned")
    expect(opd.locator(".walidata-comment")).to_contain_text("Jumlah responden")
    press(opd, "submit", "Jumlah responden sudah ditambahkan.")
    expect(opd.locator(state)).to_have_attribute("data-round", "2")

    walidata.goto(url)
    press(walidata, "verify")
    press(walidata, "verify")
    press(walidata, "ratify")
    expect(walidata.locator(state)).to_have_attribute("data-state", "ratified")
    with walidata.expect_download() as download:
        walidata.locator(".walidata-minutes a").first.click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")

    anonymous = session(browser, live_portal, None)
    assert anonymous.goto(url).status == 404  # ratified is not yet public
    press(walidata, "publish")
    expect(walidata.locator(state)).to_have_attribute("data-state", "published")
    assert anonymous.goto(url).status == 200
    expect(anonymous.locator("h1")).to_contain_text("Survei Kepuasan Puskesmas")
    walidata.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    # The next period: the OPD edits a private copy; the public keeps this version.
    opd.goto(url)
    opd.locator("form.walidata-revise button").click()
    expect(opd).to_have_url(re.compile(r"/pendukung/edit/survei-puskesmas-revisi-1"))
    assert anonymous.goto(url).status == 200
    assert anonymous.goto(f"{live_portal}/pendukung/survei-puskesmas-revisi-1").status == 404
