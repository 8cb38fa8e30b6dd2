"""Rule 3: the same dataset's previous period.

A figure that moves more than ``max_change_ratio`` from one period to the next is worth a
second look (a unit changed from ribu jiwa to jiwa, a digit slipped); a table whose figures
did not move at all was probably copied forward. Rows are matched by their key in the
previous period's profile; a key repeated in this file (a long table, one block a year) is
compared only the first time, since the previous profile keeps only its first occurrence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..batch import Batch
from ..columns import Columns
from ..context import CheckContext
from ..findings import SatuDataCellError, SatuDataTableError, Severity
from ..profile import KEY_SEPARATOR, Profile, ProfileBuilder, floats, key_text
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
    """Another profile's figures, found by this file's row keys.

    A stored profile holds floats by key text; the builder keys this file's rows by their
    key cells as read and keeps numbers as read (Decimal for a number column). So the other
    profile's keys are reshaped once (``values``), and a row's numbers become floats when it
    has a counterpart (``floats``). ``pairs``: the shared measures as (index in this file's
    values, index in the other's, name); ``same``: both have the same measures in the same
    order, so an unchanged row is one tuple comparison.
    """

    pairs: tuple[tuple[int, int, str], ...]
    values: dict[Any, tuple[Any, ...]]
    same: bool
    shape: Callable[[Any], Any]  # a row key → its stored form

    def counterpart(self, key: Any) -> tuple[Any, ...] | None:
        """The other profile's figures for a row key; a key with stray spaces, blanks or
        non-text cells is looked up again in its stored form."""
        found = self.values.get(key)
        if found is None:
            try:  # the usual miss (a new region): text cells without stray spaces
                stripped = key.strip() if isinstance(key, str) else tuple(map(str.strip, key))
                if stripped == key:
                    return None
            except TypeError:
                pass
            found = self.values.get(self.shape(key))
        return found


_STORED_TYPES = frozenset({float, int, type(None)})


def key_shape(keys: tuple[str, ...]) -> Callable[[Any], Any]:
    """A key (stored text, or cells as read) → its stored form in the builder's shape: the
    one cell, or a tuple of cells, each stripped, blanks as ""."""
    if len(keys) == 1:
        return key_text
    return lambda key: tuple(key_text(key).split(KEY_SEPARATOR))


def align(current: Profile, other: Profile) -> Aligned:
    """Line ``other`` up with ``current``'s rows (see Aligned)."""
    index = {name: j for j, name in enumerate(other.measures)}
    pairs = tuple((i, index[name], name) for i, name in enumerate(current.measures)
                  if name in index)
    shape = key_shape(current.keys)
    single = len(current.keys) == 1
    values = {}
    for key, row in other.values.items():  # up to max_keys: kept to C-level calls
        if not isinstance(key, str):  # a profile not stored: key cells as read
            key = shape(key)
        elif not single:  # a stored profile: its keys are key text already
            key = tuple(key.split(KEY_SEPARATOR))
        if not _STORED_TYPES.issuperset(map(type, row)):  # not stored: numbers as read
            row = floats(row)
        values.setdefault(key, row)
    return Aligned(pairs, values, tuple(current.measures) == tuple(other.measures), shape)


@attrs.define(kw_only=True, repr=False)
class cross_period(Check):  # noqa: N801 - frictionless names checks in lower case
    """Compares each row with the previous period of the same dataset (``context.previous``).

    Compares the rows whose key is new to the file (``Batch.fresh``).
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
        self._aligned = align(current, previous) if self._active and current.keys else None
        self._label = self.context.previous_label
        self._ratio = self.context.max_change_ratio
        # [listed, not listed, compared rows, identical rows]: mutated, never reassigned.
        self._counts = [0, 0, 0, 0]
        return NO_ERRORS

    def validate_batch(self, batch: Batch) -> list[Any]:
        aligned = self._aligned
        if aligned is None:
            return []
        found: list[Any] = []
        for index in batch.fresh:  # a key this file repeats (a long table) is compared once
            key = batch.keys[index]
            old = aligned.values.get(key)
            if old is None and (old := aligned.counterpart(key)) is None:
                continue
            found += self._compare(batch.rows[index], batch.values(index), old)
        return found

    def _compare(self, row: Any, values: tuple[Any, ...], old: tuple[Any, ...]) -> list[Any]:
        """The sharp changes of one row from its previous period."""
        aligned = self._aligned
        values = floats(values)
        counts = self._counts
        if aligned.same and values == old:
            counts[2] += 1
            counts[3] += 1
            return []
        found: list[Any] = []
        ratio = self._ratio
        compared = differs = False
        for i, j, name in aligned.pairs:
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
                found.append(PeriodChangeWarning.from_row(
                    row, note=self._change_note(before, new), field_name=name))
        if compared:
            counts[2] += 1
            counts[3] += not differs
        return found

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
