"""A live portal over HTTP and headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
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


class LoopbackOnlyBrowser:
    """Chromium that records every request a page sends anywhere but this machine.

    The portal bundles its scripts, fonts and images: no page may reach a third
    party (a CDN, Gravatar, an analytics host). The module's tests fail if one does.
    """

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self.outside: list[str] = []

    def _record(self, request: Any) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.outside.append(request.url)

    def new_context(self, **options: Any) -> BrowserContext:
        context = self._browser.new_context(**options)
        context.on("request", self._record)
        return context

    def new_page(self, **options: Any) -> Page:
        page = self._browser.new_page(**options)
        page.context.on("request", self._record)
        return page


@pytest.fixture(scope="module")
def browser() -> Iterator[LoopbackOnlyBrowser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        watched = LoopbackOnlyBrowser(chromium)
        yield watched
        chromium.close()
    assert not watched.outside, f"pages reached beyond this machine: {watched.outside[:10]}"
