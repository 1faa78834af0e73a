"""Where the per-file work runs and what remembers it: in local worker processes or on a
Dask cluster, with or without the archive catalog."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.analysis import scan_entry
from scanner.distributed import iter_dask
from scanner.isolate import iter_isolated
from scanner.limits import Limits
from scanner.model import FileResult, Settings
from scanner.walk import Entry

if TYPE_CHECKING:
    from scanner.catalog.scan import Stats
    from scanner.catalog.store import Catalog


@dataclass(frozen=True, slots=True)
class Backend:
    """``catalog``: reuse and record evidence; ``dask``: a scheduler address to analyse on."""

    catalog: Catalog | None = None
    catalog_path: Path | None = None
    dask: str = ""
    stats: Stats | None = field(default=None)


LOCAL = Backend()


def analyse_entries(
    entries: Iterator[Entry], settings: Settings, limits: Limits | None, backend: Backend
) -> Iterator[FileResult]:
    """Fresh results for ``entries``, in order: on the Dask cluster, in isolated local
    workers (``limits``), or in this process (no limits: the library's and tests' default)."""
    if backend.dask:
        return iter_dask(entries, settings, limits or Limits(), backend.dask)
    if limits is not None:
        return iter_isolated(entries, settings, limits)
    return (scan_entry(entry, settings) for entry in entries)
