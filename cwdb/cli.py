"""The operator's commands: ``python -m cwdb <command>``."""

from __future__ import annotations

import argparse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cwdb", description=__doc__)
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
