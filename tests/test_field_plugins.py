"""The field plugins load together with walidata on CKAN 2.12 and use the PostgreSQL search."""

from __future__ import annotations

import ckan.plugins as plugins
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

FIELD_PLUGINS = ("walidata walidata_search activity scheming_datasets scheming_organizations "
                 "harvest ckan_harvester dcat dcat_json_interface structured_data "
                 "spatial_metadata spatial_query geo_view geojson_view")

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", FIELD_PLUGINS),
    pytest.mark.ckan_config("scheming.dataset_schemas", "ckanext.scheming:ckan_dataset.yaml"),
    pytest.mark.usefixtures("with_plugins", "clean_db"),
]


def test_all_field_plugins_are_loaded():
    for name in FIELD_PLUGINS.split():
        assert plugins.plugin_loaded(name), name


def test_scheming_dataset_is_indexed_and_found():
    org = factories.Organization(name="bpkad")
    factories.Dataset(name="realisasi-pad", title="Realisasi Pendapatan Asli Daerah",
                      owner_org=org["id"], notes="Pajak dan retribusi daerah")
    result = call_action("package_search", q="retribusi", **{"facet.field": '["organization"]'})
    assert [r["name"] for r in result["results"]] == ["realisasi-pad"]
    assert result["facets"]["organization"] == {"bpkad": 1}


def test_dcat_catalogue_is_served_from_the_search_index(app):
    org = factories.Organization(name="bappeda")
    factories.Dataset(name="rpjmd-indikator", title="Indikator Kinerja RPJMD",
                      owner_org=org["id"])
    factories.Dataset(name="rahasia-internal", title="Dokumen Internal", owner_org=org["id"],
                      private=True)
    body = app.get("/catalog.ttl", status=200).get_data(as_text=True)
    assert "Indikator Kinerja RPJMD" in body
    assert "Dokumen Internal" not in body


def test_harvest_sources_are_listed_through_search(app):
    sysadmin = factories.Sysadmin()
    walidata = factories.Organization(name="diskominfo")
    call_action("harvest_source_create", context={"user": sysadmin["name"]},
                owner_org=walidata["id"], name="pelita-sync", title="Sinkronisasi PELITA",
                url="http://127.0.0.1:9/api", source_type="ckan")
    sources = call_action("harvest_source_list")
    assert [s["title"] for s in sources] == ["Sinkronisasi PELITA"]
    page = app.get("/harvest/", status=200).get_data(as_text=True)
    assert "Sinkronisasi PELITA" in page
