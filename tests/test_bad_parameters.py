"""Every action and page of this package answers a malformed parameter with a 4xx and a
message, never a 500: the shapes a careless client or a hostile one sends."""

from __future__ import annotations

import json

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.walidata.logic.action import get_actions as walidata_actions
from ckanext.walidata.logic.quality import get_actions as quality_actions

pytestmark = [pytest.mark.usefixtures("with_plugins")]

ACTIONS = sorted({*walidata_actions(), *quality_actions()})
GARBAGE = [
    {},
    {"id": ""},
    {"id": ["a", "b"]},
    {"id": {"nested": 1}},
    {"id": None},
    {"id": "x" * 5000},
    {"resource_id": 12},
    {"id": "nope", "async": "maybe"},
    {"id": "nope", "limit": "many", "rows": "", "start": "-1", "page": "x"},
    {"q": ["list"], "scheme": {"a": 1}, "level": 3, "limit": -5},
    {"ids": "not-a-list", "verb": "explode", "comment": {"x": 1}},
]


@pytest.fixture(scope="module")
def sysadmin_token(module_db) -> str:
    admin = factories.Sysadmin(name="garbage-admin")
    return call_action("api_token_create", context={"user": admin["name"], "ignore_auth": True},
                       user=admin["name"], name="garbage")["token"]


def assert_clean_refusal(response) -> None:
    assert response.status_code != 500, response.get_data(as_text=True)[:2000]
    assert response.status_code in (200, 400, 403, 404, 409), response.status_code
    body = json.loads(response.get_data(as_text=True))
    if not body["success"]:
        assert body["error"].get("message") or len(body["error"]) > 1, body["error"]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_action_refuses_garbage_with_a_message(app, sysadmin_token, action):
    """As a sysadmin, whom no authorization stops before the parameters are read."""
    for params in GARBAGE:
        response = app.post(f"/api/3/action/{action}", json=params,
                            headers={"Authorization": sysadmin_token}, status=None)
        assert_clean_refusal(response)


@pytest.mark.parametrize("action", ACTIONS)
def test_an_anonymous_caller_gets_a_refusal_not_an_error(app, action):
    for params in GARBAGE[:4]:
        assert_clean_refusal(app.post(f"/api/3/action/{action}", json=params, status=None))


PAGES = [
    "/klinik?state=nonsense&page=abc&sort=%27",
    "/klinik/dashboard?year=abc&period=zzz",
    "/klinik/opd?page=-3",
    "/api/walidata/reference/wilayah/autocomplete?incomplete=" + "5" * 5000 + "&limit=x",
    "/api/walidata/reference/nonsense/autocomplete?incomplete=x",
    "/dataset/?page=abc",
    "/dataset/?page=-1&sort=nonsense",
    "/dataset/nonexistent/berita-acara/BA-WALIDATA/2026/0001.pdf",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_answers_garbage_without_a_500(app, sysadmin_token, path):
    for headers in ({}, {"Authorization": sysadmin_token}):
        response = app.get(path, headers=headers, status=None)
        assert response.status_code < 500, (path, response.get_data(as_text=True)[:2000])
