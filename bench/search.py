"""Search benchmark of the PostgreSQL backend on synthetic Satu Data catalogues.

Loads N seeded, realistic dataset documents (Indonesian titles, 40 OPDs, 500
Zipf-distributed tags, groups, formats, licences, 10 % private, bounding boxes
in Indonesia) straight into ``walidata_search_doc`` through the backend's own
``index_row`` + ``upsert``, then times the searches a portal serves through
``PostgresPackageQuery().run(...)`` with the parameters ``package_search``
would send. Results go to ``bench/results/search-<N>.json``; ``--explain``
also writes ``EXPLAIN (ANALYZE, BUFFERS)`` of every statement of one run of
each search to ``bench/results/explain-<N>.txt``. ``--hostile`` times hostile
request shapes (1,000 fielded terms, 3,000 facet fields, 100 KB requests, the
most the budget lets in) through the ``package_search`` action instead and
writes ``bench/results/hostile-<N>.json``.

It only ever writes to the dedicated database ``ckan_walidata_bench`` (it
refuses any other); create and migrate it first::

    bash scripts/services.sh ckan_walidata_bench
    CKAN_SQLALCHEMY_URL=postgresql://ckan_walidata:walidata@127.0.0.1:5432/ckan_walidata_bench \\
        .venv/bin/ckan -c test.ini db upgrade
    .venv/bin/python bench/search.py --datasets 10000 --runs 30
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckan.lib.search as ckan_search
import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.cli import load_config
from ckan.common import config
from ckan.config.middleware import make_app
from sqlalchemy.engine import make_url

from ckanext.spatial.lib import normalize_bbox
from ckanext.spatial.search import SolrBBoxSearchBackend
from ckanext.walidata.search import backend as backend_module
from ckanext.walidata.search.backend import PostgresPackageQuery, index_row, upsert

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BENCH_DB = "ckan_walidata_bench"
DEFAULT_URL = f"postgresql://ckan_walidata:walidata@127.0.0.1:5432/{BENCH_DB}"
SEED = 20261126
WIDE_COLUMNS = ["doc", "data_dict", "validated_data_dict", "search_vector", "rank_vector"]
LOCK_KEY = 0x77616C69  # pg advisory lock held while the benchmark runs
BATCH = 1000
ROWS = 20
FACET_LIMIT = 50
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]
DEFAULT_SORT = "score desc, metadata_modified desc"
# "Now" of the synthetic catalogue: dates spread over the five years before it.
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
SPAN = dt.timedelta(days=5 * 365)

# -- vocabulary -------------------------------------------------------------------

KABUPATEN = [
    "Kupang", "Kota Kupang", "Timor Tengah Selatan", "Timor Tengah Utara", "Belu", "Malaka",
    "Alor", "Lembata", "Flores Timur", "Sikka", "Ende", "Nagekeo", "Ngada", "Manggarai",
    "Manggarai Timur", "Manggarai Barat", "Sumba Timur", "Sumba Tengah", "Sumba Barat",
    "Sumba Barat Daya", "Rote Ndao", "Sabu Raijua",
]
OPD = [
    "Dinas Kesehatan", "Dinas Pendidikan dan Kebudayaan", "Bappelitbangda",
    "Dinas Pertanian dan Ketahanan Pangan", "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Sosial", "Badan Pengelolaan Keuangan dan Aset Daerah",
    "Dinas Kependudukan dan Pencatatan Sipil", "Dinas Perhubungan", "Dinas Pariwisata",
    "Dinas Kelautan dan Perikanan", "Dinas Peternakan", "Dinas Lingkungan Hidup dan Kehutanan",
    "Dinas Komunikasi dan Informatika", "Dinas Tenaga Kerja dan Transmigrasi",
    "Dinas Koperasi dan UMKM", "Dinas Perindustrian dan Perdagangan",
    "Dinas Pemberdayaan Perempuan dan Perlindungan Anak",
    "Dinas Pemberdayaan Masyarakat dan Desa", "Dinas Energi dan Sumber Daya Mineral",
    "Dinas Perumahan Rakyat dan Kawasan Permukiman", "Dinas Kepemudaan dan Olahraga",
    "Dinas Perpustakaan dan Kearsipan", "Dinas Penanaman Modal dan PTSP",
    "Badan Pendapatan Daerah", "Badan Kepegawaian Daerah",
    "Badan Penanggulangan Bencana Daerah", "Badan Kesatuan Bangsa dan Politik",
    "Satuan Polisi Pamong Praja", "Inspektorat Daerah", "Sekretariat Daerah",
    "Sekretariat DPRD", "RSUD Prof. Dr. W. Z. Johannes", "Biro Perekonomian",
    "Biro Pemerintahan", "Biro Hukum", "Badan Pengelola Perbatasan Daerah",
    "Dinas Pengendalian Penduduk dan Keluarga Berencana", "Badan Riset dan Inovasi Daerah",
    "Dinas Kebudayaan",
]
OPD_SECTORS = [  # words of an OPD's name -> the sector most of its datasets are about
    (("Kesehatan", "RSUD"), "kesehatan"),
    (("Pendidikan", "Perpustakaan", "Kepemudaan", "Kebudayaan"), "pendidikan"),
    (("Kependudukan", "Pengendalian Penduduk"), "kependudukan"),
    (("Sosial", "Pemberdayaan"), "sosial"),
    (("Pertanian", "Peternakan", "Kelautan"), "pertanian"),
    (("Pekerjaan Umum", "Perhubungan", "Perumahan", "Energi", "Komunikasi"), "infrastruktur"),
    (("Keuangan", "Pendapatan", "Inspektorat"), "keuangan"),
    (("Pariwisata", "Koperasi", "Perindustrian", "Penanaman", "Tenaga Kerja", "Perekonomian",
      "Riset"), "ekonomi"),
    (("Lingkungan", "Bencana"), "lingkungan"),
]
SECTORS: dict[str, dict[str, list[str]]] = {
    "kesehatan": {
        "subjects": ["Tenaga Kesehatan", "Puskesmas", "Kematian Ibu", "Balita Gizi Buruk",
                     "Imunisasi Dasar Lengkap", "Kasus Malaria", "Stunting", "Rumah Sakit",
                     "Kasus Tuberkulosis", "Peserta JKN"],
        "words": ["kesehatan", "puskesmas", "gizi", "stunting", "imunisasi", "malaria",
                  "bidan", "dokter", "posyandu", "balita"],
    },
    "pendidikan": {
        "subjects": ["Sekolah Dasar", "Guru", "Murid", "Angka Partisipasi Sekolah",
                     "Angka Putus Sekolah", "Sekolah Menengah Pertama", "Ruang Kelas",
                     "Lulusan SMA/SMK", "Beasiswa"],
        "words": ["pendidikan", "sekolah", "guru", "murid", "siswa", "beasiswa", "kelas",
                  "literasi"],
    },
    "kependudukan": {
        "subjects": ["Penduduk", "Kepadatan Penduduk", "Rumah Tangga", "Kelahiran",
                     "Kematian", "Migrasi Penduduk", "Akta Kelahiran", "Kartu Tanda Penduduk"],
        "words": ["penduduk", "kependudukan", "rumah-tangga", "kelahiran", "migrasi", "ktp",
                  "akta", "keluarga"],
    },
    "sosial": {
        "subjects": ["Penduduk Miskin", "Garis Kemiskinan", "Penerima Bantuan Sosial",
                     "Penyandang Disabilitas", "Rumah Tidak Layak Huni", "Keluarga Harapan"],
        "words": ["kemiskinan", "miskin", "bansos", "disabilitas", "pkh", "sosial"],
    },
    "pertanian": {
        "subjects": ["Produksi Padi", "Produksi Jagung", "Luas Panen", "Ternak Sapi",
                     "Produksi Kopi", "Luas Lahan Sawah", "Produksi Perikanan Tangkap",
                     "Harga Gabah"],
        "words": ["padi", "jagung", "pertanian", "panen", "sapi", "ternak", "kopi", "sawah",
                  "perikanan", "pangan"],
    },
    "infrastruktur": {
        "subjects": ["Panjang Jalan", "Kondisi Jalan", "Jembatan", "Akses Air Bersih",
                     "Rasio Elektrifikasi", "Irigasi", "Menara Telekomunikasi", "Pelabuhan"],
        "words": ["jalan", "jembatan", "air-bersih", "listrik", "irigasi", "pelabuhan",
                  "infrastruktur", "sanitasi"],
    },
    "keuangan": {
        "subjects": ["Anggaran Pendapatan dan Belanja Daerah", "Realisasi Belanja",
                     "Pendapatan Asli Daerah", "Realisasi Pendapatan", "Dana Desa",
                     "Belanja Modal", "Pajak Kendaraan Bermotor", "Aset Daerah"],
        "words": ["anggaran", "realisasi", "apbd", "belanja", "pendapatan", "pajak",
                  "dana-desa", "keuangan"],
    },
    "ekonomi": {
        "subjects": ["Produk Domestik Regional Bruto", "Inflasi", "Tingkat Pengangguran",
                     "Jumlah UMKM", "Kunjungan Wisatawan", "Investasi", "Ekspor",
                     "Upah Minimum"],
        "words": ["ekonomi", "pdrb", "inflasi", "pengangguran", "umkm", "pariwisata",
                  "investasi", "tenaga-kerja"],
    },
    "lingkungan": {
        "subjects": ["Luas Hutan", "Kejadian Bencana", "Curah Hujan", "Timbulan Sampah",
                     "Titik Panas", "Kualitas Air Sungai"],
        "words": ["lingkungan", "hutan", "bencana", "sampah", "iklim", "banjir", "kekeringan"],
    },
    "pemerintahan": {
        "subjects": ["Aparatur Sipil Negara", "Desa dan Kelurahan", "Produk Hukum Daerah",
                     "Pengaduan Masyarakat", "Indeks Reformasi Birokrasi"],
        "words": ["pemerintahan", "asn", "pegawai", "desa", "kelurahan", "regulasi",
                  "pelayanan-publik"],
    },
}
MEASURES = ["Jumlah", "Persentase", "Rasio", "Angka", "Data", "Rekapitulasi", "Indeks",
            "Perkembangan", "Statistik", "Capaian"]
BREAKDOWNS = ["menurut Kabupaten/Kota", "menurut Kecamatan", "menurut Jenis Kelamin",
              "menurut Kelompok Umur", "per Bulan", "per Desa", "menurut Triwulan"]
EXTRA_TAG_WORDS = [
    "ntt", "nusa-tenggara-timur", "sdgs", "rpjmd", "spm", "satu-data", "open-data",
    "tahunan", "bulanan", "triwulanan", "laki-laki", "perempuan", "anak", "lansia", "remaja",
    "desa", "kota", "pesisir", "pulau", "perbatasan", "timor", "flores", "sumba", "alor",
    "indikator", "kinerja", "target", "statistik", "survei", "sensus", "registrasi",
    "laporan", "rekap", "peta", "geospasial", "batas-wilayah", "titik-lokasi",
]
GROUPS = ["kesehatan", "pendidikan", "kependudukan", "sosial", "pertanian", "infrastruktur",
          "keuangan-daerah", "ekonomi", "lingkungan-hidup", "pemerintahan"]
SECTOR_GROUP = dict(zip(SECTORS, GROUPS, strict=True))
FORMATS = ["CSV", "XLSX", "PDF", "JSON", "SHP"]
FORMAT_WEIGHTS = [45, 30, 15, 6, 4]
LICENSES = [("cc-by", "Creative Commons Attribution"),
            ("cc-by-sa", "Creative Commons Attribution Share-Alike"),
            ("odc-by", "Open Data Commons Attribution License"),
            ("cc-zero", "Creative Commons CCZero"),
            ("other-open", "Other (Open)")]
LICENSE_WEIGHTS = [55, 15, 10, 12, 8]
DATASET_TYPES = ["dataset", "statistik", "geospasial", "keuangan", "pendukung"]
DATASET_TYPE_WEIGHTS = [40, 30, 12, 10, 8]
FREKUENSI = ["Tahunan", "Semesteran", "Triwulanan", "Bulanan", "Sekali"]
SATUAN = ["Orang", "Unit", "Persen", "Rupiah", "Ton", "Hektar", "Kilometer", "Kasus"]
SOURCES = ["puskesmas", "sekolah", "kecamatan", "desa", "OPD", "BPS"]
PROGRAMMES = ["RPJMD", "SPM", "SDGs", "Renstra"]
NTT_BOX = (118.9, 125.2, -11.0, -8.0)
INDONESIA_BOX = (95.0, 141.0, -11.0, 6.0)

# Per-run inputs of the searches (fixed, so every run of the benchmark asks the same).
TEXT_QUERIES = [
    "kesehatan", "penduduk", "padi", "sekolah", "anggaran", "realisasi belanja", "puskesmas",
    "kemiskinan", "jalan", "jumlah penduduk", "kupang", "guru", "produksi jagung", "stunting",
    "dana desa", "sumba timur", "pendapatan", "rumah sakit", "air bersih", "ternak sapi",
    "inflasi", "bencana", "murid sekolah", "pajak", "flores timur", "kematian ibu", "apbd",
    "pariwisata", "luas panen", "tenaga kesehatan",
]
QUERY_BBOXES = [  # minx, miny, maxx, maxy as ext_bbox sends them
    (118.9, -11.0, 125.2, -8.0), (123.4, -10.4, 123.8, -10.0), (119.8, -9.9, 120.9, -9.3),
    (121.5, -9.0, 122.6, -8.2), (123.9, -10.5, 125.2, -9.0), (105.0, -8.8, 115.0, -5.8),
    (95.0, -6.0, 106.0, 6.0), (108.0, -4.5, 119.0, 4.5), (118.0, -6.0, 125.5, 2.0),
    (119.8, -8.9, 120.4, -8.3), (124.2, -8.6, 124.7, -8.1), (95.0, -11.0, 141.0, 6.0),
    (130.0, -9.0, 141.0, -1.0), (122.0, -9.0, 123.1, -8.2), (120.3, -10.3, 120.9, -9.7),
]


def slug(text: str) -> str:
    """A CKAN-style name: lower case, dashes."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _iso(moment: dt.datetime) -> str:
    """CKAN's timestamp text (naive UTC, microseconds)."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(
        timespec="microseconds")


@dataclass
class Catalogue:
    """The fixed world every dataset draws from: organizations, tags, groups, users."""

    organizations: list[dict[str, Any]]
    org_weights: list[float]
    tags: list[str]
    tag_weights: list[float]
    groups: list[dict[str, Any]]
    creators: list[str]

    @classmethod
    def build(cls, seed: int = SEED) -> Catalogue:
        rng = random.Random(seed)
        organizations = []
        for opd in OPD:
            sector = next((name for words, name in OPD_SECTORS if any(w in opd for w in words)),
                          "pemerintahan")
            organizations.append({"sector": sector,
                "id": _uuid(rng), "name": slug(opd.replace("Dinas ", "dinas ")), "title": opd,
                "type": "organization", "description": "", "image_url": "",
                "created": _iso(NOW - SPAN - dt.timedelta(days=30)), "is_organization": True,
                "approval_status": "approved", "state": "active",
            })
        # A few OPDs publish much more than the rest (Zipf-like, exponent 0.7).
        org_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(organizations))]
        rng.shuffle(org_weights)
        tags = cls._tag_names(rng)
        tag_weights = [1 / (rank + 1) for rank in range(len(tags))]  # Zipf, exponent 1
        groups = [{"id": _uuid(rng), "name": g, "title": "Sektor " + g.replace("-", " ").title(),
                   "display_name": "Sektor " + g.replace("-", " ").title(), "description": "",
                   "image_display_url": ""} for g in GROUPS]
        creators = [_uuid(rng) for _ in range(120)]
        return cls(organizations, org_weights, tags, tag_weights, groups, creators)

    @staticmethod
    def _tag_names(rng: random.Random, count: int = 500) -> list[str]:
        words: list[str] = []
        for sector in SECTORS.values():
            words.extend(sector["words"])
        words.extend(EXTRA_TAG_WORDS)
        words.extend(slug(k) for k in KABUPATEN)
        words.extend(str(year) for year in range(2015, 2027))
        names = list(dict.fromkeys(words))
        while len(names) < count:
            first, second = rng.choice(words), rng.choice(words)
            candidate = f"{first}-{second}"
            if first != second and candidate not in names:
                names.append(candidate)
        names = names[:count]
        words_first = names[:len(set(words))]
        rng.shuffle(words_first)  # the frequent tags are single words, the rare ones pairs
        return words_first + names[len(words_first):]


class DocumentFactory:
    """Seeded dataset documents in the shape ``build_document()`` gives them."""

    def __init__(self, catalogue: Catalogue, site_id: str, seed: int = SEED) -> None:
        self.cat = catalogue
        self.site_id = site_id
        self.seed = seed
        self._tag_cum = _cumulative(catalogue.tag_weights)
        self._org_cum = _cumulative(catalogue.org_weights)
        self._names: set[str] = set()

    def rng_for(self, index: int) -> random.Random:
        """The generator of dataset ``index``: documents do not depend on each other."""
        return random.Random(self.seed * 10_000_019 + index)

    def dataset_id(self, index: int) -> str:
        return _uuid(self.rng_for(index))

    def document(self, index: int) -> dict[str, Any]:
        """The search document of dataset ``index`` (``data_dict`` strings included)."""
        rng = self.rng_for(index)
        dataset_id = _uuid(rng)
        org = rng.choices(self.cat.organizations, cum_weights=self._org_cum)[0]
        sector_name = org["sector"] if rng.random() < 0.8 else rng.choice(list(SECTORS))
        sector = SECTORS[sector_name]
        subject = rng.choice(sector["subjects"])
        place = rng.choice(KABUPATEN + ["Provinsi NTT"] * 6)
        year = rng.randint(2016, 2026)
        title = (f"{rng.choice(MEASURES)} {subject} {rng.choice(BREAKDOWNS)} "
                 f"di {place} Tahun {year}")
        name = slug(title)[:90]
        if name in self._names:
            name = f"{name[:80]}-{index}"
        self._names.add(name)

        frekuensi = rng.choice(FREKUENSI)
        first_year = year - rng.choice([0, 0, 1, 4])
        periode = str(year) if first_year == year else f"{first_year}-{year}"
        satuan = rng.choice(SATUAN)
        notes = self._notes(rng, subject, place, org["title"], frekuensi, periode, sector)

        tags = self._tags(rng, sector)
        group_names = {SECTOR_GROUP[sector_name]}
        group_names.update(rng.sample(GROUPS, rng.randint(0, 2)))
        groups = [g for g in self.cat.groups if g["name"] in group_names]
        license_id, license_title = rng.choices(LICENSES, weights=LICENSE_WEIGHTS)[0]
        dataset_type = rng.choices(DATASET_TYPES, weights=DATASET_TYPE_WEIGHTS)[0]
        private = rng.random() < 0.10
        created = NOW - SPAN * rng.random()
        modified = created + (NOW - created) * rng.random() ** 2
        creator = rng.choice(self.cat.creators)

        resources = []
        formats = rng.choices(FORMATS, weights=FORMAT_WEIGHTS,
                              k=rng.choices([1, 2, 3], weights=[50, 35, 15])[0])
        for position, fmt in enumerate(formats):
            res_name = rng.choice(["Tabel", "Data", "Laporan", "Rekapitulasi", "Lampiran"])
            resources.append({
                "id": _uuid(rng), "package_id": dataset_id, "position": position,
                "name": f"{res_name} {subject} {year}", "format": fmt,
                "description": f"{res_name} {subject.lower()} {place} dalam format {fmt}.",
                "url": f"https://data.nttprov.go.id/unduh/{index}-{position}.{fmt.lower()}",
                "size": rng.randint(2_000, 900_000), "state": "active", "url_type": "upload",
            })
        extras = [{"key": "periode", "value": periode}, {"key": "frekuensi", "value": frekuensi},
                  {"key": "satuan", "value": satuan}]
        bbox = self._bbox(rng, place) if rng.random() < 0.60 else None
        if bbox:
            minx, miny, maxx, maxy = bbox
            extras.append({"key": "spatial", "value": json.dumps({
                "type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy],
                                                     [minx, maxy], [minx, miny]]]})})

        package = {
            "author": None, "author_email": None, "creator_user_id": creator, "id": dataset_id,
            "isopen": True, "license_id": license_id, "license_title": license_title,
            "license_url": f"http://www.opendefinition.org/licenses/{license_id}",
            "maintainer": org["title"], "maintainer_email": None,
            "metadata_created": _iso(created), "metadata_modified": _iso(modified),
            "name": name, "notes": notes, "num_resources": len(resources), "num_tags": len(tags),
            "organization": {k: v for k, v in org.items() if k != "sector"},
            "owner_org": org["id"], "private": private, "state": "active",
            "title": title, "type": dataset_type, "url": None, "version": None,
            "extras": extras, "groups": groups, "resources": resources,
            "tags": [{"display_name": t, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, t)), "name": t,
                      "state": "active", "vocabulary_id": None} for t in tags],
            "relationships_as_subject": [], "relationships_as_object": [],
        }
        doc = {k: v for k, v in package.items()
               if k not in ("extras", "groups", "resources", "tags", "organization",
                            "relationships_as_subject", "relationships_as_object")}
        doc.update({
            "data_dict": json.dumps(package), "validated_data_dict": json.dumps(package),
            "title_string": title, "tags": tags, "groups": [g["name"] for g in groups],
            "organization": org["name"], "capacity": "private" if private else "public",
            "res_name": [r["name"] for r in resources],
            "res_description": [r["description"] for r in resources],
            "res_format": [r["format"] for r in resources],
            "res_url": [r["url"] for r in resources], "res_type": [None for _ in resources],
            "entity_type": "package", "dataset_type": dataset_type,
            "metadata_created": _iso(created) + "Z", "metadata_modified": _iso(modified) + "Z",
            "site_id": self.site_id, "index_id": uuid.uuid5(
                uuid.NAMESPACE_OID, dataset_id + self.site_id).hex,
            "permission_labels": [f"member-{org['id']}"] if private else ["public"],
        })
        for extra in extras:
            if extra["key"] != "spatial":  # ckanext-spatial drops the GeoJSON from the index
                doc["extras_" + extra["key"]] = extra["value"]
                doc[extra["key"]] = extra["value"]
        if bbox:
            minx, miny, maxx, maxy = bbox
            doc.update(minx=minx, miny=miny, maxx=maxx, maxy=maxy,
                       bbox_area=(maxx - minx) * (maxy - miny))
        return doc

    def _notes(self, rng: random.Random, subject: str, place: str, org: str, frekuensi: str,
               periode: str, sector: dict[str, list[str]]) -> str:
        sentences = [
            f"Data {subject.lower()} di {place} yang dihimpun oleh {org}.",
            f"Data diperbarui secara {frekuensi.lower()} dan mencakup periode {periode}.",
            f"Sumber data adalah laporan rutin {rng.choice(SOURCES)} "
            "yang telah diverifikasi walidata.",
            f"Dataset ini mendukung indikator {rng.choice(PROGRAMMES)} "
            f"bidang {rng.choice(sector['words']).replace('-', ' ')}.",
            f"Catatan: angka tahun {periode[-4:]} bersifat sementara.",
            f"Mencakup {rng.randint(2, 22)} kabupaten/kota dan {rng.randint(10, 300)} kecamatan.",
        ]
        return " ".join(sentences[:2] + rng.sample(sentences[2:], rng.randint(1, 3)))

    def _tags(self, rng: random.Random, sector: dict[str, list[str]]) -> list[str]:
        wanted = rng.randint(3, 6)
        tags = [rng.choice(sector["words"])]
        while len(tags) < wanted:
            tag = rng.choices(self.cat.tags, cum_weights=self._tag_cum)[0]
            if tag not in tags:
                tags.append(tag)
        return tags

    def _bbox(self, rng: random.Random, place: str) -> tuple[float, float, float, float]:
        """minx, miny, maxx, maxy: mostly NTT, regency-sized; some elsewhere in Indonesia."""
        if rng.random() < 0.75:
            x0, x1, y0, y1 = NTT_BOX
            size = 6.0 if place == "Provinsi NTT" and rng.random() < 0.5 else rng.uniform(0.1, 1.5)
        else:
            x0, x1, y0, y1 = INDONESIA_BOX
            size = rng.uniform(0.2, 6.0)
        width, height = min(size, x1 - x0), min(size * rng.uniform(0.5, 1.0), y1 - y0)
        minx = round(rng.uniform(x0, x1 - width), 4)
        miny = round(rng.uniform(y0, y1 - height), 4)
        return minx, miny, round(minx + width, 4), round(miny + height, 4)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


# -- the benchmark database ------------------------------------------------------------


def bench_database_url() -> str:
    """CKAN_SQLALCHEMY_URL, defaulting to (and only ever allowing) the bench database."""
    url = os.environ.setdefault("CKAN_SQLALCHEMY_URL", DEFAULT_URL)
    if make_url(url).database != BENCH_DB:
        sys.exit(f"refusing to run on {make_url(url).database!r}: "
                 f"CKAN_SQLALCHEMY_URL must name the database {BENCH_DB}")
    return url


def sql(statement: str, params: dict[str, Any] | None = None) -> Any:
    """Run one statement on CKAN's session."""
    return model.Session.execute(sa.text(statement), params or {})


def index_is_loaded(factory: DocumentFactory, size: int) -> bool:
    """Whether the table holds exactly this benchmark's ``size`` documents."""
    count = sql("SELECT count(*) FROM walidata_search_doc").scalar()
    if count != size:
        return False
    ids = [factory.dataset_id(0), factory.dataset_id(size - 1)]
    found = sql("SELECT count(*) FROM walidata_search_doc WHERE id = ANY(:ids) AND site_id = :s",
                {"ids": ids, "s": factory.site_id}).scalar()
    return found == 2


def load_index(factory: DocumentFactory, size: int) -> dict[str, float]:
    """Empty the table and load ``size`` documents in batches; then VACUUM ANALYZE."""
    sql("TRUNCATE walidata_search_doc CASCADE")
    model.Session.commit()
    generate = write = 0.0
    started = time.perf_counter()
    for first in range(0, size, BATCH):
        t0 = time.perf_counter()
        rows = [index_row(factory.document(i)) for i in range(first, min(first + BATCH, size))]
        t1 = time.perf_counter()
        upsert(rows)
        model.Session.commit()
        t2 = time.perf_counter()
        generate += t1 - t0
        write += t2 - t1
        done = min(first + BATCH, size)
        if done % (10 * BATCH) == 0 or done == size:
            print(f"  loaded {done:>7} / {size} ({time.perf_counter() - started:6.1f} s)",
                  file=sys.stderr)
    total = time.perf_counter() - started
    t0 = time.perf_counter()
    connection = model.Session.connection().connection.dbapi_connection
    model.Session.commit()
    old_autocommit = connection.autocommit
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE walidata_search_doc")
        # The text table too: without its statistics the planner guesses its size.
        cursor.execute("VACUUM ANALYZE walidata_search_text")
    connection.autocommit = old_autocommit
    vacuum = time.perf_counter() - t0
    return {"loaded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "total_s": round(total, 2), "generate_s": round(generate, 2),
            "write_s": round(write, 2), "rows_per_s": round(size / total, 1),
            "vacuum_analyze_s": round(vacuum, 2)}


def previous_build(size: int) -> dict[str, Any]:
    """The build figures of the last results file of this size (kept with ``--keep``)."""
    try:
        return dict(json.loads((RESULTS / f"search-{size}.json").read_text())["build"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def table_sizes() -> dict[str, Any]:
    """Heap, TOAST and index bytes of the search tables, and the stored size of wide columns.

    Every ``walidata_search*`` table counts, so the figures follow the schema when
    the backend moves columns between tables.
    """
    tables = {name: {"heap": int(heap), "toast": int(toast), "indexes": int(indexes),
                     "total": int(total)}
              for name, heap, toast, indexes, total in sql(r"""
        SELECT c.relname, pg_relation_size(c.oid),
               coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
               pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND c.relname LIKE 'walidata\_search%'
          AND n.nspname = current_schema() ORDER BY 1""")}
    columns = sql(r"""
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name LIKE 'walidata\_search%'
          AND column_name = ANY(:wide) ORDER BY 1, 2""", {"wide": WIDE_COLUMNS}).all()
    average = {f"{table}.{column}": round(float(sql(
        f'SELECT coalesce(avg(pg_column_size("{column}")), 0) FROM "{table}"').scalar()))
        for table, column in columns}
    sums = {key: sum(t[key] for t in tables.values())
            for key in ("heap", "toast", "indexes", "total")}
    return {**sums, "total_pretty": f"{sums['total'] / 2**20:.1f} MB", "tables": tables,
            "avg_stored_bytes": average}


def code_version() -> dict[str, Any]:
    """The repository's commit and changes, and where the imported search code comes from.

    The digests identify the backend actually measured (``search_package`` may be a
    snapshot put first on ``ckanext.__path__``, e.g. to benchmark a fixed commit).
    """
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(HERE.parent), *args], capture_output=True,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    search_dir = Path(backend_module.__file__).parent
    digests = {name: hashlib.sha256((search_dir / name).read_bytes()).hexdigest()[:12]
               for name in ("backend.py", "sql.py", "document.py")}
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "changed": git("status", "--porcelain", "--", "ckanext").splitlines(),
            "search_package": str(search_dir), "sha256": digests}


def pg_settings() -> dict[str, str]:
    """The server settings that decide these figures."""
    names = ["server_version", "shared_buffers", "work_mem", "effective_cache_size", "jit",
             "max_parallel_workers_per_gather", "random_page_cost"]
    return {n: sql(f"SHOW {n}").scalar() for n in names}


# -- the searches ---------------------------------------------------------------------------


@dataclass
class Search:
    """One kind of search page: its label and the parameters of its ``run``-th request."""

    key: str
    label: str
    params: Callable[[int], tuple[dict[str, Any], list[str]]]
    results: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    first_ms: float = 0.0


def package_search_params(q: str = "", fq: str = "", facets: bool = True, sort: str | None = None,
                          start: int = 0, include_private: bool = False,
                          extras: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``package_search`` hands to ``query.run`` for the dataset page's data_dict."""
    params: dict[str, Any] = {"q": q, "fq": fq, "rows": ROWS, "start": start, "df": "text"}
    if facets:
        params["facet.field"] = list(FACETS)
        params["facet.limit"] = FACET_LIMIT
    if extras and extras.get("ext_bbox"):  # ckanext-spatial's before_dataset_search
        params = SolrBBoxSearchBackend().search_params(normalize_bbox(extras["ext_bbox"]), params)
    params["sort"] = sort or DEFAULT_SORT
    params["fl"] = "id validated_data_dict"
    if not include_private:
        params["fq"] = "+capacity:public " + params["fq"]
    params["fq"] += " +state:(active)"
    return params


def make_searches(cat: Catalogue, runs: int) -> list[Search]:
    """The typical searches, each with a fixed seeded list of inputs (one per run)."""
    rng = random.Random(SEED + 1)
    pages = [rng.choice([0, 0, 0, 20, 40, 60, 100]) for _ in range(runs)]
    texts = [TEXT_QUERIES[i % len(TEXT_QUERIES)] for i in range(runs)]
    rng.shuffle(texts)
    orgs = [rng.choices(cat.organizations, weights=cat.org_weights)[0]["name"]
            for _ in range(runs)]
    boxes = [QUERY_BBOXES[i % len(QUERY_BBOXES)] for i in range(runs)]
    rng.shuffle(boxes)
    users = [(rng.choice(cat.creators), rng.sample(cat.organizations, 3)) for _ in range(runs)]
    public = ["public"]

    def member(i: int) -> list[str]:
        creator, member_of = users[i]
        return ["public", f"creator-{creator}"] + [f"member-{o['id']}" for o in member_of]

    return [
        Search("a", "landing page: no q, 5 facets",
               lambda i: (package_search_params(start=pages[i]), public)),
        Search("b", "free text, no facets",
               lambda i: (package_search_params(q=texts[i], facets=False), public)),
        Search("c", "free text + 5 facets",
               lambda i: (package_search_params(q=texts[i]), public)),
        Search("c=", "free text + 5 facets, identical query each run",
               lambda i: (package_search_params(q="kesehatan"), public)),
        Search("d", "fq organization + 5 facets",
               lambda i: (package_search_params(fq=f'organization:"{orgs[i]}"'), public)),
        Search("e", "sort metadata_modified desc, no q, no facets",
               lambda i: (package_search_params(facets=False, sort="metadata_modified desc",
                                                start=pages[i]), public)),
        Search("f", "bbox (spatial frange + bf) + 5 facets",
               lambda i: (package_search_params(extras={"ext_bbox": ",".join(
                   map(str, boxes[i]))}), public)),
        Search("g", "member of 3 orgs (private included) + 5 facets",
               lambda i: (package_search_params(include_private=True), member(i))),
    ]


def run_search(params: dict[str, Any], labels: list[str]) -> tuple[float, int]:
    """Time one ``PostgresPackageQuery().run``; the session's transaction ends after it."""
    query = PostgresPackageQuery()
    t0 = time.perf_counter()
    result = query.run(params, permission_labels=labels)
    elapsed = time.perf_counter() - t0
    model.Session.commit()
    return elapsed * 1000, int(result["count"])


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(searches: list[Search], runs: int) -> None:
    """One warm-up pass (timed apart), then ``runs`` rounds with the searches interleaved."""
    for search in searches:
        search.first_ms = run_search(*search.params(0))[0]
    for i in range(runs):
        for search in searches:
            elapsed, count = run_search(*search.params(i))
            search.results.append(elapsed)
            search.counts.append(count)


def summary(search: Search) -> dict[str, Any]:
    return {"label": search.label, "p50_ms": round(statistics.median(search.results), 1),
            "p95_ms": round(percentile(search.results, 0.95), 1),
            "max_ms": round(max(search.results), 1),
            "mean_ms": round(statistics.fmean(search.results), 1),
            "mean_count": round(statistics.fmean(search.counts)),
            "warm_up_ms": round(search.first_ms, 1),
            "runs_ms": [round(v, 2) for v in search.results]}


# -- EXPLAIN ---------------------------------------------------------------------------------


@contextlib.contextmanager
def captured_selects() -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements (driver SQL and parameters) run on CKAN's engine meanwhile."""
    statements: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = model.meta.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def explain(searches: list[Search], path: Path, code: dict[str, Any]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of the slowest measured run of each search."""
    out = [f"# EXPLAIN of bench/search.py, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
           f"\n\ncode: {json.dumps(code)}\n"]
    for search in searches:
        slowest = max(range(len(search.results)), key=search.results.__getitem__, default=0)
        params, labels = search.params(slowest)
        with captured_selects() as statements:
            run_search(params, labels)
        out.append(f"## {search.key}: {search.label} (run {slowest}, the slowest)\n\n"
                   f"params: {json.dumps(params)}\n"
                   f"permission_labels: {labels}\n")
        cursor = model.Session.connection().connection.dbapi_connection.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            sent = cursor.mogrify(statement, parameters).decode()
            out.append(f"### statement\n\n{sent}\n\n{plan}\n")
        cursor.close()
        model.Session.commit()
    path.write_text("\n".join(out))


# -- hostile requests (--hostile) ---------------------------------------------------------------

HOSTILE_BYTES = 100_000  # "under 100 KB": the request body, as JSON


@dataclass
class Hostile:
    """One hostile request shape; ``params(i)`` varies its words by run."""

    key: str
    label: str
    params: Callable[[int], dict[str, Any]]
    results: list[float] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)


def vocabulary(factory: DocumentFactory) -> list[str]:
    """The words of the catalogue's titles: every term of a hostile search finds datasets."""
    words: dict[str, None] = {}
    for i in range(300):
        for word in factory.document(i)["title"].lower().split():
            if word.isalpha() and len(word) > 2:
                words[word] = None
    return list(words)


def fill(make: Callable[[int], str], separator: str = " ") -> str:
    """``make(0) + separator + make(1) ...`` as long as the JSON stays under 100 KB."""
    parts, size, k = [], 2, 0
    while True:
        part = make(k)
        size += len(json.dumps(part)) - 2 + len(separator)
        if size > HOSTILE_BYTES - 200:
            return separator.join(parts)
        parts.append(part)
        k += 1


def fill_list(make: Callable[[int], str]) -> list[str]:
    """``[make(0), make(1), ...]`` as long as the JSON stays under 100 KB."""
    items, size, k = [], 2, 0
    while True:
        item = make(k)
        size += len(json.dumps(item)) + 2
        if size > HOSTILE_BYTES - 200:
            return items
        items.append(item)
        k += 1


def hostile_shapes(words: list[str]) -> list[Hostile]:
    """The shapes that held the portal, the same at 100 KB, and the worst the budget lets in."""
    def w(i: int, k: int) -> str:
        return words[(i * 7 + k) % len(words)]

    def page(**params: Any) -> dict[str, Any]:
        return {"rows": ROWS, "facet.field": list(FACETS), **params}

    return [
        Hostile("h1", "fq_list: 1,000 title: terms",
                lambda i: page(fq_list=[f"title:{w(i, k)}" for k in range(1000)])),
        Hostile("h2", "facet.field: 3,000 names",
                lambda i: page(**{"facet.field": [f"extras_f{i}_{k}" for k in range(3000)]})),
        Hostile("h3", "q: 1,000 words", lambda i: page(q=" ".join(w(i, k) for k in range(1000)))),
        Hostile("h4", "100 KB fq_list of title: terms",
                lambda i: page(fq_list=fill_list(lambda k: f"title:{w(i, k)}"))),
        Hostile("h5", "100 KB facet.field",
                lambda i: page(**{"facet.field": fill_list(lambda k: f"extras_f{i}_{k}")})),
        Hostile("h6", "100 KB q", lambda i: page(q=fill(lambda k: w(i, k)))),
        Hostile("h7", "100 KB fq of nested OR groups",
                lambda i: page(fq=fill(lambda k: f"(title:{w(i, k)} AND notes:{w(i, k + 1)})",
                                       " OR "))),
        Hostile("h8", "100 KB sort", lambda i: page(sort=fill(lambda k: "name asc", ", "))),
        Hostile("h9", "100 KB fl", lambda i: page(fl=fill_list(lambda k: f"f{i}_{k}"))),
        Hostile("b1", "fq: 100 title: terms OR-ed (budget)",
                lambda i: page(fq="(" + " OR ".join(f"title:{w(i, k)}" for k in range(100))
                               + ")")),
        Hostile("b2", "fq_list: 100 title: terms (budget)",
                lambda i: page(fq_list=[f"title:{w(i, k)}" for k in range(100)])),
        Hostile("b3", "fq: 100 res_name: terms OR-ed (budget)",
                lambda i: page(fq="(" + " OR ".join(f"res_name:{w(i, k)}" for k in range(100))
                               + ")")),
        Hostile("b4", "fq: 50 (title AND notes) groups OR-ed (budget)",
                lambda i: page(fq="(" + " OR ".join(
                    f"(title:{w(i, k)} AND notes:{w(i, k + 1)})" for k in range(50)) + ")")),
        Hostile("b5", "q: 100 catalogue words (budget)",
                lambda i: page(q=" ".join(w(i, k) for k in range(100)))),
        Hostile("b6", "fq: 100 title: prefixes OR-ed (budget)",
                lambda i: page(fq="(" + " OR ".join(f"title:{w(i, k)[:3]}*" for k in range(100))
                               + ")")),
        Hostile("b7", "fq: 100 ranges on an extra OR-ed (budget)",
                lambda i: page(fq="(" + " OR ".join(f"periode:[{2000 + k} TO {2001 + k + i}]"
                                                    for k in range(100)) + ")")),
        Hostile("b8", "facet.field: 50 fields counted in SQL + text q (budget)",
                lambda i: page(q=w(i, 0), **{"facet.field": FACETS + [
                    f"extras_f{k}" for k in range(45)]})),
    ]


def run_hostile(params: dict[str, Any]) -> tuple[float, str]:
    """Time one anonymous ``package_search`` action; its answer or the refusal."""
    context = {"user": "", "auth_user_obj": None, "ignore_auth": False}
    t0 = time.perf_counter()
    try:
        result = tk.get_action("package_search")(context, dict(params))
        answer = f"{result['count']:,} found"
    except ckan_search.SearchQueryError as error:
        answer = "400 " + str(error).rsplit("(", 1)[-1].rstrip(")'")
    except ckan_search.SearchError as error:
        answer = "409 " + str(error)[:60]
    except logic.ValidationError as error:
        answer = f"409 {sorted(error.error_dict)}"
    elapsed = time.perf_counter() - t0
    model.Session.rollback()
    return elapsed * 1000, answer


def bench_hostile(factory: DocumentFactory, size: int, runs: int, keep: bool) -> dict[str, Any]:
    """Time every hostile shape ``runs`` times on an index of ``size`` datasets."""
    if not (keep and index_is_loaded(factory, size)):
        load_index(factory, size)
    shapes = hostile_shapes(vocabulary(factory))
    for shape in shapes:
        assert len(json.dumps(shape.params(0))) < HOSTILE_BYTES, shape.key
    run_hostile(shapes[-1].params(0))  # loads the term index
    for i in range(runs):
        for shape in shapes:
            elapsed, answer = run_hostile(shape.params(i))
            shape.results.append(elapsed)
            shape.answers.append(answer)
    result = {
        "datasets": size, "runs": runs, "code": code_version(), "postgres": pg_settings(),
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "shapes": {s.key: {"label": s.label, "bytes": len(json.dumps(s.params(0))),
                           "worst_ms": round(max(s.results), 1),
                           "p50_ms": round(statistics.median(s.results), 1),
                           "answers": sorted(set(s.answers))} for s in shapes},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"hostile-{size}.json").write_text(json.dumps(result, indent=1))
    return result


def hostile_markdown(result: dict[str, Any]) -> str:
    lines = [f"| shape ({result['datasets']:,} datasets) | request | answer | median | worst |",
             "| --- | --- | --- | --- | --- |"]
    for key, s in result["shapes"].items():
        lines.append(f"| {key}. {s['label']} | {s['bytes'] / 1000:.1f} KB | "
                     f"{'; '.join(s['answers'])} | {s['p50_ms']:.0f} ms | {s['worst_ms']:.0f} ms |")
    return "\n".join(lines)


# -- report ----------------------------------------------------------------------------------


def markdown(results: list[dict[str, Any]]) -> str:
    """The figures of every size run: one row per search, p50 / p95 per size."""
    results = sorted(results, key=lambda r: r["datasets"])
    sizes = [r["datasets"] for r in results]
    head = "| search | " + " | ".join(f"{n:,} p50 | {n:,} p95" for n in sizes) + " |"
    lines = [head, "|" + " --- |" * (1 + 2 * len(sizes))]
    for key, first in results[0]["searches"].items():
        cells = []
        for r in results:
            s = r["searches"][key]
            cells += [f"{s['p50_ms']:.1f} ms", f"{s['p95_ms']:.1f} ms"]
        lines.append(f"| {key}. {first['label']} | " + " | ".join(cells) + " |")
    lines.append("")
    for r in results:
        b, t = r["build"], r["table"]
        kept = " (reused, --keep)" if r["reused"] else ""
        lines.append(
            f"- {r['datasets']:,} datasets{kept}: build {b.get('total_s', '-')} s "
            f"({b.get('rows_per_s', '-')} rows/s; generate {b.get('generate_s', '-')} s, "
            f"write+commit {b.get('write_s', '-')} s; VACUUM ANALYZE "
            f"{b.get('vacuum_analyze_s', '-')} s); table + indexes {t['total_pretty']} "
            f"(heap {t['heap'] / 2**20:.0f} MB, TOAST {t['toast'] / 2**20:.0f} MB, "
            f"indexes {t['indexes'] / 2**20:.0f} MB)")
    return "\n".join(lines)


def bench_size(factory: DocumentFactory, size: int, runs: int, keep: bool,
               with_explain: bool, code: dict[str, Any]) -> dict[str, Any]:
    """Load (or reuse) an index of ``size`` datasets and time every search on it."""
    reused = keep and index_is_loaded(factory, size)
    print(f"{size:,} datasets: {'reusing the loaded index' if reused else 'loading'}",
          file=sys.stderr)
    build = previous_build(size) if reused else load_index(factory, size)
    searches = make_searches(factory.cat, runs)
    measure(searches, runs)
    result = {
        "datasets": size, "runs": runs, "seed": SEED, "reused": reused, "build": build,
        "table": table_sizes(), "postgres": pg_settings(),
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "code": code,
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "searches": {s.key: summary(s) for s in searches},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"search-{size}.json").write_text(json.dumps(result, indent=1))
    if with_explain:
        explain(searches, RESULTS / f"explain-{size}.txt", code)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--datasets", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--ini", default="/work/main/test.ini")
    parser.add_argument("--keep", action="store_true",
                        help="reuse the loaded index when it holds this size already")
    parser.add_argument("--explain", action="store_true",
                        help="also write EXPLAIN (ANALYZE, BUFFERS) to bench/results/")
    parser.add_argument("--hostile", action="store_true",
                        help="time hostile request shapes through package_search instead "
                             "(worst time per shape; bench/results/hostile-<N>.json)")
    args = parser.parse_args(argv)
    bench_database_url()
    code = code_version()  # the code this process imports

    app = make_app(load_config(args.ini))
    with app._wsgi_app.test_request_context():
        database = model.Session.connection().engine.url.database
        if database != BENCH_DB:  # the ini may have won over the environment
            sys.exit(f"refusing to run on {database!r}")
        # Two benchmarks on one database would empty each other's table mid-run.
        lock = model.meta.engine.connect()
        if not lock.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                            {"key": LOCK_KEY}).scalar():
            sys.exit("another bench/search.py is running on this database; try again later")
        lock.commit()  # the lock outlives the transaction; no snapshot is held meanwhile
        parsers = config.get("ckan.search.solr_allowed_query_parsers") or []
        if "frange" not in parsers:
            config["ckan.search.solr_allowed_query_parsers"] = [*parsers, "frange"]
        factory = DocumentFactory(Catalogue.build(), config.get("ckan.site_id"))
        if args.hostile:
            hostile = [bench_hostile(factory, n, args.runs, args.keep) for n in args.datasets]
        else:
            results = [bench_size(factory, n, args.runs, args.keep, args.explain, code)
                       for n in args.datasets]
        lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        lock.close()
    if args.hostile:
        print("\n\n".join(hostile_markdown(r) for r in hostile))
    else:
        print(markdown(results))


if __name__ == "__main__":
    main()
