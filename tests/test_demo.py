"""The demo province that `make run` loads: consistent, searchable, loaded once."""

from __future__ import annotations

import pytest
from ckan.cli.cli import ckan as ckan_command
from ckan.tests.helpers import call_action

from ckanext.walidata.demo import catalogue

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]


def test_catalogue_definitions_are_consistent_and_files_current():
    assert catalogue.problems() == []
    assert catalogue.stale_files() == []


def test_demo_load_fills_search_and_a_second_run_keeps_everything(cli):
    first = cli.invoke(ckan_command, ["walidata", "demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Sysadmin login: admin" in first.output

    anonymous = {"ignore_auth": False}
    result = call_action("package_search", context=anonymous, rows=0,
                         **{"facet.field": '["organization", "groups", "tags", "res_format"]',
                            "facet.limit": -1})
    assert result["count"] >= 40
    assert len(result["facets"]["organization"]) >= 6
    assert {"dinas-kesehatan", "bappeda", "bpkad", "diskominfo"} <= set(
        result["facets"]["organization"])
    assert result["facets"]["res_format"]["CSV"] == result["count"]
    assert max(result["facets"]["tags"].values()) > 1

    sample = call_action("package_search", context=anonymous, rows=1)["results"][0]
    assert sample["resources"][0]["url_type"] == "upload"

    second = cli.invoke(ckan_command, ["walidata", "demo", "load"])
    assert second.exit_code == 0, second.output
    assert "0 created" in second.output
    again = call_action("package_search", context=anonymous, rows=0)
    assert again["count"] == result["count"]
