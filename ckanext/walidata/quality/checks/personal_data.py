"""Rule 5: personal data (UU 27/2022 Pelindungan Data Pribadi) in a table.

Columns are judged on the first ``SAMPLE_ROWS`` rows only and reported once each, not per
row: a column of NIK, phone numbers or e-mail addresses (a clear majority of its sampled
values), or a column of person names in a table that also has an address column. After
the sample the check costs nothing. In open data a finding blocks publication (error);
elsewhere it asks for a justification (warning).

The report must not become a copy of what it flags: the cell and the row's cells stored
with a finding have every personal column masked.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import attrs
from frictionless import Check

from .. import findings
from ..batch import Batch
from ..columns import Columns, normalise_name
from ..context import CheckContext
from ..findings import SatuDataCellError, Severity

NO_ERRORS: tuple = ()
SAMPLE_ROWS = 1_000
MIN_MATCHES = 3
MAJORITY = 0.5

_NIK_RANGE = (10**15, 10**16)
_SEPARATORS = re.compile(r"[\s.\-()/]")
_PHONE = re.compile(r"(\+62|62|0)[1-9]\d{7,11}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
# Office mailboxes (dinkes@kupangkota.go.id) are not personal data.
_INSTITUTION_MAIL = re.compile(r"\.(go|sch|ac|mil|desa|or)\.id$", re.IGNORECASE)
_PHONE_NAME = re.compile(r"(^|_)(hp|no_?hp|telp|telpon|telepon|tlp|phone|ponsel|handphone|wa|"
                         r"whatsapp|kontak|mobile|seluler)(_|$)")
_PERSON_NAME = re.compile(
    r"^(nama|name|full_?name|first_?name|last_?name|person_?name|nama_?lengkap|"
    r"nama_(depan|belakang|penerima(_manfaat)?|pemohon|pasien|siswa|murid|pegawai|karyawan|"
    r"peserta|kepala_keluarga|kk|pemilik|responden|warga|penduduk|ibu|ayah|anak|suami|istri|"
    r"pelapor|korban|petani|nelayan|guru|mahasiswa|asn|pns|pendaftar|pengguna|debitur|nasabah|"
    r"wajib_pajak|penyandang|balita|bayi|lansia|pengusaha|pelaku_usaha|ketua|anggota|orang))$")
_ADDRESS_NAME = re.compile(r"^(alamat|address|domisili|tempat_tinggal)(_.*)?$|_(alamat|address)$")
# A "nama" column of schools, clinics or offices is a directory, not a list of persons.
_INSTITUTION_NAME = re.compile(
    r"^(sd|sdn|smp|smpn|sma|sman|smk|smkn|slb|tk|paud|mi|min|mts|mtsn|ma|man|puskesmas|pustu|"
    r"rs|rsu|rsud|rsia|rumah sakit|klinik|apotek|posyandu|polindes|poskesdes|kantor|dinas|"
    r"badan|balai|upt|uptd|pt|cv|ud|koperasi|kud|bumdes|bank|toko|hotel|pasar|masjid|mesjid|"
    r"gereja|pura|vihara|klenteng|mushol+a|pondok|yayasan|universitas|institut|sekolah|"
    r"politeknik|akademi|stikes|desa|kelurahan|kecamatan|kabupaten|kota|provinsi|jalan|jl|"
    r"terminal|pelabuhan|bandara|taman|lapangan|stadion|gedung|kelompok|gapoktan|"
    r"perpustakaan|museum|lembaga|organisasi|sanggar|perusahaan|pabrik)\b", re.IGNORECASE)

NIK, PHONE, EMAIL = "nik", "phone", "email"
VALUE_KINDS = (NIK, PHONE, EMAIL)


# --- findings ----------------------------------------------------------------------------

_WHERE_EN = ' ({note}; first in row {rowNumber}: "{cell}").'
_WHERE_ID = ' ({note}; pertama di baris {rowNumber}: "{cell}").'
_OPEN_EN = " Open data must not contain it: drop the column or publish aggregates."
_OPEN_ID = " Data terbuka tidak boleh memuatnya: hapus kolom ini atau terbitkan agregatnya."
_CLOSED_EN = (" The dataset is not open data: keep it closed and record the legal basis for "
              "processing it.")
_CLOSED_ID = (" Dataset ini bukan data terbuka: pastikan tetap tertutup dan catat dasar hukum "
              "pemrosesannya.")

_NIK_EN = ('Column "{fieldName}" holds NIK (national identity numbers), personal data '
           'protected by UU 27/2022' + _WHERE_EN)
_NIK_ID = ('Kolom "{fieldName}" berisi NIK (nomor induk kependudukan), data pribadi yang '
           'dilindungi UU 27/2022' + _WHERE_ID)
_PHONE_EN = ('Column "{fieldName}" holds phone numbers, personal data protected by UU 27/2022'
             + _WHERE_EN)
_PHONE_ID = ('Kolom "{fieldName}" berisi nomor telepon, data pribadi yang dilindungi UU '
             '27/2022' + _WHERE_ID)
_EMAIL_EN = ('Column "{fieldName}" holds e-mail addresses, personal data protected by UU '
             '27/2022' + _WHERE_EN)
_EMAIL_ID = ('Kolom "{fieldName}" berisi alamat surel (e-mail), data pribadi yang dilindungi '
             'UU 27/2022' + _WHERE_ID)
_NAME_EN = ('Column "{fieldName}" holds names of persons together with their addresses '
            '({note}), personal data protected by UU 27/2022; first in row {rowNumber}.')
_NAME_ID = ('Kolom "{fieldName}" berisi nama orang beserta alamatnya ({note}), data pribadi '
            'yang dilindungi UU 27/2022; pertama di baris {rowNumber}.')


@findings.register
@attrs.define(kw_only=True, repr=False)
class PersonalNikError(SatuDataCellError):
    """NIK in open data. The note is ``n = <matches>/<non-empty sampled values>``."""

    type = "satudata-personal-nik"
    title = "Personal data: NIK"
    description = "A column holds national identity numbers (NIK) of persons."
    template = _NIK_EN + _OPEN_EN
    severity = Severity.ERROR
    title_id = "Data pribadi: NIK"
    template_id = _NIK_ID + _OPEN_ID


@findings.register
class PersonalNikWarning(PersonalNikError):
    """NIK in data that is not open."""

    type = "satudata-personal-nik-restricted"
    template = _NIK_EN + _CLOSED_EN
    severity = Severity.WARNING
    template_id = _NIK_ID + _CLOSED_ID


@findings.register
@attrs.define(kw_only=True, repr=False)
class PersonalPhoneError(SatuDataCellError):
    """Phone numbers in open data. The note is ``n = <matches>/<non-empty sampled values>``."""

    type = "satudata-personal-phone"
    title = "Personal data: phone numbers"
    description = "A column holds phone numbers of persons."
    template = _PHONE_EN + _OPEN_EN
    severity = Severity.ERROR
    title_id = "Data pribadi: nomor telepon"
    template_id = _PHONE_ID + _OPEN_ID


@findings.register
class PersonalPhoneWarning(PersonalPhoneError):
    type = "satudata-personal-phone-restricted"
    template = _PHONE_EN + _CLOSED_EN
    severity = Severity.WARNING
    template_id = _PHONE_ID + _CLOSED_ID


@findings.register
@attrs.define(kw_only=True, repr=False)
class PersonalEmailError(SatuDataCellError):
    """E-mail addresses in open data. The note is ``n = <matches>/<non-empty sampled>``."""

    type = "satudata-personal-email"
    title = "Personal data: e-mail addresses"
    description = "A column holds e-mail addresses of persons."
    template = _EMAIL_EN + _OPEN_EN
    severity = Severity.ERROR
    title_id = "Data pribadi: alamat surel"
    template_id = _EMAIL_ID + _OPEN_ID


@findings.register
class PersonalEmailWarning(PersonalEmailError):
    type = "satudata-personal-email-restricted"
    template = _EMAIL_EN + _CLOSED_EN
    severity = Severity.WARNING
    template_id = _EMAIL_ID + _CLOSED_ID


@findings.register
@attrs.define(kw_only=True, repr=False)
class PersonalNameAddressError(SatuDataCellError):
    """Names with addresses in open data. The note is ``<name> + <address>; n = <rows>``."""

    type = "satudata-personal-name-address"
    title = "Personal data: names with addresses"
    description = "A table holds names of persons together with their addresses."
    template = _NAME_EN + _OPEN_EN
    severity = Severity.ERROR
    title_id = "Data pribadi: nama dan alamat"
    template_id = _NAME_ID + _OPEN_ID


@findings.register
class PersonalNameAddressWarning(PersonalNameAddressError):
    type = "satudata-personal-name-address-restricted"
    template = _NAME_EN + _CLOSED_EN
    severity = Severity.WARNING
    template_id = _NAME_ID + _CLOSED_ID


ERRORS = (PersonalNikError, PersonalNikWarning, PersonalPhoneError, PersonalPhoneWarning,
          PersonalEmailError, PersonalEmailWarning, PersonalNameAddressError,
          PersonalNameAddressWarning)
# kind → (error class in open data, class otherwise)
_CLASSES = {NIK: (PersonalNikError, PersonalNikWarning),
            PHONE: (PersonalPhoneError, PersonalPhoneWarning),
            EMAIL: (PersonalEmailError, PersonalEmailWarning),
            "name": (PersonalNameAddressError, PersonalNameAddressWarning)}


# --- masking -----------------------------------------------------------------------------


def mask_number(text: str) -> str:
    """``5301015501900001`` → ``5301**********01``: enough to find the row, not the person."""
    text = str(text)
    if len(text) <= 6:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 6) + text[-2:]


def mask_email(text: str) -> str:
    """``budi.santoso@gmail.com`` → ``b***@gmail.com``."""
    local, _, domain = str(text).strip().partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Names and addresses are masked whole."""
    return "***" if str(text).strip() else ""


MASKS = {NIK: mask_number, PHONE: mask_number, EMAIL: mask_email, "name": mask_text,
         "address": mask_text}


def mask_report(report: dict[str, Any], personal: Mapping[str, str]) -> None:
    """Mask the personal columns in every error of a report descriptor, in place.

    Frictionless's own errors and the other checks' findings quote the whole row (``cells``)
    and a cell; once this check has judged a column personal (``personal_columns``), they
    must not keep it in the clear either.
    """
    if not personal:
        return
    for task in report.get("tasks") or ():
        masks = [(number, MASKS[personal[name]])
                 for number, name in enumerate(task.get("labels") or (), start=1)
                 if name in personal]
        for error in task.get("errors") or ():
            cells = error.get("cells")
            if isinstance(cells, list):
                error["cells"] = cells = list(cells)
                for number, mask in masks:
                    if number <= len(cells) and cells[number - 1]:
                        cells[number - 1] = mask(cells[number - 1])
            name = error.get("fieldName")
            if name in personal and error.get("cell"):
                masked = MASKS[personal[name]](error["cell"])
                if masked != error["cell"]:
                    error["message"] = str(error.get("message", "")).replace(
                        error["cell"], masked)
                    error["cell"] = masked


# --- classification ----------------------------------------------------------------------


def _valid_nik(digits: str, provinces: Any) -> bool:
    """16 digits: province code, regency, kecamatan, birth date DDMMYY (women DD + 40), serial."""
    if provinces is None:
        if not 11 <= int(digits[:2]) <= 94:
            return False
    elif provinces.get(digits[:2]) != "provinsi":
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    return (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12


def classify(value: Any, provinces: Any = None, phone_column: bool = False) -> str | None:
    """The kind of personal data one cell holds: ``nik``, ``phone``, ``email`` or None.

    ``provinces`` maps codes to levels (the region list); None accepts any 11–94. Numbers
    can be NIK (frictionless reads a NIK column as integers); they count as phone numbers
    (leading 0 lost) only in a column named like one, as budgets look alike.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            return None  # a fraction, an infinity or a NaN
        value = int(value)
    if isinstance(value, int):
        if _NIK_RANGE[0] <= value < _NIK_RANGE[1]:
            return NIK if _valid_nik(str(value), provinces) else None
        if phone_column and value > 0:
            text = str(value)
            return PHONE if _PHONE.fullmatch(text if text.startswith("62") else "0" + text) \
                else None
        return None
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("'")
    if not text:
        return None
    if "@" in text:
        return EMAIL if _EMAIL.fullmatch(text) else None
    if not (text[0].isdigit() or text[0] in "+("):
        return None
    digits = _SEPARATORS.sub("", text)
    if len(digits) == 16 and digits.isdigit():
        return NIK if _valid_nik(digits, provinces) else None
    return PHONE if _PHONE.fullmatch(digits) else None


@dataclass
class _Column:
    """What the sample showed of one column."""

    name: str
    number: int
    phone_column: bool
    filled: int = 0
    matches: dict[str, int] = field(default_factory=dict)
    offices: int = 0  # e-mail addresses of offices (.go.id, .sch.id, ...)
    institutions: int = 0  # names of schools, clinics, offices
    first: dict[str, tuple[int, list[str]]] = field(default_factory=dict)


def _cells(row: Any) -> list[str]:
    return ["" if cell is None else str(cell) for cell in row.cells]


@attrs.define(kw_only=True, repr=False)
class personal_data(Check):  # noqa: N801 - frictionless names checks in lower case
    """Columns of personal data, judged on a sample of the first rows."""

    type = "satudata-personal-data"
    Errors = list(ERRORS)
    columns: Columns = attrs.field(factory=Columns)
    context: CheckContext = attrs.field(factory=CheckContext)

    def validate_start(self) -> Iterable[Any]:
        schema = self.resource.schema
        names = list(schema.field_names) if schema else []
        self._provinces = self.context.region_codes or None
        self._values = tuple(
            _Column(name=name, number=number,
                    phone_column=bool(_PHONE_NAME.search(normalise_name(name))))
            for number, name in enumerate(names, start=1))
        self._names = tuple(column for column in self._values
                            if _PERSON_NAME.match(normalise_name(column.name)))
        self._addresses = tuple(column for column in self._values
                                if _ADDRESS_NAME.search(normalise_name(column.name)))
        if not self._addresses:
            self._names = ()
        self._left = SAMPLE_ROWS
        self._done = not names
        self._personal: dict[str, str] = {}
        return NO_ERRORS

    @property
    def personal_columns(self) -> dict[str, str]:
        """Field name → kind of the columns judged personal, for masking other findings."""
        return dict(self._personal)

    def validate_batch(self, batch: Batch) -> Iterable[Any]:
        if self._done:
            return NO_ERRORS
        for row in batch.rows[:self._left]:
            self._sample(row)
        self._left -= len(batch)
        return NO_ERRORS if self._left > 0 else self._decide()

    def _sample(self, row: Any) -> None:
        """Count what one row of the sample shows of each column."""
        provinces = self._provinces
        for column in self._values:
            value = row[column.name]
            if value is None or value == "":
                continue
            column.filled += 1
            kind = classify(value, provinces, column.phone_column)
            if kind is None:
                continue
            column.matches[kind] = column.matches.get(kind, 0) + 1
            if kind not in column.first:
                column.first[kind] = (row.row_number, _cells(row))
            if kind == EMAIL and _INSTITUTION_MAIL.search(str(value).strip()):
                column.offices += 1
        for column in self._names:
            value = row[column.name]
            if isinstance(value, str) and value.strip():
                if "name" not in column.first:
                    column.first["name"] = (row.row_number, _cells(row))
                if _INSTITUTION_NAME.match(value.strip()):
                    column.institutions += 1

    def validate_end(self) -> Iterable[Any]:
        return NO_ERRORS if self._done else self._decide()

    def _decide(self) -> list:
        """Judge the sampled columns and report each personal one once, masked."""
        self._done = True
        findings_: list[tuple[str, _Column, str]] = []  # kind, column, note
        personal: dict[str, str] = {}
        for column in self._values:
            for kind in VALUE_KINDS:
                matches = column.matches.get(kind, 0)
                if matches < MIN_MATCHES or matches < MAJORITY * column.filled:
                    continue
                if kind == EMAIL and column.offices >= MAJORITY * matches:
                    continue
                personal[column.name] = kind
                findings_.append((kind, column, f"n = {matches}/{column.filled}"))
        names = [column for column in self._names
                 if "name" in column.first and column.institutions < MAJORITY * column.filled]
        addresses = [column for column in self._addresses if column.filled]
        if names and addresses:
            for column in addresses:
                personal.setdefault(column.name, "address")
            for column in names:
                personal.setdefault(column.name, "name")
                pair = " + ".join([column.name, *(item.name for item in addresses)])
                findings_.append(("name", column, f"{pair}; n = {column.filled}"))
        self._personal = personal
        masks = [(number, MASKS[personal[name]]) for number, name in
                 enumerate((column.name for column in self._values), start=1) if name in personal]
        error_classes = {kind: pair[0 if self.context.open_data else 1]
                         for kind, pair in _CLASSES.items()}
        errors = []
        for kind, column, note in findings_:
            row_number, cells = column.first[kind]
            cells = list(cells)
            for number, mask in masks:
                if number <= len(cells) and cells[number - 1]:
                    cells[number - 1] = mask(cells[number - 1])
            cell = cells[column.number - 1] if column.number <= len(cells) else ""
            errors.append(error_classes[kind](
                note=note, cells=cells, row_number=row_number, cell=cell,
                field_name=column.name, field_number=column.number))
        return errors
