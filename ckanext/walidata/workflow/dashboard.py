"""Figures of the Klinik Walidata dashboard, read from the review tables.

The clinic is judged by how many datasets sit in each stage, how long each
stage takes and whether every OPD submits each quarter (NTT expects more than
36 agencies a quarter). Plain functions returning dicts and lists; no request,
no templates. Only active datasets count as "in" a state; the event log counts
whatever happened, including to datasets deleted since.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import sqlalchemy as sa

from .machine import State


def _rows(sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in model.Session.execute(sa.text(sql), params).mappings()]


def state_counts() -> dict[str, int]:
    """Active datasets per review state; every state is present (0 when none)."""
    counts = {state.value: 0 for state in State}
    for row in _rows("""
            SELECT r.state, count(*) AS n
            FROM walidata_review r JOIN package p ON p.id = r.package_id
            WHERE p.state = 'active'
            GROUP BY r.state"""):
        counts[row["state"]] = row["n"]
    return counts


def organizations() -> list[dict[str, Any]]:
    """Every active organization (OPD), by title: the ones expected to submit."""
    return _rows("""
        SELECT id, name, coalesce(nullif(title, ''), name) AS title
        FROM "group"
        WHERE is_organization AND state = 'active'
        ORDER BY lower(coalesce(nullif(title, ''), name)), name""")


def per_organization() -> list[dict[str, Any]]:
    """OPD × state: ``[{id, name, title, states: {state: n}, total}]`` for OPDs under review."""
    table: dict[str, dict[str, Any]] = {}
    for row in _rows("""
            SELECT g.id, g.name, coalesce(nullif(g.title, ''), g.name) AS title,
                   r.state, count(*) AS n
            FROM walidata_review r
            JOIN package p ON p.id = r.package_id
            JOIN "group" g ON g.id = p.owner_org
            WHERE p.state = 'active'
            GROUP BY g.id, g.name, g.title, r.state"""):
        entry = table.setdefault(row["id"], {
            "id": row["id"], "name": row["name"], "title": row["title"],
            "states": {state.value: 0 for state in State}, "total": 0})
        entry["states"][row["state"]] = row["n"]
        entry["total"] += row["n"]
    return sorted(table.values(), key=lambda e: (e["title"].lower(), e["name"]))


def median_days_per_stage() -> dict[str, dict[str, Any]]:
    """Median days a dataset stays in each state, from the event log.

    A stay starts with the event that enters the state and ends with the
    dataset's next event (which leaves it). Stays still open are not counted,
    nor the first draft (its start is not an event). ``{state: {median_days,
    stays}}`` for the states with at least one finished stay.
    """
    rows = _rows("""
        WITH stays AS (
            SELECT to_state AS state,
                   lead(created_at) OVER (PARTITION BY package_id ORDER BY id)
                       - created_at AS spent
            FROM walidata_review_event
        )
        SELECT state,
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY extract(epoch FROM spent)) / 86400.0 AS median_days,
               count(*) AS stays
        FROM stays
        WHERE spent IS NOT NULL
        GROUP BY state""")
    return {row["state"]: {"median_days": float(row["median_days"]), "stays": row["stays"]}
            for row in rows}


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(year, quarter 1–4) of a day."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """Start (inclusive) and end (exclusive) of a calendar quarter in the portal's zone."""
    start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = (dt.datetime(year + 1, 1, 1, tzinfo=tz) if quarter == 4
           else dt.datetime(year, 3 * quarter + 1, 1, tzinfo=tz))
    return start, end


def submissions(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Which OPDs submitted at least once in ``[start, end)``, and which did not.

    A submission belongs to the dataset's current OPD. ``{count, total,
    submitted: [{id, name, title, datasets, submissions}], not_submitted: [...]}``
    """
    rows = _rows("""
        SELECT g.id, g.name, coalesce(nullif(g.title, ''), g.name) AS title,
               count(DISTINCT e.package_id) AS datasets, count(e.id) AS submissions
        FROM "group" g
        LEFT JOIN package p ON p.owner_org = g.id
        LEFT JOIN walidata_review_event e
            ON e.package_id = p.id AND e.action = 'submit'
           AND e.created_at >= :start AND e.created_at < :end
        WHERE g.is_organization AND g.state = 'active'
        GROUP BY g.id, g.name, g.title
        ORDER BY lower(coalesce(nullif(g.title, ''), g.name)), g.name""",
                 start=start, end=end)
    submitted = [row for row in rows if row["submissions"]]
    return {"count": len(submitted), "total": len(rows), "submitted": submitted,
            "not_submitted": [row for row in rows if not row["submissions"]]}


def opd_datasets(organization_ids: list[str], types: list[str]) -> list[dict[str, Any]]:
    """The reviewed datasets of some OPDs with their review state, for the OPD's own list.

    A dataset without a review row is a draft (private) or was public before the review
    existed (published), as the review actions read it. A returned dataset carries the
    finding that returned it (``finding``, ``finding_by``, ``finding_at``): the OPD
    needs it to fix the dataset.
    """
    if not organization_ids or not types:
        return []
    return _rows("""
        SELECT p.id, p.name, coalesce(nullif(p.title, ''), p.name) AS title,
               p.type AS data_group, p.owner_org,
               coalesce(r.state, CASE WHEN p.private THEN 'draft' ELSE 'published' END)
                   AS state,
               coalesce(r.round, 0) AS round,
               coalesce(r.updated_at, p.metadata_modified) AS updated_at,
               back.comment AS finding, back.findings AS findings,
               back.actor AS finding_by, back.created_at AS finding_at
        FROM package p
        LEFT JOIN walidata_review r ON r.package_id = p.id
        LEFT JOIN LATERAL (
            SELECT e.comment, e.findings, e.actor, e.created_at
            FROM walidata_review_event e
            WHERE e.package_id = p.id AND e.action = 'return' AND r.state = 'returned'
            ORDER BY e.id DESC LIMIT 1) back ON true
        WHERE p.state = 'active' AND p.owner_org = ANY(:orgs) AND p.type = ANY(:types)
        ORDER BY coalesce(r.updated_at, p.metadata_modified) DESC, p.name""",
                 orgs=organization_ids, types=types)
