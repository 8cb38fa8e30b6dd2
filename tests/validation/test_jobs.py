"""Validation on CKAN's Redis queue with real workers: queued after commit, run by
``ckan jobs worker``, and finished after the worker is killed in the middle of a job."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib import jobs
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.walidata.cli import walidata
from tests.conftest import TEST_INI, run_jobs_worker
from tests.sdi_data import COMPLETE_STATISTIK

pytestmark = [pytest.mark.usefixtures("with_plugins")]

SMALL = "kode_wilayah,nama_wilayah,tahun,jumlah\n53.01,Kabupaten Kupang,2023,374500\n"


@pytest.fixture(scope="module")
def opd(module_db):
    factories.User(name="opd-bps", email="opd-bps@example.go.id")
    return factories.Organization(name="dinas-dukcapil", title="Dinas Dukcapil",
                                  users=[{"name": "opd-bps", "capacity": "editor"}])


@pytest.fixture(autouse=True)
def empty_queue():
    jobs.get_queue().empty()
    yield
    jobs.get_queue().empty()


def queued_resources() -> list[str]:
    return [job.args[0] for job in jobs.get_queue().jobs
            if job.func_name.endswith("runner.run_job")]


def new_dataset(opd, name: str, **fields) -> dict:
    values = dict(COMPLETE_STATISTIK, resources=[], cakupan_wilayah="53")
    values.update(fields)
    return call_action("package_create", context={"user": "opd-bps", "ignore_auth": False},
                       name=name, owner_org=opd["id"], **values)


def children(pid: int) -> list[int]:
    """Child processes of ``pid`` (rq's work horse runs in a session of its own)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry))
    return found


def big_csv(rows: int) -> bytes:
    codes = [f"53.{regency:02d}" for regency in range(1, 22)] + ["53.71"]
    lines = ["kode_wilayah,nama_wilayah,tahun,laki_laki,perempuan,jumlah"]
    generator = random.Random(7)
    for number in range(rows):
        men, women = generator.randint(100, 9000), generator.randint(100, 9000)
        lines.append(f"{codes[number % len(codes)]},Wilayah {number},2023,{men},{women},"
                     f"{men + women}")
    return ("\n".join(lines) + "\n").encode()


def test_an_upload_is_queued_after_commit_and_a_real_worker_checks_it(opd,
                                                                      create_with_upload):
    dataset = new_dataset(opd, "penduduk-antrian-2023")
    resource = create_with_upload(SMALL, "penduduk.csv", package_id=dataset["id"],
                                  name="Tabel", format="CSV", url="ignored",
                                  context={"user": "opd-bps", "ignore_auth": False})
    assert queued_resources() == [resource["id"]]
    assert call_action("resource_show", id=resource["id"])["validation_status"] == "created"
    # A change of the title only is not a new version of the file: nothing queued.
    call_action("resource_patch", context={"user": "opd-bps", "ignore_auth": False},
                id=resource["id"], description="Per kabupaten/kota")
    assert queued_resources() == [resource["id"]]

    run_jobs_worker()
    assert queued_resources() == []
    shown = call_action("resource_validation_show", resource_id=resource["id"])
    assert shown["status"] == "success" and shown["attempts"] == 1
    assert call_action("resource_show", id=resource["id"])["validation_status"] == "success"


def test_a_refused_change_queues_nothing(opd):
    with pytest.raises(tk.ValidationError):
        new_dataset(opd, "tanpa-judul-2023", title="", nama_indikator="",
                    resources=[{"url": "http://127.0.0.1:9/x.csv", "format": "CSV",
                                "name": "Tabel"}])
    assert queued_resources() == []


@pytest.mark.ckan_config("ckanext.walidata.quality.stale_after", 2)
def test_a_job_whose_worker_is_killed_is_queued_again_and_finishes(opd, create_with_upload,
                                                                   cli):
    dataset = new_dataset(opd, "penduduk-besar-2023")
    resource = create_with_upload(big_csv(400_000), "penduduk-besar.csv",
                                  package_id=dataset["id"], name="Tabel besar", format="CSV",
                                  url="ignored",
                                  context={"user": "opd-bps", "ignore_auth": False})
    worker = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "ckan"), "-c", str(TEST_INI),
         "jobs", "worker"], env=dict(os.environ), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            shown = call_action("resource_validation_show", resource_id=resource["id"])
            if shown["status"] == "running" and shown["progress"]["rows"] > 0:
                break
            assert shown["status"] in ("created", "running"), shown
            time.sleep(0.5)
        else:
            pytest.fail("the worker never reported progress")
        assert shown["progress"]["percent"] is not None and shown["progress"]["percent"] < 100
    finally:
        for pid in [*children(worker.pid), worker.pid]:  # the work horse, then the worker
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
    time.sleep(3)  # longer than stale_after: the run counts as abandoned
    assert call_action("resource_validation_show",
                       resource_id=resource["id"])["status"] == "running"

    result = cli.invoke(walidata, ["check", "--requeue"])
    assert result.exit_code == 0, result.output
    assert "1 abandoned runs queued again" in result.output
    run_jobs_worker(timeout=600)
    shown = call_action("resource_validation_show", resource_id=resource["id"])
    assert shown["status"] == "success", shown["summary"]
    assert shown["summary"]["rows"] == 400_000
    assert shown["attempts"] == 2
