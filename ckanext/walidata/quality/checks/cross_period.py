"""Rule 3: the same dataset's previous period.

A figure that moves more than ``max_change_ratio`` from one period to the next is worth a
second look (a unit changed from ribu jiwa to jiwa, a digit slipped); a table whose figures
did not move at all was probably copied forward. Rows are matched by their key in the
previous period's profile; a key repeated in this file (a long table) is compared only the
first time, since the previous profile keeps only its first occurrence.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..columns import Columns
from ..context import CheckContext
from ..findings import SatuDataCellError, SatuDataTableError, Severity
from ..profile import Profile, ProfileBuilder
from .plausibility import format_number

NO_ERRORS: tuple = ()
MAX_LISTED = 500  # change warnings listed one by one; the rest are counted
COPIED_SHARE = 0.9
COPIED_MIN_ROWS = 3


@findings.register
@attrs.define(kw_only=True, repr=False)
class PeriodChangeWarning(SatuDataCellError):
    """The note is ``<previous period>: <old> → <new> (<change> %)``."""

    type = "satudata-period-change"
    title = "Sharp change from the previous period"
    description = "A figure differs from the previous period by more than the allowed ratio."
    template = ('Value "{cell}" in row {rowNumber}, column "{fieldName}" changed sharply from '
                'the previous period: {note}.')
    severity = Severity.WARNING
    title_id = "Perubahan tajam dari periode sebelumnya"
    template_id = ('Nilai "{cell}" di baris {rowNumber} kolom "{fieldName}" berubah tajam dari '
                   'periode sebelumnya: {note}.')


@findings.register
@attrs.define(kw_only=True, repr=False)
class PeriodChangeMoreWarning(SatuDataTableError):
    """The note is ``<previous period>: <number of changes not listed>``."""

    type = "satudata-period-change-more"
    title = "More sharp changes from the previous period"
    description = "Sharp changes beyond those listed one by one."
    template = ('More values changed sharply from the previous period than are listed one by '
                'one ({note}).')
    severity = Severity.WARNING
    title_id = "Perubahan tajam lainnya dari periode sebelumnya"
    template_id = ('Masih ada nilai lain yang berubah tajam dari periode sebelumnya dan tidak '
                   'dicantumkan satu per satu ({note}).')


@findings.register
@attrs.define(kw_only=True, repr=False)
class CopiedForwardWarning(SatuDataTableError):
    """The note is ``<previous period>: <identical rows>/<compared rows> = <share> %``."""

    type = "satudata-copied-forward"
    title = "Figures copied from the previous period"
    description = "The table holds the same figures as the previous period."
    template = ('The figures repeat the previous period unchanged ({note} of the compared rows '
                'are identical); check that this period\'s data were really updated.')
    severity = Severity.WARNING
    title_id = "Angka disalin dari periode sebelumnya"
    template_id = ('Angka sama persis dengan periode sebelumnya ({note} baris yang dibandingkan '
                   'identik); pastikan data periode ini benar-benar diperbarui.')


ERRORS = (PeriodChangeWarning, PeriodChangeMoreWarning, CopiedForwardWarning)


@dataclass(frozen=True)
class Aligned:
    """Another profile's figures lined up with this file's rows.

    ``pairs`` are the shared measures as (index in this file's values, name, a relative
    threshold of the type their cells are read as); ``values`` holds the other profile's
    figures by key in that order, as the same type: a stored profile holds floats, while
    frictionless reads a number column as Decimal, and Decimal compares with Decimal
    fast and exactly. ``whole``: the pairs are all this file's measures, in order, so a
    row equal to its counterpart is one tuple comparison.
    """

    pairs: tuple[tuple[int, str, Any], ...]
    values: dict[str, tuple[Any, ...]]
    whole: bool


def _as_decimal(value: Any) -> Any:
    if value is None or isinstance(value, decimal.Decimal):
        return value
    return decimal.Decimal(repr(value) if isinstance(value, float) else value)


def align(current: Profile, other: Profile, schema: Any, threshold: float) -> Aligned:
    """Line ``other`` up with ``current`` (see Aligned); ``schema`` gives the column types."""
    fields = {item.name: item for item in schema.fields} if schema else {}
    index = {name: i for i, name in enumerate(other.measures)}
    pairs, sources, converters = [], [], []
    for i, name in enumerate(current.measures):
        if name not in index:
            continue
        item = fields.get(name)
        is_decimal = (item is not None and item.type == "number"
                      and not getattr(item, "float_number", False))
        pairs.append((i, name, decimal.Decimal(repr(threshold)) if is_decimal else threshold))
        sources.append(index[name])
        converters.append(_as_decimal if is_decimal else None)
    width = len(other.measures)
    values = {}
    for key, row in other.values.items():
        if len(row) != width:
            continue
        values[key] = tuple(row[j] if convert is None else convert(row[j])
                            for j, convert in zip(sources, converters, strict=True))
    whole = [i for i, _name, _threshold in pairs] == list(range(len(current.measures)))
    return Aligned(tuple(pairs), values, whole)


@attrs.define(kw_only=True, repr=False)
class cross_period(Check):  # noqa: N801 - frictionless names checks in lower case
    """Compares each row with the previous period of the same dataset (``context.previous``).

    Reads ``builder.last``, so ``profile_rows`` must run before it in the same checklist.
    """

    type = "satudata-cross-period"
    Errors = list(ERRORS)
    columns: Columns
    context: CheckContext
    builder: ProfileBuilder

    def validate_start(self) -> Iterable[Any]:
        previous = self.context.previous
        current = self.builder.profile
        self._active = previous is not None and current.comparable_with(previous)
        # Without key columns every row has the same key: only the fingerprint compares.
        self._aligned = (align(current, previous, self.resource.schema,
                               self.context.max_change_ratio)
                         if self._active and current.keys else None)
        self._seen = current.values  # this file's first values by key (the builder's dict)
        self._label = self.context.previous_label
        # [listed, not listed, compared rows, identical rows]: mutated, never reassigned.
        self._counts = [0, 0, 0, 0]
        return NO_ERRORS

    def validate_row(self, row: Any) -> Iterable[Any]:
        aligned = self._aligned
        if aligned is None:
            return NO_ERRORS
        key, values = self.builder.last
        old = aligned.values.get(key)
        if old is None:
            return NO_ERRORS
        stored = self._seen.get(key)
        if stored is not None and stored is not values:
            return NO_ERRORS  # a key this file repeats: the previous profile kept one
        counts = self._counts
        if aligned.whole and values == old:
            counts[2] += 1
            counts[3] += 1
            return NO_ERRORS
        found = None
        compared = differs = False
        for (i, name, ratio), before in zip(aligned.pairs, old, strict=True):
            new = values[i]
            if new is None or before is None:
                differs = differs or new is not before
                continue
            compared = True
            if new == before:
                continue
            differs = True
            if before and abs(new - before) > ratio * abs(before):
                if counts[0] >= MAX_LISTED:
                    counts[1] += 1
                    continue
                counts[0] += 1
                found = found or []
                found.append(PeriodChangeWarning.from_row(
                    row, note=self._change_note(float(before), float(new)), field_name=name))
        if compared:
            counts[2] += 1
            counts[3] += not differs
        return found or NO_ERRORS

    def _change_note(self, before: float, new: float) -> str:
        change = (new - before) / abs(before) * 100
        return f"{self._label}: {format_number(before)} → {format_number(new)} ({change:+.1f} %)"

    def validate_end(self) -> Iterable[Any]:
        if not self._active:
            return NO_ERRORS
        _listed, unlisted, compared, identical = self._counts
        found: list = []
        if unlisted:
            found.append(PeriodChangeMoreWarning(note=f"{self._label}: {unlisted}"))
        current, previous = self.builder.profile, self.context.previous
        if current.rows and current.fingerprint == previous.fingerprint:
            compared = identical = max(compared, current.rows)  # the very same rows
        elif compared < COPIED_MIN_ROWS or identical < COPIED_SHARE * compared:
            return found
        share = identical / compared * 100
        found.append(CopiedForwardWarning(
            note=f"{self._label}: {identical}/{compared} = {share:.0f} %"))
        return found
