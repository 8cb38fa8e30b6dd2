"""Authorization of ckanext-walidata's actions."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def walidata_reference_search(context: dict[str, Any], data_dict: dict[str, Any]
                              ) -> dict[str, bool]:
    """Reference codes are public master data."""
    return {"success": True}


def get_auth_functions() -> dict[str, Any]:
    return {"walidata_reference_search": walidata_reference_search}
