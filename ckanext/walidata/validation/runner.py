"""Validation of CKAN resources: which to check, when, with what context, and storing it.

A changed CSV/XLSX resource gets a ``created`` row in the same transaction as the change;
its job is queued on CKAN's Redis queue only after that transaction commits (a worker never
sees a resource its writer has not committed, and a rolled back change queues nothing).
The job streams the file through ``quality.engine`` and stores report, summary and profile
in one transaction with the inferred data dictionary and the search index.

What a check may read and spend: a linked file is downloaded through ``quality.fetch``
(public addresses only, bounded redirects, size and time) and frictionless reads the local
copy; an XLSX is judged by ``quality.archive`` before it is unpacked; a job in the worker
runs under a time and a memory limit (:func:`job_limits`); and a web request checks only
small files (:func:`run_now`), handing bigger ones to the worker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import resource as rlimits
import signal
import tempfile
import threading
import types
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import ckan.lib.uploader as uploader
import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from file_keeper import FileData, Location
from rq import Retry, get_current_job

from ..quality import limits
from ..quality.formats import format_of
from ..workflow import machine
from ..workflow import store as review_store
from . import store

# The checks (frictionless and its dependencies) load on first use, not with the plugin.
if TYPE_CHECKING:
    from ..quality import archive, engine, fetch
    from ..quality.context import CheckContext, Peer
    from ..quality.profile import Profile

log = logging.getLogger(__name__)

PENDING = "walidata_validation_pending"
# Worst first: the status a dataset shows is the worst of its resources'.
STATUS_ORDER = ("error", "failure", "running", "created", "success")


def is_tabular(resource: Mapping[str, Any]) -> bool:
    return format_of(str(resource.get("url") or ""), str(resource.get("format") or "")
                     ) is not None


def fetch_limits(max_bytes: int | None = None, in_request: bool = False
                 ) -> fetch.FetchLimits:
    """The download limits from the options; ``max_bytes`` lowers the size limit."""
    from ..quality import fetch

    try:
        allowed = fetch.AllowList.parse(
            tk.config.get("ckanext.walidata.quality.fetch_allowed_hosts") or [])
    except ValueError as error:
        raise limits.CheckRefused(
            "The option ckanext.walidata.quality.fetch_allowed_hosts is not valid: {error}.",
            error=str(error)) from error
    largest = tk.config.get("ckan.max_resource_size") * limits.MB
    timeout = tk.config.get("ckanext.walidata.quality.fetch_timeout")
    return fetch.FetchLimits(
        max_bytes=min(largest, max_bytes) if max_bytes is not None else largest,
        timeout=timeout, deadline=timeout if in_request else None,
        max_redirects=tk.config.get("ckanext.walidata.quality.fetch_max_redirects"),
        allowed=allowed)


@contextlib.contextmanager
def local_source(resource: Mapping[str, Any], max_bytes: int | None = None,
                 in_request: bool = False) -> Iterator[str]:
    """A local path of the resource's file, for frictionless (which never opens a URL).

    An upload is read where the storage keeps it; a link is downloaded into a temporary
    file through ``quality.fetch``'s guards. ``max_bytes`` limits the file's size (a file
    beyond it raises ``limits.BeyondLimit``); a link is always limited by
    ``ckan.max_resource_size``, and in a web request also by ``fetch_timeout`` in all.
    """
    url = str(resource.get("url") or "")
    # The copy is named by the table's format, never by the link's name: frictionless would
    # unpack a ``.gz`` or ``.zip`` copy (a compression bomb) without the XLSX limits.
    fmt = format_of(url, str(resource.get("format") or ""))
    suffix = f".{fmt}" if fmt else ""
    if resource.get("url_type") == "upload":
        upload = uploader.get_resource_uploader(dict(resource))
        path = upload.get_path(resource["id"])
        if path and os.path.exists(path):
            if max_bytes is not None and os.path.getsize(path) > max_bytes:
                raise limits.too_large(max_bytes)
            yield path
            return
        storage = getattr(upload, "storage", None)
        if storage is None or not hasattr(storage, "stream"):
            raise FileNotFoundError(tk._("The uploaded file is missing from the storage."))
        location = Location(path)
        size = storage.size(location)
        if max_bytes is not None and size > max_bytes:
            raise limits.too_large(max_bytes)
        with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
            for chunk in storage.stream(FileData(location, size=size)):
                copy.write(chunk)
            copy.flush()
            yield copy.name
        return
    from ..quality import fetch

    guards = fetch_limits(max_bytes, in_request)
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        fetch.fetch(url, copy, guards)
        yield copy.name


# --- what the checks know beyond the file ------------------------------------------------

_CODES: dict[str, tuple[Any, dict[str, str]]] = {}


def reference_codes(scheme: str) -> dict[str, str]:
    """Code → level of a reference list, cached per process until the list is reloaded."""
    version = model.Session.execute(sa.text(
        "SELECT version FROM walidata_reference_load WHERE scheme = :scheme"),
        {"scheme": scheme}).scalar()
    cached = _CODES.get(scheme)
    if cached is None or cached[0] != version:
        rows = model.Session.execute(sa.text(
            "SELECT code, level FROM walidata_reference_code WHERE scheme = :scheme"),
            {"scheme": scheme}).all()
        _CODES[scheme] = cached = (version, {row.code: row.level for row in rows})
    return cached[1]


def _matching_resource(resource: Mapping[str, Any], candidates: list[dict[str, Any]],
                       position: int) -> dict[str, Any] | None:
    """The same table in another version of the dataset: by name, else by position."""
    tabular = [r for r in candidates if is_tabular(r)]
    for candidate in tabular:
        if candidate.get("name") and candidate.get("name") == resource.get("name"):
            return candidate
    return tabular[position] if position < len(tabular) else None


def previous_period(dataset: Mapping[str, Any], resource: Mapping[str, Any]
                    ) -> tuple[Profile, str] | None:
    """The previous period's profile of this table.

    A new period prepared as a revision compares with the published original; otherwise
    with the dataset named in ``periode_sebelumnya``.
    """
    from ..quality.profile import Profile
    from ..workflow import revision

    previous_id = revision.original_of(dataset["id"]) or dataset.get("periode_sebelumnya")
    if not previous_id:
        return None
    previous = model.Package.get(previous_id)
    if previous is None or previous.state != "active" or previous.id == dataset["id"]:
        return None
    previous_dict = tk.get_action("package_show")({"ignore_auth": True}, {"id": previous.id})
    tabular = [r for r in dataset.get("resources") or [] if is_tabular(r)]
    position = next((i for i, r in enumerate(tabular) if r["id"] == resource["id"]), 0)
    match = _matching_resource(resource, previous_dict.get("resources") or [], position)
    if match is None:
        return None
    stored = store.profiles([match["id"]]).get(match["id"])
    return (Profile.from_dict(stored), previous_dict["name"]) if stored else None


def peers(dataset: Mapping[str, Any]) -> tuple[Peer, ...]:
    """Profiles of published datasets of other OPDs with the same indicator, region, period."""
    from ..quality.context import Peer
    from ..quality.profile import Profile

    indicator = str(dataset.get("nama_indikator") or "").strip().lower()
    if not indicator or not dataset.get("cakupan_wilayah"):
        return ()
    rows = model.Session.execute(sa.text("""
        SELECT p.name, g.title AS organization, v.profile
        FROM package p
        JOIN "group" g ON g.id = p.owner_org
        JOIN resource r ON r.package_id = p.id AND r.state = 'active'
        JOIN walidata_validation v ON v.resource_id = r.id AND v.profile IS NOT NULL
        WHERE p.state = 'active' AND NOT p.private AND p.id <> :id
          AND p.owner_org IS DISTINCT FROM :org
          AND lower(btrim(p.extras ->> 'nama_indikator')) = :indicator
          AND p.extras ->> 'cakupan_wilayah' = :region
          AND coalesce(p.extras ->> 'periode_mulai', '') = :start
          AND coalesce(p.extras ->> 'periode_selesai', '') = :end
        ORDER BY p.name LIMIT 20"""), {
        "id": dataset["id"], "org": dataset.get("owner_org"), "indicator": indicator,
        "region": dataset["cakupan_wilayah"], "start": dataset.get("periode_mulai") or "",
        "end": dataset.get("periode_selesai") or ""}).all()
    return tuple(Peer(f"{row.name} ({row.organization})", Profile.from_dict(row.profile))
                 for row in rows)


def context_for(dataset: Mapping[str, Any], resource: Mapping[str, Any]) -> CheckContext:
    from ..quality.context import CheckContext

    previous = previous_period(dataset, resource)
    level = dataset.get("tingkat_penyajian")
    return CheckContext(
        region_codes=reference_codes("wilayah"), urusan_codes=reference_codes("urusan"),
        region_levels=frozenset([level]) if level else frozenset(),
        region_coverage=str(dataset.get("cakupan_wilayah") or ""),
        unit=str(resource.get("satuan") or dataset.get("satuan") or ""),
        open_data=(dataset.get("klasifikasi_akses") or "terbuka") == "terbuka",
        previous=previous[0] if previous else None,
        previous_label=previous[1] if previous else "",
        max_change_ratio=tk.config.get("ckanext.walidata.quality.max_change_ratio"),
        peers=peers(dataset),
        max_profile_keys=tk.config.get("ckanext.walidata.quality.profile_keys"))


def table_schema(resource: Mapping[str, Any]) -> dict[str, Any] | None:
    """The resource's data dictionary (ckanext-validation's ``schema`` field), if any."""
    value = resource.get("schema")
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else None
    return value or None


def xlsx_limits() -> archive.XlsxLimits:
    from ..quality import archive

    return archive.XlsxLimits(
        max_unpacked_bytes=tk.config.get("ckanext.walidata.quality.xlsx_max_unpacked_mb")
        * limits.MB,
        max_ratio=tk.config.get("ckanext.walidata.quality.xlsx_max_ratio"),
        max_members=tk.config.get("ckanext.walidata.quality.xlsx_max_members"))


def check(dataset: Mapping[str, Any], resource: Mapping[str, Any],
          progress: engine.Progress | None = None, request_bytes: int | None = None
          ) -> engine.Outcome:
    """Run frictionless and the Satu Data checks over one resource (no storing).

    ``request_bytes``: the check runs in a web request, for files up to that size only (an
    XLSX also unpacked); a bigger one raises ``limits.BeyondLimit``.
    """
    from ..quality import archive, engine

    fmt = format_of(str(resource.get("url") or ""), str(resource.get("format") or ""))
    with local_source(resource, request_bytes, in_request=request_bytes is not None
                      ) as source:
        if request_bytes is not None and fmt == "xlsx":
            unpacked = archive.unpacked_size(source) or 0
            if unpacked > request_bytes:
                raise limits.too_large(request_bytes)
        return engine.validate(source, fmt=fmt or "csv", schema=table_schema(resource),
                               context=context_for(dataset, resource), progress=progress,
                               limit_errors=tk.config.get("ckanext.walidata.quality.limit_errors"),
                               xlsx_limits=xlsx_limits())


# --- scheduling ----------------------------------------------------------------------------


def stored_resources(package_id: str) -> list[dict[str, Any]]:
    """The dataset's active resources as the session holds them (inside a write action)."""
    package = model.Package.get(package_id)
    if package is None:
        return []
    return [dict(resource.extras or {}, id=resource.id, name=resource.name, url=resource.url,
                 url_type=resource.url_type, size=resource.size, format=resource.format,
                 last_modified=resource.last_modified, hash=resource.hash)
            for resource in package.resources]


def schedule(dataset: Mapping[str, Any], user: str | None, force: bool = False) -> list[str]:
    """Request a run for each tabular resource whose file or dictionary changed.

    Called inside the writer's transaction; the jobs are queued when it commits.
    """
    existing = {row["resource_id"]: row for row in
                store.for_packages([dataset["id"]])[dataset["id"]]}
    requested = []
    for resource in dataset.get("resources") or []:
        if not resource.get("id"):
            continue
        if not is_tabular(resource):
            if resource["id"] in existing:
                store.delete(resource["id"])
            continue
        digest = store.fingerprint(resource)
        row = existing.get(resource["id"])
        if not force and row and row["fingerprint"] == digest:
            continue
        run_id = store.request(resource["id"], dataset["id"], digest, user)
        model.Session().info.setdefault(PENDING, []).append((resource["id"], run_id))
        requested.append(resource["id"])
    return requested


def enqueue(resource_id: str, run_id: str) -> None:
    """Queue the job with its limits: rq's timeout, and the memory the job may use."""
    tk.enqueue_job(run_job, [resource_id, run_id],
                   {"memory_mb": tk.config.get("ckanext.walidata.quality.job_memory_mb")},
                   title=f"walidata validate {resource_id}",
                   rq_kwargs={"timeout": tk.config.get("ckanext.walidata.quality.job_timeout"),
                              "retry": Retry(max=2, interval=[10, 60])})


def _after_commit(session: Any) -> None:
    for resource_id, run_id in session.info.pop(PENDING, []):
        try:
            enqueue(resource_id, run_id)
        except Exception:  # noqa: BLE001 - the row stays 'created'; a re-run queues it again
            log.exception("Could not queue the validation of resource %s", resource_id)


def _after_rollback(session: Any, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: its work is gone
        session.info.pop(PENDING, None)


def install_session_hooks() -> None:
    """Queue requested runs after commit, forget them on rollback (once per process)."""
    if not sa.event.contains(model.Session, "after_commit", _after_commit):
        sa.event.listen(model.Session, "after_commit", _after_commit)
        sa.event.listen(model.Session, "after_soft_rollback", _after_rollback)


# --- the job ---------------------------------------------------------------------------------


class TimeLimit(BaseException):
    """The job's time is up. A BaseException, as rq's own timeout is not: frictionless and
    openpyxl turn every ``Exception`` raised while they read into a "bad file" finding,
    which would hide that the check was stopped."""


def _address_space() -> int | None:
    """The process's current address space in bytes (Linux), None where unknown."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def job_limits(memory_mb: int | None) -> Iterator[None]:
    """The time and memory limits of one job in rq's work horse; nothing elsewhere.

    rq forks a work horse per job, so the limits bound that job alone. Time: rq's timeout
    (``job_timeout``) raises :class:`TimeLimit` here instead of rq's exception. Memory:
    ``RLIMIT_AS`` lets the job grow its address space by ``memory_mb`` beyond what the
    horse holds when the job starts (CKAN itself), so an allocation beyond it raises
    MemoryError. Both are undone when the job ends. The CLI's and a web request's
    in-process runs get neither: a limit on the address space or SIGALRM would bound the
    whole process (a web server's threads); the CLI is the operator's, and a web request
    reads small files only (``sync_max_mb``).
    """
    job = get_current_job()
    if job is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    seconds = job.timeout if job.timeout and job.timeout > 0 else None

    def time_is_up(signum: int, frame: types.FrameType | None) -> None:
        raise TimeLimit(seconds)

    previous_handler = signal.signal(signal.SIGALRM, time_is_up)
    if seconds:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    soft, hard = rlimits.getrlimit(rlimits.RLIMIT_AS)
    current = _address_space()
    if memory_mb and current is not None:
        wanted = current + memory_mb * limits.MB
        rlimits.setrlimit(rlimits.RLIMIT_AS, (wanted if hard == rlimits.RLIM_INFINITY
                                              else min(wanted, hard), hard))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        rlimits.setrlimit(rlimits.RLIMIT_AS, (soft, hard))


def _fail(resource_id: str, run_id: str, error: str) -> str:
    """End the run as ``error`` with the reason a person reads on the run."""
    model.Session.rollback()
    store.finish(resource_id, run_id, "error", None, None, None, 0, error=error)
    model.repo.commit()
    return "error"


def run_job(resource_id: str, run_id: str, memory_mb: int | None = None) -> str | None:
    """The background job: validate one resource version; returns the final status.

    Safe to run twice (rq retries a job whose worker died): a run that was superseded by
    a newer request, or already finished, does nothing. A refused file, a timed-out or
    out-of-memory check end the run as ``error`` with the reason and are not retried
    (the same file would fail the same way); an unexpected failure is recorded and
    raised, so that rq retries it.
    """
    return _run(resource_id, run_id, memory_mb=memory_mb)


def _run(resource_id: str, run_id: str, memory_mb: int | None = None,
         request_bytes: int | None = None) -> str | None:
    """``run_job``; ``request_bytes``: in a web request, up to that size (else BeyondLimit
    propagates, for ``run_now`` to queue the file)."""
    if not store.claim(resource_id, run_id):
        log.info("Validation run %s of resource %s is superseded or done", run_id, resource_id)
        return None
    from ..quality import engine  # noqa: F401 - loaded before the limits: they bound the check

    try:
        with job_limits(memory_mb):
            resource_obj = model.Resource.get(resource_id)
            if resource_obj is None or resource_obj.state != "active":
                return _fail(resource_id, run_id, tk._("The resource was deleted."))
            dataset = tk.get_action("package_show")({"ignore_auth": True},
                                                    {"id": resource_obj.package_id})
            resource = next(r for r in dataset["resources"] if r["id"] == resource_id)

            def progress(rows: int, done: int, total: int) -> None:
                store.heartbeat(resource_id, run_id, rows, done, total)

            outcome = check(dataset, resource, progress, request_bytes)
            return record(dataset, resource, run_id, outcome)
    except TimeLimit as error:
        log.warning("Validation of resource %s stopped after %s s", resource_id, error.args[0])
        return _fail(resource_id, run_id, tk._(
            "The check took longer than {seconds} seconds and was stopped; a check may take "
            "at most that long (ckanext.walidata.quality.job_timeout).").format(
                seconds=f"{error.args[0]:,}"))
    except MemoryError:
        log.warning("Validation of resource %s ran out of memory", resource_id)
        if not memory_mb:  # an in-process run: the machine's memory, not a job's limit
            return _fail(resource_id, run_id, tk._(
                "The check ran out of memory and was stopped."))
        return _fail(resource_id, run_id, tk._(
            "The check needed more than {limit} MB of memory and was stopped; a check may "
            "use at most that much (ckanext.walidata.quality.job_memory_mb).").format(
                limit=f"{memory_mb:,}"))
    except limits.CheckRefused as error:
        if request_bytes is not None and isinstance(error, limits.BeyondLimit):
            raise
        log.info("Validation of resource %s refused: %s", resource_id, error)
        _fail(resource_id, run_id, error.render(tk._))
        if error.retry:
            raise
        return "error"
    except Exception as error:
        log.exception("Validation of resource %s failed", resource_id)
        _fail(resource_id, run_id,
              tk._("The check could not run: {error}").format(error=error))
        raise


def record(dataset: Mapping[str, Any], resource: Mapping[str, Any], run_id: str,
           outcome: engine.Outcome) -> str | None:
    """Store an outcome with the inferred dictionary, the index and the timeline; commit."""
    resource_id = resource["id"]
    digest = None
    if outcome.schema and not table_schema(resource):
        # First upload: the inferred dictionary becomes the resource's, for the OPD to edit.
        resource_obj = model.Resource.get(resource_id)
        resource_obj.extras = dict(resource_obj.extras or {},
                                   schema=json.dumps(outcome.schema))
        model.Session.flush()  # the index below reads tables, not the identity map
        digest = store.fingerprint(dict(resource, schema=outcome.schema))
    summary = outcome.summary.to_dict()
    if not store.finish(resource_id, run_id, outcome.status, outcome.report, summary,
                        outcome.profile, outcome.summary.rows, fingerprint_=digest):
        model.Session.rollback()
        return None
    review = review_store.get(dataset["id"])
    if review is not None and review.state in machine.REVIEW_STATES:
        row = store.get(resource_id) or {}
        review_store.add_event(review, "check", review.state, row.get("requested_by") or "",
                               [], comment=resource.get("name") or resource_id,
                               checks=dict(summary, status=outcome.status,
                                           resource_id=resource_id))
    logic.index_update_package({"ignore_auth": True}, dataset["id"])
    model.repo.commit()
    return outcome.status


def run_now(dataset: Mapping[str, Any], resource: Mapping[str, Any], user: str | None,
            max_bytes: int | None = None) -> str | None:
    """Validate in this process: the CLI (no ``max_bytes``), or a web request (``async:
    false``), which passes ``max_bytes`` (``sync_max_mb``).

    In a web request a file larger than ``max_bytes`` (an XLSX also unpacked), or a link
    that does not download within ``fetch_timeout``, is not checked here: its run is
    queued for the worker and ``created`` returned.
    """
    fingerprint = store.fingerprint(resource)
    run_id = store.request(resource["id"], dataset["id"], fingerprint, user)
    model.Session().info.pop(PENDING, None)
    model.repo.commit()
    try:
        return _run(resource["id"], run_id, request_bytes=max_bytes)
    except limits.BeyondLimit:
        model.Session.rollback()
        run_id = store.request(resource["id"], dataset["id"], fingerprint, user)
        model.Session().info.pop(PENDING, None)
        model.repo.commit()
        enqueue(resource["id"], run_id)
        return "created"
    except Exception:  # noqa: BLE001 - recorded on the run with its reason; re-run later
        return "error"


def requeue_abandoned() -> list[str]:
    """Queue again the runs whose worker stopped reporting (killed or restarted)."""
    age = dt.timedelta(seconds=tk.config.get("ckanext.walidata.quality.stale_after"))
    resource_ids = []
    for row in store.abandoned(age):
        enqueue(row["resource_id"], row["run_id"])
        resource_ids.append(row["resource_id"])
    return resource_ids


def dataset_status(rows: list[dict[str, Any]]) -> str | None:
    """The worst status among a dataset's checked resources, for badges and search."""
    statuses = {row["status"] for row in rows}
    return next((status for status in STATUS_ORDER if status in statuses), None)

