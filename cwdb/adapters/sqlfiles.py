"""Loading the named queries of ``sql/*.sql``.

A file holds blocks like this one::

    -- name: find_by_status
    -- Initiatives in one status, oldest first.
    SELECT ... FROM initiatives WHERE status = :status ORDER BY created_at, rowid;

The comment lines right after ``-- name:`` document the query; the suffix of
the name says whether the statement writes and what it gives back, as in
aiosql. Reads: none for all rows, ``^`` one row or none, ``$`` one value.
Writes (they take the write lock): ``<!`` returns rows (``RETURNING``),
``!`` returns nothing, ``*!`` runs once per parameter set. A documentation
line ``-- scan: <reason>`` declares that the query reads a whole table on
purpose. Duplicate names, empty blocks and unknown suffixes are refused when
the file is loaded, naming the file and query; asking a file for a name it
does not hold is refused the same way.

A name ``<base>__<column>[__<column>...]`` declares a specialised variant of
the statement ``<base>`` of the same file, written for a change of the listed
columns only (``update__status``): it binds ``:<column>`` for each of them,
and nothing that ``<base>`` does not bind (see ``updates.py`` for how the
library picks one). A variant breaking these rules is refused at load too.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import attrs

from cwdb._resources import resource_dir
from cwdb.errors import Error


class Shape(enum.Enum):
    """Whether a query writes, and what it returns, from the suffix of its name."""

    ROWS = ""
    ONE = "^"
    VALUE = "$"
    WRITE_RETURNING = "<!"
    WRITE = "!"
    WRITE_MANY = "*!"

    @property
    def writes(self) -> bool:
        """The statement changes the database, so it runs under the write lock."""
        return self.value.endswith("!")

    @property
    def returns_rows(self) -> bool:
        """The statement gives back rows (a write only with ``<!``)."""
        return self not in (Shape.WRITE, Shape.WRITE_MANY)

    @property
    def description(self) -> str:
        """The shape in words, as ``python -m cwdb review`` prints it."""
        return SHAPES[self][0]

    @property
    def kinds(self) -> frozenset[str]:
        """How a statement of this shape may be bound and run (``statements.Queries``)."""
        return SHAPES[self][1]


#: The one table of shapes: each suffix in words, and how its statements may
#: be bound (so, by the statement's type, which runner calls take them):
#: ``one`` (a row or None), ``many`` (every row), ``single`` (the row it always
#: returns), ``write`` (no rows), ``batch`` (once per parameter set).
SHAPES: Final[dict[Shape, tuple[str, frozenset[str]]]] = {
    Shape.ROWS: ("all rows", frozenset({"many"})),
    Shape.ONE: ("one row or none", frozenset({"one"})),
    Shape.VALUE: ("one value", frozenset({"single"})),
    Shape.WRITE_RETURNING: ("write, returns rows", frozenset({"one", "many", "single"})),
    Shape.WRITE: ("write, no rows", frozenset({"write"})),
    Shape.WRITE_MANY: ("write, once per parameter set", frozenset({"batch"})),
}


class QueryFileError(Error):
    """A ``sql/`` file is malformed or does not hold a query asked for."""


@attrs.frozen
class Query:
    """One named statement, exactly as written in its file."""

    file: str
    name: str
    shape: Shape
    sql: str
    doc: str
    #: Why the query may read a whole table (``-- scan:``), or None.
    scan: str | None
    #: Named parameters, in order of first appearance.
    params: tuple[str, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.file}.{self.name}"

    @property
    def numbered_sql(self) -> str:
        """A ``sql/postgresql/`` query as psycopg sends it to the server.

        ``%(name)s`` becomes ``$1``, ``$2``, ... in order of first use (the
        same name, the same number) and ``%%`` becomes ``%``: the text the
        server logs and ``PREPARE`` takes.
        """
        numbers = {name: index for index, name in enumerate(self.params, start=1)}

        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            return "%" if name is None else f"${numbers[name]}"

        return _PYFORMAT_OR_PERCENT.sub(replace, self.sql)


_NAME_LINE: Final = re.compile(r"^--\s*name:\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<suffix>\S*)\s*$")
_SCAN_LINE: Final = re.compile(r"^--\s*scan:\s*(?P<reason>.+)$")
_PARAM: Final = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")
#: psycopg's placeholders, in the files of ``sql/postgresql/``.
_PYFORMAT_PARAM: Final = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s")
_PYFORMAT_OR_PERCENT: Final = re.compile(r"%\(([A-Za-z_][A-Za-z0-9_]*)\)s|%%")
#: The folder of each dialect's files under ``sql/``.
DIALECT_FOLDERS: Final = {"sqlite": "", "postgresql": "postgresql"}
_SHAPES: Final = {shape.value: shape for shape in Shape}
#: Separates a variant's base name from the columns it is written for.
VARIANT_SEPARATOR: Final = "__"


class QueryFile(Mapping[str, Query]):
    """The queries of one ``sql/`` file, by name; records which were asked for."""

    def __init__(
        self,
        name: str,
        path: Path,
        queries: dict[str, Query],
        sources: dict[str, Path] | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self._queries = queries
        #: The file each query's ``Query.file`` names (several for a folder).
        self.sources = {name: path} if sources is None else sources

    def __getitem__(self, key: str) -> Query:
        try:
            return self._queries[key]
        except KeyError:
            raise QueryFileError(f"{self.path.name}: no query named {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._queries

    def __iter__(self) -> Iterator[str]:
        return iter(self._queries)

    def __len__(self) -> int:
        return len(self._queries)

    def variants(self, base: str) -> dict[str, tuple[str, ...]]:
        """The specialised variants of ``base``: name -> the columns it is for."""
        found = {}
        for name in self._queries:
            of, columns = split_variant(name)
            if of == base and columns:
                found[name] = columns
        return found


def split_variant(name: str) -> tuple[str, tuple[str, ...]]:
    """``"update__status__pid"`` -> ``("update", ("status", "pid"))``; no columns: not a variant."""
    base, *columns = name.split(VARIANT_SEPARATOR)
    return base, tuple(columns)


def _check_variant(path: Path, query: Query, queries: Mapping[str, Query]) -> None:
    """Refuse a variant whose base is missing or whose parameters do not fit it."""
    base_name, columns = split_variant(query.name)
    base = queries.get(base_name)
    where = f"{path.name}: variant {query.name!r}"
    if base is None:
        raise QueryFileError(f"{where} has no base query {base_name!r}")
    if base.shape is not query.shape:
        raise QueryFileError(f"{where} returns {query.shape} but {base_name!r} {base.shape}")
    if len(set(columns)) != len(columns):
        raise QueryFileError(f"{where} names a column twice")
    unknown = [c for c in columns if f"set_{c}" not in base.params]
    if unknown:
        raise QueryFileError(f"{where} names {unknown}: not columns {base_name!r} sets")
    unbound = [c for c in columns if c not in query.params]
    if unbound:
        raise QueryFileError(f"{where} does not bind {unbound}")
    listed = {*columns, *(f"set_{c}" for c in columns)}
    # Another column's value (its base has a :set_ flag for it) or flag.
    other_column = {p for p in base.params if f"set_{p}" in base.params}
    other_column |= {f"set_{p}" for p in other_column}
    foreign = [p for p in query.params if p not in base.params or p in other_column - listed]
    if foreign:
        raise QueryFileError(f"{where} binds {foreign}: not columns of its name")


def parse_file(path: Path, placeholder: re.Pattern[str] | None = None) -> QueryFile:
    """Parse one file into its named queries (see the module docstring).

    ``placeholder`` finds its parameters (a dialect's ``Dialect.placeholder``);
    by default the files of a ``postgresql`` folder name them ``%(name)s``,
    the others ``:name``. A file that cannot be read is a ``QueryFileError``.
    """
    file = path.stem
    if placeholder is not None:
        pattern = placeholder
    else:
        pattern = _PYFORMAT_PARAM if path.parent.name == "postgresql" else _PARAM
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as error:
        raise QueryFileError(f"{path}: cannot read the query file ({error})") from None
    queries: dict[str, Query] = {}
    blocks: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        found = _NAME_LINE.match(line.strip())
        if found:
            blocks.append((found["name"], found["suffix"], []))
        elif blocks:
            blocks[-1][2].append(line)
    for name, suffix, lines in blocks:
        if name in queries:
            raise QueryFileError(f"{path.name}: query {name!r} is defined twice")
        if suffix not in _SHAPES:
            raise QueryFileError(f"{path.name}: query {name!r} has unknown suffix {suffix!r}")
        queries[name] = _make_query(path, file, name, _SHAPES[suffix], lines, pattern=pattern)
    for query in queries.values():
        if VARIANT_SEPARATOR in query.name:
            _check_variant(path, query, queries)
    return QueryFile(file, path, queries)


def _make_query(
    path: Path, file: str, name: str, shape: Shape, lines: list[str], *, pattern: re.Pattern[str]
) -> Query:
    doc: list[str] = []
    scan = None
    body_start = 0
    for body_start, line in enumerate(lines):  # noqa: B007
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        found = _SCAN_LINE.match(stripped)
        if found:
            scan = found["reason"].strip()
        doc.append(stripped[2:].strip())
    else:
        body_start = len(lines)
    sql = "\n".join(lines[body_start:]).strip().rstrip(";").strip()
    if not sql:
        raise QueryFileError(f"{path.name}: query {name!r} has no SQL")
    params = tuple(dict.fromkeys(pattern.findall(_without_comments_and_strings(sql))))
    return Query(file, name, shape, sql, "\n".join(doc).strip(), scan, params)


def _without_comments_and_strings(sql: str) -> str:
    sql = re.sub(r"'(?:[^']|'')*'", "''", sql)
    return re.sub(r"--[^\n]*", "", sql)


@functools.cache
def load_all(dialect: str = "sqlite") -> Mapping[str, QueryFile]:
    """Every file of a dialect's folder (``sql/``, ``sql/postgresql/``), parsed once per process."""
    directory = resource_dir("sql") / DIALECT_FOLDERS[dialect]
    return {path.stem: parse_file(path) for path in sorted(directory.glob("*.sql"))}


def query_file(name: str, dialect: str = "sqlite") -> QueryFile:
    """A dialect's named file: ``"tasks"`` is ``sql/tasks.sql`` or ``sql/postgresql/tasks.sql``."""
    files = load_all(dialect)
    try:
        return files[name]
    except KeyError:
        folder = "/".join(filter(None, ("sql", DIALECT_FOLDERS[dialect])))
        raise QueryFileError(f"{folder}/{name}.sql does not exist") from None
