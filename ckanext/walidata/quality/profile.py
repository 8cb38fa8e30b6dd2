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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .batch import Batch
from .columns import Columns

FINGERPRINT_MASK = 2**64 - 1
NO_VALUE = -(2**61)  # stands for a blank in a row's hash
KEY_SEPARATOR = "\x1f"


def number(value: Any) -> float | None:
    """A measure cell as a float; blanks and non-numbers (NaN included) are None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if result != result else result  # NaN is not equal to itself


def key_text(key: Any) -> str:
    """The stored form of a key (its cells stripped, joined by KEY_SEPARATOR): the builder
    keys rows by their key cells as read (a tuple, or the one cell)."""
    cells = key if isinstance(key, tuple) else (key,)
    try:  # up to max_keys of them when a profile is stored: C-level calls where it can
        return KEY_SEPARATOR.join(map(str.strip, cells))
    except TypeError:  # a blank or a non-text cell
        return KEY_SEPARATOR.join("" if cell is None else str(cell).strip() for cell in cells)


def floats(values: tuple[Any, ...]) -> tuple[float | None, ...]:
    """Values as a stored profile holds them: floats, None for blanks, text and NaN."""
    try:
        result = tuple(map(float, values))
    except (TypeError, ValueError):  # a blank, or text
        return tuple(map(number, values))
    if any(value != value for value in result):  # a NaN cell
        return tuple(map(number, values))
    return result


def _number_or_blank(value: Any) -> Any:
    """A value as it is hashed: a number (as read), or NO_VALUE (a blank, text, NaN: the hash
    of a NaN is its object's, which no other run shares)."""
    kind = type(value)
    if kind is int or (kind is float and value == value) or (
            kind is decimal.Decimal and not value.is_nan()):
        return value
    number_ = number(value)
    return NO_VALUE if number_ is None else number_


def _stable_hash(key: Any, values: tuple[Any, ...]) -> int:
    """A hash of a row key and its values that every process computes alike: ``hash`` of
    text is salted per process, of numbers it is not (and equal numbers hash alike: 5, 5.0,
    Decimal("5")). Blanks, text and NaN are hashed as numbers or NO_VALUE."""
    try:
        text = key if isinstance(key, str) else KEY_SEPARATOR.join(key)
    except TypeError:  # a blank or a non-text key cell
        text = key_text(key)
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
                "values": {key_text(k): list(floats(v)) for k, v in self.values.items()},
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
    """Accumulates a Profile batch by batch in bounded memory.

    ``take`` runs on every batch of a file of millions of rows, so it stays in C-level calls
    where it can: rows are keyed by their key cells as frictionless read them (``key_text``
    is applied when the profile is stored), values are kept as read (int, Decimal, float,
    None), sums are added up per column and the fingerprint is computed when the profile is
    read.
    """

    def __init__(self, columns: Columns, max_keys: int = 50_000):
        self.columns = columns
        self.max_keys = max_keys
        self._profile = Profile(keys=columns.keys, measures=columns.measures,
                                sums={name: 0.0 for name in columns.measures})
        self._value_cells = _getter(columns.measures)
        self._stored = self._profile.values
        self._seen: set[int] = set()  # hashes of the stored keys
        self._sums: list[Any] = [0] * len(columns.measures)
        self._blanks: list[int] = [0] * len(columns.measures)
        self.rows = 0
        self._fingerprinted: tuple[int, int] = (-1, 0)  # (rows, fingerprint) last computed

    @property
    def profile(self) -> Profile:
        """The profile of the rows taken so far."""
        profile = self._profile
        profile.rows = self.rows
        profile.sums = {name: float(total)
                        for name, total in zip(profile.measures, self._sums, strict=True)}
        if self._fingerprinted[0] != self.rows:
            self._fingerprinted = (self.rows, self._fingerprint())
        profile.fingerprint = self._fingerprinted[1]
        return profile

    def take(self, rows: Sequence[Any], names: tuple[str, ...]) -> Batch:
        """Take consecutive rows of a table of fields ``names``; returns them as a Batch.

        Keys and sums are read from the batch's columns, which the rules read again.
        """
        batch = Batch(rows, names, value_cells=self._value_cells, key_names=self.columns.keys)
        column = batch.column
        sums, blanks = self._sums, self._blanks
        batch.sums = [add_up(column(name)) for name in self.columns.measures]
        for index, (total, blank) in enumerate(batch.sums):
            try:
                sums[index] += total
            except TypeError:  # floats among decimals
                sums[index] = float(sums[index]) + float(total)
            blanks[index] += blank
        self.rows += len(rows)
        # Keys no earlier batch had. A long table's later blocks repeat known keys: their
        # hashes tell it without reading the stored keys, which are long out of the memory
        # cache (two different keys of the same 64-bit hash would pass as one: for 50,000
        # keys the odds are about 1 in 10^10).
        if self._seen.issuperset(map(hash, batch.iter_keys())):
            return batch
        # Each key's first row in the batch (a later duplicate is written first, then
        # overwritten), unless stored (set.difference looks each up in the dict: it never
        # walks ``stored``).
        stored = self._stored
        keys = batch.keys
        first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
        fresh = sorted(map(first.__getitem__, set(first).difference(stored)))
        room = self.max_keys - len(stored)
        for index in fresh[:room]:
            stored[keys[index]] = batch.values(index)
            self._seen.add(hash(keys[index]))
        if len(fresh) > room:
            self._profile.truncated = True
        batch.fresh = fresh
        return batch

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


def add_up(cells: Iterable[Any]) -> tuple[Any, int]:
    """The sum of a column's numbers (as read: int, Decimal, float) and its blank count.

    Text that reads as a number counts; other text and NaN are blanks. The usual column of
    one numeric type is one C-level ``sum``.
    """
    cells = cells if isinstance(cells, (list, tuple)) else list(cells)
    try:
        total = sum(cells)
        if total == total:  # not NaN
            return total, 0
    except (TypeError, ArithmeticError):  # a blank, text, floats among decimals, sNaN
        pass
    numbers = [_as_number(value) for value in cells]
    present = [value for value in numbers if value is not None]
    try:
        total = sum(present)
    except TypeError:
        total = sum(map(float, present))
    return total, len(numbers) - len(present)


def _as_number(value: Any) -> Any:
    """A cell as a number to add up (as read when it is one), or None (NaN included)."""
    return value if _number_or_blank(value) is value else number(value)


def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The cells of ``names`` as a tuple, even for one name or none."""
    if not names:
        return lambda row: ()
    if len(names) == 1:
        get = itemgetter(names[0])
        return lambda row: (get(row),)
    return itemgetter(*names)
