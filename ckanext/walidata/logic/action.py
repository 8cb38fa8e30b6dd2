"""Actions of ckanext-walidata."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ckan.logic as logic
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import get_permission_labels

from .. import helpers, reference
from ..validation import review as quality_review
from ..workflow import machine, notify, revision, roles, store
from .params import with_checked_references

log = logging.getLogger(__name__)

SCHEMES = ("wilayah", "urusan")


@tk.side_effect_free
def walidata_reference_search(context: dict[str, Any], data_dict: dict[str, Any]
                              ) -> list[dict[str, Any]]:
    """Search the reference codes by code prefix or name (for autocomplete).

    :param q: the text typed, e.g. ``kupang`` or ``53.7``
    :param scheme: ``wilayah`` (default) or ``urusan``
    :param level: optional level (``provinsi``, ``kabupaten_kota``, ``kecamatan``,
        ``desa_kelurahan``; ``urusan``, ``bidang_urusan``)
    :param limit: at most this many (default 20, at most 100)
    :returns: list of ``{code, name, level, parent, label}``
    """
    tk.check_access("walidata_reference_search", context, data_dict)
    scheme = data_dict.get("scheme") or "wilayah"
    if scheme not in SCHEMES:
        raise tk.ValidationError({"scheme": [tk._("Unknown scheme; use one of: {schemes}").format(
            schemes=", ".join(SCHEMES))]})
    try:
        limit = min(max(int(data_dict.get("limit") or 20), 1), 100)
    except ValueError:
        raise tk.ValidationError({"limit": [tk._("Enter a whole number.")]}) from None
    try:
        return reference.search(str(data_dict.get("q") or ""), scheme,
                                level=data_dict.get("level") or None, limit=limit)
    except ValueError as error:
        raise tk.ValidationError({"level": [str(error)]}) from None




# --- Klinik Walidata ---------------------------------------------------------------------


def _dataset_and_review(dataset_id: str, create: bool = True
                        ) -> tuple[dict[str, Any], store.Review]:
    """The dataset and its review; reading (``create=False``) writes nothing.

    A dataset without a review row is a draft, or published when it was already public
    before the review existed (new Satu Data datasets are always created private).
    """
    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": dataset_id})
    if dataset["type"] not in roles.workflow_types():
        raise tk.ValidationError({"id": [tk._(
            "Datasets of type {type} are not reviewed; move them to a Satu Data type "
            "first.").format(type=dataset["type"])]})
    initial = machine.State.DRAFT if dataset.get("private") else machine.State.PUBLISHED
    if create:
        return dataset, store.ensure(dataset["id"], initial)
    existing = store.get(dataset["id"])
    if existing is None:
        existing = store.Review(dataset["id"], initial, 0, None, None,
                                dt.datetime.now(dt.timezone.utc), 0)
    return dataset, existing


def _facts(dataset: dict[str, Any], review: store.Review, user: model.User | None,
           comment: str, quality: dict[str, Any]) -> machine.Facts:
    """What the state machine decides on: roles, completeness, files, checks."""
    return machine.Facts(
        roles=roles.roles_for(user, dataset), actor=user.name if user else "",
        submitter=review.submitted_by, producer=roles.producer(user, dataset),
        actor_is=roles.describe(user, dataset), data_group=dataset["type"],
        completeness=helpers.walidata_completeness(dataset).score,
        min_completeness=tk.config.get("ckanext.walidata.workflow.min_completeness"),
        resources=len(dataset.get("resources") or []), comment=comment,
        blocking_checks=tuple(quality["blocking"]),
        pembina_configured=dataset["type"] in machine.QA_GROUPS
        and bool(roles.pembina_users(dataset["type"])))


def _checks_of_event(quality: dict[str, Any]) -> dict[str, Any]:
    """The checks as they stood at a decision, for the timeline and the berita acara."""
    return {"status": quality["status"], "errors": quality["errors"],
            "warnings": quality["warnings"],
            "resources": [{key: item[key] for key in (
                "resource_id", "name", "status", "errors", "warnings", "open_warnings",
                "justifications")} for item in quality["resources"]]}


def _state_label(state: machine.State) -> str:
    return helpers.language_text(machine.LABELS[state])


def _transition(action: str, context: dict[str, Any], data_dict: dict[str, Any]
                ) -> dict[str, Any]:
    """Carry out one review action: decide, compare-and-set, record, take effect."""
    tk.check_access(f"walidata_{action}", context, data_dict)
    dataset_id = tk.get_or_bust(data_dict, "id")
    # Only who may read the dataset learns anything about it (its type, state, score).
    tk.check_access("package_show", dict(context), {"id": dataset_id})
    user = model.User.get(context.get("user") or "")
    dataset, review = _dataset_and_review(dataset_id)
    comment = str(data_dict.get("comment") or "").strip()
    findings = [comment] if action == "return" and comment else []
    actor_roles = roles.roles_for(user, dataset)
    score = helpers.walidata_completeness(dataset).score
    quality = quality_review.dataset_quality(dataset)
    facts = _facts(dataset, review, user, comment, quality)
    try:
        transition, to_state = machine.decide(action, review.state, facts)
    except machine.GuardFailed as refused:
        raise tk.ValidationError({"state": refused.messages(tk._, _state_label)}) from None
    try:
        moved = store.move(review, to_state, facts.actor, new_round=action == "submit")
    except store.Conflict as conflict:
        now = _state_label(conflict.current.state) if conflict.current else "?"
        raise tk.ValidationError({"state": [tk._(
            "Someone else acted on this dataset first (it is now {state}); reload the page "
            "and decide again.").format(state=now)]}) from None
    try:
        minutes_number = minutes_sha256 = None
        if "berita_acara" in transition.effects:
            minutes_number, minutes_sha256 = _make_minutes(dataset, moved, facts, quality)
        store.add_event(moved, action, review.state, facts.actor,
                        sorted(r.value for r in actor_roles), comment, findings,
                        checks=_checks_of_event(quality) if quality["resources"] else None,
                        completeness=score, minutes_number=minutes_number,
                        minutes_sha256=minutes_sha256)
        original_id = revision.original_of(dataset["id"])
        if {"make_public", "make_private"} & set(transition.effects) and not (
                original_id and "make_public" in transition.effects):
            # Set on the row itself: package_update counts a change of `private` alone
            # as no change and rolls it back.
            package = model.Package.get(dataset["id"])
            package.private = "make_private" in transition.effects
            package.metadata_modified = dt.datetime.utcnow()
        _record_activity(dataset["id"], facts.actor, action, review.state, moved.state,
                         comment)
        # Who may read it follows the new state (permission labels): reindex it in the
        # same transaction, then commit state, event, minutes and index together.
        logic.index_update_package({"ignore_auth": True}, dataset["id"])
        model.repo.commit()
    except Exception:
        model.Session.rollback()
        raise
    if original_id and "make_public" in transition.effects:
        _publish_revision(dataset["id"], original_id, facts, actor_roles)
    notify.after_transition(action, transition.effects, dataset, moved, facts.actor, comment)
    return walidata_review_show(dict(context, ignore_auth=True), {"id": dataset["id"]})


def _publish_revision(revision_id: str, original_id: str, facts: machine.Facts,
                      actor_roles: frozenset[machine.Role]) -> None:
    """The approved copy replaces the public version; the original's log says so."""
    approved = tk.get_action("package_show")({"ignore_auth": True}, {"id": revision_id})
    revision.apply(approved, original_id, facts.actor)
    original = store.get(original_id)
    if original is not None:
        store.add_event(original, "publish", original.state, facts.actor,
                        sorted(r.value for r in actor_roles),
                        f"revision {approved['name']}", completeness=facts.completeness)
    logic.index_update_package({"ignore_auth": True}, original_id)
    model.repo.commit()


def walidata_revise(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Start the next period of a published dataset on a private copy.

    The public keeps the approved version; the copy (metadata and files) is edited and goes
    through the whole review; publishing it carries it over to the original.

    :param id: the published dataset
    :returns: the copy (a draft dataset)
    """
    tk.check_access("walidata_revise", context, data_dict)
    dataset_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("package_show", dict(context), {"id": dataset_id})
    dataset, review = _dataset_and_review(dataset_id, create=False)
    user = model.User.get(context.get("user") or "")
    if machine.Role.PRODUSEN not in roles.roles_for(user, dataset):
        raise tk.NotAuthorized(tk._("Only the dataset's OPD starts a new period."))
    if review.state != machine.State.PUBLISHED:
        raise tk.ValidationError({"state": [tk._(
            "Only a published dataset gets a new period; this one is {state}.").format(
                state=helpers.language_text(machine.LABELS[review.state]))]})
    if revision.open_revisions(dataset["id"]):
        raise tk.ValidationError({"id": [tk._(
            "A new period of this dataset is already being prepared.")]})
    return revision.start(dataset, {"user": user.name})


def _record_activity(dataset_id: str, actor: str, action: str, from_state: machine.State,
                     to_state: machine.State, comment: str) -> None:
    """A 'changed package' entry in the activity stream, visible to who may read the dataset."""
    if not p.plugin_loaded("activity"):
        return
    package = model.Package.get(dataset_id)
    tk.get_action("activity_create")({"ignore_auth": True, "defer_commit": True}, {
        "user_id": actor, "object_id": dataset_id, "activity_type": "changed package",
        "permission_labels": get_permission_labels().get_dataset_labels(package),
        "data": {
            "package": tk.get_action("package_show")(
                {"ignore_auth": True, "for_view": False}, {"id": dataset_id}),
            "actor": actor,
            "walidata_review": {"action": action, "from": from_state.value,
                                "to": to_state.value, "comment": comment},
        },
    })


def _minutes_checks(quality: dict[str, Any]) -> tuple[Any, ...]:
    """One line per checked file in the berita acara, warnings with their justification."""
    from ..workflow import minutes

    lines = []
    for item in quality["resources"]:
        status = ("gagal" if item["errors"] or item["status"] != "success"
                  else "peringatan" if item["warnings"] else "lulus")
        detail = f"{item['rows']} baris, {item['errors']} galat, {item['warnings']} peringatan"
        for error_type, note in item["justifications"].items():
            detail += f"; {error_type}: {note['justification']} ({note['author']})"
        lines.append(minutes.CheckResult(name=item["name"], status=status, detail=detail))
    return tuple(lines)


def _make_minutes(dataset: dict[str, Any], review: store.Review,
                  facts: machine.Facts, quality: dict[str, Any]) -> tuple[str, str]:
    from ..workflow import minutes
    from ..workflow.template_helpers import display_name

    number = minutes.minutes_number(tk.config.get("ckanext.walidata.minutes.prefix"),
                                    dt.date.today().year, store.next_minutes_sequence())
    history = store.events(dataset["id"])
    # Everyone who acted, in every round, by full name (the minutes label their roles).
    signatories = minutes.people(history, display_name)
    now = dt.datetime.now(dt.timezone.utc)
    record = minutes.MinutesRecord(
        number=number, portal=tk.config.get("ckan.site_title"),
        dataset_title=dataset["title"], dataset_name=dataset["name"],
        dataset_id=dataset["id"], dataset_type=dataset["type"],
        organization=(dataset.get("organization") or {}).get("title", ""),
        version=review.round,
        period=f"{dataset.get('periode_mulai', '')} s.d. {dataset.get('periode_selesai', '')}",
        completeness=facts.completeness, checks=_minutes_checks(quality),
        findings=tuple(event["comment"] for event in history
                       if event["action"] == "return" and event["round"] <= review.round),
        signatories=signatories + (minutes.Signatory(
            role="walidata", name=display_name(facts.actor), action="ratify", at=now,
            round=review.round),),
        ratified_at=now, zone=tk.config.get("ckan.display_timezone") or "",
        url=tk.url_for(f"{dataset['type']}.read", id=dataset["name"], _external=True))
    pdf = minutes.render(record)
    sha256 = minutes.fingerprint(pdf)
    store.store_minutes(number, dataset["id"], review.round, pdf, sha256)
    return number, sha256


def walidata_submit(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The OPD submits a dataset to the walidata desk.

    :param id: dataset id or name
    :param comment: optional note for the desk
    :returns: the review (see ``walidata_review_show``)
    """
    return _transition("submit", context, data_dict)


def walidata_verify(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The walidata takes up a submission, then passes its verification (to QA or ratification).

    :param id: dataset id or name
    :param comment: optional note
    """
    return _transition("verify", context, data_dict)


def walidata_return(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Send a dataset back to its OPD with a written finding.

    :param id: dataset id or name
    :param comment: the finding (required)
    """
    return _transition("return", context, data_dict)


def walidata_qa_approve(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The pembina data of the dataset's group signs off its quality.

    :param id: dataset id or name
    :param comment: optional note
    """
    return _transition("qa_approve", context, data_dict)


def walidata_ratify(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The walidata ratifies a verified dataset; a numbered berita acara (PDF) is made.

    :param id: dataset id or name
    :param comment: optional note for the minutes
    """
    return _transition("ratify", context, data_dict)


def walidata_publish(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The walidata publishes a ratified dataset: it becomes public.

    :param id: dataset id or name
    """
    return _transition("publish", context, data_dict)


def walidata_withdraw(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """Withdraw a dataset from the review (OPD) or from the portal (walidata, with a reason).

    :param id: dataset id or name
    :param comment: the reason (required for the walidata)
    """
    return _transition("withdraw", context, data_dict)


def _role_titles(role_codes: list[str]) -> str:
    titles = [tk._(machine.ROLE_TITLES[machine.Role(code)]) for code in role_codes
              if code in {role.value for role in machine.Role}]
    return ", ".join(titles) or tk._(machine.NO_ROLE)


def _without_people(record: Any) -> Any:
    """``record`` with every user name replaced by the role the person acted in.

    Where ``ckan.auth.public_user_details`` is false, who reviewed a dataset is not for
    every reader: an event shows its actor's roles ("Walidata", "Produsen data (OPD)"...),
    a justification its author's role (only the walidata justifies warnings).
    """
    if isinstance(record, list):
        return [_without_people(item) for item in record]
    if not isinstance(record, dict):
        return record
    shown = {key: _without_people(value) for key, value in record.items()}
    if "actor" in shown:
        shown["actor"] = _role_titles(shown.get("actor_roles") or [])
    if "author" in shown:
        shown["author"] = tk._(machine.ROLE_TITLES[machine.Role.WALIDATA])
    return shown


@tk.side_effect_free
def walidata_review_show(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, Any]:
    """The review state of a dataset, its history and what the current user may do.

    :param id: dataset id or name
    :returns: ``{package_id, state, state_label, round, submitted_by, submitted_at,
        updated_at, events: [...], actions: [...], minutes: [...]}``
    """
    tk.check_access("walidata_review_show", context, data_dict)
    dataset, review = _dataset_and_review(tk.get_or_bust(data_dict, "id"), create=False)
    user = model.User.get(context.get("user") or "")
    quality = quality_review.dataset_quality(dataset)
    # A placeholder comment: buttons for actions that need one are shown, the form asks.
    facts = _facts(dataset, review, user, "x", quality)
    history = store.events(dataset["id"])
    people = context.get("ignore_auth") or roles.may_see_people(user, dataset)
    if not people:
        history = [_without_people(event) for event in history]
        quality = _without_people(quality)
    return {
        "package_id": dataset["id"], "name": dataset["name"], "state": review.state.value,
        "state_label": helpers.language_text(machine.LABELS[review.state]),
        "round": review.round,
        "submitted_by": review.submitted_by if people or not review.submitted_by
        else tk._(machine.ROLE_TITLES[machine.Role.PRODUSEN]),
        "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None,
        "updated_at": review.updated_at.isoformat(),
        "events": history,
        "actions": machine.available(review.state, facts),
        "held_back": {action: refused.messages(tk._, _state_label) for action, refused
                      in machine.held_back(review.state, facts).items()},
        "minutes": [e["minutes_number"] for e in history if e["minutes_number"]],
        "quality": quality,
    }


@tk.side_effect_free
def walidata_review_list(context: dict[str, Any], data_dict: dict[str, Any]
                         ) -> dict[str, Any]:
    """The review queue of the walidata desk.

    :param state: one state or a list (default: the states waiting for a reviewer)
    :param organization: OPD name or id, or a list
    :param data_group: statistik, geospasial, keuangan, pendukung (or a list)
    :param overdue: true to list only reviews waiting longer than
        ``ckanext.walidata.workflow.overdue_days``
    :param limit: default 50, at most 500; :param offset: default 0
    :returns: ``{count, results: [{package_id, name, title, data_group, owner_org, state,
        round, submitted_by, submitted_at, updated_at, overdue, checks: {status, errors,
        warnings} or null}]}``
    """
    tk.check_access("walidata_review_list", context, data_dict)

    def as_list(value: Any) -> list[str]:
        if value in (None, ""):
            return []
        return [value] if isinstance(value, str) else list(value)

    states = as_list(data_dict.get("state")) or [s.value for s in machine.REVIEW_STATES]
    unknown = set(states) - {s.value for s in machine.State}
    if unknown:
        raise tk.ValidationError({"state": [tk._("Unknown state: {states}").format(
            states=", ".join(sorted(unknown)))]})
    orgs = []
    for name in as_list(data_dict.get("organization")):
        group = model.Group.get(name)
        if group is None:
            raise tk.ValidationError({"organization": [tk._("Unknown organization: {name}")
                                                       .format(name=name)]})
        orgs.append(group.id)
    days = tk.config.get("ckanext.walidata.workflow.overdue_days")
    threshold = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
    try:
        limit = min(max(int(data_dict.get("limit") or 50), 1), 500)
        offset = max(int(data_dict.get("offset") or 0), 0)
    except ValueError:
        raise tk.ValidationError({"limit": [tk._("Enter a whole number.")]}) from None
    groups = as_list(data_dict.get("data_group"))
    user = model.User.get(context.get("user") or "")
    if not context.get("ignore_auth") and not roles.is_walidata(user):
        # A pembina data sees its own data groups, and only what waits for its QA.
        mine = roles.pembina_groups(user)
        groups = [g for g in groups if g in mine] if groups else mine
        states = [machine.State.QA.value]
    count, rows = store.queue(states, orgs or None, groups or None,
                              threshold if tk.asbool(data_dict.get("overdue")) else None,
                              limit, offset)
    checks = quality_review.queue_checks([row["package_id"] for row in rows])
    for row in rows:
        row["overdue"] = dt.datetime.fromisoformat(row["updated_at"]) < threshold
        row["checks"] = checks.get(row["package_id"])
    return {"count": count, "results": rows}


def walidata_bulk(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """One review action on many datasets (the desk's ratify or publish many at once).

    Every dataset goes through its own guards and its own transaction; one refusal does
    not stop the others.

    :param action: ``verify``, ``qa_approve``, ``ratify``, ``publish`` or ``return`` ...
    :param ids: list of dataset ids or names
    :param comment: optional (required by ``return``)
    :returns: ``{done: n, refused: n, results: [{id, ok, state | errors}]}``
    """
    action = tk.get_or_bust(data_dict, "action")
    ids = data_dict.get("ids") or []
    if action not in machine.ACTIONS:
        raise tk.ValidationError({"action": [tk._("Unknown review action {action}.").format(
            action=action)]})
    if isinstance(ids, str) or not ids:
        raise tk.ValidationError({"ids": [tk._("Give a list of datasets.")]})
    results = []
    for dataset_id in dict.fromkeys(ids):  # once each, in the order given
        try:
            review = _transition(action, dict(context), {
                "id": dataset_id, "comment": data_dict.get("comment", "")})
            results.append({"id": dataset_id, "ok": True, "state": review["state"]})
        except (tk.ValidationError, tk.ObjectNotFound, tk.NotAuthorized) as error:
            model.Session.rollback()
            errors = getattr(error, "error_dict", None) or {"id": [str(error) or
                                                                   tk._("Not found")]}
            results.append({"id": dataset_id, "ok": False, "errors": errors})
        except Exception:  # noqa: BLE001 - one failure must not hide the others' results
            model.Session.rollback()
            log.exception("Bulk %s of %s failed", action, dataset_id)
            results.append({"id": dataset_id, "ok": False, "errors": {"id": [tk._(
                "Unexpected error; nothing was changed for this dataset.")]}})
    done = sum(1 for result in results if result["ok"])
    return {"done": done, "refused": len(results) - done, "results": results}


# --- No way around the review ------------------------------------------------------------


def _created_type(data_dict: dict[str, Any]) -> str:
    """The type package_create will give the dataset (CKAN's default when none is given)."""
    from ckan.lib import plugins as lib_plugins

    if data_dict.get("type"):
        return data_dict["type"]
    try:
        return lib_plugins.lookup_package_plugin().package_types()[0]
    except (AttributeError, IndexError):
        return roles.STOCK_TYPE


@tk.chained_action
def package_create(original: Any, context: dict[str, Any], data_dict: dict[str, Any]
                   ) -> Any:
    """A reviewed dataset starts private, whatever its schema, form or API call says.

    The Satu Data schemas say so too (a validator); this also covers the stock type when
    ``ckanext.walidata.workflow.stock_dataset_type = reviewed`` and any schema that forgot.
    """
    if _created_type(data_dict) in roles.workflow_types():
        data_dict["private"] = True
    return original(context, data_dict)


@tk.chained_action
def package_update(original: Any, context: dict[str, Any], data_dict: dict[str, Any]
                   ) -> Any:
    """A reviewed dataset is public exactly when the walidata has published it.

    package_patch, package_revise, the resource actions and the bulk page all come here.
    """
    package = model.Package.get(str(data_dict.get("id") or data_dict.get("name") or ""))
    if package is not None and package.type in roles.workflow_types():
        data_dict["private"] = not store.published(package.id)
    return original(context, data_dict)


def _bulk_update(name: str, context: dict[str, Any], data_dict: dict[str, Any],
                 change: dict[str, Any]) -> None:
    """CKAN's bulk update of an organization's datasets, with ids CKAN 2.12 gets wrong.

    CKAN 2.12 passes SQLAlchemy rows as ids to package_patch (a 500 on the organization's
    bulk page); here each id is a string. Every dataset is checked first, so that one
    refusal changes nothing: package_update's own auth (the review's lock, types closed
    to OPDs), and making a reviewed dataset public, which is the walidata's publication.
    """
    tk.check_access(name, context, data_dict)
    ids = data_dict.get("datasets") or []
    packages = model.Session.query(model.Package).filter(
        model.Package.id.in_(ids if isinstance(ids, list) else [ids]),
        model.Package.owner_org == data_dict.get("org_id")).order_by(model.Package.name).all()
    refusals = []
    for package in packages:
        try:
            tk.check_access("package_update", logic.fresh_context(context), {"id": package.id})
        except tk.NotAuthorized as error:
            refusals.append(f"{package.title or package.name}: {error}")
            continue
        if package.type in roles.workflow_types() and "private" in change and \
                change["private"] != (not store.published(package.id)):
            refusals.append(tk._(
                "{dataset}: goes through the Klinik Walidata, where only the walidata makes "
                "it public (by publishing it) or private (by withdrawing it). Submit it "
                "for review instead.").format(dataset=package.title or package.name))
    if refusals:
        raise tk.NotAuthorized(" ".join(refusals))
    for package in packages:
        tk.get_action("package_patch")(logic.fresh_context(context),
                                       dict(change, id=package.id))


@tk.chained_action
def bulk_update_private(original: Any, context: dict[str, Any], data_dict: dict[str, Any]
                        ) -> None:
    """Make datasets of an organization private (CKAN's, not called: see _bulk_update)."""
    _bulk_update("bulk_update_private", context, data_dict, {"private": True})


@tk.chained_action
def bulk_update_public(original: Any, context: dict[str, Any], data_dict: dict[str, Any]
                       ) -> None:
    """Make datasets of an organization public; reviewed ones only through the review."""
    _bulk_update("bulk_update_public", context, data_dict, {"private": False})


@tk.chained_action
def bulk_update_delete(original: Any, context: dict[str, Any], data_dict: dict[str, Any]
                       ) -> None:
    """Delete datasets of an organization (CKAN's, not called: see _bulk_update)."""
    _bulk_update("bulk_update_delete", context, data_dict, {"state": "deleted"})


GUARD_ACTIONS = (package_create, package_update, bulk_update_private, bulk_update_public,
                 bulk_update_delete)

WORKFLOW_ACTIONS = (walidata_revise, walidata_bulk, walidata_submit, walidata_verify,
                    walidata_return, walidata_qa_approve, walidata_ratify, walidata_publish,
                    walidata_withdraw, walidata_review_show, walidata_review_list)


def get_actions() -> dict[str, Any]:
    return with_checked_references({f.__name__: f for f in (
        walidata_reference_search, *WORKFLOW_ACTIONS, *GUARD_ACTIONS)})
