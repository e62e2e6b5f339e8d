"""Passwords out of what cwdb shows: URLs and libpq connection strings without them."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit

#: The URL schemes whose netloc may carry a password.
_URL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_HIDDEN: Final = "***"
_PASSWORD_WORD: Final = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages and reprs."""
    if not _URL.match(url):
        return _PASSWORD_WORD.sub(rf"\g<1>{_HIDDEN}", url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostinfo = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = f"{userinfo.split(':', 1)[0]}:{_HIDDEN}"
        netloc = f"{userinfo}@{hostinfo}"
    query = [
        (key, _HIDDEN if key.lower() == "password" else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    # Built by hand: urlunsplit drops the empty host of "postgresql:///db".
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    if query:
        shown += "?" + urlencode(query, safe="/*")
    return shown + (f"#{parts.fragment}" if parts.fragment else "")
