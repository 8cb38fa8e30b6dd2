"""The Klinik Walidata pages through CKAN's test app: queue, dashboard, panel, buttons, minutes.

One scripted history (set up once per module with the review actions) serves
every test; the tests that press buttons bring their dataset back to where
it was, so the counts the others check stay true.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from ckan.tests import factories
from ckan.tests.helpers import _get_test_app, call_action

from ckanext.walidata.views import klinik
from ckanext.walidata.workflow import store
from tests.pages import flashes, login, soup, text
from tests.sdi_data import create_checked

from .test_review_path import DATASET

PEMBINA = "ckanext.walidata.pembina.statistik"
pytestmark = [
    pytest.mark.ckan_config(PEMBINA, "bps-ntt"),
    pytest.mark.usefixtures("with_plugins"),
]

MINUTES_NUMBER = "BA-WALIDATA/2026/0001"
FAKE_PDF = b"%PDF-1.4\n% berita acara uji\n%%EOF\n"


def act(verb: str, user: str, dataset_id: str, **params: Any) -> dict[str, Any]:
    return call_action(f"walidata_{verb}", context={"user": user, "ignore_auth": False},
                       id=dataset_id, **params)


def synthetic_history(package_id: str, start: dt.datetime, days: list[tuple[str, str, str, float]]
                      ) -> None:
    """Events of a dataset that is not in the catalogue, at chosen times (for the medians)."""
    at = start
    for action, from_state, to_state, after in days:
        at += dt.timedelta(days=after)
        model.Session.execute(sa.text(
            "INSERT INTO walidata_review_event (package_id, round, action, from_state, "
            "to_state, actor, actor_roles, created_at) VALUES (:id, 1, :action, :from_state, "
            ":to_state, 'arsip', '{walidata}', :at)"),
            {"id": package_id, "action": action, "from_state": from_state,
             "to_state": to_state, "at": at})


@pytest.fixture(scope="module")
def clinic(module_db) -> dict[str, Any]:
    """Five OPDs, reviewers, and datasets in known states (see each comment)."""
    for name in ("opd-dinkes", "opd-bappeda", "opd-sosial", "walidata", "bps-ntt"):
        factories.User(name=name, email=f"{name}@example.go.id",
                       fullname=name.replace("-", " ").title())
    factories.Organization(name="diskominfo", title="Diskominfo",
                           users=[{"name": "walidata", "capacity": "admin"}])
    orgs = {
        "dinkes": factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                         users=[{"name": "opd-dinkes", "capacity": "editor"}]),
        "bappeda": factories.Organization(name="bappeda", title="Bappeda",
                                          users=[{"name": "opd-bappeda", "capacity": "editor"}]),
        "sosial": factories.Organization(name="dinas-sosial", title="Dinas Sosial",
                                         users=[{"name": "opd-sosial", "capacity": "editor"}]),
    }
    factories.Organization(name="dinas-pariwisata", title="Dinas Pariwisata")

    def new(name: str, org: str, creator: str) -> dict[str, Any]:
        return create_checked(creator, name=name, title=name.replace("-", " ").title(),
                              owner_org=orgs[org]["id"], **DATASET)

    app = _get_test_app()
    with app.flask_app.test_request_context(), pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, PEMBINA, ["bps-ntt"])
        # In QA (round 2) after a return with a finding.
        dokter = new("jumlah-dokter", "dinkes", "opd-dinkes")
        act("submit", "opd-dinkes", dokter["id"])
        act("verify", "walidata", dokter["id"])
        act("return", "walidata", dokter["id"], comment="Definisi belum mengikuti BPS.")
        act("submit", "opd-dinkes", dokter["id"], comment="Sudah diperbaiki.")
        act("verify", "walidata", dokter["id"])
        act("verify", "walidata", dokter["id"])
        # Submitted long ago: overdue.
        sekolah = new("jumlah-sekolah", "bappeda", "opd-bappeda")
        act("submit", "opd-bappeda", sekolah["id"])
        model.Session.execute(sa.text(
            "UPDATE walidata_review SET updated_at = now() - interval '30 days' "
            "WHERE package_id = :id"), {"id": sekolah["id"]})
        # Submitted; the button tests walk it and bring it back here.
        tombol = new("data-tombol", "sosial", "opd-sosial")
        act("submit", "opd-sosial", tombol["id"])
        # Drafts: one to submit, one with (fake) minutes of an earlier round.
        draf = new("data-draf", "dinkes", "opd-dinkes")
        arsip = new("data-arsip", "dinkes", "opd-dinkes")
        for dataset in (draf, arsip):
            store.ensure(dataset["id"], store.State.DRAFT)
        store.store_minutes(MINUTES_NUMBER, arsip["id"], 1, FAKE_PDF,
                            hashlib.sha256(FAKE_PDF).hexdigest())
        model.Session.execute(sa.text(
            "INSERT INTO walidata_review_event (package_id, round, action, from_state, "
            "to_state, actor, actor_roles, minutes_number, minutes_sha256) VALUES "
            "(:id, 1, 'ratify', 'verified', 'ratified', 'walidata', '{walidata}', :number, "
            ":sha)"), {"id": arsip["id"], "number": MINUTES_NUMBER,
                       "sha": hashlib.sha256(FAKE_PDF).hexdigest()})
        # Two finished paths of datasets purged long ago: known stage times.
        long_ago = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
        synthetic_history("purged-1", long_ago, [
            ("submit", "draft", "submitted", 0), ("verify", "submitted", "verifying", 1),
            ("verify", "verifying", "qa", 3), ("qa_approve", "qa", "verified", 4),
            ("ratify", "verified", "ratified", 1), ("publish", "ratified", "published", 2)])
        synthetic_history("purged-2", long_ago, [
            ("submit", "draft", "submitted", 0), ("verify", "submitted", "verifying", 1),
            ("verify", "verifying", "qa", 3), ("qa_approve", "qa", "verified", 2),
            ("ratify", "verified", "ratified", 3)])
        model.repo.commit()
    return {"dokter": dokter, "sekolah": sekolah, "tombol": tombol, "draf": draf,
            "arsip": arsip}


# --- queue -------------------------------------------------------------------------------


def queue_rows(page: BeautifulSoup) -> dict[str, str]:
    return {row["data-name"]: row["data-state"]
            for row in page.select("table.walidata-queue tr[data-name]")}


def test_queue_lists_waiting_datasets_with_counts_for_the_walidata(app, clinic):
    login(app, "walidata")
    page = soup(app.get("/klinik", status=200))
    assert queue_rows(page) == {"jumlah-dokter": "qa", "jumlah-sekolah": "submitted",
                                "data-tombol": "submitted"}
    counts = {link["data-state"]: int(text(link.select_one("[data-count]")))
              for link in page.select(".walidata-state-counts a[data-state]")}
    assert counts == {"": 3, "draft": 2, "submitted": 2, "verifying": 0, "returned": 0,
                      "qa": 1, "verified": 0, "ratified": 0, "published": 0, "withdrawn": 0}
    # The count links filter the queue.
    qa_link = page.select_one('.walidata-state-counts a[data-state="qa"]')["href"]
    assert queue_rows(soup(app.get(qa_link))) == {"jumlah-dokter": "qa"}
    row = page.select_one('tr[data-name="jumlah-dokter"]')
    cells = [text(td) for td in row.select("td")][1:]  # after the bulk checkbox
    assert cells[:6] == ["Jumlah Dokter", "Dinas Kesehatan", "Sectoral statistics",
                         "Quality assurance", "2", "Opd Dinkes"]
    assert row.select_one("a")["href"].endswith("/statistik/jumlah-dokter")
    assert not row.select(".walidata-overdue")
    assert page.select_one('tr[data-name="jumlah-sekolah"] .walidata-overdue')


def test_queue_filters_by_opd_data_group_state_and_overdue(app, clinic):
    login(app, "walidata")
    assert queue_rows(soup(app.get("/klinik?organization=bappeda"))) == {
        "jumlah-sekolah": "submitted"}
    assert queue_rows(soup(app.get("/klinik?overdue=1"))) == {"jumlah-sekolah": "submitted"}
    assert queue_rows(soup(app.get("/klinik?state=draft&organization=dinas-kesehatan"))) == {
        "data-draf": "draft", "data-arsip": "draft"}
    assert queue_rows(soup(app.get("/klinik?data_group=keuangan"))) == {}
    filtered = soup(app.get("/klinik?organization=bappeda"))
    counts = {link["data-state"]: text(link.select_one("[data-count]"))
              for link in filtered.select(".walidata-state-counts a[data-state]")}
    assert counts["submitted"] == "1" and counts["qa"] == "0"


def test_queue_pages(app, clinic, monkeypatch):
    monkeypatch.setattr(klinik, "PER_PAGE", 2)
    login(app, "walidata")
    first = soup(app.get("/klinik"))
    assert list(queue_rows(first)) == ["jumlah-sekolah", "jumlah-dokter"]  # oldest first
    second_page = [a["href"] for a in first.select(".pagination a") if "page=2" in a["href"]]
    assert second_page
    assert list(queue_rows(soup(app.get(second_page[0])))) == ["data-tombol"]


def test_the_pembina_sees_the_queue_of_their_group(app, clinic):
    login(app, "bps-ntt")
    page = soup(app.get("/klinik?state=qa", status=200))
    assert queue_rows(page) == {"jumlah-dokter": "qa"}
    assert not page.select('a[href$="/klinik/dashboard"]')


@pytest.mark.parametrize("user", ["opd-dinkes", None])
def test_queue_and_dashboard_are_refused_to_others(app, clinic, user):
    login(app, user)
    app.get("/klinik", status=403)
    app.get("/klinik/dashboard", status=403)


def test_the_pembina_does_not_see_the_dashboard(app, clinic):
    login(app, "bps-ntt")
    app.get("/klinik/dashboard", status=403)


# --- dashboard ---------------------------------------------------------------------------


def test_dashboard_figures(app, clinic):
    login(app, "walidata")
    page = soup(app.get("/klinik/dashboard", status=200))
    states = {a["data-state"]: int(a["data-count"]) for a in page.select("#walidata-states a")}
    assert states == {"draft": 2, "submitted": 2, "verifying": 0, "returned": 0, "qa": 1,
                      "verified": 0, "ratified": 0, "published": 0, "withdrawn": 0}

    per_org = {row["data-name"]: {td["data-state"]: text(td) for td in row.select("td")}
               for row in page.select("table.walidata-org-states tr[data-name]")}
    assert set(per_org) == {"dinas-kesehatan", "bappeda", "dinas-sosial"}
    assert per_org["dinas-kesehatan"]["draft"] == "2"
    assert per_org["dinas-kesehatan"]["qa"] == "1"
    assert per_org["dinas-kesehatan"]["total"] == "3"
    assert per_org["bappeda"]["submitted"] == "1"

    stages = {row["data-state"]: (float(row["data-median"]), int(row["data-stays"]))
              for row in page.select("table.walidata-stage-times tr[data-state]")}
    # Only the purged datasets stayed in these states long enough to measure.
    assert stages["qa"] == (3.0, 2)          # 4 and 2 days
    assert stages["verified"] == (2.0, 2)    # 1 and 3 days
    assert stages["ratified"] == (2.0, 1)
    assert "draft" not in stages and "published" not in stages
    assert stages["returned"][1] >= 1 and stages["returned"][0] < 0.01

    overdue = page.select_one("#walidata-overdue")
    assert overdue["data-count"] == "1"
    assert [tr["data-name"] for tr in overdue.select("tr[data-name]")] == ["jumlah-sekolah"]

    quarter = page.select_one("#walidata-quarter")
    assert (quarter["data-submitted"], quarter["data-total"]) == ("3", "5")
    assert "3 of 5 OPDs submitted this quarter" in text(quarter)
    assert [li["data-name"] for li in quarter.select(".walidata-not-submitted li")] == [
        "dinas-pariwisata", "diskominfo"]
    assert [li["data-name"] for li in quarter.select(".walidata-submitted li")] == [
        "bappeda", "dinas-kesehatan", "dinas-sosial"]


def test_quarters():
    from ckanext.walidata.workflow import dashboard

    assert dashboard.quarter_of(dt.date(2026, 11, 26)) == (2026, 4)
    utc = dt.timezone.utc
    assert dashboard.quarter_bounds(2026, 4, utc) == (
        dt.datetime(2026, 10, 1, tzinfo=utc), dt.datetime(2027, 1, 1, tzinfo=utc))
    assert dashboard.quarter_bounds(2026, 1, utc)[1] == dt.datetime(2026, 4, 1, tzinfo=utc)


# --- the dataset page panel --------------------------------------------------------------


def panel(app, name: str) -> BeautifulSoup:
    return soup(app.get(f"/statistik/{name}", status=200)).select_one("#walidata-review")


def buttons(section: BeautifulSoup) -> list[str]:
    return [form["data-verb"] for form in section.select("form.walidata-action")]


def test_panel_shows_state_timeline_and_the_pembina_buttons(app, clinic):
    login(app, "bps-ntt")
    section = panel(app, "jumlah-dokter")
    assert section["data-state"] == "qa" and section["data-round"] == "2"
    assert text(section.select_one(".walidata-state")) == "Quality assurance"
    events = section.select(".walidata-event")
    assert [(e["data-action"], e["data-from"], e["data-to"]) for e in events] == [
        ("submit", "draft", "submitted"), ("verify", "submitted", "verifying"),
        ("return", "verifying", "returned"), ("submit", "returned", "submitted"),
        ("verify", "submitted", "verifying"), ("verify", "verifying", "qa")]
    returned = text(events[2])
    assert "Returned with findings" in returned
    assert "Walidata" in text(events[2].select_one(".walidata-actor"))
    assert "Finding: Definisi belum mengikuti BPS." in text(events[2])
    assert "Verifying → Returned" in returned
    assert buttons(section) == ["qa_approve", "return"]
    labels = [text(f.select_one("button")) for f in section.select("form.walidata-action")]
    assert labels == ["Approve quality", "Return to the OPD"]
    comment = section.select_one('form[data-verb="return"] textarea')
    assert comment.has_attr("required") and "required" in comment["placeholder"]
    assert not section.select_one('form[data-verb="qa_approve"] textarea').has_attr("required")
    assert section.select_one('form[data-verb="qa_approve"] input[name="_csrf_token"]')


def test_panel_buttons_follow_the_role(app, clinic):
    login(app, "walidata")
    walidata = panel(app, "jumlah-dokter")
    assert buttons(walidata) == ["return", "withdraw"]
    # The walidata withdraws a dataset in review only with a reason.
    assert walidata.select_one('form[data-verb="withdraw"] textarea').has_attr("required")
    login(app, "opd-dinkes")
    assert buttons(panel(app, "jumlah-dokter")) == []
    draft = panel(app, "data-draf")
    assert draft["data-state"] == "draft" and buttons(draft) == ["submit", "withdraw"]
    assert not draft.select_one('form[data-verb="withdraw"] textarea').has_attr("required")
    assert "Not submitted for review yet." in text(draft)


def test_panel_labels_follow_the_language(app, clinic):
    login(app, "bps-ntt")
    page = soup(app.get("/id/statistik/jumlah-dokter", status=200))
    assert text(page.select_one("#walidata-review .walidata-state")) == "Penjaminan mutu"


@pytest.mark.ckan_config("ckan.display_timezone", "Asia/Makassar")
def test_times_are_shown_in_the_portal_zone(app, clinic):
    login(app, "bps-ntt")
    first = panel(app, "jumlah-dokter").select_one(".walidata-event time")
    created = dt.datetime.fromisoformat(first["datetime"]).astimezone(
        dt.timezone(dt.timedelta(hours=8)))
    assert created.strftime("%H:%M") in text(first)


def test_no_panel_on_stock_datasets(app, clinic):
    login(app, "opd-dinkes")
    stock = factories.Dataset(owner_org=clinic["dokter"]["owner_org"])
    page = soup(app.get(f"/dataset/{stock['name']}", status=200))
    assert page.select_one("#walidata-completeness") and not page.select_one("#walidata-review")


# --- the buttons -------------------------------------------------------------------------


def press(app, dataset: str, verb: str, comment: str = "", token: str | None = None):
    """Press a button of the panel the way a browser does: its form, its CSRF token."""
    form = panel(app, dataset).select_one(f'form[data-verb="{verb}"]')
    assert form is not None, f"no {verb} button"
    token = token or form.select_one('input[name="_csrf_token"]')["value"]
    return app.post(form["action"], data={"_csrf_token": token, "comment": comment})



def test_buttons_move_the_state_and_say_so(app, clinic):
    login(app, "walidata")
    page = soup(press(app, "data-tombol", "verify"))
    assert "Done. The dataset is now: Verifying." in flashes(page)
    assert page.select_one("#walidata-review")["data-state"] == "verifying"

    # A refusal is shown, and nothing moves.
    page = soup(press(app, "data-tombol", "return"))
    assert any("Write the finding" in message for message in flashes(page))
    assert page.select_one("#walidata-review")["data-state"] == "verifying"
    # Returned: the walidata still follows it, with its finding on the timeline.
    page = soup(press(app, "data-tombol", "return", comment="Satuan tidak konsisten."))
    assert "Done. The dataset is now: Returned." in flashes(page)
    assert page.select_one("#walidata-review")["data-state"] == "returned"
    assert call_action("walidata_review_show", id="data-tombol")["state"] == "returned"

    # The OPD fixes and resubmits: back where the other tests expect it.
    login(app, "opd-sosial")
    page = soup(press(app, "data-tombol", "submit"))
    review = page.select_one("#walidata-review")
    assert (review["data-state"], review["data-round"]) == ("submitted", "2")
    assert "Satuan tidak konsisten." in text(review)


def test_a_button_the_role_does_not_have_is_refused(app, clinic):
    login(app, "walidata")
    token = panel(app, "data-tombol").select_one('input[name="_csrf_token"]')["value"]
    response = app.post("/dataset/data-tombol/review/qa_approve",
                        data={"_csrf_token": token, "comment": ""})
    assert any("A quality sign-off is not possible at this stage (Submitted)" in message
               for message in flashes(soup(response)))
    assert call_action("walidata_review_show", id="data-tombol")["state"] == "submitted"


def test_a_post_without_the_csrf_token_is_refused(app, clinic):
    login(app, "walidata")
    app.post("/dataset/data-tombol/review/verify", data={"comment": ""}, status=400)
    assert call_action("walidata_review_show", id="data-tombol")["state"] == "submitted"


def test_unknown_verbs_and_datasets_are_not_found(app, clinic):
    login(app, "walidata")
    token = panel(app, "data-tombol").select_one('input[name="_csrf_token"]')["value"]
    app.post("/dataset/data-tombol/review/approve_everything", data={"_csrf_token": token},
             status=404)
    app.post("/dataset/no-such-dataset/review/verify", data={"_csrf_token": token},
             status=404)
    # A private dataset the user may not read is not found either.
    app.post("/dataset/data-draf/review/withdraw", data={"_csrf_token": token}, status=404)


def test_anonymous_cannot_press_buttons(app, clinic):
    login(app, None)
    token = soup(app.get("/user/login")).select_one('input[name="_csrf_token"]')["value"]
    app.post("/dataset/data-tombol/review/verify", data={"_csrf_token": token}, status=404)
    assert call_action("walidata_review_show", id="data-tombol")["state"] == "submitted"


# --- the berita acara --------------------------------------------------------------------


def test_minutes_download(app, clinic):
    login(app, "opd-dinkes")
    links = panel(app, "data-arsip").select(".walidata-minutes a")
    assert [text(a) for a in links] == [f"{MINUTES_NUMBER} (PDF)"]
    response = app.get(links[0]["href"], status=200)
    assert links[0]["href"].endswith("/dataset/data-arsip/berita-acara/"
                                     "BA-WALIDATA/2026/0001.pdf")
    assert response.get_data() == FAKE_PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="BA-WALIDATA-2026-0001.pdf"')
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(FAKE_PDF).hexdigest()
    # By id as well as by name.
    app.get(f"/dataset/{clinic['arsip']['id']}/berita-acara/{MINUTES_NUMBER}.pdf", status=200)


def test_minutes_of_another_dataset_or_unknown_are_not_found(app, clinic):
    login(app, "opd-dinkes")
    app.get(f"/dataset/data-draf/berita-acara/{MINUTES_NUMBER}.pdf", status=404)
    app.get("/dataset/data-arsip/berita-acara/BA-WALIDATA/2026/0099.pdf", status=404)


@pytest.mark.parametrize("user", [None, "opd-bappeda"])
def test_minutes_of_a_private_dataset_stay_private(app, clinic, user):
    login(app, user)
    response = app.get(f"/dataset/data-arsip/berita-acara/{MINUTES_NUMBER}.pdf")
    assert response.status_code == 404
    assert response.get_data() != FAKE_PDF


def test_bulk_from_the_queue_goes_through_each_guard(app, clinic):
    for name in ("bulk-a", "bulk-b"):
        created = create_checked("opd-bappeda", name=name, title=name.title(),
                                 owner_org=model.Group.get("bappeda").id,
                                 **dict(DATASET, type="pendukung", jenis_data="hasil_survei"))
        act("submit", "opd-bappeda", created["id"])
    act("verify", "walidata", "bulk-a")
    login(app, "walidata")
    queue = soup(app.get("/klinik?state=submitted&state=verifying", status=200))
    form = queue.select_one("form#walidata-bulk")
    token = form.select_one('input[name="_csrf_token"]')["value"]
    page = soup(app.post(form["action"], data={"_csrf_token": token, "action": "verify",
                                               "ids": ["bulk-a", "bulk-b"]}))
    assert "bulk-a: done" in flashes(page) and "bulk-b: done" in flashes(page)
    assert call_action("walidata_review_show", id="bulk-a")["state"] == "verified"
    assert call_action("walidata_review_show", id="bulk-b")["state"] == "verifying"
    page = soup(app.post(form["action"], data={"_csrf_token": token, "action": "publish",
                                               "ids": ["bulk-a"]}))
    assert any(m.startswith("bulk-a:") and "Publication is not possible at this stage" in m
               for m in flashes(page))
