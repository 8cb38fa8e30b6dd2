"""Reference parameters checked before anything reads them.

CKAN passes whatever JSON a client sent: an ``id`` that is a list or an object
reaches ``model.Package.get`` or a SQL comparison and ends as a 500 (in core CKAN's
own validators too). Every action of this package is wrapped so that such a
parameter is a 409 naming the field, before authorization or the action runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ckan.plugins.toolkit as tk

REFERENCE_KEYS = ("id", "resource_id", "package_id", "owner_org")
MAX_REFERENCE_LENGTH = 200


def _problem(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return tk._("Give one id or name, as text.")
    if len(value) > MAX_REFERENCE_LENGTH:
        return tk._("An id or name has at most {limit} characters.").format(
            limit=MAX_REFERENCE_LENGTH)
    return None


def checked_references(action: Callable[..., Any]) -> Callable[..., Any]:
    """``action`` refusing non-text or overlong ids with a ValidationError (409)."""

    @functools.wraps(action)
    def wrapper(*args: Any) -> Any:
        data_dict = args[-1]
        if isinstance(data_dict, dict):
            errors = {key: [problem] for key in REFERENCE_KEYS
                      if (problem := _problem(data_dict.get(key)))}
            if errors:
                raise tk.ValidationError(errors)
        return action(*args)

    return wrapper


def with_checked_references(actions: dict[str, Callable[..., Any]]
                            ) -> dict[str, Callable[..., Any]]:
    return {name: checked_references(action) for name, action in actions.items()}
