"""provscan's own import graph, read from the source with ``ast`` (nothing is imported).

Every import counts: at module level, inside a function (a lazy import), or under
``if TYPE_CHECKING:`` (typing only). Importing ``a.b.c`` also runs ``a/__init__`` and
``a/b/__init__`` first, so it depends on those packages too. The layer test checks this
graph against docs/ARCHITECTURE.md; the catalog hashes the modules the per-file analysis
reaches, so stored results follow the code wherever it moves.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# Where each package's files are: the installed package (``provscan`` with its
# ``detectors`` subpackage, in site-packages or the editable install's link tree), or the
# repository's source folders (``scanner/`` is ``provscan``, ``detectors/`` is
# ``provscan.detectors``, as pyproject.toml's package-dir maps them).
Layout = dict[str, Path]


def installed_layout() -> Layout:
    """The package as Python imports it (not resolved: the link tree keeps the layout)."""
    return {"provscan": Path(__file__).parent}


def source_layout(repo: Path) -> Layout:
    """The repository's source folders."""
    return {"provscan": repo / "scanner", "provscan.detectors": repo / "detectors"}


@dataclass(frozen=True, slots=True)
class Import:
    """One import of a project module: where it is and how it runs."""

    source: str  # the importing module
    target: str  # the imported module (or package)
    line: int
    lazy: bool = False  # inside a function: runs when the function does
    typing_only: bool = False  # under ``if TYPE_CHECKING:``: never runs


@dataclass(slots=True)
class Graph:
    """Modules (name -> file) and the imports between them."""

    files: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)

    def edges(self, *, typing: bool = True) -> dict[str, set[str]]:
        """Module -> the modules it imports (typing-only imports too, unless ``typing`` is
        False)."""
        out: dict[str, set[str]] = {name: set() for name in self.files}
        for imp in self.imports:
            if typing or not imp.typing_only:
                out[imp.source].add(imp.target)
        return out

    def cycles(self) -> list[list[str]]:
        """Every group of modules that import each other, directly or through others."""
        return [sorted(group) for group in strongly_connected(self.edges()) if len(group) > 1]


def module_files(layout: Layout | None = None) -> dict[str, Path]:
    """Every module of the layout (default: as installed): dotted name -> file."""
    files: dict[str, Path] = {}
    for package, folder in (layout or installed_layout()).items():
        for path in sorted(folder.rglob("*.py")):
            parts = [*package.split("."), *path.relative_to(folder).with_suffix("").parts]
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files.setdefault(name, path)
    return files


def read_graph(layout: Layout | None = None) -> Graph:
    """The whole import graph of the layout (default: as installed)."""
    files = module_files(layout)
    graph = Graph(files)
    for name, path in files.items():
        graph.imports.extend(imports_of(name, path, files))
    return graph


def reached(
    start: Iterable[str], layout: Layout | None = None, *, typing: bool = False
) -> dict[str, Path]:
    """The modules ``start`` runs when imported and called, itself included: every import,
    lazy ones too (typing-only ones when ``typing``), followed to the end. Only the modules
    reached are parsed."""
    files = module_files(layout)
    todo, seen = list(start), {}
    while todo:
        name = todo.pop()
        if name in seen or name not in files:
            continue
        seen[name] = files[name]
        todo.extend(i.target for i in imports_of(name, files[name], files)
                    if typing or not i.typing_only)  # fmt: skip
    return dict(sorted(seen.items()))


def imports_of(name: str, path: Path, files: dict[str, Path]) -> Iterator[Import]:
    """The project modules one file imports (packages of a dotted target included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node, lazy, typing_only in _statements(path, path.stat().st_mtime_ns):
        for target in sorted(_targets(node, package, files)):
            if target != name:
                yield Import(name, target, node.lineno, lazy, typing_only)


@cache
def _statements(
    path: Path, mtime_ns: int
) -> tuple[tuple[ast.Import | ast.ImportFrom, bool, bool], ...]:
    """A file's import statements, read once per version of the file (the catalog asks for
    the analysis's modules, then for the trace's, which share most of them)."""
    tree = ast.parse(path.read_bytes(), str(path))
    return tuple(_import_nodes(tree.body, lazy=False, typing_only=False))


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")  # where statements nest


def _import_nodes(
    body: list[ast.stmt], *, lazy: bool, typing_only: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    """Import statements in ``body`` and the blocks nested in it, with whether each is inside
    a function and whether it is under ``if TYPE_CHECKING``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, lazy, typing_only
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _import_nodes(node.body, lazy=True, typing_only=typing_only)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.body, lazy=lazy, typing_only=True)
            yield from _import_nodes(node.orelse, lazy=lazy, typing_only=typing_only)
        else:
            for block in _BLOCKS:
                for child in getattr(node, block, ()):
                    inner = (
                        child.body
                        if isinstance(child, ast.ExceptHandler | ast.match_case)
                        else [child]
                    )
                    yield from _import_nodes(inner, lazy=lazy, typing_only=typing_only)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _targets(node: ast.Import | ast.ImportFrom, package: str, files: dict[str, Path]) -> set[str]:
    """The project modules an import statement runs: the named module, its packages, and
    for ``from M import x`` the submodule ``M.x`` when there is one."""
    if isinstance(node, ast.Import):
        named = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            parts = parts[: len(parts) - (node.level - 1)]
            base = ".".join([*parts, base] if base else parts)
        named = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    found: set[str] = set()
    for dotted in named:
        parts = dotted.split(".")
        found.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return {target for target in found if target in files}


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return groups
