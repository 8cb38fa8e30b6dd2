"""Rule 1: region and urusan codes exist in the reference lists, at the declared level.

A code is judged once per distinct cell value (bounded caches): a regency table repeats a
few dozen codes over thousands of rows, so most batches of rows hold only codes judged
already, which one set difference tells. Codes of a level above the declared one are
aggregates (the province row ``53`` in a regency table) and pass; so do the region's own
ancestors outside its coverage (the province figure printed for comparison in a city's
table). With an empty reference map the list is not loaded and the scheme is skipped
rather than every code flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
from frictionless import Check

from ...reference import SCHEMES, normalise_code
from .. import findings
from ..batch import Batch
from ..columns import TOTAL_WORDS, Columns
from ..context import CheckContext
from ..findings import SatuDataCellError, Severity

NO_ERRORS: tuple = ()
CACHE_SIZE = 20_000  # distinct wrong or unusual cells judged; beyond it they are judged again
PASSED_SIZE = 100_000  # distinct cells judged fine (every region code of Indonesia fits)
LEVEL_TEXT = {"provinsi": "provinsi", "kabupaten_kota": "kabupaten/kota",
              "kecamatan": "kecamatan", "desa_kelurahan": "desa/kelurahan"}


@findings.register
@attrs.define(kw_only=True, repr=False)
class UnknownRegionCodeError(SatuDataCellError):
    """The note is the code as normalised (``5399`` → ``53.99``)."""

    type = "satudata-unknown-region-code"
    title = "Unknown region code"
    description = "A region code is not in the Kemendagri list of region codes."
    template = ('Region code "{cell}" in row {rowNumber}, column "{fieldName}" is not in the '
                'Kemendagri list of region codes.')
    severity = Severity.ERROR
    title_id = "Kode wilayah tidak dikenal"
    template_id = ('Kode wilayah "{cell}" di baris {rowNumber} kolom "{fieldName}" tidak ada '
                   'dalam daftar kode wilayah Kemendagri.')


@findings.register
@attrs.define(kw_only=True, repr=False)
class RegionLevelError(SatuDataCellError):
    """The note is ``<level of the code>, <declared level(s)>``."""

    type = "satudata-region-level"
    title = "Region code below the declared level"
    description = ("A region code is of a lower level than the presentation level "
                   "(tingkat penyajian) the metadata declares.")
    template = ('Region code "{cell}" in row {rowNumber}, column "{fieldName}" is below the '
                'level the metadata declares (code level, declared level: {note}).')
    severity = Severity.ERROR
    title_id = "Tingkat kode wilayah tidak sesuai"
    template_id = ('Kode wilayah "{cell}" di baris {rowNumber} kolom "{fieldName}" berada di '
                   'bawah tingkat penyajian pada metadata (tingkat kode, tingkat penyajian: '
                   '{note}).')


@findings.register
@attrs.define(kw_only=True, repr=False)
class RegionCoverageWarning(SatuDataCellError):
    """The note is the coverage code the metadata declares."""

    type = "satudata-region-coverage"
    title = "Region code outside the coverage"
    description = "A region code lies outside the region the dataset covers."
    template = ('Region code "{cell}" in row {rowNumber}, column "{fieldName}" lies outside the '
                'region the dataset covers ({note}).')
    severity = Severity.WARNING
    title_id = "Kode wilayah di luar cakupan"
    template_id = ('Kode wilayah "{cell}" di baris {rowNumber} kolom "{fieldName}" berada di '
                   'luar cakupan wilayah dataset ({note}).')


@findings.register
@attrs.define(kw_only=True, repr=False)
class UnknownUrusanCodeError(SatuDataCellError):
    """The note is the code as normalised (``1.2`` → ``1.02``)."""

    type = "satudata-unknown-urusan-code"
    title = "Unknown urusan code"
    description = ("A government affairs code is not in the urusan classification "
                   "(Permendagri 90/2019).")
    template = ('Urusan code "{cell}" in row {rowNumber}, column "{fieldName}" is not in the '
                'urusan classification of Permendagri 90/2019.')
    severity = Severity.ERROR
    title_id = "Kode urusan tidak dikenal"
    template_id = ('Kode urusan "{cell}" di baris {rowNumber} kolom "{fieldName}" tidak ada '
                   'dalam klasifikasi urusan Permendagri 90/2019.')


ERRORS = (UnknownRegionCodeError, RegionLevelError, RegionCoverageWarning,
          UnknownUrusanCodeError)

# A verdict: None (fine) or (error class, note).
Verdict = tuple[type[SatuDataCellError], str] | None


@attrs.define(kw_only=True, repr=False)
class reference_codes(Check):  # noqa: N801 - frictionless names checks in lower case
    """Codes of the region and urusan columns against the reference lists."""

    type = "satudata-reference-codes"
    Errors = list(ERRORS)
    columns: Columns
    context: CheckContext

    def validate_start(self) -> Iterable[Any]:
        context = self.context
        levels = SCHEMES["wilayah"].levels
        declared = [levels.index(level) for level in context.region_levels if level in levels]
        # Declared level and every level above it (aggregates).
        allowed = frozenset(levels[:max(declared) + 1]) if declared else frozenset(levels)
        self._allowed = allowed
        self._declared_text = "/".join(LEVEL_TEXT[levels[i]] for i in sorted(declared))
        coverage = normalise_code(context.region_coverage) if context.region_coverage else ""
        self._coverage = coverage
        self._coverage_dot = coverage + "." if coverage else ""
        # (field, scheme, code → level, levels passing the fast path, coverage prefix, the
        # cells judged fine so far)
        targets: list[tuple[str, str, Any, frozenset, str, set]] = []
        if context.region_codes:
            targets += [(name, "wilayah", context.region_codes, allowed, self._coverage_dot, {None})
                        for name in self.columns.region]
        if context.urusan_codes:
            targets += [(name, "urusan", context.urusan_codes,
                         frozenset(SCHEMES["urusan"].levels), "", {None})
                        for name in self.columns.urusan]
        self._targets = tuple(targets)
        self._verdicts: dict[Any, Verdict] = {}  # the other cells, judged
        return NO_ERRORS

    def validate_batch(self, batch: Batch) -> list[Any]:
        found: list[Any] = []
        for name, scheme, codes, allowed, prefix, passed in self._targets:
            column = batch.column(name)
            unseen = set(column).difference(passed)
            if not unseen:
                continue  # the usual batch: codes already judged fine
            wrong = {}
            for value in unseen:
                if codes.get(value) in allowed and value.startswith(prefix):
                    verdict = None  # a listed code, as written, inside the coverage
                else:
                    verdict = self._verdicts.get(value, False)
                    if verdict is False:
                        verdict = self._judge(value, scheme)
                        if len(self._verdicts) >= CACHE_SIZE:
                            self._verdicts.clear()
                        self._verdicts[value] = verdict
                if verdict is None:
                    if len(passed) >= PASSED_SIZE:
                        passed.clear()
                        passed.add(None)
                    passed.add(value)
                else:
                    wrong[value] = verdict
            if wrong:
                for row, value in zip(batch.rows, column, strict=True):
                    verdict = wrong.get(value)
                    if verdict is not None:
                        error_class, note = verdict
                        found.append(error_class.from_row(row, note=note, field_name=name))
        return found

    def _judge(self, value: Any, scheme: str) -> Verdict:
        text = str(value).strip()
        if text.lower() in TOTAL_WORDS:
            return None
        if scheme == "urusan":
            code = normalise_code(text, "urusan")
            return None if code in self.context.urusan_codes else (UnknownUrusanCodeError, code)
        codes = self.context.region_codes
        level = codes.get(text)
        code = text
        if level is None:
            code = normalise_code(text, "wilayah")
            level = codes.get(code) or SCHEMES["wilayah"].level_of(code)
        if level is not None and level not in self._allowed:
            return RegionLevelError, f"{LEVEL_TEXT[level]}, {self._declared_text}"
        if code not in codes:
            return UnknownRegionCodeError, code
        coverage = self._coverage
        if (coverage and code != coverage and not code.startswith(self._coverage_dot)
                and not coverage.startswith(code + ".")):
            return RegionCoverageWarning, coverage
        return None
