"""Rule 4: one indicator, one figure (Satu Data): other agencies' published datasets.

A peer is a published dataset of another OPD that declares the same indicator, region and
period. Rows are matched by key in the peer's profile; figures that differ beyond rounding
(0.1 %) are named with the peer's label and figure, so the two walidata can settle which is
right. At most ``MAX_LISTED`` differences per peer are listed; the rest are counted. A key
that repeats in this file (a long table, one block a year) is compared once: the peer holds
one period, and it cannot be told here which block is that period, so the first stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..batch import Batch
from ..columns import Columns
from ..context import CheckContext
from ..findings import SatuDataCellError, SatuDataTableError, Severity
from ..profile import ProfileBuilder, floats
from .cross_period import align
from .plausibility import format_number

NO_ERRORS: tuple = ()
TOLERANCE = 0.001  # relative: published figures differ by rounding only
MAX_LISTED = 100  # per peer


@findings.register
@attrs.define(kw_only=True, repr=False)
class PeerMismatchWarning(SatuDataCellError):
    """The note is ``<peer label>: <peer's figure>``."""

    type = "satudata-peer-mismatch"
    title = "Differs from another agency's figure"
    description = ("Another agency published a different figure for the same indicator, "
                   "region and period.")
    template = ('Value "{cell}" in row {rowNumber}, column "{fieldName}" differs from the figure '
                'another agency published for the same indicator ({note}).')
    severity = Severity.WARNING
    title_id = "Berbeda dengan angka OPD lain"
    template_id = ('Nilai "{cell}" di baris {rowNumber} kolom "{fieldName}" berbeda dengan angka '
                   'yang diterbitkan OPD lain untuk indikator yang sama ({note}).')


@findings.register
@attrs.define(kw_only=True, repr=False)
class PeerMismatchMoreWarning(SatuDataTableError):
    """The note is ``<peer label>: <number of differences not listed>``."""

    type = "satudata-peer-mismatch-more"
    title = "More differences from another agency's figures"
    description = "Differences from a peer dataset beyond those listed one by one."
    template = ('More values differ from the figures another agency published than are listed '
                'one by one ({note}).')
    severity = Severity.WARNING
    title_id = "Perbedaan lain dengan angka OPD lain"
    template_id = ('Masih ada nilai lain yang berbeda dengan angka yang diterbitkan OPD lain dan '
                   'tidak dicantumkan satu per satu ({note}).')


ERRORS = (PeerMismatchWarning, PeerMismatchMoreWarning)


@attrs.define(kw_only=True, repr=False)
class cross_agency(Check):  # noqa: N801 - frictionless names checks in lower case
    """Compares each row with the comparable peers of ``context.peers``.

    Compares the rows whose key is new to the file (``Batch.fresh``).
    """

    type = "satudata-cross-agency"
    Errors = list(ERRORS)
    columns: Columns
    context: CheckContext
    builder: ProfileBuilder

    def validate_start(self) -> Iterable[Any]:
        current = self.builder.profile
        peers = []
        if current.keys:
            for peer in self.context.peers:
                if current.comparable_with(peer.profile):
                    # label, aligned figures, [listed, not listed]
                    peers.append((peer.label, align(current, peer.profile), [0, 0]))
        self._peers = tuple(peers)
        return NO_ERRORS

    def validate_batch(self, batch: Batch) -> list[Any]:
        if not self._peers:
            return []
        found: list[Any] = []
        for index in batch.fresh:  # a key this file repeats (a long table) is compared once
            found += self._compare(batch.rows[index], batch.keys[index], batch.values(index))
        return found

    def _compare(self, row: Any, key: Any, values: tuple[Any, ...]) -> list[Any]:
        """The differences of one row from each peer's figures."""
        found: list[Any] = []
        ours_all = None
        for label, aligned, counts in self._peers:
            theirs = aligned.values.get(key)
            if theirs is None and (theirs := aligned.counterpart(key)) is None:
                continue
            ours_all = ours_all or floats(values)
            if aligned.same and ours_all == theirs:
                continue
            for i, j, name in aligned.pairs:
                ours, other = ours_all[i], theirs[j]
                if (ours is None or other is None or ours == other
                        or abs(ours - other) <= TOLERANCE * max(abs(ours), abs(other))):
                    continue
                if counts[0] >= MAX_LISTED:
                    counts[1] += 1
                    continue
                counts[0] += 1
                found.append(PeerMismatchWarning.from_row(
                    row, note=f"{label}: {format_number(other)}", field_name=name))
        return found

    def validate_end(self) -> Iterable[Any]:
        return [PeerMismatchMoreWarning(note=f"{label}: {counts[1]}")
                for label, _aligned, counts in self._peers if counts[1]]
