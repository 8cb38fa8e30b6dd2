"""An OPD editor fills in a `statistik` dataset in headless Chromium, errors included."""

from __future__ import annotations

import re

import pytest
from ckan.tests import factories
from playwright.sync_api import Page, expect

PASSWORD = "opd-password-2026"

pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.fixture(scope="module")
def editor(module_db):
    user = factories.User(name="opd-dinkes", password=PASSWORD)
    factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                           users=[{"name": user["name"], "capacity": "editor"}])
    return user


def log_in(page: Page, portal: str, user: dict) -> None:
    page.goto(f"{portal}/user/login")
    page.fill("#field-login", user["name"])
    page.fill("#field-password", PASSWORD)
    page.click("form[method=post] button.btn-primary")
    expect(page.locator("body")).not_to_contain_text("Login failed")


def choose_code(page: Page, field: str, typed: str, label: str) -> None:
    """Pick a reference code through the autocomplete, as a person would."""
    page.locator(f"#field-{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=label).first.click()


def test_editor_fills_in_a_statistik_dataset(live_portal, browser, editor, tmp_path):
    page = browser.new_page()
    log_in(page, live_portal, editor)
    page.goto(f"{live_portal}/statistik/new")
    page.fill("#field-title", "Jumlah Dokter menurut Kabupaten/Kota 2023")
    page.fill("#field-notes", "Jumlah dokter umum dan spesialis yang bertugas.")
    page.fill("#field-kontak_nama", "Seksi Data dan Informasi")
    page.fill("#field-kontak_email", "data@dinkes.example.go.id")
    page.fill("#field-periode_mulai", "2023-12-31")
    page.fill("#field-periode_selesai", "2023-01-01")  # reversed on purpose
    page.select_option("#field-frekuensi", "tahunan")
    choose_code(page, "cakupan_wilayah", "kupang", "53.71 — Kota Kupang")
    page.select_option("#field-tingkat_penyajian", "kabupaten_kota")
    choose_code(page, "urusan", "kesehatan", "1.02 — Kesehatan")
    page.fill("#field-nama_indikator", "Jumlah dokter")
    page.fill("#field-definisi", "Dokter umum dan spesialis dengan STR aktif")
    page.fill("#field-satuan", "orang")
    page.locator("button[name=save]").click()

    # The reversed period comes back with the reason, and nothing else is lost.
    error = page.locator(".error-explanation")
    expect(error).to_contain_text("Data period (end)")
    expect(page.locator("#field-nama_indikator")).to_have_value("Jumlah dokter")
    expect(page.locator("#field-cakupan_wilayah")).to_have_value("53.71")
    page.fill("#field-periode_mulai", "2023-01-01")
    page.fill("#field-periode_selesai", "2023-12-31")
    page.locator("button[name=save]").click()

    # Stage 2: the data file, given as a link.
    page.locator("#resource-url-link, a:has-text('Link'), button:has-text('Link')").first.click()
    page.fill("#field-resource-url", "http://data.example.go.id/dokter-2023.csv")
    page.fill("#field-name", "Tabel dokter 2023")
    page.locator("button[name=save][value=go-metadata]").click()
    expect(page).to_have_url(re.compile(r"/statistik/jumlah-dokter"))
    expect(page.locator("#walidata-completeness")).to_be_visible()
    expect(page.locator("body")).to_contain_text("53.71 — Kota Kupang")
    expect(page.locator("body")).to_contain_text("1.02 — Kesehatan")
    page.screenshot(path="/tmp/statistik-e2e.png", full_page=True)
    page.close()
