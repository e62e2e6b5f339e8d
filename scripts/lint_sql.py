"""sqlfluff over sql/ and migrations/ (SQLite, and PostgreSQL in migrations/postgresql/).

sqlfluff's SQLite dialect (4.5) cannot parse ``SAVEPOINT name;`` or
``RELEASE name;``, and an unparsable statement hides every statement after
it from the linter. Migrations that must stay one transaction under yoyo's
stock ``sqlite:///`` backend (0003) open with a SAVEPOINT, so this runs
sqlfluff on each file with those lines commented out (line numbers stay true);
everything else is linted as written. Exits 1 when sqlfluff finds anything.
``migrations/postgresql/.sqlfluff`` switches that folder to the postgres dialect.
Run from anywhere: ``.venv/bin/python scripts/lint_sql.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from sqlfluff.core import FluffConfig, Linter

ROOT = Path(__file__).resolve().parent.parent
SAVEPOINTS = re.compile(r"^(?=(SAVEPOINT|RELEASE) \w+;)", re.MULTILINE)


def main() -> int:
    problems = 0
    folders = [ROOT / "sql", ROOT / "sql" / "postgresql", ROOT / "migrations"]
    folders.append(ROOT / "migrations" / "postgresql")
    for path in sorted(path for folder in folders for path in folder.glob("*.sql")):
        # Each folder's .sqlfluff (if any) sets its dialect on top of the root's.
        linter = Linter(config=FluffConfig.from_path(str(path.parent)))
        text = SAVEPOINTS.sub("-- ", path.read_text(encoding="utf-8"))
        linted = linter.lint_string(text, fname=str(path))
        for violation in linted.get_violations():
            problems += 1
            print(f"{path.relative_to(ROOT)}:{violation.line_no}: {violation.desc()}")
    print(f"sqlfluff: {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
