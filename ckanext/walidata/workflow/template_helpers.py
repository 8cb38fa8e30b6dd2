"""What the Klinik Walidata pages show: labels, badges and the dataset page's review panel.

The dataset page is rendered by CKAN's own view, so the panel gets its data
through a template helper (``walidata_review_panel``); the klinik views use
the same labels so a state looks the same on every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from werkzeug.routing import BuildError

from .. import helpers
from . import dashboard, machine, roles
from .machine import N_, Role, State

# Bootstrap 5 badge classes: waiting states are blue, the OPD's turn is yellow.
STATE_BADGES = {
    State.DRAFT: "bg-secondary",
    State.SUBMITTED: "bg-info text-dark",
    State.VERIFYING: "bg-primary",
    State.RETURNED: "bg-warning text-dark",
    State.QA: "bg-primary",
    State.VERIFIED: "bg-info text-dark",
    State.RATIFIED: "bg-success",
    State.PUBLISHED: "bg-success",
    State.WITHDRAWN: "bg-dark",
}

# Button labels; ``verify`` means two steps, told apart by the state it starts from.
ACTION_LABELS = {
    "submit": N_("Submit for review"),
    "verify": N_("Verify"),
    "return": N_("Return to the OPD"),
    "qa_approve": N_("Approve quality"),
    "ratify": N_("Ratify"),
    "publish": N_("Publish"),
    "withdraw": N_("Withdraw"),
}
STEP_LABELS = {
    ("verify", State.SUBMITTED): N_("Start verification"),
    ("verify", State.VERIFYING): N_("Pass verification"),
}

# What an event in the timeline did, in the past tense.
EVENT_LABELS = {
    "submit": N_("Submitted"),
    "verify": N_("Verification step"),
    "return": N_("Returned with findings"),
    "qa_approve": N_("Quality approved"),
    "ratify": N_("Ratified"),
    "publish": N_("Published"),
    "withdraw": N_("Withdrawn"),
    "check": N_("Quality check"),
}


def state_info(state: str) -> dict[str, str]:
    """``{value, label, badge}`` of a state, the label in the current language."""
    known = State(state)
    return {"value": known.value, "label": helpers.language_text(machine.LABELS[known]),
            "badge": STATE_BADGES[known]}


def action_label(action: str, state: str | None = None) -> str:
    """The button text of an action taken from ``state``."""
    if state in {s.value for s in State}:
        step = STEP_LABELS.get((action, State(state)))
        if step:
            return tk._(step)
    return tk._(ACTION_LABELS.get(action, action))


def comment_required(action: str, state: str) -> bool:
    """Whether the machine refuses ``action`` from ``state`` without a written finding."""
    return any(machine.needs_a_finding in t.guards for t in machine.TRANSITIONS
               if t.action == action and State(state) in t.sources)


def display_name(user_name: str | None) -> str:
    """A user's display name; the bare name when the account is gone."""
    if not user_name:
        return ""
    user = model.User.get(user_name)
    return user.display_name if user else user_name


def when(timestamp: str | None) -> dt.datetime | None:
    """Naive UTC: CKAN's ``render_datetime`` shifts only those to the display zone."""
    if not timestamp:
        return None
    moment = dt.datetime.fromisoformat(timestamp)
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _event_checks(event: dict[str, Any], quality: Any) -> dict[str, Any]:
    """A check event as one readable line; a decision with the checks as they stood."""
    checks = event.get("checks") or None
    if not checks:
        return {"checks_text": "", "checks_badge": None}
    if event["action"] == "check":
        return {"checks_text": quality.check_event_text(checks, event.get("comment") or ""),
                "checks_badge": quality.check_badge(checks.get("status"),
                                                    int(checks.get("warnings") or 0))}
    if checks.get("status") in (None, "created", "running"):
        counts = tk._("not finished")
    elif checks.get("status") == "error":
        counts = tk._("could not be checked")
    else:
        counts = quality.counts_text(int(checks.get("errors") or 0),
                                     int(checks.get("warnings") or 0))
    return {"checks_text": tk._("Checks at that moment: {counts}").format(counts=counts),
            "checks_badge": None}


def walidata_review_panel(pkg: dict[str, Any]) -> dict[str, Any] | None:
    """The review of a dataset as the panel shows it, or None when it has none to show.

    None for types outside the review (stock datasets) and when the current user
    may not read the review; the page must render either way.
    """
    if pkg.get("type") not in roles.workflow_types():
        return None
    try:
        review = tk.get_action("walidata_review_show")({}, {"id": pkg["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound, tk.ValidationError):
        return None
    from ..validation import template_helpers as quality

    state = review["state"]
    dataset_ref = pkg.get("name") or pkg["id"]
    events = [dict(event,
                   when=when(event["created_at"]),
                   actor_name=display_name(event["actor"]),
                   action_label=tk._(EVENT_LABELS.get(event["action"], event["action"])),
                   from_state=state_info(event["from_state"]),
                   to_state=state_info(event["to_state"]),
                   extra_findings=[f for f in event.get("findings") or []
                                   if f != event["comment"]],
                   **_event_checks(event, quality))
              for event in review["events"]]
    return dict(
        review,
        checks=quality.review_checks(pkg, review.get("quality")),
        state_info=state_info(state),
        submitted_by_name=display_name(review["submitted_by"]),
        events=events,
        actions=[{"verb": verb, "label": action_label(verb, state),
                  "comment_required": comment_required(verb, state),
                  "url": tk.h.url_for("klinik.act", id=dataset_ref, verb=verb)}
                 for verb in review["actions"]],
        held_back=[{"label": action_label(verb, state), "reasons": reasons}
                   for verb, reasons in (review.get("held_back") or {}).items()],
        minutes=[{"number": number,
                  "url": tk.h.url_for("klinik.minutes", id=dataset_ref, number=number)}
                 for number in review["minutes"]],
        revise_url=tk.h.url_for("klinik.revise", id=dataset_ref)
        if state == State.PUBLISHED.value
        and Role.PRODUSEN in roles.roles_for(_signed_in_user(), pkg) else None,
    )


def _signed_in_user() -> model.User | None:
    return model.User.get(tk.current_user.name) if tk.current_user.is_authenticated else None


def reviewer_roles(user: model.User | None) -> frozenset[Role]:
    """The roles the review queue serves ``user`` in, whatever the dataset."""
    found = set()
    if roles.is_walidata(user):
        found.add(Role.WALIDATA)
    if roles.pembina_groups(user):
        found.add(Role.PEMBINA)
    return frozenset(found)


def opd_organizations(user: model.User | None) -> list[dict[str, Any]]:
    """The OPDs whose datasets ``user`` prepares (produsen data: may update their datasets)."""
    if user is None:
        return []
    return tk.get_action("organization_list_for_user")(
        {"user": user.name, "ignore_auth": True},
        {"id": user.id, "permission": "update_dataset"})


# The OPD's own list: what is its turn first (returned before drafts), then what waits
# for the reviewers, then what is done.
OPD_ORDER = (State.RETURNED, State.DRAFT, State.WITHDRAWN, State.SUBMITTED, State.VERIFYING,
             State.QA, State.VERIFIED, State.RATIFIED, State.PUBLISHED)
OPD_SECTION_NOTES = {
    State.RETURNED: N_("Returned with the walidata's findings: fix the dataset, then submit "
                       "it again from its page."),
    State.DRAFT: N_("Not submitted yet: complete the metadata and submit from the "
                    "dataset's page."),
    State.WITHDRAWN: N_("Withdrawn from the review."),
}


def walidata_opd_datasets() -> dict[str, Any]:
    """The signed-in OPD's reviewed datasets by review state, returned ones first.

    ``{organizations, count, sections: [{state, note, rows}]}``; CKAN's dashboard lists
    only the datasets a user created, and never the private ones of their OPD.
    """
    organizations = opd_organizations(_signed_in_user())
    titles = {org["id"]: org.get("title") or org["name"] for org in organizations}
    rows = dashboard.opd_datasets(list(titles), roles.workflow_types())
    sections = []
    for state in OPD_ORDER:
        mine = [dict(row,
                     url=dataset_url(row["data_group"], row["name"]),
                     organization_title=titles.get(row["owner_org"], ""),
                     finding_by_name=display_name(row["finding_by"]),
                     finding_at=when(row["finding_at"].isoformat())
                     if row["finding_at"] else None,
                     extra_findings=[f for f in row["findings"] or []
                                     if f != row["finding"]],
                     since=when(row["updated_at"].isoformat()))
                for row in rows if row["state"] == state.value]
        if mine:
            note = OPD_SECTION_NOTES.get(state)
            sections.append({"state": state_info(state.value), "rows": mine,
                             "note": tk._(note) if note else ""})
    return {"organizations": organizations, "count": len(rows), "sections": sections}


def dataset_url(dataset_type: str, name: str) -> str:
    """A dataset's page under its type's own route (``/statistik/<name>``)."""
    try:
        return tk.h.url_for(f"{dataset_type}.read", id=name)
    except BuildError:  # a type without its own blueprint
        return tk.h.url_for("dataset.read", id=name)


def walidata_klinik_nav() -> dict[str, str] | None:
    """The header's link to the review: the queue for reviewers, the OPD's own list.

    None for anonymous users and for users who neither review nor prepare data.
    """
    user = _signed_in_user()
    if reviewer_roles(user):
        return {"url": tk.h.url_for("klinik.queue"), "label": tk._("Klinik Walidata"),
                "endpoint": "klinik.queue"}
    if opd_organizations(user):
        return {"url": tk.h.url_for("klinik.opd"), "label": tk._("My datasets in review"),
                "endpoint": "klinik.opd"}
    return None


def walidata_is_reviewed_type(dataset_type: str | None) -> bool:
    """Whether datasets of this type go through the Klinik Walidata before publication."""
    return dataset_type in roles.workflow_types()


def get_helpers() -> dict[str, Any]:
    """The helpers to register in the plugin's ``get_helpers``."""
    return {"walidata_review_panel": walidata_review_panel,
            "walidata_opd_datasets": walidata_opd_datasets,
            "walidata_klinik_nav": walidata_klinik_nav,
            "walidata_is_reviewed_type": walidata_is_reviewed_type}
