"""Reference codes (kode referensi): Kemendagri region codes and the urusan classification.

The shipped files in ``refdata/`` are loaded into one table, ``walidata_reference_code``,
so that validators, autocomplete and display helpers share one source with the database.
Plain Python over SQLAlchemy Core: no web code. Every function that reads the table takes
an optional ``connection`` (for tests and migrations); without one it uses CKAN's engine.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import re
import string
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from ckan import model
from ckan.plugins import toolkit

REFDATA_DIR = Path(__file__).parent / "refdata"
FILE_COLUMNS = ("kode", "nama", "tingkat", "induk")


@dataclass(frozen=True)
class Scheme:
    """A code list: its file, its levels top-down and the code format of each level."""

    name: str
    filename: str
    levels: tuple[str, ...]
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    source: str

    def level_of(self, code: str) -> str | None:
        """The level a well-formed code belongs to, from its shape alone."""
        for level, pattern in zip(self.levels, self.patterns, strict=True):
            if re.fullmatch(pattern, code):
                return level
        return None


# ``source`` is recorded with each load; bump it with the file (see refdata/SOURCES.md).
SCHEMES: dict[str, Scheme] = {
    "wilayah": Scheme(
        name="wilayah",
        filename="wilayah.csv.gz",
        levels=("provinsi", "kabupaten_kota", "kecamatan", "desa_kelurahan"),
        patterns=(r"\d{2}", r"\d{2}\.\d{2}", r"\d{2}\.\d{2}\.\d{2}",
                  r"\d{2}\.\d{2}\.\d{2}\.\d{4}"),
        examples=("53", "53.71", "53.71.01", "53.71.01.1001"),
        source="npm idn-area-data 4.0.1 (Kepmendagri 300.2.2-2138/2025)",
    ),
    "urusan": Scheme(
        name="urusan",
        filename="urusan.csv",
        levels=("urusan", "bidang_urusan"),
        patterns=(r"\d", r"\d\.\d{2}"),
        examples=("1", "1.02"),
        source="Permendagri 90/2019, lampiran I (transcribed)",
    ),
}

metadata = sa.MetaData()

# Codes compare byte-wise (COLLATE "C") so that the primary key also serves code-prefix
# searches (LIKE '53.7%') and ordering by code follows the hierarchy.
reference_code_table = sa.Table(
    "walidata_reference_code",
    metadata,
    sa.Column("scheme", sa.Text, primary_key=True),
    sa.Column("code", sa.Text(collation="C"), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("parent", sa.Text(collation="C")),
    # Word-prefix name search ("kab kup" finds "Kabupaten Kupang") without an extension.
    sa.Index("walidata_reference_code_name",
             sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), sa.column("name")),
             postgresql_using="gin"),
    sa.Index("walidata_reference_code_parent", "scheme", "parent"),
)

# One row per scheme, rewritten by every load: tells other processes their cache is stale
# and tells admins what was loaded when.
reference_load_table = sa.Table(
    "walidata_reference_load",
    metadata,
    sa.Column("scheme", sa.Text, primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("source", sa.Text),
)


class ReferenceCode(NamedTuple):
    """One code of a list, as stored."""

    code: str
    name: str
    level: str
    parent: str | None


def get_scheme(scheme: str) -> Scheme:
    """The scheme of that name; an unknown name is a programming error."""
    try:
        return SCHEMES[scheme]
    except KeyError:
        raise ValueError(f"Unknown reference scheme {scheme!r}") from None


# --- the shipped files -------------------------------------------------------------------


def read_file(scheme: str, path: Path | None = None) -> list[ReferenceCode]:
    """Read and check a scheme's file: columns, code shapes, levels and parents.

    A refreshed file that fails these checks must never reach the table.
    """
    spec = get_scheme(scheme)
    path = path or REFDATA_DIR / spec.filename
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != FILE_COLUMNS:
            raise ValueError(f"{path.name}: expected columns {FILE_COLUMNS}, got {header}")
        rows = [ReferenceCode(code, name, level, parent or None)
                for code, name, level, parent in reader]
    seen: dict[str, str] = {}
    for row in rows:
        if row.code in seen:
            raise ValueError(f"{path.name}: duplicate code {row.code}")
        if spec.level_of(row.code) != row.level:
            raise ValueError(f"{path.name}: {row.code} does not fit level {row.level}")
        if not row.name.strip():
            raise ValueError(f"{path.name}: {row.code} has no name")
        seen[row.code] = row.level
    for row in rows:
        depth = spec.levels.index(row.level)
        if depth == 0:
            if row.parent is not None:
                raise ValueError(f"{path.name}: top-level code {row.code} has a parent")
        elif (seen.get(row.parent or "") != spec.levels[depth - 1]
              or not row.code.startswith(f"{row.parent}.")):
            raise ValueError(f"{path.name}: {row.code} has a bad parent {row.parent}")
    return rows


def build_wilayah(source_dir: Path, target: Path | None = None) -> dict[str, int]:
    """Write wilayah.csv.gz from the ``data/`` folder of the npm package idn-area-data.

    Used to refresh the shipped file (refdata/SOURCES.md). Names are kept as published,
    except the few written all in lower case, which get capitals like the rest. The output
    is sorted by code and gzip'd without a timestamp, so an unchanged source gives an
    identical file.
    """
    spec = SCHEMES["wilayah"]
    target = target or REFDATA_DIR / spec.filename
    files = (("provinces.csv", None), ("regencies.csv", "province_code"),
             ("districts.csv", "regency_code"), ("villages.csv", "district_code"))
    rows: list[tuple[str, str, str, str]] = []
    counts: dict[str, int] = {}
    for (filename, parent_column), level in zip(files, spec.levels, strict=True):
        with open(source_dir / filename, encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        for record in records:
            name = " ".join(record["name"].split())
            if name.islower():
                name = string.capwords(name)
            rows.append((record["code"], name, level,
                         record[parent_column] if parent_column else ""))
        counts[level] = len(records)
    rows.sort(key=lambda row: row[0].encode())
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FILE_COLUMNS)
    writer.writerows(rows)
    scratch = target.with_name(f".{target.name}")  # checked before it replaces the file
    with open(scratch, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                  compresslevel=9, mtime=0) as out:
        out.write(buffer.getvalue().encode("utf-8"))
    try:
        read_file("wilayah", scratch)
    except ValueError:
        scratch.unlink()
        raise
    scratch.replace(target)
    return counts


# --- loading -----------------------------------------------------------------------------


def load(connection: sa.Connection, scheme: str | None = None) -> dict[str, int]:
    """(Re)load the shipped file of one scheme, or of all, replacing their rows.

    Runs in one transaction: its own, or a savepoint inside the caller's (a migration's),
    so readers see the old list or the new one, never a half. Returns rows per scheme.
    """
    names = [get_scheme(scheme).name] if scheme else list(SCHEMES)
    files = {name: read_file(name) for name in names}
    transaction = (connection.begin_nested() if connection.in_transaction()
                   else connection.begin())
    counts: dict[str, int] = {}
    with transaction:
        for name, rows in files.items():
            connection.execute(sa.delete(reference_code_table)
                               .where(reference_code_table.c.scheme == name))
            _insert(connection, name, rows)
            connection.execute(sa.text("""
                INSERT INTO walidata_reference_load
                    (scheme, version, loaded_at, row_count, source)
                VALUES (:scheme, 1, clock_timestamp(), :rows, :source)
                ON CONFLICT (scheme) DO UPDATE SET
                    version = walidata_reference_load.version + 1,
                    loaded_at = EXCLUDED.loaded_at, row_count = EXCLUDED.row_count,
                    source = EXCLUDED.source
            """), {"scheme": name, "rows": len(rows), "source": SCHEMES[name].source})
            counts[name] = len(rows)
        connection.execute(sa.text("ANALYZE walidata_reference_code"))
    _CACHE.invalidate()
    return counts


def _insert(connection: sa.Connection, scheme: str, rows: list[ReferenceCode]) -> None:
    """COPY the rows in (a second for 90,000 villages); plain inserts on other drivers."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        if hasattr(cursor, "copy_expert"):
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerows((scheme, *row) for row in rows)
            buffer.seek(0)
            cursor.copy_expert("COPY walidata_reference_code (scheme, code, name, level, parent)"
                               " FROM STDIN WITH (FORMAT csv)", buffer)
            return
    finally:
        cursor.close()
    connection.execute(sa.insert(reference_code_table),
                       [{"scheme": scheme, **row._asdict()} for row in rows])


# --- reading -----------------------------------------------------------------------------


@contextlib.contextmanager
def _connect(connection: sa.Connection | None) -> Iterator[sa.Connection]:
    """The caller's connection, or a short one from CKAN's engine.

    Not ``model.Session``: a read here must not start, or fail with, the session's
    transaction in the middle of a request.
    """
    if connection is not None:
        yield connection
        return
    engine = model.meta.engine
    if engine is None:
        raise RuntimeError("CKAN's database engine is not initialised")
    with engine.connect() as own:
        yield own


def _fetch(connection: sa.Connection, scheme: str, codes: list[str]) -> list[ReferenceCode]:
    table = reference_code_table
    result = connection.execute(
        sa.select(table.c.code, table.c.name, table.c.level, table.c.parent)
        .where(table.c.scheme == scheme, table.c.code.in_(codes)))
    return [ReferenceCode(*row) for row in result]


class _LookupCache:
    """Codes already read by this process, per scheme.

    Dropped when this process loads, and when the scheme's row in walidata_reference_load
    changes (another process loaded); that row is read at most every CHECK_SECONDS, so
    other processes follow a reload within that time. Unknown codes are remembered too,
    so a form with a bad code does not query on every render.
    """

    CHECK_SECONDS = 30.0
    MAX_ENTRIES = 200_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, dict[str, ReferenceCode | None]] = {}
        self._tokens: dict[str, tuple] = {}
        self._checked: dict[str, float] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()
            self._tokens.clear()
            self._checked.clear()

    def get(self, scheme: str, codes: list[str]) -> dict[str, ReferenceCode]:
        """The codes found, from memory when fresh; a connection is taken only if needed."""
        with self._lock, contextlib.ExitStack() as stack:
            connection: sa.Connection | None = None
            now = time.monotonic()
            if now - self._checked.get(scheme, -1e9) > self.CHECK_SECONDS:
                connection = stack.enter_context(_connect(None))
                token = tuple(connection.execute(sa.text(
                    "SELECT version, loaded_at FROM walidata_reference_load "
                    "WHERE scheme = :scheme"), {"scheme": scheme}).one_or_none() or ())
                if token != self._tokens.get(scheme):
                    self._entries[scheme] = {}
                    self._tokens[scheme] = token
                self._checked[scheme] = now
            entries = self._entries.setdefault(scheme, {})
            missing = [code for code in codes if code not in entries]
            if missing:
                if len(entries) + len(missing) > self.MAX_ENTRIES:
                    entries.clear()
                connection = connection or stack.enter_context(_connect(None))
                found = {row.code: row for row in _fetch(connection, scheme, missing)}
                for code in missing:
                    entries[code] = found.get(code)
            return {code: entries[code] for code in codes if entries.get(code) is not None}


_CACHE = _LookupCache()


def lookup(codes: Iterable[str], scheme: str = "wilayah", *,
           connection: sa.Connection | None = None) -> dict[str, ReferenceCode]:
    """Code → stored name, level and parent; codes not in the list are left out.

    Codes are matched as given (see normalise_code). Cached per process when no
    connection is passed; a passed connection is read directly (it may hold a
    transaction the cache must not learn from).
    """
    get_scheme(scheme)
    wanted = list(dict.fromkeys(code for code in codes if code))
    if not wanted:
        return {}
    if connection is not None:
        return {row.code: row for row in _fetch(connection, scheme, wanted)}
    return _CACHE.get(scheme, wanted)


def normalise_code(text: str | int | None, scheme: str = "wilayah") -> str:
    """The canonical form of a typed code, or the cleaned text when there is none.

    Drops spaces and stray dots, and accepts the undotted BPS form of a province or
    regency (``5371`` → ``53.71``; BPS codes differ below that level, so longer
    digit strings are left alone) and an unpadded bidang urusan (``1.2`` → ``1.02``).
    """
    value = re.sub(r"\s+", "", "" if text is None else str(text)).strip(".")
    if scheme == "wilayah" and re.fullmatch(r"\d{4}", value):
        return f"{value[:2]}.{value[2:]}"
    if scheme == "urusan":
        match = re.fullmatch(r"(\d)[.-](\d{1,2})", value)
        if match:
            return f"{match[1]}.{int(match[2]):02d}"
    return value


def display_name(code: str | None, scheme: str = "wilayah", *,
                 connection: sa.Connection | None = None) -> str:
    """Helper text "53.71 — Kota Kupang"; the bare code when it is not in the list."""
    if not code:
        return ""
    row = lookup([code], scheme, connection=connection).get(code)
    return f"{code} — {row.name}" if row else code


def level_label(level: str) -> str:
    """The translated name of a level, for messages and forms."""
    labels = {
        "provinsi": toolkit._("province"),
        "kabupaten_kota": toolkit._("regency/city"),
        "kecamatan": toolkit._("district (kecamatan)"),
        "desa_kelurahan": toolkit._("village (desa/kelurahan)"),
        "urusan": toolkit._("government affairs group (urusan)"),
        "bidang_urusan": toolkit._("government affairs field (bidang urusan)"),
    }
    return labels.get(level, level)


def validate_code(code: str | None, scheme: str = "wilayah",
                  levels: set[str] | None = None, *,
                  connection: sa.Connection | None = None) -> str | None:
    """None when the code is in the list at an allowed level, else a translated message.

    The code is checked as given: a validator should store normalise_code(value) and
    pass that here. A malformed code gets the canonical form suggested when there is one.
    """
    spec = get_scheme(scheme)
    unknown_levels = set(levels or ()) - set(spec.levels)
    if unknown_levels:
        raise ValueError(f"Levels {sorted(unknown_levels)} are not levels of {scheme}")
    _ = toolkit._
    if not code:
        return _("Missing value")
    level = spec.level_of(code)
    if level is None:
        suggestion = normalise_code(code, scheme)
        if suggestion != code and spec.level_of(suggestion):
            return _('Malformed code "{code}": did you mean "{suggestion}"?').format(
                code=code, suggestion=suggestion)
        return _('Malformed code "{code}": expected a code such as {examples}.').format(
            code=code, examples=", ".join(spec.examples))
    if levels and level not in levels:
        expected = [level_label(name) for name in spec.levels if name in levels]
        return _('Code "{code}" is a {level}; this field takes: {expected}.').format(
            code=code, level=level_label(level), expected=", ".join(expected))
    if code not in lookup([code], scheme, connection=connection):
        return _('Unknown code "{code}": it is not in the reference list.').format(code=code)
    return None


_WORD = re.compile(r"[^\W_]+")
_CORE_NAME = r"regexp_replace(lower(name), '^(kabupaten|kota|provinsi) ', '')"


def _code_prefix(term: str, scheme: str) -> str:
    """A typed code prefix in dotted form: ``537`` → ``53.7``, ``5371`` → ``53.71``."""
    value = re.sub(r"\s+", "", term)
    if scheme == "wilayah" and value.isdigit():
        parts, rest = [], value
        for size in (2, 2, 2, 4):
            if rest:
                parts.append(rest[:size])
                rest = rest[size:]
        return ".".join(parts) + rest
    return value


def search(term: str, scheme: str = "wilayah", level: str | None = None, limit: int = 20,
           *, within: str | None = None,
           connection: sa.Connection | None = None) -> list[dict]:
    """Autocomplete: codes starting with the typed digits, or names with words starting
    with the typed words, case-insensitively.

    Ranking: an exact code or name first ("kupang" = "Kota Kupang" counts, the
    Kabupaten/Kota prefix aside), then higher levels before lower ones (regencies before
    villages), then names starting with the term, then by name. ``within`` keeps the
    subtree of one code (a regional portal's province); with ``level`` or ``within`` an
    empty term lists that level or subtree in code order.
    """
    spec = get_scheme(scheme)
    if level is not None and level not in spec.levels:
        raise ValueError(f"{level!r} is not a level of {scheme}")
    text = " ".join((term or "").split()).lower()
    params: dict[str, object] = {"scheme": scheme, "levels": list(spec.levels),
                                 "limit": max(1, min(int(limit), 500))}
    where = ["scheme = :scheme"]
    if level:
        where.append("level = :level")
        params["level"] = level
    if within:
        where.append("(code = :within OR code LIKE :within_prefix)")
        params.update(within=within, within_prefix=f"{_like_escape(within)}.%")
    if not text:
        if not (level or within):
            return []
        order = "array_position(CAST(:levels AS text[]), level), code"
    elif re.fullmatch(r"[\d.\s]+", text):
        prefix = _code_prefix(text, scheme)
        where.append("code LIKE :prefix")
        params.update(code=prefix, prefix=f"{_like_escape(prefix)}%")
        order = "code = :code DESC, array_position(CAST(:levels AS text[]), level), code"
    else:
        words = _WORD.findall(text)
        if not words:
            return []
        where.append("to_tsvector('simple'::regconfig, name) @@ "
                     "to_tsquery('simple'::regconfig, :query)")
        params.update(query=" & ".join(f"'{word}':*" for word in words), term=text,
                      term_prefix=f"{_like_escape(text)}%")
        order = (f"(lower(name) = :term OR {_CORE_NAME} = :term) DESC, "
                 "array_position(CAST(:levels AS text[]), level), "
                 f"(lower(name) LIKE :term_prefix OR {_CORE_NAME} LIKE :term_prefix) DESC, "
                 "name, code")
    sql = sa.text(f"SELECT code, name, level, parent FROM walidata_reference_code "
                  f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :limit")
    with _connect(connection) as own:
        rows = own.execute(sql, params).all()
    return [{"code": row.code, "name": row.name, "level": row.level, "parent": row.parent,
             "label": f"{row.code} — {row.name}"} for row in rows]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
