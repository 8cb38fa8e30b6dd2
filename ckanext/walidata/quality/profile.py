"""A table's profile: what the cross-period and cross-agency checks compare it by.

A profile is built while the file streams through validation and stored with the report:
row count, the sum of each measure column, the values of each row by its key (the
descriptive columns, region code first, period left out; at most ``max_keys`` keys so that
memory stays flat in file size) and an order-independent fingerprint of all rows' keys and
values. Two periods with the same fingerprint hold the same figures: copied forward.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import attrs
from frictionless import Check

from .columns import Columns

FINGERPRINT_MODULUS = 2**64
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


def _row_hash(key: str, values: tuple[float | None, ...]) -> int:
    text = key + KEY_SEPARATOR + KEY_SEPARATOR.join("" if v is None else repr(v)
                                                    for v in values)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@dataclass
class Profile:
    """The comparable summary of one table."""

    keys: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    rows: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    values: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    truncated: bool = False
    fingerprint: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"keys": list(self.keys), "measures": list(self.measures), "rows": self.rows,
                "sums": self.sums, "values": {k: list(v) for k, v in self.values.items()},
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
    """Accumulates a Profile row by row in bounded memory."""

    def __init__(self, columns: Columns, max_keys: int = 50_000):
        self.columns = columns
        self.max_keys = max_keys
        self.profile = Profile(keys=columns.keys, measures=columns.measures,
                               sums={name: 0.0 for name in columns.measures})
        self._fingerprint = 0
        # The key and values of the row taken last, for the checks that compare it.
        self.last: tuple[str, tuple[float | None, ...]] = ("", ())

    def add(self, row: Mapping[str, Any]) -> tuple[str, tuple[float | None, ...]]:
        """Take one row; returns its key and values for checks that compare them."""
        profile = self.profile
        key = row_key(row, profile.keys)
        values = row_values(row, profile.measures)
        profile.rows += 1
        sums = profile.sums
        for name, value in zip(profile.measures, values, strict=True):
            if value is not None:
                sums[name] += value
        if key not in profile.values:
            if len(profile.values) < self.max_keys:
                profile.values[key] = values
            else:
                profile.truncated = True
        self._fingerprint = (self._fingerprint + _row_hash(key, values)) % FINGERPRINT_MODULUS
        profile.fingerprint = self._fingerprint
        self.last = (key, values)
        return self.last


NO_ERRORS: tuple = ()


@attrs.define(kw_only=True, repr=False)
class profile_rows(Check):  # noqa: N801 - frictionless names checks in lower case
    """Feeds every row to a ProfileBuilder; comes first so later checks read ``builder.last``."""

    type = "walidata-profile"
    builder: ProfileBuilder

    def validate_row(self, row: Any) -> Iterable[Any]:
        self.builder.add(row)
        return NO_ERRORS
