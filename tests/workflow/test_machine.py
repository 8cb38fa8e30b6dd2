"""The state machine on its own: plain Python, no CKAN."""

from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.walidata.workflow.machine import (
    Facts,
    GuardFailed,
    Role,
    State,
    available,
    decide,
    markdown,
)

OPD, WALIDATA, PEMBINA = (frozenset({r}) for r in (Role.PRODUSEN, Role.WALIDATA, Role.PEMBINA))


def facts(roles, actor="walidata", **kw):
    base = {"submitter": "opd", "data_group": "statistik", "completeness": 90,
            "resources": 1, "comment": ""}
    base.update(kw)
    return Facts(roles=roles, actor=actor, **base)


@pytest.mark.parametrize(("action", "state", "roles", "group", "expected"), [
    ("submit", State.DRAFT, OPD, "statistik", State.SUBMITTED),
    ("submit", State.RETURNED, OPD, "statistik", State.SUBMITTED),
    ("verify", State.SUBMITTED, WALIDATA, "statistik", State.VERIFYING),
    ("verify", State.VERIFYING, WALIDATA, "statistik", State.QA),
    ("verify", State.VERIFYING, WALIDATA, "pendukung", State.VERIFIED),
    ("qa_approve", State.QA, PEMBINA, "statistik", State.VERIFIED),
    ("ratify", State.VERIFIED, WALIDATA, "statistik", State.RATIFIED),
    ("publish", State.RATIFIED, WALIDATA, "statistik", State.PUBLISHED),
])
def test_the_path(action, state, roles, group, expected):
    actor = "opd" if roles == OPD else "reviewer"
    _, to = decide(action, state, facts(roles, actor=actor, data_group=group))
    assert to is expected


def test_guards_give_every_reason():
    with pytest.raises(GuardFailed) as refused:
        decide("submit", State.DRAFT, facts(OPD, actor="opd", completeness=60, resources=0))
    messages = refused.value.messages()
    assert messages == ["Metadata completeness is 60; at least 80 is needed to submit.",
                        "The dataset has no data file (resource)."]


def test_roles_and_states_are_enforced():
    with pytest.raises(GuardFailed) as by_role:
        decide("qa_approve", State.QA, facts(WALIDATA, actor_is="a walidata"))
    assert by_role.value.messages() == [
        "Only the pembina data of its data group may sign off the quality of a dataset at "
        "this stage (Quality assurance); you are a walidata."]
    with pytest.raises(GuardFailed) as by_state:
        decide("publish", State.VERIFIED, facts(WALIDATA))
    assert by_state.value.messages() == ["Publication is not possible at this stage (Verified)."]
    with pytest.raises(GuardFailed, match="You submitted this dataset"):
        decide("ratify", State.VERIFIED, facts(WALIDATA, actor="opd"))
    with pytest.raises(GuardFailed, match="as an editor of Diskominfo, so a walidata outside"):
        decide("verify", State.SUBMITTED, facts(WALIDATA, producer="an editor of Diskominfo"))
    with pytest.raises(GuardFailed, match="Write the finding"):
        decide("return", State.VERIFYING, facts(WALIDATA))
    with pytest.raises(GuardFailed, match="quality checks"):
        decide("ratify", State.VERIFIED, facts(WALIDATA, blocking_checks=("kode wilayah",)))


def test_a_refusal_names_every_role_that_may_act_and_who_the_actor_is():
    with pytest.raises(GuardFailed) as refused:
        decide("return", State.QA, facts(OPD, actor="opd", comment="x"))
    assert refused.value.messages(state_label=lambda state: state.value.upper()) == [
        "Only the walidata or the pembina data of its data group may return a dataset at "
        "this stage (QA); you are signed in without a role in its review."]


def test_pembina_returns_only_from_qa():
    decide("return", State.QA, facts(PEMBINA, comment="Sampling error tidak dicantumkan."))
    with pytest.raises(GuardFailed):
        decide("return", State.VERIFYING, facts(PEMBINA, comment="x"))


def test_available_lists_the_buttons():
    assert available(State.DRAFT, facts(OPD, actor="opd")) == ["submit", "withdraw"]
    assert available(State.VERIFYING, facts(WALIDATA, comment="x")) == [
        "verify", "return", "withdraw"]
    assert available(State.PUBLISHED, facts(OPD, actor="opd")) == []


def test_the_documented_graph_is_generated_from_the_code():
    doc = Path(__file__).parents[2] / "docs" / "workflow.md"
    assert doc.read_text(encoding="utf-8") == markdown()


def test_qa_is_skipped_when_the_portal_named_no_pembina():
    _, to = decide("verify", State.VERIFYING, facts(WALIDATA, pembina_configured=False))
    assert to is State.VERIFIED
