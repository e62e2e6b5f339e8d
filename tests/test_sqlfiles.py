"""The loader of sql/: named blocks, docs, shapes, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwdb.adapters.apsw.sqlfiles import QueryFileError, Shape, load_all, parse_file, query_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "things.sql"
    path.write_text(text)
    return path


def test_a_block_gives_name_shape_doc_scan_params_and_sql(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "-- header\n\n-- name: find_by_id^\n-- One thing.\n-- scan: tiny table\n"
        "SELECT id FROM things\nWHERE id = :id AND kind = ':not_a_param' AND id = :id;\n",
    )
    query = parse_file(path)["find_by_id"]
    assert query.shape is Shape.ONE
    assert query.doc == "One thing.\nscan: tiny table"
    assert query.scan == "tiny table"
    assert query.params == ("id",)
    assert (
        query.sql == "SELECT id FROM things\nWHERE id = :id AND kind = ':not_a_param' AND id = :id"
    )


@pytest.mark.parametrize(
    ("suffix", "shape"),
    [
        ("", Shape.ROWS),
        ("^", Shape.ONE),
        ("$", Shape.VALUE),
        ("<!", Shape.WRITE_RETURNING),
        ("!", Shape.WRITE),
        ("*!", Shape.WRITE_MANY),
    ],
)
def test_suffixes_give_shapes(tmp_path: Path, suffix: str, shape: Shape) -> None:
    path = write(tmp_path, f"-- name: q{suffix}\nSELECT 1;\n")
    assert parse_file(path)["q"].shape is shape


@pytest.mark.parametrize(
    ("suffix", "writes"),
    [("", False), ("^", False), ("$", False), ("<!", True), ("!", True), ("*!", True)],
)
def test_a_suffix_ending_in_bang_marks_a_write(tmp_path: Path, suffix: str, writes: bool) -> None:
    path = write(tmp_path, f"-- name: q{suffix}\nSELECT 1;\n")
    assert parse_file(path)["q"].shape.writes is writes


def test_a_duplicate_name_is_refused_naming_file_and_query(tmp_path: Path) -> None:
    path = write(tmp_path, "-- name: twice\nSELECT 1;\n-- name: twice\nSELECT 2;\n")
    with pytest.raises(QueryFileError, match=r"things\.sql: query 'twice' is defined twice"):
        parse_file(path)


def test_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "-- name: odd!<\nSELECT 1;\n")
    with pytest.raises(QueryFileError, match=r"things\.sql: query 'odd'"):
        parse_file(path)


def test_an_empty_block_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "-- name: empty\n-- only a comment\n")
    with pytest.raises(QueryFileError, match="'empty' has no SQL"):
        parse_file(path)


def test_asking_for_an_unknown_query_names_file_and_query() -> None:
    with pytest.raises(QueryFileError, match=r"initiatives\.sql: no query named 'nope'"):
        query_file("initiatives")["nope"]


def test_an_unknown_file_is_refused() -> None:
    with pytest.raises(QueryFileError, match=r"sql/nope\.sql"):
        query_file("nope")


def test_every_shipped_query_is_documented() -> None:
    for file in load_all().values():
        for query in file.values():
            assert query.doc, f"{query.qualified_name} has no documentation"
