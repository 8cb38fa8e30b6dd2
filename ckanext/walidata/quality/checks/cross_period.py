"""Rule 3: the same dataset's previous period.

A figure that moves more than ``max_change_ratio`` from one period to the next is worth a
second look (a unit changed from ribu jiwa to jiwa, a digit slipped); a table whose figures
did not move at all was probably copied forward. Rows are matched by their key in the
previous period's profile; a key repeated in this file (a long table) is compared only the
first time, since the previous profile keeps only its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..columns import Columns
from ..context import CheckContext
from ..findings import SatuDataCellError, SatuDataTableError, Severity
from ..profile import ProfileBuilder
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
        self._rows_active = self._active and bool(current.keys)
        self._pairs: tuple[tuple[int, int, str], ...] = ()
        if self._active:
            index = {name: i for i, name in enumerate(previous.measures)}
            self._pairs = tuple((i, index[name], name) for i, name in enumerate(current.measures)
                                if name in index)
            self._previous_values = previous.values
        self._ratio = self.context.max_change_ratio
        self._label = self.context.previous_label
        # [listed, not listed, compared rows, identical rows]: mutated, never reassigned.
        self._counts = [0, 0, 0, 0]
        return NO_ERRORS

    def validate_row(self, row: Any) -> Iterable[Any]:
        if not self._rows_active:
            return NO_ERRORS
        key, values = self.builder.last
        old = self._previous_values.get(key)
        if old is None:
            return NO_ERRORS
        stored = self.builder.profile.values.get(key)
        if stored is not None and stored is not values:
            return NO_ERRORS  # a key this file repeats: the previous profile kept one
        found = None
        counts = self._counts
        ratio = self._ratio
        compared = differs = False
        for i, j, name in self._pairs:
            new, before = values[i], old[j]
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
                change = (new - before) / abs(before) * 100
                note = (f"{self._label}: {format_number(before)} → {format_number(new)} "
                        f"({change:+.1f} %)")
                found = found or []
                found.append(PeriodChangeWarning.from_row(row, note=note, field_name=name))
        if compared:
            counts[2] += 1
            counts[3] += not differs
        return found or NO_ERRORS

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
