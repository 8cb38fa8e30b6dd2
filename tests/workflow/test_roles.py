"""Who is a walidata, and what each role may do in the review, through CKAN's actions.

Diskominfo is the walidata's office and also an OPD: its editors are ordinary produsen,
the walidata are its ADMINS and the users named in ckanext.walidata.walidata_users, and
nobody approves the data of their own OPD (separation of duties).
"""

from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import _get_test_app, call_action

from ckanext.walidata.workflow import roles
from tests.sdi_data import COMPLETE_STATISTIK, create_checked

pytestmark = [
    pytest.mark.ckan_config("ckanext.walidata.walidata_users", "walidata-statistik"),
    pytest.mark.ckan_config("ckanext.walidata.pembina.statistik", "bps-ntt"),
    pytest.mark.usefixtures("with_plugins", "with_request_context"),
]

USERS = ("opd-bpkad", "opd-dinkes", "opd-diskominfo", "walidata", "walidata-statistik",
         "bps-ntt")


def as_user(user: str | None) -> dict[str, Any]:
    return {"user": user or "", "ignore_auth": False}


def act(verb: str, user: str, dataset_id: str, **params: Any) -> dict[str, Any]:
    return call_action(f"walidata_{verb}", context=as_user(user), id=dataset_id, **params)


@pytest.fixture(scope="module")
def portal(module_db) -> dict[str, Any]:
    """The people, a BPKAD and a Diskominfo dataset at the desk, a published BPKAD one."""
    for name in USERS:
        factories.User(name=name, email=f"{name}@example.go.id")
    factories.Sysadmin(name="admin")
    factories.Organization(name="diskominfo", title="Diskominfo", users=[
        {"name": "walidata", "capacity": "admin"},
        {"name": "opd-diskominfo", "capacity": "editor"}])
    factories.Organization(name="bpkad", title="BPKAD",
                           users=[{"name": "opd-bpkad", "capacity": "editor"}])
    factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                           users=[{"name": "opd-dinkes", "capacity": "editor"}])
    with _get_test_app().flask_app.test_request_context():
        made = {}
        for org, editor, name in (("bpkad", "opd-bpkad", "belanja-bpkad"),
                                  ("diskominfo", "opd-diskominfo", "menara-bts")):
            made[name] = call_action("package_create", context=as_user(editor),
                                     **dict(COMPLETE_STATISTIK, name=name, owner_org=org))
            act("submit", editor, name)
        published = create_checked("opd-bpkad", **dict(
            COMPLETE_STATISTIK, name="aset-terbit", owner_org="bpkad", type="pendukung",
            jenis_data="data_administrasi"))
        act("submit", "opd-bpkad", published["id"])
        act("return", "walidata", published["id"], comment="Lengkapi satuan.")
        act("submit", "opd-bpkad", published["id"])
        for verb in ("verify", "verify", "ratify", "publish"):
            act(verb, "walidata", published["id"])
    return made


@pytest.mark.parametrize(("user", "walidata"), [
    (None, False), ("opd-bpkad", False), ("opd-diskominfo", False), ("bps-ntt", False),
    ("walidata", True), ("walidata-statistik", True), ("admin", True)])
def test_who_is_a_walidata(portal, user, walidata):
    assert roles.is_walidata(model.User.get(user) if user else None) is walidata


def test_the_desk_s_mail_goes_to_the_walidata_not_to_diskominfo_s_editors(portal):
    assert {user.name for user in roles.walidata_accounts()} == {"walidata",
                                                                  "walidata-statistik"}


@pytest.mark.parametrize("user", ["walidata", "walidata-statistik", "admin", "bps-ntt"])
def test_the_queue_is_for_the_reviewers(portal, user):
    call_action("walidata_review_list", context=as_user(user))


@pytest.mark.parametrize(("user", "actor"), [
    ("opd-diskominfo", "you are an editor of Diskominfo"),
    ("opd-bpkad", "you are an editor of BPKAD"),
])
def test_the_queue_is_refused_to_an_opd_editor_with_the_role_named(portal, user, actor):
    with pytest.raises(tk.NotAuthorized, match=f"Only the walidata and the pembina data see "
                       f"the review queue; {actor}"):
        call_action("walidata_review_list", context=as_user(user))


def test_a_diskominfo_editor_is_an_ordinary_produsen(portal):
    # Another OPD's dataset at the desk: not theirs to read, let alone verify.
    for action in ("package_show", "walidata_review_show", "walidata_verify"):
        with pytest.raises(tk.NotAuthorized):
            call_action(action, context=as_user("opd-diskominfo"), id="belanja-bpkad")
    # Their own dataset: they may withdraw it, not review it.
    own = call_action("walidata_review_show", context=as_user("opd-diskominfo"),
                      id="menara-bts")
    assert own["actions"] == ["withdraw"]
    with pytest.raises(tk.ValidationError) as refused:
        act("verify", "opd-diskominfo", "menara-bts")
    assert refused.value.error_dict["state"] == [
        "Only the walidata may verify a dataset at this stage (Submitted); you are an editor "
        "of Diskominfo."]


@pytest.mark.parametrize(("user", "actor"), [
    ("opd-bpkad", "an editor of BPKAD"),
    ("bps-ntt", "the pembina data of statistik"),
])
def test_a_refusal_names_the_role_of_who_was_refused(portal, user, actor):
    if user == "bps-ntt":
        # The pembina reads a dataset only in QA: take another one there.
        dataset = call_action("package_create", context=as_user("opd-bpkad"),
                              **dict(COMPLETE_STATISTIK, name="pajak-qa", owner_org="bpkad"))
        act("submit", "opd-bpkad", dataset["id"])
        call_action("walidata_quality_run", context=as_user("opd-bpkad"), id=dataset["id"],
                    **{"async": False})
        act("verify", "walidata", dataset["id"])
        assert act("verify", "walidata", dataset["id"])["state"] == "qa"
        name, verb, stage = "pajak-qa", "withdraw", "Quality assurance"
    else:
        name, verb, stage = "belanja-bpkad", "verify", "Submitted"
    with pytest.raises(tk.ValidationError) as refused:
        act(verb, user, name, comment="x")
    assert refused.value.error_dict["state"] == [
        f"Only the walidata may {verb} a dataset at this stage ({stage}); you are {actor}."]


def test_diskominfo_s_own_data_are_approved_by_another_walidata(portal):
    offered = call_action("walidata_review_show", context=as_user("walidata"), id="menara-bts")
    assert "verify" not in offered["actions"] and "return" in offered["actions"]
    with pytest.raises(tk.ValidationError) as refused:
        act("verify", "walidata", "menara-bts")
    assert refused.value.error_dict["state"] == [
        "You produce this dataset as an admin of Diskominfo, so a walidata outside its OPD "
        "must approve it: nobody approves their own data."]
    assert act("verify", "walidata-statistik", "menara-bts")["state"] == "verifying"
    # A sysadmin outside Diskominfo is a walidata with no stake in its data.
    call_action("walidata_quality_run", context=as_user("admin"), id="menara-bts",
                **{"async": False})
    assert act("verify", "admin", "menara-bts")["state"] == "qa"


@pytest.mark.parametrize("user", [None, "opd-dinkes", "opd-diskominfo"])
def test_readers_without_a_role_see_roles_not_user_names(portal, user):
    review = call_action("walidata_review_show", context=as_user(user), id="aset-terbit")
    assert review["state"] == "published"
    assert review["submitted_by"] == "Produsen data (OPD)"
    assert [event["actor"] for event in review["events"]][:3] == [
        "Produsen data (OPD)", "Walidata", "Produsen data (OPD)"]
    assert review["events"][1]["comment"] == "Lengkapi satuan."
    assert "opd-bpkad" not in json.dumps(review)


@pytest.mark.parametrize("user", ["opd-bpkad", "walidata", "admin"])
def test_who_takes_part_in_the_review_sees_the_names(portal, user):
    review = call_action("walidata_review_show", context=as_user(user), id="aset-terbit")
    assert review["submitted_by"] == "opd-bpkad"
    assert review["events"][1]["actor"] == "walidata"


@pytest.mark.ckan_config("ckan.auth.public_user_details", True)
def test_public_user_details_show_the_names_to_everyone(portal):
    review = call_action("walidata_review_show", context=as_user(None), id="aset-terbit")
    assert review["submitted_by"] == "opd-bpkad"
