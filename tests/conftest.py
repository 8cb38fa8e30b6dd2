"""Shared fixtures: a clean database with the extension's migrations applied."""

from __future__ import annotations

import pytest


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean database plus the walidata tables (search index)."""
    reset_db()
    migrate_db_for("walidata")
    migrate_db_for("activity")


@pytest.fixture
def sysadmin_context():
    from ckan.tests import factories

    user = factories.Sysadmin()
    return {"user": user["name"], "ignore_auth": False}
