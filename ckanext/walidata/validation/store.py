"""The validation tables: one row per resource (its latest run) and the justifications."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import ckan.model as model
import sqlalchemy as sa

# What makes a new version of a resource for the checks: its file and its data dictionary.
FINGERPRINT_FIELDS = ("url", "url_type", "size", "last_modified", "hash", "format", "schema")
SUMMARY_COLUMNS = ("resource_id", "package_id", "run_id", "status", "fingerprint",
                   "requested_by", "created", "started", "finished", "heartbeat", "attempts",
                   "rows_done", "bytes_done", "bytes_total", "summary", "error")


def fingerprint(resource: Mapping[str, Any]) -> str:
    """A digest of what the checks read; unchanged when only the title or text changes."""
    values = []
    for name in FINGERPRINT_FIELDS:
        value = resource.get(name)
        if name == "url" and resource.get("url_type") == "upload":
            value = str(value or "").rsplit("/", 1)[-1]  # the file name, as the model keeps it
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        if name == "schema" and isinstance(value, str) and value.strip():
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        values.append(value)
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()
                          ).hexdigest()[:32]


def _json(value: Any) -> str | None:
    """JSON for a jsonb column, which refuses NUL characters (binary junk read as text)."""
    return None if value is None else json.dumps(value).replace("\\u0000", "\\ufffd")


def _as_dict(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in row.items()}


def get(resource_id: str, with_report: bool = False) -> dict[str, Any] | None:
    columns = SUMMARY_COLUMNS + (("report", "profile") if with_report else ())
    row = model.Session.execute(sa.text(
        f"SELECT {', '.join(columns)} FROM walidata_validation WHERE resource_id = :id"),
        {"id": resource_id}).mappings().first()
    return _as_dict(row) if row else None


def for_packages(package_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Summary rows of the active resources of these datasets, by dataset id."""
    ids = list(dict.fromkeys(package_ids))
    found: dict[str, list[dict[str, Any]]] = {package_id: [] for package_id in ids}
    if not ids:
        return found
    columns = ", ".join(f"v.{name}" for name in SUMMARY_COLUMNS)
    rows = model.Session.execute(sa.text(
        f"SELECT {columns} FROM walidata_validation v "
        f"JOIN resource r ON r.id = v.resource_id AND r.state = 'active' "
        f"WHERE v.package_id = ANY(:ids) ORDER BY v.created"), {"ids": ids}).mappings().all()
    for row in rows:
        found[row["package_id"]].append(_as_dict(row))
    return found


def request(resource_id: str, package_id: str, fingerprint_: str, user: str | None) -> str:
    """A new run for this resource version (status ``created``); returns its run id.

    The previous report stays readable until the new one replaces it.
    """
    run_id = uuid.uuid4().hex
    model.Session.execute(sa.text("""
        INSERT INTO walidata_validation (resource_id, package_id, run_id, status, fingerprint,
            requested_by)
        VALUES (:resource_id, :package_id, :run_id, 'created', :fingerprint, :user)
        ON CONFLICT (resource_id) DO UPDATE SET package_id = EXCLUDED.package_id,
            run_id = EXCLUDED.run_id, status = 'created', fingerprint = EXCLUDED.fingerprint,
            requested_by = EXCLUDED.requested_by, created = now(), started = NULL,
            finished = NULL, heartbeat = NULL, attempts = 0, rows_done = 0, bytes_done = 0,
            bytes_total = 0, error = NULL"""), {
        "resource_id": resource_id, "package_id": package_id, "run_id": run_id,
        "fingerprint": fingerprint_, "user": user})
    return run_id


def claim(resource_id: str, run_id: str) -> bool:
    """Mark the run started, in its own committed transaction; False when superseded.

    A run found ``running`` is claimed again: its worker died (rq retries abandoned jobs);
    so is one that ended in ``error`` (rq retries a job that raised).
    """
    with model.meta.engine.begin() as connection:
        result = connection.execute(sa.text("""
            UPDATE walidata_validation SET status = 'running', started = now(),
                heartbeat = now(), attempts = attempts + 1, rows_done = 0, bytes_done = 0
            WHERE resource_id = :id AND run_id = :run_id
              AND status IN ('created', 'running', 'error')"""),
            {"id": resource_id, "run_id": run_id})
        return result.rowcount == 1


def heartbeat(resource_id: str, run_id: str, rows: int, bytes_done: int,
              bytes_total: int) -> None:
    """Progress of a running job, committed at once so that readers see it move."""
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("""
            UPDATE walidata_validation SET heartbeat = now(), rows_done = :rows,
                bytes_done = :bytes_done, bytes_total = :bytes_total
            WHERE resource_id = :id AND run_id = :run_id AND status = 'running'"""),
            {"id": resource_id, "run_id": run_id, "rows": rows, "bytes_done": bytes_done,
             "bytes_total": bytes_total})


def finish(resource_id: str, run_id: str, status: str, report: Mapping[str, Any] | None,
           summary: Mapping[str, Any] | None, profile: Mapping[str, Any] | None,
           rows: int, error: str | None = None, fingerprint_: str | None = None) -> bool:
    """Store the outcome in the caller's transaction; False when the run was superseded."""
    result = model.Session.execute(sa.text("""
        UPDATE walidata_validation SET status = :status, finished = now(), heartbeat = now(),
            report = CAST(:report AS jsonb), summary = CAST(:summary AS jsonb),
            profile = CAST(:profile AS jsonb), rows_done = :rows, error = :error,
            fingerprint = coalesce(:fingerprint, fingerprint)
        WHERE resource_id = :id AND run_id = :run_id"""), {
        "id": resource_id, "run_id": run_id, "status": status, "rows": rows, "error": error,
        "report": _json(report), "summary": _json(summary), "profile": _json(profile),
        "fingerprint": fingerprint_})
    return result.rowcount == 1


def delete(resource_id: str) -> bool:
    return model.Session.execute(sa.text(
        "DELETE FROM walidata_validation WHERE resource_id = :id"),
        {"id": resource_id}).rowcount == 1


def abandoned(older_than: dt.timedelta) -> list[dict[str, Any]]:
    """Runs whose worker stopped reporting (killed, or the machine restarted)."""
    rows = model.Session.execute(sa.text(
        f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM walidata_validation "
        f"WHERE status = 'running' AND heartbeat < clock_timestamp() - :age ORDER BY heartbeat"),
        {"age": older_than}).mappings().all()
    return [_as_dict(row) for row in rows]


def profiles(resource_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Stored profiles of finished runs, for the cross-period and cross-agency checks."""
    ids = list(resource_ids)
    if not ids:
        return {}
    rows = model.Session.execute(sa.text(
        "SELECT resource_id, profile FROM walidata_validation "
        "WHERE resource_id = ANY(:ids) AND profile IS NOT NULL"), {"ids": ids}).all()
    return {row.resource_id: row.profile for row in rows}


def justify(resource_id: str, fingerprint_: str, error_type: str, package_id: str,
            justification: str, author: str) -> None:
    model.Session.execute(sa.text("""
        INSERT INTO walidata_quality_justification (resource_id, fingerprint, error_type,
            package_id, justification, author)
        VALUES (:resource_id, :fingerprint, :error_type, :package_id, :justification, :author)
        ON CONFLICT (resource_id, fingerprint, error_type) DO UPDATE
            SET justification = EXCLUDED.justification, author = EXCLUDED.author,
                created = now()"""), {
        "resource_id": resource_id, "fingerprint": fingerprint_, "error_type": error_type,
        "package_id": package_id, "justification": justification, "author": author})


def justifications(package_id: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(resource id, fingerprint, error type) → {justification, author, created}."""
    rows = model.Session.execute(sa.text(
        "SELECT resource_id, fingerprint, error_type, justification, author, created "
        "FROM walidata_quality_justification WHERE package_id = :id"),
        {"id": package_id}).mappings().all()
    return {(r["resource_id"], r["fingerprint"], r["error_type"]): _as_dict(r) for r in rows}
