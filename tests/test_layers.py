"""The layers of docs/ARCHITECTURE.md hold: no import cycle and no import of a higher layer,
counting imports inside functions and typing-only ones; and the places that name code by
string (fork-server preload, catalog fingerprints, Dask's task) name real code."""

from __future__ import annotations

import importlib
import pickle
import re
from collections.abc import Callable

import pytest
from provscan.code_graph import Graph, module_files, reached, read_graph, source_layout

from tests.conftest import REPO

ARCHITECTURE = REPO / "docs" / "ARCHITECTURE.md"
SOURCE = source_layout(REPO)  # the source folders: a module added since the install counts
_ROW = re.compile(r"^\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|")


def layer_table(text: str) -> list[tuple[int, str, list[str]]]:
    """The rows between the layers markers: (number, name, module patterns)."""
    block = text.split("<!-- layers -->", 1)[1].split("<!-- /layers -->", 1)[0]
    rows = []
    for line in block.splitlines():
        match = _ROW.match(line)
        if match:
            patterns = re.findall(r"`([^`]+)`", match.group(3))
            rows.append((int(match.group(1)), match.group(2), patterns))
    return rows


def _matches(pattern: str, module: str) -> bool:
    if pattern.endswith(".*"):
        package = pattern[:-2]
        return module == package or module.startswith(package + ".")
    return module == pattern


def layers_of(modules: list[str], table: list[tuple[int, str, list[str]]]) -> dict[str, int]:
    """Each module's layer: the row of the most specific pattern naming it."""
    placed: dict[str, tuple[int, int]] = {}  # module -> (specificity, layer)
    for number, _, patterns in table:
        for pattern in patterns:
            for module in modules:
                if _matches(pattern, module):
                    specificity = len(pattern) - (1 if pattern.endswith(".*") else 0)
                    if module not in placed or specificity > placed[module][0]:
                        placed[module] = (specificity, number)
    return {module: layer for module, (_, layer) in placed.items()}


@pytest.fixture(scope="module")
def graph() -> Graph:
    """The import graph of scanner/ and detectors/."""
    return read_graph(SOURCE)


@pytest.fixture(scope="module")
def table() -> list[tuple[int, str, list[str]]]:
    """The layer table of docs/ARCHITECTURE.md."""
    return layer_table(ARCHITECTURE.read_text(encoding="utf-8"))


def test_the_table_is_numbered_from_zero_without_gaps(
    table: list[tuple[int, str, list[str]]],
) -> None:
    """The layers are 0, 1, 2... in the order the page lists them, each with modules."""
    assert [number for number, _, _ in table] == list(range(len(table)))
    assert all(patterns for _, _, patterns in table)


def test_every_module_has_a_layer_and_every_pattern_a_module(
    graph: Graph, table: list[tuple[int, str, list[str]]]
) -> None:
    """A new module must be given a layer; a row naming no module is stale."""
    modules = sorted(graph.files)
    layers = layers_of(modules, table)
    assert sorted(set(modules) - set(layers)) == []
    stale = [p for _, _, patterns in table for p in patterns
             if not any(_matches(p, m) for m in modules)]  # fmt: skip
    assert stale == []


def test_no_import_cycle(graph: Graph) -> None:
    """No modules import each other in a circle, counting lazy and typing-only imports and
    the packages a dotted import runs."""
    assert graph.cycles() == []


def test_no_import_of_a_higher_layer(graph: Graph, table: list[tuple[int, str, list[str]]]) -> None:
    """Every import (lazy and typing-only ones too) points to the same or a lower layer."""
    layers = layers_of(sorted(graph.files), table)
    upward = sorted(
        f"{imp.source} (layer {layers[imp.source]}) line {imp.line} imports {imp.target} "
        f"(layer {layers[imp.target]})"
        for imp in graph.imports
        if layers[imp.target] > layers[imp.source]
    )
    assert upward == []


def test_package_init_files_import_nothing_of_the_project(graph: Graph) -> None:
    """Importing any module runs its packages' __init__: they must not import the project
    (a registry there would make every module of the package depend on all the others)."""
    packages = {name for name, path in graph.files.items() if path.name == "__init__.py"}
    assert sorted({i.source for i in graph.imports if i.source in packages}) == []


def test_the_lazy_imports_are_the_documented_ones(graph: Graph) -> None:
    """Imports inside functions are kept only to spare start-up or keep heavy libraries out
    of processes that do not need them; a new one is a decision, listed here."""
    deepest: dict[tuple[str, int], str] = {}  # (module, line) -> the module it imports
    for imp in graph.imports:
        if imp.lazy and len(imp.target) > len(deepest.get((imp.source, imp.line), "")):
            deepest[(imp.source, imp.line)] = imp.target
    assert {(source, target) for (source, _), target in deepest.items()} == _LAZY


_LAZY = {
    # numpy and Pillow (the pHash, stealth text's pixels) only for the files that need one
    ("provscan.extract.stealth", "provscan.extract.stealth_pixels"),
    ("provscan.ailog.draft", "provscan.extract.phash"),
    ("provscan.analysis", "provscan.extract.phash"),
    ("provscan.stages.gate", "provscan.extract.phash"),
    # a format's readers only with the first file of that format (start-up: the registry
    # imports every detector, and inspecting a camera JPEG needs none of these)
    ("provscan.detectors.camera_original", "provscan.extract.media_tags"),
    ("provscan.detectors.frame_headers", "provscan.extract.dpx"),
    ("provscan.detectors.frame_headers", "provscan.extract.exr"),
    ("provscan.detectors.integrity", "provscan.extract.av_structure.checks"),
    ("provscan.detectors.integrity", "provscan.extract.avinfo"),
    ("provscan.detectors.integrity", "provscan.extract.dpx"),
    ("provscan.detectors.integrity", "provscan.extract.exr"),
    ("provscan.detectors.integrity", "provscan.extract.media_tags"),
    ("provscan.detectors.integrity", "provscan.extract.mpf"),
    ("provscan.detectors.media_meta", "provscan.extract.avinfo"),
    ("provscan.detectors.media_meta", "provscan.extract.media_tags"),
    ("provscan.detectors.media_meta", "provscan.extract.riff_meta"),
    ("provscan.detectors.text_fields", "provscan.extract.dpx"),
    ("provscan.detectors.text_fields", "provscan.extract.exr"),
    ("provscan.detectors.text_fields", "provscan.extract.media_tags"),
    # a manifest's story (integrity, trust lists, identities, soft bindings) only for a file
    # that carries one
    ("provscan.detectors.c2pa_manifest", "provscan.detectors.c2pa_extras"),
    ("provscan.detectors.c2pa_manifest", "provscan.detectors.c2pa_integrity"),
    # OpenCV, numpy and PyAV only in the trace's search worker
    ("provscan.trace.worker", "provscan.trace.matcher"),
    ("provscan.trace.worker", "provscan.trace.reference"),
    ("provscan.trace.worker", "provscan.trace.sampler"),
    ("provscan.trace.worker", "provscan.trace.still"),
    ("provscan.trace.worker", "provscan.trace.tracer"),
    ("provscan.trace.worker", "provscan.trace.sequence"),
    # OpenTimelineIO, pyaaf2 and PyAV only in the timeline reader's child
    ("provscan.timeline.isolated", "provscan.timeline.read"),
    ("provscan.timeline.isolated", "provscan.timeline.probe"),
    ("provscan.timeline.probe", "provscan.trace.sampler"),
    # the CLI's start-up: each command imports what it runs when it runs, so --help, rules
    # and log check never load the analysis (c2pa, Pillow), and inspect no pipeline
    ("provscan.cli", "provscan.commands.trace"),
    ("provscan.cli", "provscan.ailog.draft"),
    ("provscan.cli", "provscan.ailog.load"),
    ("provscan.cli", "provscan.backend"),
    ("provscan.cli", "provscan.catalog.query"),
    ("provscan.cli", "provscan.catalog.store"),
    ("provscan.cli", "provscan.distributed"),
    ("provscan.cli", "provscan.engine"),
    ("provscan.cli", "provscan.ignore"),
    ("provscan.cli", "provscan.model"),
    ("provscan.cli", "provscan.pipeline"),
    ("provscan.cli", "provscan.policy"),
    ("provscan.cli", "provscan.progress"),
    ("provscan.cli", "provscan.report.locations"),
    ("provscan.cli", "provscan.report.outputs"),
    ("provscan.cli", "provscan.report.to_rules"),
    ("provscan.cli", "provscan.report.to_text"),
    ("provscan.cli", "provscan.stages.baseline"),
    ("provscan.cli", "provscan.stages.sequences"),
    ("provscan.cli", "provscan.rulebook"),
    ("provscan.cli", "provscan.trustlists"),
    # inspect's work, run by the CLI or without typer: each path (media, an edit, a CPL)
    # loads what it runs when it runs
    ("provscan.cli_core", "provscan.commands.inspect_cpl"),
    ("provscan.cli_core", "provscan.commands.inspect_cut"),
    ("provscan.cli_core", "provscan.commands.what_file"),
    ("provscan.cli_core", "provscan.engine"),
    ("provscan.cli_core", "provscan.imf.package"),
    ("provscan.cli_core", "provscan.model"),
    ("provscan.cli_core", "provscan.report.to_inspect"),
    ("provscan.cli_core", "provscan.timeline.cut"),
    ("provscan.cli_core", "provscan.timeline.load"),
    ("provscan.cli_core", "provscan.trustlists"),
    # the worker pool, the Dask client and the catalog (SQLite, the code fingerprints) only
    # for the runs that use them: a one-file inspect analyses in its own process
    ("provscan.backend", "provscan.catalog.context"),
    ("provscan.backend", "provscan.catalog.engine_id"),
    ("provscan.backend", "provscan.catalog.scan"),
    ("provscan.backend", "provscan.catalog.store"),
    ("provscan.backend", "provscan.distributed"),
    ("provscan.backend", "provscan.isolate"),
    ("provscan.engine", "provscan.catalog.scan"),
    ("provscan.report.outputs", "provscan.pictures.plan"),
    ("provscan.report.outputs", "provscan.report.to_html"),
    # the console entry point answers Ctrl-C before the CLI loads, --version without it, and
    # inspect with plain arguments without typer
    ("provscan.entry", "provscan.cli"),
    ("provscan.entry", "provscan.cli_core"),
    ("provscan.entry", "provscan"),
}


def test_the_fork_server_preloads_a_module() -> None:
    """The fork server's preload list names modules that exist."""
    from provscan import supervisor

    assert set(supervisor.PRELOAD) <= set(module_files(SOURCE))


def test_the_catalog_fingerprints_start_from_real_code() -> None:
    """The engine fingerprint reaches every registered detector and the analysis; the trace
    cache's key reaches the search worker's modules (so moved code changes them)."""
    from provscan.catalog.engine_id import ANALYSIS
    from provscan.catalog.trace_cache import TRACE
    from provscan.detectors.registry import DETECTORS

    analysis = reached(ANALYSIS, SOURCE)
    assert {d.__name__ for d in DETECTORS} | {"provscan.analysis", "provscan.rulebook"} <= set(
        analysis
    )
    assert {"provscan.report.to_json", "provscan.cli"}.isdisjoint(analysis)
    trace = reached(TRACE, SOURCE)
    assert {"provscan.trace.worker", "provscan.trace.tracer", "provscan.trace.still"} <= set(trace)


def _child_entries() -> list[Callable[..., object]]:
    from provscan import distributed, isolate, supervisor
    from provscan.pictures import worker as pictures
    from provscan.timeline import isolated
    from provscan.trace import worker as trace

    return [distributed.run_batch, supervisor._child_main, isolate._serve, trace._serve,
            pictures._serve, isolated._child]  # fmt: skip


@pytest.mark.parametrize("function", _child_entries(), ids=lambda f: f.__module__)
def test_functions_shipped_by_name_resolve(function: Callable[..., object]) -> None:
    """Dask's task and every child's entry function are found again by qualified name (how
    they reach a Dask worker or a fork server)."""
    module = importlib.import_module(function.__module__)
    assert getattr(module, function.__qualname__) is function
    assert pickle.loads(pickle.dumps(function)) is function


def test_the_table_places_modules_as_the_page_says() -> None:
    """The table parser reads the page's own example rows as written."""
    table = layer_table("<!-- layers -->\n| 0 | a | `x`, `y.*` | z |\n<!-- /layers -->")
    assert table == [(0, "a", ["x", "y.*"])]
    assert layers_of(["x", "y", "y.z", "w"], table) == {"x": 0, "y": 0, "y.z": 0}
