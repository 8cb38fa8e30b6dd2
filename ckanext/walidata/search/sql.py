"""Compile parsed Solr queries into PostgreSQL conditions over the index table.

Every value the user typed travels as a bound parameter; the only text this
module writes into SQL is its own (column names from fixed maps, operators).
Field semantics follow CKAN's Solr schema (``ckan/config/solr/schema.xml``):
string fields match exactly, text fields are analysed (stemmed, Indonesian
and English), dates understand Solr date math, unknown fields behave like
Solr's catch-all ``*`` string field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import syntax
from .syntax import (
    Boolean,
    DisMax,
    Exists,
    FieldValue,
    Function,
    FunctionRange,
    MatchAll,
    Node,
    Number,
    Occur,
    QuerySyntaxError,
    Range,
    Term,
)

TABLE = "walidata_search_doc"
TEXT_TABLE = "walidata_search_text"

# Fields stored in their own column (the hot filters and sort keys).
SCALAR_COLUMNS = {
    "id": "id",
    "name": "name",
    "state": "state",
    "capacity": "capacity",
    "dataset_type": "dataset_type",
    "site_id": "site_id",
    "title_string": "title_string",
}
ARRAY_COLUMNS = {"permission_labels": "permission_labels"}
DATE_COLUMNS = {"metadata_created": "metadata_created", "metadata_modified": "metadata_modified"}
NUMBER_COLUMNS = {"minx": "minx", "maxx": "maxx", "miny": "miny", "maxy": "maxy",
                  "bbox_area": "bbox_area"}

# Analysed text fields of the Solr schema; ``text`` is the catch-all.
TEXT_FIELDS = {
    "text", "title", "notes", "urls", "res_name", "res_description", "author",
    "author_email", "maintainer", "maintainer_email", "depends_on", "dependency_of",
    "derives_from", "has_derivation", "links_to", "linked_from", "child_of", "parent_of",
}
TEXT_PREFIXES = ("extras_", "res_extras_")
NGRAM_FIELDS = {"name_ngram": "name", "title_ngram": "title"}
# Fields that alone fill one weight of search_vector (backend.index_row): their own
# vector is that weight's part, read with ts_filter instead of analysing the document.
WEIGHT_OF_FIELD = {"title": "a", "notes": "c"}
# Fields sorted as numbers (Solr would index them as ints).
NUMERIC_SORT_FIELDS = {"completeness_score", "num_resources", "num_tags"}

NUMERIC_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
DATE_MATH_RE = re.compile(
    r"^(?P<base>NOW|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z?)?)"
    r"(?P<math>([+-]\d+(YEARS?|MONTHS?|DAYS?|DATE|HOURS?|MINUTES?|SECONDS?)|/(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND))*)$"
)
_DATE_STEP_RE = re.compile(r"([+-])(\d+)(YEAR|MONTH|DAY|DATE|HOUR|MINUTE|SECOND)S?|/(\w+)")

SCORE_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A: other text, notes, tags/name, title


def is_text_field(name: str | None) -> bool:
    return name is None or name in TEXT_FIELDS or name.startswith(TEXT_PREFIXES)


def is_date_field(name: str) -> bool:
    return name in DATE_COLUMNS or name.endswith("_date") or name == "indexed_ts"


NO_WORDS = "NULL::tsquery"  # the tsquery of a wildcard with no word before the *


@dataclass(frozen=True)
class TextAtom:
    """One text condition of a search, checked in the search's one pass over the text table.

    ``condition`` reads ``search_vector`` (and ``f.<alias>``, the vector of
    ``field`` in the document, for a fielded term); ``narrowing`` is a tsquery
    that every text row meeting ``condition`` matches, so the pass can start
    from the GIN index.
    """

    condition: str
    narrowing: str
    field: str | None = None


@dataclass(frozen=True)
class Condition:
    """A compiled query or filter: its SQL, and what it needs from the text pass.

    ``requirement`` is a tsquery every matching document's ``search_vector``
    matches (None when the condition can hold without any text match);
    ``atoms`` is how many text atoms the compiler held once it was compiled.
    """

    sql: str
    requirement: str | None
    atoms: int


@dataclass
class Compiler:
    """Collects bound parameters while it turns nodes into SQL text.

    Text terms do not become subqueries of their own: PostgreSQL plans each
    subquery separately, and a thousand of them cost minutes of planning. Each
    distinct text term (or plain-text query) becomes an atom instead, and
    :meth:`source` reads the text table once for all of them: one row per
    candidate document with an array of booleans, ``th.hits``, which the
    conditions index.
    """

    params: dict[str, Any] = field(default_factory=dict)
    scoring_queries: list[str] = field(default_factory=list)
    text_atoms: list[TextAtom] = field(default_factory=list)
    _atom_numbers: dict[Any, int] = field(default_factory=dict)
    _tsqueries: dict[tuple[str, bool, bool], str] = field(default_factory=dict)
    _field_vectors: dict[str, str] = field(default_factory=dict)
    _value_conditions: dict[str, tuple[str, str]] = field(default_factory=dict)

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    # -- entry points ---------------------------------------------------------

    def compile(self, node: Node | DisMax, score: bool = False) -> Condition:
        """A query or filter as SQL over :meth:`source`, with its text requirement."""
        sql = self._dismax(node, score) if isinstance(node, DisMax) else self._node(node, score)
        return Condition(sql, self._requirement(node), len(self.text_atoms))

    def condition(self, node: Node | DisMax, score: bool = False) -> str:
        """The SQL of :meth:`compile` alone."""
        return self.compile(node, score).sql

    def source(self, conditions: list[Condition]) -> str:
        """The FROM clause that ``conditions`` are evaluated over.

        Without text terms that is the document table. Otherwise the text table
        is read once: when the conditions require some text, only the rows
        matching that requirement (an inner join); else the rows matching any
        atom (a left join, for exclusions: a document without a row has no hit).
        """
        atoms = self.text_atoms[:max((c.atoms for c in conditions), default=0)]
        if not atoms:
            return TABLE
        required = [c.requirement for c in conditions if c.requirement is not None]
        if required:
            join, narrowing = "JOIN", " && ".join(f"({r})" for r in required)
        else:
            join, narrowing = "LEFT JOIN", " || ".join(f"({a.narrowing})" for a in atoms)
        hits = ", ".join(a.condition for a in atoms)
        rows = self.text_rows(narrowing, atoms, copy_vector=hits.count("search_vector") > 2)
        # OFFSET 0: the array is built once per row, not once per reference to it.
        return (f"{TABLE} {join} (SELECT docnum, ARRAY[{hits}] AS hits FROM {rows} OFFSET 0) "
                "th USING (docnum)")

    def text_rows(self, narrowing: str | None, atoms: list[TextAtom] | None = None,
                  copy_vector: bool = True) -> str:
        """The text rows matching ``narrowing``, each vector read once, as subquery ``f``.

        A stored ``search_vector`` is compressed, and every ``@@`` on the column
        decompresses it again (most of the cost of a row); the subquery hands
        the conditions an uncompressed copy named ``search_vector`` (unless
        ``copy_vector`` is off: a condition reading it once or twice saves less
        than the copy costs), and the vectors of the fields the atoms ask for
        (``w_<weight>``, ``v_<n>``).
        OFFSET 0 keeps it a subquery evaluated once per row, not merged into
        the outer query (where each reference would compute it again).
        """
        vector = "t.search_vector || ''::tsvector" if copy_vector else "t.search_vector"
        columns = ["t.docnum", "t.rank_vector", f"{vector} AS search_vector"]
        wanted = {a.field for a in atoms or [] if a.field is not None}
        columns += [f"ts_filter(t.search_vector, '{{{weight}}}') AS w_{weight}"
                    for name, weight in WEIGHT_OF_FIELD.items() if name in wanted]
        fields = [name for name in self._field_vectors if name in wanted]
        columns += [f"walidata_tsvector(d.doc ->> {self._field_vectors[name]}) AS "
                    f"{self._field_alias(name)}" for name in fields]
        documents = f" JOIN {TABLE} d ON d.docnum = t.docnum" if fields else ""
        where = "" if narrowing is None else f" WHERE t.search_vector @@ ({narrowing})"
        return (f"(SELECT {', '.join(columns)} FROM {TEXT_TABLE} t{documents}{where} "
                f"OFFSET 0) f")

    def _field_alias(self, name: str) -> str:
        return f"v_{list(self._field_vectors).index(name)}"

    def rank_expression(self) -> str:
        """The relevance score: 1.0 for a query without text terms (as Solr's *:*)."""
        if not self.scoring_queries:
            return "1.0"
        return (f"(SELECT {self.rank_of('t.rank_vector')} FROM {TEXT_TABLE} t "
                f"WHERE t.docnum = {TABLE}.docnum)")

    def rank_of(self, vector: str) -> str:
        """ts_rank of a vector against every text term of the query."""
        query = " || ".join(self.scoring_queries) if self.scoring_queries else NO_WORDS
        return f"ts_rank('{SCORE_WEIGHTS}', {vector}, {query})"

    # -- text analysis ----------------------------------------------------------

    def tsquery(self, term: Term) -> str:
        """The tsquery of a word or phrase in every configured language.

        One per distinct word, phrase or prefix: a term repeated in a search
        binds its value once.
        """
        key = (term.value, term.phrase, term.wildcard)
        if key not in self._tsqueries:
            self._tsqueries[key] = self._new_tsquery(term)
        return self._tsqueries[key]

    def _new_tsquery(self, term: Term) -> str:
        value = term.value
        if term.wildcard:
            prefix = value[:-1] if value.endswith("*") else value
            if "*" in prefix or "?" in prefix:
                raise QuerySyntaxError(
                    "text fields only take a trailing * wildcard (e.g. kesehat*)")
            words = re.findall(r"\w+", prefix.lower())
            if not words:
                return NO_WORDS
            lexemes = " & ".join(words[:-1] + [f"{words[-1]}:*"])
            return f"to_tsquery('simple', {self.bind(lexemes)})"
        fn = "phraseto_tsquery" if term.phrase else "plainto_tsquery"
        p = self.bind(value)
        return (f"({fn}('simple', {p}) || {fn}('indonesian', {p}) "
                f"|| {fn}('english', {p}))")

    def _hit(self, key: Any, make_atom: Any) -> str:
        """The outer condition of the atom ``key`` (made by ``make_atom`` on first use)."""
        number = self._atom_numbers.get(key)
        if number is None:
            self.text_atoms.append(make_atom())
            number = self._atom_numbers[key] = len(self.text_atoms)
        return f"th.hits[{number}]"

    def _text_match(self, term: Term, score: bool) -> str:
        q = self.tsquery(term)
        if score:
            self.scoring_queries.append(q)
        if q == NO_WORDS:
            return "FALSE"
        name = "text" if term.field is None else term.field
        if name == "text":
            return self._hit(("text", q), lambda: TextAtom(f"search_vector @@ {q}", q))
        if name in WEIGHT_OF_FIELD:
            vector = f"f.w_{WEIGHT_OF_FIELD[name]}"
            return self._hit((name, q), lambda: TextAtom(f"{vector} @@ {q}", q, name))
        # The indexed vector narrows; the field's own vector decides.
        if name not in self._field_vectors:
            self._field_vectors[name] = self.bind(name)
        vector = f"f.{self._field_alias(name)}"
        return self._hit((name, q), lambda: TextAtom(
            f"(search_vector @@ {q} AND {vector} @@ {q})", q, name))

    def _requirement(self, node: Node | DisMax) -> str | None:
        """A tsquery that every document matching ``node`` matches, or None."""
        if isinstance(node, Term):
            if node.field in NGRAM_FIELDS or not is_text_field(node.field):
                return None
            q = self.tsquery(node)
            return None if q == NO_WORDS else q
        if isinstance(node, DisMax):
            return self.dismax_narrowing(node)
        if isinstance(node, Boolean):
            must = [child for occur, child in node.clauses if occur is Occur.MUST]
            required = [r for r in map(self._requirement, must) if r is not None]
            if required:
                return " && ".join(f"({r})" for r in required)
            should = [child for occur, child in node.clauses if occur is Occur.SHOULD]
            if must or not should:
                return None
            alternatives = [self._requirement(child) for child in should]
            if any(r is None for r in alternatives):
                return None
            return " || ".join(f"({r})" for r in alternatives)
        return None

    # -- nodes -------------------------------------------------------------------

    def _node(self, node: Node, score: bool) -> str:
        if isinstance(node, MatchAll):
            return "TRUE"
        if isinstance(node, Boolean):
            return self._boolean(node, score)
        if isinstance(node, Term):
            return self._term(node, score)
        if isinstance(node, Exists):
            return self._exists(node.field)
        if isinstance(node, Range):
            return self._range(node)
        if isinstance(node, FunctionRange):
            return self._function_range(node)
        raise QuerySyntaxError(f"unsupported query element {type(node).__name__}")

    def _boolean(self, node: Boolean, score: bool) -> str:
        must = [n for o, n in node.clauses if o is Occur.MUST]
        should = [n for o, n in node.clauses if o is Occur.SHOULD]
        must_not = [n for o, n in node.clauses if o is Occur.MUST_NOT]
        parts = [self._node(n, score) for n in must]
        if should:
            # Optional clauses filter only when nothing is required (Lucene). Beside
            # required ones they still rank, and are still checked for errors, but
            # their text atoms are dropped: the text pass need not evaluate them.
            atoms_before = len(self.text_atoms)
            alternatives = self._should(should, score)
            if must:
                self._drop_atoms_from(atoms_before)
            else:
                parts.append(alternatives)
        parts.extend(f"({self._node(n, False)}) IS NOT TRUE" for n in must_not)
        return "(" + " AND ".join(parts or ["TRUE"]) + ")"

    def _drop_atoms_from(self, count: int) -> None:
        """Forget the atoms made since there were ``count``; a later use makes them again."""
        del self.text_atoms[count:]
        self._atom_numbers = {key: n for key, n in self._atom_numbers.items() if n <= count}

    def _should(self, nodes: list[Node], score: bool) -> str:
        exact = [n for n in nodes if isinstance(n, Term) and not n.wildcard
                 and not is_text_field(n.field) and n.field not in NGRAM_FIELDS]
        fields = {n.field for n in exact}
        if len(exact) == len(nodes) > 1 and len(fields) == 1:
            return self._term_in(fields.pop(), [n.value for n in exact])
        return "(" + " OR ".join(self._merge_values(
            [self._node(n, score) for n in nodes])) + ")"

    def _merge_values(self, alternatives: list[str]) -> list[str]:
        """Alternatives on the values of one document field as a single EXISTS.

        ``EXISTS (.. v WHERE a) OR EXISTS (.. v WHERE b)`` is ``EXISTS (.. v WHERE a
        OR b)``: one subquery per field instead of one per range or wildcard, each
        of which PostgreSQL would plan and run apart.
        """
        by_field: dict[str, list[str]] = {}
        merged: list[tuple[str, str]] = []  # ("sql", text) or ("field", name)
        for sql in alternatives:
            if sql in self._value_conditions:
                name, condition = self._value_conditions[sql]
                if name not in by_field:
                    by_field[name] = []
                    merged.append(("field", name))
                by_field[name].append(condition)
            else:
                merged.append(("sql", sql))
        return [self._any_value(item, " OR ".join(f"({c})" for c in by_field[item]))
                if kind == "field" else item for kind, item in merged]

    def _term(self, term: Term, score: bool) -> str:
        if term.field in NGRAM_FIELDS:
            column = NGRAM_FIELDS[term.field]
            pattern = "%" + _escape_like(term.value.replace("*", "")) + "%"
            source = "name" if column == "name" else "doc ->> 'title'"
            return f"({source} ILIKE {self.bind(pattern)})"
        if is_text_field(term.field):
            return self._text_match(term, score)
        if is_date_field(term.field) and not term.wildcard:
            moment = parse_date(term.value)
            return f"({self._date_source(term.field)} = {self.bind(moment)})"
        if term.wildcard:
            return self._wildcard(term.field, term.value)
        return self._term_in(term.field, [term.value])

    def _term_in(self, field_name: str, values: list[str]) -> str:
        if field_name in SCALAR_COLUMNS:
            column = SCALAR_COLUMNS[field_name]
            if len(values) == 1:
                return f"({column} = {self.bind(values[0])})"
            return f"({column} = ANY({self.bind(values)}))"
        if field_name in ARRAY_COLUMNS:
            return f"({ARRAY_COLUMNS[field_name]} && CAST({self.bind(values)} AS text[]))"
        if field_name in NUMBER_COLUMNS:
            numbers = [float(v) for v in values if NUMERIC_RE.match(v)]
            if not numbers:
                return "FALSE"
            return f"({NUMBER_COLUMNS[field_name]} = ANY(CAST({self.bind(numbers)} AS float8[])))"
        checks = []
        for value in values:
            for candidate in json_candidates(value):
                for shape in (candidate, [candidate]):
                    doc = json.dumps({field_name: shape})
                    checks.append(f"doc @> CAST({self.bind(doc)} AS jsonb)")
        return "(" + " OR ".join(checks) + ")"

    def _wildcard(self, field_name: str, value: str) -> str:
        pattern = "".join("%" if c == "*" else "_" if c == "?" else _escape_like(c)
                          for c in value)
        if field_name in SCALAR_COLUMNS:
            return f"({SCALAR_COLUMNS[field_name]} LIKE {self.bind(pattern)})"
        return self._any_value(field_name, f"v LIKE {self.bind(pattern)}")

    def _exists(self, field_name: str) -> str:
        for columns in (SCALAR_COLUMNS, DATE_COLUMNS, NUMBER_COLUMNS):
            if field_name in columns:
                return f"({columns[field_name]} IS NOT NULL)"
        if field_name in ARRAY_COLUMNS:
            return f"(cardinality({ARRAY_COLUMNS[field_name]}) > 0)"
        # As Solr: a field exists when it has a non-empty value ([] and "" do not count).
        return self._any_value(field_name, "v <> ''")

    def _range(self, node: Range) -> str:
        if node.field is None or node.field == "text":
            raise QuerySyntaxError("a range needs a field name, e.g. metadata_modified:[* TO NOW]")
        if node.low is None and node.high is None:
            return self._exists(node.field)
        low_op = ">=" if node.include_low else ">"
        high_op = "<=" if node.include_high else "<"
        if is_date_field(node.field):
            source = self._date_source(node.field)
            return self._bounds(source, low_op, high_op,
                                None if node.low is None else parse_date(node.low),
                                None if node.high is None else parse_date(node.high))
        bounds = [b for b in (node.low, node.high) if b is not None]
        if all(NUMERIC_RE.match(b) for b in bounds):
            low = None if node.low is None else float(node.low)
            high = None if node.high is None else float(node.high)
            if node.field in NUMBER_COLUMNS:
                return self._bounds(NUMBER_COLUMNS[node.field], low_op, high_op, low, high)
            return self._any_value(node.field, self._bounds("walidata_number(v)", low_op,
                                                            high_op, low, high))
        source = (f"{SCALAR_COLUMNS[node.field]} COLLATE \"C\""
                  if node.field in SCALAR_COLUMNS else "v COLLATE \"C\"")
        condition = self._bounds(source, low_op, high_op, node.low, node.high)
        if node.field in SCALAR_COLUMNS:
            return condition
        return self._any_value(node.field, condition)

    def _any_value(self, field_name: str, condition: str) -> str:
        """Whether any value of a document field meets ``condition`` (which reads ``v``)."""
        values = f"walidata_values({self._json(field_name)})"
        sql = f"EXISTS (SELECT 1 FROM {values} v WHERE {condition})"
        self._value_conditions[sql] = (field_name, condition)
        return sql

    def _bounds(self, source: str, low_op: str, high_op: str, low: Any, high: Any) -> str:
        parts = [f"{source} IS NOT NULL"]
        if low is not None:
            parts.append(f"{source} {low_op} {self.bind(low)}")
        if high is not None:
            parts.append(f"{source} {high_op} {self.bind(high)}")
        return "(" + " AND ".join(parts) + ")"

    def _date_source(self, field_name: str) -> str:
        if field_name in DATE_COLUMNS:
            return DATE_COLUMNS[field_name]
        return f"walidata_timestamp(doc ->> {self.bind(field_name)})"

    def _json(self, field_name: str) -> str:
        return f"(doc -> {self.bind(field_name)})"

    # -- function queries (ckanext-spatial's bbox overlap) ----------------------------

    def function(self, node: Any) -> str:
        if isinstance(node, Number):
            return f"CAST({self.bind(node.value)} AS float8)"
        if isinstance(node, FieldValue):
            # Solr's function queries read a missing value as 0.
            if node.field in NUMBER_COLUMNS:
                return f"coalesce({NUMBER_COLUMNS[node.field]}, 0)"
            return f"coalesce(walidata_number(doc ->> {self.bind(node.field)}), 0)"
        if isinstance(node, Function):
            args = [self.function(a) for a in node.args]
            if node.name == "div":
                return f"({args[0]} / NULLIF({args[1]}, 0))"
            if node.name == "sub":
                return f"({args[0]} - {args[1]})"
            if node.name in ("add", "mul"):
                return "(" + (" + " if node.name == "add" else " * ").join(args) + ")"
            if node.name in ("max", "min"):
                return f"{'GREATEST' if node.name == 'max' else 'LEAST'}({', '.join(args)})"
            if node.name == "abs":
                return f"abs({args[0]})"
        raise QuerySyntaxError("unsupported function query")

    def _function_range(self, node: FunctionRange) -> str:
        value = self.function(node.function)
        return self._bounds(value, ">=" if node.include_low else ">",
                            "<=" if node.include_high else "<", node.low, node.high)

    # -- dismax ----------------------------------------------------------------

    def _dismax(self, node: DisMax, score: bool) -> str:
        if not (node.must or node.should):
            # Only exclusions: the atom is "any excluded word", the query its negation.
            any_word = " || ".join(self.tsquery(t) for t in node.must_not)
            hit = self._hit(node, lambda: TextAtom(f"search_vector @@ ({any_word})", any_word))
            return f"({hit} IS NOT TRUE)"
        condition = self.dismax_text_condition(node, score)
        narrowing = self.dismax_narrowing(node)
        return self._hit(node, lambda: TextAtom(condition, narrowing))

    def dismax_narrowing(self, node: DisMax) -> str | None:
        """What every match of a dismax query matches (None when it has only exclusions).

        With ``m`` of ``n`` optional words needed, a match misses at most
        ``n - m``: so it has a word of every group of ``n - m + 1`` (all words
        one by one when all are needed, any word when one is). The groups let
        the GIN index narrow a long query as much as a short one.
        """
        parts = [self.tsquery(t) for t in node.must]
        if node.should:
            size = len(node.should) - node.minimum_match + 1
            groups = [list(node.should[i:i + size])
                      for i in range(0, len(node.should) - size + 1, size)]
            groups[-1].extend(node.should[len(groups) * size:])
            parts += ["(" + " || ".join(self.tsquery(t) for t in group) + ")"
                      for group in groups]
        return " && ".join(parts) if parts else None

    def dismax_text_condition(self, node: DisMax, score: bool) -> str:
        """The dismax query as a condition on ``search_vector`` of the text table."""
        parts = [f"search_vector @@ {self.tsquery(t)}" for t in node.must]
        if score:
            self.scoring_queries.extend(self.tsquery(t) for t in node.must)
        if node.should:
            queries = [self.tsquery(t) for t in node.should]
            if score:
                self.scoring_queries.extend(queries)
            needed = node.minimum_match
            if needed == len(queries):
                parts.append("search_vector @@ (" + " && ".join(queries) + ")")
            else:
                parts.append("search_vector @@ (" + " || ".join(queries) + ")")
                hits = " + ".join(f"(search_vector @@ {q})::int" for q in queries)
                parts.append(f"({hits}) >= {int(needed)}")
        parts.extend(f"NOT (search_vector @@ {self.tsquery(t)})" for t in node.must_not)
        return "(" + " AND ".join(parts or ["TRUE"]) + ")"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def json_candidates(value: str) -> list[Any]:
    """The JSON values a Solr string field would match for ``value``."""
    candidates: list[Any] = [value]
    if value in ("true", "false"):
        candidates.append(value == "true")
    elif NUMERIC_RE.match(value):
        number = float(value)
        candidates.append(int(number) if number.is_integer() else number)
    return candidates


def parse_date(value: str, now: dt.datetime | None = None) -> dt.datetime:
    """Solr date syntax: ISO timestamps and date math (NOW-7DAYS, NOW/DAY...)."""
    value = value.strip().upper()
    m = DATE_MATH_RE.match(value)
    if not m:
        raise QuerySyntaxError(f"{value!r} is not a date (use 2024-01-31T00:00:00Z or NOW-7DAYS)")
    base = m.group("base")
    if base == "NOW":
        moment = now or dt.datetime.now(dt.timezone.utc)
    else:
        try:
            moment = dt.datetime.fromisoformat(base.replace("Z", "+00:00"))
        except ValueError:
            raise QuerySyntaxError(f"{base!r} is not a valid date") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
    for sign, amount, unit, rounding in _DATE_STEP_RE.findall(m.group("math")):
        if rounding:
            moment = _round_date(moment, rounding.rstrip("S"))
        else:
            moment = _shift_date(moment, int(amount) * (1 if sign == "+" else -1), unit)
    return moment


def _shift_date(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    try:
        if unit in ("YEAR", "MONTH"):
            months = moment.month - 1 + amount * (12 if unit == "YEAR" else 1)
            year, month = moment.year + months // 12, months % 12 + 1
            day = min(moment.day, _days_in_month(year, month))
            return moment.replace(year=year, month=month, day=day)
        seconds = {"DAY": 86400, "DATE": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}[unit]
        return moment + dt.timedelta(seconds=amount * seconds)
    except (ValueError, OverflowError):
        raise QuerySyntaxError("date math goes out of the calendar's range") from None


def _days_in_month(year: int, month: int) -> int:
    if not 1 <= year <= 9999:
        raise ValueError(year)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _round_date(moment: dt.datetime, unit: str) -> dt.datetime:
    order = ["YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"]
    if unit == "DATE":
        unit = "DAY"
    if unit not in order:
        raise QuerySyntaxError(f"cannot round a date to {unit}")
    keep = order.index(unit)
    defaults = {"MONTH": 1, "DAY": 1, "HOUR": 0, "MINUTE": 0, "SECOND": 0}
    changes = {name.lower(): defaults[name] for name in order[keep + 1:]}
    return moment.replace(microsecond=0, **changes)


# -- sort ---------------------------------------------------------------------

SORT_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s+(asc|desc)\s*$", re.I)


def parse_sort(sort: str) -> list[tuple[str, bool]]:
    """``score desc, metadata_modified desc`` as (field, descending) pairs."""
    keys = []
    for part in sort.split(","):
        m = SORT_RE.match(part)
        if not m:
            raise QuerySyntaxError(f'invalid "sort" parameter: {part.strip()!r}; '
                                   'use "field asc" or "field desc"')
        keys.append((m.group(1), m.group(2).lower() == "desc"))
    return keys


def compile_sort(keys: list[tuple[str, bool]], compiler: Compiler, scored: bool = True) -> str:
    """An ORDER BY list: NULLs last (as Solr), ties broken by document number.

    Without text terms or boosts every score is the same, so ``score`` is left
    out and an index on the next key can serve the order.
    """
    parts = []
    for name, descending in keys:
        if name == "score":
            if not scored:
                continue
            expression = "score"
        elif name in SCALAR_COLUMNS:
            expression = f'{SCALAR_COLUMNS[name]} COLLATE "C"'
        elif name in DATE_COLUMNS or name in NUMBER_COLUMNS:
            expression = DATE_COLUMNS.get(name) or NUMBER_COLUMNS[name]
        elif name == "title":
            expression = 'title_string COLLATE "C"'
        elif name in NUMERIC_SORT_FIELDS:
            expression = f"walidata_number(doc ->> {compiler.bind(name)})"
        else:
            expression = f'(doc -> {compiler.bind(name)} ->> 0) COLLATE "C"'
        parts.append(f"{expression} {'DESC' if descending else 'ASC'} NULLS LAST")
    parts.append("docnum ASC")
    return ", ".join(parts)


def parse_query(q: str | None) -> Node | DisMax:
    """``q`` as CKAN sends it: fielded (Lucene) when it has a colon, else dismax."""
    if not q or q.strip() in ('""', "''", "*:*", ""):
        return MatchAll()
    if ":" in q:
        return syntax.parse_lucene(q)
    return syntax.parse_dismax(q)
