"""``python -m cwdb`` (and the ``cwdb`` console script): the operator's commands.

See ``cwdb.cli`` for the commands and their exit statuses.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from cwdb.cli import run

    prog = "cwdb" if os.path.basename(sys.argv[0]) == "cwdb" else "python -m cwdb"
    return run(sys.argv[1:] if argv is None else argv, prog=prog)


if __name__ == "__main__":
    sys.exit(main())
