"""Actions of ckanext-walidata."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from .. import reference

SCHEMES = ("wilayah", "urusan")


@tk.side_effect_free
def walidata_reference_search(context: dict[str, Any], data_dict: dict[str, Any]
                              ) -> list[dict[str, Any]]:
    """Search the reference codes by code prefix or name (for autocomplete).

    :param q: the text typed, e.g. ``kupang`` or ``53.7``
    :param scheme: ``wilayah`` (default) or ``urusan``
    :param level: optional level (``provinsi``, ``kabupaten_kota``, ``kecamatan``,
        ``desa_kelurahan``; ``urusan``, ``bidang_urusan``)
    :param limit: at most this many (default 20, at most 100)
    :returns: list of ``{code, name, level, parent, label}``
    """
    tk.check_access("walidata_reference_search", context, data_dict)
    scheme = data_dict.get("scheme") or "wilayah"
    if scheme not in SCHEMES:
        raise tk.ValidationError({"scheme": [tk._("Unknown scheme; use one of: {schemes}").format(
            schemes=", ".join(SCHEMES))]})
    try:
        limit = min(max(int(data_dict.get("limit") or 20), 1), 100)
    except ValueError:
        raise tk.ValidationError({"limit": [tk._("Enter a whole number.")]}) from None
    try:
        return reference.search(str(data_dict.get("q") or ""), scheme,
                                level=data_dict.get("level") or None, limit=limit)
    except ValueError as error:
        raise tk.ValidationError({"level": [str(error)]}) from None


def get_actions() -> dict[str, Any]:
    return {"walidata_reference_search": walidata_reference_search}
