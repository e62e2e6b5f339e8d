"""What ``python -m cwdb backup`` reports, for the dialect that backs up (SQLite)."""

from __future__ import annotations

import attrs


@attrs.frozen
class BackedUp:
    """A backup written: from where, to which new file, its size and how long it took."""

    source: str
    dest: str
    size: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"backed up {self.source} to {self.dest} ({self.size:,} bytes, mode 0600) "
            f"in {self.seconds:.2f} s"
        )
