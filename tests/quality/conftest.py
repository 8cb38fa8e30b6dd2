"""Helpers for the Satu Data check tests: real CSV files, real frictionless runs, no mocks."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from frictionless import Checklist, Resource, Schema, system

from ckanext.walidata.quality import findings
from ckanext.walidata.quality.batch import BATCH_ROWS
from ckanext.walidata.quality.checks import satudata_checks
from ckanext.walidata.quality.columns import code_like_fields, detect
from ckanext.walidata.quality.context import CheckContext
from ckanext.walidata.quality.profile import Profile, ProfileBuilder

# Real Kemendagri codes of Nusa Tenggara Timur (53) and of its neighbour NTB (52).
REGION_CODES = {
    "52": "provinsi", "52.01": "kabupaten_kota",
    "53": "provinsi", "53.01": "kabupaten_kota", "53.02": "kabupaten_kota",
    "53.71": "kabupaten_kota", "53.71.01": "kecamatan", "53.71.01.1001": "desa_kelurahan",
}
# A kecamatan, its city and the province: each code an ancestor of the one above it.
CITY_WITH_ANCESTORS = """\
    kode_wilayah,nama_wilayah,jumlah_penduduk
    53.71.01,Alak,60000
    53.71,Kota Kupang,466000
    53,Nusa Tenggara Timur,5466000
    """
URUSAN_CODES = {"1": "urusan", "1.01": "bidang_urusan", "1.02": "bidang_urusan"}


@dataclass
class Run:
    """A validation run: the report as stored, and the profile of the table."""

    report: dict[str, Any]
    profile: Profile

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The Satu Data findings (frictionless's own errors left out)."""
        return [error for error in findings.report_errors(self.report)
                if str(error["type"]).startswith("satudata-")]

    @property
    def frictionless_errors(self) -> list[dict[str, Any]]:
        return [error for error in findings.report_errors(self.report)
                if not str(error["type"]).startswith("satudata-")]

    def of_type(self, error_type: str) -> list[dict[str, Any]]:
        return [error for error in self.findings if error["type"] == error_type]

    def brief(self) -> list[tuple[Any, ...]]:
        """(type, row, field, note) of every finding, for exact comparisons."""
        return [(error["type"], error.get("rowNumber"), error.get("fieldName"), error["note"])
                for error in self.findings]


def run_checks(tmp_path: Path, text: str, *, context: CheckContext | None = None,
               types: dict[str, str] | None = None, fields: dict[str, dict] | None = None,
               name: str = "data.csv", batch_rows: int = BATCH_ROWS) -> Run:
    """Validate CSV text with every Satu Data check, as the engine does.

    The schema is inferred with code columns kept as text (``53.10`` is not a number);
    ``types`` overrides field types and ``fields`` adds field properties (roles, bounds).
    """
    context = context or CheckContext()
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    with system.use_context(trusted=True):
        descriptor = Schema.describe(str(path)).to_descriptor()
        codes = set(code_like_fields([item["name"] for item in descriptor["fields"]]))
        for item in descriptor["fields"]:
            if item["name"] in codes:
                item["type"] = "string"
            item["type"] = (types or {}).get(item["name"], item["type"])
            item.update((fields or {}).get(item["name"], {}))
        schema = Schema.from_descriptor(descriptor)
        columns = detect(schema, context.unit)
        builder = ProfileBuilder(columns, context.max_profile_keys)
        checklist = Checklist(checks=satudata_checks(columns, context, builder, batch_rows))
        report = Resource(str(path), schema=schema).validate(checklist=checklist)
    assert report.tasks[0].stats["rows"], report.to_descriptor()
    descriptor = report.to_descriptor()
    findings.sort_errors(descriptor)
    return Run(report=descriptor, profile=builder.profile)


# The rules see rows in batches; these small sizes split every test table into several, so
# that each test also shows a batch boundary changes nothing (periods, totals, keys).
SMALL_BATCHES = (1, 2, 3)


@pytest.fixture
def validate(tmp_path: Path) -> Callable[..., Run]:
    """``validate(csv_text, context=..., types=..., fields=...)`` → Run.

    Every table is also validated in small batches, which must give the same findings and
    the same profile.
    """
    counter = iter(range(1_000_000))

    def run(text: str, **options: Any) -> Run:
        result = run_checks(tmp_path, text, name=f"data-{next(counter)}.csv", **options)
        for size in SMALL_BATCHES:
            batched = run_checks(tmp_path, text, name=f"data-{next(counter)}.csv",
                                 batch_rows=size, **options)
            assert batched.brief() == result.brief(), f"batches of {size} rows"
            assert batched.profile.to_dict() == result.profile.to_dict()
        return result

    return run


def stored(profile: Profile) -> Profile:
    """A profile as the next run reads it back from the database (floats, JSON types)."""
    return Profile.from_dict(profile.to_dict())


def messages(error: dict[str, Any]) -> tuple[str, str]:
    """The finding's English and Indonesian messages, as the report page renders them."""
    return findings.message(error, "en"), findings.message(error, "id")


def assert_templates_render(classes: Iterable[type]) -> None:
    """Every class is registered and both its templates use only stored descriptor keys."""
    known = {"cell", "rowNumber", "fieldName", "fieldNumber", "note"}
    for cls in classes:
        assert findings.REGISTRY[cls.type] is cls
        assert cls.type.startswith("satudata-")
        assert cls.title_id and cls.title and cls.description
        for template in (cls.template, cls.template_id):
            assert set(re.findall(r"{(\w+)}", template)) <= known, (cls.type, template)
