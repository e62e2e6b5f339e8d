"""Generate the asyncio twins of the repositories and their ports from the sync source.

    .venv/bin/python scripts/async_repositories.py           # rewrite the generated files
    .venv/bin/python scripts/async_repositories.py --check   # exit 1 if they are stale

The sync code is the one source (docs/reference.md §10, STYLE.md "One source, two ways
to call it"): ``cwdb/adapters/repositories/*.py`` is written by hand against
the ``Runner`` protocol, and this script writes
``cwdb/adapters/aio/repositories/*.py`` against ``AsyncRunner``, and
``cwdb/ports/aio/*.py`` from ``cwdb/ports/*.py``. psycopg's
``tools/async_to_sync.py`` is the model, run the other way round. A test
(``tests/test_async_generated.py``) fails when the checked-in files differ
from what this script writes now.

The transform is mechanical, on the ``ast``:

* a function that calls the runner (``self._run.one(...)``, ``run.write(...)``
  after ``run = self._run``, a ``runner`` parameter, or an alias such as
  ``rows_of = self._run.rows``), or calls such a function (``insert_row``,
  ``self._graph.link``, ``self._check_references``), becomes ``async def``
  and each such call is awaited; a generator among them becomes an async
  generator (``yield from`` becomes a loop) and is called without ``await``;
* ``with run.transaction():`` becomes ``async with``;
* a class with an async method is renamed ``Async<name>``; ``Runner``,
  ``Adapter`` and ``Iterator`` become ``AsyncRunner``, ``AsyncAdapter`` and
  ``AsyncIterator``; imports of generated modules point at their twins;
* ports: every method of a ``Protocol`` becomes ``async def``, except one
  returning an ``Iterator``, which returns an ``AsyncIterator``.

``ast.unparse`` drops comments: the generated files say so in their header,
and are ruff-formatted (imports sorted by ``ruff check --select I --fix``).

Why generation and not I/O-free plans: the alternative the issue names
(each repository method a generator yielding statements to a sync or async
executor) puts a generator and a ``send`` on every sync call. Measured on
``tasks.find_by_id`` / ``tasks.update`` over an in-memory SQLite database
(``scripts/bench_plans.py``): see its output in the issue note; the direct
sync call is the faster one and stays untouched here, so the sync path keeps
its speed and changes to the sync repositories reach the async twins by
re-running this script.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNC = ROOT / "cwdb" / "adapters" / "repositories"
ASYNC = ROOT / "cwdb" / "adapters" / "aio" / "repositories"
PORTS = ROOT / "cwdb" / "ports"
ASYNC_PORTS = ROOT / "cwdb" / "ports" / "aio"

#: Sync modules without I/O, imported by the twins as they are.
_SHARED = frozenset({"__init__", "documented", "ids", "updates"})
#: The runner's methods that do I/O (``check_open`` and ``transaction`` do not, or not alone).
_IO = frozenset({"one", "all", "single", "rows", "write", "write_count", "write_batch", "replay"})
_RENAMES = {"Runner": "AsyncRunner", "Adapter": "AsyncAdapter", "Iterator": "AsyncIterator"}
_SYNC_PACKAGE = "cwdb.adapters.repositories"
_ASYNC_PACKAGE = "cwdb.adapters.aio.repositories"
COMMAND = ".venv/bin/python scripts/async_repositories.py"


def _header(source: Path) -> str:
    relative = source.relative_to(ROOT)
    return (
        f"Generated from {relative}: do not edit. Edit that file and run\n"
        "scripts/async_repositories.py (the generated code has no comments).\n\n"
    )


# -- which functions become async ------------------------------------------------------


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


def _runner_names(function: ast.FunctionDef) -> set[str]:
    """Local names that hold the runner: ``run = self._run``, a ``runner`` parameter."""
    names = {
        arg.arg
        for arg in function.args.args + function.args.kwonlyargs
        if arg.arg == "runner"
        or (isinstance(arg.annotation, ast.Name) and arg.annotation.id == "Runner")
    }
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _is_self_run(node.value)
        ):
            names.add(node.targets[0].id)
    return names


def _is_self_run(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "_run"
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _is_runner(node: ast.expr, runners: set[str]) -> bool:
    return _is_self_run(node) or (isinstance(node, ast.Name) and node.id in runners)


def _io_aliases(function: ast.FunctionDef, runners: set[str]) -> set[str]:
    """Local names bound to a runner method: ``rows_of = self._run.rows``."""
    aliases = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in _IO
            and _is_runner(node.value.value, runners)
        ):
            aliases.add(node.targets[0].id)
    return aliases


class _Analysis:
    """Which functions (top-level by name, methods by name) become async, to a fixpoint."""

    def __init__(self, trees: dict[str, ast.Module]) -> None:
        self.coroutines: set[str] = set()
        self.generators: set[str] = set()
        functions = [f for tree in trees.values() for f in _functions(tree)]
        changed = True
        while changed:
            changed = False
            for function in functions:
                name = function.name
                if name in self.coroutines or name in self.generators:
                    continue
                if self._does_io(function):
                    if _is_generator(function):
                        self.generators.add(name)
                    else:
                        self.coroutines.add(name)
                    changed = True

    def awaited(self, call: ast.Call, runners: set[str], aliases: set[str]) -> bool:
        """Whether a call returns an awaitable in the async twin."""
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in _IO and _is_runner(func.value, runners):
                return True
            return func.attr in self.coroutines and _on_self(func.value)
        if isinstance(func, ast.Name):
            return func.id in aliases or func.id in self.coroutines
        return False

    def _does_io(self, function: ast.FunctionDef) -> bool:
        runners = _runner_names(function)
        aliases = _io_aliases(function, runners)
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and self.awaited(node, runners, aliases):
                return True
            if isinstance(node, ast.With) and any(
                _is_transaction(item.context_expr, runners) for item in node.items
            ):
                return True
        return False


def _on_self(node: ast.expr) -> bool:
    """``self``, ``super()`` or ``self.<attribute>``: the receivers whose methods may be async."""
    if isinstance(node, ast.Name):
        return node.id == "self"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "super"
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and (node.value.id == "self")
    )


def _is_generator(function: ast.FunctionDef) -> bool:
    return any(
        isinstance(node, ast.Yield | ast.YieldFrom)
        for node in ast.walk(function)
        if not isinstance(node, ast.Lambda)
    )


def _is_transaction(node: ast.expr, runners: set[str]) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "transaction"
        and _is_runner(node.func.value, runners)
    )


# -- rewriting one module -----------------------------------------------------------------


class _Rewrite(ast.NodeTransformer):
    def __init__(self, analysis: _Analysis, classes: set[str], generated: set[str]) -> None:
        self.analysis = analysis
        self.classes = classes
        self.generated = generated
        self.runners: set[str] = set()
        self.aliases: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        outer = self.runners, self.aliases
        self.runners = _runner_names(node)
        self.aliases = _io_aliases(node, self.runners)
        self.generic_visit(node)
        self.runners, self.aliases = outer
        if node.name not in self.analysis.coroutines | self.analysis.generators:
            return node
        fields = {name: getattr(node, name) for name in node._fields}
        return ast.copy_location(ast.AsyncFunctionDef(**fields), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if self.analysis.awaited(node, self.runners, self.aliases):
            return ast.copy_location(ast.Await(node), node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        # ``replay(lambda: self._work(...))``: the lambda returns the coroutine,
        # which the async runner's ``replay`` awaits (an await cannot be in a lambda).
        self.generic_visit(node)
        if isinstance(node.body, ast.Await):
            node.body = node.body.value
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        self.generic_visit(node)
        if any(_is_transaction(item.context_expr, self.runners) for item in node.items):
            return ast.copy_location(ast.AsyncWith(node.items, node.body), node)
        return node

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        # ``yield from rows`` in an async generator: ``for item in rows: yield item``.
        if isinstance(node.value, ast.YieldFrom):
            iterable = self.visit(node.value.value)
            loop = ast.For(
                target=ast.Name("_item", ast.Store()),
                iter=iterable,
                body=[ast.Expr(ast.Yield(ast.Name("_item", ast.Load())))],
                orelse=[],
            )
            return ast.copy_location(loop, node)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._renamed(node.id)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.generic_visit(node)
        node.name = self._renamed(node.name)
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        module = node.module or ""
        if module == "cwdb.adapters.runner":
            node.module = "cwdb.adapters.aio.runner"
        elif module.startswith(_SYNC_PACKAGE + "."):
            stem = module.rsplit(".", 1)[1]
            if stem in self.generated:
                node.module = f"{_ASYNC_PACKAGE}.{stem}"
        if node.module != module or module == "collections.abc":
            for alias in node.names:
                alias.name = self._renamed(alias.name)
            node.names.sort(key=lambda alias: alias.name)
        return node

    def _renamed(self, name: str) -> str:
        if name in self.classes:
            return f"Async{name}"
        return _RENAMES.get(name, name)


def _async_classes(trees: dict[str, ast.Module], analysis: _Analysis) -> set[str]:
    """Classes with a method that becomes async, and classes deriving from them."""
    async_methods = analysis.coroutines | analysis.generators
    classes: set[str] = set()
    all_classes = [
        node for tree in trees.values() for node in tree.body if isinstance(node, ast.ClassDef)
    ]
    changed = True
    while changed:
        changed = False
        for node in all_classes:
            if node.name in classes:
                continue
            methods = {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
            bases = {_base_name(base) for base in node.bases}
            if methods & async_methods or bases & classes:
                classes.add(node.name)
                changed = True
    return classes


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _with_header(tree: ast.Module, source: Path) -> None:
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        first.value.value = _header(source) + first.value.value
    else:
        tree.body.insert(0, ast.Expr(ast.Constant(_header(source).rstrip())))


def repositories() -> dict[str, str]:
    """The twin of every sync repository module with I/O: file name -> source."""
    sources = sorted(p for p in SYNC.glob("*.py") if p.stem not in _SHARED)
    trees = {p.stem: ast.parse(p.read_text(), str(p)) for p in sources}
    analysis = _Analysis(trees)
    classes = _async_classes(trees, analysis)
    generated = set(trees)
    out = {}
    for path in sources:
        tree = trees[path.stem]
        tree = _Rewrite(analysis, classes, generated).visit(tree)
        _with_header(tree, path)
        out[path.name] = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    out["__init__.py"] = (
        '"""The asyncio twins of ``cwdb.adapters.repositories``, one module per module.\n\n'
        f'{_header(SYNC / "__init__.py").rstrip()}\n"""\n'
    )
    return out


# -- ports --------------------------------------------------------------------------------


class _AsyncPort(ast.NodeTransformer):
    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = f"Async{node.name}"
        node.body = [self._method(item) for item in node.body]
        return node

    @staticmethod
    def _method(item: ast.stmt) -> ast.stmt:
        if not isinstance(item, ast.FunctionDef) or item.name.startswith("_"):
            return item
        returns = item.returns
        if isinstance(returns, ast.Subscript) and _base_name(returns) == "Iterator":
            returns.value = ast.Name("AsyncIterator", ast.Load())
            return item
        fields = {name: getattr(item, name) for name in item._fields}
        return ast.copy_location(ast.AsyncFunctionDef(**fields), item)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        if node.module == "collections.abc":
            for alias in node.names:
                alias.name = _RENAMES.get(alias.name, alias.name)
            node.names.sort(key=lambda alias: alias.name)
        return node


def ports() -> dict[str, str]:
    """The async twin of every port: file name -> source, and the package's ``__init__``."""
    out = {}
    exported = []
    for path in sorted(PORTS.glob("*.py")):
        if path.stem == "__init__":
            continue
        tree = _AsyncPort().visit(ast.parse(path.read_text(), str(path)))
        _with_header(tree, path)
        out[path.name] = ast.unparse(ast.fix_missing_locations(tree)) + "\n"
        exported += [(path.stem, node.name) for node in tree.body if isinstance(node, ast.ClassDef)]
    imports = "\n".join(f"from cwdb.ports.aio.{stem} import {name}" for stem, name in exported)
    names = "".join(f"    {name!r},\n" for _, name in sorted(exported, key=lambda e: e[1]))
    out["__init__.py"] = (
        '"""The repository ports as asyncio sees them: each method a coroutine function.\n\n'
        f'{_header(PORTS / "__init__.py").rstrip()}\n"""\n\n'
        f"{imports}\n\n__all__ = [\n{names}]\n"
    )
    return out


# -- writing and checking -----------------------------------------------------------------


def generate() -> dict[Path, str]:
    """Every generated file, formatted: its path in the checkout -> its text."""
    wanted = {ASYNC / name: text for name, text in repositories().items()}
    wanted |= {ASYNC_PORTS / name: text for name, text in ports().items()}
    return {path: _formatted(path, text) for path, text in wanted.items()}


def _formatted(path: Path, text: str) -> str:
    """``text`` as ruff fixes and formats it at ``path`` (read from stdin, nothing written)."""
    ruff = [sys.executable, "-m", "ruff"]
    where = ["--config", str(ROOT / "ruff.toml"), "--stdin-filename", str(path)]
    for command in (["check", "--fix-only", "--exit-zero", "--quiet"], ["format", "--quiet"]):
        text = subprocess.run(
            [*ruff, *command, *where, "-"], input=text, capture_output=True, text=True, check=True
        ).stdout
    return text


def stale(wanted: dict[Path, str]) -> list[str]:
    """A diff per generated file that differs from what is checked in (or is missing)."""
    diffs = []
    for path, text in wanted.items():
        have = path.read_text() if path.exists() else ""
        if have != text:
            name = str(path.relative_to(ROOT))
            diffs.append(
                "".join(difflib.unified_diff(have.splitlines(True), text.splitlines(True), name))
            )
    extra = {p for folder in (ASYNC, ASYNC_PORTS) for p in folder.glob("*.py")} - set(wanted)
    diffs += [f"{p.relative_to(ROOT)}: not generated any more; delete it\n" for p in extra]
    return diffs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    wanted = generate()
    if args.check:
        diffs = stale(wanted)
        if diffs:
            sys.stdout.writelines(diffs)
            print(f"the async twins are stale: run {COMMAND}")
            return 1
        return 0
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
