"""Shared fixtures: a clean database with every loaded plugin's migrations applied."""

from __future__ import annotations

import pytest


def migrate_plugins() -> None:
    """Apply the pending migrations of the loaded plugins (walidata, harvest, activity)."""
    from ckan.cli.db import _get_pending_plugins, _run_migrations

    for plugin in _get_pending_plugins():
        _run_migrations(plugin)


@pytest.fixture
def clean_db(reset_db, reset_index):
    """CKAN's clean database plus the extension tables (search index, harvest)."""
    reset_db()
    migrate_plugins()
    reset_index()


@pytest.fixture(scope="module")
def module_db(reset_db, reset_index):
    """A clean database and index shared by the tests of one module (data set up once)."""
    from ckan.plugins import load_all

    load_all()
    reset_db()
    migrate_plugins()
    reset_index()
