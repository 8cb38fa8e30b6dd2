"""What each column of a table is, for the Satu Data checks.

The data dictionary (the resource's Table Schema) may say it outright with a field property
``walidata:role`` (``region``, ``urusan``, ``period``, ``count``, ``percent``, ``total``,
``key``, ``measure``, ``ignore``) and, for a total, ``walidata:parts`` (the fields it sums).
Where it is silent the column names that Indonesian agencies use decide: ``kode_wilayah``,
``tahun``, ``jumlah_...``, ``persentase_...``. A wrong guess is corrected by editing the
data dictionary, never by the check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ROLE = "walidata:role"
PARTS = "walidata:parts"
ROLES = ("region", "urusan", "period", "count", "percent", "total", "key", "measure", "ignore")

NUMERIC_TYPES = {"integer", "number"}
# Words a total row reads in its descriptive cells (the plausibility check compares that
# row; it is no region code).
TOTAL_WORDS = frozenset({"jumlah", "total", "jumlah total", "total keseluruhan",
                         "jumlah keseluruhan", "grand total"})

_REGION = re.compile(r"^(kode_?(wilayah|wil|prov(insi)?|kab(upaten)?(_?kota)?|kota|kec(amatan)?"
                     r"|desa|kel(urahan)?|bps|kemendagri|daerah)|kd_?wil(ayah)?|kode)$")
_URUSAN = re.compile(r"^kode_?(bidang_?)?urusan$")
_PERIOD = re.compile(r"^(tahun|thn|year|periode|period|bulan|month|triwulan|semester|"
                     r"tanggal|date)(_.*)?$")
_PERCENT = re.compile(r"(^|_)(persen|persentase|pct|percent|percentage|prosentase|"
                      r"apm)(_|$)")
_TOTAL = re.compile(r"^(jumlah|total|jml)(_total)?$|^(jumlah|total)_(semua|seluruh|keseluruhan)"
                    r"|_(jumlah|total)$")
_COUNT = re.compile(r"^(jumlah|jml|banyak(nya)?|total|populasi|penduduk|kasus|produksi|luas|"
                    r"anggaran|realisasi|pagu)(_|$)")
_RATE_WORDS = re.compile(r"(rasio|ratio|indeks|index|rata|laju|pertumbuhan|growth|perubahan|"
                         r"selisih|saldo|neraca|inflasi|koefisien|gini|ntp)")


def normalise_name(name: str) -> str:
    """Compare column names as agencies write them: ``Kode Wilayah`` = ``kode_wilayah``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def is_percent_unit(unit: str) -> bool:
    unit = (unit or "").strip().lower()
    return unit in ("persen", "%", "percent", "persentase")


@dataclass(frozen=True)
class Columns:
    """Column roles of one table (field names as in the file)."""

    region: tuple[str, ...] = ()
    urusan: tuple[str, ...] = ()
    period: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    percents: tuple[str, ...] = ()
    totals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unit_column: str | None = None


def _field_dicts(schema: Any) -> list[dict[str, Any]]:
    if schema is None:
        return []
    if hasattr(schema, "to_descriptor"):
        schema = schema.to_descriptor()
    return [dict(f) for f in (schema.get("fields") or [])]


def detect(schema: Any, unit: str = "") -> Columns:
    """Roles of the columns of a Table Schema (a frictionless Schema or its descriptor).

    ``unit`` is the satuan the metadata declares for the whole table: ``persen`` makes every
    measure a percentage.
    """
    fields = _field_dicts(schema)
    region, urusan, period, keys, measures, counts, percents = [], [], [], [], [], [], []
    totals: dict[str, tuple[str, ...]] = {}
    unit_column = None
    table_is_percent = is_percent_unit(unit)
    for item in fields:
        name = str(item.get("name") or "")
        norm = normalise_name(name)
        numeric = item.get("type") in NUMERIC_TYPES
        role = item.get(ROLE)
        field_unit = str(item.get("satuan") or "")
        if role == "ignore":
            continue
        if role is None:
            if norm == "satuan" and not numeric:
                unit_column = name
                continue
            if _URUSAN.match(norm):
                role = "urusan"
            elif _REGION.match(norm):
                role = "region"
            elif _PERIOD.match(norm):
                role = "period"
            elif not numeric:
                role = "key"
            elif _PERCENT.search(norm) or is_percent_unit(field_unit) or table_is_percent:
                role = "percent"
            elif _TOTAL.match(norm):
                role = "total"
            elif ((_COUNT.match(norm) or item.get("type") == "integer")
                  and not _RATE_WORDS.search(norm)):
                role = "count"
            else:
                role = "measure"
        if role == "region":
            region.append(name)
            keys.append(name)
        elif role == "urusan":
            urusan.append(name)
            keys.append(name)
        elif role == "period":
            period.append(name)
        elif role == "key":
            keys.append(name)
        elif numeric or role in ("count", "percent", "total", "measure"):
            measures.append(name)
            if role == "percent":
                percents.append(name)
            elif role in ("count", "total"):
                counts.append(name)
            if role == "total":
                totals[name] = tuple(item.get(PARTS) or ())
    # A total without declared parts sums the count columns just before it (laki_laki,
    # perempuan, jumlah), back to the previous total or the key columns.
    for total, parts in list(totals.items()):
        if parts:
            continue
        index = measures.index(total)
        guessed: list[str] = []
        for name in reversed(measures[:index]):
            if name in totals or name not in counts:
                break
            guessed.insert(0, name)
        if len(guessed) >= 2:
            totals[total] = tuple(guessed)
        else:
            del totals[total]
    return Columns(region=tuple(region), urusan=tuple(urusan), period=tuple(period),
                   keys=tuple(keys), measures=tuple(measures), counts=tuple(counts),
                   percents=tuple(percents), totals=totals, unit_column=unit_column)


def code_like_fields(names: Sequence[str]) -> list[str]:
    """Columns holding codes, which must stay text (``53.10`` is not the number 53.1)."""
    return [name for name in names
            if _REGION.match(normalise_name(name)) or _URUSAN.match(normalise_name(name))
            or normalise_name(name).startswith("kode")]
