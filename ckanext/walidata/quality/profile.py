"""A table's profile: what the cross-period and cross-agency checks compare it by.

A profile is built while the file streams through validation and stored with the report:
row count, the sum of each measure column, the values of each row by its key (the
descriptive columns, region code first, period left out; at most ``max_keys`` keys so that
memory stays flat in file size) and an order-independent fingerprint of the keys and values,
the row count and the sums. Two periods with the same fingerprint hold the same figures:
copied forward.
"""

from __future__ import annotations

import decimal
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import attrs
from frictionless import Check

from .columns import Columns

FINGERPRINT_MASK = 2**64 - 1
NO_VALUE = -(2**61)  # stands for a blank in a row's hash
NUMBER_TYPES = frozenset({int, float, decimal.Decimal})
KEY_SEPARATOR = "\x1f"
SUM_BATCH = 512  # rows whose values are kept to be summed at once


def number(value: Any) -> float | None:
    """A measure cell as a float; blanks and non-numbers are None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def row_key(row: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    return KEY_SEPARATOR.join("" if row.get(name) is None else str(row.get(name)).strip()
                              for name in keys)


def row_values(row: Mapping[str, Any], measures: tuple[str, ...]) -> tuple[float | None, ...]:
    return tuple(number(row.get(name)) for name in measures)


def key_text(key: Any) -> str:
    """The stored form of a key: the builder keys rows by their key cells as read (a tuple,
    or the one cell), which is what ``row_key`` would give."""
    cells = key if isinstance(key, tuple) else (key,)
    try:  # up to max_keys of them when a profile is stored: C-level calls where it can
        return KEY_SEPARATOR.join(map(str.strip, cells))
    except TypeError:  # a blank or a non-text cell
        return KEY_SEPARATOR.join("" if cell is None else str(cell).strip() for cell in cells)


def floats(values: tuple[Any, ...]) -> list[float | None]:
    """Values as a stored profile holds them: floats, None for blanks and non-numbers."""
    try:
        return list(map(float, values))
    except (TypeError, ValueError):  # a blank, or text
        return list(map(number, values))


def _number_or_blank(value: Any) -> Any:
    """A value as it is hashed: a number (as read), or NO_VALUE."""
    if type(value) in NUMBER_TYPES:
        return value
    number_ = number(value)
    return NO_VALUE if number_ is None else number_


def _stable_hash(key: Any, values: tuple[Any, ...]) -> int:
    """A hash of a row key and its values that every process computes alike: ``hash`` of
    text is salted per process, of numbers it is not (and equal numbers hash alike: 5, 5.0,
    Decimal("5")). Blanks and text are hashed as numbers or NO_VALUE."""
    try:
        text = key if isinstance(key, str) else KEY_SEPARATOR.join(key)
    except TypeError:  # a blank or a non-text key cell
        text = key_text(key)
    if not NUMBER_TYPES.issuperset(map(type, values)):
        values = tuple(map(_number_or_blank, values))
    return hash((zlib.crc32(text.encode()), values))


@dataclass
class Profile:
    """The comparable summary of one table."""

    keys: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    rows: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    # Each key's first values. Built: keyed by the key cells as read (see ProfileBuilder),
    # values as read; stored (to_dict/from_dict): keyed by ``key_text``, floats or None.
    values: dict[Any, tuple[Any, ...]] = field(default_factory=dict)
    truncated: bool = False
    fingerprint: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "measures": list(self.measures), "rows": self.rows,
                "sums": self.sums,
                "values": {key_text(k): floats(v) for k, v in self.values.items()},
                "truncated": self.truncated, "fingerprint": str(self.fingerprint)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        return cls(keys=tuple(data.get("keys") or ()), measures=tuple(data.get("measures") or ()),
                   rows=int(data.get("rows") or 0), sums=dict(data.get("sums") or {}),
                   values={k: tuple(v) for k, v in (data.get("values") or {}).items()},
                   truncated=bool(data.get("truncated")),
                   fingerprint=int(data.get("fingerprint") or 0))

    def comparable_with(self, other: Profile) -> bool:
        """Same key columns and at least one measure in common."""
        return self.keys == other.keys and bool(set(self.measures) & set(other.measures))


class ProfileBuilder:
    """Accumulates a Profile row by row in bounded memory.

    ``add`` runs on every row of the file, and every bytecode there costs (frictionless's
    own work on the row leaves the caches cold), so it does as little as it can: rows are
    keyed by their key cells as frictionless read them (``key_text`` is applied when the
    profile is stored), values are kept as read (int, Decimal, float, None), the sums are
    added up per batch of rows and the fingerprint is computed when the profile is read.
    """

    def __init__(self, columns: Columns, max_keys: int = 50_000):
        self.columns = columns
        self.max_keys = max_keys
        self._profile = Profile(keys=columns.keys, measures=columns.measures,
                                sums={name: 0.0 for name in columns.measures})
        self._key_cells = _getter(columns.keys, single=True)
        self._value_cells = _getter(columns.measures)
        self._stored = self._profile.values
        self._pending: list[tuple[Any, ...]] = []  # values of the rows not yet summed
        self._sums: list[Any] = [0] * len(columns.measures)
        self._blanks: list[int] = [0] * len(columns.measures)
        self._summed_rows = 0
        self._fingerprinted: tuple[int, int] = (-1, 0)  # (rows, fingerprint) last computed
        # The key and values of the row taken last, for the checks that compare it, and
        # whether an earlier row had its key (a long table: the same region every year).
        self.last: tuple[Any, tuple[Any, ...]] = ((), ())
        self.repeated = False

    @property
    def rows(self) -> int:
        return self._summed_rows + len(self._pending)

    @property
    def profile(self) -> Profile:
        """The profile of the rows taken so far."""
        profile = self._profile
        sums, _blanks = self.running()
        profile.rows = self.rows
        profile.sums = {name: float(total)
                        for name, total in zip(profile.measures, sums, strict=True)}
        if self._fingerprinted[0] != self.rows:
            self._fingerprinted = (self.rows, self._fingerprint())
        profile.fingerprint = self._fingerprinted[1]
        return profile

    def running(self, but_last: bool = False) -> tuple[list[Any], list[int]]:
        """Sums (numbers as read) and blank counts per measure of the rows taken so far, or
        of all but the last one. The lists are not changed afterwards."""
        self._sum(len(self._pending) - 1 if but_last and self._pending else None)
        return list(self._sums), list(self._blanks)

    def add(self, row: Mapping[str, Any]) -> tuple[Any, tuple[Any, ...]]:
        """Take one row; returns its key and values for checks that compare them."""
        key = self._key_cells(row)
        values = self._value_cells(row)
        pending = self._pending
        pending.append(values)
        if len(pending) > SUM_BATCH:
            self._sum(SUM_BATCH)  # the last row stays pending (see ``running``)
        stored = self._stored
        if key in stored:
            self.repeated = True
        else:
            self.repeated = False
            if len(stored) < self.max_keys:
                stored[key] = values
            else:
                self._profile.truncated = True
        self.last = (key, values)
        return self.last

    def _sum(self, upto: int | None = None) -> None:
        """Add the pending rows (or the first ``upto`` of them) to the sums, per column."""
        pending = self._pending[:upto] if upto is not None else self._pending
        if not pending:
            return
        sums, blanks = self._sums, self._blanks
        for index, column in enumerate(zip(*pending, strict=True)):
            try:
                sums[index] += sum(column)
            except TypeError:  # a blank, text, or floats among decimals
                numbers = [_as_number(value) for value in column]
                present = [value for value in numbers if value is not None]
                blanks[index] += len(numbers) - len(present)
                try:
                    sums[index] += sum(present)
                except TypeError:
                    sums[index] = float(sums[index]) + sum(map(float, present))
        self._summed_rows += len(pending)
        self._pending = self._pending[upto:] if upto is not None else []

    def _fingerprint(self) -> int:
        """Order-independent: the values by key, the row count and the sums (which cover the
        rows beyond ``max_keys`` and repeated keys too)."""
        if not self.rows:
            return 0
        total = 0
        for key, values in self._profile.values.items():
            total += _stable_hash(key, values)
        return _stable_hash(str(self.rows), (total & FINGERPRINT_MASK, *self._sums)) \
            & FINGERPRINT_MASK


def _as_number(value: Any) -> Any:
    """A cell as a number to add up (as read when it is one), or None."""
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return value
    return number(value)


def _getter(names: tuple[str, ...], single: bool = False) -> Callable[[Mapping[str, Any]], Any]:
    """The cells of ``names`` as a tuple, even for one name or none; with ``single``, the
    one cell itself for one name (a key needs no tuple)."""
    if not names:
        return lambda row: ()
    if len(names) == 1 and not single:
        get = itemgetter(names[0])
        return lambda row: (get(row),)
    return itemgetter(*names)


NO_ERRORS: tuple = ()


@attrs.define(kw_only=True, repr=False)
class profile_rows(Check):  # noqa: N801 - frictionless names checks in lower case
    """Feeds every row to a ProfileBuilder; comes first so later checks read ``builder.last``."""

    type = "walidata-profile"
    builder: ProfileBuilder

    def validate_row(self, row: Any) -> Iterable[Any]:
        self.builder.add(row)
        return NO_ERRORS
