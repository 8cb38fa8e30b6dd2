"""Satu Data dataset fields shared by the tests: a statistik dataset, required and complete."""

import os
import socket

COMMON = {
    "notes": "Jumlah dokter umum dan spesialis yang bertugas.",
    "kontak_nama": "Seksi Data dan Informasi", "kontak_email": "data@dinkes.example.go.id",
    "periode_mulai": "2023-01-01", "periode_selesai": "2023-12-31", "frekuensi": "tahunan",
    "cakupan_wilayah": "53.71", "tingkat_penyajian": "kabupaten_kota", "urusan": "1.02",
    "klasifikasi_akses": "terbuka",
}
STATISTIK = dict(COMMON, type="statistik", nama_indikator="Jumlah dokter",
                 definisi="Dokter dengan STR aktif", satuan="orang")
RECOMMENDED = {
    "tags": [{"name": "kesehatan"}], "license_id": "cc-by", "tanggal_rilis": "2024-02-01",
    "tanggal_pemutakhiran": "2024-02-01", "sumber_data": "SISDMK", "walidata": "Diskominfo",
    "pembina_data": "bps", "konsep": "Tenaga medis", "metode_perhitungan": "Penjumlahan",
    "ukuran": "jumlah", "interpretasi": "Lebih banyak lebih baik",
    "level_estimasi": "kabupaten_kota", "judul_kegiatan": "Pendataan SDMK",
    "cara_pengumpulan": "kompilasi_produk_administrasi",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# tests/conftest.py serves tests/files/ here, so that the quality checks read real files;
# a free port per test run, so that two runs on one machine do not collide.
DATA_SERVER = os.environ.setdefault("WALIDATA_TEST_DATA_SERVER",
                                    f"http://127.0.0.1:{_free_port()}")
# test.ini allows the checks to download from this server alone (fetch_allowed_hosts
# names this variable), in this process and in the real workers it starts.
os.environ["WALIDATA_TEST_FILE_SERVER"] = DATA_SERVER.split("://", 1)[1]
DESCRIBED_CSV = {"url": f"{DATA_SERVER}/dokter.csv", "format": "CSV", "name": "Tabel",
                 "description": "Per kabupaten/kota", "satuan": "orang",
                 "definisi": "Dokter dengan STR aktif"}
# A statistik dataset with every field filled in: completeness 100.
COMPLETE_STATISTIK = dict(STATISTIK, **RECOMMENDED, resources=[DESCRIBED_CSV])


def create_checked(creator: str, **fields: object) -> dict:
    """Create a dataset as ``creator`` and run its quality checks at once (no worker)."""
    from ckan.tests.helpers import call_action

    context = {"user": creator, "ignore_auth": False}
    dataset = call_action("package_create", context=dict(context), **fields)
    call_action("walidata_quality_run", context=dict(context), id=dataset["id"],
                **{"async": False})
    return call_action("package_show", id=dataset["id"])
