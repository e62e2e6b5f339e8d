"""Landed migrations never change: ``migrations/landed.sha256``.

The file (``sha256sum`` format) freezes every migration file once it has
landed. The tests fail when a landed file changes or disappears, or when a
migration file is not listed; ``scripts/land_migrations.py`` appends the
lines of new files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

#: The file, inside the migrations folder, that lists the landed migrations.
LANDED_FILE: Final = "landed.sha256"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def migration_files(folder: Path) -> list[Path]:
    """Every migration file of a folder (apply and rollback scripts), by name."""
    return sorted(folder.glob("*.sql"))


def read_landed(folder: Path) -> dict[str, str]:
    """File name -> sha256 of every landed migration, as ``landed.sha256`` lists them.

    The format is ``sha256sum``'s (``<hex>  <name>``, or ``<hex> *<name>``),
    so ``cd migrations && sha256sum -c landed.sha256`` checks it too.
    """
    path = folder / LANDED_FILE
    if not path.exists():
        return {}
    landed: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name[1:] if name[:1] in (" ", "*") else name
        if len(digest) != 64 or not name:
            raise ValueError(f"{path}:{number}: not a sha256sum line: {line!r}")
        landed[name] = digest
    return landed


def landed_problems(folder: Path) -> list[str]:
    """Why the folder breaks the landing rule: changed, missing or unlisted files."""
    landed = read_landed(folder)
    problems = []
    for name, digest in landed.items():
        path = folder / name
        if not path.exists():
            problems.append(f"{name} has landed but is missing")
        elif sha256_of(path) != digest:
            problems.append(f"{name} has landed and must not change (its sha256 differs)")
    problems += [
        f"{path.name} is not listed in {LANDED_FILE} (run scripts/land_migrations.py)"
        for path in migration_files(folder)
        if path.name not in landed
    ]
    return problems


def landing_lines(folder: Path) -> list[str]:
    """``sha256sum`` lines for the migration files not yet listed, by name."""
    landed = read_landed(folder)
    return [
        f"{sha256_of(path)}  {path.name}"
        for path in migration_files(folder)
        if path.name not in landed
    ]
