"""Rows handed to the Satu Data rules a batch at a time.

Frictionless calls every check once per row. At a million rows, a rule that reads a few
cells and compares them costs as much in Python calls as in work, so the rules see rows in
batches instead: they read whole columns at once (``column``) and screen them with C-level
calls (``min``, ``set``, ``map``), going row by row only through a batch the screen does
not pass. The ``satudata`` check (``checks/__init__.py``) collects the batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

BATCH_ROWS = 100  # rows per batch: larger batches lose more to the memory cache than they save
PROGRESS_ROWS = 20_000  # rows between two progress reports of a validation run


@dataclass
class Batch:
    """Consecutive rows of one file, with what the profile builder read from them.

    ``keys`` are each row's key cells (of ``key_names``, see ProfileBuilder); ``fresh`` the
    indices of the rows whose key no earlier row had: the first occurrence of each key, which
    the cross-period and cross-agency checks compare; ``sums`` each measure's (see
    ``profile.add_up``); ``values(index)`` a row's measures.
    """

    rows: Sequence[Any]
    names: tuple[str, ...]  # the fields whose cells ``column`` gives
    value_cells: Callable[[Any], tuple[Any, ...]]  # a row → its measures
    key_names: tuple[str, ...] = ()
    fresh: Sequence[int] = ()
    sums: Sequence[tuple[Any, int]] = ()  # per measure: the sum of its numbers, its blanks
    _columns: dict[str, Sequence[Any]] | None = field(default=None, repr=False)
    _keys: Sequence[Any] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> Sequence[Any]:
        """The cells of one field, in row order.

        All the fields are read at the first call, one C-level call per row, and turned
        into columns at once: cheaper than reading the rows again for each field.
        """
        columns = self._columns
        if columns is None:
            columns = self._columns = _transpose(self.rows, self.names)
        return columns[name]

    @property
    def keys(self) -> Sequence[Any]:
        if self._keys is None:
            self._keys = list(self.iter_keys())
        return self._keys

    def iter_keys(self) -> Iterator[Any]:
        """Each row's key: the one key cell, or a tuple of them (not kept: a tuple that
        is let go of is reused for the next row)."""
        names = self.key_names
        if len(names) == 1:
            return iter(self.column(names[0]))
        if names:
            return zip(*map(self.column, names), strict=True)
        return repeat((), len(self.rows))

    def values(self, index: int) -> tuple[Any, ...]:
        """The measures of one row, as the profile keeps them."""
        return self.value_cells(self.rows[index])


def _transpose(rows: Sequence[Any], names: tuple[str, ...]) -> dict[str, Sequence[Any]]:
    if len(names) == 1:  # itemgetter of one name gives the cell, not a tuple
        return {names[0]: list(map(itemgetter(names[0]), rows))}
    if not names or not rows:
        return {name: () for name in names}
    cells = zip(*map(itemgetter(*names), rows), strict=True)
    return dict(zip(names, cells, strict=True))
