"""Regenerate schema.sql, the schema the migrations build, for DBAs to read and diff.

Usage: .venv/bin/python scripts/update_schema.py [--check] [--output PATH]

Run it after adding a migration and commit schema.sql with the migration:
the diff of schema.sql in review shows exactly what the migration changes.
tests/test_schema_snapshot.py fails while schema.sql is stale. --check only
compares (exit status 1 when stale); --output writes elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _venv import use_the_checkouts_venv

use_the_checkouts_venv()

from cwdb.ops.sqlite.schema_snapshot import current_schema_text  # noqa: E402 - after the venv check

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is stale")
    parser.add_argument("--output", type=Path, default=ROOT / "schema.sql")
    args = parser.parse_args(argv)
    text = current_schema_text()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: run .venv/bin/python scripts/update_schema.py")
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
