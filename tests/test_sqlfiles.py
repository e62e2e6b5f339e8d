"""The loader of sql/: named blocks, docs, shapes, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from cwdb.adapters.sqlfiles import QueryFileError, Shape, load_all, parse_file, query_file


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


# -- specialised variants (<base>__<column>...) --------------------------------------

BASE = (
    "-- name: update<!\n-- Generic.\n"
    "UPDATE things SET a = iif(:set_a, :a, a), b = iif(:set_b, :b, b), t = :now\n"
    "WHERE id = :id RETURNING id;\n"
)


def test_variants_are_listed_with_the_columns_their_name_gives(tmp_path: Path) -> None:
    variant = "-- name: update__b__a<!\n-- Fast.\nUPDATE things SET a = :a, b = :b;\n"
    file = parse_file(write(tmp_path, BASE + variant))
    assert file.variants("update") == {"update__b__a": ("b", "a")}
    assert file.variants("find_by_id") == {}


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ("-- name: other__a<!\n-- x\nUPDATE things SET a = :a;\n", "has no base query 'other'"),
        ("-- name: update__a\n-- x\nUPDATE things SET a = :a WHERE id = :id;\n", "returns"),
        ("-- name: update__a__a<!\n-- x\nUPDATE things SET a = :a;\n", "names a column twice"),
        ("-- name: update__c<!\n-- x\nUPDATE things SET c = :c;\n", r"names \['c'\]: not columns"),
        ("-- name: update__a<!\n-- x\nUPDATE things SET t = :now;\n", "does not bind"),
        ("-- name: update__a<!\n-- x\nUPDATE things SET a = :a, b = :b;\n", r"binds \['b'\]"),
        ("-- name: update__a<!\n-- x\nUPDATE things SET a = :a WHERE k = :k;\n", r"binds \['k'\]"),
    ],
)
def test_a_variant_that_does_not_fit_its_base_is_refused(
    tmp_path: Path, block: str, error: str
) -> None:
    with pytest.raises(QueryFileError, match=r"things\.sql: variant '.*' " + error):
        parse_file(write(tmp_path, BASE + block))
