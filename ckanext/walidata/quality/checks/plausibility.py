"""Rule 2: figures that cannot be true.

Counts are not negative, percentages lie within 0–100, a total column is the sum of its
parts, and a total row (``Jumlah``, or the parent region ``53`` among ``53.xx``) is the
sum of the other rows. Published figures are rounded, so decimals are compared with a
tolerance; integers exactly. Bounds the Table Schema declares itself (constraints minimum
and maximum) are left to frictionless's constraint-error.

Total rows are found in one pass with flat memory: per period (the rows of each year of a
long table are summed apart) the check keeps the longest common prefix of the region codes
and at most one candidate row, and sums the count columns of each run of rows of the
period (one C-level ``sum`` per column of a batch in a file sorted by period). More than
one candidate in a period (a ``Jumlah`` per sex, subtotals per kecamatan) makes that period
ambiguous: it is skipped rather than guessed at.

The rule runs over files of millions of rows, a batch of rows at a time: whole columns are
screened at once (the lowest count, the lowest and highest percentage, totals against the
sums of their parts), with bounds of the cells' own type (Decimal with Decimal). Only a
batch the screen does not pass is gone through row by row, and only a row that fails the
row screen is examined in full (text in a count column, a float sum, a finding).
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import add, itemgetter, ne
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..batch import Batch
from ..columns import TOTAL_WORDS, Columns, is_percent_unit, normalise_name
from ..context import CheckContext
from ..findings import SatuDataCellError, Severity
from ..profile import ProfileBuilder, add_up, number

NO_ERRORS: tuple = ()
RELATIVE_TOLERANCE = 0.005  # published decimals are rounded
MAX_GROUPS = 1_000  # periods tracked for total rows; more and the total-row rule stops
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
    unit = 10.0 ** -min(_decimals(value) for value in raw)  # the coarsest rounding
    allowed = max(RELATIVE_TOLERANCE * max(abs(total), abs(other)), (terms + 1) * 0.5 * unit)
    return abs(total - other) > allowed + 1e-9


@dataclass
class _Candidate:
    """A row that may be the total row: kept until the end of the file."""

    row_number: int
    cells: list[str]
    values: tuple[Any, ...]  # the row's measures as the profile builder read them


@dataclass
class _Group:
    """The rows of one period, for the total-row rule."""

    sums: list[Any]  # per measure (only the count columns are added), over the period's rows
    blanks: list[int]
    rows: int = 0
    # The parent-region total row: its code is the longest common prefix (whole segments)
    # of all codes, appears once, and is the common prefix of the other codes too (their
    # direct parent: "53" among 53.01, 53.02, not among 53.71 and 53.71.01).
    lcp: str | None = None  # of all codes
    lcp_rows: int = 0  # rows whose code is exactly ``lcp``
    others: str | None = None  # common prefix of the codes other than ``lcp``
    others_dot: str = "\uffff"  # ``others + "."``; codes under it need no more work
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


def _add(found: list | None, error: Any) -> list:
    if found is None:
        return [error]
    found.append(error)
    return found


def _bound(field: Any, value: int | str) -> Any:
    """A bound (a number, or "Infinity") as the type frictionless reads the field's cells as:
    comparing a Decimal with a Decimal is twice as fast as with an int."""
    if field.type == "number" and not getattr(field, "float_number", False):
        return decimal.Decimal(value)
    return float(value) if isinstance(value, str) else value


def _cells_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A row's cells of ``names`` as a tuple, even for one name."""
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)


class _Suspect(Exception):  # noqa: N818 - not an error: a row the screen leaves to _examine
    """Raised by the row screen of ``_check_row``."""


def _total_forms() -> frozenset[str]:
    """Total-row words as agencies write them, for one set lookup per cell."""
    forms = set()
    for word in TOTAL_WORDS:
        for cased in (word, word.upper(), word.title(), word.capitalize()):
            forms.update((cased, f"{cased} ", f" {cased}"))
    return frozenset(forms)


TOTAL_FORMS = _total_forms()


def _lowest(cells: Sequence[Any]) -> Any:
    """The lowest cell of a column, blanks left out; None when all are blank."""
    try:
        return min(cells)
    except TypeError:  # a blank: None does not compare (text raises again)
        return min((cell for cell in cells if cell is not None), default=None)


def _highest(cells: Sequence[Any]) -> Any:
    """The highest cell of a column, blanks left out; None when all are blank."""
    try:
        return max(cells)
    except TypeError:
        return max((cell for cell in cells if cell is not None), default=None)


def _runs(periods: Sequence[Any]) -> list[tuple[Any, int, int]]:
    """(period, start, end) of each run of rows of one period, in order."""
    first = periods[0]
    if periods.count(first) == len(periods):  # the usual batch: one period
        return [(first, 0, len(periods))]
    runs, start = [], 0
    for index in range(1, len(periods)):
        if periods[index] != periods[start]:
            runs.append((periods[start], start, index))
            start = index
    runs.append((periods[start], start, len(periods)))
    return runs


def _candidate(batch: Batch, index: int) -> _Candidate:
    """Row ``index`` of the batch, kept as a possible total row."""
    row = batch.rows[index]
    return _Candidate(row_number=row.row_number,
                      cells=["" if cell is None else str(cell) for cell in row.cells],
                      values=batch.values(index))


@attrs.define(kw_only=True, repr=False)
class plausibility(Check):  # noqa: N801 - frictionless names checks in lower case
    """Non-negative counts, percentages in 0–100, totals that add up.

    Total rows are compared by the values the profile builder read (``Batch.values``).
    """

    type = "satudata-plausibility"
    Errors = list(ERRORS)
    columns: Columns
    context: CheckContext
    builder: ProfileBuilder

    def validate_start(self) -> Iterable[Any]:
        columns = self.columns
        schema = self.resource.schema
        fields = {item.name: item for item in schema.fields} if schema else {}

        def declares(name: str, bound: str) -> bool:
            return bound in (fields[name].constraints or {})

        def exact(names: Iterable[str]) -> bool:
            return all(getattr(fields.get(name), "type", None) == "integer" for name in names)

        def percent_bounds(names: Iterable[str]) -> tuple[tuple[str, Any, Any], ...]:
            """(name, lower bound, upper bound) of the percentage columns; a bound the schema
            declares is infinite here (frictionless reports it). Rates of change may leave
            0–100."""
            return tuple((name, _bound(fields[name], "-Infinity" if declares(name, "minimum")
                                       else 0),
                          _bound(fields[name], "Infinity" if declares(name, "maximum") else 100))
                         for name in names if name in fields
                         and not _MAY_LEAVE_RANGE.search(normalise_name(name)))

        # Counts the schema gives no minimum (frictionless reports a declared one).
        self._signed = tuple((name, _bound(fields[name], 0)) for name in columns.counts
                             if name in fields and not declares(name, "minimum"))
        self._percents = percent_bounds(columns.percents)
        self._unit_column = columns.unit_column if columns.unit_column in fields else None
        self._unit_percents = percent_bounds(name for name in columns.measures
                                             if name not in columns.percents)
        self._unit_cache: dict[Any, bool] = {}
        self._text_keys = tuple(name for name in columns.keys
                                if name in fields and fields[name].type == "string")
        self._totals = tuple((total, tuple(parts), exact((total, *parts)))
                             for total, parts in columns.totals.items()
                             if total in fields and parts and all(p in fields for p in parts))
        # For the screen: totals of two parts, and of one or more than two.
        self._sums_of_two = tuple((total, *parts) for total, parts, _exact in self._totals
                                  if len(parts) == 2)
        self._sums_of_parts = tuple((total, _cells_of(parts))
                                    for total, parts, _exact in self._totals if len(parts) != 2)
        self._screen = (self._signed, self._percents, self._sums_of_two, self._sums_of_parts,
                        self._unit_column)
        self._start_total_rows(fields)
        return NO_ERRORS

    def _start_total_rows(self, fields: dict[str, Any]) -> None:
        """Total rows: the count columns the builder reads, periods, words, region codes."""
        measures, keys = self.builder.columns.measures, self.builder.columns.keys
        self._sum_columns = tuple((measures.index(name), name, fields[name].type == "integer")
                                  for name in self.columns.counts
                                  if name in fields and name in measures)
        # False: no counts, or too many periods to follow.
        self._tracking = bool(self._sum_columns)
        self._groups: dict[Any, _Group] = {}
        region = self.columns.region[:1]
        self._region = (region[0] if region and region[0] in keys
                        and fields[region[0]].type == "string" else None)
        self._keys = keys
        self._single_key = len(keys) == 1
        self._periods = tuple(name for name in self.columns.period if name in fields)

    # Per batch ----------------------------------------------------------------------------

    def validate_batch(self, batch: Batch) -> list[Any]:
        if self._passes(batch):
            found: list[Any] = []
        else:
            found = [error for row in batch.rows for error in self._check_row(row)]
        if self._tracking:
            self._track_totals(batch)
        return found

    def _passes(self, batch: Batch) -> bool:
        """Whether no row of the batch can have a finding, by screens of whole columns.

        Text in a number column or a blank in a sum raises TypeError: the batch is then
        checked row by row.
        """
        column = batch.column
        try:
            for name, zero in self._signed:
                lowest = _lowest(column(name))
                if lowest is not None and lowest < zero:
                    return False
            for name, low, high in self._percents:
                cells = column(name)
                lowest = _lowest(cells)
                if lowest is not None and (lowest < low or _highest(cells) > high):
                    return False
            for total, first, second in self._sums_of_two:
                if any(map(ne, column(total), map(add, column(first), column(second)))):
                    return False
            for total, parts in self._sums_of_parts:
                if any(map(ne, column(total), map(sum, zip(*map(column, parts), strict=True)))):
                    return False
        except (TypeError, ArithmeticError):  # ArithmeticError: a Decimal NaN
            return False
        unit_column = self._unit_column
        return unit_column is None or not any(
            map(self._is_percent_unit, set(column(unit_column))))

    def _check_row(self, row: Any) -> Iterable[Any]:
        """A quick screen of one row; anything it does not pass is examined in full."""
        signed, percents, sums_of_two, sums_of_parts, unit_column = self._screen
        try:
            for name, zero in signed:
                value = row[name]
                if value is not None and value < zero:
                    raise _Suspect
            for name, low, high in percents:
                value = row[name]
                if value is not None and (value < low or value > high):
                    raise _Suspect
            for total, first, second in sums_of_two:  # laki_laki + perempuan = jumlah
                value = row[total]
                if value is not None and value != row[first] + row[second]:
                    raise _Suspect
            for total, parts in sums_of_parts:
                value = row[total]
                if value is not None and value != sum(parts(row)):
                    raise _Suspect
            if unit_column is not None and self._percent_row(row):
                for name, low, high in self._unit_percents:
                    value = row[name]
                    if value is not None and (value < low or value > high):
                        raise _Suspect
        except (_Suspect, TypeError, ArithmeticError):  # a blank part, text, floats, NaN
            return self._examine(row)
        return NO_ERRORS

    def _is_percent_unit(self, unit: Any) -> bool:
        """Whether a satuan is persen (the row's measures are then percentages)."""
        percent = self._unit_cache.get(unit)
        if percent is None:
            percent = self._unit_cache[unit] = is_percent_unit(str(unit or ""))
        return percent

    def _percent_row(self, row: Any) -> bool:
        return self._is_percent_unit(row[self._unit_column])

    def _examine(self, row: Any) -> Iterable[Any]:
        """Every finding of a row the screen did not pass."""
        found = None
        for name, zero in self._signed:
            value = row[name]
            if value is not None:
                try:
                    negative = value < zero
                except (TypeError, ArithmeticError):  # text in a count column, NaN
                    figure = number(value)
                    negative = figure is not None and figure < 0
                if negative:
                    found = _add(found, NegativeCountError.from_row(
                        row, note="< 0", field_name=name))
        for name, low, high in self._percents:
            value = row[name]
            if value is not None and _outside(value, low, high):
                found = _add(found, PercentRangeError.from_row(
                    row, note="0–100", field_name=name))
        if self._unit_column is not None and self._percent_row(row):
            for name, low, high in self._unit_percents:
                value = row[name]
                if value is not None and _outside(value, low, high) and not self._rate_row(row):
                    found = _add(found, PercentRangeError.from_row(
                        row, note="0–100", field_name=name))
        for total, parts, exact in self._totals:
            found = self._check_total(row, total, parts, exact, found)
        return found or NO_ERRORS

    def _rate_row(self, row: Any) -> bool:
        """A row whose descriptive cells name a rate of change (laju pertumbuhan ...)."""
        return any(row[key] and _MAY_LEAVE_RANGE.search(row[key].lower())
                   for key in self._text_keys)

    @staticmethod
    def _check_total(row: Any, total: str, parts: tuple[str, ...], exact: bool,
                     found: list | None) -> list | None:
        """The total differs from its parts' sum: within the rounding of the figures?"""
        total_value = row[total]
        if total_value is None:
            return found
        raw = [row[name] for name in parts]
        actual, numbers = number(total_value), [number(value) for value in raw]
        if actual is None or None in numbers:
            return found
        expected = sum(numbers)
        if _differs(actual, expected, [total_value, *raw], exact, len(parts)):
            note = f"{' + '.join(parts)} = {format_number(expected)}"
            found = _add(found, TotalMismatchError.from_row(row, note=note, field_name=total))
        return found

    def _track_totals(self, batch: Batch) -> None:
        """Add each run of rows of one period to that period's group."""
        periods = self._periods
        if not periods:
            runs = [(None, 0, len(batch))]
        elif len(periods) == 1:
            runs = _runs(batch.column(periods[0]))
        else:
            runs = _runs(list(zip(*map(batch.column, periods), strict=True)))
        for period, start, end in runs:
            group = self._groups.get(period)
            if group is None:
                if len(self._groups) >= MAX_GROUPS:
                    self._tracking = False  # a long table of many periods: no total rows
                    return
                width = len(self.builder.columns.measures)
                group = self._groups[period] = _Group(sums=[0] * width, blanks=[0] * width)
            self._add_rows(group, batch, start, end)

    def _add_rows(self, group: _Group, batch: Batch, start: int, end: int) -> None:
        """Rows ``start:end`` of the batch, all of the group's period."""
        whole = start == 0 and end == len(batch)

        def cells(column: Sequence[Any]) -> Sequence[Any]:
            return column if whole else column[start:end]

        for index, name, _exact in self._sum_columns:
            total, blanks = batch.sums[index] if whole else add_up(cells(batch.column(name)))
            try:
                group.sums[index] += total
            except TypeError:  # floats among decimals
                group.sums[index] = float(group.sums[index]) + float(total)
            group.blanks[index] += blanks
        group.rows += end - start
        if not all(TOTAL_FORMS.isdisjoint(cells(batch.column(name))) for name in self._keys):
            single = self._single_key
            for index in range(start, end):  # a row reading Jumlah or Total
                key = batch.keys[index]
                if (key in TOTAL_FORMS) if single else not TOTAL_FORMS.isdisjoint(key):
                    group.word_rows += 1
                    if group.word_rows == 1:
                        group.word_candidate = _candidate(batch, index)
        if self._region is None:
            return
        codes = cells(batch.column(self._region))
        try:  # the usual run: every code under the other codes' common prefix (those lie
            # between the lowest and the highest code of the run, in text order)
            if min(codes).startswith(group.others_dot) and max(codes).startswith(
                    group.others_dot):
                return
        except (TypeError, AttributeError):  # a blank code
            pass
        for index, code in enumerate(codes, start=start):
            if code is not None and not code.startswith(group.others_dot):
                self._track_region(group, code.strip(), batch, index)

    def _track_region(self, group: _Group, code: str, batch: Batch, index: int) -> None:
        """A code not under the other codes' common prefix: a candidate, or a new branch."""
        if len(code) == 4 and code.isdigit():
            code = f"{code[:2]}.{code[2:]}"  # undotted BPS form
        if group.others is not None and code.startswith(group.others_dot):
            return
        if code == group.lcp:
            group.lcp_rows += 1
            return
        common = code if group.lcp is None else _common_segments(group.lcp, code)
        if common != group.lcp:
            if group.lcp_rows:  # the old candidate's code is now one of the others
                self._add_other(group, group.lcp)
            group.lcp, group.lcp_rows, group.region_candidate = common, 0, None
        if code == common:
            group.lcp_rows = 1
            group.region_candidate = _candidate(batch, index)
        else:
            self._add_other(group, code)

    @staticmethod
    def _add_other(group: _Group, code: str) -> None:
        others = code if group.others is None else _common_segments(group.others, code)
        # No common prefix: every code starts with "", nothing left to follow.
        group.others, group.others_dot = others, others + "." if others else ""

    # End ----------------------------------------------------------------------------------

    def validate_end(self) -> Iterable[Any]:
        if not self._tracking:
            return NO_ERRORS
        found: list = []
        field_numbers = {name: position for position, name in
                         enumerate(self.resource.schema.field_names, start=1)}
        for group in self._groups.values():
            candidate = self._total_row(group)
            if candidate is None:
                continue
            for index, name, exact in self._sum_columns:
                value = candidate.values[index]
                total = number(value)
                if total is None or group.blanks[index] > 0:
                    continue  # a blank elsewhere: the sum of the rows is not known
                others = float(group.sums[index]) - total
                terms = group.rows - 1
                if _differs(total, others, [value], exact, terms):
                    position = field_numbers[name]
                    cells = candidate.cells
                    found.append(TotalRowMismatchError(
                        note=f"Σ = {format_number(others)}; n = {terms}",
                        cells=cells, row_number=candidate.row_number,
                        cell=cells[position - 1] if position <= len(cells) else str(value),
                        field_name=name, field_number=position))
        return found

    @staticmethod
    def _total_row(group: _Group) -> _Candidate | None:
        """The one total row of a period, or None when there is none or it is ambiguous."""
        if group.rows < 2 or group.word_rows > 1:
            return None
        region = (group.region_candidate if group.lcp and group.lcp_rows == 1
                  and group.others == group.lcp else None)
        word = group.word_candidate if group.word_rows == 1 else None
        if region and word and region.row_number != word.row_number:
            return None
        return word or region


def _outside(value: Any, low: Any, high: Any) -> bool:
    try:
        return value < low or value > high
    except (TypeError, ArithmeticError):  # text in a numeric column, NaN
        figure = number(value)
        return figure is not None and (figure < low or figure > high)
