"""Limits of an XLSX file before openpyxl opens it: a zip archive can be a bomb.

An XLSX is a zip of XML parts; a 1 MB file can unpack to 1 GiB, which openpyxl (and the
merged-header detection, which loads the whole workbook) reads into memory. The zip's
directory tells the unpacked size of every part before anything is unpacked, and Python's
zipfile (which openpyxl reads through) never unpacks a part beyond its declared size, so
judging the directory bounds what the checks will read. Plain Python, no CKAN.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from .limits import MB, BeyondLimit, CheckRefused

# Parts smaller than this are not judged by their ratio: a small part of repeated cells
# compresses very well and is harmless.
RATIO_FROM_BYTES = MB


@dataclass(frozen=True)
class XlsxLimits:
    max_unpacked_bytes: int = 200 * MB
    max_ratio: int = 100          # unpacked size / packed size of one part
    max_members: int = 10_000


def unpacked_size(path: str) -> int | None:
    """The declared unpacked size of all parts; None when the file is not a zip archive."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None


def check_xlsx(path: str, limits: XlsxLimits) -> None:
    """Raise CheckRefused when the XLSX exceeds a limit; a file that is no zip archive is
    left to frictionless, which reports it as an unreadable file."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    if len(members) > limits.max_members:
        raise CheckRefused("The XLSX file holds {count} parts; at most {limit} are allowed.",
                           count=len(members), limit=limits.max_members)
    total = sum(info.file_size for info in members)
    if total > limits.max_unpacked_bytes:
        raise BeyondLimit("The XLSX file unpacks to {size} MB; at most {limit} MB are allowed.",
                          size=_mb(total), limit=_mb(limits.max_unpacked_bytes))
    for info in members:
        if info.file_size >= RATIO_FROM_BYTES and (
                info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            raise CheckRefused(
                "The XLSX file is compressed {ratio} times; at most {limit} times is allowed "
                "(a file compressed this much is usually a zip bomb).",
                ratio=info.file_size // max(info.compress_size, 1), limit=limits.max_ratio)


def _mb(size: int) -> int:
    return -(-size // MB)  # rounded up: 200.3 MB is more than 200 MB
