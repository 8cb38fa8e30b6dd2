"""The demo province that `make run` loads: consistent, searchable, loaded once."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.cli.cli import ckan as ckan_command
from ckan.tests.helpers import call_action

from ckanext.walidata.demo import catalogue
from ckanext.walidata.workflow import roles

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

    # The walidata: Diskominfo's admin and the named walidata; its editor is a produsen,
    # and Diskominfo's own data were approved by the walidata outside it.
    walidata = {u.name for u in catalogue.USERS if roles.is_walidata(model.User.get(u.name))}
    assert {"walidata", "walidata-statistik"} <= walidata and "opd-diskominfo" not in walidata
    own = [d for d in catalogue.DATASETS if d.organization == catalogue.WALIDATA_ORG
           and (review := catalogue.review_of(d)) is not None and review.state == "published"]
    assert own
    for d in own:
        events = call_action("walidata_review_show", id=d.name)["events"]
        assert {e["actor"] for e in events if e["action"] in ("verify", "ratify", "publish")
                } == {"walidata-statistik"}

    sample = call_action("package_search", context=anonymous, rows=1)["results"][0]
    assert sample["resources"][0]["url_type"] == "upload"

    second = cli.invoke(ckan_command, ["walidata", "demo", "load"])
    assert second.exit_code == 0, second.output
    assert "0 created" in second.output
    again = call_action("package_search", context=anonymous, rows=0)
    assert again["count"] == result["count"]
