"""The Solr-syntax parser on its own: no database, no CKAN."""

import pytest

from ckanext.walidata.search.syntax import (
    Boolean,
    DisMax,
    Exists,
    FieldValue,
    Function,
    FunctionRange,
    MatchAll,
    Number,
    Occur,
    QuerySyntaxError,
    Range,
    Term,
    parse_dismax,
    parse_lucene,
)


def test_ckan_default_filter_is_required_terms():
    node = parse_lucene('+capacity:public +state:active +site_id:"default"')
    assert node == Boolean((
        (Occur.MUST, Term("capacity", "public")),
        (Occur.MUST, Term("state", "active")),
        (Occur.MUST, Term("site_id", "default", phrase=True)),
    ))


def test_default_operator_is_and_and_or_makes_both_optional():
    assert parse_lucene("a b") == Boolean(((Occur.MUST, Term("text", "a")),
                                           (Occur.MUST, Term("text", "b"))))
    assert parse_lucene("tags:a OR tags:b") == Boolean(((Occur.SHOULD, Term("tags", "a")),
                                                        (Occur.SHOULD, Term("tags", "b"))))


def test_field_group_applies_field_to_inner_terms():
    node = parse_lucene('permission_labels:("public" OR "member-1")')
    assert node == Boolean(((Occur.SHOULD, Term("permission_labels", "public", phrase=True)),
                            (Occur.SHOULD, Term("permission_labels", "member-1", phrase=True))))


def test_not_and_minus_exclude():
    node = parse_lucene("tags:air NOT tags:laut -res_format:PDF")
    assert [occur for occur, _ in node.clauses] == [Occur.MUST, Occur.MUST_NOT, Occur.MUST_NOT]


def test_ranges_wildcards_exists_and_match_all():
    assert parse_lucene("metadata_modified:[NOW-7DAYS TO *]") == Range(
        "metadata_modified", "NOW-7DAYS", None)
    assert parse_lucene("year:{2019 TO 2024]") == Range("year", "2019", "2024",
                                                        include_low=False)
    assert parse_lucene("name:data-*") == Term("name", "data-*", wildcard=True)
    assert parse_lucene("extras_periode:*") == Exists("extras_periode")
    assert parse_lucene("*:*") == MatchAll()
    assert parse_lucene("") == MatchAll()


def test_escaped_characters_are_literal():
    assert parse_lucene(r"url:http\://x.id/a\(1\)") == Term("url", "http://x.id/a(1)")


def test_frange_function_query_from_ckanext_spatial():
    node = parse_lucene("{!frange incl=false l=0 u=1}div(mul(2,maxx),add(1,minx))")
    assert node == FunctionRange(
        Function("div", (Function("mul", (Number(2.0), FieldValue("maxx"))),
                         Function("add", (Number(1.0), FieldValue("minx"))))),
        low=0.0, high=1.0, include_low=False, include_high=True)


@pytest.mark.parametrize("bad", [
    "(tags:a", "tags:a)", "tags:", "AND tags:a", "tags:a OR", '"open phrase',
    "_query_:x", "{!lucene}x", "{!frange l=0}evil(1)", "name~", "x:[1 TO", "[a b]",
    "fo*o:bar", "a\\", "-", "tags:x -", "tags:x NOT", "tags:x +", "(tags:x -)",
])
def test_invalid_queries_raise_a_clear_error(bad):
    with pytest.raises(QuerySyntaxError):
        parse_lucene(bad)


def test_too_deep_nesting_is_refused():
    with pytest.raises(QuerySyntaxError, match="deep"):
        parse_lucene("(" * 100 + "a" + ")" * 100)


def test_dismax_minimum_match_follows_ckan_mm():
    assert parse_dismax("air bersih").minimum_match == 2
    assert parse_dismax("air bersih desa").minimum_match == 2
    assert parse_dismax("a b c d e f g h i j").minimum_match == 8


def test_dismax_keeps_phrases_required_and_excluded_words():
    node = parse_dismax('"angka kematian" +ibu -bayi AND')
    assert isinstance(node, DisMax)
    assert node.should == (Term(None, "angka kematian", phrase=True), Term(None, "AND"))
    assert node.must == (Term(None, "ibu"),)
    assert node.must_not == (Term(None, "bayi"),)


def test_dismax_of_punctuation_only_matches_all():
    assert parse_dismax("?? !!") == MatchAll()
