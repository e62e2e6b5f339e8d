"""Where the SQL files and migrations are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``sql`` or ``migrations``: inside the installed package, else the checkout.

    A wheel installs both folders inside ``cwdb/``; in a checkout (and an
    editable install) they sit beside the package at the repository root.
    """
    installed = _PACKAGE / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"cwdb: cannot find its {name}/ folder near {_PACKAGE}")
