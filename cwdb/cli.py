"""The operator's commands: ``python -m cwdb <command>`` (docs/reference.md §8).

Exit status: 0 when the command did its job; 1 when it failed at run time,
with exactly one line on stderr (``cwdb: error: ...``) and no traceback; 2 for
bad arguments (argparse prints the usage). No command prints a row's
contents, so credentials stored in the database never reach the terminal.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TextIO

from cwdb import __version__
from cwdb.dialects import SQLITE, dialect_for
from cwdb.errors import Error

if TYPE_CHECKING:
    from tqdm import tqdm

    from cwdb.ops.copy import CopyReport
    from cwdb.ops.status import Status

DEFAULT_DATABASE = "cw.db"
#: Exit status of a command that failed at run time.
FAILED = 1

Command = Callable[[argparse.Namespace], int]


def build_parser(prog: str = "python -m cwdb") -> argparse.ArgumentParser:
    """Every command with its arguments; ``--help`` works at each level."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Operate a cwdb database: inspect it, migrate it, back it up, copy it.",
        epilog="Exit status: 0 done, 1 failed (one line on stderr), 2 bad arguments.",
    )
    parser.add_argument("--version", action="version", version=f"cwdb {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title="commands"
    )
    _add(
        commands,
        "status",
        _status,
        "show migrations, row counts per table and file sizes",
        "Print the applied and pending migrations, the number of rows in each "
        "table and the sizes of the database file and its -wal file. Reads the "
        "file without writing to it; a missing file is an error (nothing is "
        "created), a database with pending migrations is reported as it is. "
        "--database also takes a PostgreSQL URL: the size is then the database's "
        "on the server, and the URL is shown with its password hidden.",
    )
    _add(
        commands,
        "migrate",
        _migrate,
        "apply pending migrations (creates the file, 0600, if missing)",
        "Apply the migrations this version of cwdb ships that the database lacks, "
        "each in its own transaction, recorded in yoyo's tables. Needs neither a "
        "checkout nor yoyo.ini. Creates a missing database file with mode 0600. "
        "--database also takes a PostgreSQL URL (postgresql://user@host/db; "
        "needs the postgresql extra); its password is never printed.",
    )
    backup = _add(
        commands,
        "backup",
        _backup,
        "copy a live database to a new 0600 file",
        "Write a consistent copy of SRC to the new file DEST (mode 0600) with "
        "SQLite's online backup, safe while other processes write. SRC is opened "
        "read-only and may be at any schema version; DEST must not exist.",
        database=False,
    )
    backup.add_argument("source", metavar="SRC", help="the database file to copy")
    backup.add_argument("dest", metavar="DEST", help="the new file to write")
    copy = _add(
        commands,
        "copy",
        _copy,
        "copy a whole database into an empty one, SQLite or PostgreSQL",
        "Copy every row of every table of SRC into DEST, keeping ids, timestamps, "
        "values and insertion order. Each is a database file or a PostgreSQL URL "
        "(postgresql://user@host/db; needs the postgresql extra), in either "
        "direction. SRC must be fully migrated and is only read, as one snapshot, "
        "while other processes go on writing. DEST must hold no rows: it is created "
        "(a file, mode 0600) and migrated when needed, and must end at SRC's schema "
        "version. The copy is one transaction on DEST, verified (row counts and a "
        "checksum of every table) before it commits: on any failure or Ctrl-C, DEST "
        "keeps no row of it. A progress bar shows on a terminal. Passwords are never "
        "printed.",
        database=False,
    )
    copy.add_argument("source", metavar="SRC", help="the database to copy (path or URL)")
    copy.add_argument("dest", metavar="DEST", help="the empty database to fill (path or URL)")
    copy.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    review = _add(
        commands,
        "review",
        _review,
        "show every query with its plan, flag unmarked table scans",
        "Print every statement of sql/ as a DBA reviews it: documentation, SQL, "
        "parameters, result columns and SQLite's plan; fails (exit status 1) when "
        "a query reads a whole table without a '-- scan:' reason. Plans use "
        f"production-like statistics unless --database names a file to plan on "
        f"(default: ./{DEFAULT_DATABASE} when it exists), or a postgresql:// URL: then "
        "sql/postgresql/ is planned with PostgreSQL's EXPLAIN.",
        database=False,
    )
    review.add_argument(
        "--database",
        metavar="PATH|URL",
        default=None,
        help="plan on this database file, opened read-only, or on this PostgreSQL "
        f"database, in a read-only transaction (default: ./{DEFAULT_DATABASE} when it "
        "exists, else production-like statistics in memory)",
    )
    review.add_argument(
        "--queries",
        metavar="PATH",
        default=None,
        help="also review an application's own named queries: a file, or a folder "
        "(each dialect reads its postgresql/ twin where there is one; docs/own_queries.md)",
    )
    return parser


def _add(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Command,
    summary: str,
    description: str,
    *,
    database: bool = True,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=summary, description=description)
    if database:
        parser.add_argument(
            "--database",
            metavar="PATH",
            default=DEFAULT_DATABASE,
            help=f"the database file (default: ./{DEFAULT_DATABASE})",
        )
    parser.set_defaults(handler=handler)
    return parser


def run(argv: Sequence[str], *, prog: str = "python -m cwdb") -> int:
    """Run one command; its exit status (never raises, never a traceback)."""
    parser = build_parser(prog)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exit_:  # --help, --version, or bad arguments
        return exit_.code if isinstance(exit_.code, int) else 2
    handler: Command = args.handler
    with _warnings_held() as warnings, _pipe_safe_stdout():
        try:
            status = handler(args)
        except KeyboardInterrupt:
            return _fail("interrupted", status=130)
        except Error as error:
            return _fail(str(error))
        except Exception as error:  # a bug or an OS failure: still one line, no traceback
            return _fail(f"{type(error).__name__}: {error}")
    for warning in warnings:
        print(f"cwdb: warning: {warning}", file=sys.stderr)
    return status


class _PipeSafeOutput(io.TextIOBase):
    """stdout that takes a reader who went away (``cwdb status | head -1``) calmly.

    Like a well-behaved Unix tool, a command whose reader closed the pipe
    stops writing and finishes its work: the exit status stays the one of
    the work done (a migration that was applied is reported as success), and
    nothing is printed about the pipe. The descriptor is pointed at
    ``/dev/null`` so that the interpreter's own flush at exit cannot fail.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self.reader_gone = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                self._stream.write(text)
            except BrokenPipeError:
                self._reader_went_away()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_went_away()

    def _reader_went_away(self) -> None:
        self.reader_gone = True
        try:
            fd = self._stream.fileno()
        except (OSError, ValueError):  # not a real file (a test's capture)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


@contextmanager
def _pipe_safe_stdout() -> Iterator[None]:
    """Run a command with :class:`_PipeSafeOutput` as ``sys.stdout``."""
    original = sys.stdout
    safe = _PipeSafeOutput(original)
    sys.stdout = safe
    try:
        yield
    finally:
        safe.flush()
        sys.stdout = original


def _fail(message: str, *, status: int = FAILED) -> int:
    print(f"cwdb: error: {_one_line(message)}", file=sys.stderr)
    return status


def _one_line(message: str) -> str:
    return " ".join(message.split())


@contextmanager
def _warnings_held() -> Iterator[list[str]]:
    """Collect cwdb's warnings (a database readable by others) during a command.

    They are printed after a command that succeeded; a failed command prints
    its one error line only.
    """
    held: list[str] = []

    class Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(_one_line(record.getMessage()))

    log = logging.getLogger("cwdb")
    hold = Hold(logging.WARNING)
    log.addHandler(hold)
    propagate, log.propagate = log.propagate, False
    try:
        yield held
    finally:
        log.removeHandler(hold)
        log.propagate = propagate


# -- the commands ---------------------------------------------------------------


def _status(args: argparse.Namespace) -> int:
    target = dialect_for(args.database)
    print(format_status(target.dialect.status(target.location)))
    return 0


def format_status(status: Status) -> str:
    """The report of ``status``: migrations, rows per table, file sizes."""
    lines = [
        f"database  {status.path}",
        f"cwdb      {__version__}",
        *(f"{what:<9} {_size(size)}" for what, size in status.sizes),
        "",
        "migrations",
    ]
    lines += [f"  applied  {m}" for m in status.applied if m not in status.unknown]
    lines += [f"  pending  {m}" for m in status.pending]
    lines += [f"  unknown  {m} (newer than cwdb {__version__})" for m in status.unknown]
    if not (status.applied or status.pending):
        lines.append("  (none)")
    lines += ["", "rows"]
    width = max(len(table) for table, _ in status.rows)
    for table, count in status.rows:
        shown = "no table (pending migration)" if count is None else f"{count:>12,}"
        lines.append(f"  {table:<{width}}  {shown}")
    return "\n".join(lines)


def _size(size: int | None) -> str:
    return "none" if size is None else f"{size:,} bytes"


def _migrate(args: argparse.Namespace) -> int:
    target = dialect_for(args.database)
    for line in target.dialect.migrate(target.location).lines():
        print(line)
    return 0


def _backup(args: argparse.Namespace) -> int:
    source = dialect_for(args.source)
    print(source.dialect.backup(source.location, args.dest))
    return 0


def _copy(args: argparse.Namespace) -> int:
    from cwdb.ops.copy import copy_database

    with _progress_bar(enabled=not args.quiet and sys.stderr.isatty()) as bar:
        report = copy_database(
            args.source,
            args.dest,
            progress=bar.progress if bar else None,
            counted=bar.counted if bar else None,
        )
    if not args.quiet:
        print(format_copy(report))
    return 0


def format_copy(report: CopyReport) -> str:
    """What ``copy`` prints once the copy committed."""
    rate = report.total / report.seconds if report.seconds > 0 else 0.0
    lines = [f"migrated {report.destination}: applied {m}" for m in report.migrated]
    lines.append(
        f"copied {report.total:,} rows of {len(report.rows)} tables from {report.source} "
        f"to {report.destination} in {report.seconds:.2f} s ({rate:,.0f} rows/s)"
    )
    lines.append(
        "verified: every table's row count and sha256 match; schema "
        f"{report.schema[-1] if report.schema else '(none)'}"
    )
    return "\n".join(lines)


class _Bar:
    """tqdm over the rows of a copy: one pass to copy, one to verify."""

    def __init__(self) -> None:
        self._bar: tqdm[NoReturn] | None = None
        self._total = 0
        self._phase = ""

    def counted(self, total: int) -> None:
        self._total = total

    def progress(self, phase: str, table: str, rows: int) -> None:
        if phase != self._phase:
            self.close()
            self._phase = phase
            label = "copying" if phase == "copy" else "verifying"
            from tqdm import tqdm

            self._bar = tqdm(
                total=self._total,
                desc=label,
                unit=" rows",
                unit_scale=True,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        assert self._bar is not None
        self._bar.set_postfix_str(table, refresh=False)
        self._bar.update(rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@contextmanager
def _progress_bar(*, enabled: bool) -> Iterator[_Bar | None]:
    """A progress bar on stderr when it is a terminal (and not --quiet), else None."""
    if not enabled:
        yield None
        return
    bar = _Bar()
    try:
        yield bar
    finally:
        bar.close()


def _review(args: argparse.Namespace) -> int:
    database = args.database
    if database is None and os.path.exists(DEFAULT_DATABASE):
        database = DEFAULT_DATABASE
    if database is None:  # no ./cw.db: production-like statistics
        return SQLITE.review(None, sys.stdout, queries=args.queries)
    target = dialect_for(database)
    return target.dialect.review(target.location, sys.stdout, queries=args.queries)
