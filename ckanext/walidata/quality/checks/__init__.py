"""The Satu Data quality rules as frictionless checks, one module per rule.

Each rule is a frictionless ``Check`` (its own errors, ``validate_start``/``validate_end``)
that reads rows in batches (``validate_batch``, see ``quality/batch.py``). The ``satudata``
check runs them: it collects the rows frictionless hands it, lets the profile builder take
each batch (the cross-period and cross-agency checks compare what it read), then passes the
batch to every rule in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs
from frictionless import Check

from ..batch import BATCH_ROWS, PROGRESS_ROWS
from ..columns import Columns
from ..context import CheckContext
from ..profile import ProfileBuilder
from . import cross_agency as _cross_agency
from . import cross_period as _cross_period
from . import personal_data as _personal_data
from . import plausibility as _plausibility
from . import reference_codes as _reference_codes
from .cross_agency import cross_agency
from .cross_period import cross_period
from .personal_data import personal_data
from .plausibility import plausibility
from .reference_codes import reference_codes

ERROR_CLASSES = (*_reference_codes.ERRORS, *_plausibility.ERRORS, *_cross_period.ERRORS,
                 *_cross_agency.ERRORS, *_personal_data.ERRORS)
NO_ERRORS: tuple = ()

__all__ = ["ERROR_CLASSES", "cross_agency", "cross_period", "personal_data", "plausibility",
           "reference_codes", "satudata", "satudata_checks"]


@attrs.define(kw_only=True, repr=False)
class satudata(Check):  # noqa: N801 - frictionless names checks in lower case
    """Runs the Satu Data rules over batches of ``batch_rows`` rows.

    A rule's findings come when its batch is full (or at the end of the file), up to
    ``batch_rows`` rows after frictionless's own errors of the same rows:
    ``findings.sort_errors`` puts a report back in row order. ``on_progress`` is called with
    the rows checked so far every ``PROGRESS_ROWS`` rows: at a batch's end, no cost per row.
    """

    type = "satudata"
    Errors = list(ERROR_CLASSES)
    builder: ProfileBuilder
    rules: list[Check]
    batch_rows: int = BATCH_ROWS
    on_progress: Callable[[int], None] | None = None

    def connect(self, resource: Any) -> None:
        super().connect(resource)
        for rule in self.rules:
            rule.connect(resource)

    def validate_start(self) -> Iterable[Any]:
        self._rows: list[Any] = []
        self._report_at = PROGRESS_ROWS
        schema = self.resource.schema
        self._names = tuple(schema.field_names) if schema else ()
        return [error for rule in self.rules for error in rule.validate_start()]

    def validate_row(self, row: Any) -> Iterable[Any]:
        rows = self._rows
        rows.append(row)
        if len(rows) < self.batch_rows:
            return NO_ERRORS
        return self.flush()

    def flush(self) -> list[Any]:
        """Check the rows collected so far."""
        rows, self._rows = self._rows, []
        if not rows:
            return []
        batch = self.builder.take(rows, self._names)
        found = [error for rule in self.rules for error in rule.validate_batch(batch)]
        checked = self.builder.rows
        if self.on_progress is not None and checked >= self._report_at:
            self._report_at = checked - checked % PROGRESS_ROWS + PROGRESS_ROWS
            self.on_progress(checked)
        return found

    def validate_end(self) -> Iterable[Any]:
        return self.flush() + [error for rule in self.rules for error in rule.validate_end()]

    def rule(self, kind: type[Check]) -> Check | None:
        """The rule of this class, if it runs."""
        return next((rule for rule in self.rules if isinstance(rule, kind)), None)


def satudata_checks(columns: Columns, context: CheckContext, builder: ProfileBuilder,
                    batch_rows: int = BATCH_ROWS,
                    on_progress: Callable[[int], None] | None = None) -> list[Check]:
    """The checklist of every Satu Data rule for one table."""
    return [satudata(builder=builder, batch_rows=batch_rows, on_progress=on_progress, rules=[
        reference_codes(columns=columns, context=context),
        plausibility(columns=columns, context=context, builder=builder),
        cross_period(columns=columns, context=context, builder=builder),
        cross_agency(columns=columns, context=context, builder=builder),
        personal_data(columns=columns, context=context),
    ])]
