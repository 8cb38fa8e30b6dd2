"""The metadata completeness score of a dataset: 0–100 from weighted rules.

"Without metadata, data cannot be considered valid": the walidata desk spends
its time chasing missing definitions, units and periods, so the score says at
a glance what is missing. The rules, in one place:

=====================  =======  ====================================================
rule                   points   earned when
=====================  =======  ====================================================
required fields        60       each required field of the dataset type has a value
recommended fields     20       each recommended field has a value
resources              10       the dataset has resources and each has a description
data dictionary        5        each tabular resource states its unit and definition
reference codes        5        region and government affair are valid reference codes
=====================  =======  ====================================================

Points of a rule are shared equally among its items, so a schema with more
fields does not weigh heavier. A field that names a review role
(``walidata_signed_by: walidata`` or ``pembina``) is present once that role has
signed the dataset's review: the berita acara records who they were, so asking
the OPD to type it in as well would count a signed dataset as incomplete.
The rules read the dataset dict as ``package_show`` returns it and the
scheming schema of its type; datasets of the stock ``dataset`` type are
measured against the Satu Data common block.
Plain Python: no request, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REQUIRED_POINTS = 60.0
RECOMMENDED_POINTS = 20.0
RESOURCE_POINTS = 10.0
DICTIONARY_POINTS = 5.0
REFERENCE_POINTS = 5.0

TABULAR_FORMATS = {"csv", "xlsx", "xls", "tsv", "ods", "json"}
BANDS = ((80, "80-100"), (50, "50-79"), (0, "0-49"))
# Fields that every dataset has or that the form fills in itself.
SKIPPED_FIELDS = {"name", "owner_org"}


@dataclass(frozen=True)
class Missing:
    """One thing that costs points, with what it would have earned."""

    rule: str
    field: str
    label: Any
    points: float


@dataclass
class Completeness:
    score: int
    missing: list[Missing] = field(default_factory=list)

    @property
    def band(self) -> str:
        return band_of(self.score)


def band_of(score: int) -> str:
    """The facet band of a score: ``0-49``, ``50-79`` or ``80-100``."""
    return next(label for floor, label in BANDS if score >= floor)


def has_value(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return value is not None


def measure(dataset: dict[str, Any], schema: dict[str, Any],
            is_reference_code: Callable[[str, str], bool] | None = None,
            signed: frozenset[str] = frozenset()) -> Completeness:
    """Score ``dataset`` against its scheming ``schema`` (dataset and resource fields).

    ``is_reference_code(scheme, code)`` tells whether a code exists; without
    it the reference rule only checks that the codes are filled in. ``signed``:
    the review roles that have signed the dataset's current round.
    """
    missing: list[Missing] = []
    earned = 0.0
    fields = [f for f in schema.get("dataset_fields", [])
              if f["field_name"] not in SKIPPED_FIELDS]
    for rule, points, wanted in (
            ("required", REQUIRED_POINTS, [f for f in fields if f.get("required")]),
            ("recommended", RECOMMENDED_POINTS,
             [f for f in fields if f.get("recommended") and not f.get("required")])):
        earned += _share(points, wanted,
                         lambda f: f.get("walidata_signed_by") in signed
                         or _field_value(dataset, f), missing, rule)

    resources = dataset.get("resources") or []
    if not resources:
        missing.append(Missing("resources", "resources",
                               {"id": "Sumber daya (berkas data)", "en": "Resources (data files)"},
                               RESOURCE_POINTS))
    else:
        earned += _share(RESOURCE_POINTS, resources,
                         lambda r: has_value(r.get("description")), missing, "resources",
                         item_field=lambda r: f"resource:{r.get('name') or r.get('id')}",
                         item_label={"id": "Deskripsi sumber daya", "en": "Resource description"})

    tabular = [r for r in resources if (r.get("format") or "").lower() in TABULAR_FORMATS]
    if tabular:
        earned += _share(DICTIONARY_POINTS, tabular,
                         lambda r: has_value(r.get("satuan")) and has_value(r.get("definisi"))
                         or has_value(r.get("schema")),
                         missing, "dictionary",
                         item_field=lambda r: f"resource:{r.get('name') or r.get('id')}",
                         item_label={"id": "Kamus data (satuan dan definisi)",
                                     "en": "Data dictionary (unit and definition)"})
    else:
        earned += DICTIONARY_POINTS if resources else 0.0

    references = [("wilayah", "cakupan_wilayah"), ("urusan", "urusan")]
    earned += _share(
        REFERENCE_POINTS, references,
        lambda ref: has_value(dataset.get(ref[1])) and (
            is_reference_code is None or is_reference_code(ref[0], str(dataset[ref[1]]))),
        missing, "reference", item_field=lambda ref: ref[1],
        item_label={"id": "Kode referensi yang valid", "en": "A valid reference code"})
    return Completeness(score=max(0, min(100, round(earned))), missing=missing)


def _field_value(dataset: dict[str, Any], schema_field: dict[str, Any]) -> bool:
    name = schema_field["field_name"]
    if name == "tag_string":
        return has_value(dataset.get("tags")) or has_value(dataset.get("tag_string"))
    return has_value(dataset.get(name))


def _share(points: float, items: list[Any], present: Callable[[Any], bool],
           missing: list[Missing], rule: str, item_field: Callable[[Any], str] | None = None,
           item_label: Any = None) -> float:
    """Points earned by the items present; the absent ones are added to ``missing``."""
    if not items:
        return points
    each = points / len(items)
    earned = 0.0
    for item in items:
        if present(item):
            earned += each
        elif item_field is None:
            missing.append(Missing(rule, item["field_name"], item.get("label"), each))
        else:
            missing.append(Missing(rule, item_field(item), item_label, each))
    return earned
