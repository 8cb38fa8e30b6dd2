"""package_search's parameter schema, without the crashes of CKAN's own.

CKAN 2.12 validates ``package_search`` before any plugin hook runs, and some
of its validators fail on input a client can send: a blank ``start`` or
``facet.mincount`` (``natural_number_validator`` compares None with 0), ``rows``
as a list (``limit_to_configured_maximum`` calls ``int`` on it), ``fl`` as a
number, or ``include_private=maybe`` (``asbool`` raises ValueError inside the
action). Each was an HTTP 500. :func:`bounded` keeps CKAN's schema and puts
validators in front that answer those with a validation error (HTTP 409, the
field named); an absent value still takes the default (rows 10, start 0). The backend installs it in
place of CKAN's schema function, next to its search classes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.common import asbool
from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey, Schema

FLAG_FIELDS = ("facet", "include_private", "include_drafts", "include_deleted",
               "use_default_schema")


def _absent(value: Any) -> bool:
    return value is missing or value is None


def _integer(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
             context: Context, natural: bool) -> None:
    value = data.get(key)
    if _absent(value):
        data.pop(key, None)  # the default applies
        raise StopOnError
    if isinstance(value, str) and not value.strip():
        errors[key].append(tk._("Must be a whole number, not blank"))
        raise StopOnError
    try:
        number = tk.get_validator("int_validator")(value, context)
    except Invalid as error:
        errors[key].append(error.error)
        raise StopOnError from None
    if natural and number < 0:
        errors[key].append(tk._("Must be a natural number"))
        raise StopOnError
    data[key] = number


def search_natural_number(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                          context: Context) -> None:
    """A whole number, at least 0 (absent: the default); blank or anything else is an error."""
    _integer(key, data, errors, context, natural=True)


def search_integer(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                   context: Context) -> None:
    """A whole number (facet.limit: negative means all); absent: the default."""
    _integer(key, data, errors, context, natural=False)


def search_flag(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict,
                context: Context) -> None:
    """true/false as ``asbool`` reads it; blank or absent: the default; else an error."""
    value = data.get(key)
    if _absent(value) or (isinstance(value, str) and not value.strip()):
        data.pop(key, None)
        raise StopOnError
    if isinstance(value, (list, dict)):
        errors[key].append(tk._("Must be true or false"))
        raise StopOnError
    try:
        data[key] = asbool(value)
    except ValueError:
        errors[key].append(tk._("Must be true or false"))
        raise StopOnError from None


def bounded(schema: Schema) -> Schema:
    """CKAN's package_search schema with these checks for the fields that crashed."""
    schema["rows"] = [search_natural_number, tk.get_validator("limit_to_configured_maximum")(
        "ckan.search.rows_max", 1000)]
    schema["start"] = [search_natural_number]
    schema["facet.mincount"] = [search_natural_number]
    schema["facet.limit"] = [search_integer]
    for name in FLAG_FIELDS:
        schema[name] = [search_flag]
    schema["fl"] = [tk.get_validator("ignore_missing"),
                    tk.get_validator("convert_to_list_if_string"),
                    tk.get_validator("list_of_strings")]
    return schema


def wrap(original: Callable[[], Schema]) -> Callable[[], Schema]:
    """CKAN's schema function, returning :func:`bounded` schemas."""

    @functools.wraps(original)
    def default_package_search_schema() -> Schema:
        return bounded(original())

    return default_package_search_schema
