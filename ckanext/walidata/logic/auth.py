"""Authorization of ckanext-walidata's actions."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from .. import helpers


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


def walidata_review_show(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, bool]:
    """Whoever may read the dataset may read its review."""
    tk.check_access("package_show", context, {"id": data_dict.get("id")})
    return {"success": True}


def walidata_review_list(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, bool]:
    """The queue is for the walidata and the pembina data."""
    from ..workflow import roles

    user = model.User.get(context.get("user") or "")
    if roles.is_walidata(user) or roles.pembina_groups(user):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the walidata and pembina data see the queue.")}


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


def _locked_states() -> tuple:
    from ..workflow import machine

    # Under review what the reviewers checked must stay what they checked; published and
    # ratified data change only through a new review. Draft, returned and withdrawn
    # datasets are the OPD's to edit.
    return (*machine.REVIEW_STATES, machine.State.RATIFIED, machine.State.PUBLISHED)


@tk.chained_auth_function
def package_update(next_auth: Any, context: dict[str, Any], data_dict: dict[str, Any]
                   ) -> dict[str, Any]:
    """A dataset under review or published changes only through the review.

    Otherwise an edit would reach the public (or the berita acara) unverified. The OPD
    edits while the dataset is a draft or returned, and publishes the next period as a
    new dataset (or asks the walidata to withdraw this one first).
    """
    from ..workflow import machine, roles, store

    result = next_auth(context, data_dict)
    if not result.get("success"):
        return result
    dataset = context.get("package") or model.Package.get((data_dict or {}).get("id") or "")
    if dataset is None or dataset.type not in roles.workflow_types():
        return result
    review = store.get(dataset.id)
    user = model.User.get(context.get("user") or "")
    if review and review.state in _locked_states() and not roles.is_walidata(user):
        return {"success": False, "msg": tk._(
            "This dataset is {state}: it changes only through the Klinik Walidata. Publish the "
            "next period as a new dataset, or ask the walidata to withdraw this one.").format(
                state=helpers.language_text(machine.LABELS[review.state]))}
    return result


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

    if roles.is_walidata(model.User.get(context.get("user") or "")):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the walidata justifies a warning.")}


WORKFLOW_VERBS = ("submit", "verify", "return", "qa_approve", "ratify", "publish", "withdraw")


def get_auth_functions() -> dict[str, Any]:
    functions: dict[str, Any] = {f"walidata_{verb}": walidata_review_action
                                 for verb in (*WORKFLOW_VERBS, "bulk", "revise")}
    functions.update(walidata_reference_search=walidata_reference_search,
                     walidata_review_show=walidata_review_show,
                     walidata_review_list=walidata_review_list, package_show=package_show,
                     package_update=package_update,
                     resource_validation_show=resource_validation_show,
                     resource_validation_run=resource_validation_run,
                     resource_validation_delete=resource_validation_run,
                     walidata_quality_run=walidata_quality_run,
                     walidata_quality_show=walidata_review_show,
                     walidata_quality_justify=walidata_quality_justify)
    return functions
