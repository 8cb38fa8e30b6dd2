"""The PostgreSQL search backend: CKAN's search index and package query, without Solr.

CKAN 2.12 has no search-backend interface: ``ckan.lib.search`` looks its
classes up in module registries (``_INDICES``, ``_QUERIES``) and
``model_dictize`` instantiates ``search.PackageSearchQuery`` directly for
group counts and tag pages. :func:`install` points those names at the
classes below (and ``package_search``'s schema at one that refuses what used
to crash it, ``schema.py``) and :func:`uninstall` puts CKAN's back, so choosing
``ckanext.walidata.search_backend = solr`` leaves stock CKAN untouched.

Index writes run on CKAN's own SQLAlchemy session: the index row commits or
rolls back together with the dataset change that caused it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import Any

import ckan.lib.search as ckan_search
import ckan.logic.schema as ckan_schema
import ckan.model as model
import ckan.plugins.toolkit as tk
import numpy as np
import sqlalchemy as sa
from ckan.common import asbool, config
from ckan.lib.search.common import SearchError, SearchIndexError, SearchQueryError
from ckan.lib.search.index import PackageSearchIndex
from ckan.lib.search.query import VALID_SOLR_PARAMETERS, PackageSearchQuery

from . import memory
from . import schema as search_schema
from . import sql as sqlc
from .document import build_document
from .limits import LimitExceeded, SearchLimits
from .syntax import (
    FIELD_NAME_RE,
    Boolean,
    DisMax,
    MatchAll,
    Node,
    Occur,
    QuerySyntaxError,
    Term,
    count_clauses,
    parse_function,
    parse_lucene,
)

log = logging.getLogger(__name__)

TABLE = sqlc.TABLE
# What solr_url reads while this backend answers searches (see the plugin's update_config).
NO_SOLR = "postgresql://walidata-search-no-solr"
DEFAULT_ROWS = 10
# Paging and facet bounds beyond any catalogue, kept inside PostgreSQL's bigint.
MAX_OFFSET = 2**31 - 1
# Fields of the filters CKAN and its dataset page add themselves: not in the budget.
PORTAL_FILTER_FIELDS = frozenset({"capacity", "state", "dataset_type", "site_id"})
# PostgreSQL's error code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"

# Where the document's text goes in the weighted vector (A ranks highest).
WEIGHT_A = ("title",)
WEIGHT_B = ("name", "tags", "groups", "organization")
WEIGHT_C = ("notes",)
NOT_TEXT = {"data_dict", "validated_data_dict", "id", "index_id", "site_id", "capacity",
            "state", "entity_type", "dataset_type", "permission_labels", "metadata_created",
            "metadata_modified", "title_string", "owner_org", "private", "type", "creator_user_id",
            "num_resources", "num_tags", "isopen", "license_url", "spatial", "minx", "maxx",
            "miny", "maxy", "bbox_area"}
WEIGHT_D_FIELDS = ("url", "ckan_url", "download_url", "res_url", "license", "license_title",
                   "res_name", "res_description", "maintainer", "author", "version")
WEIGHT_D_PREFIXES = ("extras_", "res_extras_", "vocab_")


def _text_of(doc: dict[str, Any], keys: Iterable[str]) -> str:
    parts = []
    for key in keys:
        value = doc.get(key)
        if isinstance(value, list):
            parts.extend(str(v) for v in value if v not in (None, ""))
        elif value not in (None, ""):
            parts.append(str(value))
    return "\n".join(parts)


def _float(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def index_row(doc: dict[str, Any]) -> dict[str, Any]:
    """The table row of a search document (what :meth:`upsert` writes)."""
    stored = {k: v for k, v in doc.items() if k not in ("data_dict", "validated_data_dict")}
    other = [k for k in doc if k.startswith(WEIGHT_D_PREFIXES) or k in WEIGHT_D_FIELDS]
    return {
        "id": doc["id"],
        "site_id": doc["site_id"],
        "name": doc.get("name"),
        "title_string": doc.get("title_string"),
        "state": doc.get("state"),
        "capacity": doc.get("capacity"),
        "dataset_type": doc.get("dataset_type"),
        "metadata_created": doc.get("metadata_created"),
        "metadata_modified": doc.get("metadata_modified"),
        "permission_labels": list(doc.get("permission_labels") or []),
        "minx": _float(doc.get("minx")),
        "maxx": _float(doc.get("maxx")),
        "miny": _float(doc.get("miny")),
        "maxy": _float(doc.get("maxy")),
        "bbox_area": _float(doc.get("bbox_area")),
        "text_a": _text_of(doc, WEIGHT_A),
        "text_b": _text_of(doc, WEIGHT_B),
        "text_c": _text_of(doc, WEIGHT_C),
        "text_d": _text_of(doc, other),
        "doc": json.dumps(stored, default=str),
        "facet_terms": memory.document_terms(doc, memory_fields()),
        "data_dict": doc.get("data_dict"),
        "validated_data_dict": doc.get("validated_data_dict"),
    }


RANK_NOTES_CHARS = 300
UPSERT_SQL = sa.text(f"""
    WITH written AS (
        INSERT INTO {TABLE} (id, site_id, name, title_string, state, capacity, dataset_type,
            metadata_created, metadata_modified, permission_labels, minx, maxx, miny, maxy,
            bbox_area, doc, facet_terms, data_dict, validated_data_dict, indexed_at)
        VALUES (:id, :site_id, :name, :title_string, :state, :capacity, :dataset_type,
            CAST(:metadata_created AS timestamptz), CAST(:metadata_modified AS timestamptz),
            CAST(:permission_labels AS text[]), :minx, :maxx, :miny, :maxy, :bbox_area,
            CAST(:doc AS jsonb), CAST(:facet_terms AS text[]), :data_dict,
            :validated_data_dict, now())
        ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id, name = EXCLUDED.name,
            title_string = EXCLUDED.title_string, state = EXCLUDED.state,
            capacity = EXCLUDED.capacity, dataset_type = EXCLUDED.dataset_type,
            metadata_created = EXCLUDED.metadata_created,
            metadata_modified = EXCLUDED.metadata_modified,
            permission_labels = EXCLUDED.permission_labels, minx = EXCLUDED.minx,
            maxx = EXCLUDED.maxx, miny = EXCLUDED.miny, maxy = EXCLUDED.maxy,
            bbox_area = EXCLUDED.bbox_area, doc = EXCLUDED.doc,
            facet_terms = EXCLUDED.facet_terms, data_dict = EXCLUDED.data_dict,
            validated_data_dict = EXCLUDED.validated_data_dict, indexed_at = now()
        RETURNING docnum
    )
    INSERT INTO {sqlc.TEXT_TABLE} (docnum, search_vector, rank_vector)
    SELECT docnum,
        setweight(walidata_tsvector(:text_a), 'A') || setweight(walidata_tsvector(:text_b), 'B')
        || setweight(walidata_tsvector(:text_c), 'C') || setweight(walidata_tsvector(:text_d), 'D'),
        setweight(walidata_tsvector(:text_a), 'A') || setweight(walidata_tsvector(:text_b), 'B')
        || setweight(walidata_tsvector(left(:text_c, {RANK_NOTES_CHARS})), 'C')
    FROM written
    ON CONFLICT (docnum) DO UPDATE SET search_vector = EXCLUDED.search_vector,
        rank_vector = EXCLUDED.rank_vector
""")


def upsert(rows: list[dict[str, Any]]) -> None:
    """Write index rows in the current transaction (many at once for rebuilds)."""
    if rows:
        model.Session.execute(UPSERT_SQL, rows)


class PostgresPackageIndex(PackageSearchIndex):
    """CKAN's package index, kept in the ``walidata_search_doc`` table."""

    def index_package(self, pkg_dict: dict[str, Any] | None, defer_commit: bool = False) -> None:
        if pkg_dict is None:
            return
        doc = build_document(pkg_dict)
        if doc is None:
            self.delete_package(pkg_dict)
            return
        try:
            upsert([index_row(doc)])
        except sa.exc.DBAPIError as error:
            raise SearchIndexError(f"could not index dataset {doc.get('name')}: {error.orig}") \
                from error

    def delete_package(self, pkg_dict: dict[str, Any]) -> None:
        model.Session.execute(
            sa.text(f"DELETE FROM {TABLE} WHERE (id = :ref OR name = :ref) AND site_id = :site"),
            {"ref": pkg_dict.get("id"), "site": config.get("ckan.site_id")})

    def clear(self) -> None:
        model.Session.execute(sa.text(f"DELETE FROM {TABLE} WHERE site_id = :site"),
                              {"site": config.get("ckan.site_id")})
        model.Session.commit()

    def commit(self) -> None:
        """Index rows commit with CKAN's transaction; nothing is pending here."""


class PostgresPackageQuery(PackageSearchQuery):
    """``package_search`` over the index table, speaking Solr's parameters."""

    facets: dict[str, dict[str, int]]

    def __init__(self) -> None:
        super().__init__()
        self.facets = {}

    def get_all_entity_ids(self, max_results: int = 1000) -> list[str]:
        rows = model.Session.execute(sa.text(
            f"SELECT id FROM {TABLE} WHERE site_id = :site AND state = 'active' "
            "ORDER BY id LIMIT :limit"),
            {"site": config.get("ckan.site_id"), "limit": max_results})
        return [r[0] for r in rows]

    def get_index(self, reference: str) -> dict[str, Any]:
        row = model.Session.execute(sa.text(
            f"SELECT doc, data_dict, validated_data_dict FROM {TABLE} "
            "WHERE (id = :ref OR name = :ref) AND site_id = :site LIMIT 1"),
            {"ref": reference, "site": config.get("ckan.site_id")}).first()
        if row is None:
            raise SearchError(f"Dataset not found in the search index: {reference}")
        return dict(row[0], data_dict=row[1], validated_data_dict=row[2])

    def run(self, query: dict[str, Any], permission_labels: list[str] | None = None,
            **kwargs: Any) -> dict[str, Any]:
        invalid = set(query.keys()) - VALID_SOLR_PARAMETERS
        if invalid:
            raise SearchQueryError(f"Invalid search parameters: {sorted(invalid)}")
        try:
            plan = SearchPlan.from_params(query, permission_labels)
            self.count, self.results, self.facets = plan.execute()
        except (InvalidParameter, LimitExceeded) as error:
            # As CKAN does for Solr: a parameter the web form never sends, or a
            # request over the budget (400, and the reason on the dataset page).
            raise SearchQueryError(str(error)) from error
        except QuerySyntaxError as error:
            # What Solr answers with a syntax error: the search page shows a
            # search error, the API answers 409 with the reason.
            raise SearchError(f"Invalid search query: {error}") from error
        return {"results": self.results, "count": self.count}


class InvalidParameter(QuerySyntaxError):
    """A malformed search parameter (sort, rows, facet...), not a query text."""


def _as_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                raise InvalidParameter(tk._("{name} is not a valid JSON list").format(
                    name=name)) from None
        else:
            return [value] if value else []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InvalidParameter(tk._("{name} must be a string or a list of strings").format(
            name=name))
    return list(value)


def _int(value: Any, name: str, default: int) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameter(tk._("{name} must be an integer, not {value}").format(
            name=name, value=repr(value)[:50])) from None


def _flag(value: Any, name: str) -> bool:
    try:
        return asbool(value)
    except ValueError:
        raise InvalidParameter(tk._("{name} must be true or false, not {value}").format(
            name=name, value=repr(value)[:50])) from None


class SearchPlan:
    """One search: the parsed query and filters, paging, sorting, fields and facets.

    The same parsed nodes serve two engines: PostgreSQL (the compiled
    condition, always right) and the in-memory term index (filters and facet
    counts over large result sets, see ``memory.py``).
    """

    def __init__(self, limits: SearchLimits) -> None:
        self.limits = limits
        self.compiler = sqlc.Compiler()
        self.query_node: Node | DisMax = MatchAll()
        self.filter_nodes: list[Node] = []
        self.condition = "TRUE"
        self.filter_condition = "TRUE"
        self.source = TABLE
        self.filter_source = TABLE
        self.guard_condition = "TRUE"
        self.matched: str | None = None
        self.deadline: float | None = None
        self.role_timeout_ms = 0
        self.timeout_set_ms: int | None = None
        self.sort_keys: list[tuple[str, bool]] = []
        self.order_by = ""
        self.boost_node: Any = None
        self.boost = ""
        self.rows = DEFAULT_ROWS
        self.start = 0
        self.fields: list[str] = []
        self.facet_fields: list[str] = []
        self.facet_limit = 50
        self.facet_mincount = 1

    @classmethod
    def from_params(cls, query: dict[str, Any], permission_labels: list[str] | None,
                    limits: SearchLimits | None = None) -> SearchPlan:
        """Parse, check against the request budget and compile one search.

        The budget is checked on the cheap measures first (characters before
        parsing, clauses before compiling), so a request over it costs little.
        """
        plan = cls(limits or SearchLimits.from_config())
        plan._parse_query(query, permission_labels)
        plan._parse_page(query)
        plan._parse_facets(query)
        return plan

    def _parse_query(self, query: dict[str, Any], permission_labels: list[str] | None) -> None:
        c = self.compiler
        allowed_parsers = config.get("ckan.search.solr_allowed_query_parsers") or []
        q = query.get("q")
        if q is not None and not isinstance(q, str):
            raise QuerySyntaxError("q must be a string")
        filters = []
        if query.get("fq"):
            filters.extend(query["fq"] if isinstance(query["fq"], list) else [query["fq"]])
        filters.extend(_as_list(query.get("fq_list"), "fq_list"))
        for fq in filters:
            if not isinstance(fq, str):
                raise QuerySyntaxError("fq must be a string")
        bf = query.get("bf")
        bf = None if bf in (None, "") else str(bf)
        self.limits.check_length([q, *filters, bf])

        for text in (q, *filters):
            if text and text.lstrip().startswith("{!"):
                _check_local_params(text, allowed_parsers)
        self.query_node = sqlc.parse_query(q)
        user_filters = [parse_lucene(fq) for fq in filters]
        # The default q (*:*, blank) asks for nothing.
        asked = 0 if isinstance(self.query_node, MatchAll) else count_clauses(self.query_node)
        self.limits.check_clauses(asked + sum(count_clauses(node, PORTAL_FILTER_FIELDS)
                                              for node in user_filters))
        self.filter_nodes = list(user_filters)
        self.filter_nodes.append(Term("site_id", config.get("ckan.site_id")))
        if not any("+state:" in f for f in filters):
            self.filter_nodes.append(Term("state", "active"))
        if permission_labels is not None:
            self.filter_nodes.append(Boolean(tuple(
                (Occur.SHOULD, Term("permission_labels", label)) for label in permission_labels))
                if permission_labels else Boolean(((Occur.MUST_NOT, MatchAll()),)))
        filters_compiled = [c.compile(node) for node in self.filter_nodes]
        query_compiled = c.compile(self.query_node, score=True)
        self.filter_condition = " AND ".join(f.sql for f in filters_compiled)
        self.guard_condition = " AND ".join(f.sql for f in filters_compiled[len(user_filters):])
        self.condition = " AND ".join([query_compiled.sql, self.filter_condition])
        self.filter_source = c.source(filters_compiled)
        self.source = c.source([query_compiled, *filters_compiled])
        if bf:
            self.boost_node = parse_function(bf)
            self.boost = " + " + c.function(self.boost_node)

    def _parse_page(self, query: dict[str, Any]) -> None:
        # CKAN's package_search caps rows at ckan.search.rows_max already; other
        # callers of the query class get the same cap.
        self.rows = min(max(0, _int(query.get("rows"), "rows", DEFAULT_ROWS)),
                        self.limits.rows_max)
        self.start = min(max(0, _int(query.get("start"), "start", 0)), MAX_OFFSET)
        sort = query.get("sort") or "score desc, metadata_modified desc"
        self.limits.check_sort_fields(str(sort).count(",") + 1)
        try:
            self.sort_keys = sqlc.parse_sort(str(sort))
        except QuerySyntaxError as error:
            raise InvalidParameter(str(error)) from error
        c = self.compiler
        scored = bool(c.scoring_queries or self.boost)
        self.order_by = sqlc.compile_sort(self.sort_keys, c, scored=scored)
        fl = query.get("fl") or "name"
        self.fields = list(dict.fromkeys(f for f in str(fl).replace(",", " ").split() if f))
        self.limits.check_result_fields(len(self.fields))

    def _parse_facets(self, query: dict[str, Any]) -> None:
        if _flag(query.get("facet", "true"), "facet"):
            self.facet_fields = list(dict.fromkeys(
                _as_list(query.get("facet.field"), "facet.field")))
        self.limits.check_facet_fields(len(self.facet_fields))
        for name in self.facet_fields:
            if not FIELD_NAME_RE.match(name):
                raise InvalidParameter(tk._("cannot facet on {name}").format(
                    name=repr(name)[:80]))
        limit = _int(query.get("facet.limit"), "facet.limit",
                     config.get("search.facets.limit"))
        self.facet_limit = -1 if limit < 0 else min(limit, MAX_OFFSET)
        self.facet_mincount = min(_int(query.get("facet.mincount"), "facet.mincount", 1),
                                  MAX_OFFSET)

    def execute(self) -> tuple[int, list[Any], dict[str, dict[str, int]]]:
        """Run the search in a savepoint, its statements under the statement timeout.

        A failed statement rolls back to the savepoint, and the timeout set
        inside it goes with it; on success the previous timeout is restored, so
        the rest of the request's transaction runs as before either way.
        """
        try:
            with model.Session.begin_nested():
                previous = self._set_limits()
                result = self._execute()
                model.Session.execute(sa.text(
                    "SELECT set_config('statement_timeout', :timeout, true), "
                    "set_config('jit', :jit, true)"), previous)
                return result
        except sa.exc.OperationalError as error:
            if getattr(error.orig, "pgcode", None) == QUERY_CANCELED:
                raise SearchError(self.limits.timeout_message()) from error
            raise
        except sa.exc.DataError as error:
            # A value PostgreSQL refuses (a date out of range, an invalid number).
            raise QuerySyntaxError(str(error.orig).split("\n")[0]) from error

    def _set_limits(self) -> dict[str, str]:
        """Start the search's clock and turn JIT off; the previous settings, to restore.

        ``statement_timeout`` bounds the whole search, not each statement: every
        statement gets what is left of it (:meth:`_sql`), never more than a lower
        timeout of the database role. JIT compilation is off: it spends more on a
        search's large expressions than it saves on these short statements.
        """
        # The select list is evaluated in order: the settings are read before jit is set.
        row = model.Session.execute(sa.text(
            "SELECT current_setting('statement_timeout') AS timeout, "
            "current_setting('jit') AS jit, "
            "extract(epoch FROM current_setting('statement_timeout')::interval) * 1000 AS ms, "
            "set_config('jit', 'off', true)")).one()
        self.role_timeout_ms = int(row.ms)
        if self.limits.statement_timeout_ms:
            self.deadline = time.monotonic() + self.limits.statement_timeout_ms / 1000
        return {"timeout": row.timeout, "jit": row.jit}

    def _sql(self, statement: str, params: dict[str, Any] | None = None) -> Any:
        """Run one statement of the search within what is left of its time.

        The timeout is set again only once a tenth of it has gone, so a fast
        search pays no extra round trip per statement.
        """
        if self.deadline is not None:
            left = int((self.deadline - time.monotonic()) * 1000)
            if left <= 0:
                raise SearchError(self.limits.timeout_message())
            if self.role_timeout_ms:
                left = min(left, self.role_timeout_ms)
            if self.timeout_set_ms is None or left < self.timeout_set_ms * 0.9:
                model.Session.execute(sa.text(
                    "SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(left)})
                self.timeout_set_ms = left
        return model.Session.execute(sa.text(statement), params or {})

    def _execute(self) -> tuple[int, list[Any], dict[str, dict[str, int]]]:
        fields_in_memory = memory_fields()
        index = memory.CACHE.current(model.Session.get_bind())
        mask, score = self._match_in_memory(index, fields_in_memory)
        in_memory = mask is not None
        memory_facets = [f for f in self.facet_fields if f in fields_in_memory]
        text_pass = self.source != TABLE
        if mask is None and (memory_facets or text_pass):
            mask = self._mask_from_postgres(index)
            if text_pass:
                # The text table is read once per search: the page and the SQL
                # facets take the documents this pass found.
                self.matched = "{" + ",".join(map(str, np.flatnonzero(mask))) + "}"

        results: list[Any] = []
        count = int(mask.sum()) if mask is not None else None
        if self.rows and in_memory and all(k in memory.SORTABLE for k, _ in self.sort_keys):
            docnums = index.top(mask, self.sort_keys, score, self.start, self.rows)
            scores = None if score is None else {d: float(score[d]) for d in docnums}
            results = self._documents("docnum", docnums, scores)
        elif self.rows:
            results, total = self._page_from_postgres()
            count = total if count is None else count
        if count is None:
            source, condition = self._matches()
            count = self._sql((
                f"SELECT count(*) FROM {source} WHERE {condition}"),
                self._params()).scalar() or 0

        facets: dict[str, dict[str, int]] = {}
        if memory_facets:
            facets.update(index.facet_counts(mask, memory_facets, self.facet_limit,
                                             self.facet_mincount))
        in_sql = [name for name in self.facet_fields if name not in facets]
        counted = self._facets_from_postgres(in_sql) if count and in_sql else {}
        for name in in_sql:
            facets[name] = counted.get(name, {})
        if self.fields in (["id"], ["name"]):
            results = [r.get(self.fields[0]) for r in results]
        return count, results, facets

    def _match_in_memory(self, index: memory.TermIndex, fields_in_memory: tuple[str, ...]
                         ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Matches and scores without the wide table, when the query allows it.

        Filters come from the term index; a plain-text query (dismax) from
        the narrow text table, one row per match with its rank.
        """
        filters = Boolean(tuple((Occur.MUST, node) for node in self.filter_nodes))
        mask = index.evaluate(filters, fields_in_memory)
        if mask is None:
            return None, None
        score = None
        if isinstance(self.query_node, DisMax):
            text_mask, score = self._text_matches(index)
            mask &= text_mask
        else:
            query_mask = index.evaluate(self.query_node, fields_in_memory)
            if query_mask is None:
                return None, None
            mask &= query_mask
        if self.boost_node is not None:
            boost = index.function(self.boost_node)
            if boost is None:
                return None, None
            score = (1.0 if score is None else score) + boost
        return mask, score

    def _text_matches(self, index: memory.TermIndex) -> tuple[np.ndarray, np.ndarray]:
        compiler = sqlc.Compiler()
        condition = compiler.dismax_text_condition(self.query_node, score=True)
        # The planner overestimates matches of the words OR-ed over three text
        # configurations and may pick a sequential scan, which unpacks every vector
        # (10x slower than the GIN index): keep it on the index for this one query.
        model.Session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        rows = sqlc.TEXT_TABLE
        if condition.count("search_vector") > 2:  # a long query: read each vector once
            rows = compiler.text_rows(compiler.dismax_narrowing(self.query_node))
        listed = self._sql((
            f"SELECT string_agg(docnum || ':' || {compiler.rank_of('rank_vector')}, ',') "
            f"FROM {rows} WHERE {condition}"), compiler.params).scalar()
        model.Session.execute(sa.text("SET LOCAL enable_seqscan = on"))
        size = index.arrays.size
        mask = np.zeros(size, dtype=bool)
        score = np.full(size, np.nan)
        if listed:
            pairs = np.array(listed.replace(":", ",").split(","), dtype=np.float64)
            docnums, ranks = pairs[0::2].astype(np.int64), pairs[1::2]
            known = docnums < size
            mask[docnums[known]] = True
            score[docnums[known]] = ranks[known]
        return mask, score

    def _mask_from_postgres(self, index: memory.TermIndex) -> np.ndarray:
        """The matching documents as a mask over the term index's document numbers."""
        listed = self._sql((
            f"SELECT string_agg(docnum::text, ',') FROM {self.source} WHERE {self.condition}"),
            self.compiler.params).scalar()
        alive = index.arrays.alive
        mask = np.zeros(alive.shape, dtype=bool)
        if listed:
            docnums = np.array(listed.split(","), dtype=np.int64)
            mask[docnums[docnums < alive.size]] = True
        return mask & alive

    def _matches(self) -> tuple[str, str]:
        """FROM and WHERE of the matching documents: the compiled condition, or the
        document numbers the search's one text pass found."""
        if self.matched is not None:
            return TABLE, "docnum = ANY(CAST(:matched AS integer[]))"
        return self.source, self.condition

    def _params(self, **extra: Any) -> dict[str, Any]:
        return dict(self.compiler.params, matched=self.matched, **extra)

    def _page_from_postgres(self) -> tuple[list[dict[str, Any]], int | None]:
        score = self.compiler.rank_expression() + self.boost
        source, condition = self._matches()
        page = self._sql((
            f"SELECT id, {score} AS score, count(*) OVER () AS total FROM {source} "
            f"WHERE {condition} ORDER BY {self.order_by} "
            f"LIMIT {int(self.rows)} OFFSET {int(self.start)}"), self._params()).all()
        if not page:
            return [], None
        scores = {row.id: row.score for row in page}
        return self._documents("id", [row.id for row in page], scores), page[0].total

    def _documents(self, key: str, keys: list[Any],
                   scores: dict[Any, float] | None = None) -> list[dict[str, Any]]:
        """The result dicts of one page, in the page's order."""
        if not keys:
            return []
        columns = ["id", "docnum", "doc"] + [c for c in ("data_dict", "validated_data_dict")
                                             if c in self.fields]
        # The filters again (permission labels among them): a page picked in memory is
        # re-checked against the committed rows, whose labels may have changed since the
        # snapshot was taken. The text query needs no second look; with text filters only
        # the portal's own filters (site, state, permissions) are checked again.
        condition = self.filter_condition if self.filter_source == TABLE \
            else self.guard_condition
        rows = self._sql((
            f"SELECT {', '.join(columns)} FROM {TABLE} WHERE {key} = ANY(:keys) "
            f"AND {condition}"), self._params(keys=keys)
        ).mappings().all()
        by_key = {row[key]: row for row in rows}
        return [self._result(by_key[k], (scores or {}).get(k, 1.0)) for k in keys if k in by_key]

    def _result(self, row: Any, score: float) -> dict[str, Any]:
        doc = row["doc"]
        out: dict[str, Any] = {}
        wanted = self.fields
        if "*" in wanted:
            out.update(doc)
            wanted = [f for f in wanted if f != "*"]
        for name in wanted:
            if name in ("data_dict", "validated_data_dict"):
                out[name] = row[name]
            elif name == "score":
                out[name] = float(score)
            elif name in doc:
                out[name] = doc[name]
        extras = {k[len("extras_"):]: out.pop(k) for k in list(out) if k.startswith("extras_")}
        if extras:
            out["extras"] = extras
        return out

    def _facets_from_postgres(self, names: list[str]) -> dict[str, dict[str, int]]:
        """Facet counts of the fields outside the term index, counted in SQL.

        Solr counts documents, not values: a dataset with three CSV resources
        counts once for CSV. The fields stored in the document are counted
        together, in one pass that reads each matching document once
        (``jsonb_each``): a statement per field decompressed every document
        again for each field.
        """
        source, condition = self._matches()
        minimum = max(self.facet_mincount, 1)
        found: dict[str, list[tuple[int, str]]] = {name: [] for name in names}
        for name in [n for n in names if n in sqlc.SCALAR_COLUMNS]:
            rows = self._sql((
                f"SELECT {sqlc.SCALAR_COLUMNS[name]} AS v, count(*) AS n FROM {source} "
                f"WHERE {condition} AND {sqlc.SCALAR_COLUMNS[name]} <> '' GROUP BY 1 "
                "HAVING count(*) >= :facet_min"), self._params(facet_min=minimum))
            found[name] = [(-int(n), str(v)) for v, n in rows]
        in_documents = [n for n in names if n not in sqlc.SCALAR_COLUMNS]
        if in_documents:
            rows = self._sql((
                f"SELECT e.key, v, count(*) AS n FROM {source}, "
                "LATERAL jsonb_each(doc) AS e(key, value), "
                "LATERAL (SELECT DISTINCT walidata_values(e.value)) AS f(v) "
                f"WHERE {condition} AND e.key = ANY(CAST(:facet_fields AS text[])) "
                "AND v IS NOT NULL AND v <> '' GROUP BY e.key, v "
                "HAVING count(*) >= :facet_min"),
                self._params(facet_fields=in_documents, facet_min=minimum))
            for key, v, n in rows:
                found[key].append((-int(n), str(v)))
        counts = {}
        for name, items in found.items():
            # By count, then value in code point order (PostgreSQL's "C" collation).
            items.sort()
            if self.facet_limit >= 0:
                items = items[:self.facet_limit]
            counts[name] = {value: -negative for negative, value in items}
        return counts


def memory_fields() -> tuple[str, ...]:
    """Fields kept in the in-memory term index: the filter fields and the facet fields."""
    configured = config.get("ckanext.walidata.search.facet_fields") or []
    return tuple(dict.fromkeys([*memory.FILTER_FIELDS, *configured]))


def _check_local_params(text: str, allowed: list[str]) -> None:
    parser = text.lstrip()[2:].split("}", 1)[0].split()
    name = next((w for w in parser if "=" not in w), None)
    for word in parser:
        if word.startswith("type="):
            name = word.split("=", 1)[1]
    if name not in allowed:
        raise QuerySyntaxError(f"Local parameters are not supported: {{!{name}}}")


_ORIGINALS: dict[str, Any] = {}


def install() -> None:
    """Route CKAN's search through PostgreSQL (idempotent)."""
    if not _ORIGINALS:
        _ORIGINALS.update(
            index=ckan_search._INDICES["package"],
            query=ckan_search._QUERIES["package"],
            package_query=ckan_search.PackageSearchQuery,
            check=ckan_search.check_solr_schema_version,
            search_schema=ckan_schema.default_package_search_schema,
        )
    ckan_search._INDICES["package"] = PostgresPackageIndex
    ckan_search._QUERIES["package"] = PostgresPackageQuery
    ckan_search.PackageSearchQuery = PostgresPackageQuery
    ckan_search.check_solr_schema_version = _no_solr_schema_check
    # package_search looks its schema up here at every call.
    ckan_schema.default_package_search_schema = search_schema.wrap(
        _ORIGINALS["search_schema"])


def uninstall() -> None:
    """Give CKAN its Solr classes back."""
    if _ORIGINALS:
        ckan_search._INDICES["package"] = _ORIGINALS["index"]
        ckan_search._QUERIES["package"] = _ORIGINALS["query"]
        ckan_search.PackageSearchQuery = _ORIGINALS["package_query"]
        ckan_search.check_solr_schema_version = _ORIGINALS["check"]
        ckan_schema.default_package_search_schema = _ORIGINALS["search_schema"]
        _ORIGINALS.clear()


def _no_solr_schema_check(schema_file: str | None = None) -> bool:
    log.info("Search runs on PostgreSQL (ckanext-walidata); no Solr schema to check")
    return False
