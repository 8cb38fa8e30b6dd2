"""Reference codes: the shipped lists, their table (loaded by the migration) and helpers."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from ckan import model

from ckanext.walidata import reference

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def _counts(scheme: str) -> dict[str, int]:
    with model.meta.engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT level, count(*) FROM walidata_reference_code WHERE scheme = :scheme "
            "GROUP BY level"), {"scheme": scheme}).all()
    return dict(rows)


def test_migration_loads_every_level_of_the_region_codes():
    counts = _counts("wilayah")
    assert counts["provinsi"] == 38
    assert counts["kabupaten_kota"] == 514
    assert 7_000 <= counts["kecamatan"] <= 7_500
    assert 80_000 <= counts["desa_kelurahan"] <= 86_000
    assert _counts("urusan") == {"urusan": 8, "bidang_urusan": 42}


def test_every_parent_exists_one_level_up():
    with model.meta.engine.connect() as connection:
        orphans = connection.execute(sa.text("""
            SELECT c.scheme, c.code FROM walidata_reference_code c
            LEFT JOIN walidata_reference_code p ON p.scheme = c.scheme AND p.code = c.parent
            WHERE c.parent IS NOT NULL AND (p.code IS NULL OR c.code NOT LIKE p.code || '.%')
               OR c.parent IS NULL AND c.level NOT IN ('provinsi', 'urusan')
        """)).all()
    assert orphans == []


def test_lookup_known_codes():
    found = reference.lookup(["53", "53.71", "53.71.01", "53.71.01.1001", "53.99", ""])
    assert found["53"] == ("53", "Nusa Tenggara Timur", "provinsi", None)
    assert found["53.71"] == ("53.71", "Kota Kupang", "kabupaten_kota", "53")
    assert found["53.71.01"].name == "Alak"
    assert found["53.71.01"].parent == "53.71"
    assert found["53.71.01.1001"].level == "desa_kelurahan"
    assert "53.99" not in found
    assert reference.lookup(["1.02", "1"], "urusan") == {
        "1.02": ("1.02", "Kesehatan", "bidang_urusan", "1"),
        "1": ("1", "Urusan Pemerintahan Wajib yang Berkaitan dengan Pelayanan Dasar",
              "urusan", None),
    }


def test_lookup_with_a_connection_reads_that_transaction():
    with model.meta.engine.connect() as connection:
        connection.execute(sa.text("UPDATE walidata_reference_code SET name = 'Kupang Baru' "
                                   "WHERE scheme = 'wilayah' AND code = '53.71'"))
        assert reference.lookup(["53.71"], connection=connection)["53.71"].name == "Kupang Baru"
        connection.rollback()
    assert reference.lookup(["53.71"])["53.71"].name == "Kota Kupang"


def _versions() -> dict[str, int]:
    with model.meta.engine.connect() as connection:
        return dict(connection.execute(sa.text(
            "SELECT scheme, version FROM walidata_reference_load")).all())


@pytest.fixture
def restore_codes():
    """Tests that edit the rows reload the shipped lists after: clean_db keeps them."""
    yield
    with model.meta.engine.connect() as connection:
        reference.load(connection)


@pytest.mark.usefixtures("restore_codes")
def test_reload_replaces_rows_and_refreshes_the_cache():
    assert reference.display_name("53.71") == "53.71 — Kota Kupang"
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("UPDATE walidata_reference_code SET name = 'Stale' "
                                   "WHERE scheme = 'wilayah' AND code = '53.71'"))
    # Cached: a direct edit is not seen, which is why changes go through load().
    assert reference.display_name("53.71") == "53.71 — Kota Kupang"
    before = _versions()
    started = time.monotonic()
    with model.meta.engine.connect() as connection:
        counts = reference.load(connection)
    elapsed = time.monotonic() - started
    assert counts == {"wilayah": sum(_counts("wilayah").values()), "urusan": 50}
    assert elapsed < 15, f"load took {elapsed:.1f}s"
    assert reference.display_name("53.71") == "53.71 — Kota Kupang"
    assert _versions() == {scheme: version + 1 for scheme, version in before.items()}


@pytest.mark.usefixtures("restore_codes")
def test_cache_follows_a_load_by_another_process(monkeypatch):
    assert reference.lookup(["53.71"])["53.71"].name == "Kota Kupang"
    with model.meta.engine.begin() as connection:
        connection.execute(sa.text("UPDATE walidata_reference_code SET name = 'Kota Kupang 2' "
                                   "WHERE scheme = 'wilayah' AND code = '53.71'"))
        connection.execute(sa.text("UPDATE walidata_reference_load SET version = version + 1 "
                                   "WHERE scheme = 'wilayah'"))
    monkeypatch.setattr(reference._LookupCache, "CHECK_SECONDS", 0.0)
    assert reference.lookup(["53.71"])["53.71"].name == "Kota Kupang 2"
    with model.meta.engine.connect() as connection:
        reference.load(connection, "wilayah")
    assert reference.lookup(["53.71"])["53.71"].name == "Kota Kupang"


def test_load_refuses_a_broken_file(tmp_path, monkeypatch):
    broken = tmp_path / "urusan.csv"
    broken.write_text("kode,nama,tingkat,induk\n1.02,Kesehatan,bidang_urusan,9\n")
    monkeypatch.setattr(reference, "REFDATA_DIR", tmp_path)
    with model.meta.engine.connect() as connection, pytest.raises(ValueError, match="parent"):
        reference.load(connection, "urusan")
    assert _counts("urusan") == {"urusan": 8, "bidang_urusan": 42}


def test_search_ranks_regencies_before_villages():
    results = reference.search("kupang")
    names = [r["name"] for r in results]
    assert names[:2] == ["Kabupaten Kupang", "Kota Kupang"]
    first_village = next(i for i, r in enumerate(results) if r["level"] == "desa_kelurahan")
    assert first_village > 1
    assert results[1]["label"] == "53.71 — Kota Kupang"
    assert [r["code"] for r in reference.search("KAB kup", limit=1)] == ["53.01"]
    assert reference.search("Nusa Tenggara Timur")[0]["code"] == "53"


def test_search_by_code_prefix():
    codes = [r["code"] for r in reference.search("53.7", limit=5)]
    assert codes[0] == "53.71"
    assert all(code.startswith("53.7") for code in codes)
    assert [r["code"] for r in reference.search("5371", limit=1)] == ["53.71"]
    assert [r["code"] for r in reference.search("53.71.01", limit=2)] == ["53.71.01",
                                                                          "53.71.01.1001"]
    assert reference.search("99.99") == []


def test_search_filters_and_lists():
    villages = reference.search("kupang", level="desa_kelurahan", limit=50)
    assert villages and all(r["level"] == "desa_kelurahan" for r in villages)
    ntt = reference.search("", level="kabupaten_kota", within="53", limit=100)
    assert len(ntt) == 22
    assert ntt[0]["code"] == "53.01" and ntt[-1]["code"] == "53.71"
    assert reference.search("") == []
    assert reference.search("%_'&!") == []
    assert [r["code"] for r in reference.search("kesehatan", "urusan")] == ["1.02"]
    with pytest.raises(ValueError):
        reference.search("kupang", level="kota")


def test_validate_code():
    assert reference.validate_code("53.71") is None
    assert reference.validate_code("1.02", "urusan", {"bidang_urusan"}) is None
    assert "Unknown code" in reference.validate_code("53.99")
    assert "Malformed code" in reference.validate_code("5x")
    assert 'did you mean "53.71"' in reference.validate_code("5371")
    wrong = reference.validate_code("53.71.01", levels={"provinsi", "kabupaten_kota"})
    assert "district" in wrong and "regency/city" in wrong
    assert reference.validate_code("") == "Missing value"
    with pytest.raises(ValueError):
        reference.validate_code("53", levels={"kota"})


def test_normalise_code():
    assert reference.normalise_code("5371") == "53.71"
    assert reference.normalise_code(" 53 . 71 ") == "53.71"
    assert reference.normalise_code("53.71.") == "53.71"
    assert reference.normalise_code(53) == "53"
    assert reference.normalise_code(None) == ""
    # BPS district and village codes differ from Kemendagri's: left for validation.
    assert reference.normalise_code("5371010") == "5371010"
    assert reference.normalise_code("1.2", "urusan") == "1.02"


def test_display_name():
    assert reference.display_name("53") == "53 — Nusa Tenggara Timur"
    assert reference.display_name("53.99") == "53.99"
    assert reference.display_name("") == ""
    assert reference.display_name("1.02", "urusan") == "1.02 — Kesehatan"


def test_shipped_files_pass_their_checks():
    rows = reference.read_file("wilayah")
    assert len({row.code for row in rows}) == len(rows)
    assert all(row.name == row.name.strip() and not row.name.islower() for row in rows)


def test_cached_lookups_do_not_touch_the_database(monkeypatch):
    reference.lookup(["53.71", "53.99"])

    def no_database(connection):
        raise AssertionError("the database was read")

    monkeypatch.setattr(reference, "_connect", no_database)
    assert reference.display_name("53.71") == "53.71 — Kota Kupang"
    assert reference.display_name("53.99") == "53.99"
