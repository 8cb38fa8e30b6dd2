"""What the Satu Data checks know beyond the file itself.

Filled by the CKAN side (``ckanext.walidata.validation``) from the dataset's metadata, the
reference lists and the stored profiles of other datasets; the checks read only this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .profile import Profile


@dataclass(frozen=True)
class Peer:
    """A published dataset of another OPD declaring the same indicator, region and period."""

    label: str          # "dataset-name (OPD)" as shown in findings
    profile: Profile


@dataclass(frozen=True)
class CheckContext:
    # Reference lists: code → level (``kabupaten_kota``, ``bidang_urusan``, ...).
    region_codes: Mapping[str, str] = field(default_factory=dict)
    urusan_codes: Mapping[str, str] = field(default_factory=dict)
    # The level(s) of region codes the metadata declares (tingkat_penyajian); empty: any.
    region_levels: frozenset[str] = frozenset()
    # The region the dataset covers (cakupan_wilayah, e.g. ``53``); codes elsewhere are odd.
    region_coverage: str = ""
    # The unit (satuan) the metadata declares for the table, e.g. ``persen``.
    unit: str = ""
    # Open data (klasifikasi_akses terbuka): personal data in it blocks publication.
    open_data: bool = True
    # The same dataset's previous period, and how it is named in findings.
    previous: Profile | None = None
    previous_label: str = ""
    # Flag a change from the previous period larger than this ratio (0.5 = ±50 %).
    max_change_ratio: float = 0.5
    peers: tuple[Peer, ...] = ()
    # Keys kept per profile (memory stays flat in file size).
    max_profile_keys: int = 50_000
