"""Klinik Walidata roles mapped onto CKAN users, and the visibility labels they grant.

produsen data = editors and admins of the dataset's OPD organization;
walidata = the ADMINS of the configured walidata organization, the users named in
``ckanext.walidata.walidata_users``, and sysadmins. Diskominfo is the walidata's office
but also an OPD with data of its own: its editors and members are ordinary produsen of
its datasets, never reviewers;
pembina data = the users configured for the dataset's data group.
"""

from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from .machine import QA_GROUPS, REVIEW_STATES, Role, State

WALIDATA_LABEL = "walidata-review"
STOCK_TYPE = "dataset"


def walidata_organization() -> str:
    return tk.config.get("ckanext.walidata.walidata_organization")


def walidata_users() -> list[str]:
    return list(tk.config.get("ckanext.walidata.walidata_users") or [])


def pembina_users(data_group: str) -> list[str]:
    return list(tk.config.get(f"ckanext.walidata.pembina.{data_group}") or [])


def stock_type_reviewed() -> bool:
    """Whether the stock ``dataset`` type goes through the review (else only reviewers edit it)."""
    return tk.config.get("ckanext.walidata.workflow.stock_dataset_type") == "reviewed"


def workflow_types() -> list[str]:
    """The dataset types that go through the review; every other type is closed to OPDs."""
    types = list(tk.config.get("ckanext.walidata.workflow.types") or [])
    if stock_type_reviewed() and STOCK_TYPE not in types:
        types.append(STOCK_TYPE)
    return types


def _walidata_admins() -> set[str]:
    group = model.Group.get(walidata_organization())
    if group is None:
        return set()
    return {member.table_id for member in model.Session.query(model.Member).filter(
        model.Member.group_id == group.id, model.Member.table_name == "user",
        model.Member.state == "active", model.Member.capacity == "admin")}


def is_walidata(user: model.User | None) -> bool:
    if not isinstance(user, model.User):  # None, or flask-login's anonymous user
        return False
    return bool(user.sysadmin or user.name in walidata_users()
                or user.id in _walidata_admins())


def walidata_accounts() -> list[model.User]:
    """The walidata the desk's mail goes to: the named ones and the organization's admins.

    Sysadmins are walidata but not the desk: one who created the organization (and so
    became its admin) is left out unless named.
    """
    query = model.Session.query(model.User).filter(model.User.state == "active")
    ids, names = _walidata_admins(), walidata_users()
    return query.filter(
        (model.User.id.in_(ids) & model.User.sysadmin.is_(False)) | model.User.name.in_(names)
    ).all()


def pembina_groups(user: model.User | None) -> list[str]:
    if not isinstance(user, model.User):
        return []
    return [group for group in QA_GROUPS if user.name in pembina_users(group)]


def roles_for(user: model.User | None, dataset: dict[str, Any]) -> frozenset[Role]:
    if not isinstance(user, model.User):
        return frozenset()
    roles = set()
    if dataset.get("owner_org") and authz.has_user_permission_for_group_or_org(
            dataset["owner_org"], user.name, "update_dataset"):
        roles.add(Role.PRODUSEN)
    if is_walidata(user):
        roles.add(Role.WALIDATA)
    if dataset.get("type") in pembina_groups(user):
        roles.add(Role.PEMBINA)
    return frozenset(roles)


def _capacity(capacity: str, organization: str) -> str:
    # The three sentences spelled out, so that they are extracted for translation.
    template = {"admin": tk._("an admin of {organization}"),
                "editor": tk._("an editor of {organization}")}.get(
        capacity, tk._("a member of {organization}"))
    return template.format(organization=organization)


def _memberships(user: model.User) -> list[tuple[str, str, str]]:
    """(organization id, title, capacity) of each organization the user belongs to."""
    rows = (model.Session.query(model.Group.id, model.Group.title, model.Group.name,
                                model.Member.capacity)
            .join(model.Member, model.Member.group_id == model.Group.id)
            .filter(model.Member.table_id == user.id, model.Member.table_name == "user",
                    model.Member.state == "active", model.Group.state == "active",
                    model.Group.is_organization.is_(True))
            .order_by(model.Group.title).all())
    return [(row.id, row.title or row.name, row.capacity) for row in rows]


def producer(user: model.User | None, dataset: dict[str, Any]) -> str:
    """How ``user`` produces ``dataset``, in words ("an editor of Dinas Kesehatan"), or "".

    By membership of its OPD with the right to edit it, or as its creator; a sysadmin's
    or a walidata's power to edit everything does not make them its producer.
    """
    if not isinstance(user, model.User):
        return ""
    for org_id, title, capacity in _memberships(user):
        if org_id == dataset.get("owner_org") and capacity in ("editor", "admin"):
            return _capacity(capacity, title)
    if dataset.get("creator_user_id") == user.id:
        return tk._("the creator of this dataset")
    return ""


def describe(user: model.User | None, dataset: dict[str, Any]) -> str:
    """Who ``user`` is for this dataset, for a refusal: its roles, else their memberships."""
    if not isinstance(user, model.User):
        return tk._("not signed in")
    parts = []
    if user.sysadmin:
        parts.append(tk._("a sysadmin"))
    elif is_walidata(user):
        parts.append(tk._("a walidata"))
    for group in pembina_groups(user):
        parts.append(tk._("the pembina data of {group}").format(group=group))
    memberships = _memberships(user)
    own = [m for m in memberships if m[0] == dataset.get("owner_org")]
    for _org_id, title, capacity in (own or memberships)[:2]:
        parts.append(_capacity(capacity, title))
    if not parts:
        return tk._("signed in without a role in its review")
    described = parts[0]
    for part in parts[1:]:
        described = tk._("{first} and {second}").format(first=described, second=part)
    return described


def may_see_people(user: model.User | None, dataset: dict[str, Any]) -> bool:
    """Whether ``user`` may read who acted in a review (user names), not only their roles.

    The portal's ``ckan.auth.public_user_details`` decides for everyone; when user details
    are not public, only those taking part in the dataset's review (its OPD, the walidata,
    its pembina data) see names.
    """
    if tk.config.get("ckan.auth.public_user_details"):
        return True
    return bool(roles_for(user, dataset))


def review_labels(state: State | None, data_group: str) -> list[str]:
    """Extra labels of a dataset under review: who besides its OPD may read it.

    The walidata keeps reading what it returned, to follow up its findings.
    """
    if state in REVIEW_STATES or state in (State.RATIFIED, State.RETURNED):
        labels = [WALIDATA_LABEL]
        if state == State.QA and data_group in QA_GROUPS:
            labels.append(f"pembina-{data_group}")
        return labels
    return []


def user_review_labels(user: model.User | None) -> list[str]:
    labels = [f"pembina-{group}" for group in pembina_groups(user)]
    if is_walidata(user):
        labels.append(WALIDATA_LABEL)
    return labels
