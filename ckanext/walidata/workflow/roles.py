"""Klinik Walidata roles mapped onto CKAN users, and the visibility labels they grant.

produsen data = editors and admins of the dataset's OPD organization;
walidata = members of the configured walidata organization, and sysadmins;
pembina data = the users configured for the dataset's data group.
"""

from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from .machine import QA_GROUPS, REVIEW_STATES, Role, State

WALIDATA_LABEL = "walidata-review"


def walidata_organization() -> str:
    return tk.config.get("ckanext.walidata.walidata_organization")


def pembina_users(data_group: str) -> list[str]:
    return list(tk.config.get(f"ckanext.walidata.pembina.{data_group}") or [])


def workflow_types() -> list[str]:
    return list(tk.config.get("ckanext.walidata.workflow.types") or [])


def is_walidata(user: model.User | None) -> bool:
    if not isinstance(user, model.User):  # None, or flask-login's anonymous user
        return False
    if user.sysadmin:
        return True
    group = model.Group.get(walidata_organization())
    return bool(group) and user.id in {
        m.table_id for m in model.Session.query(model.Member).filter(
            model.Member.group_id == group.id, model.Member.table_name == "user",
            model.Member.state == "active")}


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
