"""A citizen searches the catalogue in headless Chromium, on the PostgreSQL backend."""

from __future__ import annotations

import re

import pytest
from ckan.tests import factories
from playwright.sync_api import expect

pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.fixture(scope="module")
def catalogue(module_db):
    dukcapil = factories.Organization(name="dukcapil", title="Dinas Kependudukan")
    dinkes = factories.Organization(name="dinkes", title="Dinas Kesehatan")
    factories.Dataset(name="penduduk-kabupaten", owner_org=dukcapil["id"],
                      title="Jumlah Penduduk menurut Kabupaten", tags=[{"name": "penduduk"}])
    factories.Dataset(name="penduduk-miskin", owner_org=dinkes["id"],
                      title="Penduduk Miskin dan Jaminan Kesehatan", tags=[{"name": "penduduk"}])
    factories.Dataset(name="puskesmas", owner_org=dinkes["id"], title="Jumlah Puskesmas",
                      tags=[{"name": "kesehatan"}])
    factories.Dataset(name="rahasia", owner_org=dinkes["id"], private=True,
                      title="Data Penduduk Internal")


def test_search_then_narrow_by_organization_facet(catalogue, live_portal, browser, tmp_path):
    page = browser.new_page()
    page.goto(f"{live_portal}/dataset/")
    page.fill("#field-giant-search", "penduduk")
    page.press("#field-giant-search", "Enter")
    expect(page.locator("h1, h2").filter(has_text="found")).to_contain_text("2 datasets found")
    titles = page.locator(".dataset-heading a").all_inner_texts()
    assert sorted(t.strip() for t in titles) == [
        "Jumlah Penduduk menurut Kabupaten", "Penduduk Miskin dan Jaminan Kesehatan"]
    assert "Data Penduduk Internal" not in page.content()

    page.locator("a[href*='organization=dinkes']", has_text="Dinas Kesehatan").first.click()
    expect(page).to_have_url(re.compile(r"organization=dinkes"))
    expect(page.locator(".dataset-heading a")).to_have_text(
        ["Penduduk Miskin dan Jaminan Kesehatan"])
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    page.close()
