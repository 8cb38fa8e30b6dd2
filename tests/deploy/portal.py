"""The portal as ``make run`` starts it, for tests: ``scripts/serve.sh development.ini``.

That is gunicorn with several web processes and a real ``ckan jobs worker``, reading
the portal's own configuration file. Only what a deployment also sets from outside
differs: the database, Redis, the site id and URL and the storage directory, pointed
at the test run's through CKAN's own environment variables.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
import requests

ROOT = Path(__file__).resolve().parents[2]
PORTAL_INI = ROOT / "development.ini"
START_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Portal:
    """A running portal: its address and where its processes log."""

    url: str
    logs: Path

    def api(self, action: str, token: str | None = None, files: dict | None = None,
            **params: Any) -> requests.Response:
        """POST one action as CKAN's API clients do (JSON, or a form with a file)."""
        headers = {"Authorization": token} if token else {}
        url = f"{self.url}/api/3/action/{action}"
        if files:
            return requests.post(url, data=params, files=files, headers=headers, timeout=60)
        return requests.post(url, json=params, headers=headers, timeout=60)

    def call(self, action: str, token: str | None = None, **params: Any) -> Any:
        """The action's result; fails the test with CKAN's error when it is refused."""
        response = self.api(action, token, **params)
        body = response.json()
        assert response.status_code == 200 and body["success"], (action, body.get("error"))
        return body["result"]

    def worker_log(self) -> str:
        return (self.logs / "worker.log").read_text(errors="replace")


def _wait_until_serving(url: str, process: subprocess.Popen, logs: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("The portal stopped while starting:\n"
                               + (logs / "serve.out").read_text(errors="replace")[-4000:])
        try:
            if requests.get(f"{url}/api/3/action/status_show", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"The portal did not answer on {url} within {START_TIMEOUT:.0f} s")


@contextmanager
def running_portal(directory: Path, web_workers: int = 2) -> Iterator[Portal]:
    """Start ``scripts/serve.sh`` on a free port with the test run's services; stop it after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = directory / f"portal-{port}"
    (logs / "storage").mkdir(parents=True)
    env = dict(os.environ, CKAN_SQLALCHEMY_URL=tk.config["sqlalchemy.url"],
               CKAN_REDIS_URL=tk.config["ckan.redis.url"], CKAN_SITE_ID=tk.config["ckan.site_id"],
               CKAN_SITE_URL=url, CKAN_STORAGE_PATH=str(logs / "storage"),
               WALIDATA_PORT=str(port), WALIDATA_WEB_WORKERS=str(web_workers),
               WALIDATA_LOG_DIR=str(logs))
    with open(logs / "serve.out", "wb") as out:
        process = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve.sh"), str(PORTAL_INI)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        _wait_until_serving(url, process, logs)
        yield Portal(url, logs)
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # a work horse left in the group
        os.killpg(process.pid, signal.SIGKILL)


def wait_for(condition: Any, timeout: float, every: float = 0.5) -> Any:
    """Poll ``condition()`` until it returns something true (bounded in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not reached within {timeout:.0f} s")
