"""What the blueprints share: the signed-in user, the action context, error messages."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk


def current_user() -> model.User | None:
    name = tk.current_user.name if tk.current_user.is_authenticated else ""
    return model.User.get(name) if name else None


def action_context() -> dict[str, Any]:
    """A fresh context for one action call as the signed-in user (actions mutate it)."""
    user = current_user()
    return {"user": user.name if user else "", "auth_user_obj": user}


def error_messages(error_dict: dict[str, Any]) -> list[str]:
    """Every message of a ValidationError's dict (nested ones too), in order."""
    found: list[str] = []
    for value in error_dict.values():
        for message in value if isinstance(value, list) else [value]:
            if isinstance(message, dict):
                found += error_messages(message)
            elif message:
                found.append(str(message))
    return found


def flash_errors(error_dict: dict[str, Any]) -> None:
    for message in error_messages(error_dict):
        tk.h.flash_error(message)
