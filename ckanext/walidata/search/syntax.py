"""Parse the Solr query syntax that CKAN and its extensions send.

CKAN builds ``q``, ``fq`` and ``fq_list`` strings in the Lucene/Solr syntax
(``+capacity:public +state:active``, ``tags:"air bersih"``,
``metadata_modified:[NOW-1DAY TO *]``, ``{!frange l=0 u=1}div(...)`` from
ckanext-spatial...). The PostgreSQL backend has to understand the same
strings, so this module turns them into a small tree that ``sql.py`` compiles.
It is plain Python with no database or CKAN import, and everything it cannot
represent raises :class:`QuerySyntaxError` with the reason.

How much a search may ask for (characters, clauses) is the backend's request
budget (``backend.SearchLimits``), checked over all strings of one request;
:func:`count_clauses` is its measure. Only the nesting depth is capped here,
because the parser recurses.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

MAX_DEPTH = 32


class QuerySyntaxError(ValueError):
    """The query cannot be parsed or uses a feature the backend lacks."""


class Occur(enum.Enum):
    MUST = "+"
    SHOULD = ""
    MUST_NOT = "-"


# --- the tree -------------------------------------------------------------


@dataclass(frozen=True)
class MatchAll:
    """``*:*``."""


@dataclass(frozen=True)
class Term:
    """``field:value``; ``field`` is None for the default field."""

    field: str | None
    value: str
    phrase: bool = False
    wildcard: bool = False


@dataclass(frozen=True)
class Exists:
    """``field:*`` (the field has any value)."""

    field: str


@dataclass(frozen=True)
class Range:
    """``field:[low TO high]``; None stands for ``*`` (unbounded)."""

    field: str | None
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Boolean:
    """A list of clauses, each required, optional or excluded."""

    clauses: tuple[tuple[Occur, Node], ...]


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class FieldValue:
    """A numeric field inside a function query."""

    field: str


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[FunctionArg, ...]


FunctionArg = Number | FieldValue | Function


@dataclass(frozen=True)
class FunctionRange:
    """``{!frange l=.. u=..}function``: keep documents whose value is in range."""

    function: FunctionArg
    low: float | None
    high: float | None
    include_low: bool = True
    include_high: bool = True


Node = MatchAll | Term | Exists | Range | Boolean | FunctionRange

SUPPORTED_FUNCTIONS = {"div": 2, "mul": None, "add": None, "sub": 2, "max": None,
                       "min": None, "abs": 1}

FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
# Solr's magic fields reach other query parsers; CKAN refuses them too.
MAGIC_FIELDS = {"_query_", "_val_"}


# --- tokenizer --------------------------------------------------------------

_SPECIAL = set('+-&|!(){}[]^"~*?:\\/ \t\r\n')


@dataclass
class _Token:
    kind: str  # TERM PHRASE LPAREN RPAREN PLUS MINUS NOT AND OR COLON RANGE_OPEN...
    text: str = ""
    wildcard: bool = False
    extra: dict = field(default_factory=dict)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            tokens.append(_Token("LPAREN"))
            i += 1
        elif c == ")":
            tokens.append(_Token("RPAREN"))
            i += 1
        elif c == ":":
            tokens.append(_Token("COLON"))
            i += 1
        elif c == "+" and _starts_clause(tokens):
            tokens.append(_Token("PLUS"))
            i += 1
        elif c == "-" and _starts_clause(tokens):
            tokens.append(_Token("MINUS"))
            i += 1
        elif c == "!" and (i + 1 < n and text[i + 1] != "="):
            tokens.append(_Token("NOT"))
            i += 1
        elif text.startswith("&&", i):
            tokens.append(_Token("AND"))
            i += 2
        elif text.startswith("||", i):
            tokens.append(_Token("OR"))
            i += 2
        elif c == '"':
            value, i = _read_quoted(text, i)
            tokens.append(_Token("PHRASE", value))
        elif c in "[{":
            tok, i = _read_range(text, i)
            tokens.append(tok)
        elif c == "^":
            _, i = _read_number(text, i + 1, "boost")
            tokens.append(_Token("BOOST"))
        elif c == "~":
            tokens.append(_Token("FUZZY"))
            i += 1
            while i < n and (text[i].isdigit() or text[i] == "."):
                i += 1
        elif c in "]}&|/":
            raise QuerySyntaxError(f"unexpected character {c!r} at position {i + 1}")
        else:
            value, wildcard, i = _read_term(text, i)
            if value in ("AND", "OR", "NOT") and not wildcard:
                tokens.append(_Token(value))
            else:
                tokens.append(_Token("TERM", value, wildcard=wildcard))
    return tokens


def _starts_clause(tokens: list[_Token]) -> bool:
    """A + or - is an operator except right after ``field:`` (``year:-1``)."""
    return not tokens or tokens[-1].kind != "COLON"


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    out = []
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif c == quote:
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise QuerySyntaxError("a quoted phrase is not closed")


def _read_term(text: str, i: int) -> tuple[str, bool, int]:
    start = i
    out = []
    wildcard = False
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text):
                raise QuerySyntaxError("the query ends with a backslash")
            out.append(text[i + 1])
            i += 2
            continue
        if c in "*?":
            wildcard = True
            out.append(c)
            i += 1
            continue
        if c in _SPECIAL and not (c in "+-!/" and (out or i == start)):
            break
        out.append(c)
        i += 1
    if not out:
        raise QuerySyntaxError(f"unexpected character {text[i]!r} at position {i + 1}")
    return "".join(out), wildcard, i


def _read_number(text: str, i: int, what: str) -> tuple[float, int]:
    m = re.compile(r"-?\d+(\.\d+)?([eE]-?\d+)?").match(text, i)
    if not m:
        raise QuerySyntaxError(f"a {what} needs a number")
    return float(m.group(0)), m.end()


def _read_range(text: str, i: int) -> tuple[_Token, int]:
    include_low = text[i] == "["
    end = i + 1
    while end < len(text) and text[end] not in "]}":
        if text[end] == "\\":
            end += 1
        end += 1
    if end >= len(text):
        raise QuerySyntaxError("a range [a TO b] is not closed")
    include_high = text[end] == "]"
    body = text[i + 1:end]
    parts = re.split(r"\s+TO\s+", body.strip())
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise QuerySyntaxError("a range needs the form [low TO high]")
    low, high = (_unquote(p.strip()) for p in parts)
    return _Token("RANGE", extra={"low": None if low == "*" else low,
                                  "high": None if high == "*" else high,
                                  "include_low": include_low,
                                  "include_high": include_high}), end + 1


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return re.sub(r"\\(.)", r"\1", value)


# --- parser -----------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse_query(self, default_field: str | None, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise QuerySyntaxError("the query nests parentheses too deeply")
        clauses: list[list] = []  # [occur, node, explicit]
        conj = None
        while (tok := self.peek()) is not None and tok.kind != "RPAREN":
            if tok.kind in ("AND", "OR"):
                self.take()
                if not clauses:
                    raise QuerySyntaxError(f"{tok.kind} needs a clause before it")
                conj = tok.kind
                continue
            modifier = None
            if tok.kind in ("PLUS", "MINUS", "NOT"):
                self.take()
                modifier = tok.kind
                if self.peek() is None or self.peek().kind == "RPAREN":
                    raise QuerySyntaxError(f"{tok.kind.lower()} needs a clause after it")
            node = self.parse_clause(default_field, depth)
            self._add_clause(clauses, conj, modifier, node)
            conj = None
        if conj is not None:
            raise QuerySyntaxError(f"{conj} needs a clause after it")
        if not clauses:
            raise QuerySyntaxError("empty query or parentheses")
        if len(clauses) == 1 and clauses[0][0] in (Occur.MUST, Occur.SHOULD):
            return clauses[0][1]
        return Boolean(tuple((occur, node) for occur, node in clauses))

    @staticmethod
    def _add_clause(clauses: list[list], conj: str | None, modifier: str | None,
                    node: Node) -> None:
        """Lucene's classic QueryParser rules (``addClause``) with CKAN's ``q.op=AND``.

        ``AND`` makes the previous clause required and ``OR`` optional (unless
        it is excluded); a clause is excluded by ``-``/``NOT``, optional after
        ``OR`` and required otherwise. As in Solr, optional clauses beside
        required ones do not filter: ``+a b OR c`` matches every ``a``.
        """
        if clauses and conj in ("AND", "OR") and clauses[-1][0] is not Occur.MUST_NOT:
            clauses[-1][0] = Occur.MUST if conj == "AND" else Occur.SHOULD
        if modifier in ("MINUS", "NOT"):
            occur = Occur.MUST_NOT
        elif conj == "OR":
            occur = Occur.SHOULD
        else:
            occur = Occur.MUST
        clauses.append([occur, node])

    def parse_clause(self, default_field: str | None, depth: int) -> Node:
        tok = self.take()
        field_name = default_field
        if tok.kind == "TERM" and self.peek() is not None and self.peek().kind == "COLON":
            self.take()
            if tok.wildcard:
                if tok.text != "*":
                    raise QuerySyntaxError("wildcards are not allowed in field names")
                nxt = self.take() if self.peek() else None
                if nxt is None or nxt.kind != "TERM" or nxt.text != "*":
                    raise QuerySyntaxError("'*:' must be followed by '*'")
                return self._suffix(MatchAll())
            field_name = _check_field(tok.text)
            if self.peek() is None:
                raise QuerySyntaxError(f"field {field_name!r} has no value")
            tok = self.take()
        if tok.kind == "LPAREN":
            node = self.parse_query(field_name, depth + 1)
            if self.peek() is None or self.take().kind != "RPAREN":
                raise QuerySyntaxError("a parenthesis is not closed")
            return self._suffix(node)
        if tok.kind == "PHRASE":
            return self._suffix(Term(field_name, tok.text, phrase=True), phrase=True)
        if tok.kind == "RANGE":
            return self._suffix(Range(field_name, **tok.extra))
        if tok.kind == "TERM":
            if tok.text == "*" and field_name is not None and field_name != default_field:
                return self._suffix(Exists(field_name))
            if tok.text == "*":
                return self._suffix(MatchAll())
            return self._suffix(Term(field_name, tok.text, wildcard=tok.wildcard))
        raise QuerySyntaxError(f"unexpected {tok.kind.lower()} in the query")

    def _suffix(self, node: Node, phrase: bool = False) -> Node:
        while (tok := self.peek()) is not None and tok.kind in ("BOOST", "FUZZY"):
            self.take()
            if tok.kind == "FUZZY" and not phrase:
                raise QuerySyntaxError("fuzzy search (term~) is not supported")
        return node


def _check_field(name: str) -> str:
    if name in MAGIC_FIELDS:
        raise QuerySyntaxError(f"magic field {name} is not supported")
    if not FIELD_NAME_RE.match(name):
        raise QuerySyntaxError(f"invalid field name {name!r}")
    return name


def parse_lucene(text: str, default_field: str | None = "text") -> Node:
    """Parse a query in the standard (Lucene) syntax; ``*:*`` or blank is all."""
    text = _check_text(text)
    if not text.strip():
        return MatchAll()
    if text.lstrip().startswith("{!"):
        return parse_local_params(text)
    parser = _Parser(_tokenize(text))
    node = parser.parse_query(default_field, 0)
    if parser.peek() is not None:
        raise QuerySyntaxError("a closing parenthesis has no opening one")
    return node


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise QuerySyntaxError("the query must be a string")
    if "\x00" in text:
        raise QuerySyntaxError("the query contains a NUL character")
    return text


# --- dismax (plain text q) -----------------------------------------------------


@dataclass(frozen=True)
class DisMax:
    """A plain-text query: words and phrases, some required or excluded.

    ``minimum_match`` follows CKAN's ``mm=2<-1 5<80%``: with up to two
    optional clauses all must match, up to five all but one, beyond that 80 %.
    """

    should: tuple[Term, ...]
    must: tuple[Term, ...]
    must_not: tuple[Term, ...]

    @property
    def minimum_match(self) -> int:
        n = len(self.should)
        if n <= 2:
            return n
        if n <= 5:
            return n - 1
        return int(n * 0.8)


def parse_dismax(text: str) -> DisMax | MatchAll:
    """Parse ``q`` the way Solr's dismax parser does: only quotes, + and - act."""
    text = _check_text(text)
    should: list[Term] = []
    must: list[Term] = []
    must_not: list[Term] = []
    for m in re.finditer(r'([+\-]?)(?:"([^"]*)"?|(\S+))', text):
        sign, phrase, word = m.groups()
        value = phrase if phrase is not None else word
        value = value.strip()
        if not value or (phrase is None and not any(ch.isalnum() for ch in value)):
            continue
        term = Term(None, value, phrase=phrase is not None)
        {"+": must, "-": must_not}.get(sign, should).append(term)
    if not (should or must):
        return MatchAll() if not must_not else DisMax((), (), tuple(must_not))
    return DisMax(tuple(should), tuple(must), tuple(must_not))


def count_clauses(node: Node | DisMax, uncounted: frozenset[str] = frozenset()) -> int:
    """The clauses a parsed query asks for: its terms, ranges and filters, not its brackets.

    What a search costs grows with this number (each clause is a condition in
    SQL), so the request budget counts it over ``q``, ``fq`` and ``fq_list``.
    Top-level clauses on the ``uncounted`` fields are left out: CKAN and its
    plugins add them themselves (``+capacity:public``, ``+state:(active)``,
    ``-dataset_type:harvest``), and they are cheap column comparisons.
    """
    if isinstance(node, Boolean):
        return sum(0 if occur is not Occur.SHOULD and _only_on(child, uncounted)
                   else count_clauses(child) for occur, child in node.clauses)
    if _only_on(node, uncounted):
        return 0
    if isinstance(node, DisMax):
        return len(node.should) + len(node.must) + len(node.must_not)
    return 1


def _only_on(node: Node | DisMax, fields: frozenset[str]) -> bool:
    """Whether ``node`` is terms of the ``fields`` alone (``state:(active OR draft)``)."""
    if isinstance(node, Term):
        return node.field in fields and not node.wildcard
    if isinstance(node, Boolean):
        return all(occur is not Occur.MUST_NOT and _only_on(child, fields)
                   for occur, child in node.clauses)
    return False


# --- local params and function queries -----------------------------------------

_LOCAL_PARAMS_RE = re.compile(r"^\s*\{!([^}]*)\}(.*)$", re.S)


def parse_local_params(text: str) -> Node:
    """Parse ``{!frange ...}function``, the one query parser CKAN plugins use here."""
    m = _LOCAL_PARAMS_RE.match(text)
    if not m:
        raise QuerySyntaxError("local parameters {!...} are not closed")
    words = m.group(1).split()
    params: dict[str, str] = {}
    parser_name = None
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            params[key] = value.strip("'\"")
        elif parser_name is None:
            parser_name = word
        else:
            raise QuerySyntaxError(f"unexpected local parameter {word!r}")
    parser_name = params.pop("type", parser_name)
    if parser_name != "frange":
        raise QuerySyntaxError(f"query parser {parser_name!r} is not supported")
    allowed = {"l", "u", "incl", "incu"}
    if set(params) - allowed:
        raise QuerySyntaxError(f"frange does not take {sorted(set(params) - allowed)}")

    def bound(key: str) -> float | None:
        if key not in params:
            return None
        try:
            return float(params[key])
        except ValueError:
            raise QuerySyntaxError(f"frange {key}= needs a number") from None

    return FunctionRange(
        function=parse_function(m.group(2)),
        low=bound("l"),
        high=bound("u"),
        include_low=params.get("incl", "true") != "false",
        include_high=params.get("incu", "true") != "false",
    )


_FUNC_TOKEN_RE = re.compile(r"\s*(?:(?P<num>-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)|(?P<name>[A-Za-z_]"
                            r"[A-Za-z0-9_]*)|(?P<punct>[(),]))")


def parse_function(text: str) -> FunctionArg:
    """Parse a Solr function query such as ``div(mul(2,maxx),add(1,minx))``."""
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _FUNC_TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise QuerySyntaxError(f"cannot read the function query at position {pos + 1}")
        tokens.append(m)
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    index = 0

    def parse(depth: int) -> FunctionArg:
        nonlocal index
        if depth > MAX_DEPTH or index >= len(tokens):
            raise QuerySyntaxError("the function query is incomplete or too deep")
        tok = tokens[index]
        index += 1
        if tok.group("num") is not None:
            return Number(float(tok.group("num")))
        if tok.group("name") is None:
            raise QuerySyntaxError("the function query has a misplaced punctuation mark")
        name = tok.group("name")
        if index < len(tokens) and tokens[index].group("punct") == "(":
            index += 1
            if name not in SUPPORTED_FUNCTIONS:
                raise QuerySyntaxError(f"function {name}() is not supported")
            args = []
            while True:
                args.append(parse(depth + 1))
                if index >= len(tokens):
                    raise QuerySyntaxError(f"{name}( is not closed")
                punct = tokens[index].group("punct")
                index += 1
                if punct == ")":
                    break
                if punct != ",":
                    raise QuerySyntaxError(f"{name}() arguments need commas")
            arity = SUPPORTED_FUNCTIONS[name]
            if (arity is not None and len(args) != arity) or len(args) < 1:
                raise QuerySyntaxError(f"{name}() takes {arity or 'some'} arguments")
            return Function(name, tuple(args))
        return FieldValue(_check_field(name))

    result = parse(0)
    if index != len(tokens):
        raise QuerySyntaxError("unexpected text after the function query")
    return result
