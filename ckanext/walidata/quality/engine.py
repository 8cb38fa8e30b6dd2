"""Run frictionless over one table with the Satu Data checks; plain Python, no CKAN.

The file is streamed row by row: memory stays flat in file size (the checks keep bounded
state, frictionless keeps at most ``limit_errors`` errors). The Table Schema is the
resource's data dictionary when it has one, else inferred from the first rows, with code
columns kept as text (``53.10`` is a region code, not the number 53.1).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import attrs
import frictionless
from frictionless import Check, Checklist, Dialect, Resource, Schema, formats

from . import columns as columns_module
from .archive import XlsxLimits, check_xlsx
from .checks import satudata as satudata_rules
from .checks import satudata_checks
from .checks.personal_data import mask_report, personal_data
from .context import CheckContext
from .findings import SatuDataTableError, Summary, register, sort_errors, summarize
from .formats import format_of  # noqa: F401 - re-exported for callers
from .merged_header import MergedHeaderError, merged_header_rows
from .profile import ProfileBuilder

# Errors meaning the file could not be read at all (status ``error``, not ``failure``).
UNREADABLE = {"source-error", "scheme-error", "format-error", "encoding-error",
              "resource-error", "schema-error", "check-error"}

Progress = Callable[[int, int, int], None]  # rows done, bytes read, total bytes (0: unknown)


@dataclass
class Outcome:
    """One validation run: ckanext-validation's status and the frictionless report."""

    status: str                         # success | failure | error
    report: dict[str, Any]              # frictionless Report descriptor
    summary: Summary
    schema: dict[str, Any] | None       # the Table Schema used (inferred when none given)
    profile: dict[str, Any] | None      # quality.profile.Profile.to_dict()
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


NO_ERRORS: tuple = ()


@register
@attrs.define(kw_only=True, repr=False)
class EmptyTableError(SatuDataTableError):
    """No data rows: a header alone, or a file that is not a table (read as one column)."""

    type = "satudata-empty-table"
    title = "No data rows"
    description = ("The file has no data rows. Check that the right file was uploaded and "
                   "that it is a CSV or XLSX table with a header row and data below it.")
    template = "The table has no data rows."
    title_id = "Tidak ada baris data"
    template_id = "Tabel tidak memiliki baris data."


def _reporter(progress: Progress | None, resource: Resource,
              total_bytes: int) -> Callable[[int], None] | None:
    """``progress`` as the ``satudata`` check calls it (with the rows checked so far)."""
    if progress is None:
        return None
    return lambda rows: progress(rows, resource.stats.bytes or 0, total_bytes)


def _open(source: str, fmt: str, schema: dict[str, Any] | None,
          header_rows: list[int] | None) -> Resource:
    control = None
    if fmt in ("xlsx", "xls"):
        control = formats.ExcelControl(fill_merged_cells=bool(header_rows))
    dialect = Dialect(header_rows=header_rows) if header_rows else None
    kwargs: dict[str, Any] = {"format": fmt}
    if control is not None:
        kwargs["control"] = control
    if dialect is not None:
        kwargs["dialect"] = dialect
    if schema:
        kwargs["schema"] = Schema.from_descriptor(schema)
    return Resource(source, **kwargs)


def infer_schema(resource: Resource) -> dict[str, Any]:
    """Infer types from the first rows; code columns stay strings."""
    resource.infer()
    descriptor = resource.schema.to_descriptor()
    codes = set(columns_module.code_like_fields([f["name"] for f in descriptor["fields"]]))
    for item in descriptor["fields"]:
        if item["name"] in codes and item.get("type") != "string":
            item["type"] = "string"
            item.pop("format", None)
    return descriptor


def validate(source: str, *, fmt: str, schema: dict[str, Any] | None = None,
             context: CheckContext | None = None, progress: Progress | None = None,
             limit_errors: int = 1000, satudata: bool = True,
             xlsx_limits: XlsxLimits | None = None) -> Outcome:
    """Validate a local file; a bad table is a report, never an exception.

    ``source`` must be a local path: frictionless runs in a trusted context, so a URL
    would be opened without the guards of ``quality.fetch`` (which downloads links first).
    An XLSX beyond ``xlsx_limits`` (a zip bomb) raises ``limits.CheckRefused`` before
    anything unpacks it; a MemoryError propagates (the job reports it as such).
    ``schema`` is the data dictionary (Table Schema descriptor) or None to infer one.
    ``progress`` is called every ``PROGRESS_ROWS`` rows by the ``satudata`` check.
    ``satudata=False`` runs plain frictionless, with no progress (the benchmark's baseline).
    """
    if not os.path.isfile(source):
        raise ValueError(f"not a local file: {source!r}")
    if fmt == "xlsx":
        check_xlsx(source, xlsx_limits or XlsxLimits())
    context = context or CheckContext()
    started = time.perf_counter()
    notes: list[str] = []
    total_bytes = os.path.getsize(source)
    with frictionless.system.use_context(trusted=True):
        try:
            header_rows = merged_header_rows(source) if fmt == "xlsx" and total_bytes else None
            resource = _open(source, fmt, schema, header_rows)
            used_schema = schema or infer_schema(resource)
            if not schema:
                resource = _open(source, fmt, used_schema, header_rows)
        except frictionless.FrictionlessException as error:
            if isinstance(error.__cause__, MemoryError):  # not a bad file: too big to read
                raise error.__cause__ from None
            report = frictionless.Report.from_validation(
                time=time.perf_counter() - started, errors=[error.error]).to_descriptor()
            return Outcome("error", report, summarize(report), None, None,
                           time.perf_counter() - started)
        cols = columns_module.detect(used_schema, unit=context.unit)
        builder = ProfileBuilder(cols, max_keys=context.max_profile_keys)
        checks: list[Check] = []
        if satudata:
            checks += satudata_checks(cols, context, builder, on_progress=_reporter(
                progress, resource, total_bytes))
        report_object = resource.validate(checklist=Checklist(checks=checks),
                                          limit_errors=limit_errors)
    report = report_object.to_descriptor()
    sort_errors(report)
    # Other findings quote whole rows: the columns judged personal are masked in all of them.
    for check in checks:
        guard = check.rule(personal_data) if isinstance(check, satudata_rules) else None
        if isinstance(guard, personal_data):
            mask_report(report, guard.personal_columns)
    rows = sum(int((task.get("stats") or {}).get("rows") or 0) for task in report["tasks"])
    extra = []
    if header_rows:
        extra.append(MergedHeaderError(note=", ".join(str(n) for n in header_rows)))
        notes.append("merged-header")
    if not rows:
        extra.append(EmptyTableError(note=""))
    for error in extra:
        report["tasks"][0]["errors"].insert(0, error.to_descriptor())
    if extra:
        report["valid"] = report["tasks"][0]["valid"] = False
    summary = summarize(report)
    kinds = {error.get("type") for task in report.get("tasks") or ()
             for error in task.get("errors") or ()} | {
        error.get("type") for error in report.get("errors") or ()}
    if kinds & UNREADABLE and not summary.rows:
        status = "error"
    else:
        status = "failure" if summary.errors else "success"
    profile = builder.profile.to_dict() if satudata and summary.rows else None
    return Outcome(status, report, summary, used_schema, profile,
                   time.perf_counter() - started, notes)
