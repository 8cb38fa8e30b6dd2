"""Random and hostile q / fq / sort: every answer is a result or a clear search error,
and private or draft datasets never reach an anonymous user."""

from __future__ import annotations

import ckan.lib.search as ckan_search
import ckan.logic as logic
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [pytest.mark.usefixtures("with_plugins", "with_request_context")]

FIELDS = ["name", "title", "tags", "capacity", "state", "permission_labels", "organization",
          "owner_org", "private", "extras_periode", "metadata_modified", "res_format", "text",
          "site_id", "dataset_type", "_query_", "_val_", "id", "*"]
PIECES = ["*:*", "*", "?", "OR", "AND", "NOT", "&&", "||", "!", "+", "-", "(", ")", "[", "]",
          "{", "}", "TO", "NOW", "NOW-1DAY", "/DAY", "^2", "~", "\\", '"', "'", ":", " ",
          "{!frange l=0 u=1}", "{!lucene}", "{!child of=x}", "div(1,minx)", "capacity:private",
          "capacity:public", "state:draft", "state:*", "-capacity:public", "rahasia",
          "public", "member-", "'; DROP TABLE package; --", "%", "_", "\x00", "𝔘", "ä",
          "1e999", "-1", "9999-99-99", "2024-01-01T00:00:00Z", "NULL", "$$", "E'\\''"]

query_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.one_of(st.sampled_from(PIECES), st.sampled_from(FIELDS).map(lambda f: f + ":"),
                       st.text(alphabet="abcxyz019-_.", min_size=1, max_size=8)),
             max_size=12).map("".join),
)
sort_text = st.one_of(
    st.text(max_size=40),
    st.lists(st.tuples(st.sampled_from(FIELDS + ["score", "title_string", "; drop"]),
                       st.sampled_from(["asc", "desc", "", "sideways", "asc nulls"])),
             min_size=1, max_size=3).map(lambda keys: ", ".join(f"{f} {d}" for f, d in keys)),
)


@pytest.fixture(scope="module")
def secrets(module_db):
    """One public, one private and one draft dataset; their ids must never leak."""
    org = factories.Organization(name="opd-rahasia")
    public = factories.Dataset(name="data-terbuka", owner_org=org["id"], title="rahasia publik",
                               tags=[{"name": "rahasia"}])
    private = factories.Dataset(name="data-tertutup", owner_org=org["id"], private=True,
                                title="rahasia tertutup", tags=[{"name": "rahasia"}])
    draft = factories.Dataset(name="data-draf", owner_org=org["id"], state="draft",
                              title="rahasia draf", tags=[{"name": "rahasia"}])
    return {"public": public["id"], "hidden": {private["id"], draft["id"]}}


def anonymous_search(**params):
    return call_action("package_search", context={"ignore_auth": False}, **params)


def check(secrets, **params):
    try:
        result = anonymous_search(include_private=True, include_drafts=True, rows=50,
                                  **{"facet.field": '["name", "capacity", "state"]'}, **params)
    except (ckan_search.SearchError, logic.ValidationError):
        return  # a clear, typed error
    ids = {r["id"] for r in result["results"]}
    assert not ids & secrets["hidden"]
    assert result["count"] <= 1
    facet_names = set(result["facets"].get("name", {}))
    assert not facet_names & {"data-tertutup", "data-draf"}
    assert set(result["facets"].get("capacity", {})) <= {"public"}


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=query_text, fq=query_text)
def test_random_q_and_fq_never_crash_or_leak(secrets, q, fq):
    check(secrets, q=q, fq=fq)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sort=sort_text, q=query_text)
def test_random_sort_never_crashes_or_leaks(secrets, sort, q):
    check(secrets, sort=sort, q=q)


@pytest.mark.parametrize("fq", [
    "capacity:private", "-capacity:public", "*:* OR capacity:private", "state:draft",
    ") OR (*:*", "permission_labels:*", "+permission_labels:(member-x OR public)",
    "capacity:public) OR (capacity:private", "-site_id:x", "state:* OR *:*",
])
def test_known_escape_attempts_stay_inside_permissions(secrets, fq):
    check(secrets, fq=fq)
    check(secrets, q=fq)


def test_escape_attempts_still_find_the_public_dataset(secrets):
    """The checks above see real results, not only errors."""
    for fq in ("*:* OR capacity:private", "state:* OR *:*", "permission_labels:*"):
        result = anonymous_search(include_private=True, include_drafts=True, fq=fq)
        assert [r["id"] for r in result["results"]] == [secrets["public"]]
