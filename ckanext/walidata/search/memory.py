"""An in-memory term index for facet counts and simple filters, as Solr keeps one.

Counting facets over tens of thousands of matching datasets row by row in
SQL costs seconds (``bench/search.py``); Solr answers from per-field term
lists in memory. This module keeps the same kind of structure per process:
for every document number, the ids of its terms (``field=value``) for the
filter fields and the configured facet fields, plus its bounding box and
dates. A filter made only of such terms, date ranges and ckanext-spatial's
bbox function query is evaluated here with numpy; any other query asks
PostgreSQL for the matching document numbers, and the facets are counted
here either way.

Freshness: every write to the index table takes the next version from a
counter row in its own transaction (migration 0002), so versions are
granted in commit order. Before each search the process reads the counter
on a separate connection (committed state only) and loads what changed
since the version it holds.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa

from . import sql as sqlc
from .syntax import (
    Boolean,
    Exists,
    FieldValue,
    Function,
    FunctionRange,
    MatchAll,
    Node,
    Number,
    Occur,
    Range,
    Term,
)

log = logging.getLogger(__name__)

SEPARATOR = "\x1f"
# owner_org: CKAN counts every organization's datasets (a facet over the whole index) on
# each dataset and organization page; in memory that costs nothing.
FILTER_FIELDS = ("site_id", "state", "capacity", "dataset_type", "permission_labels",
                 "owner_org")
NUMBER_FIELDS = ("minx", "maxx", "miny", "maxy", "bbox_area", "metadata_modified",
                 "metadata_created")
DATE_FIELDS = ("metadata_modified", "metadata_created")
SORTABLE = {"score", "metadata_modified", "metadata_created"}


def solr_string(value: Any) -> str | None:
    """A value as Solr's string field stores it (pysolr turns booleans into true/false)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace(SEPARATOR, " ")


def document_terms(doc: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    """The ``field<US>value`` terms of a document for the in-memory fields."""
    terms: dict[str, None] = {}
    for name in fields:
        values = doc.get(name)
        for value in values if isinstance(values, list) else [values]:
            text = solr_string(value)
            if text is not None:
                terms[f"{name}{SEPARATOR}{text}"] = None
    return list(terms)


@dataclass
class _Arrays:
    """The numpy view of the index, rebuilt after changes."""

    size: int
    alive: np.ndarray
    pair_doc: np.ndarray
    pair_term: np.ndarray
    postings_start: np.ndarray
    numbers: dict[str, np.ndarray]


@dataclass
class TermIndex:
    """Documents as term ids, with a numpy view for filtering and counting."""

    version: int = -1
    reset_version: int = -1
    docs: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = field(default_factory=dict)
    term_ids: dict[str, int] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    term_field: list[str] = field(default_factory=list)
    _arrays: _Arrays | None = None

    # -- maintenance ------------------------------------------------------------

    def copy(self) -> TermIndex:
        """A new index with the same content, to change without disturbing readers."""
        return TermIndex(version=self.version, reset_version=self.reset_version,
                         docs=dict(self.docs), term_ids=dict(self.term_ids),
                         terms=list(self.terms), term_field=list(self.term_field))

    def term_id(self, term: str) -> int:
        found = self.term_ids.get(term)
        if found is None:
            found = self.term_ids[term] = len(self.terms)
            self.terms.append(term)
            self.term_field.append(term.split(SEPARATOR, 1)[0])
        return found

    def put(self, docnum: int, terms: list[str], numbers: tuple[float, ...]) -> None:
        self.docs[docnum] = (tuple(self.term_id(t) for t in terms), numbers)
        self._arrays = None

    def remove(self, docnum: int) -> None:
        if self.docs.pop(docnum, None) is not None:
            self._arrays = None

    @property
    def arrays(self) -> _Arrays:
        if self._arrays is None:
            self._arrays = self._build()
        return self._arrays

    def _build(self) -> _Arrays:
        size = (max(self.docs) + 1) if self.docs else 0
        alive = np.zeros(size, dtype=bool)
        numbers = {name: np.full(size, np.nan) for name in NUMBER_FIELDS}
        lengths = np.zeros(size, dtype=np.int64)
        for docnum, (term_ids, values) in self.docs.items():
            alive[docnum] = True
            lengths[docnum] = len(term_ids)
            for name, value in zip(NUMBER_FIELDS, values, strict=True):
                numbers[name][docnum] = value
        pair_doc = np.repeat(np.arange(size, dtype=np.int32), lengths)
        pair_term = np.fromiter(
            (t for docnum in range(size) if alive[docnum] for t in self.docs[docnum][0]),
            dtype=np.int32, count=int(lengths.sum()))
        order = np.argsort(pair_term, kind="stable")
        pair_doc, pair_term = pair_doc[order], pair_term[order]
        postings_start = np.searchsorted(pair_term, np.arange(len(self.terms) + 1))
        return _Arrays(size, alive, pair_doc, pair_term, postings_start, numbers)

    # -- filtering -----------------------------------------------------------------

    def evaluate(self, node: Node, memory_fields: tuple[str, ...]) -> np.ndarray | None:
        """The documents matching ``node``, or None when it needs PostgreSQL."""
        a = self.arrays
        if isinstance(node, MatchAll):
            return a.alive.copy()
        if isinstance(node, Term):
            if (node.wildcard or node.field not in memory_fields
                    or sqlc.is_text_field(node.field)):
                return None
            mask = np.zeros(a.size, dtype=bool)
            for candidate in {node.value, *map(solr_string, sqlc.json_candidates(node.value))}:
                term = self.term_ids.get(f"{node.field}{SEPARATOR}{candidate}")
                if term is not None:
                    mask[a.pair_doc[a.postings_start[term]:a.postings_start[term + 1]]] = True
            return mask
        if isinstance(node, Exists):
            if node.field not in memory_fields:
                return None
            mask = np.zeros(a.size, dtype=bool)
            for term, name in enumerate(self.term_field):
                if name == node.field:
                    mask[a.pair_doc[a.postings_start[term]:a.postings_start[term + 1]]] = True
            return mask
        if isinstance(node, Range):
            if node.low is None and node.high is None and node.field not in DATE_FIELDS:
                return self.evaluate(Exists(node.field), memory_fields)  # [* TO *]
            return self._date_range(node)
        if isinstance(node, FunctionRange):
            values = self.function(node.function)
            if values is None:
                return None
            return a.alive & _in_range(values, node.low, node.high, node.include_low,
                                       node.include_high)
        if isinstance(node, Boolean):
            return self._boolean(node, memory_fields)
        return None

    def _boolean(self, node: Boolean, memory_fields: tuple[str, ...]) -> np.ndarray | None:
        must = self.arrays.alive.copy()
        should = None
        has_must = any(o is Occur.MUST for o, _ in node.clauses)
        for occur, child in node.clauses:
            if occur is Occur.SHOULD and has_must:
                continue  # optional beside required clauses: scoring only
            mask = self.evaluate(child, memory_fields)
            if mask is None:
                return None
            if occur is Occur.MUST:
                must &= mask
            elif occur is Occur.MUST_NOT:
                must &= ~mask
            else:
                should = mask if should is None else should | mask
        return must if should is None else must & should

    def _date_range(self, node: Range) -> np.ndarray | None:
        if node.field not in DATE_FIELDS:
            return None
        low = None if node.low is None else sqlc.parse_date(node.low).timestamp()
        high = None if node.high is None else sqlc.parse_date(node.high).timestamp()
        return self.arrays.alive & _in_range(self.arrays.numbers[node.field], low, high,
                                             node.include_low, node.include_high)

    def function(self, node: Any) -> np.ndarray | None:
        """A function query over every document (NaN where a value is missing)."""
        a = self.arrays
        if isinstance(node, Number):
            return np.full(a.size, node.value)
        if isinstance(node, FieldValue):
            if node.field not in sqlc.NUMBER_COLUMNS:
                return None
            # Solr's function queries read a missing value as 0.
            return np.nan_to_num(a.numbers[node.field], nan=0.0)
        if isinstance(node, Function):
            args = [self.function(arg) for arg in node.args]
            if any(arg is None for arg in args):
                return None
            with np.errstate(divide="ignore", invalid="ignore"):
                if node.name == "div":
                    return np.where(args[1] == 0, np.nan, args[0] / args[1])
                if node.name == "sub":
                    return args[0] - args[1]
                if node.name in ("add", "mul"):
                    result = args[0].copy()
                    for arg in args[1:]:
                        result = result + arg if node.name == "add" else result * arg
                    return result
                if node.name in ("max", "min"):
                    # PostgreSQL's GREATEST/LEAST skip NULLs; fmax/fmin skip NaN.
                    combine = np.fmax if node.name == "max" else np.fmin
                    result = args[0]
                    for arg in args[1:]:
                        result = combine(result, arg)
                    return result
                if node.name == "abs":
                    return np.abs(args[0])
        return None

    # -- counting and ordering ---------------------------------------------------------

    def facet_counts(self, mask: np.ndarray, fields: list[str], limit: int,
                     mincount: int) -> dict[str, dict[str, int]]:
        a = self.arrays
        counts = np.bincount(a.pair_term[mask[a.pair_doc]], minlength=len(self.terms))
        found: dict[str, list[tuple[int, str]]] = {name: [] for name in fields}
        for term in np.flatnonzero(counts >= max(mincount, 1)):
            name = self.term_field[term]
            if name in found:
                found[name].append((-int(counts[term]), self.terms[term].split(SEPARATOR, 1)[1]))
        result = {}
        for name, items in found.items():
            items.sort()
            if limit >= 0:
                items = items[:limit]
            result[name] = {value: -negative for negative, value in items}
        return result

    def top(self, mask: np.ndarray, keys: list[tuple[str, bool]], score: np.ndarray | None,
            start: int, rows: int) -> list[int]:
        """Document numbers of one page, ordered by ``keys`` (name, descending)."""
        docnums = np.flatnonzero(mask)
        columns = []
        for name, descending in keys:
            if name == "score":
                if score is None:
                    continue
                values = score[docnums]
            else:
                values = self.arrays.numbers[name][docnums]
            values = np.where(np.isnan(values), np.inf, -values if descending else values)
            columns.append(values)
        order = np.lexsort([docnums, *reversed(columns)]) if columns else np.arange(
            len(docnums))
        return [int(d) for d in docnums[order[start:start + rows]]]


def _in_range(values: np.ndarray, low: float | None, high: float | None, include_low: bool,
              include_high: bool) -> np.ndarray:
    mask = ~np.isnan(values)
    if low is not None:
        mask &= values >= low if include_low else values > low
    if high is not None:
        mask &= values <= high if include_high else values < high
    return mask


def _epoch(value: dt.datetime | None) -> float:
    return value.timestamp() if value is not None else math.nan


_LOAD_SQL = """
    SELECT docnum, facet_terms, minx, maxx, miny, maxy, bbox_area,
           metadata_modified, metadata_created
    FROM walidata_search_doc WHERE version > :since
"""


class TermIndexCache:
    """The process's term index, brought up to date from the database before use.

    Searches share snapshots: a snapshot is never changed once handed out. Catching
    up copies the current one, applies the changes, builds its arrays and swaps it
    in, so a search running in another thread keeps a consistent view.
    """

    def __init__(self) -> None:
        self._index = TermIndex()
        self._lock = threading.Lock()

    def current(self, engine: sa.engine.Engine) -> TermIndex:
        with engine.connect() as connection:
            version, reset_version = connection.execute(sa.text(
                "SELECT version, reset_version FROM walidata_search_state WHERE id = 1")).one()
            snapshot = self._index
            if version == snapshot.version and reset_version == snapshot.reset_version:
                return snapshot
            with self._lock:
                snapshot = self._index
                if version == snapshot.version and reset_version == snapshot.reset_version:
                    return snapshot
                if reset_version > snapshot.reset_version or version < snapshot.version:
                    fresh = TermIndex(reset_version=reset_version)
                else:
                    fresh = snapshot.copy()
                self._catch_up(connection, fresh, version)
                fresh.arrays  # noqa: B018 - built before any search can see it
                self._index = fresh
                return fresh

    @staticmethod
    def _catch_up(connection: sa.Connection, index: TermIndex, version: int) -> None:
        since = index.version
        rows = connection.execute(sa.text(_LOAD_SQL), {"since": since})
        changed = 0
        for row in rows:
            numbers = (*(math.nan if v is None else float(v) for v in row[2:7]),
                       _epoch(row.metadata_modified), _epoch(row.metadata_created))
            index.put(row.docnum, list(row.facet_terms), numbers)
            changed += 1
        removed = connection.execute(sa.text(
            "SELECT docnum FROM walidata_search_removed WHERE version > :since"),
            {"since": since}).scalars().all()
        for docnum in removed:
            index.remove(docnum)
        index.version = version
        log.debug("Term index at version %s: %s changed, %s removed", version, changed,
                  len(removed))


CACHE = TermIndexCache()
