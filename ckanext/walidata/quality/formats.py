"""Which resources are tables the checks read (kept free of frictionless: imported by the
plugin at start-up, where every imported module slows CKAN's template path lookups)."""

from __future__ import annotations

TABULAR_FORMATS = ("csv", "tsv", "xlsx", "xls")


def format_of(path_or_url: str, declared: str = "") -> str | None:
    """The tabular format to read, from the declared resource format or the file name."""
    declared = (declared or "").strip().lower().lstrip(".")
    if declared in TABULAR_FORMATS:
        return declared
    name = path_or_url.split("?")[0].lower()
    for extension in TABULAR_FORMATS:
        if name.endswith(f".{extension}"):
            return extension
    return None
