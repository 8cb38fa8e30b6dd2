"""The in-memory term index agrees with PostgreSQL and follows every write."""

from __future__ import annotations

import ckan.model as model
import numpy as np
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.walidata.search import memory
from ckanext.walidata.search.backend import memory_fields
from ckanext.walidata.search.sql import Compiler
from ckanext.walidata.search.syntax import parse_lucene

pytestmark = [pytest.mark.usefixtures("with_plugins", "with_request_context")]

BBOX = '{"type": "Polygon", "coordinates": [[[123.5, -10.3], [123.7, -10.3], [123.7, -10.1], ' \
       '[123.5, -10.1], [123.5, -10.3]]]}'


@pytest.fixture(scope="module")
def catalogue(module_db):
    orgs = [factories.Organization(name=f"opd-{i}") for i in range(3)]
    for i in range(12):
        factories.Dataset(
            name=f"data-{i}", owner_org=orgs[i % 3]["id"], private=i % 5 == 0,
            tags=[{"name": f"tag-{i % 4}"}, {"name": "umum"}],
            resources=[{"url": f"http://x.example/{i}.csv", "format": "CSV" if i % 2 else "PDF"}],
            extras=[{"key": "spatial", "value": BBOX}] if i % 3 == 0 else [])
    return orgs


def index() -> memory.TermIndex:
    return memory.CACHE.current(model.Session.get_bind())


def postgres_docnums(fq: str) -> set[int]:
    compiler = Compiler()
    condition = compiler.compile(parse_lucene(fq))
    rows = model.Session.execute(sa.text(
        f"SELECT docnum FROM {compiler.source([condition])} WHERE {condition.sql}"),
        compiler.params)
    return {r[0] for r in rows}


@pytest.mark.parametrize("fq", [
    "tags:tag-1", "tags:umum -tags:tag-2", "(tags:tag-1 OR tags:tag-3) +res_format:CSV",
    "capacity:private", "+capacity:public +state:active", "organization:opd-2 OR tags:tag-0",
    "permission_labels:public", "metadata_modified:[NOW-1DAY TO *]", "res_format:*",
    "groups:*", "-groups:*", "tags:[* TO *]",
    "{!frange incl=false l=0 u=1}div(mul(max(0,sub(min(123.8,maxx),max(123.4,minx))),"
    "max(0,sub(min(-10.0,maxy),max(-10.4,miny)))),1)",
])
def test_term_index_filters_like_postgres(catalogue, fq):
    mask = index().evaluate(parse_lucene(fq), memory_fields())
    assert mask is not None
    assert set(np.flatnonzero(mask).tolist()) == postgres_docnums(fq)


def test_text_and_unknown_fields_are_left_to_postgres(catalogue):
    for fq in ("title:data", "name:data-*", "extras_periode:2023"):
        assert index().evaluate(parse_lucene(fq), memory_fields()) is None


def test_facets_and_filters_follow_updates_and_deletes(catalogue):
    def anonymous(**params):
        return call_action("package_search", context={"ignore_auth": False}, **params)

    sysadmin = {"user": factories.Sysadmin()["name"]}
    before = anonymous(**{"facet.field": '["tags"]'})["facets"]["tags"]
    call_action("package_patch", context=dict(sysadmin), id="data-1",
                tags=[{"name": "baru"}])
    assert [r["name"] for r in anonymous(fq="tags:baru")["results"]] == ["data-1"]
    after = anonymous(**{"facet.field": '["tags"]'})["facets"]["tags"]
    assert after["baru"] == 1 and after["umum"] == before["umum"] - 1
    call_action("package_delete", context=dict(sysadmin), id="data-1")
    assert anonymous(fq="tags:baru")["count"] == 0
    assert "baru" not in anonymous(**{"facet.field": '["tags"]'})["facets"]["tags"]


def test_pure_exclusions_count_only_indexed_documents(catalogue):
    result = call_action("package_search", context={"ignore_auth": False},
                         fq="-tags:tag-0", rows=0)
    names = call_action("package_search", context={"ignore_auth": False},
                        fq="-tags:tag-0", rows=100, sort="name asc")["results"]
    assert result["count"] == len(names) > 0
    assert all("tag-0" not in {t["name"] for t in r["tags"]} for r in names)


# Last: it empties the index of this module.
def test_a_cleared_index_is_reloaded(catalogue, reset_index):
    assert index().docs
    model.Session.execute(sa.text("TRUNCATE walidata_search_doc CASCADE"))
    model.Session.commit()
    assert not index().docs
    call_action("package_search", rows=0)  # still answers on an empty index
