"""What the pages show of the quality checks: badges, a resource's report, the review's checks.

CKAN renders the resource and dataset pages with its own views, so their data comes through
template helpers; the quality blueprint and the review panel use the same badges so that a
status looks the same on every page. Reports are read as a walidata reads them: findings
grouped by type, errors first, each with its first occurrences (row, column, value) and
a message in the page language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ckan.plugins.toolkit as tk
from flask import has_request_context
from werkzeug.routing import BuildError

from ..quality import findings
from ..workflow.machine import N_
from . import review, runner

# Occurrences listed per finding type; the rest are counted.
SHOWN_PER_GROUP = 20

# Badge of each check status: (label, Bootstrap 5 classes, Font Awesome icon).
# ``warning`` is a success with warnings: nothing blocks, but someone must read them.
BADGES: dict[str, tuple[str, str, str]] = {
    "success": (N_("Passed"), "bg-success", "fa-circle-check"),
    "warning": (N_("Warnings"), "bg-warning text-dark", "fa-triangle-exclamation"),
    "failure": (N_("Failed"), "bg-danger", "fa-circle-xmark"),
    "created": (N_("Checking"), "bg-info text-dark", "fa-hourglass-half"),
    "running": (N_("Checking"), "bg-info text-dark", "fa-spinner"),
    "error": (N_("Could not be checked"), "bg-dark", "fa-ban"),
    "none": (N_("Not checked yet"), "bg-secondary", "fa-circle-question"),
}

# Indonesian descriptions of the finding types a walidata meets; a type that is missing
# here (or a class without ``description_id``) keeps its English description.
DESCRIPTIONS_ID = {
    "blank-header": "Baris tajuk kosong: berkas tidak memiliki nama kolom.",
    "blank-label": "Salah satu nama kolom di baris tajuk kosong. Beri nama setiap kolom.",
    "duplicate-label": "Dua kolom di baris tajuk bernama sama. Nama kolom harus unik.",
    "extra-label": "Tajuk berkas berisi kolom yang tidak ada di kamus data.",
    "missing-label": "Kolom yang ada di kamus data tidak ditemukan di tajuk berkas.",
    "incorrect-label": "Nama kolom di berkas tidak sama dengan nama di kamus data.",
    "blank-row": "Baris ini kosong. Hapus baris kosong dari tabel.",
    "extra-cell": "Baris berisi nilai lebih banyak daripada jumlah kolom tajuk; biasanya ada "
                  "koma di dalam nilai yang tidak diberi tanda kutip.",
    "missing-cell": "Baris berisi nilai lebih sedikit daripada jumlah kolom tajuk. Semua baris "
                    "tabel harus memiliki jumlah kolom yang sama.",
    "type-error": "Nilai tidak sesuai dengan tipe dan format kolom di kamus data (misalnya "
                  "teks di kolom angka).",
    "constraint-error": "Nilai melanggar batasan kolom di kamus data (wajib diisi, minimum, "
                        "maksimum).",
    "unique-error": "Kolom ini harus unik, tetapi nilainya sudah dipakai di baris lain.",
    "primary-key": "Nilai kunci utama harus unik di setiap baris.",
    "encoding-error": "Berkas tidak dapat dibaca karena pengodean karakternya. Simpan ulang "
                      "sebagai CSV UTF-8.",
    "format-error": "Berkas tidak dapat dibaca sebagai CSV atau XLSX.",
    "scheme-error": "Alamat berkas tidak dapat dibaca.",
    "source-error": "Isi berkas tidak didukung atau tidak konsisten.",
    "resource-error": "Pemeriksaan tidak dapat dijalankan atas berkas ini.",
    "schema-error": "Kamus data bukan Table Schema yang sah.",
    "check-error": "Salah satu pemeriksaan tidak dapat dijalankan.",
    "satudata-copied-forward": "Tabel berisi angka yang sama dengan periode sebelumnya.",
    "satudata-empty-table": "Berkas tidak berisi baris data. Pastikan berkas yang benar "
                            "diunggah dan berupa tabel CSV atau XLSX dengan baris tajuk dan "
                            "data di bawahnya.",
    "satudata-merged-header": "Baris pertama lembar kerja berisi sel yang digabung; nama kolom "
                              "dibentuk dengan menggabungkan baris-baris tajuk. Periksa di "
                              "kamus data, atau buat lembar kerja dengan satu baris tajuk.",
    "satudata-negative-count": "Suatu jumlah (jumlah, banyaknya) bernilai di bawah nol.",
    "satudata-peer-mismatch": "OPD lain menerbitkan angka yang berbeda untuk indikator, wilayah "
                              "dan periode yang sama.",
    "satudata-peer-mismatch-more": "Perbedaan dengan dataset OPD lain di luar yang dirinci "
                                   "satu per satu.",
    "satudata-percent-range": "Suatu persentase bernilai di bawah 0 atau di atas 100.",
    "satudata-period-change": "Suatu angka berubah dari periode sebelumnya melebihi rasio yang "
                              "diizinkan.",
    "satudata-period-change-more": "Perubahan tajam di luar yang dirinci satu per satu.",
    "satudata-personal-email": "Suatu kolom berisi alamat surel perorangan.",
    "satudata-personal-email-restricted": "Suatu kolom berisi alamat surel perorangan.",
    "satudata-personal-name-address": "Tabel berisi nama perorangan beserta alamatnya.",
    "satudata-personal-name-address-restricted": "Tabel berisi nama perorangan beserta "
                                                 "alamatnya.",
    "satudata-personal-nik": "Suatu kolom berisi Nomor Induk Kependudukan (NIK) perorangan.",
    "satudata-personal-nik-restricted": "Suatu kolom berisi Nomor Induk Kependudukan (NIK) "
                                        "perorangan.",
    "satudata-personal-phone": "Suatu kolom berisi nomor telepon perorangan.",
    "satudata-personal-phone-restricted": "Suatu kolom berisi nomor telepon perorangan.",
    "satudata-region-coverage": "Suatu kode wilayah berada di luar wilayah cakupan dataset.",
    "satudata-region-level": "Suatu kode wilayah lebih rendah tingkatnya daripada tingkat "
                             "penyajian yang dinyatakan di metadata.",
    "satudata-total-mismatch": "Kolom total berbeda dengan jumlah kolom-kolom rinciannya di "
                               "baris yang sama.",
    "satudata-total-row-mismatch": "Baris jumlah (Jumlah, atau wilayah induk) berbeda dengan "
                                   "jumlah baris-baris lainnya.",
    "satudata-unknown-region-code": "Suatu kode wilayah tidak ada dalam daftar kode wilayah "
                                    "Kemendagri.",
    "satudata-unknown-urusan-code": "Suatu kode urusan pemerintahan tidak ada dalam klasifikasi "
                                    "urusan (Permendagri 90/2019).",
}

# Frictionless's note when it stops collecting errors (``limit_errors``).
ERROR_LIMIT_NOTE = "reached error limit"


def page_language() -> str:
    """``id`` or ``en``: the language findings are rendered in (outside requests: default)."""
    lang = tk.h.lang() if has_request_context() else tk.config.get("ckan.locale_default")
    return "id" if (lang or "id").split("_")[0] == "id" else "en"


def check_badge(status: str | None, warnings: int = 0) -> dict[str, str]:
    """``{key, label, css, icon}`` of a check status; a success with warnings warns."""
    key = status if status in BADGES else "none"
    if key == "success" and warnings:
        key = "warning"
    label, css, icon = BADGES[key]
    return {"key": key, "label": tk._(label), "css": css, "icon": icon}


def description(error_type: str, english: str, language: str) -> str:
    if language != "id":
        return english
    cls = findings.registry().get(error_type)
    return (getattr(cls, "description_id", None) or DESCRIPTIONS_ID.get(error_type)
            or english)


def _occurrence(error: Mapping[str, Any], language: str) -> dict[str, Any]:
    """One finding as a table row: where, what, and why, in the page language."""
    return {"row": error.get("rowNumber"),
            "column": error.get("fieldName") or error.get("label") or "",
            "value": error.get("cell"),
            "message": findings.message(error, language)}


def report_groups(report: Mapping[str, Any], language: str,
                  justifications: Mapping[str, Mapping[str, Any]] | None = None,
                  shown: int = SHOWN_PER_GROUP) -> list[dict[str, Any]]:
    """The report's findings by type, errors before warnings, most frequent first."""
    justifications = justifications or {}
    groups = []
    for group in findings.summarize(report, keep_per_type=shown).groups:
        justification = justifications.get(group.type)
        occurrences = [_occurrence(error, language) for error in group.errors]
        groups.append({
            "type": group.type, "severity": group.severity.value,
            "title": group.title_id if language == "id" else group.title,
            "description": description(group.type, group.description, language),
            "count": group.count,
            "occurrences": occurrences,
            # Findings about the whole table have no cell to point at: a list, not a table.
            "located": any(o["row"] is not None or o["column"] or o["value"] is not None
                           for o in occurrences),
            "more": group.count - len(group.errors),
            "justification": _justification(justification) if justification else None,
        })
    return groups


def _justification(item: Mapping[str, Any]) -> dict[str, Any]:
    from ..workflow.template_helpers import display_name, when

    return {"text": item.get("justification") or "", "author": item.get("author") or "",
            "author_name": display_name(item.get("author")),
            "when": when(item.get("created"))}


def error_limit_reached(report: Mapping[str, Any]) -> bool:
    notes = list(report.get("warnings") or [])
    for task in report.get("tasks") or ():
        notes += task.get("warnings") or []
    return any(ERROR_LIMIT_NOTE in str(note) for note in notes)


def resource_url(dataset: Mapping[str, Any], resource_id: str, anchor: str = "") -> str:
    """The resource page of a dataset of any type (a type without blueprint: ``dataset``)."""
    name = dataset.get("name") or dataset["id"]
    try:
        url = tk.h.url_for(f"{dataset.get('type') or 'dataset'}_resource.read", id=name,
                           resource_id=resource_id)
    except BuildError:
        url = tk.h.url_for("dataset_resource.read", id=name, resource_id=resource_id)
    return f"{url}#{anchor}" if anchor else url


def _may(action: str, data_dict: dict[str, Any]) -> bool:
    try:
        return bool(tk.h.check_access(action, data_dict))
    except tk.ObjectNotFound:
        return False


def may_edit_dictionary(dataset: Mapping[str, Any], resource_id: str) -> bool:
    """Whoever may update the dataset and the resource edits its data dictionary."""
    return (_may("package_update", {"id": dataset["id"]})
            and _may("resource_update", {"id": resource_id}))


def walidata_validation_report(resource: Mapping[str, Any] | str,
                               package: Mapping[str, Any] | None = None
                               ) -> dict[str, Any] | None:
    """A resource's checks as its page shows them; None when it has nothing to check.

    None also when the user may not read the resource: the page renders either way.
    """
    try:
        if isinstance(resource, str):
            resource = tk.get_action("resource_show")({}, {"id": resource})
        if not runner.is_tabular(resource):
            return None
        try:
            validation = tk.get_action("resource_validation_show")(
                {}, {"resource_id": resource["id"]})
        except tk.ObjectNotFound:
            validation = None
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    if package is None or package.get("id") != resource.get("package_id"):
        package = tk.get_action("package_show")({"ignore_auth": True},
                                                {"id": resource["package_id"]})
    from ..workflow.template_helpers import when

    item = next((i for i in review.dataset_quality(package)["resources"]
                 if i["resource_id"] == resource["id"]), None)
    language = page_language()
    status = validation["status"] if validation else None
    report = (validation or {}).get("report") or {}
    summary = (validation or {}).get("summary") or {}
    warnings = int(summary.get("warnings") or 0)
    running = status in ("created", "running")
    return {
        "resource_id": resource["id"], "status": status,
        "badge": check_badge(status, 0 if running else warnings),
        "current": bool(item and item["current"]), "running": running,
        "created": when((validation or {}).get("created")),
        "finished": when((validation or {}).get("finished")),
        "error": (validation or {}).get("error"),
        "progress": (validation or {}).get("progress"),
        # While a new run goes, the previous run's report stays readable.
        "has_report": bool(report), "previous": running and bool(report),
        "rows": int(summary.get("rows") or 0), "errors": int(summary.get("errors") or 0),
        "warnings": warnings,
        "groups": report_groups(report, language, (item or {}).get("justifications")),
        "error_limit_reached": error_limit_reached(report),
        "has_schema": has_schema(resource),
        "may_run": _may("resource_validation_run", {"resource_id": resource["id"]}),
        "may_edit_dictionary": may_edit_dictionary(package, resource["id"]),
        "run_url": tk.h.url_for("walidata_quality.run_resource",
                                id=package.get("name") or package["id"],
                                resource_id=resource["id"]),
        "dictionary_url": tk.h.url_for("walidata_quality.data_dictionary",
                                       id=package.get("name") or package["id"],
                                       resource_id=resource["id"]),
    }


def has_schema(resource: Mapping[str, Any]) -> bool:
    try:
        return bool(runner.table_schema(resource))
    except ValueError:  # not JSON: the editor offers to start again from the file
        return False


def walidata_resource_check_badge(resource: Mapping[str, Any]) -> dict[str, str] | None:
    """The badge of a resource in a list; None for files that are not checked (PDF, ...)."""
    if not runner.is_tabular(resource):
        return None
    status = resource.get("validation_status")
    warnings = 0
    if status == "success":
        from . import store

        row = store.get(resource["id"]) or {}
        warnings = int((row.get("summary") or {}).get("warnings") or 0)
    return check_badge(status, warnings)


def walidata_dataset_check_badge(package: Mapping[str, Any]) -> dict[str, str] | None:
    """One badge for a dataset in search results: the worst of its resources' statuses.

    Only the warnings need the table (one query, and only for datasets that passed).
    """
    statuses = [{"status": r["validation_status"]} for r in package.get("resources") or []
                if r.get("validation_status")]
    status = runner.dataset_status(statuses)
    if status is None:
        return None
    warnings = 0
    if status == "success" and package.get("id"):
        warnings = (review.queue_checks([package["id"]]).get(package["id"]) or {}).get(
            "warnings") or 0
    return check_badge(status, warnings)


def review_checks(pkg: Mapping[str, Any], quality: Mapping[str, Any] | None
                  ) -> dict[str, Any] | None:
    """The review panel's checks section: per table its badge, report link and warnings."""
    if quality is None:
        return None
    from ..workflow.template_helpers import display_name, when

    language = page_language()
    dataset_ref = pkg.get("name") or pkg["id"]
    may_justify = _may("walidata_quality_justify", {"id": pkg["id"]})
    resources = []
    for item in quality.get("resources") or []:
        running = item["status"] in ("created", "running")

        def title(error_type: str, item: Mapping[str, Any] = item) -> str:
            info = item["types"].get(error_type) or {}
            return (info.get("title_id") if language == "id" else info.get("title")
                    ) or error_type

        resources.append(dict(
            item,
            badge=check_badge(item["status"] if item["current"] else None,
                              0 if running else item["warnings"]),
            url=resource_url(pkg, item["resource_id"], "walidata-quality"),
            open_warnings=[{"type": t, "title": title(t),
                            "count": (item["types"].get(t) or {}).get("count") or 0}
                           for t in item["open_warnings"]],
            justifications=[{"type": t, "title": title(t), "text": j.get("justification"),
                             "author_name": display_name(j.get("author")),
                             "when": when(j.get("created"))}
                            for t, j in sorted(item["justifications"].items())],
        ))
    return {
        "status": quality.get("status"), "errors": quality.get("errors") or 0,
        "warnings": quality.get("warnings") or 0, "blocking": quality.get("blocking") or [],
        "resources": resources,
        "badge": check_badge(quality.get("status"), quality.get("warnings") or 0),
        "may_justify": may_justify,
        "may_run": _may("walidata_quality_run", {"id": pkg["id"]}),
        "run_url": tk.h.url_for("walidata_quality.run_dataset", id=dataset_ref),
        "justify_url": tk.h.url_for("walidata_quality.justify", id=dataset_ref),
    }


def check_event_text(checks: Mapping[str, Any] | None, name: str) -> str:
    """A ``check`` event of the timeline: "Quality check: file — 3 errors, 1 warning"."""
    checks = checks or {}
    if checks.get("status") == "error":
        outcome = tk._("could not be checked")
    else:
        outcome = counts_text(int(checks.get("errors") or 0), int(checks.get("warnings") or 0))
    return tk._("Quality check: {name} — {outcome}").format(name=name, outcome=outcome)


def counts_text(errors: int, warnings: int) -> str:
    return "{errors}, {warnings}".format(
        errors=tk.ungettext("{num} error", "{num} errors", errors).format(num=errors),
        warnings=tk.ungettext("{num} warning", "{num} warnings", warnings).format(
            num=warnings))


def get_helpers() -> dict[str, Any]:
    """The helpers to register in the plugin's ``get_helpers``."""
    return {"walidata_validation_report": walidata_validation_report,
            "walidata_resource_check_badge": walidata_resource_check_badge,
            "walidata_dataset_check_badge": walidata_dataset_check_badge,
            "walidata_check_badge": check_badge,
            "walidata_is_checked": runner.is_tabular}
