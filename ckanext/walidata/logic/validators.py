"""Validators of the Satu Data schemas; messages say what is wrong and what to do."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid, missing

from .. import reference

EPSG_RE = re.compile(r"^(EPSG:)?(\d{4,5})$", re.I)
MIN_YEAR, MAX_YEAR = 1945, 2100


def _is_empty(value: Any) -> bool:
    return value is missing or value is None or value == ""


def walidata_kode_wilayah(value: Any, context: dict[str, Any]) -> Any:
    """A Kemendagri region code that exists (``5371`` is accepted as ``53.71``)."""
    return _reference_code(value, "wilayah", None)


def walidata_kode_urusan(value: Any, context: dict[str, Any]) -> Any:
    """A bidang urusan of Permendagri 90/2019 (e.g. ``1.02``)."""
    return _reference_code(value, "urusan", {"bidang_urusan"})


def _reference_code(value: Any, scheme: str, levels: set[str] | None) -> Any:
    if _is_empty(value):
        return value
    code = reference.normalise_code(value, scheme)
    error = reference.validate_code(code, scheme, levels)
    if error:
        raise Invalid(error)
    return code


def walidata_period_end(key: tuple, data: dict[tuple, Any], errors: dict[tuple, list],
                        context: dict[str, Any]) -> None:
    """The period cannot end before it starts."""
    end = _as_date(data.get(key))
    start = _as_date(data.get(key[:-1] + ("periode_mulai",)))
    if start and end and end < start:
        errors[key].append(tk._(
            "The period ends before it starts ({start}); check both dates.").format(
                start=start.isoformat()))


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def walidata_year(value: Any, context: dict[str, Any]) -> Any:
    """A four-digit year between 1945 and 2100."""
    if _is_empty(value):
        return value
    try:
        year = int(str(value).strip())
    except ValueError:
        raise Invalid(tk._("Enter a year as four digits, e.g. 2024.")) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(tk._("The year must be between {low} and {high}.").format(
            low=MIN_YEAR, high=MAX_YEAR))
    return str(year)


def walidata_epsg(value: Any, context: dict[str, Any]) -> Any:
    """An EPSG code such as 4326 or EPSG:23833, stored as digits."""
    if _is_empty(value):
        return value
    match = EPSG_RE.match(str(value).strip())
    if not match or not 1024 <= int(match.group(2)) <= 32767:
        raise Invalid(tk._("Enter an EPSG code such as 4326 (WGS 84) or 23833 (DGN95 / UTM)."))
    return match.group(2)


def walidata_private_until_published(key: tuple, data: dict[tuple, Any],
                                     errors: dict[tuple, list], context: dict[str, Any]
                                     ) -> None:
    """Citizens never see unapproved data: a reviewed dataset is public exactly when published.

    Publishing and withdrawing are the walidata's review actions; no form or API call
    sets the visibility of a reviewed dataset.
    """
    from ..workflow import store

    # Only the dataset being updated counts (CKAN puts it in the context); never a lookup
    # by the submitted id or name, which a new dataset could set to a published one's.
    package = context.get("package")
    data[("private",)] = package is None or not store.published(package.id)


def walidata_table_schema(value: Any, context: dict[str, Any]) -> Any:
    """A resource's data dictionary: a Frictionless Table Schema, kept as JSON text."""
    import json

    from frictionless import Schema

    if _is_empty(value):
        return value
    try:
        descriptor = json.loads(value) if isinstance(value, str) else value
    except ValueError as error:
        raise Invalid(tk._("The data dictionary is not valid JSON: {error}").format(
            error=error)) from None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list):
        raise Invalid(tk._('The data dictionary needs a list of "fields".'))
    problems = Schema.validate_descriptor(descriptor).errors
    if problems:
        raise Invalid(tk._("The data dictionary is not a valid Table Schema: {error}").format(
            error="; ".join(problem.note for problem in problems[:3])))
    return json.dumps(descriptor, ensure_ascii=False)


def walidata_dataset_name(value: Any, context: dict[str, Any]) -> Any:
    """Another dataset of the portal, stored by name (e.g. the previous period)."""
    if _is_empty(value):
        return value
    name = str(value).strip().rstrip("/").rsplit("/", 1)[-1]
    package = context["model"].Package.get(name)
    if package is None or package.state != "active":
        raise Invalid(tk._('There is no dataset "{name}" on this portal.').format(name=name))
    return package.name


def get_validators() -> dict[str, Any]:
    return {f.__name__: f for f in (walidata_kode_wilayah, walidata_kode_urusan,
                                    walidata_period_end, walidata_year, walidata_epsg,
                                    walidata_private_until_published, walidata_table_schema,
                                    walidata_dataset_name)}
