"""Template helpers of ckanext-walidata."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import has_request_context

from ckanext.scheming.helpers import scheming_get_dataset_schema

from . import completeness, reference


def walidata_completeness(dataset: dict[str, Any]) -> completeness.Completeness:
    """The completeness score of a dataset, with what is missing."""
    return completeness.measure(dataset, dataset_schema(dataset.get("type", "dataset")),
                                is_reference_code, review_signatures(dataset.get("id")))


# The review steps that sign a dataset, by role: the walidata passes verification or
# ratifies, the pembina data approves the quality.
SIGNING_STEPS = {"walidata": ("verify", "ratify"), "pembina": ("qa_approve",)}


def review_signatures(package_id: str | None) -> frozenset[str]:
    """The roles that signed the current round of a dataset's review.

    Each submission opens a round, and a returned or withdrawn dataset is signed by
    nobody: what was signed before goes through the review again. The first
    ``verify`` only takes a submission up; passing verification signs.
    """
    from .workflow import store
    from .workflow.machine import State

    review = store.get(package_id) if package_id else None
    if review is None or review.state in (State.RETURNED, State.WITHDRAWN):
        return frozenset()
    return frozenset(
        role for event in store.events(package_id) if event["round"] == review.round
        and not (event["action"] == "verify" and event["to_state"] == "verifying")
        for role, steps in SIGNING_STEPS.items()
        if event["action"] in steps and role in (event["actor_roles"] or []))


SDI_TYPES = ("statistik", "geospasial", "keuangan", "pendukung")


def dataset_schema(dataset_type: str) -> dict[str, Any]:
    """The schema a dataset is measured against: its Satu Data type's, else the common block.

    Stock and harvested datasets are measured against the Satu Data common block
    (the fields every Satu Data type has), so their score says what they lack.
    """
    if dataset_type in SDI_TYPES:
        return scheming_get_dataset_schema(dataset_type) or {}
    return common_block_schema()


def common_block_schema() -> dict[str, Any]:
    schemas = [scheming_get_dataset_schema(name) or {} for name in SDI_TYPES]
    shared = set.intersection(*({f["field_name"] for f in s.get("dataset_fields", [])}
                                for s in schemas))
    first = schemas[0]
    return {"dataset_fields": [f for f in first.get("dataset_fields", [])
                               if f["field_name"] in shared],
            "resource_fields": first.get("resource_fields", [])}


def is_reference_code(scheme: str, code: str) -> bool:
    return reference.validate_code(reference.normalise_code(code, scheme), scheme) is None


def walidata_reference_name(code: str | None, scheme: str = "wilayah") -> str:
    """``53.71 — Kota Kupang``: the code with its name, wherever a code is shown."""
    return reference.display_name(code, scheme)


def walidata_organization_completeness(organization: str) -> dict[str, Any]:
    """Average score and bands of an OPD's datasets that the current user may see.

    Counted from facets, so an OPD with thousands of datasets is averaged over all of them.
    """
    result = tk.get_action("package_search")({}, {
        "fq": f'organization:"{organization}"', "rows": 0, "include_private": True,
        "facet.field": '["completeness_band", "completeness_score"]', "facet.limit": -1})
    scores = {int(score): count for score, count in
              result["facets"].get("completeness_score", {}).items() if score.isdigit()}
    total = sum(scores.values())
    return {
        "count": result["count"],
        "average": round(sum(s * n for s, n in scores.items()) / total) if total else None,
        "bands": result["facets"].get("completeness_band", {}),
    }


SDI_FACETS = (
    ("dataset_type", {"id": "Kelompok data", "en": "Data group"}),
    ("urusan", {"id": "Urusan pemerintahan", "en": "Government affair"}),
    ("frekuensi", {"id": "Frekuensi pemutakhiran", "en": "Update frequency"}),
    ("tingkat_penyajian", {"id": "Tingkat penyajian", "en": "Level of presentation"}),
    ("completeness_band", {"id": "Kelengkapan metadata", "en": "Metadata completeness"}),
)
DATASET_TYPE_LABELS = {
    "statistik": {"id": "Statistik sektoral", "en": "Sectoral statistics"},
    "geospasial": {"id": "Geospasial", "en": "Geospatial"},
    "keuangan": {"id": "Keuangan", "en": "Finance"},
    "pendukung": {"id": "Pendukung lainnya", "en": "Other supporting data"},
    "dataset": {"id": "Belum dikelompokkan", "en": "Not yet grouped"},
}


def language_text(label: Any) -> str:
    """A ``{id: ..., en: ...}`` label in the current language (outside requests: the default)."""
    if not isinstance(label, dict):
        return label or ""
    lang = tk.h.lang() if has_request_context() else tk.config.get("ckan.locale_default")
    return label.get(lang) or label.get("en") or next(iter(label.values()), "")


def add_sdi_facets(facets_dict: dict[str, Any]) -> dict[str, Any]:
    """The search page's facets plus the Satu Data ones, labelled in the user's language."""
    for name, label in SDI_FACETS:
        facets_dict[name] = language_text(label)
    return facets_dict


def name_reference_facets(search_facets: dict[str, Any]) -> None:
    """Facet items of codes and types show names, not bare codes."""
    for item in search_facets.get("urusan", {}).get("items", []):
        item["display_name"] = reference.display_name(item["name"], "urusan")
    for item in search_facets.get("dataset_type", {}).get("items", []):
        label = DATASET_TYPE_LABELS.get(item["name"])
        if label:
            item["display_name"] = language_text(label)


def get_helpers() -> dict[str, Any]:
    return {"walidata_completeness": walidata_completeness,
            "walidata_reference_name": walidata_reference_name,
            "walidata_organization_completeness": walidata_organization_completeness,
            "walidata_completeness_bands": lambda: [b for _, b in completeness.BANDS]}
