"""The Klinik Walidata path walked by each role through CKAN's actions, with real mail."""

from __future__ import annotations

import email
import socket
import threading
from email.policy import default as default_policy

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from aiosmtpd.controller import Controller
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.sdi_data import COMPLETE_STATISTIK, create_checked

pytestmark = [
    pytest.mark.ckan_config("ckanext.walidata.pembina.statistik", "bps-ntt"),
    pytest.mark.usefixtures("with_plugins", "with_request_context"),
]

DATASET = COMPLETE_STATISTIK


class Inbox:
    """Messages received by a real SMTP server on localhost (aiosmtpd)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"

    def to(self, address: str) -> list[str]:
        return [m["Subject"] for m in self.messages if address in m["To"]]


@pytest.fixture(scope="module")
def inbox():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    handler.port = port
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture(autouse=True)
def mail_goes_to_inbox(inbox, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{inbox.port}")


@pytest.fixture(scope="module")
def people(module_db):
    users = {name: factories.User(name=name, email=f"{name}@example.go.id")
             for name in ("opd-dinkes", "opd-bappeda", "walidata", "bps-ntt", "rangkap")}
    factories.Organization(name="diskominfo", title="Diskominfo", users=[
        {"name": "walidata", "capacity": "admin"}, {"name": "rangkap", "capacity": "admin"}])
    dinkes = factories.Organization(name="dinas-kesehatan", title="Dinas Kesehatan", users=[
        {"name": "opd-dinkes", "capacity": "editor"}, {"name": "rangkap", "capacity": "editor"}])
    factories.Organization(name="bappeda", users=[{"name": "opd-bappeda",
                                                   "capacity": "editor"}])
    return {"users": users, "dinkes": dinkes}


def act(verb: str, user: str, dataset_id: str, **params):
    return call_action(f"walidata_{verb}", context={"user": user, "ignore_auth": False},
                       id=dataset_id, **params)


def new_dataset(people, name: str, creator: str = "opd-dinkes", **fields):
    """A complete statistik dataset whose CSV has passed the quality checks."""
    return create_checked(creator, name=name, title=name.replace("-", " ").title(),
                          owner_org=people["dinkes"]["id"], **dict(DATASET, **fields))


def run_checks(dataset_id: str, user: str = "opd-dinkes") -> dict:
    return call_action("walidata_quality_run", context={"user": user, "ignore_auth": False},
                       id=dataset_id, **{"async": False})


def visible_to(user: str | None, dataset_id: str) -> bool:
    try:
        call_action("package_show", context={"user": user or "", "ignore_auth": False},
                    id=dataset_id)
    except tk.NotAuthorized:
        return False
    return True


def found_by(user: str | None, name: str) -> bool:
    result = call_action("package_search", context={"user": user or "", "ignore_auth": False},
                         fq=f"name:{name}", include_private=True)
    return result["count"] == 1


def test_the_whole_path_with_a_return_and_qa(people, inbox):
    dataset = new_dataset(people, "jumlah-dokter-2023", private=False)
    did = dataset["id"]
    # Stage 1: a draft, private whatever the form said; only its OPD sees it.
    assert dataset["private"] is True
    review = call_action("walidata_review_show", id=did)
    assert review["state"] == "draft"
    for outsider in (None, "opd-bappeda", "walidata", "bps-ntt"):
        assert not visible_to(outsider, did) and not found_by(outsider, dataset["name"])
    assert visible_to("opd-dinkes", did)

    # Stage 2: submitted; the desk is told and can read it, other OPDs still cannot.
    assert act("submit", "opd-dinkes", did)["state"] == "submitted"
    assert any("Pengajuan data baru" in s for s in inbox.to("walidata@example.go.id"))
    assert visible_to("walidata", did) and found_by("walidata", dataset["name"])
    assert not visible_to("opd-bappeda", did) and not visible_to(None, did)

    # Stage 3: verification, a return with a finding, a fix and a resubmission.
    act("verify", "walidata", did)
    with pytest.raises(tk.ValidationError) as no_finding:
        act("return", "walidata", did)
    assert "Write the finding" in str(no_finding.value.error_dict)
    returned = act("return", "walidata", did, comment="Definisi belum mengikuti BPS.")
    assert returned["state"] == "returned"
    assert any("dikembalikan" in s for s in inbox.to("opd-dinkes@example.go.id"))
    call_action("package_patch", context={"user": "opd-dinkes", "ignore_auth": False},
                id=did, definisi="Dokter umum dan spesialis dengan STR aktif (BPS)")
    assert act("submit", "opd-dinkes", did)["round"] == 2
    act("verify", "walidata", did)
    assert act("verify", "walidata", did)["state"] == "qa"  # statistik needs BPS

    # QA by the pembina data (BPS), who can now read it; nobody else may sign off.
    assert visible_to("bps-ntt", did)
    with pytest.raises(tk.ValidationError, match="Only the pembina data of its data group "
                       "may sign off the quality of a dataset at this stage"):
        act("qa_approve", "walidata", did)
    assert act("qa_approve", "bps-ntt", did)["state"] == "verified"
    with pytest.raises(tk.ValidationError, match="Only the walidata may ratify .* you are an "
                       "editor of Dinas Kesehatan"):
        act("ratify", "opd-dinkes", did)

    history = call_action("walidata_review_show", id=did)["events"]
    assert [(e["action"], e["to_state"]) for e in history] == [
        ("submit", "submitted"), ("verify", "verifying"), ("return", "returned"),
        ("submit", "submitted"), ("verify", "verifying"), ("verify", "qa"),
        ("qa_approve", "verified")]
    assert history[2]["findings"] == ["Definisi belum mengikuti BPS."]
    assert not visible_to(None, did) and not found_by(None, dataset["name"])


def test_submit_guards_say_what_is_missing(people):
    thin = new_dataset(people, "data-tipis", resources=[], konsep="", interpretasi="",
                       metode_perhitungan="", ukuran="", tags=[], sumber_data="")
    with pytest.raises(tk.ValidationError) as refused:
        act("submit", "opd-dinkes", thin["id"])
    messages = " ".join(refused.value.error_dict["state"])
    assert "at least 80" in messages and "no data file" in messages
    assert call_action("walidata_review_show", id=thin["id"])["state"] == "draft"


def test_nobody_approves_their_own_submission(people):
    dataset = new_dataset(people, "data-rangkap", creator="rangkap")
    act("submit", "rangkap", dataset["id"])
    with pytest.raises(tk.ValidationError, match="You submitted this dataset"):
        act("verify", "rangkap", dataset["id"])
    assert act("verify", "walidata", dataset["id"])["state"] == "verifying"


def test_the_queue_lists_waiting_datasets_for_reviewers_only(people):
    dataset = new_dataset(people, "data-antre")
    act("submit", "opd-dinkes", dataset["id"])
    queue = call_action("walidata_review_list", context={"user": "walidata",
                                                         "ignore_auth": False},
                        state="submitted", organization="dinas-kesehatan")
    assert "data-antre" in [row["name"] for row in queue["results"]]
    assert all(row["state"] == "submitted" for row in queue["results"])
    with pytest.raises(tk.NotAuthorized):
        call_action("walidata_review_list", context={"user": "opd-dinkes",
                                                     "ignore_auth": False})


def test_two_reviewers_acting_at_once_cannot_both_succeed(people, app):
    dataset = new_dataset(people, "data-balapan")
    act("submit", "opd-dinkes", dataset["id"])
    factories.User(name="walidata-2", email="w2@example.go.id")
    call_action("organization_member_create", id="diskominfo", username="walidata-2",
                role="admin")
    model.Session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def send_back(user: str) -> None:
        with app.flask_app.test_request_context():
            barrier.wait()
            try:
                act("return", user, dataset["id"], comment=f"Temuan dari {user}")
                outcomes.append("ok")
            except tk.ValidationError as error:
                outcomes.append(str(error.error_dict))
            finally:
                model.Session.remove()

    threads = [threading.Thread(target=send_back, args=(u,))
               for u in ("walidata", "walidata-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1
    events = call_action("walidata_review_show", id=dataset["id"])["events"]
    assert [e["action"] for e in events] == ["submit", "return"]


def test_ratify_with_berita_acara_then_publish_and_withdraw(people, inbox, app):
    from io import BytesIO

    from pypdf import PdfReader

    from ckanext.walidata.workflow import minutes, store

    dataset = new_dataset(people, "survei-kepuasan-2024", type="pendukung",
                          jenis_data="hasil_survei")
    did = dataset["id"]
    act("submit", "opd-dinkes", did)
    act("verify", "walidata", did)
    assert act("verify", "walidata", did)["state"] == "verified"  # pendukung: no pembina
    ratified = act("ratify", "walidata", did, comment="Sesuai standar data.")
    assert ratified["state"] == "ratified" and len(ratified["minutes"]) == 1
    event = ratified["events"][-1]
    pdf, sha256, package_id = store.minutes(event["minutes_number"])
    assert package_id == did and sha256 == event["minutes_sha256"] == minutes.fingerprint(pdf)
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert event["minutes_number"] in text and "Survei Kepuasan 2024" in text
    flat = " ".join(text.split())  # names may wrap across lines in the PDF
    for account in ("walidata", "opd-dinkes"):  # people by their names, not their accounts
        assert people["users"][account]["fullname"] in flat
    assert not visible_to(None, did)  # ratified is not yet published

    published = act("publish", "walidata", did)
    assert published["state"] == "published"
    assert visible_to(None, did) and found_by(None, dataset["name"])
    assert "Survei Kepuasan 2024" in app.get("/catalog.ttl").get_data(as_text=True)
    assert any("dipublikasikan" in s for s in inbox.to("opd-dinkes@example.go.id"))

    with pytest.raises(tk.ValidationError, match="Write the finding"):
        act("withdraw", "walidata", did)
    act("withdraw", "walidata", did, comment="Angka tahun 2024 dikoreksi BPS.")
    assert not visible_to(None, did) and not found_by(None, dataset["name"])
    assert "Survei Kepuasan 2024" not in app.get("/catalog.ttl").get_data(as_text=True)


def test_bulk_publish_reports_each_dataset(people):
    ready = []
    for name in ("bulk-satu", "bulk-dua"):
        dataset = new_dataset(people, name, type="pendukung", jenis_data="data_administrasi")
        for verb, user in (("submit", "opd-dinkes"), ("verify", "walidata"),
                           ("verify", "walidata"), ("ratify", "walidata")):
            act(verb, user, dataset["id"])
        ready.append(dataset["id"])
    waiting = new_dataset(people, "bulk-tiga")
    result = call_action("walidata_bulk", context={"user": "walidata", "ignore_auth": False},
                         action="publish", ids=[*ready, waiting["id"], "tidak-ada"])
    assert result["done"] == 2 and result["refused"] == 2
    outcome = {r["id"]: r for r in result["results"]}
    assert all(outcome[i]["state"] == "published" for i in ready)
    # A draft is the OPD's: the walidata may not even read it, let alone publish it.
    assert "not authorized to read" in str(outcome[waiting["id"]]["errors"])
    assert outcome["tidak-ada"]["ok"] is False
    assert visible_to(None, ready[0]) and not visible_to(None, waiting["id"])


def test_each_decision_is_in_the_activity_stream_of_those_who_may_read_it(people):
    dataset = new_dataset(people, "data-aktivitas")
    act("submit", "opd-dinkes", dataset["id"])
    act("return", "walidata", dataset["id"], comment="Satuan belum diisi per kolom.")
    stream = call_action("package_activity_list", context={"user": "opd-dinkes",
                                                           "ignore_auth": False},
                         id=dataset["id"])
    reviews = [a["data"]["walidata_review"] for a in stream if "walidata_review" in a["data"]]
    assert [(r["action"], r["to"]) for r in reviews] == [("return", "returned"),
                                                         ("submit", "submitted")]
    assert reviews[0]["comment"] == "Satuan belum diisi per kolom."
    with pytest.raises(tk.NotAuthorized):
        call_action("package_activity_list", context={"user": "opd-bappeda",
                                                      "ignore_auth": False},
                    id=dataset["id"])


def test_a_published_dataset_cannot_be_edited_in_place_by_its_opd(people):
    dataset = new_dataset(people, "data-terbit", type="pendukung", jenis_data="hasil_survei")
    for verb, user in (("submit", "opd-dinkes"), ("verify", "walidata"), ("verify", "walidata"),
                       ("ratify", "walidata"), ("publish", "walidata")):
        act(verb, user, dataset["id"])
    editor = {"user": "opd-dinkes", "ignore_auth": False}
    with pytest.raises(tk.NotAuthorized, match="You cannot edit this dataset: it is "
                       "published .* through a new Klinik Walidata review"):
        call_action("package_patch", context=dict(editor), id=dataset["id"],
                    notes="Angka diganti tanpa verifikasi")
    with pytest.raises(tk.NotAuthorized, match="You cannot add a file to this dataset: it "
                       "is published .* revision copy"):
        call_action("resource_create", context=dict(editor), package_id=dataset["id"],
                    url="http://data.example/baru.csv", name="Baru")
    assert call_action("package_show", id=dataset["id"])["notes"] == DATASET["notes"]


def test_a_pembina_sees_only_its_data_group_in_the_queue(people):
    statistik = new_dataset(people, "data-statistik-qa")
    pendukung = new_dataset(people, "data-pendukung-qa", type="pendukung",
                            jenis_data="data_administrasi")
    for dataset in (statistik, pendukung):
        act("submit", "opd-dinkes", dataset["id"])
        act("verify", "walidata", dataset["id"])
    waiting = new_dataset(people, "data-statistik-antre")
    act("submit", "opd-dinkes", waiting["id"])
    act("verify", "walidata", statistik["id"])  # to QA
    queue = call_action("walidata_review_list", context={"user": "bps-ntt",
                                                         "ignore_auth": False},
                        state=["submitted", "verifying", "qa"])
    names = {row["name"] for row in queue["results"]}
    assert "data-statistik-qa" in names
    assert not names & {"data-pendukung-qa", "data-statistik-antre"}
    assert {(row["data_group"], row["state"]) for row in queue["results"]} == {
        ("statistik", "qa")}


def test_the_event_log_and_the_minutes_cannot_be_rewritten(people):
    import sqlalchemy as sa

    from ckanext.walidata.workflow import store

    dataset = new_dataset(people, "data-jejak")
    act("submit", "opd-dinkes", dataset["id"])
    store.store_minutes("BA-UJI/2026/0001", dataset["id"], 1, b"%PDF-1.4 uji", "0" * 64)
    model.Session.commit()
    for table in ("walidata_review_event", "walidata_minutes"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            model.Session.execute(sa.text(
                f"UPDATE {table} SET package_id = 'lain' WHERE package_id = :id"),
                {"id": dataset["id"]})
        model.Session.rollback()


def test_a_new_dataset_cannot_borrow_a_published_one_s_name_to_skip_the_review(people):
    published = new_dataset(people, "data-asli", type="pendukung", jenis_data="hasil_survei")
    for verb, user in (("submit", "opd-dinkes"), ("verify", "walidata"), ("verify", "walidata"),
                       ("ratify", "walidata"), ("publish", "walidata")):
        act(verb, user, published["id"])
    sneaky = new_dataset(people, published["id"], private=False)
    assert sneaky["private"] is True
    assert not visible_to(None, sneaky["id"])
    assert call_action("walidata_review_show", id=sneaky["id"])["state"] == "draft"


def test_the_opd_cannot_change_what_is_under_review(people):
    dataset = new_dataset(people, "data-dikunci")
    act("submit", "opd-dinkes", dataset["id"])
    with pytest.raises(tk.NotAuthorized, match="Klinik Walidata"):
        call_action("package_patch", context={"user": "opd-dinkes", "ignore_auth": False},
                    id=dataset["id"], satuan="persen")
    act("return", "walidata", dataset["id"], comment="Periksa satuan.")
    call_action("package_patch", context={"user": "opd-dinkes", "ignore_auth": False},
                id=dataset["id"], satuan="persen")


def test_others_learn_nothing_about_a_private_dataset_through_review_actions(people):
    dataset = new_dataset(people, "data-rahasia-opd")
    with pytest.raises(tk.NotAuthorized):
        act("submit", "opd-bappeda", dataset["id"])
    assert call_action("walidata_review_show", id=dataset["id"])["events"] == []
    # Reading the review wrote nothing.
    assert store_row_count(dataset["id"]) == 0


def store_row_count(package_id: str) -> int:
    import sqlalchemy as sa

    return model.Session.execute(sa.text(
        "SELECT count(*) FROM walidata_review WHERE package_id = :id"),
        {"id": package_id}).scalar_one()


def test_a_new_period_is_reviewed_on_a_copy_while_the_approved_version_stays_public(
        people, app):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    original = new_dataset(people, "penduduk-miskin", type="pendukung",
                           jenis_data="data_administrasi", resources=[], notes="Periode 2023.")
    call_action("resource_create", context={"user": "opd-dinkes", "ignore_auth": False},
                package_id=original["id"], name="Tabel 2023", url="tabel.csv",
                description="Per kabupaten", url_type="upload",
                upload=FileStorage(BytesIO(b"kode,jumlah\n53.71,100\n"), "tabel.csv",
                                   content_type="text/csv"))
    run_checks(original["id"])
    for verb, user in (("submit", "opd-dinkes"), ("verify", "walidata"), ("verify", "walidata"),
                       ("ratify", "walidata"), ("publish", "walidata")):
        act(verb, user, original["id"])

    copy = call_action("walidata_revise", context={"user": "opd-dinkes",
                                                   "ignore_auth": False},
                       id=original["id"])
    assert copy["private"] is True and copy["name"] == "penduduk-miskin-revisi-1"
    assert [r["name"] for r in copy["resources"]] == ["Tabel 2023"]
    from ckanext.walidata.workflow.revision import _file_of

    assert _file_of(copy["resources"][0]) == b"kode,jumlah\n53.71,100\n"
    with pytest.raises(tk.ValidationError, match="already being prepared"):
        call_action("walidata_revise", context={"user": "opd-dinkes", "ignore_auth": False},
                    id=original["id"])

    editor = {"user": "opd-dinkes", "ignore_auth": False}
    call_action("package_patch", context=dict(editor), id=copy["id"], notes="Periode 2024.")
    # The same figures as the published period: the cross-period check calls it a copy,
    # and the walidata passes it on only with a written justification.
    checks = run_checks(copy["id"])
    assert checks["resources"][0]["open_warnings"] == ["satudata-copied-forward"]
    for verb, user in (("submit", "opd-dinkes"), ("verify", "walidata")):
        act(verb, user, copy["id"])
    with pytest.raises(tk.ValidationError, match="without a justification"):
        act("verify", "walidata", copy["id"])
    call_action("walidata_quality_justify", context={"user": "walidata", "ignore_auth": False},
                id=copy["id"], resource_id=copy["resources"][0]["id"],
                error_type="satudata-copied-forward",
                justification="Jumlah tidak berubah: pendataan ulang baru tahun 2025.")
    for verb, user in (("verify", "walidata"), ("ratify", "walidata")):
        act(verb, user, copy["id"])
    # Under review, the public still reads the approved 2023 version.
    public = call_action("package_show", context={"user": "", "ignore_auth": False},
                         id=original["id"])
    assert public["notes"] == "Periode 2023."
    assert not visible_to(None, copy["id"])

    act("publish", "walidata", copy["id"])
    public = call_action("package_show", context={"user": "", "ignore_auth": False},
                         id="penduduk-miskin")
    assert public["notes"] == "Periode 2024." and public["private"] is False
    assert [r["name"] for r in public["resources"]] == ["Tabel 2023"]
    assert _file_of(public["resources"][0]) == b"kode,jumlah\n53.71,100\n"
    assert call_action("package_show", id=copy["id"])["state"] == "deleted"
    assert found_by(None, "penduduk-miskin") and not found_by(None, copy["name"])
    events = call_action("walidata_review_show", id=original["id"])["events"]
    assert events[-1]["comment"] == "revision penduduk-miskin-revisi-1"


def test_two_ratifications_at_once_make_one_berita_acara(people, app):
    dataset = new_dataset(people, "data-sahkan-ganda", type="pendukung",
                          jenis_data="hasil_survei")
    for verb, user in (("submit", "opd-dinkes"), ("verify", "walidata"), ("verify", "walidata")):
        act(verb, user, dataset["id"])
    if model.User.get("walidata-3") is None:
        factories.User(name="walidata-3", email="w3@example.go.id")
        call_action("organization_member_create", id="diskominfo", username="walidata-3",
                    role="admin")
    model.Session.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def ratify(user: str) -> None:
        with app.flask_app.test_request_context():
            barrier.wait()
            try:
                act("ratify", user, dataset["id"])
                outcomes.append("ok")
            except tk.ValidationError as error:
                outcomes.append(str(error.error_dict))
            finally:
                model.Session.remove()

    threads = [threading.Thread(target=ratify, args=(u,)) for u in ("walidata", "walidata-3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 1, outcomes
    review = call_action("walidata_review_show", id=dataset["id"])
    assert review["state"] == "ratified" and len(review["minutes"]) == 1
