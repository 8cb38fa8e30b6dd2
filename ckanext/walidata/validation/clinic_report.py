"""The quarterly clinic's quality report: every checked table, grouped by OPD."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckan.model as model
import sqlalchemy as sa

from ..quality import findings

CSV_COLUMNS = ("organization", "dataset", "resource", "resource_id", "status", "rows",
               "errors", "warnings", "finding_type", "severity", "count", "first_row",
               "first_column", "message_id", "message_en")


@dataclass
class TableResult:
    organization: str
    dataset: str
    resource: str
    resource_id: str
    status: str
    rows: int
    errors: int
    warnings: int
    groups: list[findings.FindingGroup] = field(default_factory=list)


def collect(package_ids: Iterable[str]) -> list[TableResult]:
    """The stored validation of each resource of these datasets, OPD by OPD."""
    ids = list(package_ids)
    if not ids:
        return []
    rows = model.Session.execute(sa.text("""
        SELECT coalesce(g.title, g.name, '-') AS organization, p.name AS dataset,
               coalesce(nullif(r.name, ''), r.id) AS resource, v.resource_id, v.status,
               v.report, v.error
        FROM walidata_validation v
        JOIN resource r ON r.id = v.resource_id AND r.state = 'active'
        JOIN package p ON p.id = v.package_id
        LEFT JOIN "group" g ON g.id = p.owner_org
        WHERE v.package_id = ANY(:ids)
        ORDER BY organization, p.name, r.position"""), {"ids": ids}).mappings().all()
    results = []
    for row in rows:
        summary = findings.summarize(row["report"] or {}, keep_per_type=1)
        results.append(TableResult(row["organization"], row["dataset"], row["resource"],
                                   row["resource_id"], row["status"], summary.rows,
                                   summary.errors, summary.warnings, summary.groups))
    return results


def by_organization(results: list[TableResult]) -> dict[str, list[TableResult]]:
    grouped: dict[str, list[TableResult]] = {}
    for result in results:
        grouped.setdefault(result.organization, []).append(result)
    return grouped


def organization_lines(organization: str, results: list[TableResult]) -> list[str]:
    """A few lines per OPD: counts by status and the most frequent findings."""
    statuses = Counter(result.status for result in results)
    datasets = len({result.dataset for result in results})
    kinds: Counter[str] = Counter()
    for result in results:
        for group in result.groups:
            kinds[f"{group.title_id} ({group.severity.value})"] += group.count
    lines = [f"{organization}: {datasets} dataset, {len(results)} tabel — "
             + ", ".join(f"{status} {count}" for status, count in sorted(statuses.items()))]
    lines += [f"    {count:>6}  {kind}" for kind, count in kinds.most_common(8)]
    for result in results:
        if result.status != "success" or result.warnings:
            lines.append(f"    ! {result.dataset} / {result.resource}: {result.status}, "
                         f"{result.errors} galat, {result.warnings} peringatan")
    return lines


def write_csv(results: list[TableResult], path: Path) -> int:
    """One line per finding type per table (a clean table gets one line); returns lines."""
    written = 0
    with open(path, "w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            base = [result.organization, result.dataset, result.resource, result.resource_id,
                    result.status, result.rows, result.errors, result.warnings]
            if not result.groups:
                writer.writerow(base + ["", "", 0, "", "", "", ""])
                written += 1
            for group in result.groups:
                first: dict[str, Any] = group.errors[0] if group.errors else {}
                writer.writerow(base + [
                    group.type, group.severity.value, group.count, first.get("rowNumber", ""),
                    first.get("fieldName", ""), findings.message(first, "id"),
                    findings.message(first, "en")])
                written += 1
    return written
