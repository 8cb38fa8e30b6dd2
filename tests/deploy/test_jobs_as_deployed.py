"""The checks run as ``make run`` runs them: a file uploaded to the portal through its
web server is checked by the real jobs worker that starts beside it."""

from __future__ import annotations

import os
import signal

from ckan.lib import jobs

from tests.deploy.conftest import OPD, TABLE
from tests.deploy.portal import Portal, wait_for
from tests.sdi_data import COMPLETE_STATISTIK


def upload_dataset(portal: Portal, people: dict, name: str) -> tuple[dict, dict]:
    """As the OPD: a statistik dataset and a CSV uploaded to it, over HTTP."""
    token = people["tokens"][OPD]
    fields = dict(COMPLETE_STATISTIK, resources=[], cakupan_wilayah="53",
                  tingkat_penyajian="kabupaten_kota")
    dataset = portal.call("package_create", token, name=name, owner_org=people["org"]["id"],
                          **fields)
    resource = portal.call("resource_create", token,
                           files={"upload": ("penduduk.csv", TABLE.encode(), "text/csv")},
                           package_id=dataset["id"], name="Tabel", format="CSV",
                           satuan="orang", description="Per kabupaten/kota")
    return dataset, resource


def finished_check(portal: Portal, token: str, resource_id: str) -> dict:
    shown = portal.call("resource_validation_show", token, resource_id=resource_id)
    return shown if shown["status"] in ("success", "failure", "error") else {}


def test_an_upload_is_checked_by_the_worker_that_make_run_starts(portal, people):
    dataset, resource = upload_dataset(portal, people, "penduduk-deployed")
    token = people["tokens"][OPD]

    run = wait_for(lambda: finished_check(portal, token, resource["id"]), timeout=180)

    assert run["status"] == "success", (run.get("error"), portal.worker_log()[-3000:])
    assert run["summary"]["rows"] == 2
    shown = portal.call("package_show", token, id=dataset["id"])
    assert shown["resources"][0]["validation_status"] == "success"
    # The worker inferred the data dictionary and stored it on the resource.
    assert "kode_wilayah" in str(shown["resources"][0]["schema"])
    assert "starts job" in portal.worker_log()


def horse_of(worker_pid: int) -> int | None:
    """The work horse rq forked for the current job.

    The worker has two children, its scheduler and the horse; only the horse leads a
    process group of its own.
    """
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent, group = stat.read().rsplit(")", 1)[1].split()[1:3]
            except (OSError, ValueError, IndexError):
                continue
            if int(parent) == worker_pid and int(group) == int(entry):
                return int(entry)
    return None


def worker_pid(portal: Portal) -> int:
    line = next(line for line in portal.worker_log().splitlines() if "has started on queue" in line)
    return int(line.split("(PID ", 1)[1].split(")", 1)[0])


def test_a_job_whose_work_horse_dies_says_why_in_the_worker_log(portal, people):
    """What hid the start-up failure: rq's own messages were silenced by the logging set-up."""
    job = jobs.enqueue(__import__("time").sleep, [60], title="walidata sleeper")
    pid = wait_for(lambda: worker_pid(portal), timeout=30)
    horse = wait_for(lambda: horse_of(pid), timeout=60, every=0.2)

    os.kill(horse, signal.SIGKILL)

    wait_for(lambda: "terminated unexpectedly" in portal.worker_log(), timeout=60)
    job.refresh()
    assert job.get_status() == "failed"
