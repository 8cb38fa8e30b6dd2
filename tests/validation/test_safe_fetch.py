"""What a check may read and spend, through CKAN's actions and a real ``ckan jobs worker``:
links to the portal's own network are refused (also after a redirect) while the allow-list
lets the test portal's file server through, an XLSX bomb is refused, a web request checks
small files only, and a job beyond its time or memory ends as ``error`` with the reason.

Real HTTP servers on loopback, PostgreSQL and Redis; the worker reads test.ini, whose
allow-list names the test file server (``data_server``) by host:port and nothing else.
"""

from __future__ import annotations

import functools
import io
import ipaddress
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler

import ckan.plugins.toolkit as tk
import openpyxl
import pytest
from ckan.lib import jobs
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.walidata.quality import fetch
from ckanext.walidata.validation import runner
from tests.conftest import FILES, run_jobs_worker
from tests.http_server import serving
from tests.quality.test_archive import xlsx_bomb
from tests.sdi_data import COMPLETE_STATISTIK, DATA_SERVER
from tests.validation.tables import CLEAN
from tests.validation.test_jobs import big_csv

pytestmark = [pytest.mark.usefixtures("with_plugins")]

OPD = {"user": "opd-fetch", "ignore_auth": False}
LOOPBACK = "a loopback address (this server itself); the checks read files only from public"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Redirect(BaseHTTPRequestHandler):
    """Answers every GET with a redirect to the URL in its query string."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(302)
        self.send_header("Location", self.path.partition("?")[2])
        self.end_headers()


def _serve(handler: type[BaseHTTPRequestHandler] | functools.partial) -> Iterator[str]:
    with serving(handler) as port:
        yield f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def internal() -> Iterator[str]:
    """A service on loopback that is not on the allow-list: the same files as data_server,
    so that only the guard stands between a link and its columns."""
    yield from _serve(functools.partial(_Quiet, directory=str(FILES)))


@pytest.fixture(scope="module")
def redirector() -> Iterator[str]:
    yield from _serve(_Redirect)


@pytest.fixture(scope="module")
def opd(module_db):
    factories.User(name="opd-fetch", email="opd-fetch@example.go.id")
    return factories.Organization(name="dinas-kominfo", title="Dinas Kominfo",
                                  users=[{"name": "opd-fetch", "capacity": "editor"}])


@pytest.fixture(autouse=True)
def empty_queue():
    jobs.get_queue().empty()
    yield
    jobs.get_queue().empty()


def queued() -> list[str]:
    return [job.args[0] for job in jobs.get_queue().jobs
            if job.func_name.endswith("runner.run_job")]


def new_dataset(opd, name: str, resources: list[dict] | None = None) -> dict:
    return call_action("package_create", context=dict(OPD), name=name, owner_org=opd["id"],
                       **dict(COMPLETE_STATISTIK, cakupan_wilayah="53",
                              resources=resources or []))


def link(url: str) -> dict:
    return {"url": url, "format": "CSV", "name": "Tabel", "satuan": "orang"}


def run_in_request(resource_id: str) -> dict:
    return call_action("resource_validation_run", context=dict(OPD), resource_id=resource_id,
                       **{"async": False})


def shown(resource_id: str) -> dict:
    return call_action("resource_validation_show", context=dict(OPD), resource_id=resource_id)


def test_the_test_portal_allows_its_own_file_server_by_host_and_port_only():
    assert tk.config.get("ckanext.walidata.quality.fetch_allowed_hosts") == [
        "${WALIDATA_TEST_FILE_SERVER}"]
    host, port = DATA_SERVER.split("://", 1)[1].split(":")
    assert runner.fetch_limits().allowed == fetch.AllowList(frozenset(), (
        (ipaddress.ip_network(host), int(port)),))


def test_a_link_to_loopback_is_refused_with_a_clear_error_and_no_columns(opd, internal):
    dataset = new_dataset(opd, "link-loopback", [link(f"http://{internal}/dokter.csv")])
    resource = dataset["resources"][0]
    run = run_in_request(resource["id"])
    assert run["status"] == "error"
    assert f"The link points to 127.0.0.1, {LOOPBACK} addresses." == run["error"]
    stored = call_action("resource_show", id=resource["id"])
    assert not stored.get("schema")  # nothing of the internal file was read or stored
    assert shown(resource["id"])["report"] is None


@pytest.mark.parametrize("spelling", ["2130706433", "0177.0.0.1", "localhost", "[::1]"])
def test_other_spellings_of_loopback_are_refused_too(opd, internal, spelling):
    port = internal.rsplit(":", 1)[1]
    dataset = new_dataset(opd, "link-" + "".join(c if c.isalnum() else "-" for c in spelling),
                          [link(f"http://{spelling}:{port}/dokter.csv")])
    run = run_in_request(dataset["resources"][0]["id"])
    assert run["status"] == "error" and LOOPBACK in run["error"]


def test_the_allow_list_lets_the_test_file_server_through(opd):
    dataset = new_dataset(opd, "link-allowed", [link(f"{DATA_SERVER}/dokter.csv")])
    run = run_in_request(dataset["resources"][0]["id"])
    assert run["status"] == "success", run
    assert run["summary"]["rows"] > 0


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused_at_the_hop(
        opd, internal, redirector, ckan_config, monkeypatch):
    allowed = [DATA_SERVER.split("://", 1)[1], redirector]
    monkeypatch.setitem(ckan_config, "ckanext.walidata.quality.fetch_allowed_hosts", allowed)
    target = f"{DATA_SERVER}/dokter.csv"
    dataset = new_dataset(opd, "link-redirect", [
        link(f"http://{redirector}/?{target}"),
        link(f"http://{redirector}/?http://{internal}/dokter.csv")])
    through, refused = dataset["resources"]
    assert run_in_request(through["id"])["status"] == "success"
    run = run_in_request(refused["id"])
    assert run["status"] == "error"
    assert run["error"] == f"The link points to 127.0.0.1, {LOOPBACK} addresses."


def test_the_real_worker_refuses_a_loopback_link_the_allow_list_does_not_name(opd, internal):
    dataset = new_dataset(opd, "link-worker", [
        link(f"{DATA_SERVER}/dokter.csv"), link(f"http://{internal}/dokter.csv")])
    allowed, internal_link = dataset["resources"]
    assert sorted(queued()) == sorted([allowed["id"], internal_link["id"]])
    run_jobs_worker()
    assert shown(allowed["id"])["status"] == "success"
    refused = shown(internal_link["id"])
    assert refused["status"] == "error" and refused["attempts"] == 1  # not retried
    assert LOOPBACK in refused["error"]
    assert queued() == []


def test_an_xlsx_bomb_is_refused_by_the_worker_with_its_size(opd, create_with_upload,
                                                             tmp_path):
    bomb = xlsx_bomb(tmp_path / "bomb.xlsx", 256 * 1024 * 1024)
    dataset = new_dataset(opd, "xlsx-bomb")
    resource = create_with_upload(bomb.read_bytes(), "penduduk.xlsx", context=dict(OPD),
                                  package_id=dataset["id"], name="Tabel", format="XLSX",
                                  url="ignored")
    # Asked for in a web request, it is not unpacked there: it goes to the worker.
    assert run_in_request(resource["id"])["status"] == "created"
    assert resource["id"] in queued()
    run_jobs_worker()
    run = shown(resource["id"])
    assert run["status"] == "error" and run["attempts"] == 1
    assert run["error"] == "The XLSX file unpacks to 256 MB; at most 200 MB are allowed."


@pytest.mark.ckan_config("ckanext.walidata.quality.sync_max_mb", 1)
def test_a_web_request_checks_small_files_and_queues_big_ones(opd, create_with_upload):
    dataset = new_dataset(opd, "sync-size")
    small = create_with_upload(CLEAN, "kecil.csv", context=dict(OPD),
                               package_id=dataset["id"], name="Kecil", format="CSV",
                               url="ignored")
    big = create_with_upload(big_csv(40_000), "besar.csv", context=dict(OPD),
                             package_id=dataset["id"], name="Besar", format="CSV",
                             url="ignored")
    assert big["size"] > 1024 * 1024
    jobs.get_queue().empty()

    assert run_in_request(small["id"])["status"] == "success"
    assert queued() == []
    run = run_in_request(big["id"])
    assert run["status"] == "created" and run["finished"] is None
    assert queued() == [big["id"]]

    quality = call_action("walidata_quality_run", context=dict(OPD), id=dataset["id"],
                          **{"async": False})
    statuses = {item["resource_id"]: item["status"] for item in quality["resources"]}
    assert statuses == {small["id"]: "success", big["id"]: "created"}
    run_jobs_worker()
    assert shown(big["id"])["status"] == "success"
    assert shown(big["id"])["summary"]["rows"] == 40_000


def stopped_run(opd, create_with_upload, name: str, content: bytes | str, filename: str,
                fmt: str) -> dict:
    """Upload one file, let a real worker check it, and return a run that a limit stopped:
    ended as error, tried once, nothing left on the queue."""
    dataset = new_dataset(opd, name)
    resource = create_with_upload(content, filename, context=dict(OPD),
                                  package_id=dataset["id"], name="Tabel", format=fmt,
                                  url="ignored")
    assert queued() == [resource["id"]]
    run_jobs_worker()
    run = shown(resource["id"])
    assert run["status"] == "error", run["summary"]
    assert run["attempts"] == 1 and queued() == []
    return run


@pytest.mark.ckan_config("ckanext.walidata.quality.job_timeout", 3)
def test_a_job_beyond_its_time_ends_as_error_with_the_reason(opd, create_with_upload):
    run = stopped_run(opd, create_with_upload, "job-time", big_csv(400_000), "penduduk.csv",
                      "CSV")
    assert run["error"] == (
        "The check took longer than 3 seconds and was stopped; a check may take at most "
        "that long (ckanext.walidata.quality.job_timeout).")


def wide_workbook(rows: int) -> bytes:
    """A plain XLSX of ``rows`` × 20 numbers: a few MB that openpyxl builds cell by cell."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["kode_wilayah", *(f"nilai_{column}" for column in range(19))])
    for row in range(rows):
        sheet.append([f"53.{row % 22 + 1:02d}", *range(row, row + 19)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.ckan_config("ckanext.walidata.quality.job_memory_mb", 32)
def test_a_job_beyond_its_memory_ends_as_error_with_the_reason(opd, create_with_upload):
    run = stopped_run(opd, create_with_upload, "job-memory", wide_workbook(10_000),
                      "lebar.xlsx", "XLSX")
    assert run["error"] == (
        "The check needed more than 32 MB of memory and was stopped; a check may use at "
        "most that much (ckanext.walidata.quality.job_memory_mb).")


def test_the_same_workbook_passes_within_the_default_memory(opd, create_with_upload):
    dataset = new_dataset(opd, "job-memory-default")
    resource = create_with_upload(wide_workbook(10_000), "lebar.xlsx", context=dict(OPD),
                                  package_id=dataset["id"], name="Tabel", format="XLSX",
                                  url="ignored")
    run_jobs_worker()
    assert shown(resource["id"])["status"] in ("success", "failure")
    assert shown(resource["id"])["summary"]["rows"] == 10_000
