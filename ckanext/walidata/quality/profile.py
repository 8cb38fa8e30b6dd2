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
from operator import add, itemgetter
from typing import Any

import attrs
from frictionless import Check

from .columns import Columns

FINGERPRINT_MASK = 2**64 - 1
NO_VALUE = -(2**61)  # stands for a blank in a row's hash
KEY_SEPARATOR = "\x1f"


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


def _stable_hash(key: str, values: tuple[Any, ...]) -> int:
    """A hash that every process computes alike: ``hash`` of text is salted per process, of
    numbers it is not, and equal numbers hash alike (5, 5.0, Decimal("5")). A blank is
    NO_VALUE: the hash of None is not stable before Python 3.12."""
    if None in values:
        values = tuple(NO_VALUE if value is None else value for value in values)
    return hash((zlib.crc32(key.encode()), values))


@dataclass
class Profile:
    """The comparable summary of one table."""

    keys: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    rows: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    # Numbers as read (int, float, Decimal; floats once stored), None when blank.
    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    truncated: bool = False
    fingerprint: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "measures": list(self.measures), "rows": self.rows,
                "sums": self.sums,
                "values": {k: [number(x) for x in v] for k, v in self.values.items()},
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

    ``add`` runs on every row of the file, so the usual row (text keys, numbers, no blanks)
    takes a path of C-level calls and nothing else: values stay as frictionless read them
    (int, Decimal, float) and become floats when the profile is stored; the fingerprint is
    computed when the profile is read. Other checks may read the running state: ``sums``
    (per measure, as read; a new list for every row, never changed in place, so
    ``sums_before``, the sums before the last row, stays valid), ``blanks`` (per measure,
    likewise) and ``rows``.
    """

    def __init__(self, columns: Columns, max_keys: int = 50_000):
        self.columns = columns
        self.max_keys = max_keys
        self._profile = Profile(keys=columns.keys, measures=columns.measures,
                                sums={name: 0.0 for name in columns.measures})
        self._key_cells = _getter(columns.keys)
        self._value_cells = _getter(columns.measures)
        self.sums: list[Any] = [0] * len(columns.measures)
        self.sums_before: list[Any] = self.sums
        self.blanks: list[int] = [0] * len(columns.measures)
        self.rows = 0
        self._fingerprinted: tuple[int, int] = (-1, 0)  # (rows, fingerprint) last computed
        # The key and values (numbers as read, None when blank) of the row taken last, for
        # the checks that compare it.
        self.last: tuple[str, tuple[Any, ...]] = ("", ())

    @property
    def profile(self) -> Profile:
        """The profile of the rows taken so far."""
        profile = self._profile
        profile.rows = self.rows
        profile.sums = {name: float(total)
                        for name, total in zip(profile.measures, self.sums, strict=True)}
        if self._fingerprinted[0] != self.rows:
            self._fingerprinted = (self.rows, self._fingerprint())
        profile.fingerprint = self._fingerprinted[1]
        return profile

    def _fingerprint(self) -> int:
        """Order-independent: the values by key, the row count and the sums (which cover the
        rows beyond ``max_keys`` and repeated keys too)."""
        if not self.rows:
            return 0
        total = 0
        for key, values in self._profile.values.items():
            total += _stable_hash(key, values)
        return _stable_hash(str(self.rows), (total & FINGERPRINT_MASK, *self.sums)) \
            & FINGERPRINT_MASK

    def add(self, row: Mapping[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """Take one row; returns its key and values for checks that compare them."""
        try:
            key = KEY_SEPARATOR.join(map(str.strip, self._key_cells(row)))
        except (TypeError, KeyError):  # a blank or a non-text key cell
            key = row_key(row, self._profile.keys)
        self.sums_before = sums = self.sums
        try:
            values = self._value_cells(row)
            self.sums = list(map(add, sums, values))
        except (TypeError, KeyError):  # a blank, text, or floats among decimals
            values = self._add_slowly(row)
        self.rows += 1
        stored = self._profile.values
        if len(stored) < self.max_keys:
            stored.setdefault(key, values)
        elif key not in stored:
            self._profile.truncated = True
        self.last = (key, values)
        return self.last

    def _add_slowly(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The values of a row with a blank or text among them, added to new sums."""
        values: list[Any] = []
        sums, blanks = list(self.sums), None
        for index, name in enumerate(self._profile.measures):
            value = row.get(name)
            if value is not None and not isinstance(value, (int, float, decimal.Decimal)):
                value = number(value)
            if value is None or isinstance(value, bool):
                values.append(None)
                blanks = blanks or list(self.blanks)
                blanks[index] += 1
                continue
            try:
                sums[index] += value
            except TypeError:  # a float among decimals
                sums[index] = float(sums[index]) + float(value)
            values.append(value)
        self.sums = sums
        if blanks is not None:
            self.blanks = blanks
        return tuple(values)


def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The cells of ``names`` as a tuple, even for one name or none."""
    if not names:
        return lambda row: ()
    if len(names) == 1:
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
