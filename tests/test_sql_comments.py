"""A comment of sql/ that starts with "sqlfluff" must be one of sqlfluff's inline settings.

sqlfluff reads every comment beginning with that word as an inline setting
and warns "Unable to process inline config statement" on each run when it
is prose instead.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SETTING = re.compile(r"^-- sqlfluff:[a-z_]+(:[a-z_]+)*:\S+$")


def test_only_sqlfluff_settings_begin_with_its_name() -> None:
    prose = [
        f"{path.relative_to(ROOT)}:{number}: {line}"
        for path in sorted((ROOT / "sql").rglob("*.sql"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"^--\s*sqlfluff", line, re.IGNORECASE) and not _SETTING.match(line)
    ]
    assert prose == []
