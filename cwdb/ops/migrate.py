"""What ``python -m cwdb migrate`` reports, the same lines for every dialect."""

from __future__ import annotations

import attrs


@attrs.frozen
class Migrated:
    """A ``migrate`` done: the database as shown, what was applied, where it stands."""

    #: The database as messages name it (an absolute path, or a URL without its password).
    shown: str
    #: Ids of the migrations applied now, in order.
    applied: tuple[str, ...]
    #: The id of the newest migration this cwdb ships: the database is at it now.
    newest: str
    #: The file did not exist and was created (SQLite).
    created: bool = False

    def lines(self) -> list[str]:
        """What the command prints."""
        lines = [f"created {self.shown} (mode 0600)"] if self.created else []
        lines += [f"applied {migration_id}" for migration_id in self.applied]
        nothing = "" if self.applied else "nothing to apply: "
        lines.append(f"{nothing}{self.shown} is up to date ({self.newest})")
        return lines
