"""The budget of one search request, so that no request can hold the portal.

Each string of a request used to be capped on its own, but nothing capped
the request as a whole: a thousand short ``fq_list`` filters, three thousand
facet fields or a thousand-word ``q`` each passed every check and kept a
worker (and PostgreSQL) busy for seconds to minutes. The budget counts over
the whole request, after parsing, and every refusal names the option that
sets the limit, so a portal operator knows what to raise and a client what
to cut. ``statement_timeout`` is the last guard for whatever the counts miss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.common import config
from ckan.lib.formatters import localised_number

PREFIX = "ckanext.walidata.search."
MAX_CLAUSES = PREFIX + "max_clauses"
MAX_QUERY_LENGTH = PREFIX + "max_query_length"
MAX_FACET_FIELDS = PREFIX + "max_facet_fields"
MAX_SORT_FIELDS = PREFIX + "max_sort_fields"
MAX_RESULT_FIELDS = PREFIX + "max_result_fields"
STATEMENT_TIMEOUT = PREFIX + "statement_timeout"
ROWS_MAX = "ckan.search.rows_max"

# The defaults of config_declaration.yaml, for a process that has not loaded it.
DEFAULTS = {MAX_CLAUSES: 100, MAX_QUERY_LENGTH: 10_000, MAX_FACET_FIELDS: 50,
            MAX_SORT_FIELDS: 10, MAX_RESULT_FIELDS: 100, STATEMENT_TIMEOUT: 1_000,
            ROWS_MAX: 1_000}


class LimitExceeded(ValueError):
    """A request over one of the limits; the message names the option."""


def _number(value: int) -> str:
    """A count as the user's language writes it (1,000 or 1.000)."""
    try:
        return localised_number(value)
    except (RuntimeError, TypeError, ValueError):  # outside a request: no locale
        return f"{value:,}"


def _setting(key: str) -> int:
    value = config.get(key)
    try:
        return int(value) if value not in (None, "") else DEFAULTS[key]
    except (TypeError, ValueError):
        return DEFAULTS[key]


@dataclass(frozen=True)
class SearchLimits:
    """The configured limits; read once per search (tests and operators change them live)."""

    max_clauses: int
    max_query_length: int
    max_facet_fields: int
    max_sort_fields: int
    max_result_fields: int
    rows_max: int
    statement_timeout_ms: int

    @classmethod
    def from_config(cls) -> SearchLimits:
        return cls(max_clauses=_setting(MAX_CLAUSES),
                   max_query_length=_setting(MAX_QUERY_LENGTH),
                   max_facet_fields=_setting(MAX_FACET_FIELDS),
                   max_sort_fields=_setting(MAX_SORT_FIELDS),
                   max_result_fields=_setting(MAX_RESULT_FIELDS),
                   rows_max=_setting(ROWS_MAX),
                   statement_timeout_ms=max(0, _setting(STATEMENT_TIMEOUT)))

    def check_length(self, texts: list[Any]) -> None:
        """The query strings together (q, fq, fq_list, bf): checked before any parsing."""
        length = sum(len(t) for t in texts if isinstance(t, str))
        if length > self.max_query_length:
            raise LimitExceeded(tk._(
                "The search text is {count} characters long; at most {limit} are allowed "
                "({option})").format(count=_number(length),
                                     limit=_number(self.max_query_length),
                                     option=MAX_QUERY_LENGTH))

    def check_clauses(self, count: int) -> None:
        if count > self.max_clauses:
            raise LimitExceeded(tk._(
                "The search has {count} clauses; at most {limit} are allowed "
                "({option})").format(count=_number(count), limit=_number(self.max_clauses),
                                     option=MAX_CLAUSES))

    def check_facet_fields(self, count: int) -> None:
        if count > self.max_facet_fields:
            raise LimitExceeded(tk._(
                "The search asks for {count} facet fields; at most {limit} are allowed "
                "({option})").format(count=_number(count),
                                     limit=_number(self.max_facet_fields),
                                     option=MAX_FACET_FIELDS))

    def check_sort_fields(self, count: int) -> None:
        if count > self.max_sort_fields:
            raise LimitExceeded(tk._(
                "The search sorts by {count} fields; at most {limit} are allowed "
                "({option})").format(count=_number(count), limit=_number(self.max_sort_fields),
                                     option=MAX_SORT_FIELDS))

    def check_result_fields(self, count: int) -> None:
        if count > self.max_result_fields:
            raise LimitExceeded(tk._(
                "The search asks for {count} result fields (fl); at most {limit} are "
                "allowed ({option})").format(count=_number(count),
                                             limit=_number(self.max_result_fields),
                                             option=MAX_RESULT_FIELDS))

    def timeout_message(self) -> str:
        return tk._(
            "The search took longer than {limit} ms and was stopped ({option}); "
            "try fewer or more specific terms").format(
                limit=_number(self.statement_timeout_ms), option=STATEMENT_TIMEOUT)
