"""Every stock page that reads the search index works with no Solr anywhere."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories

pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.fixture(scope="module")
def portal(module_db):
    org = factories.Organization(name="dinas-pendidikan", title="Dinas Pendidikan")
    group = factories.Group(name="pendidikan", title="Sektor Pendidikan")
    datasets = [
        factories.Dataset(
            name=f"angka-partisipasi-{level}", owner_org=org["id"],
            title=f"Angka Partisipasi Murni {level.upper()}",
            tags=[{"name": "pendidikan"}, {"name": level}], groups=[{"name": group["name"]}],
            resources=[{"url": f"http://data.example/apm-{level}.csv", "format": "CSV",
                        "name": f"APM {level.upper()}"}])
        for level in ("sd", "smp", "sma")
    ]
    hidden = factories.Dataset(name="data-internal", owner_org=org["id"], private=True,
                               title="Data Internal Sekolah")
    return {"org": org, "group": group, "datasets": datasets, "hidden": hidden}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_home_page(app, portal):
    assert app.get("/", status=200)


def test_dataset_search_page_lists_results_and_facets(app, portal):
    page = soup(app.get("/dataset/", status=200))
    assert "3 datasets found" in page.get_text(" ", strip=True)
    titles = [a.get_text(strip=True) for a in page.select(".dataset-heading a")]
    assert sorted(titles) == ["Angka Partisipasi Murni SD", "Angka Partisipasi Murni SMA",
                              "Angka Partisipasi Murni SMP"]
    facet_links = {a.get("title") or a.get_text(" ", strip=True)
                   for a in page.select(".module-facet a, nav a")}
    assert any("Dinas Pendidikan" in text for text in facet_links)
    assert "Data Internal Sekolah" not in page.get_text()


def test_dataset_search_page_filters_by_query_and_facet(app, portal):
    page = soup(app.get("/dataset/?q=partisipasi&tags=smp", status=200))
    titles = [a.get_text(strip=True) for a in page.select(".dataset-heading a")]
    assert titles == ["Angka Partisipasi Murni SMP"]


def test_dataset_search_page_shows_a_clear_error_for_a_bad_query(app, portal):
    # As with Solr: the page stays up and says the search failed.
    page = soup(app.get("/dataset/?q=tags:(pendidikan", status=200))
    assert "error while searching" in page.select_one("#search-error").get_text()


def test_organization_and_group_pages_count_and_list_datasets(app, portal):
    orgs = soup(app.get("/organization/", status=200)).get_text(" ", strip=True)
    assert "Dinas Pendidikan" in orgs and "3 Datasets" in orgs
    org_page = soup(app.get("/organization/dinas-pendidikan", status=200))
    assert len(org_page.select(".dataset-heading")) == 3
    groups = soup(app.get("/group/", status=200)).get_text(" ", strip=True)
    assert "Sektor Pendidikan" in groups and "3 Datasets" in groups
    assert len(soup(app.get("/group/pendidikan", status=200)).select(".dataset-heading")) == 3


def test_dataset_and_resource_pages(app, portal):
    dataset = portal["datasets"][0]
    assert "Angka Partisipasi Murni SD" in app.get(f"/dataset/{dataset['name']}").get_data(
        as_text=True)
    resource = dataset["resources"][0]
    page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}", status=200)
    assert "APM SD" in page.get_data(as_text=True)


def test_private_dataset_page_is_hidden_from_anonymous(app, portal):
    app.get(f"/dataset/{portal['hidden']['name']}", status=404)


def test_api_package_search(app, portal):
    body = app.get("/api/3/action/package_search?q=pendidikan&facet.field=[\"tags\"]").json
    assert body["success"] and body["result"]["count"] == 3
    assert body["result"]["facets"]["tags"]["pendidikan"] == 3
