"""Reading CKAN pages in tests: parse, sign in, text, flash messages."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from bs4 import BeautifulSoup


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def login(app, name: str | None) -> None:
    """A browser session signed in as ``name`` (None: anonymous).

    ``app.set_session_user`` writes the session cookie for ``localhost`` while the
    requests go to ``ckan.site_url``; write it for the site instead.
    """
    client = app.test_client()
    if name is not None:
        with client.session_transaction(base_url=tk.config["ckan.site_url"]) as session:
            session["_user_id"] = model.User.get(name).id
            session["_fresh"] = False
    app.client = client


def text(node) -> str:
    return node.get_text(" ", strip=True) if node else ""


def flashes(page: BeautifulSoup) -> list[str]:
    return [text(alert) for alert in page.select(".flash-messages .alert")]
