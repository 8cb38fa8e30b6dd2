"""``ckan walidata ...`` commands for portal admins."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import click


@click.group(short_help="Satu Data portal commands (ckanext-walidata)")
def walidata() -> None:
    """Commands of ckanext-walidata."""


@walidata.group()
def demo() -> None:
    """Demo data for a new portal."""


@demo.command("load")
def demo_load() -> None:
    """Create the demo province: OPDs, sektor groups, users and datasets with CSV files.

    Safe to run again: what exists is kept.
    """
    from .demo import loader

    summary = loader.load(verbose=True)
    click.secho(
        "Demo data: {datasets} datasets in {organizations} organizations "
        "({created} created, {skipped} already there)".format(**summary), fg="green")


@walidata.group()
def refdata() -> None:
    """Reference codes (kode wilayah, urusan pemerintahan)."""


@refdata.command("load")
@click.option("--scheme", type=click.Choice(["wilayah", "urusan"]), default=None,
              help="Only this list (default: all).")
def refdata_load(scheme: str | None) -> None:
    """Reload the shipped reference lists into the database (one transaction)."""
    import ckan.model as model

    from . import reference

    with model.meta.engine.connect() as connection:
        counts = reference.load(connection, scheme)
        connection.commit()
    for name, count in counts.items():
        click.echo(f"{name}: {count} codes")


@refdata.command("build-wilayah")
@click.argument("source_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def refdata_build_wilayah(source_dir: Path) -> None:
    """Rebuild the shipped kode wilayah file from idn-area-data's data/ folder.

    Get the folder with `npm pack idn-area-data` (see refdata/SOURCES.md), then
    run `ckan walidata refdata load --scheme wilayah`.
    """
    from . import reference

    for level, count in reference.build_wilayah(source_dir).items():
        click.echo(f"{level}: {count}")


@walidata.command("report-missing")
@click.option("--type", "dataset_type", default=None, help="Only datasets of this type.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the report to this CSV file.")
def report_missing(dataset_type: str | None, csv_path: Path | None) -> None:
    """Which datasets miss which required Satu Data fields, with their completeness score.

    Stock `dataset` datasets are measured against the common Satu Data block, so the
    report says what each needs before it can move to a Satu Data type.
    """
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from .helpers import walidata_completeness

    query = model.Session.query(model.Package.id).filter(model.Package.state == "active")
    if dataset_type:
        query = query.filter(model.Package.type == dataset_type)
    context = {"ignore_auth": True}
    rows = []
    for (package_id,) in query.order_by(model.Package.name):
        dataset = tk.get_action("package_show")(dict(context), {"id": package_id})
        result = walidata_completeness(dataset)
        required = [m.field for m in result.missing if m.rule == "required"]
        rows.append((dataset["name"], dataset["type"],
                     (dataset.get("organization") or {}).get("name", ""), result.score,
                     " ".join(required)))
    writer = csv.writer(sys.stdout, delimiter="\t")
    writer.writerow(["dataset", "type", "organization", "score", "missing_required"])
    writer.writerows(rows)
    if csv_path:
        with open(csv_path, "w", newline="", encoding="utf-8") as target:
            out = csv.writer(target)
            out.writerow(["dataset", "type", "organization", "score", "missing_required"])
            out.writerows(rows)
    incomplete = sum(1 for row in rows if row[4])
    click.secho(f"{len(rows)} datasets, {incomplete} missing required fields", err=True,
                fg="yellow" if incomplete else "green")


@walidata.command("check")
@click.option("--dataset", "-d", "datasets", multiple=True, help="Dataset name or id.")
@click.option("--organization", "-o", "organizations", multiple=True,
              help="Every dataset of this OPD (name or id).")
@click.option("--all", "everything", is_flag=True, help="Every dataset of the portal.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write the report to this CSV file.")
@click.option("--report-only", is_flag=True,
              help="Do not run the checks again; report the stored results.")
@click.option("--requeue", is_flag=True,
              help="Only queue again the runs whose worker died, then stop.")
def check(datasets: tuple[str, ...], organizations: tuple[str, ...], everything: bool,
          csv_path: Path | None, report_only: bool, requeue: bool) -> None:
    """Run all quality checks on CSV/XLSX files and report per OPD (the quarterly clinic).

    The checks run here, one file after the other, not on the job queue.
    """
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    from .validation import clinic_report, runner

    if requeue:
        queued = runner.requeue_abandoned()
        click.echo(f"{len(queued)} abandoned runs queued again")
        return
    if not (datasets or organizations or everything):
        raise click.UsageError("Name --dataset, --organization or --all.")
    query = model.Session.query(model.Package.id).filter(model.Package.state == "active")
    if not everything:
        def ids(kind: Any, names: tuple[str, ...], option: str) -> list[str]:
            found = [kind.get(name) for name in names]
            missing = [name for name, obj in zip(names, found, strict=True) if obj is None]
            if missing:
                raise click.BadParameter(f"not found: {', '.join(missing)}", param_hint=option)
            return [obj.id for obj in found]

        query = query.filter(sa.or_(
            model.Package.id.in_(ids(model.Package, datasets, "--dataset")),
            model.Package.owner_org.in_(ids(model.Group, organizations, "--organization"))))
    package_ids = [row.id for row in query.order_by(model.Package.name)]
    context = {"ignore_auth": True}
    work = []
    for package_id in package_ids:
        dataset = tk.get_action("package_show")(dict(context), {"id": package_id})
        work += [(dataset, resource) for resource in dataset.get("resources") or []
                 if runner.is_tabular(resource)]
    if not report_only:
        with click.progressbar(work, label=f"Checking {len(work)} tables", file=sys.stderr,
                               item_show_func=lambda item: item and item[0]["name"]) as bar:
            for dataset, resource in bar:
                runner.run_now(dataset, resource, None)
    results = clinic_report.collect(package_ids)
    for organization, rows in clinic_report.by_organization(results).items():
        click.echo("\n".join(clinic_report.organization_lines(organization, rows)))
    if csv_path:
        lines = clinic_report.write_csv(results, csv_path)
        click.echo(f"{lines} lines written to {csv_path}", err=True)
    failing = sum(1 for result in results if result.status != "success")
    click.secho(f"{len(results)} tables checked, {failing} not passing", err=True,
                fg="yellow" if failing else "green")


def get_commands() -> list:
    return [walidata]
