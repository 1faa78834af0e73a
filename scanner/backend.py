"""Where the per-file work runs and what remembers it: in local worker processes or on a
Dask cluster, with or without the archive catalog.

The worker pool, the Dask client and the catalog are imported when a run uses them: a
one-file ``provscan inspect`` analyses in this process and needs none of them (start-up).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from provscan.analysis import scan_entry
from provscan.limits import Limits
from provscan.model import FileResult, Settings
from provscan.walk import Entry

if TYPE_CHECKING:
    from provscan.catalog.scan import Stats
    from provscan.catalog.store import Catalog


@dataclass(frozen=True, slots=True)
class Backend:
    """``catalog``: reuse and record evidence; ``dask``: a scheduler address to analyse on;
    ``context``: the run context under which the catalog's finished entries of unchanged
    files are reused (scanner.catalog.context; "": none is)."""

    catalog: Catalog | None = None
    catalog_path: Path | None = None
    dask: str = ""
    stats: Stats | None = field(default=None)
    context: str = ""

    def under(self, prefix: str) -> Backend:
        """The backend for the root reported under ``prefix`` ("" for the deliverable,
        "<label>/" for a sources folder): its entries were kept under their own context."""
        if not self.context:
            return self
        from provscan.catalog.context import refined

        return replace(self, context=refined(self.context, prefix))


LOCAL = Backend()


def open_backend(catalog: Path | None, dask: str | None, settings: Settings) -> Backend:
    """Where files are analysed, with the catalog opened under the engine that will fill it;
    DaskUnavailable (scanner.distributed) for a scheduler that cannot be used and
    CatalogError (scanner.catalog.store) for a bad catalog, before any file is read."""
    if dask is not None:
        from provscan.distributed import check_scheduler

        check_scheduler(dask)
    if catalog is None:
        return Backend(dask=dask or "")
    from provscan.catalog import engine_id as ids
    from provscan.catalog.scan import Stats
    from provscan.catalog.store import Catalog, remembered_before_opening

    memo = ids.CodeMemo(remembered_before_opening(catalog, ids.MEMO_PREFIX))
    opened = Catalog(catalog, ids.engine_fingerprint(settings, memo), ids.detector_versions(),
                     ids.code_fingerprint(memo))  # fmt: skip
    opened.remember_all(memo.new)
    return Backend(catalog=opened, catalog_path=catalog, dask=dask or "", stats=Stats())


def analyse_entries(
    entries: Iterator[Entry], settings: Settings, limits: Limits | None, backend: Backend
) -> Iterator[FileResult]:
    """Fresh results for ``entries``, in order: on the Dask cluster, in isolated local
    workers (``limits``), or in this process (no limits: the library's and tests' default)."""
    if backend.dask:
        from provscan.distributed import iter_dask

        return iter_dask(entries, settings, limits or Limits(), backend.dask)
    if limits is not None:
        from provscan.isolate import iter_isolated

        return iter_isolated(entries, settings, limits)
    return (scan_entry(entry, settings) for entry in entries)
