"""Load the demo catalogue into a configured CKAN through its action API.

Called by ``ckan walidata demo load`` inside the CKAN app context. Everything goes
through actions (as the site user, auth ignored) so that validators, search
indexing, activities and the upload storage behave exactly as for real users.
The review (Klinik Walidata) is walked last, with auth: each ``walidata_*`` action
is called as the demo user whose role it is (the OPD's operator, ``walidata``, the
pembina data), so that roles and guards run as in the web forms (see ``_walk_reviews``).

Datasets are created with their Satu Data type (statistik, geospasial, keuangan,
pendukung; a few stay of the stock type with free extras) and with only the
metadata their completeness tier keeps: ``Dataset.package()`` and
``Resource.fields()`` in the catalogue leave the rest out, so that the catalogue
can also predict the scores without CKAN (``python -m ...demo.catalogue --scores``).

The load is idempotent: objects are looked up by name and skipped when present,
and a dataset that exists but lacks some of its resources gets the missing ones
(e.g. after an interrupted run). Existing objects are never modified, with one
exception: the ``admin`` account is made sysadmin if it is not. Objects left by
the demo of an older version (OPDs without the OPD fields, datasets of another
type) are reported; reset the database to get the current demo. The review walk
is idempotent too: a dataset whose review history is the start of its planned path
takes the remaining steps; one at its target, beyond it or off the plan (someone
acted on it in the portal) is left as it is.
"""

from __future__ import annotations

import io
import logging
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import click
from ckan.lib import uploader
from werkzeug.datastructures import FileStorage

from ckanext.walidata.demo import catalogue as cat

ADMIN_PASSWORD_ENV = "WALIDATA_ADMIN_PASSWORD"
DEFAULT_ADMIN_PASSWORD = "walidata-admin-2026"

KINDS = ("users", "organizations", "memberships", "groups", "datasets", "resources")


class DemoLoadError(click.ClickException):
    """The demo cannot be loaded; the message says what to fix (click prints it cleanly)."""


class _Api:
    """Calls actions as the site user, with a fresh context per call (actions mutate it)."""

    def __init__(self, user: str) -> None:
        self.user = user

    def __call__(self, action: str, data: dict[str, Any]) -> Any:
        context = {"user": self.user, "ignore_auth": True}
        try:
            return tk.get_action(action)(context, data)
        except tk.ValidationError as err:
            label = data.get("name") or data.get("id") or data.get("package_id") or ""
            raise DemoLoadError(f"{action} {label}: {err.error_dict}") from err

    def find(self, action: str, name: str, **options: Any) -> dict[str, Any] | None:
        """The object called ``name``, or None when it does not exist."""
        try:
            return self(action, {"id": name, **options})
        except tk.ObjectNotFound:
            return None


class _Report:
    """Counts what was created and skipped, and tells the user as it goes."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo
        self.created: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.reviews: Counter[str] = Counter()  # moved, at_target, left, failed
        self.transitions = 0
        self.states: Counter[str] = Counter()  # review state of each reviewed dataset after
        self.failures: list[str] = []

    def create(self, kind: str, label: str) -> None:
        self.created[kind] += 1
        self.echo(f"  + {kind[:-1]} {label}")

    def skip(self, kind: str, label: str, why: str = "") -> None:
        self.skipped[kind] += 1
        if why:  # plain "already there" skips are only counted, not listed
            self.echo(f"  = {kind[:-1]} {label}: {why}")

    def as_dict(self) -> dict[str, int]:
        counts = {k: self.created[k] + self.skipped[k] for k in KINDS}
        counts["created"] = sum(self.created.values())
        counts["skipped"] = sum(self.skipped.values())
        counts["transitions"] = self.transitions
        counts.update({f"review_{state}": n for state, n in self.states.items()})
        return counts

    def summary(self) -> None:
        for kind in KINDS:
            self.echo(f"  {kind:<14}{self.created[kind] + self.skipped[kind]:>4}"
                      f"  (created {self.created[kind]}, skipped {self.skipped[kind]})")
        if self.states:
            r = self.reviews
            self.echo(f"  {'reviews':<14}{sum(self.states.values()):>4}  (moved {r['moved']} "
                      f"in {self.transitions} transitions, at target {r['at_target']}, "
                      f"left as they are {r['left']}, failed {r['failed']})")
            order = [*cat.DEMO_STATES, *sorted(set(self.states) - set(cat.DEMO_STATES))]
            self.echo("Klinik Walidata: " + ", ".join(f"{state} {self.states[state]}"
                                                    for state in order if self.states[state]))


def load(verbose: bool = True) -> dict[str, int]:
    """Create the demo users, OPDs, sectors, datasets and uploaded files; skip what exists.

    Returns the number of objects of each kind the catalogue defines (all present
    after the run) plus the totals ``created`` and ``skipped``.
    """
    echo: Callable[[str], None] = click.echo if verbose else (lambda _msg: None)
    issues = cat.problems()
    if issues:
        raise DemoLoadError("demo catalogue is inconsistent: " + "; ".join(issues))
    _check_upload_storage()
    admin_password = _admin_password()

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    api = _Api(site_user)
    report = _Report(echo)

    echo("Loading the Satu Data NTT demo catalogue")
    admin_existed = _load_users(api, report, admin_password)
    _load_organizations(api, report)
    _load_groups(api, report)
    _load_datasets(api, report)
    _run_checks(api, report)
    _walk_reviews(api, report)

    counts = report.as_dict()
    echo(f"Done: created {counts['created']}, skipped {counts['skipped']} (already present)")
    report.summary()
    if admin_existed:
        echo(f"Sysadmin login: {cat.ADMIN_USER} (account already existed; password unchanged)")
    else:
        echo(f"Sysadmin login: {cat.ADMIN_USER} / {admin_password}")
    others = [u.name for u in cat.USERS if u.password and u.name != site_user]
    echo(f"Other demo logins ({', '.join(others)}) use the password {cat.DEMO_PASSWORD}")
    if report.failures:
        raise DemoLoadError(f"{len(report.failures)} datasets did not reach their review "
                            "state: " + "; ".join(report.failures))
    return counts


# ---------------------------------------------------------------------------


def _check_upload_storage() -> None:
    """Fail early when CKAN would silently store no file (no storage configured)."""
    if not tk.asbool(tk.config.get("ckan.uploads_enabled", True)):
        raise DemoLoadError("ckan.uploads_enabled is false: the demo needs resource uploads")
    probe = uploader.get_resource_uploader({})
    # The legacy uploader has storage_path None without ckan.storage_path; the
    # file-keeper one always has a storage; IUploader plugins are trusted.
    if getattr(probe, "storage_path", "") is None or getattr(probe, "storage", "") is None:
        raise DemoLoadError(
            "no resource storage: set ckan.storage_path (or a 'resources' storage under "
            "ckan.files.storages) so that the demo files can be uploaded"
        )


def _admin_password() -> str:
    password = os.environ.get(ADMIN_PASSWORD_ENV) or DEFAULT_ADMIN_PASSWORD
    if len(password) < 8:
        raise DemoLoadError(f"{ADMIN_PASSWORD_ENV} must be at least 8 characters long")
    return password


def _load_users(api: _Api, report: _Report, admin_password: str) -> bool:
    """Create the accounts; returns whether the sysadmin account already existed."""
    admin_existed = False
    for user in cat.USERS:
        if user.name == api.user:
            # CKAN names its internal site user after ckan.site_id; that account has
            # no password, so the demo account cannot exist under this name.
            report.skip("users", user.name, "name taken by the CKAN site user; set "
                        "ckan.site_id to another value (e.g. satudata-ntt) to get this login")
            continue
        found = api.find("user_show", user.name)
        if found is not None:
            if user.sysadmin and not found.get("sysadmin"):
                api("user_patch", {"id": found["id"], "sysadmin": True})
                report.skip("users", user.name, "existed; made sysadmin")
            else:
                report.skip("users", user.name)
            admin_existed = admin_existed or user.name == cat.ADMIN_USER
            continue
        api("user_create", {
            "name": user.name,
            "fullname": user.fullname,
            "email": user.email,
            "password": user.password or admin_password,
            "about": user.about,
            "sysadmin": user.sysadmin,
        })
        report.create("users", user.name)
    return admin_existed


def _load_organizations(api: _Api, report: _Report) -> None:
    for org in cat.ORGANIZATIONS:
        found = api.find("organization_show", org.name, include_users=True,
                         include_datasets=False)
        if found is None:
            found = api("organization_create", {
                "name": org.name,
                "title": org.title,
                "description": org.description,
                **org.fields(),
            })
            report.create("organizations", org.name)
        elif not found.get("kode_opd"):
            report.skip("organizations", org.name, "made by an older demo, without the OPD "
                        "fields (kode_opd, urusan, alamat, walidata pendukung); kept as it is")
        else:
            report.skip("organizations", org.name)
        members = {u["name"] for u in found.get("users", [])}
        for user in cat.USERS:
            if user.organization != org.name or user.name == api.user:
                continue
            label = f"{user.name} ({user.capacity}) in {org.name}"
            if user.name in members:  # keep whatever role it has now
                report.skip("memberships", label)
                continue
            api("organization_member_create", {
                "id": org.name, "username": user.name, "role": user.capacity,
            })
            report.create("memberships", label)


def _load_groups(api: _Api, report: _Report) -> None:
    for group in cat.GROUPS:
        if api.find("group_show", group.name, include_datasets=False) is not None:
            report.skip("groups", group.name)
            continue
        api("group_create", {
            "name": group.name, "title": group.title, "description": group.description,
        })
        report.create("groups", group.name)


def _load_datasets(api: _Api, report: _Report) -> None:
    for ds in cat.DATASETS:
        pkg = api.find("package_show", ds.name)
        if pkg is None:
            # ds.package() holds what the dataset's completeness tier keeps
            pkg = api("package_create", ds.package())
            report.create("datasets", ds.name)
        elif pkg.get("state") != "active":
            # a deleted dataset still holds its name; leave it to a human
            report.skip("datasets", ds.name, f"exists in state {pkg.get('state')}")
            report.skipped["resources"] += len(ds.resources)
            continue
        elif pkg.get("type") != ds.type:
            report.skip("datasets", ds.name, f"exists as type {pkg.get('type')} (an older "
                        f"demo), not {ds.type}; kept as it is")
        else:
            report.skip("datasets", ds.name)
        present = {r.get("name") for r in pkg.get("resources", [])}
        for res in ds.resources:
            label = f"{ds.name}/{res.filename}"
            if res.name in present:
                report.skip("resources", label)
                continue
            _upload_resource(api, pkg["id"], ds, res)
            report.create("resources", label)


def _upload_resource(api: _Api, package_id: str, ds: cat.Dataset, res: cat.Resource) -> None:
    """Upload one file through resource_create, the same path as the web form.

    package_create does not store files of inline resources; resource_create
    (via package_update) hands ``upload`` to the configured resource uploader.
    """
    try:
        data = res.path.read_bytes()
    except FileNotFoundError as err:
        raise DemoLoadError(
            f"missing {res.path}; regenerate with `python -m ckanext.walidata.demo.catalogue`"
        ) from err
    created = api("resource_create", {
        "package_id": package_id,
        **res.fields(ds),  # name, format and what the tier keeps: description, dictionary
        "url": res.filename,
        "url_type": "upload",
        "upload": FileStorage(stream=io.BytesIO(data), filename=res.filename,
                              content_type=res.mimetype),
    })
    if created.get("url_type") != "upload":
        raise DemoLoadError(f"{res.filename} was not stored as an upload: check the storage")


# ---------------------------------------------------------------------------
# Klinik Walidata: walk the datasets through the review


class _MailLog(logging.Filter):
    """Keeps the review mail's log lines out of the load's output and counts the failures.

    Without a mail server every transition logs a traceback (CKAN's mailer) and a
    warning (workflow.notify) per recipient; the load shows one line with the count.
    """

    LOGGERS = ("ckan.lib.mailer", "ckanext.walidata.workflow.notify")

    def __init__(self) -> None:
        super().__init__()
        self.failed = 0
        self.first = ""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "ckanext.walidata.workflow.notify" and record.levelno >= logging.WARNING:
            self.failed += 1
            self.first = self.first or record.getMessage()
        return False

    def __enter__(self) -> _MailLog:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)


def _run_checks(api: _Api, report: _Report) -> None:
    """Check every demo table here and now, as the jobs worker would, before the review.

    A table already checked in its current version is left alone, so a second load is quick.
    """
    from ckanext.walidata.validation import review, runner

    checked = 0
    for ds in cat.DATASETS:
        dataset = api.find("package_show", ds.name)
        if dataset is None:
            continue
        for item in review.dataset_quality(dataset)["resources"]:
            if item["current"] and item["status"] not in ("created", "running"):
                continue
            resource = next(r for r in dataset["resources"] if r["id"] == item["resource_id"])
            status = runner.run_now(dataset, resource, api.user)
            checked += 1
            if status != "success":
                report.echo(f"  ! checks of {ds.name}/{resource['name']}: {status}")
    report.echo(f"Quality checks run on {checked} tables")


def _review_blockers() -> list[str]:
    """What in the configuration keeps the walk from running as the catalogue plans it."""
    from ckanext.walidata.workflow import roles

    out = []
    missing = [line for pembina, line in zip(cat.PEMBINA, cat.pembina_config(), strict=True)
               if pembina.user not in roles.pembina_users(pembina.group)]
    if missing:
        out.append("the demo's pembina data are not configured; add to the ini file: "
                   + "; ".join(missing))
    if not tk.config.get("smtp.mail_from"):
        out.append("smtp.mail_from is not set, and CKAN's mailer then fails on every review "
                   f"e-mail; add e.g. smtp.mail_from = satudata@{cat.EMAIL_DOMAIN}")
    if not roles.is_walidata(model.User.get(cat.WALIDATA_USER)):
        out.append(f"the user {cat.WALIDATA_USER} is no walidata: it is an admin of "
                   f"{cat.WALIDATA_ORG}, but ckanext.walidata.walidata_organization is "
                   f"{roles.walidata_organization()}")
    if cat.NAMED_WALIDATA_USER not in roles.walidata_users():
        out.append(f"the user {cat.NAMED_WALIDATA_USER}, who reviews {cat.WALIDATA_ORG}'s own "
                   f"datasets, is no walidata; add to the ini file: {cat.walidata_config()}")
    if set(roles.workflow_types()) != set(cat.reviewed_types()):
        out.append(f"ckanext.walidata.workflow.types is {' '.join(roles.workflow_types())}; "
                   f"the demo's plan reviews {' '.join(cat.reviewed_types())}")
    needed = tk.config.get("ckanext.walidata.workflow.min_completeness")
    if needed != cat.min_completeness():
        out.append(f"ckanext.walidata.workflow.min_completeness is {needed}; the demo's plan "
                   f"assumes {cat.min_completeness()}")
    return out


def _walk_reviews(api: _Api, report: _Report) -> None:
    """Take every reviewed dataset to the state the catalogue plans for it (cat.REVIEWS).

    Each step is the real action called as its actor, without ignore_auth, so the
    state machine checks roles and guards; e-mails go out as after any transition.
    """
    blockers = _review_blockers()
    if blockers:
        report.echo("Klinik Walidata: review not walked; the reviewed datasets stay where "
                    "they are (new ones in draft, private). Fix this and run the load again:")
        for reason in blockers:
            report.echo(f"  - {reason}")
        return
    report.echo("Walking the datasets through the Klinik Walidata")
    with _MailLog() as mail:
        for ds in cat.DATASETS:
            if cat.review_of(ds) is not None:
                report.states[_walk_one(api, report, ds)] += 1
    if mail.failed:
        report.echo(f"  {mail.failed} review e-mails not sent (no mail server?); the "
                    f"transitions stand. First: {mail.first}")


def _walk_one(api: _Api, report: _Report, ds: cat.Dataset) -> str:
    """Take one dataset the rest of its planned path; returns its review state afterwards."""
    try:
        review = api("walidata_review_show", {"id": ds.name})
    except tk.ObjectNotFound:
        report.reviews["failed"] += 1
        report.failures.append(f"{ds.name}: dataset missing")
        return "missing"
    except DemoLoadError as err:  # e.g. a dataset of an older demo, of another type
        report.reviews["left"] += 1
        report.echo(f"  = review {ds.name}: {err.message}")
        return "not reviewed"
    state = review["state"]
    planned = cat.review_steps(ds)
    done = [(event["action"], event["to_state"]) for event in review["events"]
            if event["action"] != "check"]  # the checks' own entries in the timeline
    path = [(step.action, step.to_state) for step in planned]
    if done != path[:len(done)] or (not done and state != "draft"):
        report.reviews["left"] += 1
        why = ("is already beyond its target" if done[:len(path)] == path and done
               else "has a history that is not the demo's plan")
        report.echo(f"  = review {ds.name}: {why} (now {state}); left as it is")
        return state
    remaining = planned[len(done):]
    if not remaining:
        report.reviews["at_target"] += 1
        return state
    start = state
    for step in remaining:
        try:
            result = tk.get_action(f"walidata_{step.action}")(
                {"user": step.actor}, {"id": review["package_id"], "comment": step.comment})
        except (tk.ValidationError, tk.NotAuthorized) as err:
            detail = getattr(err, "error_dict", None) or str(err)
            report.reviews["failed"] += 1
            report.failures.append(f"{ds.name}: {step.action} by {step.actor} in state {state} "
                                   f"refused: {detail}")
            report.echo(f"  ! review {ds.name}: {step.action} by {step.actor} refused: {detail}")
            return state
        report.transitions += 1
        state = result["state"]
        if state != step.to_state:
            report.reviews["failed"] += 1
            report.failures.append(f"{ds.name}: {step.action} by {step.actor} led to {state}, "
                                   f"not {step.to_state}")
            return state
    report.reviews["moved"] += 1
    steps = f"{len(remaining)} step{'s' if len(remaining) > 1 else ''}"
    report.echo(f"  > review {ds.name}: {start} -> {state} ({steps})")
    return state
