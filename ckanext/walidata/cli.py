"""``ckan walidata ...`` commands for portal admins."""

from __future__ import annotations

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


def get_commands() -> list:
    return [walidata]
