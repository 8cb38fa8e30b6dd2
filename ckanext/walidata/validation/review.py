"""The review's view of the checks: per resource, what is open, justified or blocking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ckan.plugins.toolkit as tk

from .. import helpers
from . import runner, store


def progress_of(row: Mapping[str, Any]) -> dict[str, Any]:
    total = int(row.get("bytes_total") or 0)
    done = int(row.get("bytes_done") or 0)
    return {"rows": int(row.get("rows_done") or 0), "bytes": done, "total_bytes": total,
            "percent": round(100 * done / total) if total else None}


def resource_quality(resource: Mapping[str, Any], row: Mapping[str, Any] | None,
                     justified: Mapping[tuple[str, str, str], Mapping[str, Any]]
                     ) -> dict[str, Any]:
    """One resource: status, counts, open warnings, and whether the row is current."""
    current = bool(row) and row["fingerprint"] == store.fingerprint(resource)
    summary = (row or {}).get("summary") or {}
    warnings, justifications = [], {}
    for error_type, group in (summary.get("types") or {}).items():
        if group.get("severity") != "warning":
            continue
        key = (resource["id"], (row or {}).get("fingerprint"), error_type)
        if key in justified:
            justifications[error_type] = dict(justified[key])
        else:
            warnings.append(error_type)
    return {
        "resource_id": resource["id"], "name": resource.get("name") or resource["id"],
        "status": row["status"] if row else None, "current": current,
        "errors": int(summary.get("errors") or 0), "warnings": int(summary.get("warnings") or 0),
        "rows": int(summary.get("rows") or 0), "types": summary.get("types") or {},
        "open_warnings": warnings, "justifications": justifications,
        "finished": (row or {}).get("finished"), "error": (row or {}).get("error"),
        "progress": progress_of(row) if row else None,
    }


def blocking_reasons(item: Mapping[str, Any]) -> list[str]:
    """Why this resource's checks stop the review now (translated, for the guard)."""
    name, status = item["name"], item["status"]
    if status is None or not item["current"]:
        return [tk._("{name}: not checked yet").format(name=name)]
    if status in ("created", "running"):
        return [tk._("{name}: checks still running").format(name=name)]
    if status == "error":
        return [tk._("{name}: the file could not be checked").format(name=name)]
    reasons = []
    if item["errors"]:
        reasons.append(tk._("{name}: {count} errors").format(name=name, count=item["errors"]))
    if item["open_warnings"]:
        titles = [helpers.language_text({"id": item["types"][t].get("title_id"),
                                         "en": item["types"][t].get("title")}) or t
                  for t in item["open_warnings"]]
        reasons.append(tk._("{name}: warnings without a justification ({types})").format(
            name=name, types=", ".join(titles)))
    return reasons


def dataset_quality(dataset: Mapping[str, Any]) -> dict[str, Any]:
    """Every tabular resource's checks, the dataset's worst status and what blocks."""
    rows = {row["resource_id"]: row for row in
            store.for_packages([dataset["id"]])[dataset["id"]]}
    justified = store.justifications(dataset["id"])
    resources = [resource_quality(resource, rows.get(resource["id"]), justified)
                 for resource in dataset.get("resources") or [] if runner.is_tabular(resource)]
    blocking = [reason for item in resources for reason in blocking_reasons(item)]
    return {
        "package_id": dataset["id"],
        "status": runner.dataset_status([r for r in rows.values()
                                         if r["resource_id"] in {i["resource_id"]
                                                                 for i in resources}]),
        "errors": sum(item["errors"] for item in resources),
        "warnings": sum(item["warnings"] for item in resources),
        "resources": resources, "blocking": blocking,
    }


def add_resource_status(dataset: dict[str, Any]) -> None:
    """Set ``validation_status`` and ``validation_timestamp`` on each resource shown."""
    resources = dataset.get("resources") or []
    if not resources or not dataset.get("id"):
        return
    rows = {row["resource_id"]: row for row in
            store.for_packages([dataset["id"]])[dataset["id"]]}
    for resource in resources:
        row = rows.get(resource.get("id"))
        resource["validation_status"] = row["status"] if row else None
        resource["validation_timestamp"] = (row["finished"] or row["created"]) if row else None


def queue_checks(package_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Status and counts per dataset for the review queue (one query for the page)."""
    found = {}
    for package_id, rows in store.for_packages(package_ids).items():
        if not rows:
            continue
        summaries = [row.get("summary") or {} for row in rows]
        found[package_id] = {
            "status": runner.dataset_status(rows),
            "errors": sum(int(s.get("errors") or 0) for s in summaries),
            "warnings": sum(int(s.get("warnings") or 0) for s in summaries)}
    return found
