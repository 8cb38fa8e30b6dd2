"""Actions of the data quality checks.

``resource_validation_run``, ``resource_validation_show`` and ``resource_validation_delete``
keep ckanext-validation's contract, so its clients work against this portal; the
``walidata_quality_*`` actions serve the review (a dataset's checks at once, justifications).
"""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ..validation import review, runner, store
from .params import with_checked_references


def _resource_and_dataset(context: dict[str, Any], resource_id: str
                          ) -> tuple[dict[str, Any], dict[str, Any]]:
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    dataset = tk.get_action("package_show")({"ignore_auth": True},
                                            {"id": resource["package_id"]})
    return dataset, next(r for r in dataset["resources"] if r["id"] == resource["id"])


def _as_validation(row: dict[str, Any], with_report: bool) -> dict[str, Any]:
    shown = {"id": row["run_id"], "resource_id": row["resource_id"], "status": row["status"],
             "created": row["created"], "finished": row["finished"], "error": row["error"],
             "summary": row["summary"], "progress": review.progress_of(row),
             "attempts": row["attempts"]}
    if with_report:
        shown["report"] = row["report"]
    return shown


@tk.side_effect_free
def resource_validation_show(context: dict[str, Any], data_dict: dict[str, Any]
                             ) -> dict[str, Any]:
    """The latest validation of a resource (ckanext-validation's contract).

    :param resource_id: the resource
    :returns: ``{id, resource_id, status, created, finished, error, report, summary,
        progress, attempts}``; ``status`` is created, running, success, failure or error;
        ``report`` is the frictionless Report
    """
    resource_id = tk.get_or_bust(data_dict, "resource_id")
    tk.check_access("resource_validation_show", context, data_dict)
    row = store.get(resource_id, with_report=True)
    if row is None:
        raise tk.ObjectNotFound(tk._("No validation report exists for this resource."))
    return _as_validation(row, with_report=True)


def _request_bytes() -> int:
    """The largest file a web request checks itself (``sync_max_mb``)."""
    return tk.config.get("ckanext.walidata.quality.sync_max_mb") * 1024 * 1024


def resource_validation_run(context: dict[str, Any], data_dict: dict[str, Any]
                            ) -> dict[str, Any]:
    """Validate a CSV/XLSX resource again, in the background (default) or at once.

    A big file is never checked inside a web request: with ``async: false`` a file larger
    than ``ckanext.walidata.quality.sync_max_mb`` (an XLSX also unpacked), or a link that
    does not download within ``fetch_timeout``, is queued for the worker as with
    ``async: true``, and the run comes back ``created`` rather than finished.

    :param resource_id: the resource
    :param async: false to validate in this request and return the finished run (small
        files only, see above)
    :returns: the validation (see ``resource_validation_show``, without the report)
    """
    resource_id = tk.get_or_bust(data_dict, "resource_id")
    tk.check_access("resource_validation_run", context, data_dict)
    dataset, resource = _resource_and_dataset(context, resource_id)
    if not runner.is_tabular(resource):
        raise tk.ValidationError({"format": [tk._(
            "Only CSV and XLSX resources are checked; this one is {format}.").format(
                format=resource.get("format") or "?")]})
    user = context.get("user")
    if tk.asbool(data_dict.get("async", True)):
        runner.requeue_abandoned()
        runner.schedule(dict(dataset, resources=[resource]), user, force=True)
        model.repo.commit()
    else:
        runner.run_now(dataset, resource, user, max_bytes=_request_bytes())
    row = store.get(resource_id)
    assert row is not None
    return _as_validation(row, with_report=False)


def resource_validation_delete(context: dict[str, Any], data_dict: dict[str, Any]
                               ) -> None:
    """Forget a resource's validation (ckanext-validation's contract).

    :param resource_id: the resource
    """
    resource_id = tk.get_or_bust(data_dict, "resource_id")
    tk.check_access("resource_validation_delete", context, data_dict)
    if not store.delete(resource_id):
        raise tk.ObjectNotFound(tk._("No validation report exists for this resource."))
    model.repo.commit()


@tk.side_effect_free
def walidata_quality_show(context: dict[str, Any], data_dict: dict[str, Any]
                          ) -> dict[str, Any]:
    """A dataset's checks as the review reads them.

    :param id: dataset id or name
    :returns: ``{package_id, status, errors, warnings, blocking: [...], resources: [{
        resource_id, name, status, current, errors, warnings, rows, types, open_warnings,
        justifications, finished, error, progress}]}``
    """
    tk.check_access("walidata_quality_show", context, data_dict)
    dataset = tk.get_action("package_show")(dict(context), {"id": tk.get_or_bust(data_dict,
                                                                                  "id")})
    return review.dataset_quality(dataset)


def walidata_quality_run(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, Any]:
    """Run all checks of a dataset again: the review's one button.

    :param id: dataset id or name
    :param async: false to run them in this request; a file larger than
        ``ckanext.walidata.quality.sync_max_mb`` is queued for the worker instead (see
        ``resource_validation_run``)
    :returns: the dataset's checks (see ``walidata_quality_show``)
    """
    tk.check_access("walidata_quality_run", context, data_dict)
    dataset = tk.get_action("package_show")({"ignore_auth": True},
                                            {"id": tk.get_or_bust(data_dict, "id")})
    user = context.get("user")
    if tk.asbool(data_dict.get("async", True)):
        runner.requeue_abandoned()
        runner.schedule(dataset, user, force=True)
        model.repo.commit()
    else:
        for resource in dataset.get("resources") or []:
            if runner.is_tabular(resource):
                runner.run_now(dataset, resource, user, max_bytes=_request_bytes())
    return review.dataset_quality(
        tk.get_action("package_show")({"ignore_auth": True}, {"id": dataset["id"]}))


def walidata_quality_justify(context: dict[str, Any], data_dict: dict[str, Any]
                             ) -> dict[str, Any]:
    """The walidata's written reason to accept a warning of the current file.

    :param id: dataset id or name
    :param resource_id: the resource whose report has the warning
    :param error_type: the warning's type, e.g. ``satudata-copied-forward``
    :param justification: the reason (required)
    :returns: the dataset's checks (see ``walidata_quality_show``)
    """
    tk.check_access("walidata_quality_justify", context, data_dict)
    dataset = tk.get_action("package_show")(dict(context), {"id": tk.get_or_bust(data_dict,
                                                                                  "id")})
    resource_id, error_type = tk.get_or_bust(data_dict, ["resource_id", "error_type"])
    text = str(data_dict.get("justification") or "").strip()
    if not text:
        raise tk.ValidationError({"justification": [tk._(
            "Write why this warning may be accepted.")]})
    item = next((i for i in review.dataset_quality(dataset)["resources"]
                 if i["resource_id"] == resource_id), None)
    if item is None or error_type not in item["types"]:
        raise tk.ValidationError({"error_type": [tk._(
            "The current report of this resource has no finding of that type.")]})
    if item["types"][error_type]["severity"] != "warning":
        raise tk.ValidationError({"error_type": [tk._(
            "Errors cannot be justified; they must be fixed in the file.")]})
    row = store.get(resource_id)
    assert row is not None
    store.justify(resource_id, row["fingerprint"], error_type, dataset["id"], text,
                  context.get("user") or "")
    model.repo.commit()
    return review.dataset_quality(dataset)


def get_actions() -> dict[str, Any]:
    return with_checked_references({f.__name__: f for f in (
        resource_validation_show, resource_validation_run, resource_validation_delete,
        walidata_quality_show, walidata_quality_run, walidata_quality_justify)})
