"""Rule 2: figures that cannot be true.

Counts are not negative, percentages lie within 0–100, a total column is the sum of its
parts, and a total row (``Jumlah``, or the parent region ``53`` among ``53.xx``) is the
sum of the other rows. Published figures are rounded, so decimals are compared with a
tolerance; integers exactly. Bounds the Table Schema declares itself (constraints minimum
and maximum) are left to frictionless's constraint-error.

Total rows are found in one pass with flat memory: per period (the rows of each year of a
long table are summed apart) the check keeps the column sums, the longest common prefix of
the region codes and at most one candidate row. More than one candidate in a period (a
``Jumlah`` per sex, subtotals per kecamatan) makes that period ambiguous: it is skipped
rather than guessed at.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..columns import Columns, is_percent_unit, normalise_name
from ..context import CheckContext
from ..findings import SatuDataCellError, Severity

NO_ERRORS: tuple = ()
RELATIVE_TOLERANCE = 0.005  # published decimals are rounded
MAX_GROUPS = 1_000  # periods tracked for total rows; more and the total-row rule stops
TOTAL_WORDS = frozenset({"jumlah", "total", "jumlah total", "total keseluruhan",
                         "jumlah keseluruhan", "grand total"})
_TOTAL_INITIALS = frozenset("JjTtGg")
# A percentage of change or a ratio may leave 0–100 (laju pertumbuhan -2.5 persen).
_MAY_LEAVE_RANGE = re.compile(r"pertumbuhan|perubahan|laju|growth|change|selisih|inflasi|"
                              r"deflasi|kenaikan|penurunan|rasio|ratio|indeks|index|deviasi")


def format_number(value: float) -> str:
    """A figure as people read it: ``1234`` rather than ``1234.0``, no float noise."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.10g}"


@findings.register
@attrs.define(kw_only=True, repr=False)
class NegativeCountError(SatuDataCellError):
    type = "satudata-negative-count"
    title = "Negative count"
    description = "A count (jumlah, banyaknya) is below zero."
    template = ('Count "{cell}" in row {rowNumber}, column "{fieldName}" is negative; a count '
                'cannot be below zero.')
    severity = Severity.ERROR
    title_id = "Jumlah bernilai negatif"
    template_id = ('Nilai "{cell}" di baris {rowNumber} kolom "{fieldName}" negatif, padahal '
                   'jumlah/banyaknya tidak mungkin kurang dari nol.')


@findings.register
@attrs.define(kw_only=True, repr=False)
class PercentRangeError(SatuDataCellError):
    type = "satudata-percent-range"
    title = "Percentage out of range"
    description = "A percentage is below 0 or above 100."
    template = ('Percentage "{cell}" in row {rowNumber}, column "{fieldName}" lies outside '
                '0–100.')
    severity = Severity.ERROR
    title_id = "Persentase di luar rentang"
    template_id = ('Persentase "{cell}" di baris {rowNumber} kolom "{fieldName}" berada di luar '
                   'rentang 0–100.')


@findings.register
@attrs.define(kw_only=True, repr=False)
class TotalMismatchError(SatuDataCellError):
    """The note is ``<part> + <part> = <their sum>``."""

    type = "satudata-total-mismatch"
    title = "Total is not the sum of its parts"
    description = "A total column differs from the sum of its part columns in the same row."
    template = ('Total "{cell}" in row {rowNumber}, column "{fieldName}" is not the sum of its '
                'parts: {note}.')
    severity = Severity.ERROR
    title_id = "Total tidak sama dengan jumlah rinciannya"
    template_id = ('Total "{cell}" di baris {rowNumber} kolom "{fieldName}" tidak sama dengan '
                   'jumlah rinciannya: {note}.')


@findings.register
@attrs.define(kw_only=True, repr=False)
class TotalRowMismatchError(SatuDataCellError):
    """The note is ``Σ = <sum of the other rows>; n = <their number>``."""

    type = "satudata-total-row-mismatch"
    title = "Total row is not the sum of the other rows"
    description = "The total row (Jumlah, or the parent region) differs from the sum of the rows."
    template = ('Total row {rowNumber}: "{cell}" in column "{fieldName}" is not the sum of the '
                'other rows ({note}).')
    severity = Severity.ERROR
    title_id = "Baris jumlah tidak sama dengan total baris lainnya"
    template_id = ('Baris jumlah {rowNumber}: nilai "{cell}" di kolom "{fieldName}" tidak sama '
                   'dengan total baris lainnya ({note}).')


ERRORS = (NegativeCountError, PercentRangeError, TotalMismatchError, TotalRowMismatchError)


def _decimals(value: Any) -> int:
    """Decimal places a figure was published with (its rounding unit)."""
    if isinstance(value, decimal.Decimal):
        exponent = value.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if isinstance(value, float):
        text = repr(value)
        return len(text) - text.index(".") - 1 if "." in text and "e" not in text else 0
    return 0


def _differs(total: float, other: float, raw: Sequence[Any], exact: bool, terms: int) -> bool:
    """Whether two sums differ beyond what the rounding of ``terms`` published figures allows."""
    if exact:
        return total != other
    unit = 10.0 ** -max(_decimals(value) for value in raw)
    allowed = max(RELATIVE_TOLERANCE * max(abs(total), abs(other)), (terms + 1) * 0.5 * unit)
    return abs(total - other) > allowed + 1e-9


@dataclass
class _Candidate:
    """A row that may be the total row: kept until the end of the file."""

    row_number: int
    cells: list[str]
    values: list[Any]  # the raw count cells (None when blank)


@dataclass
class _Group:
    """The rows of one period, for the total-row rule."""

    sums: list[float]
    blanks: list[int]
    rows: int = 0
    lcp: str | None = None  # longest common prefix (whole segments) of the region codes
    lcp_dot: str = ""
    lcp_rows: int = 0  # rows whose code is exactly ``lcp``
    region_candidate: _Candidate | None = None
    word_rows: int = 0  # rows with a key cell reading Jumlah/Total
    word_candidate: _Candidate | None = None


def _common_segments(left: str, right: str) -> str:
    common = []
    for a, b in zip(left.split("."), right.split("."), strict=False):
        if a != b:
            break
        common.append(a)
    return ".".join(common)


def _candidate(row: Any, count_names: Sequence[str]) -> _Candidate:
    return _Candidate(row_number=row.row_number,
                      cells=["" if cell is None else str(cell) for cell in row.cells],
                      values=[row[name] for name in count_names])


@attrs.define(kw_only=True, repr=False)
class plausibility(Check):  # noqa: N801 - frictionless names checks in lower case
    """Non-negative counts, percentages in 0–100, totals that add up."""

    type = "satudata-plausibility"
    Errors = list(ERRORS)
    columns: Columns
    context: CheckContext = attrs.field(factory=CheckContext)

    def validate_start(self) -> Iterable[Any]:
        columns = self.columns
        schema = self.resource.schema
        fields = {item.name: item for item in schema.fields} if schema else {}

        def constraints(name: str) -> dict:
            item = fields.get(name)
            return dict(item.constraints or {}) if item is not None else {}

        def exact(names: Iterable[str]) -> bool:
            return all(getattr(fields.get(name), "type", None) == "integer" for name in names)

        # Counts whose lower bound the schema does not declare already.
        self._counts = tuple(name for name in columns.counts if name in fields
                             and "minimum" not in constraints(name))
        self._percents = tuple(self._percent_bounds(name, constraints(name))
                               for name in columns.percents
                               if name in fields and not _MAY_LEAVE_RANGE.search(
                                   normalise_name(name)))
        self._unit_column = columns.unit_column if columns.unit_column in fields else None
        self._unit_percents = tuple(self._percent_bounds(name, constraints(name))
                                    for name in columns.measures
                                    if name in fields and name not in columns.percents
                                    and not _MAY_LEAVE_RANGE.search(normalise_name(name)))
        self._text_keys = tuple(name for name in columns.keys
                                if name in fields and fields[name].type == "string")
        self._unit_cache: dict[Any, bool] = {}
        self._totals = tuple((total, tuple(parts), exact((total, *parts)))
                             for total, parts in columns.totals.items()
                             if total in fields and parts and all(p in fields for p in parts))
        # Total rows: sums per period of every count column.
        self._sum_columns = tuple(name for name in columns.counts if name in fields)
        self._sum_exact = tuple(exact((name,)) for name in self._sum_columns)
        self._word_keys = self._text_keys
        self._region = columns.region[0] if columns.region and columns.region[0] in fields \
            else None
        self._periods = tuple(name for name in columns.period if name in fields)
        self._groups: dict[Any, _Group] | None = {} if self._sum_columns else None
        return NO_ERRORS

    @staticmethod
    def _percent_bounds(name: str, constraints: dict) -> tuple[str, bool, bool]:
        return name, "minimum" not in constraints, "maximum" not in constraints

    # Per row ------------------------------------------------------------------------------

    def validate_row(self, row: Any) -> Iterable[Any]:
        found: list | None = None
        for name in self._counts:
            value = row[name]
            if value is not None and _below(value, 0):
                found = found or []
                found.append(NegativeCountError.from_row(row, note="< 0", field_name=name))
        for name, low, high in self._percents:
            value = row[name]
            if value is not None and _outside(value, low, high):
                found = found or []
                found.append(PercentRangeError.from_row(row, note="0–100", field_name=name))
        if self._unit_column is not None:
            found = self._row_unit_percents(row, found)
        for total, parts, exact in self._totals:
            found = self._check_total(row, total, parts, exact, found)
        if self._groups is not None:
            self._track_total_row(row)
        return found or NO_ERRORS

    def _row_unit_percents(self, row: Any, found: list | None) -> list | None:
        unit = row[self._unit_column]
        percent = self._unit_cache.get(unit)
        if percent is None:
            percent = self._unit_cache[unit] = is_percent_unit(str(unit or ""))
        if not percent:
            return found
        for name, low, high in self._unit_percents:
            value = row[name]
            if value is not None and _outside(value, low, high) and not self._rate_row(row):
                found = found or []
                found.append(PercentRangeError.from_row(row, note="0–100", field_name=name))
        return found

    def _rate_row(self, row: Any) -> bool:
        """A row whose descriptive cells name a rate of change (laju pertumbuhan ...)."""
        return any(row[key] and _MAY_LEAVE_RANGE.search(row[key].lower())
                   for key in self._text_keys)

    @staticmethod
    def _check_total(row: Any, total: str, parts: tuple[str, ...], exact: bool,
                     found: list | None) -> list | None:
        total_value = row[total]
        if total_value is None:
            return found
        raw = [row[name] for name in parts]
        if None in raw:
            return found
        try:
            expected = sum(float(value) for value in raw)
            actual = float(total_value)
        except (TypeError, ValueError):
            return found
        if _differs(actual, expected, [total_value, *raw], exact, len(parts)):
            note = f"{' + '.join(parts)} = {format_number(expected)}"
            found = found or []
            found.append(TotalMismatchError.from_row(row, note=note, field_name=total))
        return found

    def _track_total_row(self, row: Any) -> None:
        groups = self._groups
        periods = self._periods
        key = tuple(row[name] for name in periods) if periods else None
        group = groups.get(key)
        if group is None:
            if len(groups) >= MAX_GROUPS:
                self._groups = None  # a long table of many periods: no total rows to check
                return
            size = len(self._sum_columns)
            group = groups[key] = _Group(sums=[0.0] * size, blanks=[0] * size)
        group.rows += 1
        sums, blanks = group.sums, group.blanks
        for index, name in enumerate(self._sum_columns):
            value = row[name]
            if value is None:
                blanks[index] += 1
                continue
            try:
                sums[index] += float(value)
            except (TypeError, ValueError):
                blanks[index] += 1
        for name in self._word_keys:
            value = row[name]
            if (value and value[0] in _TOTAL_INITIALS
                    and value.strip().lower() in TOTAL_WORDS):
                group.word_rows += 1
                if group.word_rows == 1:
                    group.word_candidate = _candidate(row, self._sum_columns)
                break
        if self._region is not None:
            code = row[self._region]
            if code is not None:
                self._track_region(group, str(code).strip(), row)

    def _track_region(self, group: _Group, code: str, row: Any) -> None:
        if len(code) == 4 and code.isdigit():
            code = f"{code[:2]}.{code[2:]}"
        if code != group.lcp:
            if group.lcp == "":
                return  # the codes share no prefix: no parent region row
            if group.lcp is not None and code.startswith(group.lcp_dot):
                return  # below the common prefix: one of the rows a total row would sum
            common = code if group.lcp is None else _common_segments(group.lcp, code)
            if common != group.lcp:
                group.lcp, group.lcp_dot, group.lcp_rows = common, common + ".", 0
                group.region_candidate = None
            if code != common:
                return
        group.lcp_rows += 1
        if group.lcp_rows == 1:
            group.region_candidate = _candidate(row, self._sum_columns)

    # End ----------------------------------------------------------------------------------

    def validate_end(self) -> Iterable[Any]:
        if not self._groups:
            return NO_ERRORS
        found: list = []
        field_numbers = {name: number for number, name in
                         enumerate(self.resource.schema.field_names, start=1)}
        for group in self._groups.values():
            candidate = self._total_row(group)
            if candidate is None:
                continue
            for index, name in enumerate(self._sum_columns):
                value = candidate.values[index]
                if value is None or group.blanks[index] > 0:
                    continue  # a blank elsewhere: the sum of the rows is not known
                try:
                    total = float(value)
                except (TypeError, ValueError):
                    continue
                others = group.sums[index] - total
                terms = group.rows - 1
                if _differs(total, others, [value], self._sum_exact[index], terms):
                    number = field_numbers[name]
                    cells = candidate.cells
                    found.append(TotalRowMismatchError(
                        note=f"Σ = {format_number(others)}; n = {terms}",
                        cells=cells, row_number=candidate.row_number,
                        cell=cells[number - 1] if number <= len(cells) else str(value),
                        field_name=name, field_number=number))
        return found

    @staticmethod
    def _total_row(group: _Group) -> _Candidate | None:
        """The one total row of a period, or None when there is none or it is ambiguous."""
        if group.rows < 2 or group.word_rows > 1:
            return None
        region = group.region_candidate if group.lcp and group.lcp_rows == 1 else None
        word = group.word_candidate if group.word_rows == 1 else None
        if region and word and region.row_number != word.row_number:
            return None
        return word or region


def _below(value: Any, bound: float) -> bool:
    try:
        return value < bound
    except TypeError:
        try:
            return float(value) < bound
        except (TypeError, ValueError):
            return False


def _outside(value: Any, low: bool, high: bool) -> bool:
    try:
        return (low and value < 0) or (high and value > 100)
    except TypeError:
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        return (low and number < 0) or (high and number > 100)
