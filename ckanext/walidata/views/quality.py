"""Data quality web pages: re-run buttons, the walidata's justifications, the data dictionary.

Like the klinik pages, these only call the quality actions (which check access and decide)
and show whatever they refuse; the reports themselves are on CKAN's resource page, through
``validation.template_helpers``.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, request
from frictionless import Field
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError

from ..quality import columns
from ..validation import runner
from ..validation.template_helpers import has_schema, resource_url
from ..workflow.machine import N_
from .common import action_context, error_messages, flash_errors

quality = Blueprint("walidata_quality", __name__)

# Frictionless Table Schema types, with what an OPD calls them.
TYPES: dict[str, str] = {
    "string": N_("Text"),
    "integer": N_("Whole number"),
    "number": N_("Decimal number"),
    "boolean": N_("Yes/no"),
    "date": N_("Date"),
    "time": N_("Time"),
    "datetime": N_("Date and time"),
    "year": N_("Year"),
    "yearmonth": N_("Year and month"),
    "duration": N_("Duration"),
    "geopoint": N_("Coordinate point"),
    "geojson": N_("GeoJSON geometry"),
    "object": N_("JSON object"),
    "array": N_("JSON list"),
    "list": N_("List of values"),
    "any": N_("Anything"),
}
# Types whose values can be bounded by a minimum and a maximum.
RANGE_TYPES = ("integer", "number", "date", "time", "datetime", "year", "yearmonth",
               "duration")

# What ``walidata:role`` tells the Satu Data checks about a column (empty: guessed from
# the column name).
ROLES: dict[str, str] = {
    "region": N_("Region code (Kemendagri)"),
    "urusan": N_("Government affairs code (urusan)"),
    "period": N_("Period (year, month, date)"),
    "count": N_("Count (never negative)"),
    "percent": N_("Percentage (0–100)"),
    "total": N_("Total of other columns"),
    "key": N_("Key or category"),
    "measure": N_("Other measure"),
    "ignore": N_("Ignore in the checks"),
}
assert set(ROLES) == set(columns.ROLES), "every role of the checks needs a label"

TEXT_PROPERTIES = ("title", "description", "satuan")





def _dataset(id: str) -> dict[str, Any]:
    """The dataset as the user may read it; 404 otherwise (as CKAN's dataset page)."""
    try:
        return tk.get_action("package_show")(action_context(), {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(404, tk._("Dataset not found"))


def _dataset_and_resource(id: str, resource_id: str
                          ) -> tuple[dict[str, Any], dict[str, Any]]:
    dataset = _dataset(id)
    resource = next((r for r in dataset.get("resources") or [] if r["id"] == resource_id),
                    None)
    if resource is None:
        return tk.abort(404, tk._("Resource not found"))
    return dataset, resource


def dataset_url(dataset: dict[str, Any], anchor: str = "") -> str:
    try:
        url = tk.h.url_for(f"{dataset['type']}.read", id=dataset["name"])
    except BuildError:  # a type without its own blueprint
        url = tk.h.url_for("dataset.read", id=dataset["name"])
    return f"{url}#{anchor}" if anchor else url


def _refusal(error: tk.NotAuthorized, fallback: str) -> str:
    return str(error) if str(error) else fallback


# --- buttons ---------------------------------------------------------------------------


@quality.route("/dataset/<id>/resource/<resource_id>/periksa", methods=["POST"])
def run_resource(id: str, resource_id: str) -> Any:
    """Check one table again, in the background; its page shows the progress."""
    dataset, resource = _dataset_and_resource(id, resource_id)
    _queue_checks("resource_validation_run", {"resource_id": resource["id"]},
                  tk._("The check is queued; this page shows its progress."))
    return tk.redirect_to(resource_url(dataset, resource["id"], "walidata-quality"))


@quality.route("/dataset/<id>/pemeriksaan", methods=["POST"])
def run_dataset(id: str) -> Any:
    """The review's one button: check every table of the dataset again."""
    dataset = _dataset(id)
    _queue_checks("walidata_quality_run", {"id": dataset["id"]},
                  tk._("The checks of every table are queued."))
    return tk.redirect_to(dataset_url(dataset, "walidata-checks"))


def _queue_checks(action: str, data_dict: dict[str, Any], done: str) -> None:
    """Run a check action as the user; refusals are a 403, invalid input a flash."""
    try:
        tk.get_action(action)(action_context(), data_dict)
    except tk.NotAuthorized as error:
        tk.abort(403, _refusal(error, tk._(
            "Only the dataset's OPD, the walidata and the pembina data run its checks.")))
    except tk.ValidationError as error:
        flash_errors(error.error_dict)
    else:
        tk.h.flash_success(done)


@quality.route("/dataset/<id>/pemeriksaan/justifikasi", methods=["POST"])
def justify(id: str) -> Any:
    """The walidata accepts a warning in writing; the action checks that it is one."""
    dataset = _dataset(id)
    try:
        tk.get_action("walidata_quality_justify")(action_context(), {
            "id": dataset["id"], "resource_id": request.form.get("resource_id", ""),
            "error_type": request.form.get("error_type", ""),
            "justification": request.form.get("justification", "")})
    except tk.NotAuthorized as error:
        return tk.abort(403, _refusal(error, tk._("Only the walidata justifies a warning.")))
    except tk.ValidationError as error:
        flash_errors(error.error_dict)
    else:
        tk.h.flash_success(tk._("The justification is recorded."))
    return tk.redirect_to(dataset_url(dataset, "walidata-checks"))


# --- the data dictionary -------------------------------------------------------------------


def _edit_refusal(dataset: dict[str, Any], resource: dict[str, Any]) -> str | None:
    """Why the user may not edit this dictionary (the dataset's own reason first)."""
    for action, data_dict in (("package_update", {"id": dataset["id"]}),
                              ("resource_update", {"id": resource["id"]})):
        try:
            tk.check_access(action, action_context(), data_dict)
        except tk.NotAuthorized as error:
            return _refusal(error, tk._("You may not edit this resource."))
    return None


def _shown(value: Any) -> str:
    """A stored bound as typed: 100, not 100.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _detected_roles(schema: dict[str, Any], unit: str) -> dict[str, str]:
    """The role the checks would guess for each column without ``walidata:role``."""
    unset = {"fields": [{k: v for k, v in f.items() if k not in (columns.ROLE, columns.PARTS)}
                        for f in schema.get("fields") or []]}
    found = columns.detect(unset, unit=unit)
    roles: dict[str, str] = {}
    for role, names in (("region", found.region), ("urusan", found.urusan),
                        ("period", found.period), ("total", tuple(found.totals)),
                        ("percent", found.percents), ("count", found.counts),
                        ("key", found.keys), ("measure", found.measures)):
        for name in names:
            roles.setdefault(name, role)
    return roles


def _rows(schema: dict[str, Any], unit: str) -> list[dict[str, Any]]:
    """The form's rows from a stored Table Schema."""
    detected = _detected_roles(schema, unit)
    rows = []
    for field in schema.get("fields") or []:
        constraints = field.get("constraints") or {}
        rows.append({
            "name": field.get("name", ""),
            **{key: str(field.get(key) or "") for key in TEXT_PROPERTIES},
            "type": field.get("type") or "any",
            "minimum": _shown(constraints.get("minimum")),
            "maximum": _shown(constraints.get("maximum")),
            "required": bool(constraints.get("required")),
            "role": str(field.get(columns.ROLE) or ""),
            "detected": detected.get(field.get("name", ""), ""),
        })
    return rows


def _posted_rows(form: MultiDict, schema: dict[str, Any], unit: str) -> list[dict[str, Any]]:
    rows = _rows(schema, unit)
    for index, row in enumerate(rows):
        prefix = f"fields-{index}-"
        for key in (*TEXT_PROPERTIES, "type", "minimum", "maximum", "role"):
            row[key] = form.get(prefix + key, "").strip()
        row["required"] = bool(form.get(prefix + "required"))
    return rows


def _bound(text: str, field: dict[str, Any]) -> tuple[Any, Any, str | None]:
    """(stored value, comparable value, error) of a typed minimum or maximum."""
    if not text:
        return None, None, None
    kind = field.get("type") or "any"
    if kind not in RANGE_TYPES:
        return None, None, tk._("A minimum or maximum needs a number, date or time type.")
    reader = {k: v for k, v in field.items() if k != "constraints"}
    candidates = [text]
    if kind == "number" and "," in text and "." not in text:
        candidates.append(text.replace(",", "."))  # 12,5 as written in Indonesian
    for candidate in candidates:
        try:
            value, notes = Field.from_descriptor(reader).read_cell(candidate)
        except Exception:  # noqa: BLE001 - a field frictionless cannot read: say so below
            value, notes = None, {"type": "unreadable"}
        if not notes and value is not None:
            if isinstance(value, Decimal):
                stored: Any = int(value) if value == value.to_integral_value() else float(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                stored = value
            else:
                stored = candidate
            return stored, value, None
    return None, None, tk._('"{value}" is not a value of type {type}.').format(
        value=text, type=tk._(TYPES.get(kind, kind)))


def _apply(schema: dict[str, Any], rows: list[dict[str, Any]]
           ) -> tuple[dict[str, Any], dict[int, dict[str, str]]]:
    """The edited Table Schema and the errors per row and input; other properties kept."""
    edited = copy.deepcopy(schema)
    errors: dict[int, dict[str, str]] = {}
    for index, (field, row) in enumerate(zip(edited["fields"], rows, strict=True)):
        problems: dict[str, str] = {}
        for key in TEXT_PROPERTIES:
            if row[key]:
                field[key] = row[key]
            else:
                field.pop(key, None)
        if row["type"] not in TYPES and row["type"] != field.get("type"):
            problems["type"] = tk._("Choose one of the listed types.")
        elif row["type"] != field.get("type"):
            field["type"] = row["type"]
            field.pop("format", None)  # a date format means nothing to a number
        if row["role"] and row["role"] not in ROLES and row["role"] != field.get(columns.ROLE):
            problems["role"] = tk._("Choose one of the listed roles.")
        elif row["role"]:
            field[columns.ROLE] = row["role"]
        else:
            field.pop(columns.ROLE, None)
        constraints = dict(field.get("constraints") or {})
        if row["required"]:
            constraints["required"] = True
        else:
            constraints.pop("required", None)
        bounds = {}
        for key in ("minimum", "maximum"):
            stored, comparable, problem = _bound(row[key], field)
            if problem:
                problems[key] = problem
            elif stored is None:
                constraints.pop(key, None)
            else:
                constraints[key] = stored
                bounds[key] = comparable
        if len(bounds) == 2:
            try:
                if bounds["minimum"] > bounds["maximum"]:
                    problems["maximum"] = tk._("The maximum is below the minimum.")
            except TypeError:  # durations do not compare; frictionless checks them
                pass
        if constraints:
            field["constraints"] = constraints
        else:
            field.pop("constraints", None)
        if problems:
            errors[index] = problems
    return edited, errors


@quality.route("/dataset/<id>/resource/<resource_id>/kamus-data", methods=["GET", "POST"])
def data_dictionary(id: str, resource_id: str) -> Any:
    """The data dictionary of a table: what each column is, for the checks and the users.

    Saving patches the resource's ``schema``, which makes a new version for the checks:
    the file is checked again with the edited dictionary.
    """
    dataset, resource = _dataset_and_resource(id, resource_id)
    refusal = _edit_refusal(dataset, resource)
    if refusal:
        return tk.abort(403, refusal)
    schema = runner.table_schema(resource) if has_schema(resource) else None
    unit = str(resource.get("satuan") or dataset.get("satuan") or "")
    rows = _rows(schema, unit) if schema else []
    errors: dict[int, dict[str, str]] = {}
    error_summary: list[str] = []
    if request.method == "POST" and schema:
        posted = [request.form.get(f"fields-{i}-name") for i in range(len(rows))]
        if posted != [row["name"] for row in rows] or request.form.get(
                f"fields-{len(rows)}-name") is not None:
            error_summary = [tk._("The columns changed since this page was opened (a new file "
                                  "was checked); here is the current data dictionary.")]
        else:
            rows = _posted_rows(request.form, schema, unit)
            edited, errors = _apply(schema, rows)
            if errors:
                error_summary = [tk._("Column {name}: {message}").format(
                    name=rows[index]["name"], message=message)
                    for index, problems in sorted(errors.items())
                    for message in problems.values()]
            elif edited == schema:
                tk.h.flash_notice(tk._("Nothing changed in the data dictionary."))
                return tk.redirect_to(resource_url(dataset, resource["id"], "walidata-quality"))
            else:
                try:
                    tk.get_action("resource_patch")(action_context(), {
                        "id": resource["id"],
                        "schema": json.dumps(edited, ensure_ascii=False)})
                except tk.NotAuthorized as error:
                    return tk.abort(403, _refusal(error, tk._(
                        "You may not edit this resource.")))
                except tk.ValidationError as error:
                    error_summary = error_messages(error.error_dict)
                else:
                    tk.h.flash_success(tk._("The data dictionary is saved; the file is checked "
                                            "again with it."))
                    return tk.redirect_to(resource_url(dataset, resource["id"],
                                                       "walidata-quality"))
    status = None
    if runner.is_tabular(resource):
        from ..validation import store

        status = (store.get(resource["id"]) or {}).get("status")
    return tk.render("walidata/data_dictionary.html", extra_vars={
        "pkg_dict": dataset, "package": dataset, "resource": resource,
        "dataset_type": dataset["type"], "rows": rows, "errors": errors,
        "error_summary": error_summary, "tabular": runner.is_tabular(resource),
        "status": status,
        "types": [{"value": k, "label": tk._(v)} for k, v in TYPES.items()],
        "roles": [{"value": k, "label": tk._(v)} for k, v in ROLES.items()],
        "role_labels": {k: tk._(v) for k, v in ROLES.items()},
        "range_types": RANGE_TYPES,
        "may_run": _may_run(resource["id"]),
        "run_url": tk.h.url_for("walidata_quality.run_resource", id=dataset["name"],
                                resource_id=resource["id"]),
    })


def _may_run(resource_id: str) -> bool:
    try:
        tk.check_access("resource_validation_run", action_context(), {"resource_id": resource_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False
    return True
