"""The review tables: current state per dataset (compare-and-set) and the event log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import ckan.model as model
import sqlalchemy as sa

from .machine import State


@dataclass(frozen=True)
class Review:
    package_id: str
    state: State
    round: int
    submitted_by: str | None
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    revision: int


class Conflict(Exception):
    """Somebody else moved the dataset first; the caller reloads and decides again."""

    def __init__(self, current: Review | None):
        super().__init__(current.state.value if current else "missing")
        self.current = current


def get(package_id: str, lock: bool = False) -> Review | None:
    row = model.Session.execute(sa.text(
        "SELECT package_id, state, round, submitted_by, submitted_at, updated_at, revision "
        "FROM walidata_review WHERE package_id = :id" + (" FOR UPDATE" if lock else "")),
        {"id": package_id}).first()
    if row is None:
        return None
    return Review(row.package_id, State(row.state), row.round, row.submitted_by,
                  row.submitted_at, row.updated_at, row.revision)


def published(package_id: str) -> bool:
    """Whether the walidata has published the dataset (and not withdrawn it since)."""
    review = get(package_id)
    return review is not None and review.state == State.PUBLISHED


def ensure(package_id: str, initial: State) -> Review:
    """The dataset's review, created in ``initial`` state the first time it is asked for."""
    model.Session.execute(sa.text(
        "INSERT INTO walidata_review (package_id, state) VALUES (:id, :state) "
        "ON CONFLICT (package_id) DO NOTHING"), {"id": package_id, "state": initial.value})
    review = get(package_id)
    assert review is not None
    return review


def move(review: Review, to_state: State, actor: str, new_round: bool) -> Review:
    """Compare-and-set: succeeds only if nobody changed the review since it was read."""
    params: dict[str, Any] = {"id": review.package_id, "state": to_state.value,
                              "expected_state": review.state.value,
                              "expected_revision": review.revision, "actor": actor}
    submit = ", round = round + 1, submitted_by = :actor, submitted_at = now()" \
        if new_round else ""
    result = model.Session.execute(sa.text(
        f"UPDATE walidata_review SET state = :state, updated_at = now(), "
        f"revision = revision + 1{submit} "
        f"WHERE package_id = :id AND state = :expected_state "
        f"AND revision = :expected_revision"), params)
    if result.rowcount != 1:
        raise Conflict(get(review.package_id))
    moved = get(review.package_id)
    assert moved is not None
    return moved


def add_event(review: Review, action: str, from_state: State, actor: str, roles: list[str],
              comment: str = "", findings: list[str] | None = None,
              checks: Any = None, completeness: int | None = None,
              minutes_number: str | None = None, minutes_sha256: str | None = None) -> int:
    return model.Session.execute(sa.text("""
        INSERT INTO walidata_review_event (package_id, round, action, from_state, to_state,
            actor, actor_roles, comment, findings, checks, completeness, minutes_number,
            minutes_sha256)
        VALUES (:package_id, :round, :action, :from_state, :to_state, :actor,
            CAST(:roles AS text[]), :comment, CAST(:findings AS jsonb), CAST(:checks AS jsonb),
            :completeness, :minutes_number, :minutes_sha256)
        RETURNING id"""), {
        "package_id": review.package_id, "round": review.round, "action": action,
        "from_state": from_state.value, "to_state": review.state.value, "actor": actor,
        "roles": roles, "comment": comment, "findings": json.dumps(findings or []),
        "checks": None if checks is None else json.dumps(checks),
        "completeness": completeness, "minutes_number": minutes_number,
        "minutes_sha256": minutes_sha256}).scalar_one()


def events(package_id: str) -> list[dict[str, Any]]:
    rows = model.Session.execute(sa.text(
        "SELECT id, round, action, from_state, to_state, actor, actor_roles, comment, "
        "findings, checks, completeness, minutes_number, minutes_sha256, created_at "
        "FROM walidata_review_event WHERE package_id = :id ORDER BY id"),
        {"id": package_id}).mappings().all()
    return [dict(row, created_at=row["created_at"].isoformat()) for row in rows]


def queue(states: list[str] | None, organization_ids: list[str] | None,
          data_groups: list[str] | None, overdue_before: dt.datetime | None,
          limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """Reviews joined with their datasets, oldest waiting first."""
    where = ["p.state = 'active'"]
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if states:
        where.append("r.state = ANY(:states)")
        params["states"] = states
    if organization_ids:
        where.append("p.owner_org = ANY(:orgs)")
        params["orgs"] = organization_ids
    if data_groups:
        where.append("p.type = ANY(:groups)")
        params["groups"] = data_groups
    if overdue_before is not None:
        where.append("r.updated_at < :overdue")
        params["overdue"] = overdue_before
    condition = " AND ".join(where)
    total = model.Session.execute(sa.text(
        f"SELECT count(*) FROM walidata_review r JOIN package p ON p.id = r.package_id "
        f"WHERE {condition}"), params).scalar_one()
    rows = model.Session.execute(sa.text(
        f"SELECT r.package_id, p.name, p.title, p.type AS data_group, p.owner_org, "
        f"r.state, r.round, r.submitted_by, r.submitted_at, r.updated_at "
        f"FROM walidata_review r JOIN package p ON p.id = r.package_id "
        f"WHERE {condition} ORDER BY r.updated_at, p.name LIMIT :limit OFFSET :offset"),
        params).mappings().all()
    return total, [{k: (v.isoformat() if isinstance(v, dt.datetime) else v)
                    for k, v in row.items()} for row in rows]


def store_minutes(number: str, package_id: str, round_: int, pdf: bytes, sha256: str) -> None:
    model.Session.execute(sa.text(
        "INSERT INTO walidata_minutes (number, package_id, round, pdf, sha256) "
        "VALUES (:number, :package_id, :round, :pdf, :sha256)"),
        {"number": number, "package_id": package_id, "round": round_, "pdf": pdf,
         "sha256": sha256})


def next_minutes_sequence() -> int:
    return model.Session.execute(sa.text(
        "SELECT nextval('walidata_minutes_sequence')")).scalar_one()


def minutes(number: str) -> tuple[bytes, str, str] | None:
    row = model.Session.execute(sa.text(
        "SELECT pdf, sha256, package_id FROM walidata_minutes WHERE number = :number"),
        {"number": number}).first()
    return (bytes(row.pdf), row.sha256, row.package_id) if row else None
