"""Why the checks would not (or could not) read a file: a message a person can act on.

Plain Python, no CKAN: the message is an English msgid with ``{name}`` placeholders and its
values, so that the CKAN side translates it (``error.render(tk._)``) where it is stored or
shown, as ``findings`` does for the Satu Data findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MB = 1024 * 1024


def _shown(value: Any) -> Any:
    """Whole numbers with thousands separators (``1,024``), as the messages show sizes."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


class CheckRefused(Exception):
    """The file or link is not read; ``retry`` when a later attempt may succeed (a server
    that did not answer), not when the same file would be refused again."""

    retry = False

    def __init__(self, message: str, **values: Any) -> None:
        self.message = message
        self.values = values
        super().__init__(self.render())

    def render(self, translate: Callable[[str], str] = str) -> str:
        """The message in the language of ``translate`` (CKAN's ``tk._``), values filled."""
        return translate(self.message).format(**{key: _shown(value)
                                                 for key, value in self.values.items()})


class FetchFailed(CheckRefused):
    """The link could not be downloaded (no answer, an HTTP error): a retry may succeed."""

    retry = True


class BeyondLimit(CheckRefused):
    """The file is larger, or the download slower, than a limit allows.

    In a web request this means "check it in the background instead", not an error.
    """


def too_large(limit_bytes: int) -> BeyondLimit:
    return BeyondLimit("The file is larger than {limit} MB, the largest file the checks read.",
                       limit=max(1, limit_bytes // MB))
