"""Real-looking tables of NTT with and without planted mistakes, shared by the tests."""

from __future__ import annotations

import io

import openpyxl

CLEAN = ("kode_wilayah,nama_wilayah,tahun,laki_laki,perempuan,jumlah\n"
         "53.01,Kabupaten Kupang,2023,190123,184377,374500\n"
         "53.71,Kota Kupang,2023,226114,229736,455850\n")

PLANTED = ("kode_wilayah,nama_wilayah,tahun,jumlah_penduduk,persentase_miskin\n"
           "53.01,Kabupaten Kupang,2023,374500,22.4\n"
           "53.99,Kabupaten Fiktif,2023,1000,10.1\n"        # no such regency
           "53.71,Kota Kupang,2023,-455850,8.6\n"            # a negative count
           "53.02,Kabupaten Timor Tengah Selatan,2023,470000,120\n")  # 120 %


def merged_header_workbook() -> bytes:
    """An XLSX headed by merged cells: "Jumlah Penduduk" over Laki-laki, Perempuan, Jumlah."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Kode Wilayah"
    sheet.merge_cells("A1:A2")
    sheet["B1"] = "Nama Wilayah"
    sheet.merge_cells("B1:B2")
    sheet["C1"] = "Jumlah Penduduk"
    sheet.merge_cells("C1:E1")
    sheet["C2"], sheet["D2"], sheet["E2"] = "Laki-laki", "Perempuan", "Jumlah"
    sheet.append(["53.01", "Kabupaten Kupang", 190123, 184377, 374500])
    sheet.append(["53.71", "Kota Kupang", 226114, 229736, 455850])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
