"""Blueprints of ckanext-walidata."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint, jsonify, request

reference_bp = Blueprint("walidata_reference", __name__)


@reference_bp.route("/api/walidata/reference/<scheme>/autocomplete")
def reference_autocomplete(scheme: str):
    """Codes for CKAN's autocomplete form module (``ResultSet.Result`` with code and label)."""
    try:
        found = tk.get_action("walidata_reference_search")(
            {}, {"q": request.args.get("incomplete", ""), "scheme": scheme,
                 "limit": request.args.get("limit", 20)})
    except tk.ValidationError as error:
        return jsonify({"error": error.error_dict}), 400
    return jsonify({"ResultSet": {"Result": found}})


def get_blueprints() -> list[Blueprint]:
    from .klinik import klinik
    from .quality import quality

    return [reference_bp, klinik, quality]
