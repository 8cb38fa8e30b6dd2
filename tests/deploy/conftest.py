"""People and a statistik dataset for the tests that run the portal as deployed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.deploy.portal import Portal, running_portal

OPD, WALIDATA, BPS = "opd-dukcapil", "walidata-desk", "bps-ntt"
TABLE = ("kode_wilayah,nama_wilayah,tahun,jumlah\n"
         "53.01,Kabupaten Kupang,2023,374500\n53.71,Kota Kupang,2023,466632\n")


def token_of(user: str) -> str:
    return call_action("api_token_create", context={"user": user, "ignore_auth": True},
                       user=user, name="deploy-test")["token"]


@pytest.fixture(scope="module")
def people(module_db) -> dict[str, object]:
    """An OPD editor, the walidata (admin of the walidata organization) and BPS's pembina.

    ``bps-ntt`` is the pembina for statistik named in development.ini.
    """
    for name in (OPD, WALIDATA, BPS):
        factories.User(name=name, email=f"{name}@example.go.id")
    opd = factories.Organization(name="dinas-dukcapil", title="Dinas Dukcapil",
                                 users=[{"name": OPD, "capacity": "editor"}])
    factories.Organization(name="diskominfo", title="Diskominfo",
                           users=[{"name": WALIDATA, "capacity": "admin"}])
    return {"org": opd, "tokens": {name: token_of(name) for name in (OPD, WALIDATA, BPS)}}


@pytest.fixture(scope="module")
def portal(people, tmp_path_factory) -> Iterator[Portal]:
    with running_portal(Path(tmp_path_factory.mktemp("deployed"))) as running:
        yield running
