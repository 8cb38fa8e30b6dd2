"""Klinik Walidata web pages: the review queue, the dashboard, the buttons, the minutes.

The pages only call the review actions (which decide) and the dashboard queries
(which count); whatever they refuse is shown to the user, never worked around.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.pagination import Page
from flask import Blueprint, Response, request

from .. import helpers
from ..workflow import dashboard as figures
from ..workflow import machine, roles, store
from ..workflow.machine import Role, State
from ..workflow.template_helpers import (
    ACTION_LABELS,
    dataset_url,
    display_name,
    opd_organizations,
    reviewer_roles,
    state_info,
    when,
)
from .common import action_context, current_user, error_messages, flash_errors

klinik = Blueprint("klinik", __name__)

PER_PAGE = 25
OVERDUE_ON_DASHBOARD = 20


def _data_group_label(group: str) -> str:
    return helpers.language_text(helpers.DATASET_TYPE_LABELS.get(group, group))


def listed_states(viewer: frozenset[Role]) -> list[State]:
    """The states a reviewer's queue has tabs for: the pembina data reviews only QA.

    ``walidata_review_list`` lists nothing else to a pembina data, so a tab for
    another state would list the same QA datasets under a wrong name.
    """
    return list(State) if Role.WALIDATA in viewer else [State.QA]


def bulk_actions(states: list[State], viewer: frozenset[Role]) -> list[str]:
    """The actions the viewer's role takes on datasets in ``states``, for the bulk menu.

    Only those that need no written finding: the bulk form has no comment box, and a
    return or a reasoned withdrawal belongs on the dataset's page.
    """
    return [action for action in machine.ACTIONS if any(
        t.action == action and viewer & set(t.roles) and set(t.sources) & set(states)
        and machine.needs_a_finding not in t.guards for t in machine.TRANSITIONS)]


@klinik.route("/klinik")
def queue() -> str:
    """The desk's queue: filter by state, OPD, data group and overdue; oldest first."""
    context = action_context()
    try:
        tk.check_access("walidata_review_list", context, {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the walidata and pembina data see the review queue."))
    user = current_user()
    viewer = reviewer_roles(user)
    organizations = figures.organizations()
    org_titles = {org["id"]: org["title"] for org in organizations}
    data_groups = roles.workflow_types()
    # A pembina data (not walidata) sees only the data groups they assure.
    if Role.WALIDATA not in viewer:
        data_groups = [g for g in data_groups if g in roles.pembina_groups(user)]
        if not data_groups:
            return tk.abort(403, tk._("Only the walidata and pembina data see the review "
                                      "queue."))
    tabs = listed_states(viewer)

    state = request.args.get("state", "")
    if state not in {s.value for s in tabs}:
        state = ""
    organization = request.args.get("organization", "")
    if organization not in {org["name"] for org in organizations}:
        organization = ""
    data_group = request.args.get("data_group", "")
    if data_group not in data_groups:
        data_group = ""
    overdue = tk.asbool(request.args.get("overdue", False))
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        page = 1

    filters = {"organization": organization or None,
               "data_group": data_group or data_groups, "overdue": overdue}
    list_action = tk.get_action("walidata_review_list")
    counts = {s.value: list_action(dict(context), dict(filters, state=s.value, limit=1))["count"]
              for s in tabs}
    waiting = [s for s in machine.REVIEW_STATES if s in tabs]
    result = list_action(dict(context), dict(
        filters, state=state or [s.value for s in waiting], limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE))
    rows = [dict(row,
                 url=dataset_url(row["data_group"], row["name"]),
                 organization_title=org_titles.get(row["owner_org"], ""),
                 data_group_label=_data_group_label(row["data_group"]),
                 state_info=state_info(row["state"]),
                 submitted_by_name=display_name(row["submitted_by"]),
                 waiting_since=when(row["updated_at"]))
            for row in result["results"]]
    args = {"state": state, "organization": organization, "data_group": data_group,
            "overdue": "1" if overdue else ""}

    def url(**changes: Any) -> str:
        """This page with some filters changed; empty filters left out."""
        merged = dict(args, **changes)
        return tk.h.url_for("klinik.queue", **{k: v for k, v in merged.items() if v})

    pager = Page(collection=rows, page=page, item_count=result["count"],
                 items_per_page=PER_PAGE, presliced_list=True, url=lambda page: url(page=page))
    return tk.render("walidata/klinik/queue.html", extra_vars={
        "rows": rows, "count": result["count"], "page": pager, "args": args, "url": url,
        "states": [dict(state_info(s.value), count=counts[s.value],
                        waiting=s in machine.REVIEW_STATES) for s in tabs],
        "waiting_count": sum(counts[s.value] for s in waiting),
        "organizations": organizations,
        "data_groups": [{"value": g, "label": _data_group_label(g)} for g in data_groups],
        "overdue_days": tk.config.get("ckanext.walidata.workflow.overdue_days"),
        "is_walidata": Role.WALIDATA in viewer,
        "bulk_actions": [{"value": action, "label": tk._(ACTION_LABELS[action])}
                         for action in bulk_actions([State(state)] if state else waiting,
                                                    viewer)],
    })


@klinik.route("/klinik/opd")
def opd() -> str:
    """The OPD's own review list: its datasets by review state, returned ones first."""
    user = current_user()
    if user is None:
        return tk.abort(403, tk._("Sign in to see your datasets in review."))
    if not opd_organizations(user):
        return tk.abort(403, tk._("Only the editors of an OPD have datasets in review."))
    return tk.render("walidata/klinik/opd.html")


def _portal_zone() -> dt.tzinfo:
    """The zone the portal shows times in; quarters start at its midnight."""
    name = tk.config.get("ckan.display_timezone") or "UTC"
    if name == "server":
        return dt.datetime.now().astimezone().tzinfo or dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.timezone.utc


@klinik.route("/klinik/dashboard")
def dashboard() -> str:
    """The clinic in figures: stages, OPDs, time per stage, overdue, quarterly submissions."""
    if not roles.is_walidata(current_user()):
        return tk.abort(403, tk._("Only the walidata see the clinic dashboard."))
    zone = _portal_zone()
    year, quarter = figures.quarter_of(dt.datetime.now(zone).date())
    start, end = figures.quarter_bounds(year, quarter, zone)
    overdue = tk.get_action("walidata_review_list")(
        action_context(), {"overdue": True, "limit": OVERDUE_ON_DASHBOARD})
    orgs = {org["id"]: org for org in figures.organizations()}
    stages = figures.median_days_per_stage()
    counts = figures.state_counts()
    return tk.render("walidata/klinik/dashboard.html", extra_vars={
        "states": [dict(state_info(state), count=n) for state, n in counts.items()],
        "per_organization": figures.per_organization(),
        "stages": [dict(state_info(s.value), **stages[s.value])
                   for s in machine.State if s.value in stages],
        "overdue_count": overdue["count"],
        "overdue": [dict(row, url=dataset_url(row["data_group"], row["name"]),
                         organization_title=orgs.get(row["owner_org"], {}).get("title", ""),
                         state_info=state_info(row["state"]),
                         waiting_since=when(row["updated_at"]))
                    for row in overdue["results"]],
        "overdue_days": tk.config.get("ckanext.walidata.workflow.overdue_days"),
        "quarter": {"year": year, "quarter": quarter, "start": start,
                    "last": end - dt.timedelta(seconds=1),
                    **figures.submissions(start, end)},
    })


@klinik.route("/klinik/bulk", methods=["POST"])
def bulk() -> Any:
    """The desk's bulk action: every dataset still goes through its own guards."""
    ids = request.form.getlist("ids")
    if not ids:
        tk.h.flash_error(tk._("Select at least one dataset."))
        return tk.redirect_to(tk.h.url_for("klinik.queue"))
    try:
        result = tk.get_action("walidata_bulk")(action_context(), {
            "action": request.form.get("action", ""), "ids": ids})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Sign in to take part in the review."))
    except tk.ValidationError as error:
        flash_errors(error.error_dict)
        return tk.redirect_to(tk.h.url_for("klinik.queue"))
    for item in result["results"]:
        if item["ok"]:
            tk.h.flash_success(tk._("{id}: done").format(id=item["id"]))
        else:
            reasons = "; ".join(error_messages(item["errors"]))
            tk.h.flash_error(tk._("{id}: {reasons}").format(id=item["id"], reasons=reasons))
    return tk.redirect_to(tk.h.url_for("klinik.queue"))


@klinik.route("/dataset/<id>/revise", methods=["POST"])
def revise(id: str) -> Any:
    """The OPD starts the next period of a published dataset: edit the new copy."""
    try:
        copy = tk.get_action("walidata_revise")(action_context(), {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(403, tk._("Only the dataset's OPD starts a new period."))
    except tk.ValidationError as error:
        flash_errors(error.error_dict)
        dataset = model.Package.get(id)
        return tk.redirect_to(dataset_url(dataset.type, dataset.name) if dataset
                              else tk.h.url_for("dataset.search"))
    tk.h.flash_success(tk._("The next period is prepared on this private copy; the "
                            "published version stays public until the copy is published."))
    return tk.redirect_to(tk.h.url_for(f"{copy['type']}.edit", id=copy["name"]))


@klinik.route("/dataset/<id>/review/<verb>", methods=["POST"])
def act(id: str, verb: str) -> Any:
    """A review button: the action decides; its refusal is flashed, not hidden."""
    if verb not in machine.ACTIONS:
        return tk.abort(404, tk._("Unknown review action"))
    context = action_context()
    try:
        tk.check_access("package_show", dict(context), {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(404, tk._("Dataset not found"))
    dataset = model.Package.get(id)
    if dataset is None:
        return tk.abort(404, tk._("Dataset not found"))
    try:
        review = tk.get_action(f"walidata_{verb}")(context, {
            "id": dataset.id, "comment": request.form.get("comment", "")})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Sign in to take part in the review."))
    except tk.ValidationError as error:
        flash_errors(error.error_dict)
    else:
        tk.h.flash_success(tk._("Done. The dataset is now: {state}.").format(
            state=review["state_label"]))
        try:
            tk.check_access("package_show", action_context(), {"id": dataset.id})
        except tk.NotAuthorized:
            # Returned or withdrawn: back with its OPD, out of the reviewer's sight.
            return tk.redirect_to(tk.h.url_for("klinik.queue"))
    return tk.redirect_to(dataset_url(dataset.type, dataset.name))


def _attachment_name(number: str) -> str:
    """``BA-WALIDATA/2026/0007`` → ``BA-WALIDATA-2026-0007.pdf`` (no slashes in a filename)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.") + ".pdf"


@klinik.route("/dataset/<id>/berita-acara/<path:number>.pdf")
def minutes(id: str, number: str) -> Response:
    """A berita acara of the dataset, for whoever may read the dataset."""
    try:
        tk.check_access("package_show", action_context(), {"id": id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        # As CKAN's dataset page: an unreadable dataset is not found.
        return tk.abort(404, tk._("Dataset not found"))
    dataset = model.Package.get(id)
    found = store.minutes(number)
    if dataset is None or found is None or found[2] != dataset.id:
        return tk.abort(404, tk._("No such berita acara for this dataset"))
    pdf, sha256, _package_id = found
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{_attachment_name(number)}"',
        "X-Content-SHA256": sha256,
        "Cache-Control": "private",
    })
