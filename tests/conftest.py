"""Shared fixtures: a clean database with every loaded plugin's migrations applied."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import pytest

from tests.http_server import serving
from tests.sdi_data import DATA_SERVER

FILES = Path(__file__).parent / "files"


def _pictures_stay_local() -> None:
    """CKAN's factories give users, organizations and groups random picture URLs on
    third-party hosts; the browser tests forbid any request beyond this machine, so the
    test data have no pictures (CKAN's bundled placeholders show instead)."""
    from ckan.tests import factories

    for factory_class in (factories.User, factories.Organization, factories.Group):
        factory_class._meta.declarations["image_url"].function = str


_pictures_stay_local()
TEST_INI = Path(__file__).parent.parent / "test.ini"


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session", autouse=True)
def data_server() -> Iterator[str]:
    """tests/files/ over real HTTP: the linked resources the checks download."""
    port = int(DATA_SERVER.rsplit(":", 1)[1])
    with serving(functools.partial(_QuietFiles, directory=str(FILES)), port):
        yield DATA_SERVER


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
        "TRUNCATE walidata_review_event, walidata_minutes, walidata_review, "
        "walidata_validation, walidata_quality_justification"))
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


def run_jobs_worker(timeout: float = 300) -> subprocess.CompletedProcess:
    """A real ``ckan jobs worker --burst`` on this test run's database and queue."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("ckan")), "-c", str(TEST_INI), "jobs", "worker",
         "--burst"], env=dict(os.environ), capture_output=True, text=True, timeout=timeout,
        check=True)
