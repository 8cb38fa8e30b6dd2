"""No way around the Klinik Walidata: every path by which an OPD could make a dataset
public, through CKAN's real actions and pages, ends in the review or in a refusal that
says why. The walidata and sysadmins keep their powers."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import _get_test_app, call_action

from tests.pages import login, soup
from tests.sdi_data import COMPLETE_STATISTIK, create_checked

pytestmark = [pytest.mark.usefixtures("with_plugins")]

DATASET = dict(COMPLETE_STATISTIK, owner_org="bpkad")


@pytest.fixture(scope="module")
def people(module_db) -> dict[str, Any]:
    """The people, and two BPKAD datasets: one at the walidata desk, one published.

    Made here, while module_db has the plugins loaded (a test's with_plugins unloads them
    when it ends).
    """
    for name in ("opd-bpkad", "kepala-bpkad", "walidata"):
        factories.User(name=name, email=f"{name}@example.go.id")
    factories.Sysadmin(name="admin")
    factories.Organization(name="diskominfo", title="Diskominfo",
                           users=[{"name": "walidata", "capacity": "admin"}])
    factories.Organization(name="bpkad", title="BPKAD", users=[
        {"name": "opd-bpkad", "capacity": "editor"}, {"name": "kepala-bpkad", "capacity": "admin"}])
    factories.Organization(name="bappeda", title="Bappeda",
                           users=[{"name": "opd-bpkad", "capacity": "editor"}])
    with _get_test_app().flask_app.test_request_context():
        submitted = create("opd-bpkad", "dana-di-meja-walidata")
        review("submit", "opd-bpkad", submitted["id"])
        published = create_checked("opd-bpkad", **dict(
            DATASET, name="pad-terbit", type="pendukung", jenis_data="data_administrasi"))
        review("submit", "opd-bpkad", published["id"])
        for verb in ("verify", "verify", "ratify", "publish"):
            review(verb, "walidata", published["id"])
    return {"submitted": call_action("package_show", id=submitted["id"]),
            "published": call_action("package_show", id=published["id"])}


def as_user(user: str | None) -> dict[str, Any]:
    return {"user": user or "", "ignore_auth": False}


def create(user: str, name: str, **fields: Any) -> dict[str, Any]:
    return call_action("package_create", context=as_user(user),
                       **dict(DATASET, name=name, **fields))


def public(dataset_id: str) -> bool:
    try:
        call_action("package_show", context=as_user(None), id=dataset_id)
    except tk.NotAuthorized:
        return False
    return True


def review(verb: str, user: str, dataset_id: str, **params: Any) -> dict[str, Any]:
    return call_action(f"walidata_{verb}", context=as_user(user), id=dataset_id, **params)


@pytest.fixture
def submitted(people) -> dict[str, Any]:
    """A BPKAD dataset at the walidata desk: locked for its OPD."""
    return people["submitted"]


@pytest.fixture
def published(people) -> dict[str, Any]:
    assert public(people["published"]["id"])
    return people["published"]


# --- the stock type and every other type outside the review ---------------------------


@pytest.mark.parametrize("fields", [{"type": "dataset"}, {}, {"type": "sembarang"},
                                    {"type": "harvest"}],
                         ids=["stock", "no type", "unknown type", "harvest type"])
def test_an_opd_cannot_create_a_dataset_outside_the_review(people, fields):
    values = {"name": "langsung-publik", "title": "Langsung publik", "owner_org": "bpkad",
              "private": False, "notes": "Tanpa verifikasi", **fields}
    with pytest.raises(tk.NotAuthorized, match="do not go through the Klinik Walidata, so "
                       "only the walidata creates and changes them"):
        call_action("package_create", context=as_user("opd-bpkad"), **values)
    assert model.Package.get("langsung-publik") is None


def test_an_opd_cannot_register_a_harvest_source_that_would_publish_for_it(people):
    with pytest.raises(tk.NotAuthorized):
        call_action("harvest_source_create", context=as_user("kepala-bpkad"),
                    owner_org="bpkad", name="panen-bpkad", title="Panen BPKAD",
                    url="http://127.0.0.1:9/api", source_type="ckan")
    assert model.Package.get("panen-bpkad") is None


def test_the_walidata_and_sysadmins_keep_the_stock_type(people):
    made = call_action("package_create", context=as_user("walidata"), name="stok-walidata",
                       owner_org="diskominfo", private=False, notes="Data lama")
    assert made["type"] == "dataset" and public(made["id"])
    call_action("package_patch", context=as_user("walidata"), id=made["id"], notes="Diubah")
    by_admin = call_action("package_create", context=as_user("admin"), name="stok-admin",
                           owner_org="bpkad", private=False)
    assert public(by_admin["id"])
    with pytest.raises(tk.NotAuthorized, match="only the walidata creates and changes them"):
        call_action("package_patch", context=as_user("opd-bpkad"), id=by_admin["id"],
                    notes="Diubah OPD")
    with pytest.raises(tk.NotAuthorized, match="only the walidata creates and changes them"):
        call_action("resource_create", context=as_user("opd-bpkad"), package_id=by_admin["id"],
                    url="http://data.example/a.csv", name="A")


@pytest.mark.ckan_config("ckanext.walidata.workflow.stock_dataset_type", "reviewed")
def test_a_reviewed_stock_type_starts_private_and_goes_through_the_review(people):
    made = call_action("package_create", context=as_user("opd-bpkad"), type="dataset",
                       name="stok-ditinjau", owner_org="bpkad", private=False)
    assert made["private"] is True and not public(made["id"])
    call_action("package_patch", context=as_user("opd-bpkad"), id=made["id"], private=False)
    assert not public(made["id"])
    assert call_action("walidata_review_show", id=made["id"])["state"] == "draft"


# --- create, update, patch, revise: private until the walidata publishes ------------------


def test_private_false_in_any_call_keeps_a_reviewed_dataset_private(people):
    made = create("opd-bpkad", "dana-transfer", private=False)
    assert made["private"] is True
    editor = as_user("opd-bpkad")
    call_action("package_patch", context=dict(editor), id=made["id"], private=False)
    shown = call_action("package_show", id=made["id"])
    call_action("package_update", context=dict(editor), **dict(shown, private=False))
    call_action("package_revise", context=dict(editor),
                match={"id": made["id"]}, update={"private": False})
    assert call_action("package_show", id=made["id"])["private"] is True
    assert not public(made["id"])


def test_the_type_cannot_be_changed_to_leave_the_review(people):
    made = create("opd-bpkad", "ganti-tipe")
    call_action("package_patch", context=as_user("opd-bpkad"), id=made["id"],
                type="dataset", private=False)
    after = call_action("package_show", id=made["id"])
    assert (after["type"], after["private"]) == ("statistik", True)


def test_moving_a_draft_to_another_opd_keeps_it_in_the_review(people):
    made = create("opd-bpkad", "pindah-opd")
    moved = call_action("package_patch", context=as_user("opd-bpkad"), id=made["id"],
                        owner_org="bappeda", private=False)
    assert moved["organization"]["name"] == "bappeda" and moved["private"] is True
    assert call_action("walidata_review_show", id=made["id"])["state"] == "draft"


# --- locked datasets: every change refused with the reason ---------------------------------


@pytest.mark.parametrize(("action", "params", "doing"), [
    ("package_patch", {"notes": "Angka baru"}, "edit this dataset"),
    ("package_patch", {"owner_org": "bappeda"}, "edit this dataset"),
    ("resource_create", {"url": "http://data.example/b.csv", "name": "B"},
     "add a file to this dataset"),
    ("resource_patch", {"name": "Tabel diganti"}, "change the files of this dataset"),
    ("resource_delete", {}, "remove a file from this dataset"),
    ("package_delete", {}, "delete this dataset"),
])
def test_a_dataset_under_review_is_locked_with_the_reason(submitted, action, params, doing):
    target = ({"package_id": submitted["id"]} if action == "resource_create"
              else {"id": submitted["resources"][0]["id"]} if action.startswith("resource")
              else {"id": submitted["id"]})
    with pytest.raises(tk.NotAuthorized) as refused:
        call_action(action, context=as_user("opd-bpkad"), **target, **params)
    message = str(refused.value)
    assert message.startswith(f"You cannot {doing}: it is under review in the Klinik Walidata")
    assert "Only the walidata can unlock it, by returning it to your OPD" in message
    assert call_action("package_show", id=submitted["id"])["state"] == "active"


def test_files_of_published_data_change_only_through_a_new_review(published):
    with pytest.raises(tk.NotAuthorized, match="published .* revision copy"):
        call_action("resource_delete", context=as_user("opd-bpkad"),
                    id=published["resources"][0]["id"])
    assert public(published["id"])


def test_an_outsider_learns_nothing_about_the_lock(submitted):
    factories.User(name="opd-lain")
    with pytest.raises(tk.NotAuthorized) as refused:
        call_action("resource_create", context=as_user("opd-lain"),
                    package_id=submitted["id"], url="http://data.example/c.csv")
    assert "review" not in str(refused.value)


# --- the organization's bulk page -------------------------------------------------------


def bulk(app, org: str, action: str, ids: list[str], status: int) -> Any:
    page = soup(app.get(f"/organization/bulk_process/{org}", status=200))
    token = page.select_one('input[name="_csrf_token"]')["value"]
    return app.post(f"/organization/bulk_process/{org}", status=status, data={
        "_csrf_token": token, f"bulk_action.{action}": action,
        **{f"dataset_{i}": "on" for i in ids}}, follow_redirects=False)


def test_the_bulk_page_works_as_in_stock_ckan(app, people):
    stock = [call_action("package_create", context=as_user("walidata"), name=f"stok-{n}",
                         owner_org="diskominfo", private=False)["id"] for n in (1, 2)]
    login(app, "walidata")
    bulk(app, "diskominfo", "private", stock, 302)
    assert [model.Package.get(i).private for i in stock] == [True, True]
    bulk(app, "diskominfo", "public", stock, 302)
    assert all(public(i) for i in stock)
    bulk(app, "diskominfo", "delete", stock[1:], 302)
    assert model.Package.get(stock[1]).state == "deleted"


def test_bulk_make_public_of_a_reviewed_dataset_is_refused_with_the_reason(app, people,
                                                                           published):
    draft = create("opd-bpkad", "bulk-draf")
    login(app, "kepala-bpkad")
    bulk(app, "bpkad", "public", [draft["id"]], 403)
    assert not public(draft["id"])
    with pytest.raises(tk.NotAuthorized, match="goes through the Klinik Walidata, where only "
                       "the walidata makes it public"):
        call_action("bulk_update_public", context=as_user("kepala-bpkad"),
                    datasets=[draft["id"]], org_id=model.Group.get("bpkad").id)
    # Published data leave the portal by the walidata's withdrawal, not in bulk.
    with pytest.raises(tk.NotAuthorized, match="You cannot edit this dataset: it is published"):
        call_action("bulk_update_private", context=as_user("kepala-bpkad"),
                    datasets=[published["id"], draft["id"]],
                    org_id=model.Group.get("bpkad").id)
    assert public(published["id"])
    # What the OPD may still do in bulk: delete its own draft.
    call_action("bulk_update_delete", context=as_user("kepala-bpkad"), datasets=[draft["id"]],
                org_id=model.Group.get("bpkad").id)
    assert model.Package.get(draft["id"]).state == "deleted"


# --- the dataset form --------------------------------------------------------------------


def test_the_stock_form_is_closed_to_an_opd_and_the_edit_form_of_locked_data(app, submitted):
    login(app, "opd-bpkad")
    app.get("/dataset/new", status=403)
    app.get(f"/dataset/edit/{submitted['name']}", status=403)
    page = soup(app.get("/statistik/new", status=200))
    token = page.select_one('input[name="_csrf_token"]')["value"]
    form = {key: value for key, value in DATASET.items()
            if key not in ("resources", "tags", "type")}
    app.post("/statistik/new", data=dict(
        form, _csrf_token=token, name="lewat-formulir", title="Lewat formulir",
        owner_org=model.Group.get("bpkad").id, private="False", tag_string="keuangan",
        save="continue"), follow_redirects=False)
    made = model.Package.get("lewat-formulir")
    assert made is not None and made.private is True
