"""A live portal over HTTP and headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking",
                  "--disable-gpu", "--disable-component-update", "--no-first-run"]


@pytest.fixture
def live_portal(app, ckan_config, monkeypatch) -> Iterator[str]:
    """The CKAN test app served over real HTTP on a free loopback port.

    ``ckan.site_url`` follows the port: the page scripts load their
    translations from it before any form widget starts.
    """
    server = make_server("127.0.0.1", 0, app.flask_app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setitem(ckan_config, "ckan.site_url", url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
