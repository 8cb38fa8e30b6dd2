"""E-mail for the review: the desk learns of submissions, the OPD of returns and decisions.

Mail goes through CKAN's mailer after the transition has committed; a mail
server that fails does not undo the decision, it is logged with the event's
dataset and action so the message can be sent again.
"""

from __future__ import annotations

import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import mailer

from . import roles
from .machine import LABELS, QA_GROUPS, State
from .store import Review

log = logging.getLogger(__name__)

SUBJECTS = {
    "submit": "[Klinik Walidata] Pengajuan data baru: {title}",
    "verify": "[Klinik Walidata] Data sedang diverifikasi: {title}",
    "return": "[Klinik Walidata] Data dikembalikan dengan temuan: {title}",
    "qa_approve": "[Klinik Walidata] Penjaminan mutu disetujui: {title}",
    "ratify": "[Klinik Walidata] Data disahkan: {title}",
    "publish": "[Klinik Walidata] Data dipublikasikan: {title}",
    "withdraw": "[Klinik Walidata] Data ditarik: {title}",
}


def recipients(effects: tuple[str, ...], dataset: dict[str, Any]) -> dict[str, str]:
    """E-mail address → display name of everyone an effect asks to tell."""
    users: list[model.User] = []
    if "notify_walidata" in effects:
        users += roles.walidata_accounts()
    if "notify_opd" in effects and dataset.get("owner_org"):
        users += _members(dataset["owner_org"], capacities=("editor", "admin"))
    if "notify_pembina" in effects and dataset["type"] in QA_GROUPS:
        users += [u for u in map(model.User.get, roles.pembina_users(dataset["type"])) if u]
    return {u.email: u.display_name for u in users if u.email and u.state == "active"}


def _members(group_name: str, capacities: tuple[str, ...]) -> list[model.User]:
    group = model.Group.get(group_name)
    if group is None:
        return []
    return (model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(model.Member.group_id == group.id, model.Member.table_name == "user",
                    model.Member.state == "active", model.Member.capacity.in_(capacities))
            .all())


def after_transition(action: str, effects: tuple[str, ...], dataset: dict[str, Any],
                     review: Review, actor: str, comment: str) -> None:
    if review.state != State.QA:
        effects = tuple(e for e in effects if e != "notify_pembina")
    to = recipients(effects, dataset)
    if not to:
        return
    subject = SUBJECTS[action].format(title=dataset["title"])
    link = tk.url_for(f"{dataset['type']}.read", id=dataset["name"], _external=True)
    state = LABELS[review.state]
    body = "\n".join([
        f"Dataset: {dataset['title']}",
        f"Status: {state['id']} ({state['en']})",
        f"Oleh / by: {actor}",
        *([f"Catatan / note: {comment}"] if comment else []),
        "",
        f"Buka / open: {link}",
    ])
    for email, name in to.items():
        try:
            mailer.mail_recipient(name, email, subject, body)
        except Exception as error:  # noqa: BLE001 - a mail problem must not undo a decision
            log.warning("Review mail for %s (%s) to %s not sent: %s", dataset["name"],
                        action, email, error)
