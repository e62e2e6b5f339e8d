"""The files here are read by mypy (tests/test_typing.py), never run by pytest."""

collect_ignore_glob = ["*.py"]
