"""The review screens in headless Chromium, as BPS, the OPD and the walidata meet them.

BPS walks its queue's tabs from the header link; the OPD finds its returned dataset
with the finding, fills in a new dataset (required drop-downs, tags through an
error) and sees what the last button does. Screenshots go to /tmp/screens/.
"""

from __future__ import annotations

import re
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import _get_test_app, call_action
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_statistik_form import choose_code
from tests.sdi_data import COMPLETE_STATISTIK, create_checked

PASSWORD = "screens-password-2026"
PEMBINA = "ckanext.walidata.pembina.statistik"
SCREENS = Path("/tmp/screens")
FINDING = "Satuan belum mengikuti standar BPS."

pytestmark = [pytest.mark.ckan_config(PEMBINA, "bps-ntt"),
              pytest.mark.usefixtures("with_plugins")]


def act(verb: str, user: str, dataset_id: str, **params: str) -> None:
    call_action(f"walidata_{verb}", context={"user": user, "ignore_auth": False},
                id=dataset_id, **params)


@pytest.fixture(scope="module")
def clinic(module_db) -> None:
    """A returned and a QA statistik dataset, and a submitted pendukung one."""
    for name, fullname in (("opd-dinkes", "Maria Goreti Bria"),
                           ("walidata", "Theresia Lusi Seran"),
                           ("bps-ntt", "Agustinus Ratu Djawa")):
        factories.User(name=name, fullname=fullname, password=PASSWORD,
                       email=f"{name}@example.go.id")
    factories.Organization(name="diskominfo", users=[{"name": "walidata", "capacity": "admin"}])
    org = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 users=[{"name": "opd-dinkes", "capacity": "editor"}])
    with _get_test_app().flask_app.test_request_context(), \
            pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, PEMBINA, ["bps-ntt"])
        for name, title in (("dokter-dikembalikan", "Jumlah Dokter 2023"),
                            ("dokter-qa", "Jumlah Dokter Spesialis 2023"),
                            ("survei-diajukan", "Survei Kepuasan Puskesmas")):
            fields = dict(COMPLETE_STATISTIK)
            if name == "survei-diajukan":
                fields.update(type="pendukung", jenis_data="hasil_survei")
            dataset = create_checked("opd-dinkes", name=name, title=title,
                                     owner_org=org["id"], **fields)
            act("submit", "opd-dinkes", dataset["id"])
            if name != "survei-diajukan":
                act("verify", "walidata", dataset["id"])
        act("return", "walidata", "dokter-dikembalikan", comment=FINDING)
        act("verify", "walidata", "dokter-qa")


def signed_in(browser: Browser, portal: str, user: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{portal}/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", PASSWORD)
    page.click("form[method=post] button.btn-primary")
    expect(page.locator(".account .username")).to_be_visible()
    return page


def shot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_bps_walks_its_queue_tabs(live_portal, browser, clinic):
    bps = signed_in(browser, live_portal, "bps-ntt")
    bps.locator(".walidata-klinik-nav a").click()
    expect(bps).to_have_url(f"{live_portal}/klinik")
    tabs = bps.locator(".walidata-state-counts a[data-state]")
    expect(tabs).to_have_count(2)
    tabs.nth(1).click()
    expect(bps).to_have_url(re.compile(r"/klinik\?state=qa$"))
    expect(bps.locator(".walidata-state-counts a.active")).to_have_attribute("data-state", "qa")
    expect(bps.locator("table.walidata-queue tr[data-name]")).to_have_count(1)
    expect(bps.locator("table.walidata-queue")).to_contain_text("Jumlah Dokter Spesialis 2023")
    options = bps.locator("#walidata-bulk-action option")
    expect(options).to_have_count(1)
    expect(options).to_have_attribute("value", "qa_approve")
    shot(bps, "bps-queue")

    walidata = signed_in(browser, live_portal, "walidata")
    walidata.goto(f"{live_portal}/klinik")
    expect(walidata.locator("#walidata-bulk-action option")).to_have_count(3)
    shot(walidata, "walidata-queue")


def test_the_opd_finds_its_returned_dataset_and_the_finding(live_portal, browser, clinic):
    opd = signed_in(browser, live_portal, "opd-dinkes")
    opd.locator(".walidata-klinik-nav a").click()
    expect(opd).to_have_url(f"{live_portal}/klinik/opd")
    first = opd.locator("section.walidata-opd-state").first
    expect(first).to_have_attribute("data-state", "returned")
    expect(first).to_contain_text("Jumlah Dokter 2023")
    expect(first.locator(".walidata-opd-finding")).to_contain_text(FINDING)
    expect(first.locator(".walidata-opd-finding")).to_contain_text("Theresia Lusi Seran")
    shot(opd, "opd-review-list")
    opd.goto(f"{live_portal}/dashboard/datasets")
    expect(opd.locator("#walidata-opd-review")).to_contain_text("Jumlah Dokter 2023")
    shot(opd, "opd-dashboard")


def add_tag(page: Page, tag: str) -> None:
    """Type a tag into the keyword box and close it with a comma, as people do."""
    page.locator("#field-tag_string + .select2 .select2-search__field").click()
    page.keyboard.type(f"{tag},")


def tags_shown(page: Page) -> list[str]:
    choices = page.locator("#field-tag_string + .select2 .select2-selection__choice")
    return [re.sub(r"^×\s*", "", text).strip() for text in choices.all_inner_texts()]


def test_the_opd_form_keeps_tags_prompts_for_choices_and_saves_a_draft(
        live_portal, browser, clinic):
    opd = signed_in(browser, live_portal, "opd-dinkes")
    opd.goto(f"{live_portal}/statistik/new")
    expect(opd.locator("#field-frekuensi")).to_have_value("")
    expect(opd.locator("#field-frekuensi option:checked")).to_have_text("Choose…")
    opd.fill("#field-title", "Jumlah Bidan 2023")
    opd.fill("#field-notes", "Jumlah bidan yang bertugas.")
    add_tag(opd, "kesehatan")
    add_tag(opd, "bidan")
    opd.fill("#field-kontak_nama", "Seksi Data dan Informasi")
    opd.fill("#field-kontak_email", "data@dinkes.example.go.id")
    opd.fill("#field-periode_mulai", "2023-12-31")
    opd.fill("#field-periode_selesai", "2023-01-01")  # reversed on purpose
    choose_code(opd, "cakupan_wilayah", "kupang", "53.71 — Kota Kupang")
    opd.select_option("#field-tingkat_penyajian", "kabupaten_kota")
    choose_code(opd, "urusan", "kesehatan", "1.02 — Kesehatan")
    opd.fill("#field-nama_indikator", "Jumlah bidan")
    opd.fill("#field-definisi", "Bidan dengan STR aktif")
    opd.fill("#field-satuan", "orang")
    # The last keyword is typed, not yet closed with a comma, when the form is sent.
    opd.locator("#field-tag_string + .select2 .select2-search__field").click()
    opd.keyboard.type("ibu hamil")
    opd.locator("button[name=save]").click()

    errors = opd.locator(".error-explanation")
    expect(errors).to_contain_text("Update frequency")  # left on "Choose…"
    expect(errors).to_contain_text("Data period (end)")
    expect(opd.locator("#field-tag_string + .select2 .select2-selection__choice")
           ).to_have_count(3)
    assert sorted(tags_shown(opd)) == ["bidan", "ibu hamil", "kesehatan"]
    shot(opd, "form-after-error")
    opd.select_option("#field-frekuensi", "tahunan")
    opd.fill("#field-periode_mulai", "2023-01-01")
    opd.fill("#field-periode_selesai", "2023-12-31")
    opd.locator("button[name=save]").click()

    last = opd.locator("button[name=save][value=go-metadata]")
    expect(last).to_have_text("Save draft")
    expect(opd.locator(".walidata-save-note")).to_contain_text(
        "submit it for review from its page")
    shot(opd, "form-last-stage")
