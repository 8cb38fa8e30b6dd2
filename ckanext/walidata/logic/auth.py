"""Authorization of ckanext-walidata's actions."""

from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from .. import helpers
from ..workflow.machine import N_


@tk.auth_allow_anonymous_access
def walidata_reference_search(context: dict[str, Any], data_dict: dict[str, Any]
                              ) -> dict[str, bool]:
    """Reference codes are public master data."""
    return {"success": True}




def walidata_review_action(context: dict[str, Any], data_dict: dict[str, Any]
                           ) -> dict[str, bool]:
    """Any signed-in user may ask; the state machine decides by role and guards."""
    if not context.get("auth_user_obj") and not context.get("user"):
        return {"success": False, "msg": tk._("Sign in to take part in the review.")}
    return {"success": True}


@tk.auth_allow_anonymous_access
def walidata_review_show(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, bool]:
    """Whoever may read the dataset may read its review, anonymous readers of published
    data too (without user names, unless user details are public)."""
    tk.check_access("package_show", context, {"id": data_dict.get("id")})
    return {"success": True}


def walidata_review_list(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, Any]:
    """The queue is for the walidata and the pembina data."""
    from ..workflow import roles

    user = model.User.get(context.get("user") or "")
    if roles.is_walidata(user) or roles.pembina_groups(user):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only the walidata and the pembina data see the review queue; you are {actor}.").format(
            actor=roles.describe(user, {}))}


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def package_show(next_auth: Any, context: dict[str, Any], data_dict: dict[str, Any]
                 ) -> dict[str, Any]:
    """Reviewers read the private datasets under their review (by permission labels)."""
    result = next_auth(context, data_dict)
    if result.get("success"):
        return result
    from ckan.lib.plugins import get_permission_labels

    dataset = context.get("package") or model.Package.get(
        (data_dict or {}).get("id") or "")
    user = model.User.get(context.get("user") or "")
    if dataset is None or user is None:
        return result
    labels = get_permission_labels()
    if set(labels.get_dataset_labels(dataset)) & set(labels.get_user_dataset_labels(user)):
        return {"success": True}
    return result


# --- No way around the review ------------------------------------------------------------
#
# Every change an OPD makes to a dataset reaches CKAN's auth as package_create,
# package_update (package_patch, package_revise, the bulk page and the resource actions
# call it), package_delete or a resource's own check. Each one below asks the same
# question, ``refusal``: is this dataset closed to this user, and why in plain words.


def _locked_states() -> tuple:
    from ..workflow import machine

    # Under review what the reviewers checked must stay what they checked; published and
    # ratified data change only through a new review. Draft, returned and withdrawn
    # datasets are the OPD's to edit.
    return (*machine.REVIEW_STATES, machine.State.RATIFIED, machine.State.PUBLISHED)


def closed_type_refusal(dataset_type: str) -> str:
    """Why an OPD may not create or change a dataset of a type outside the review."""
    from ..workflow import roles

    return tk._(
        "Datasets of type {type} do not go through the Klinik Walidata, so only the walidata "
        "creates and changes them. Publish your data as a Satu Data dataset ({types}): the "
        "walidata reviews it and publishes it.").format(
            type=dataset_type, types=", ".join(roles.workflow_types()))


def lock_refusal(state: Any, doing: str) -> str:
    """Why nobody but the walidata changes a dataset in ``state``: who unlocks it, and how."""
    from ..workflow import machine

    label = helpers.language_text(machine.LABELS[state])
    if state == machine.State.PUBLISHED:
        return tk._(
            "You cannot {doing}: it is published ({state}), and published data change only "
            "through a new Klinik Walidata review. Prepare the next period on a revision "
            "copy (the Revise button), or ask the walidata to withdraw it.").format(
                doing=doing, state=label)
    if state == machine.State.RATIFIED:
        return tk._(
            "You cannot {doing}: it is ratified in a berita acara ({state}) and waits for "
            "publication. Only the walidata can unlock it, by withdrawing it with a "
            "reason; ask the walidata desk.").format(doing=doing, state=label)
    return tk._(
        "You cannot {doing}: it is under review in the Klinik Walidata ({state}), and what "
        "the reviewers check must not change under them. Only the walidata can unlock it, "
        "by returning it to your OPD with findings; ask the walidata desk if something "
        "must be fixed.").format(doing=doing, state=label)


def refusal(user: model.User | None, package: model.Package, doing: str) -> str | None:
    """Why ``user`` may not change ``package`` (``doing`` says how), or None when they may.

    The walidata (and sysadmins) keep their powers: they edit any dataset they may edit
    in CKAN, in any state. Anyone else edits only datasets of a reviewed type, and only
    while the dataset is the OPD's (draft, returned, withdrawn).
    """
    from ..workflow import roles, store

    if roles.is_walidata(user):
        return None
    if package.type not in roles.workflow_types():
        return closed_type_refusal(package.type)
    review = store.get(package.id)
    if review and review.state in _locked_states():
        return lock_refusal(review.state, doing)
    return None


def _user(context: dict[str, Any]) -> model.User | None:
    return model.User.get(context.get("user") or "")


def _created_type(data_dict: dict[str, Any] | None) -> str | None:
    """The type a package_create check is for: the call's, else the form's (its URL)."""
    from flask import has_request_context, request

    if data_dict and data_dict.get("type"):
        return data_dict["type"]
    if has_request_context() and request.view_args:
        return request.view_args.get("package_type")
    return None


@tk.chained_auth_function
def package_create(next_auth: Any, context: dict[str, Any], data_dict: dict[str, Any] | None
                   ) -> dict[str, Any]:
    """Types outside the review (the stock type unless reviewed, harvest sources, any
    other) are the walidata's: an OPD that could create one would publish it unreviewed."""
    from ..workflow import roles

    result = next_auth(context, data_dict)
    dataset_type = _created_type(data_dict)
    if (not result.get("success") or dataset_type is None
            or dataset_type in roles.workflow_types() or roles.is_walidata(_user(context))):
        return result
    return {"success": False, "msg": closed_type_refusal(dataset_type)}


@tk.chained_auth_function
def package_update(next_auth: Any, context: dict[str, Any], data_dict: dict[str, Any]
                   ) -> dict[str, Any]:
    """A dataset under review or published changes only through the review.

    Otherwise an edit would reach the public (or the berita acara) unverified. The OPD
    edits while the dataset is a draft or returned, and prepares the next period of a
    published one on a revision copy (or asks the walidata to withdraw it first).
    """
    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    package = _package_of_dataset(context, data_dict)
    reason = package and refusal(_user(context), package, tk._("edit this dataset"))
    return {"success": False, "msg": reason} if reason else result


def _package_of_dataset(context: dict[str, Any], data_dict: dict[str, Any] | None
                        ) -> model.Package | None:
    return context.get("package") or model.Package.get(str((data_dict or {}).get("id") or ""))


def _package_of_resource(context: dict[str, Any], data_dict: dict[str, Any] | None
                         ) -> model.Package | None:
    data_dict = data_dict or {}
    if data_dict.get("package_id"):
        return model.Package.get(str(data_dict["package_id"]))
    resource = model.Resource.get(str(data_dict.get("id") or ""))
    return model.Package.get(resource.package_id) if resource else None


def _explained(doing: str, package_of: Any) -> Any:
    """A chained auth that says why the dataset is locked for this change, if it is.

    CKAN's own checks of package_delete and of resources ask package_update but replace
    its reason with "not authorized" (or with the edit's); the reason given here names the
    change (``doing``). Only who could otherwise make the change learns it: nobody else
    learns the review state of a dataset they may not edit.
    """
    @tk.chained_auth_function
    def check(next_auth: Any, context: dict[str, Any], data_dict: dict[str, Any]
              ) -> dict[str, Any]:
        result = next_auth(context, data_dict)
        package, user = package_of(context, data_dict), _user(context)
        if package is None or user is None or not (
                result.get("success") or package.owner_org
                and authz.has_user_permission_for_group_or_org(
                    package.owner_org, user.name, "update_dataset")):
            return result
        reason = refusal(user, package, tk._(doing))
        return {"success": False, "msg": reason} if reason else result

    return check


def resource_validation_show(context: dict[str, Any], data_dict: dict[str, Any]
                             ) -> dict[str, bool]:
    """Whoever may read the resource may read its report."""
    tk.check_access("resource_show", context, {"id": data_dict.get("resource_id")})
    return {"success": True}


def _dataset_of_resource(data_dict: dict[str, Any]) -> dict[str, Any] | None:
    resource = model.Resource.get(str((data_dict or {}).get("resource_id") or ""))
    return {"id": resource.package_id} if resource else None


def _may_check(context: dict[str, Any], dataset_ref: dict[str, Any] | None
               ) -> dict[str, Any]:
    """The dataset's OPD and its reviewers (walidata, pembina data) run the checks."""
    from ..workflow import roles

    if dataset_ref is None:
        return {"success": False, "msg": tk._("Not found")}
    tk.check_access("package_show", context, dataset_ref)
    dataset = tk.get_action("package_show")({"ignore_auth": True}, dataset_ref)
    user = model.User.get(context.get("user") or "")
    if roles.roles_for(user, dataset):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only the dataset's OPD, the walidata and the pembina data run its checks.")}


def resource_validation_run(context: dict[str, Any], data_dict: dict[str, Any]
                            ) -> dict[str, Any]:
    return _may_check(context, _dataset_of_resource(data_dict))


def walidata_quality_run(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, Any]:
    return _may_check(context, {"id": (data_dict or {}).get("id")})


def walidata_quality_justify(context: dict[str, Any], data_dict: dict[str, Any]
                             ) -> dict[str, bool]:
    """Only the walidata accepts a warning, in writing."""
    from ..workflow import roles

    user = _user(context)
    if roles.is_walidata(user):
        return {"success": True}
    return {"success": False, "msg": tk._(
        "Only the walidata justifies a warning; you are {actor}.").format(
            actor=roles.describe(user, {}))}


WORKFLOW_VERBS = ("submit", "verify", "return", "qa_approve", "ratify", "publish", "withdraw")


def get_auth_functions() -> dict[str, Any]:
    functions: dict[str, Any] = {f"walidata_{verb}": walidata_review_action
                                 for verb in (*WORKFLOW_VERBS, "bulk", "revise")}
    functions.update(walidata_reference_search=walidata_reference_search,
                     walidata_review_show=walidata_review_show,
                     walidata_review_list=walidata_review_list, package_show=package_show,
                     package_create=package_create, package_update=package_update,
                     package_delete=_explained(N_("delete this dataset"), _package_of_dataset),
                     resource_create=_explained(N_("add a file to this dataset"),
                                                _package_of_resource),
                     resource_update=_explained(N_("change the files of this dataset"),
                                                _package_of_resource),
                     resource_delete=_explained(N_("remove a file from this dataset"),
                                                _package_of_resource),
                     resource_validation_show=resource_validation_show,
                     resource_validation_run=resource_validation_run,
                     resource_validation_delete=resource_validation_run,
                     walidata_quality_run=walidata_quality_run,
                     walidata_quality_show=walidata_review_show,
                     walidata_quality_justify=walidata_quality_justify)
    return functions
