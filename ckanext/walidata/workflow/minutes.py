"""The *berita acara*: official minutes of verification and ratification, as a PDF.

Stage 4 of the Klinik Walidata path ("Pengesahan dan dokumentasi") records what
was verified, by whom, when and with what findings. The minutes are an official
document: the walidata stores the PDF and writes its SHA-256 to the audit log,
so the same record must always give the same bytes (no clock, no random ids:
the PDF creation date is the ratification time).

Fonts, in this order (first found wins), all without network:

1. Noto Sans from the pinned ``pymupdf-fonts`` package: the same glyphs on every
   machine that installs requirements.txt, so a fingerprint can be reproduced
   anywhere. The package stores the TTFs as compressed Python modules; fpdf2
   wants files, so each render writes them to a private temporary directory.
2. DejaVu Sans (Debian ``fonts-dejavu-core``), then Liberation Sans
   (``fonts-liberation``), when the package is missing.
3. fpdf2's core Helvetica in windows-1252 (which still has the em dash).

Characters that the chosen font lacks are folded (``≥`` to ``>=``, ``ğ`` to
``g``) rather than dropped, and ``?`` marks what cannot be folded.

The minutes are an Indonesian document: review roles and actions given as the
workflow's codes (``produsen``, ``qa_approve``) are written as their Indonesian
labels, and times in the portal's zone (``ckan.display_timezone``) with its name.
Plain Python: no request, no database.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import re
import tempfile
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

# --- the record ---------------------------------------------------------------

STATUSES = ("lulus", "peringatan", "gagal", "tidak dijalankan")


@dataclass(frozen=True)
class Signatory:
    """One person's step on the review path, e.g. the walidata who ratified.

    ``role`` and ``action`` are prose or the workflow's codes (``walidata``,
    ``pembina, walidata``; ``qa_approve``), which are printed as their labels.
    """

    role: str  # "Walidata", "Pembina data (BPS)", "Produsen data (OPD)", or codes
    name: str  # the person's full name
    action: str  # "Mengajukan", "Memverifikasi", "Mengesahkan", or a code
    at: datetime
    round: int = 0  # the review round of the step; 0 when not known


# The workflow's role and action codes in the minutes' words.
ROLE_LABELS = {"produsen": "Produsen data (OPD)", "walidata": "Walidata",
               "pembina": "Pembina data"}
ACTION_LABELS = {
    "submit": "Mengajukan", "verify": "Memverifikasi", "return": "Mengembalikan dengan temuan",
    "qa_approve": "Menjamin kualitas", "ratify": "Mengesahkan", "publish": "Mempublikasikan",
    "withdraw": "Menarik dari tinjauan",
}
# The steps whose author signs a block at the foot of the minutes.
SIGNING = {"pembina": "qa_approve", "walidata": "ratify"}


def role_label(role: str, dataset_type: str = "") -> str:
    """``pembina, walidata`` → ``Pembina data (BPS), Walidata``; prose is kept as given."""
    from .machine import QA_GROUPS

    codes = [code.strip() for code in role.split(",")]
    if not all(code in ROLE_LABELS for code in codes):
        return role
    agency = QA_GROUPS.get(dataset_type)
    return ", ".join(f"{ROLE_LABELS[code]} ({agency})" if code == "pembina" and agency
                     else ROLE_LABELS[code] for code in codes)


def action_label(action: str) -> str:
    """``qa_approve`` → ``Menjamin kualitas``; prose is kept as given."""
    return ACTION_LABELS.get(action, action)


def people(events: Iterable[Mapping[str, Any]], display_name: Callable[[str], str]
           ) -> tuple[Signatory, ...]:
    """Everyone who acted on the dataset, in every round, from the review's event log.

    ``events`` as the review store lists them (``action``, ``actor``, ``actor_roles``,
    ``round``, ``created_at`` in ISO 8601); automatic steps (the quality checks) are
    not people's and are left out. ``display_name`` turns a user name into a full name.
    """
    return tuple(
        Signatory(role=", ".join(event["actor_roles"] or ()), name=display_name(event["actor"]),
                  action=event["action"], at=datetime.fromisoformat(event["created_at"]),
                  round=event["round"])
        for event in events if event["action"] in ACTION_LABELS)


@dataclass(frozen=True)
class CheckResult:
    """One check run on the dataset and its outcome (one of ``STATUSES``)."""

    name: str
    status: str
    detail: str = ""


@dataclass(frozen=True)
class MinutesRecord:
    """Everything the minutes state; built by the workflow, rendered here."""

    number: str
    portal: str
    dataset_title: str
    dataset_name: str
    dataset_id: str
    dataset_type: str
    organization: str
    version: int
    period: str
    completeness: int
    checks: tuple[CheckResult, ...]
    findings: tuple[str, ...]
    signatories: tuple[Signatory, ...]
    ratified_at: datetime
    url: str
    # The zone the portal shows times in (``ckan.display_timezone``, e.g. Asia/Makassar);
    # empty: every time as it carries its zone.
    zone: str = ""

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("minutes need a number")
        if not 0 <= self.completeness <= 100:
            raise ValueError(f"completeness {self.completeness} is not within 0-100")
        # Lists would make the record unhashable and invite later mutation.
        for name in ("checks", "findings", "signatories"):
            object.__setattr__(self, name, tuple(getattr(self, name)))


def minutes_number(prefix: str, year: int, sequence: int) -> str:
    """``BA-WALIDATA/2026/0007``: the prefix may carry a region code (``BA-WALIDATA/53``)."""
    prefix = prefix.strip().rstrip("/")
    if not prefix:
        raise ValueError("the prefix is empty")
    if not 1000 <= year <= 9999:
        raise ValueError(f"year {year} is not a four-digit year")
    if sequence < 1:
        raise ValueError(f"sequence {sequence} must be 1 or more")
    return f"{prefix}/{year}/{sequence:04d}"


def fingerprint(pdf: bytes) -> str:
    """The SHA-256 hex digest written to the audit log next to the stored PDF."""
    return hashlib.sha256(pdf).hexdigest()


# --- Indonesian dates, without system locales -------------------------------

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
# Indonesia's three zones; any other offset is written as UTC+hh:mm.
ZONES = {7: "WIB", 8: "WITA", 9: "WIT"}
_ONES = ("", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
         "sepuluh", "sebelas")


def day_name(moment: datetime) -> str:
    return DAYS[moment.weekday()]


def format_date(moment: datetime) -> str:
    """``16 Maret 2026``."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def zone_label(moment: datetime) -> str:
    """WIB/WITA/WIT for Indonesian offsets; naive datetimes are UTC (CKAN's convention)."""
    offset = moment.utcoffset()
    if offset is None or offset == timedelta(0):
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    if minutes % 60 == 0 and minutes // 60 in ZONES:
        return ZONES[minutes // 60]
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_time(moment: datetime) -> str:
    """``10.30 WITA``: Indonesian writes the time with a full stop."""
    return f"{moment.hour:02d}.{moment.minute:02d} {zone_label(moment)}"


def spell_number(n: int) -> str:
    """Indonesian number words (*terbilang*), as official minutes write the date."""
    if n < 0:
        raise ValueError("negative numbers are not spelled")
    if n == 0:
        return "nol"
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        return " ".join(filter(None, (f"{_ONES[n // 10]} puluh", _ONES[n % 10])))
    for size, word, single in ((10**9, "miliar", ""), (10**6, "juta", ""),
                               (1000, "ribu", "seribu"), (100, "ratus", "seratus")):
        if n >= size:
            head, rest = divmod(n, size)
            lead = single if head == 1 and single else f"{spell_number(head)} {word}"
            return f"{lead} {spell_number(rest)}" if rest else lead
    raise AssertionError("unreachable")


def spelled_date(moment: datetime) -> str:
    """``enam belas bulan Maret tahun dua ribu dua puluh enam``."""
    return (f"{spell_number(moment.day)} bulan {MONTHS[moment.month - 1]} "
            f"tahun {spell_number(moment.year)}")


# --- fonts ---------------------------------------------------------------------


@dataclass(frozen=True)
class FontSet:
    """A regular and a bold TrueType face as bytes; no bytes means core Helvetica."""

    name: str
    regular: bytes | None = None
    bold: bytes | None = None

    @property
    def is_core(self) -> bool:
        return self.regular is None


CORE_FONTS = FontSet("Helvetica (PDF core font, windows-1252)")
SYSTEM_FONTS = (
    ("DejaVu Sans", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
     Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
    ("Liberation Sans", Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
     Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf")),
)


def _packaged_noto() -> FontSet | None:
    """Noto Sans from pymupdf-fonts (imported lazily: each face is ~450 kB of LZMA)."""
    try:
        regular = importlib.import_module("pymupdf_fonts.NotoSans_Regular").fontbuffer
        bold = importlib.import_module("pymupdf_fonts.NotoSans_Bold").fontbuffer
    except (ImportError, AttributeError, ValueError):
        return None
    return FontSet("Noto Sans (pymupdf-fonts)", _drop_tables(regular), _drop_tables(bold))


def _drop_tables(font: bytes, tags: tuple[str, ...] = ("TTFA",)) -> bytes:
    """Remove tables that fontTools' subsetter cannot subset (it warns on every render)."""
    from fontTools.ttLib import TTFont

    face = TTFont(io.BytesIO(font), recalcTimestamp=False)  # keep the bytes reproducible
    present = [tag for tag in tags if tag in face]
    if not present:
        return bytes(font)
    for tag in present:
        del face[tag]
    out = io.BytesIO()
    face.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def find_fonts() -> FontSet:
    """The first available font set, see the module docstring for the order."""
    packaged = _packaged_noto()
    if packaged:
        return packaged
    for name, regular, bold in SYSTEM_FONTS:
        if regular.is_file() and bold.is_file():
            return FontSet(name, _drop_tables(regular.read_bytes()),
                           _drop_tables(bold.read_bytes()))
    return CORE_FONTS


@lru_cache(maxsize=8)
def _cmap(font: bytes) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(io.BytesIO(font), lazy=True).getBestCmap())


def _core_supports(ch: str) -> bool:
    try:
        ch.encode("windows-1252")
    except UnicodeEncodeError:
        return False
    return True


# Folds that Unicode decomposition does not give.
_REPLACEMENTS = {
    "≥": ">=", "≤": "<=", "≠": "!=", "→": "->", "←": "<-", "✓": "v", "✔": "v",
    "✗": "x", "•": "-", "—": "-", "–": "-", "…": "...", "“": '"', "”": '"',
    "‘": "'", "’": "'", "ı": "i", "ł": "l", "đ": "d", "ø": "o",
}


def fold(text: str, supported: Callable[[str], bool]) -> str:
    """Keep what the font can draw, fold the rest: a missing glyph would vanish silently."""
    out = []
    for ch in text:
        if ch == "\n" or supported(ch):
            out.append(ch)
            continue
        if ch.isspace():
            out.append(" ")
            continue
        repl = _REPLACEMENTS.get(ch)
        if repl is None or not all(supported(c) for c in repl):
            repl = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if not unicodedata.combining(c))
        out.append(repl if repl and all(supported(c) for c in repl) else "?")
    return "".join(out)


# --- the document ------------------------------------------------------------------

TITLE = "BERITA ACARA VERIFIKASI DAN PENGESAHAN DATA"
SUBTITLE = "Minutes of data verification and ratification"
FOOTER_NOTE = "Dokumen ini dibuat oleh sistem; sidik jari SHA-256 dicatat pada log audit."
NO_FINDINGS = "Tidak ada temuan."
DATASET_TYPES = {
    "statistik": "Data statistik sektoral",
    "geospasial": "Data geospasial",
    "keuangan": "Data keuangan",
    "pendukung": "Data pendukung lainnya",
    "dataset": "Dataset umum (belum masuk kelompok Satu Data)",
}
STATUS_LABELS = {
    "lulus": ("Lulus", (0, 110, 60)),
    "peringatan": ("Peringatan", (170, 95, 0)),
    "gagal": ("Gagal", (180, 30, 30)),
    "tidak dijalankan": ("Tidak dijalankan", (110, 110, 110)),
}

FAMILY = "body"
INK = (25, 25, 25)
MUTED = (105, 105, 105)
ACCENT = (20, 62, 110)
HEAD_FILL = (226, 234, 244)
LABEL_FILL = (244, 246, 249)
MARGIN = 20.0
BOTTOM = 22.0
CELL_PADDING = (1.4, 1.8)  # mm: top/bottom, left/right


@dataclass(frozen=True)
class _Cell:
    """A table cell that needs more than text: a style or a link."""

    text: str
    style: FontFace | None = None
    link: str | None = None


class _Minutes(FPDF):
    """fpdf2 with the running header and footer of the minutes."""

    def __init__(self, number: str, fonts: FontSet, font_dir: Path,
                 total_pages: int | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.number = number
        # fpdf2's {nb} alias reserves three digits, which shifts right-aligned text.
        self.total_pages = total_pages
        self.alias_nb_pages(None)
        self.font_set = fonts
        if fonts.is_core:
            self.core_fonts_encoding = "windows-1252"  # Helvetica's em dash lives there
            self.body_family = "helvetica"
            self.supports: Callable[[str], bool] = _core_supports
        else:
            assert fonts.regular is not None and fonts.bold is not None
            for style, data in (("", fonts.regular), ("B", fonts.bold)):
                path = font_dir / f"body{style or 'R'}.ttf"
                path.write_bytes(data)
                self.add_font(FAMILY, style, path)
            self.body_family = FAMILY
            cmap = _cmap(fonts.regular) & _cmap(fonts.bold)
            self.supports = lambda ch: ord(ch) in cmap
        self.set_margins(MARGIN, 16, MARGIN)
        self.set_auto_page_break(True, BOTTOM)

    def t(self, text: object) -> str:
        return fold(str(text), self.supports)

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(self.body_family, "B" if bold else "", size)
        self.set_text_color(*color)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.style(7.5, color=MUTED)
        self.cell(0, 4, self.t(f"Berita acara {self.number} — lanjutan (continued)"),
                  align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-16)
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.ln(1.5)
        self.style(7.5, color=INK)
        y = self.get_y()
        self.cell(0, 4, self.t(self.number))
        self.set_xy(MARGIN, y)
        self.cell(0, 4, f"Halaman {self.page_no()}/{self.total_pages or '?'}", align=Align.R,
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.style(7, color=MUTED)
        self.cell(0, 4, self.t(FOOTER_NOTE), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit: headings stay with their content."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, number: str, title: str, english: str) -> None:
        self.keep(24)
        self.ln(3)
        self.style(11, bold=True, color=ACCENT)
        text = self.t(f"{number}. {title}")
        self.cell(self.get_string_width(text) + 2, 6, text)
        self.style(8, color=MUTED)
        self.cell(0, 6.4, self.t(f"/ {english}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def paragraph(self, text: str, size: float = 10, color: tuple[int, int, int] = INK,
                  height: float = 5.0, align: Align = Align.J) -> None:
        self.style(size, color=color)
        self.multi_cell(0, height, self.t(text), align=align,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, headings: Iterable[str], rows: Iterable[Iterable[str | _Cell]],
             widths: tuple[float, ...], styles: dict[int, FontFace] | None = None) -> None:
        """A bordered table (widths in mm); its heading row, if any, repeats on each page."""
        headings = tuple(headings)
        self.style(9)
        self.set_draw_color(150, 150, 150)
        self.set_line_width(0.2)
        with self.table(
            col_widths=widths, width=self.epw, text_align="LEFT", line_height=4.6,
            padding=CELL_PADDING, first_row_as_headings=bool(headings),
            headings_style=FontFace(emphasis="BOLD", color=ACCENT, fill_color=HEAD_FILL),
            borders_layout=TableBordersLayout.ALL, cell_fill_mode=TableCellFillMode.NONE,
            v_align="TOP",
        ) as table:
            if headings:
                head = table.row()
                for text in headings:
                    head.cell(self.t(text))
            for values in rows:
                row = table.row()
                for col, value in enumerate(values):
                    cell = value if isinstance(value, _Cell) else _Cell(value)
                    row.cell(self.t(cell.text), style=cell.style or (styles or {}).get(col),
                             link=cell.link)
        self.ln(1)

    def breakable(self, text: str, width: float) -> str:
        """Break a URL after ``/``, ``-`` or ``.`` so it never wraps inside a word."""
        lines, line = [], ""
        for token in re.split(r"(?<=[/\-.?&=_])", self.t(text)):
            if line and self.get_string_width(line + token) > width:
                lines.append(line)
                line = token
            else:
                line += token
        lines.append(line)
        return "\n".join(lines)


def _when(moment: datetime) -> str:
    return f"{format_date(moment)}, {format_time(moment)}"


def _pick(signatories: tuple[Signatory, ...], want: str, avoid: str = "") -> Signatory | None:
    """Who signs for ``want``'s role: the last to take its signing step, else its last step.

    The latest step is the one that counts: a pembina's return of an earlier round does
    not sign the minutes when their quality approval of this round does.
    """
    def fits(s: Signatory) -> bool:
        role = s.role.casefold()
        return want in role and not (avoid and avoid in role)

    exact = [s for s in signatories if s.role.casefold().strip() == want]
    matches = exact or [s for s in signatories if fits(s)]
    signing = {SIGNING[want], ACTION_LABELS[SIGNING[want]]}
    return ([s for s in matches if s.action in signing] or matches or [None])[-1]


def _utc_if_naive(moment: datetime) -> datetime:
    # fpdf2 would read a naive time in the machine's zone: bytes would differ per host.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def portal_zone(name: str) -> tzinfo | None:
    """The zone of ``ckan.display_timezone`` (an IANA name or ``server``); None if unknown."""
    if name == "server":
        return datetime.now().astimezone().tzinfo
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _in_zone(record: MinutesRecord) -> MinutesRecord:
    """The record with every time in the portal's zone; naive times are UTC."""
    zone = portal_zone(record.zone)

    def shift(moment: datetime) -> datetime:
        moment = _utc_if_naive(moment)
        return moment.astimezone(zone) if zone else moment

    return replace(record, ratified_at=shift(record.ratified_at),
                   signatories=tuple(replace(s, at=shift(s.at)) for s in record.signatories))


def render(record: MinutesRecord, *, fonts: FontSet | None = None) -> bytes:
    """The minutes as PDF bytes; the same record (and font set) gives the same bytes.

    Times are printed in ``record.zone`` (the portal's ``ckan.display_timezone``),
    or in the zone they carry when it is empty; naive ones are taken as UTC.
    """
    fonts = fonts or find_fonts()
    record = _in_zone(record)
    with tempfile.TemporaryDirectory(prefix="walidata-minutes-") as tmp:
        # Lay out once to count the pages (the footer does not move anything), then for real.
        draft = _Minutes(record.number, fonts, Path(tmp))
        _compose(draft, record)
        pdf = _Minutes(record.number, fonts, Path(tmp), total_pages=draft.page_no())
        _compose(pdf, record)
        return bytes(pdf.output())


def _compose(pdf: _Minutes, r: MinutesRecord) -> None:
    ratified = r.ratified_at
    pdf.set_creation_date(ratified)
    pdf.set_title(pdf.t(f"Berita Acara {r.number}"))
    pdf.set_subject(pdf.t(r.dataset_title))
    pdf.set_author(pdf.t(r.portal))
    pdf.set_creator("ckanext-walidata")
    pdf.set_lang("id")
    pdf.add_page()

    # Letterhead and title.
    pdf.style(10, bold=True, color=ACCENT)
    pdf.cell(0, 5, pdf.t(r.portal.upper()), align=Align.C, new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.style(8, color=MUTED)
    pdf.cell(0, 4.5, pdf.t("Klinik Walidata — Satu Data Indonesia"), align=Align.C,
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    y = pdf.get_y() + 1.5
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.7)
    pdf.line(MARGIN, y, pdf.w - MARGIN, y)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, y + 1.1, pdf.w - MARGIN, y + 1.1)
    pdf.set_y(y + 6)
    pdf.style(13.5, bold=True)
    pdf.cell(0, 7, pdf.t(TITLE), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(8.5, color=MUTED)
    pdf.cell(0, 4.5, pdf.t(SUBTITLE), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.style(10)
    pdf.cell(0, 6, pdf.t(f"Nomor: {r.number}"), align=Align.C, new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.ln(4)

    # Opening sentence, in the customary form with the date spelled out.
    pdf.paragraph(
        f"Pada hari ini, {day_name(ratified)} tanggal {spelled_date(ratified)} "
        f"({format_date(ratified)}), pukul {format_time(ratified)}, melalui Klinik Walidata "
        f"pada {r.portal}, telah dilakukan verifikasi dan pengesahan data sebagai berikut:"
    )
    pdf.ln(0.8)
    pdf.paragraph("On the date above the following data were verified and ratified.",
                  size=8, color=MUTED, height=4, align=Align.L)

    # I. The dataset.
    pdf.heading("I", "Data yang diverifikasi", "Dataset verified")
    label = FontFace(emphasis="BOLD", fill_color=LABEL_FILL)
    kind = DATASET_TYPES.get(r.dataset_type)
    pdf.style(9)
    link = _Cell(pdf.breakable(r.url, 124 - 2 * CELL_PADDING[1] - 1), link=r.url or None)
    pdf.grid((), (
        ("Judul data", r.dataset_title),
        ("Nama dan ID dataset", f"{r.dataset_name}\n{r.dataset_id}"),
        ("Kelompok data", f"{kind} ({r.dataset_type})" if kind else r.dataset_type),
        ("Produsen data (OPD)", r.organization),
        ("Periode data", r.period),
        ("Versi", f"{r.version} (putaran tinjauan ke-{r.version})"),
        ("Kelengkapan metadata", f"{r.completeness}/100"),
        ("Tautan", link),
    ), widths=(46, 124), styles={0: label})

    # II. Checks.
    pdf.heading("II", "Hasil pemeriksaan", "Checks run and their results")
    if r.checks:
        pdf.grid(("No", "Pemeriksaan", "Hasil", "Keterangan"), (
            (f"{i}.", check.name, _status(check.status), check.detail or "—")
            for i, check in enumerate(r.checks, 1)
        ), widths=(9, 52, 32, 77))
    else:
        pdf.paragraph("Tidak ada pemeriksaan yang tercatat.")

    # III. Findings.
    pdf.heading("III", "Temuan dan tindak lanjut", "Findings raised and their resolution")
    if r.findings:
        _numbered(pdf, r.findings)
    else:
        pdf.paragraph(NO_FINDINGS)
        pdf.paragraph("No findings were raised during the review.", size=8, color=MUTED,
                      height=4, align=Align.L)

    # IV. People.
    pdf.heading("IV", "Pihak yang terlibat", "People, roles and actions")
    if r.signatories:
        pdf.grid(("No", "Peran", "Nama", "Tindakan", "Waktu"), (
            (f"{i}.", role_label(s.role, r.dataset_type), s.name,
             action_label(s.action) + (f"\n(putaran ke-{s.round})" if s.round else ""),
             f"{format_date(s.at)}\n{format_time(s.at)}")
            for i, s in enumerate(r.signatories, 1)
        ), widths=(9, 40, 50, 32, 39))
        if r.zone and portal_zone(r.zone):
            pdf.paragraph(f"Waktu dalam {zone_label(ratified)} ({r.zone}).", size=8,
                          color=MUTED, height=4, align=Align.L)
    else:
        pdf.paragraph("Tidak ada pihak yang tercatat.")

    # V. Closing and signatures, kept together on one page.
    pdf.keep(85)  # the heading, the closing text and the signatures stay on one page
    pdf.heading("V", "Pengesahan", "Ratification")
    pdf.paragraph(
        "Demikian berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana "
        "mestinya. Dengan pengesahan ini, data tersebut di atas dinyatakan telah "
        f"diverifikasi dan sah untuk dipublikasikan pada {r.portal}."
    )
    pdf.ln(0.8)
    pdf.paragraph("These minutes were drawn up truthfully; the data above are ratified for "
                  "publication.", size=8, color=MUTED, height=4, align=Align.L)
    pdf.ln(5)
    _signatures(pdf, r, ratified)


def _status(status: str) -> _Cell:
    """The status word, capitalised and coloured; an unknown status is shown as given."""
    text, color = STATUS_LABELS.get(status.casefold().strip(), (status, INK))
    return _Cell(text, FontFace(emphasis="BOLD", color=color))


def _numbered(pdf: _Minutes, items: tuple[str, ...]) -> None:
    """A numbered list with a hanging indent; an item of up to six lines is not split."""
    indent, line = 9.0, 5.0
    width = pdf.epw - indent - 1
    for i, item in enumerate(items, 1):
        pdf.style(10)
        text = pdf.t(item)
        lines = len(pdf.multi_cell(width, line, text, dry_run=True, output="LINES"))
        pdf.keep(line * min(lines, 6))
        y = pdf.get_y()
        pdf.cell(indent, line, f"{i}.", align=Align.R)
        pdf.set_xy(MARGIN + indent + 1, y)
        pdf.multi_cell(width, line, text, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.2)


def _signatures(pdf: _Minutes, r: MinutesRecord, ratified: datetime) -> None:
    """Two blocks: the pembina data on the left, the ratifying walidata on the right."""
    col = (pdf.epw - 10) / 2
    blocks = (
        (_pick(r.signatories, "pembina"), "Pembina Data", ""),
        (_pick(r.signatories, "walidata", avoid="pendukung"), "Walidata",
         f"Ditetapkan pada {format_date(ratified)}"),
    )
    top = pdf.get_y()
    for index, (person, fallback, dated) in enumerate(blocks):
        x = MARGIN + index * (col + 10)
        pdf.set_xy(x, top)
        pdf.style(9, color=MUTED)
        pdf.cell(col, 5, pdf.t(dated), align=Align.C)
        pdf.set_xy(x, top + 5)
        pdf.style(10, bold=True)
        role = role_label(person.role, r.dataset_type) if person else fallback
        pdf.cell(col, 5, pdf.t(f"{role},"), align=Align.C)
        pdf.set_xy(x, top + 12)
        pdf.style(7.5, color=MUTED)
        note = ("disetujui secara elektronik melalui sistem" if person
                else "belum ada persetujuan tercatat")
        pdf.cell(col, 4, pdf.t(f"({note})"), align=Align.C)
        pdf.set_xy(x, top + 24)
        pdf.style(10, bold=True)
        name = person.name if person else "(" + "." * 40 + ")"
        pdf.cell(col, 5, pdf.t(name), align=Align.C)
        if person:
            width = min(pdf.get_string_width(pdf.t(name)), col)
            pdf.set_draw_color(*INK)
            pdf.set_line_width(0.25)
            pdf.line(x + (col - width) / 2, top + 29.2, x + (col + width) / 2, top + 29.2)
            pdf.set_xy(x, top + 30.5)
            pdf.style(8, color=MUTED)
            pdf.multi_cell(col, 4, pdf.t(f"{action_label(person.action)}, {_when(person.at)}"),
                           align=Align.C)
    pdf.set_xy(MARGIN, top + 40)
