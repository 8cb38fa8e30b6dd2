"""Two portals on one database, as several web nodes behind a load balancer: what the
walidata publishes through one is found through the other at once, and what it
withdraws is gone at once (each web process keeps its own in-memory term index)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.deploy.conftest import BPS, OPD, WALIDATA
from tests.deploy.portal import Portal, running_portal, wait_for
from tests.deploy.test_jobs_as_deployed import finished_check, upload_dataset

# Searches per check: enough to reach every web process of a portal (2 each).
TRIES = 6


@pytest.fixture(scope="module")
def second_portal(people, portal, tmp_path_factory) -> Iterator[Portal]:
    with running_portal(Path(tmp_path_factory.mktemp("second"))) as running:
        yield running


def anonymous_finds(portal: Portal, name: str) -> list[bool]:
    """Whether each of several anonymous searches (API and page) finds the dataset."""
    found = []
    for _ in range(TRIES // 2):
        result = portal.call("package_search", q=f"name:{name}", rows=5)
        found.append(any(d["name"] == name for d in result["results"]))
        page = requests.get(f"{portal.url}/dataset/", params={"q": f"name:{name}"}, timeout=60)
        assert page.status_code == 200
        # A statistik dataset's page is /statistik/<name> (its scheming type).
        found.append(f'href="/statistik/{name}"' in page.text)
    return found


def review(portal: Portal, people: dict, verb: str, user: str, dataset_id: str,
           **params: str) -> dict:
    return portal.call(f"walidata_{verb}", people["tokens"][user], id=dataset_id, **params)


def test_publishing_and_withdrawing_show_at_once_on_another_server(
        portal, second_portal, people):
    name = "penduduk-dua-server"
    dataset, resource = upload_dataset(portal, people, name)
    wait_for(lambda: finished_check(portal, people["tokens"][OPD], resource["id"]), timeout=180)
    assert anonymous_finds(second_portal, name) == [False] * TRIES

    review(portal, people, "submit", OPD, dataset["id"])
    review(portal, people, "verify", WALIDATA, dataset["id"])
    review(portal, people, "verify", WALIDATA, dataset["id"])
    review(portal, people, "qa_approve", BPS, dataset["id"])
    review(portal, people, "ratify", WALIDATA, dataset["id"])
    review(portal, people, "publish", WALIDATA, dataset["id"])

    assert anonymous_finds(second_portal, name) == [True] * TRIES
    assert requests.get(f"{second_portal.url}/statistik/{name}", timeout=60).status_code == 200

    review(portal, people, "withdraw", WALIDATA, dataset["id"],
           comment="Angka 2023 direvisi BPS; ditarik sampai diperbaiki.")

    assert anonymous_finds(second_portal, name) == [False] * TRIES
    assert requests.get(f"{second_portal.url}/statistik/{name}",
                        timeout=60).status_code in (403, 404)
