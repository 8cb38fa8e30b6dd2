"""The review screens as each role meets them, through CKAN's test app.

Anonymous, an OPD editor, the walidata (an admin of the walidata organization) and
the BPS pembina data read the same scripted history (set up once per module):
the queue's tabs and bulk menu, the header's link, the OPD's own list, the dataset
form's last button, required drop-downs, tags after an error, the completeness
score after the signatures, and the berita acara made from the real event log.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories
from ckan.tests.helpers import _get_test_app, call_action
from pypdf import PdfReader

import ckanext.walidata
from ckanext.walidata.workflow import minutes, store
from ckanext.walidata.workflow.template_helpers import display_name
from tests.pages import login, soup, text
from tests.sdi_data import COMPLETE_STATISTIK, STATISTIK, create_checked

PEMBINA = "ckanext.walidata.pembina.statistik"
pytestmark = [
    pytest.mark.ckan_config(PEMBINA, "bps-ntt"),
    pytest.mark.usefixtures("with_plugins"),
]

FINDING = "Satuan belum mengikuti standar BPS."
FULL_NAMES = {"opd-dinkes": "Maria Goreti Bria", "walidata": "Theresia Lusi Seran",
              "bps-ntt": "Agustinus Ratu Djawa", "warga": "Warga Kupang"}
# Complete, except the two fields the review's signatures fill in.
UNSIGNED = {key: value for key, value in COMPLETE_STATISTIK.items()
            if key not in ("walidata", "pembina_data")}


def act(verb: str, user: str, dataset_id: str, **params: Any) -> dict[str, Any]:
    return call_action(f"walidata_{verb}", context={"user": user, "ignore_auth": False},
                       id=dataset_id, **params)


@pytest.fixture(scope="module")
def screens(module_db) -> dict[str, Any]:
    """One OPD, the walidata desk, BPS, and datasets in returned, QA, submitted, draft
    and ratified (after a return in round 1) states."""
    for name, fullname in FULL_NAMES.items():
        factories.User(name=name, fullname=fullname, email=f"{name}@example.go.id")
    factories.Organization(name="diskominfo", title="Diskominfo",
                           users=[{"name": "walidata", "capacity": "admin"}])
    org = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan",
                                 users=[{"name": "opd-dinkes", "capacity": "editor"}])

    def new(name: str, **fields: Any) -> dict[str, Any]:
        return create_checked("opd-dinkes", name=name, title=name.replace("-", " ").title(),
                              owner_org=org["id"], **dict(UNSIGNED, **fields))

    app = _get_test_app()
    with app.flask_app.test_request_context(), pytest.MonkeyPatch.context() as patch:
        patch.setitem(tk.config, PEMBINA, ["bps-ntt"])
        returned = new("dokter-dikembalikan")
        act("submit", "opd-dinkes", returned["id"])
        act("verify", "walidata", returned["id"])
        act("return", "walidata", returned["id"], comment=FINDING)
        in_qa = new("dokter-qa")
        act("submit", "opd-dinkes", in_qa["id"])
        act("verify", "walidata", in_qa["id"])
        act("verify", "walidata", in_qa["id"])
        submitted = new("survei-diajukan", type="pendukung", jenis_data="hasil_survei")
        act("submit", "opd-dinkes", submitted["id"])
        draft = new("dokter-draf")
        store.ensure(draft["id"], store.State.DRAFT)
        ratified = new("dokter-disahkan")
        act("submit", "opd-dinkes", ratified["id"])
        act("verify", "walidata", ratified["id"])
        act("return", "walidata", ratified["id"], comment="Definisi belum lengkap.")
        act("submit", "opd-dinkes", ratified["id"], comment="Definisi dilengkapi.")
        act("verify", "walidata", ratified["id"])
        act("verify", "walidata", ratified["id"])
        act("qa_approve", "bps-ntt", ratified["id"])
        act("ratify", "walidata", ratified["id"])
        model.repo.commit()
    return {"org": org, "returned": returned, "in_qa": in_qa, "submitted": submitted,
            "draft": draft, "ratified": ratified}


# --- the queue ---------------------------------------------------------------------------


def tabs(page: BeautifulSoup) -> dict[str, int]:
    return {link["data-state"]: int(text(link.select_one("[data-count]")))
            for link in page.select(".walidata-state-counts a[data-state]")}


def rows(page: BeautifulSoup) -> list[str]:
    return [row["data-name"] for row in page.select("table.walidata-queue tr[data-name]")]


def bulk_menu(page: BeautifulSoup) -> list[str]:
    return [option["value"] for option in page.select("#walidata-bulk-action option")]


def test_the_pembina_queue_has_only_the_qa_tab_and_only_the_qa_approval(app, screens):
    login(app, "bps-ntt")
    page = soup(app.get("/klinik", status=200))
    assert tabs(page) == {"": 1, "qa": 1}
    assert rows(page) == ["dokter-qa"]
    assert [o["value"] for o in page.select("#filter-state option")] == ["", "qa"]
    assert bulk_menu(page) == ["qa_approve"]
    # A state BPS does not review is not listed under its name.
    other = soup(app.get("/klinik?state=submitted", status=200))
    assert rows(other) == ["dokter-qa"]
    assert other.select_one('.walidata-state-counts a.active')["data-state"] == ""


def test_the_walidata_bulk_menu_follows_the_tab(app, screens):
    login(app, "walidata")
    waiting = soup(app.get("/klinik", status=200))
    assert set(tabs(waiting)) == {"", "draft", "submitted", "verifying", "returned", "qa",
                                  "verified", "ratified", "published", "withdrawn"}
    assert rows(waiting) == ["dokter-qa", "survei-diajukan"]
    # Never the pembina's approval; a return or a reasoned withdrawal needs its page.
    assert bulk_menu(waiting) == ["verify", "ratify", "withdraw"]
    labels = [text(o) for o in waiting.select("#walidata-bulk-action option")]
    assert labels == ["Verify", "Ratify", "Withdraw"]
    assert bulk_menu(soup(app.get("/klinik?state=ratified"))) == ["publish"]
    # Nothing the walidata can do in bulk in QA: no checkboxes, no menu.
    in_qa = soup(app.get("/klinik?state=qa"))
    assert rows(in_qa) == ["dokter-qa"]
    assert not in_qa.select("#walidata-bulk, input[name=ids]")


# --- the header --------------------------------------------------------------------------


@pytest.mark.parametrize(("user", "href", "label"), [
    ("walidata", "/klinik", "Klinik Walidata"),
    ("bps-ntt", "/klinik", "Klinik Walidata"),
    ("opd-dinkes", "/klinik/opd", "My datasets in review"),
    ("warga", None, None),
    (None, None, None),
])
def test_the_header_links_the_review_for_who_takes_part(app, screens, user, href, label):
    login(app, user)
    link = soup(app.get("/dataset", status=200)).select_one(".walidata-klinik-nav a")
    if href is None:
        assert link is None
    else:
        assert link["href"] == href and text(link) == label


# --- the OPD's own list ------------------------------------------------------------------


def test_the_opd_sees_its_datasets_by_state_returned_first_with_the_finding(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/klinik/opd", status=200))
    sections = [s["data-state"] for s in page.select("section.walidata-opd-state")]
    assert sections == ["returned", "draft", "submitted", "qa", "ratified"]
    returned = page.select_one('li[data-name="dokter-dikembalikan"]')
    assert returned.find_parent("section")["data-state"] == "returned"
    assert f"Finding: {FINDING}" in text(returned)
    assert FULL_NAMES["walidata"] in text(returned.select_one("footer"))
    assert returned.select_one("a")["href"].endswith("/statistik/dokter-dikembalikan")
    assert page.select_one('li[data-name="survei-diajukan"] a')["href"].endswith(
        "/pendukung/survei-diajukan")
    assert "Dokter Qa" in text(page.select_one('section[data-state="qa"]'))


def test_the_opd_dashboard_lists_its_private_datasets(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/dashboard/datasets", status=200))
    review = page.select_one("#walidata-opd-review")
    assert review["data-count"] == "5"
    assert review.select_one("section.walidata-opd-state")["data-state"] == "returned"
    assert "You haven't created any datasets." not in text(page)


@pytest.mark.parametrize("user", [None, "warga", "bps-ntt"])
def test_the_opd_list_is_for_opd_editors(app, screens, user):
    login(app, user)
    app.get("/klinik/opd", status=403)


# --- the dataset form --------------------------------------------------------------------


def form_fields(**changes: str) -> dict[str, str]:
    """The first stage of the statistik form as a browser posts it."""
    fields = {key: value for key, value in STATISTIK.items() if key != "type"}
    fields.update(title="Jumlah Bidan 2023", name="jumlah-bidan-2023",
                  owner_org=model.Group.get("dinas-kesehatan").id,
                  tag_string="kesehatan,bidan", _ckan_phase="dataset_new_1",
                  save="go-resources")
    fields.update(changes)
    return fields


def csrf(page: BeautifulSoup) -> str:
    return page.select_one('input[name="_csrf_token"]')["value"]


def test_required_drop_downs_start_empty_with_a_prompt(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/statistik/new", status=200))
    for field in ("frekuensi", "tingkat_penyajian"):
        chosen = page.select_one(f"#field-{field} option[selected]")
        assert (chosen["value"], text(chosen)) == ("", "Choose…")
    # A required choice with a default keeps it; an optional one starts blank.
    assert page.select_one("#field-klasifikasi_akses option[selected]")["value"] == "terbuka"
    assert page.select_one("#field-level_estimasi option")["value"] == ""
    unchosen = form_fields(frekuensi="", _csrf_token=csrf(page))
    error = soup(app.post("/statistik/new", data=unchosen, status=200))
    assert "Update frequency" in text(error.select_one(".error-explanation"))


def test_tags_survive_a_validation_error(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/statistik/new", status=200))
    reversed_period = form_fields(periode_mulai="2023-12-31", periode_selesai="2023-01-01",
                                  _csrf_token=csrf(page))
    error = soup(app.post("/statistik/new", data=reversed_period, status=200))
    assert "Data period (end)" in text(error.select_one(".error-explanation"))
    assert error.select_one("#field-tag_string")["value"] == "kesehatan,bidan"


def test_the_last_form_button_saves_a_draft_instead_of_publishing(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/statistik/new", status=200))
    created = app.post("/statistik/new", data=form_fields(_csrf_token=csrf(page)),
                       follow_redirects=False)
    assert created.status_code == 302
    resource_form = soup(app.get(created.headers["Location"], status=200))
    button = resource_form.select_one('button[name="save"][value="go-metadata"]')
    assert text(button) == "Save draft"
    assert "submit it for review from its page" in text(
        resource_form.select_one(".walidata-save-note"))
    assert call_action("package_show", id="jumlah-bidan-2023")["tags"][0]["name"] in {
        "kesehatan", "bidan"}


# --- completeness after the signatures ---------------------------------------------------


def missing_fields(app, name: str) -> set[str]:
    page = soup(app.get(f"/statistik/{name}", status=200))
    return {li["data-field"] for li in page.select("#walidata-completeness li[data-field]")}


def test_signatures_fill_the_walidata_and_pembina_fields(app, screens):
    login(app, "walidata")
    assert {"walidata", "pembina_data"} <= missing_fields(app, "dokter-dikembalikan")
    in_qa = missing_fields(app, "dokter-qa")
    assert "walidata" not in in_qa and "pembina_data" in in_qa
    assert not {"walidata", "pembina_data"} & missing_fields(app, "dokter-disahkan")
    assert call_action("package_search", fq="name:dokter-disahkan", include_private=True,
                       fl="completeness_score")["results"][0]["completeness_score"] == 100


# --- the berita acara from the event log -------------------------------------------------


def test_the_minutes_name_everyone_of_every_round_in_the_portal_zone(app, screens):
    events = store.events(screens["ratified"]["id"])
    with app.flask_app.test_request_context():
        people = minutes.people(events, display_name)
    ratified_at = datetime.fromisoformat(events[-1]["created_at"])
    record = minutes.MinutesRecord(
        number="BA-WALIDATA/2026/0042", portal="Portal Satu Data NTT",
        dataset_title="Dokter Disahkan", dataset_name="dokter-disahkan",
        dataset_id=screens["ratified"]["id"], dataset_type="statistik",
        organization="Dinas Kesehatan", version=2, period="2023", completeness=100,
        checks=(), findings=("Definisi belum lengkap.",), signatories=people,
        ratified_at=ratified_at, url="http://test.ckan.net/statistik/dokter-disahkan",
        zone="Asia/Makassar")
    pdf = minutes.render(record)
    content = " ".join(" ".join(page.extract_text().split())
                       for page in PdfReader(io.BytesIO(pdf)).pages)
    # Round 1's submission and return are there, with round 2's steps.
    assert [(p.action, p.round) for p in people] == [
        ("submit", 1), ("verify", 1), ("return", 1), ("submit", 2), ("verify", 2),
        ("verify", 2), ("qa_approve", 2), ("ratify", 2)]
    assert "Mengembalikan dengan temuan (putaran ke-1)" in content
    for name in ("opd-dinkes", "walidata", "bps-ntt"):
        assert FULL_NAMES[name] in content
    assert "Produsen data (OPD)" in content and "Pembina data (BPS)" in content
    for code in ("produsen", "qa_approve", "ratify", " UTC"):
        assert code not in content
    local = ratified_at.astimezone(timezone(timedelta(hours=8)))
    assert f"{local.hour:02d}.{local.minute:02d} WITA" in content
    assert "Waktu dalam WITA (Asia/Makassar)." in content
    closing = content[content.index("V. Pengesahan"):]
    assert f"{FULL_NAMES['bps-ntt']} Menjamin kualitas" in closing
    assert f"{FULL_NAMES['walidata']} Mengesahkan" in closing
    assert "Pembina data (BPS), (disetujui secara elektronik" in closing


# --- Indonesian, the portal's default language -------------------------------------------


def _compiled(msgid: str) -> bool:
    """Whether the compiled Indonesian catalogue translates ``msgid`` yet."""
    mo = Path(ckanext.walidata.__file__).parent / "i18n/id/LC_MESSAGES/ckanext-walidata.mo"
    if not mo.exists():
        return False
    with mo.open("rb") as catalogue:
        return gettext.GNUTranslations(catalogue).gettext(msgid) != msgid


@pytest.mark.ckan_config("ckan.locale_default", "id")
def test_the_default_locale_shows_the_review_states_in_indonesian(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/klinik/opd", status=200))
    labels = [text(s.select_one("h3 .badge")) for s in page.select("section.walidata-opd-state")]
    assert labels == ["Dikembalikan", "Persiapan", "Diajukan", "Penjaminan mutu", "Disahkan"]
    login(app, "bps-ntt")
    tab = soup(app.get("/klinik", status=200)).select_one(
        '.walidata-state-counts a[data-state="qa"]')
    assert "Penjaminan mutu" in text(tab)


@pytest.mark.skipif(not _compiled("Save draft"), reason=(
    "checks the msgids of /tmp/i18n/screens.po once they are merged and compiled"))
@pytest.mark.ckan_config("ckan.locale_default", "id")
def test_the_default_locale_shows_the_new_screens_in_indonesian(app, screens):
    login(app, "opd-dinkes")
    page = soup(app.get("/klinik/opd", status=200))
    assert text(page.select_one("h1")) == "Dataset saya dalam verifikasi"
    assert text(page.select_one(".walidata-klinik-nav a")) == "Dataset saya dalam verifikasi"
    assert "perbaiki dataset" in text(page.select_one('section[data-state="returned"] p'))
    form = soup(app.get("/statistik/new", status=200))
    assert text(form.select_one("#field-frekuensi option[selected]")) == "Pilih…"
