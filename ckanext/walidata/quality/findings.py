"""Findings of the quality checks: frictionless errors with a severity and two languages.

Every Satu Data check reports through frictionless, so that the stored report stays a plain
frictionless Report (ckanext-validation's contract). What frictionless has no place for is
kept on the error *class*: its severity (an error blocks ratification, a warning needs the
walidata's written justification) and its Indonesian message template. An error's ``note``
carries only language-neutral detail (numbers, codes, names), so that both messages can be
rendered from the same stored report.
"""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import attrs
from frictionless import errors

SATUDATA_TAG = "#satudata"


class Severity(str, enum.Enum):
    ERROR = "error"      # blocks ratification until fixed
    WARNING = "warning"  # the walidata may ratify with a written justification


@attrs.define(kw_only=True, repr=False)
class SatuDataCellError(errors.CellError):
    """A finding at one cell (row and column known)."""

    type = "satudata-cell"
    title = "Satu Data cell finding"
    description = "A Satu Data quality rule failed for this cell."
    template = "{note}"
    tags = ["#table", "#row", "#cell", SATUDATA_TAG]
    severity: ClassVar[Severity] = Severity.ERROR
    title_id: ClassVar[str] = "Temuan Satu Data"
    template_id: ClassVar[str] = "{note}"


@attrs.define(kw_only=True, repr=False)
class SatuDataTableError(errors.TableError):
    """A finding about the whole table or a whole column (no single cell to point at)."""

    type = "satudata-table"
    title = "Satu Data table finding"
    description = "A Satu Data quality rule failed for this table."
    template = "{note}"
    tags = ["#table", SATUDATA_TAG]
    severity: ClassVar[Severity] = Severity.ERROR
    title_id: ClassVar[str] = "Temuan Satu Data"
    template_id: ClassVar[str] = "{note}"


# Every Satu Data error class by its frictionless ``type``; filled by ``register``.
REGISTRY: dict[str, type[SatuDataCellError] | type[SatuDataTableError]] = {}


def registry() -> dict[str, type[SatuDataCellError] | type[SatuDataTableError]]:
    """REGISTRY once every check module has registered its errors (they load lazily)."""
    if "satudata-empty-table" not in REGISTRY:
        importlib.import_module("ckanext.walidata.quality.engine")
    return REGISTRY


def register(cls: type) -> type:
    """Class decorator: make a Satu Data error known to the report renderer and the guard."""
    if cls.type in REGISTRY and REGISTRY[cls.type] is not cls:
        raise ValueError(f"Satu Data error type {cls.type!r} is registered twice")
    REGISTRY[cls.type] = cls
    return cls


# Indonesian titles of frictionless's own errors that a walidata meets in practice; the
# others keep frictionless's English title.
FRICTIONLESS_TITLES_ID = {
    "blank-header": "Tajuk kosong",
    "blank-label": "Nama kolom kosong",
    "duplicate-label": "Nama kolom ganda",
    "extra-label": "Nama kolom berlebih",
    "missing-label": "Nama kolom hilang",
    "incorrect-label": "Nama kolom tidak sesuai",
    "blank-row": "Baris kosong",
    "extra-cell": "Sel berlebih",
    "missing-cell": "Sel hilang",
    "type-error": "Tipe nilai salah",
    "constraint-error": "Nilai melanggar batasan",
    "unique-error": "Nilai ganda",
    "primary-key": "Kunci utama ganda",
    "encoding-error": "Pengodean berkas salah",
    "format-error": "Format berkas tidak dikenali",
    "scheme-error": "Alamat berkas tidak dapat dibaca",
    "source-error": "Berkas tidak dapat dibaca",
    "resource-error": "Sumber data bermasalah",
    "schema-error": "Skema tabel salah",
    "check-error": "Pemeriksaan gagal dijalankan",
}

FRICTIONLESS_TEMPLATES_ID = {
    "type-error": 'Nilai "{cell}" di baris {rowNumber} kolom "{fieldName}" bukan tipe yang '
                  'diharapkan ({note}).',
    "constraint-error": 'Nilai "{cell}" di baris {rowNumber} kolom "{fieldName}" melanggar '
                        'batasan: {note}.',
    "extra-cell": 'Baris {rowNumber} berisi nilai lebih banyak daripada jumlah kolom.',
    "missing-cell": 'Baris {rowNumber} kekurangan nilai di kolom "{fieldName}".',
    "blank-row": 'Baris {rowNumber} kosong.',
    "blank-label": 'Kolom ke-{fieldNumber} tidak bernama.',
    "duplicate-label": 'Nama kolom "{label}" dipakai lebih dari sekali.',
    "unique-error": 'Nilai "{cell}" di baris {rowNumber} kolom "{fieldName}" sudah ada di '
                    'baris lain.',
}


def severity_of(error_type: str) -> Severity:
    """Severity of a stored error; frictionless's own errors always block."""
    cls = registry().get(error_type)
    return cls.severity if cls else Severity.ERROR


_PLACEHOLDER = re.compile(r"{(\w+)}")


def _render(template: str, error: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders from a stored error; unknown names stay as they are."""
    return _PLACEHOLDER.sub(lambda m: str(error.get(m[1], m[0])), template)


def message(error: Mapping[str, Any], language: str = "id") -> str:
    """The error's message in Indonesian (``id``) or English (anything else)."""
    if language != "id":
        return str(error.get("message") or error.get("note") or "")
    cls = registry().get(str(error.get("type")))
    template = cls.template_id if cls else FRICTIONLESS_TEMPLATES_ID.get(str(error.get("type")))
    return _render(template, error) if template else str(error.get("message") or "")


def title(error_type: str, english_title: str, language: str = "id") -> str:
    if language != "id":
        return english_title
    cls = registry().get(error_type)
    return cls.title_id if cls else FRICTIONLESS_TITLES_ID.get(error_type, english_title)


@dataclass
class FindingGroup:
    """All errors of one type in one report: what the walidata reads first."""

    type: str
    title: str
    title_id: str
    description: str
    severity: Severity
    count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Summary:
    """Counts of a report by severity, and its errors grouped by type (errors first)."""

    rows: int = 0
    errors: int = 0
    warnings: int = 0
    groups: list[FindingGroup] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "errors": self.errors, "warnings": self.warnings,
                "types": {g.type: {"severity": g.severity.value, "count": g.count,
                                   "title": g.title, "title_id": g.title_id}
                          for g in self.groups}}


def report_errors(report: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    """Every error of a stored frictionless report (report-level first, then per task)."""
    yield from report.get("errors") or ()
    for task in report.get("tasks") or ():
        yield from task.get("errors") or ()


def summarize(report: Mapping[str, Any], keep_per_type: int = 50) -> Summary:
    """Group a stored report's errors by type; keep the first ``keep_per_type`` of each."""
    summary = Summary(rows=sum(int((task.get("stats") or {}).get("rows") or 0)
                               for task in report.get("tasks") or ()))
    groups: dict[str, FindingGroup] = {}
    for error in report_errors(report):
        error_type = str(error.get("type"))
        group = groups.get(error_type)
        if group is None:
            english = str(error.get("title") or error_type)
            group = groups[error_type] = FindingGroup(
                type=error_type, title=english, title_id=title(error_type, english),
                description=str(error.get("description") or ""),
                severity=severity_of(error_type))
        group.count += 1
        if len(group.errors) < keep_per_type:
            group.errors.append(dict(error))
        if group.severity is Severity.ERROR:
            summary.errors += 1
        else:
            summary.warnings += 1
    summary.groups = sorted(groups.values(),
                            key=lambda g: (g.severity is not Severity.ERROR, -g.count, g.type))
    return summary


def sort_errors(report: MutableMapping[str, Any]) -> None:
    """Put each task's errors of a stored report in row order, in place.

    The Satu Data rules see rows in batches, so their findings of a row come after
    frictionless's errors of later rows. The sort is stable, and an error without a row
    (a header or table error) keeps its place after the rows reported before it.
    """
    for task in report.get("tasks") or ():
        last_row = 0
        keyed = []
        for position, error in enumerate(task.get("errors") or ()):
            row = error.get("rowNumber")
            if isinstance(row, int):
                last_row = max(last_row, row)
            keyed.append((row if isinstance(row, int) else last_row, position, error))
        keyed.sort(key=lambda item: item[:2])
        task["errors"] = [error for _row, _position, error in keyed]
