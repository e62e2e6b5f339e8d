"""Land new migrations: append their sha256 to migrations/landed.sha256.

Usage: .venv/bin/python scripts/land_migrations.py [--check] [--folder PATH]

The SQLite migrations are in migrations/, PostgreSQL's in
migrations/postgresql/, each folder with its own landed.sha256: pass
--folder migrations/postgresql for the second.

Run it when a migration is final, and commit the new lines with it: from then
on the migration never changes (tests/test_landed_migrations.py fails if it
does). Existing lines are never rewritten; when a landed file has changed or
disappeared the script says so and writes nothing. --check only reports
(exit status 1 when anything is unlisted, changed or missing). The file is
in sha256sum's format: `cd migrations && sha256sum -c landed.sha256` works.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _venv import use_the_checkouts_venv

use_the_checkouts_venv()

from cwdb.ops.landed import LANDED_FILE, landed_problems, landing_lines  # noqa: E402 - after the venv check

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report, write nothing")
    parser.add_argument("--folder", type=Path, default=ROOT / "migrations")
    args = parser.parse_args(argv)
    folder: Path = args.folder
    new = landing_lines(folder)
    broken = [p for p in landed_problems(folder) if "is not listed" not in p]
    for problem in broken:
        print(f"error: {problem}")
    if args.check or broken:
        for line in new:
            print(f"not landed: {line.split(maxsplit=1)[1]}")
        return 1 if broken or new else 0
    if not new:
        print("nothing to land")
        return 0
    path = folder / LANDED_FILE
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not existing or existing.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as landed:
        landed.write(separator + "".join(f"{line}\n" for line in new))
    for line in new:
        print(f"landed {line.split(maxsplit=1)[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
