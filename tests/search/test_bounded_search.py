"""Every search request is bounded: over-budget shapes are refused with the limit named,
garbage parameters are 400/409 (never 500), fielded text terms cost one pass over the text
table, and a statement timeout is a clean search error. No timing here: that is bench/."""

from __future__ import annotations

import json
import re

import ckan.lib.search as ckan_search
import ckan.logic as logic
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckanext.walidata.search import limits
from ckanext.walidata.search.backend import PORTAL_FILTER_FIELDS, SearchPlan
from ckanext.walidata.search.syntax import count_clauses, parse_lucene

pytestmark = [pytest.mark.usefixtures("with_plugins", "with_request_context")]

API = "/api/3/action/package_search"
WORDS = ["air", "bersih", "kesehatan", "padi", "sekolah", "jalan", "desa", "ibu", "anak",
         "pasar", "hutan", "laut", "ikan", "sapi", "rumah"]


@pytest.fixture(scope="module")
def catalogue(module_db):
    org = factories.Organization(name="opd-batas")
    for i, word in enumerate(WORDS):
        factories.Dataset(name=f"data-{word}", owner_org=org["id"],
                          title=f"Data {word} {WORDS[(i + 1) % len(WORDS)]}",
                          notes=f"Catatan tentang {word}.", tags=[{"name": word}],
                          resources=[{"url": f"http://x.example/{word}.csv", "format": "CSV",
                                      "name": f"Tabel {word}"}],
                          extras=[{"key": "periode", "value": str(2010 + i)}])
    return org


def post(app, status, **params):
    return app.post(API, data=json.dumps(params), content_type="application/json",
                    status=status)


def error_text(response) -> str:
    return json.dumps(response.json["error"])


# -- the budget, through the API ---------------------------------------------------------


@pytest.mark.parametrize(("params", "option", "count"), [
    ({"fq_list": [f"title:{chr(97 + i % 26)}" for i in range(1000)]}, limits.MAX_CLAUSES,
     "The search has 1,000 clauses"),
    ({"q": " ".join(f"kata{i}" for i in range(1000))}, limits.MAX_CLAUSES,
     "The search has 1,000 clauses"),
    ({"fq": "(" + " OR ".join(f"notes:{w}" for w in WORDS * 10) + ")"}, limits.MAX_CLAUSES,
     "The search has 150 clauses"),
    ({"facet.field": [f"field_{i}" for i in range(3000)]}, limits.MAX_FACET_FIELDS,
     "asks for 3,000 facet fields"),
    ({"q": "kesehatan " * 2000}, limits.MAX_QUERY_LENGTH, "characters long"),
    ({"fq_list": ["title:" + "a" * 6000, "title:" + "b" * 6000]}, limits.MAX_QUERY_LENGTH,
     "characters long"),
    ({"sort": ", ".join(["name asc"] * 20)}, limits.MAX_SORT_FIELDS, "sorts by 20 fields"),
    ({"fl": [f"field_{i}" for i in range(300)]}, limits.MAX_RESULT_FIELDS,
     "asks for 300 result fields"),
])
def test_over_budget_requests_are_refused_with_the_limit_named(catalogue, app, params, option,
                                                               count):
    response = post(app, 400, **params)
    assert response.json["error"]["__type"] == "Search Query Error"
    message = response.json["error"]["message"]
    assert option in message
    assert count in message


def test_limits_follow_the_configuration(catalogue, app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, limits.MAX_CLAUSES, 3)
    post(app, 200, fq_list=["title:air", "title:bersih", "tags:air"])
    response = post(app, 400, fq_list=["title:air", "title:bersih", "tags:air", "tags:ibu"])
    assert "at most 3 are allowed" in error_text(response)


def test_rows_are_capped_at_ckan_rows_max(catalogue, app, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckan.search.rows_max", 4)
    assert len(post(app, 200, rows=100000).json["result"]["results"]) == 4
    assert len(call_action("package_search", rows=100000)["results"]) == 4


# -- garbage parameters: 409 (validation) or 400 (search query), never 500 ----------------


@pytest.mark.parametrize(("params", "field"), [
    ({"facet": "maybe"}, "facet"), ({"rows": " "}, "rows"), ({"rows": ""}, "rows"),
    ({"start": ""}, "start"), ({"facet.mincount": ""}, "facet.mincount"),
    ({"facet.limit": ""}, "facet.limit"), ({"facet.limit": "lots"}, "facet.limit"),
    ({"rows": "-1"}, "rows"), ({"include_private": "maybe"}, "include_private"),
    ({"include_drafts": "x"}, "include_drafts"), ({"use_default_schema": "?"},
                                                  "use_default_schema"),
])
def test_garbage_query_string_values_are_validation_errors(catalogue, app, params, field):
    response = app.get(API, query_string=params, status=409)
    assert response.json["error"]["__type"] == "Validation Error"
    assert field in response.json["error"]


@pytest.mark.parametrize(("params", "field"), [
    ({"fl": 5}, "fl"), ({"fl": [1, 2]}, "fl"), ({"fl": {"a": 1}}, "fl"),
    ({"rows": [1]}, "rows"), ({"rows": {"a": 1}}, "rows"), ({"rows": 1.5}, "rows"),
    ({"start": "zero"}, "start"), ({"facet": 5.5}, None), ({"facet": [True]}, "facet"),
    ({"facet.field": [1]}, "facet.field"), ({"facet.field": "tags"}, "facet.field"),
])
def test_non_string_json_values_are_validation_errors(catalogue, app, params, field):
    response = app.post(API, data=json.dumps(params), content_type="application/json")
    if field is None:  # asbool reads any number as a flag, as CKAN does
        assert response.status_code == 200
        return
    assert response.status_code == 409
    assert field in response.json["error"]


@pytest.mark.parametrize("params", [
    {"sort": "name sideways"}, {"sort": 3}, {"fq_list": [1]}, {"fq_list": {"a": 1}},
    {"facet.field": ["bad field"]},
])
def test_malformed_search_parameters_are_search_query_errors(catalogue, app, params):
    response = app.post(API, data=json.dumps(params), content_type="application/json",
                        status=400)
    assert response.json["error"]["__type"] == "Search Query Error"


@pytest.mark.parametrize("params", [
    {"rows": "100000000"}, {"start": "1" + "0" * 30}, {"facet.limit": "1" + "0" * 30},
    {"facet.mincount": "1" + "0" * 30, "facet.field": '["tags", "res_name"]'},
    {"facet.limit": "-5", "facet.field": '["tags"]'}, {"facet": "false"},
])
def test_extreme_numbers_are_answered(catalogue, app, params):
    result = app.get(API, query_string=params, status=200).json["result"]
    assert result["count"] == len(WORDS)


# -- the dataset page ------------------------------------------------------------------------


def test_dataset_page_names_the_limit_instead_of_failing(catalogue, app):
    many_words = " ".join(f"kata{i}" for i in range(1000))
    response = app.get("/dataset/", query_string={"q": many_words}, status=400)
    assert limits.MAX_CLAUSES in response.get_data(as_text=True)
    fields = "&".join(f"title=w{i}" for i in range(500))
    response = app.get(f"/dataset/?{fields}", status=400)
    assert limits.MAX_CLAUSES in response.get_data(as_text=True)
    response = app.get("/dataset/", query_string={"q": "air " * 5000}, status=400)
    assert limits.MAX_QUERY_LENGTH in response.get_data(as_text=True)
    response = app.get("/dataset/", query_string={"sort": ", ".join(["name asc"] * 30)},
                       status=400)
    assert limits.MAX_SORT_FIELDS in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["rows=", "start=", "facet.mincount=", "facet=maybe",
                                   "rows=%20", "q=title:air", "q=-title:air"])
def test_dataset_page_answers_blank_and_garbage_parameters(catalogue, app, query):
    app.get(f"/dataset/?{query}", status=200)


# -- one text pass, whatever the number of text terms -----------------------------------------


def test_fielded_text_terms_share_one_pass_over_the_text_table(catalogue):
    fq_list = [f"title:{w}" for w in WORDS] + [f"notes:{w}" for w in WORDS] \
        + [f"res_name:{w}" for w in WORDS[:5]] + ["-author:x", "(title:air OR tags:air)"]
    plan = SearchPlan.from_params({"q": "air bersih", "fq_list": fq_list}, None)
    compiled = plan.source + plan.condition
    assert compiled.count("walidata_search_text") == 1
    assert not re.search(r"\bIN \(SELECT", compiled)


def test_results_are_the_same_with_many_terms_as_with_one(catalogue):
    def names(**params):
        return sorted(r["name"] for r in call_action("package_search", rows=100,
                                                     **params)["results"])

    assert names(fq_list=["title:air", "title:bersih"]) == ["data-air"]
    assert names(fq_list=["title:air"] * 50) == names(fq="title:air")
    assert names(fq="(" + " OR ".join(f"title:{w}" for w in WORDS[:3]) + ")") == [
        "data-air", "data-bersih", "data-kesehatan", "data-rumah"]
    assert names(fq="-title:air -notes:bersih") == sorted(
        f"data-{w}" for w in WORDS if w not in ("air", "rumah", "bersih"))
    assert names(q="air bersih kesehatan padi sekolah jalan") == []
    assert names(fq="(res_name:air OR title:ibu)") == ["data-air", "data-desa", "data-ibu"]


def test_alternatives_on_one_field_share_one_subquery(catalogue):
    fq = "(periode:[2010 TO 2011] OR periode:[2013 TO 2013] OR periode:x* OR periode:2030)"
    plan = SearchPlan.from_params({"fq": fq}, None)
    assert plan.condition.count("walidata_values") == 1
    found = call_action("package_search", fq=fq, rows=100)["results"]
    assert sorted(r["name"] for r in found) == ["data-air", "data-bersih", "data-padi"]


# -- the statement timeout ------------------------------------------------------------------


def test_a_statement_timeout_is_a_search_error_and_the_request_goes_on(catalogue, app,
                                                                       ckan_config,
                                                                       monkeypatch):
    monkeypatch.setitem(ckan_config, limits.STATEMENT_TIMEOUT, 300)
    call_action("package_search", fq="title:air")  # the term index is loaded before the lock
    before = model.Session.execute(sa.text("SHOW statement_timeout")).scalar()
    model.Session.commit()  # no lock of this session stands in the blocker's way
    blocker = model.meta.engine.connect()
    blocker.execute(sa.text("SET lock_timeout = '20s'"))
    blocker.execute(sa.text("LOCK TABLE walidata_search_doc IN ACCESS EXCLUSIVE MODE"))
    try:
        with pytest.raises(ckan_search.SearchError, match=re.escape(limits.STATEMENT_TIMEOUT)):
            call_action("package_search", fq="title:air")
        # The transaction is usable and the timeout is the request's own again.
        assert model.Session.execute(sa.text("SHOW statement_timeout")).scalar() == before
        assert model.Session.execute(sa.text("SELECT count(*) FROM package")).scalar() > 0
        response = app.get(API, query_string={"fq": "title:air"}, status=409)
        assert limits.STATEMENT_TIMEOUT in error_text(response)
    finally:
        blocker.rollback()
        blocker.close()
    assert call_action("package_search", fq="title:air")["count"] == 2
    assert model.Session.execute(sa.text("SHOW statement_timeout")).scalar() == before


# -- random requests under 100 KB ---------------------------------------------------------------

field_names = st.sampled_from(["title", "notes", "text", "res_name", "author", "tags", "name",
                               "extras_periode", "metadata_modified", "periode", "title_ngram"])
values = st.one_of(st.sampled_from(WORDS), st.sampled_from(["*", "a*", "*a", "ai?", "\"air desa\"",
                                                            "[* TO *]", "[2020 TO 2024]",
                                                            "[NOW-1YEAR TO NOW]", "{a TO z}"]),
                   st.text(alphabet="abc019-_ ", min_size=1, max_size=6).map(json.dumps))
clause = st.builds(lambda f, v, sign: f"{sign}{f}:{v}", field_names, values,
                   st.sampled_from(["", "+", "-", "NOT "]))


@st.composite
def nested(draw, depth: int = 0) -> str:
    parts = draw(st.lists(clause if depth > 3 else st.one_of(clause, nested(depth + 1)),
                          min_size=1, max_size=6))
    return "(" + draw(st.sampled_from([" ", " OR ", " AND "])).join(parts) + ")"


garbage = st.one_of(st.none(), st.just(""), st.just(" "), st.integers(-10**20, 10**20),
                    st.sampled_from(["maybe", "-1", "1e9", "[]", "{}", "NaN"]),
                    st.lists(st.integers(), max_size=3))
requests = st.fixed_dictionaries({}, optional={
    "q": st.one_of(st.lists(st.sampled_from(WORDS), max_size=300).map(" ".join),
                   nested(), st.text(max_size=200), st.just("air " * 4000)),
    "fq": st.one_of(nested(), clause),
    "fq_list": st.one_of(st.lists(clause, max_size=400), st.lists(nested(), max_size=20)),
    "facet.field": st.lists(st.sampled_from(["tags", "res_format", "organization", "periode",
                                             "res_name", "x y", "title"]), max_size=100),
    "rows": garbage, "start": garbage, "facet": garbage, "facet.limit": garbage,
    "facet.mincount": garbage, "sort": st.one_of(garbage, st.just("name asc, title desc")),
    "fl": st.one_of(garbage, st.just("id name title")),
})


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(params=requests)
def test_random_requests_are_answered_or_refused_and_bounded(catalogue, params):
    assert len(json.dumps(params)) < 100_000
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(model.meta.engine, "before_cursor_execute", listen)
    try:
        result = call_action("package_search", **params)
    except (ckan_search.SearchError, logic.ValidationError):
        return  # refused cleanly: 400 (SearchQueryError is a SearchError) or 409
    finally:
        sa.event.remove(model.meta.engine, "before_cursor_execute", listen)
    assert result["count"] >= len(result["results"])
    # Bounded structurally: within the budget, and one text pass per statement at most
    # (plus the ranking subquery of a scored page).
    texts = [t for t in (params.get("q"), params.get("fq"), *(params.get("fq_list") or []))
             if isinstance(t, str) and ":" in t]
    assert sum(count_clauses(parse_lucene(t), PORTAL_FILTER_FIELDS)
               for t in texts) <= limits.DEFAULTS[
        limits.MAX_CLAUSES]
    for statement in statements:
        assert statement.count("FROM walidata_search_text") <= 2
        assert not re.search(r"\bIN \(SELECT", statement)
