"""package_search and its neighbours on the PostgreSQL backend, through CKAN's actions."""

from __future__ import annotations

import json

import ckan.lib.search as ckan_search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.walidata.search.backend import PostgresPackageQuery

pytestmark = [pytest.mark.usefixtures("with_plugins", "with_request_context")]

NTT_BBOX = json.dumps({"type": "Polygon", "coordinates": [[
    [118.9, -11.0], [125.2, -11.0], [125.2, -8.0], [118.9, -8.0], [118.9, -11.0]]]})
KUPANG_BBOX = json.dumps({"type": "Polygon", "coordinates": [[
    [123.5, -10.3], [123.7, -10.3], [123.7, -10.1], [123.5, -10.1], [123.5, -10.3]]]})


@pytest.fixture(scope="module")
def catalogue(module_db):
    """A small portal: two OPDs, public, private and draft datasets."""
    editor_a = factories.User(name="editor-dinkes")
    editor_b = factories.User(name="editor-bappeda")
    dinkes = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                    users=[{"name": editor_a["name"], "capacity": "editor"}])
    bappeda = factories.Organization(name="bappeda", title="Bappeda",
                                     users=[{"name": editor_b["name"], "capacity": "editor"}])
    sektor = factories.Group(name="kesehatan", title="Sektor Kesehatan")

    def dataset(name, org, **kw):
        kw.setdefault("resources", [{"url": f"http://data.example/{name}.csv",
                                     "format": "CSV", "name": "Tabel utama"}])
        return factories.Dataset(name=name, owner_org=org["id"], **kw)

    data = {
        "tenaga": dataset(
            "tenaga-kesehatan", dinkes, title="Jumlah Tenaga Kesehatan menurut Kabupaten",
            notes="Dokter, perawat dan bidan di puskesmas dan rumah sakit.",
            tags=[{"name": "kesehatan"}, {"name": "tenaga-kesehatan"}],
            groups=[{"name": sektor["name"]}], license_id="cc-by",
            extras=[{"key": "periode", "value": "2023"}, {"key": "spatial", "value": NTT_BBOX}]),
        "aki": dataset(
            "angka-kematian-ibu", dinkes, title="Angka Kematian Ibu",
            notes="Kematian ibu per 100.000 kelahiran hidup.",
            tags=[{"name": "kesehatan"}, {"name": "ibu"}], license_id="cc-by",
            resources=[{"url": "http://data.example/aki.pdf", "format": "PDF",
                        "name": "Laporan tahunan"}],
            extras=[{"key": "periode", "value": "2022"},
                    {"key": "spatial", "value": KUPANG_BBOX}]),
        "padi": dataset(
            "produksi-padi", bappeda, title="Produksi Padi menurut Kecamatan",
            notes="Produksi gabah kering giling per kecamatan.",
            tags=[{"name": "pertanian"}], license_id="odc-odbl",
            resources=[{"url": "http://data.example/padi.csv", "format": "CSV"},
                       {"url": "http://data.example/padi-2.csv", "format": "CSV"},
                       {"url": "http://data.example/padi.xlsx", "format": "XLSX",
                        "description": "Rekap irigasi"}]),
        "anggaran": dataset(
            "anggaran-kesehatan", bappeda, title="Anggaran Kesehatan Daerah", private=True,
            tags=[{"name": "kesehatan"}, {"name": "keuangan"}]),
        "draft": dataset("draf-dinkes", dinkes, title="Draf Data Imunisasi", state="draft",
                         tags=[{"name": "kesehatan"}]),
    }
    return {"data": data, "editor_a": editor_a, "editor_b": editor_b,
            "dinkes": dinkes, "bappeda": bappeda, "sektor": sektor}


def search(context=None, **params):
    """package_search as the given user (anonymous by default), with auth checks on."""
    context = dict(context or {}, ignore_auth=False)
    return call_action("package_search", context=context, **params)


def names(result):
    return sorted(r["name"] for r in result["results"])


def test_anonymous_sees_only_public_active_datasets(catalogue):
    result = search(rows=100)
    assert names(result) == ["angka-kematian-ibu", "produksi-padi", "tenaga-kesehatan"]
    assert result["count"] == 3


def test_results_are_the_validated_dataset_dicts(catalogue):
    result = search(fq="name:produksi-padi")
    dataset = result["results"][0]
    shown = call_action("package_show", id="produksi-padi")
    assert dataset["id"] == shown["id"]
    assert [r["format"] for r in dataset["resources"]] == ["CSV", "CSV", "XLSX"]
    assert dataset["organization"]["name"] == "bappeda"


def test_free_text_uses_indonesian_stemming(catalogue):
    # "sehat" is the stem of "kesehatan"; "kelahiran" stems to "lahir".
    assert names(search(q="sehat")) == ["angka-kematian-ibu", "tenaga-kesehatan"]
    assert names(search(q="lahir")) == ["angka-kematian-ibu"]


def test_free_text_searches_resources_extras_and_organization(catalogue):
    assert names(search(q="irigasi")) == ["produksi-padi"]
    assert names(search(q="bappeda")) == ["produksi-padi"]
    assert names(search(q="2022")) == ["angka-kematian-ibu"]


def test_free_text_ranks_title_matches_first(catalogue):
    result = search(q="kesehatan")
    assert result["results"][0]["name"] == "tenaga-kesehatan"


def test_free_text_requires_all_words_of_a_short_query(catalogue):
    assert names(search(q="padi kecamatan")) == ["produksi-padi"]
    assert search(q="padi ibu")["count"] == 0
    assert names(search(q="kesehatan -ibu")) == ["tenaga-kesehatan"]
    assert names(search(q='"kematian ibu"')) == ["angka-kematian-ibu"]


def test_fielded_query_and_filters(catalogue):
    assert names(search(q="tags:ibu")) == ["angka-kematian-ibu"]
    assert names(search(fq="tags:kesehatan -tags:ibu")) == ["tenaga-kesehatan"]
    assert names(search(fq="(organization:bappeda OR tags:ibu)")) == [
        "angka-kematian-ibu", "produksi-padi"]
    # As in Solr: beside CKAN's required +capacity/+state clauses, bare OR-ed
    # clauses are optional and filter nothing.
    assert search(fq="organization:bappeda OR tags:ibu")["count"] == 3
    assert names(search(fq='res_format:"XLSX"')) == ["produksi-padi"]
    assert names(search(fq="name:produksi-*")) == ["produksi-padi"]
    assert names(search(fq="title:kematian")) == ["angka-kematian-ibu"]
    assert names(search(fq="periode:[2023 TO *]")) == ["tenaga-kesehatan"]
    assert names(search(fq="extras_periode:*")) == ["angka-kematian-ibu", "tenaga-kesehatan"]
    assert names(search(fq_list=["tags:kesehatan", "license_id:cc-by"])) == [
        "angka-kematian-ibu", "tenaga-kesehatan"]
    assert search(fq="metadata_modified:[NOW-1DAY TO NOW+1DAY]")["count"] == 3
    assert search(fq="metadata_modified:[* TO NOW-1YEAR]")["count"] == 0
    assert names(search(fq="groups:kesehatan")) == ["tenaga-kesehatan"]
    assert search(fq="+dataset_type:dataset")["count"] == 3


def test_facets_count_every_match_and_honour_limit_and_mincount(catalogue):
    result = search(**{"facet.field": json.dumps(["tags", "organization", "res_format",
                                                  "license_id", "groups"])})
    facets = result["facets"]
    assert facets["tags"] == {"kesehatan": 2, "ibu": 1, "pertanian": 1, "tenaga-kesehatan": 1}
    assert facets["organization"] == {"dinas-kesehatan": 2, "bappeda": 1}
    # Counted per dataset, as Solr does: produksi-padi has two CSV resources.
    assert facets["res_format"] == {"CSV": 2, "PDF": 1, "XLSX": 1}
    assert facets["license_id"] == {"cc-by": 2, "odc-odbl": 1}
    items = result["search_facets"]["organization"]["items"]
    assert {i["display_name"] for i in items} == {"Dinas Kesehatan", "Bappeda"}
    limited = search(**{"facet.field": '["tags"]', "facet.limit": 1})["facets"]["tags"]
    assert limited == {"kesehatan": 2}
    frequent = search(**{"facet.field": '["tags"]', "facet.mincount": 2})["facets"]["tags"]
    assert frequent == {"kesehatan": 2}


def test_facet_on_an_extra_field(catalogue):
    facets = search(**{"facet.field": '["periode"]'})["facets"]
    assert facets["periode"] == {"2022": 1, "2023": 1}


def test_sort_and_paging(catalogue):
    by_title = search(sort="title_string asc")
    assert [r["name"] for r in by_title["results"]] == [
        "angka-kematian-ibu", "tenaga-kesehatan", "produksi-padi"]
    newest = search(sort="metadata_modified desc")
    assert newest["results"][0]["name"] == "produksi-padi"
    assert [r["name"] for r in search(sort="name desc", rows=1, start=1)["results"]] == [
        "produksi-padi"]
    two_keys = search(sort="license_id asc, name desc")
    assert [r["name"] for r in two_keys["results"]] == [
        "tenaga-kesehatan", "angka-kematian-ibu", "produksi-padi"]
    beyond = search(rows=10, start=50)
    assert beyond["count"] == 3 and beyond["results"] == []


def test_private_datasets_only_for_members_of_their_organization(catalogue):
    editor_a = {"user": catalogue["editor_a"]["name"]}
    editor_b = {"user": catalogue["editor_b"]["name"]}
    assert "anggaran-kesehatan" not in names(search(editor_a, include_private=True))
    assert "anggaran-kesehatan" in names(search(editor_b, include_private=True))
    assert "anggaran-kesehatan" not in names(search(editor_b, include_private=False))
    assert "anggaran-kesehatan" not in names(search(include_private=True))


def test_drafts_only_for_their_creator_or_sysadmin(catalogue):
    creator = model.Package.get("draf-dinkes").creator_user_id
    creator_name = model.User.get(creator).name
    assert "draf-dinkes" in names(search({"user": creator_name}, include_drafts=True))
    assert "draf-dinkes" not in names(search({"user": creator_name}))
    assert "draf-dinkes" not in names(search({"user": catalogue["editor_b"]["name"]},
                                             include_drafts=True))


def test_bbox_filter_on_dataset_extents(catalogue):
    around_kupang = search(ext_bbox="123.4,-10.4,123.8,-10.0")
    assert names(around_kupang) == ["angka-kematian-ibu", "tenaga-kesehatan"]
    # The closest fit ranks first: Kupang's own extent before the whole province.
    assert around_kupang["results"][0]["name"] == "angka-kematian-ibu"
    assert search(ext_bbox="100,0,101,1")["count"] == 0


def test_autocomplete_and_organization_counts(catalogue):
    found = call_action("package_autocomplete", q="padi")
    assert [f["name"] for f in found] == ["produksi-padi"]
    orgs = {o["name"]: o["package_count"] for o in call_action(
        "organization_list", context={"ignore_auth": False}, all_fields=True)}
    assert orgs == {"dinas-kesehatan": 2, "bappeda": 1}
    group = call_action("group_show", context={"ignore_auth": False}, id="kesehatan")
    assert group["package_count"] == 1


def test_invalid_queries_are_search_errors_not_crashes(catalogue):
    for params in ({"sort": "title_string sideways"}, {"q": "tags:(kesehatan"},
                   {"fq": "{!lucene}x"}, {"fq": "metadata_modified:[kemarin TO *]"},
                   {"q": "_val_:1"}):
        with pytest.raises(ckan_search.SearchError):
            search(**params)


def test_api_answers_invalid_queries_with_clear_errors(catalogue, app):
    # As with Solr: a malformed parameter is a Search Query Error (400), a
    # query Solr could not parse a Search Error (409); both say why.
    response = app.get("/api/3/action/package_search", query_string={"sort": "x sideways"},
                       status=400)
    assert response.json["error"]["__type"] == "Search Query Error"
    assert "sort" in response.json["error"]["message"]
    response = app.get("/api/3/action/package_search", query_string={"q": "tags:(air"},
                       status=409)
    assert response.json["error"]["__type"] == "Search Error"
    assert "parenthesis is not closed" in response.json["error"]["message"]


def test_index_follows_update_delete_and_purge(catalogue):
    sysadmin = factories.Sysadmin()
    context = {"user": sysadmin["name"]}
    dataset = factories.Dataset(name="sementara", owner_org=catalogue["dinkes"]["id"],
                                title="Data Sementara")
    assert names(search(q="sementara")) == ["sementara"]
    call_action("package_patch", context=dict(context), id=dataset["id"],
                title="Data Curah Hujan")
    assert names(search(q="hujan")) == ["sementara"]
    call_action("package_delete", context=dict(context), id=dataset["id"])
    assert search(q="hujan")["count"] == 0
    call_action("dataset_purge", context=dict(context), id=dataset["id"])
    count = model.Session.execute(sa.text(
        "SELECT count(*) FROM walidata_search_doc WHERE name = 'sementara'")).scalar()
    assert count == 0


def test_search_index_cli_clear_rebuild_and_only_missing(catalogue, cli):
    from ckan.cli.cli import ckan as ckan_command

    assert not cli.invoke(ckan_command, ["search-index", "clear"]).exit_code
    assert search()["count"] == 0
    result = cli.invoke(ckan_command, ["search-index", "rebuild", "-o"])
    assert not result.exit_code, result.output
    assert search()["count"] == 3
    assert not cli.invoke(ckan_command, ["search-index", "rebuild"]).exit_code
    assert search(rows=100)["count"] == 3
    assert PostgresPackageQuery().get_index("produksi-padi")["organization"] == "bappeda"


def test_ckan_search_registry_points_at_postgres(catalogue):
    assert isinstance(ckan_search.query_for(model.Package), PostgresPackageQuery)
    assert ckan_search.PackageSearchQuery is PostgresPackageQuery
