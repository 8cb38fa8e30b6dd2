"""The Satu Data quality rules as frictionless checks, one module per rule.

``satudata_checks`` gives the checklist in its required order: ``profile_rows`` first, as
the plausibility, cross-period and cross-agency checks read what it has just taken.
"""

from __future__ import annotations

from frictionless import Check

from ..columns import Columns
from ..context import CheckContext
from ..profile import ProfileBuilder, profile_rows
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

__all__ = ["ERROR_CLASSES", "cross_agency", "cross_period", "personal_data", "plausibility",
           "reference_codes", "satudata_checks"]


def satudata_checks(columns: Columns, context: CheckContext,
                    builder: ProfileBuilder) -> list[Check]:
    """Every Satu Data check for one table, ``profile_rows`` first (the others read it)."""
    return [
        profile_rows(builder=builder),
        reference_codes(columns=columns, context=context),
        plausibility(columns=columns, context=context, builder=builder),
        cross_period(columns=columns, context=context, builder=builder),
        cross_agency(columns=columns, context=context, builder=builder),
        personal_data(columns=columns, context=context),
    ]
