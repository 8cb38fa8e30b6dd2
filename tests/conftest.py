"""Shared fixtures: a clean database with every loaded plugin's migrations applied."""

from __future__ import annotations

import pytest


def migrate_plugins() -> None:
    """Apply the pending migrations of the loaded plugins (walidata, harvest, activity)."""
    from ckan.cli.db import _get_pending_plugins, _run_migrations

    for plugin in _get_pending_plugins():
        _run_migrations(plugin)


def empty_review_tables() -> None:
    """The review log outlives datasets on purpose; tests start without one."""
    import ckan.model as model
    import sqlalchemy as sa

    model.Session.execute(sa.text(
        "TRUNCATE walidata_review_event, walidata_minutes, walidata_review"))
    model.Session.commit()


@pytest.fixture
def clean_db(reset_db, reset_index):
    """CKAN's clean database plus the extension tables (search index, review, harvest)."""
    reset_db()
    migrate_plugins()
    reset_index()
    empty_review_tables()


@pytest.fixture(scope="module")
def module_db(reset_db, reset_index):
    """A clean database and index shared by the tests of one module (data set up once)."""
    from ckan.plugins import load_all

    load_all()
    reset_db()
    migrate_plugins()
    reset_index()
    empty_review_tables()
