"""An OPD whose dataset cannot be submitted yet is told why, not shown a missing button."""

from __future__ import annotations

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.pages import login, soup, text
from tests.sdi_data import STATISTIK

pytestmark = [pytest.mark.usefixtures("with_plugins")]


@pytest.fixture(scope="module")
def draft(module_db) -> dict:
    factories.User(name="opd-held", email="opd-held@example.go.id")
    org = factories.Organization(name="dinas-held", users=[{"name": "opd-held",
                                                            "capacity": "editor"}])
    return call_action("package_create", context={"user": "opd-held", "ignore_auth": False},
                       name="belum-lengkap", owner_org=org["id"], **STATISTIK,
                       resources=[{"url": "http://data.example.go.id/a.pdf", "format": "PDF",
                                   "name": "Laporan"}])


def test_review_show_says_what_holds_a_submission_back(draft):
    review = call_action("walidata_review_show", context={"user": "opd-held"}, id=draft["id"])

    assert "submit" not in review["actions"]
    reasons = review["held_back"]["submit"]
    assert len(reasons) == 1 and "Metadata completeness is" in reasons[0]
    assert "at least 80" in reasons[0]


def test_the_panel_shows_the_reason_to_the_opd_only(app, draft):
    login(app, "opd-held")
    panel = soup(app.get(f"/statistik/{draft['name']}")).select_one(".walidata-held-back")
    assert "Metadata completeness is" in text(panel)

    login(app, None)
    assert app.get(f"/statistik/{draft['name']}", status=None).status_code == 404
