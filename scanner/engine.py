"""The scan of a folder (or one file): walk it, analyse every entry where the backend says
(isolated local workers, a Dask cluster, this process; the catalog first), and report the
results in walk order, compacted, each told to the progress bar as it arrives.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from provscan import __version__
from provscan.backend import LOCAL, Backend, analyse_entries
from provscan.compact import Compactor
from provscan.ignore import NO_IGNORE, Ignore
from provscan.limits import Limits
from provscan.model import FileResult, Report, Settings, Skipped
from provscan.progress import NO_PROGRESS, Progress
from provscan.results import Entry as Finished
from provscan.results import Results
from provscan.walk import Entry, Listing, list_entries


def scan(
    root: Path,
    settings: Settings | None = None,
    limits: Limits | None = None,
    progress: Progress = NO_PROGRESS,
    backend: Backend = LOCAL,
    ignore: Ignore = NO_IGNORE,
) -> Report:
    """Scan a folder (or one file) and return the whole report.

    With ``limits`` each file is analysed in a worker process under a time and memory limit
    (the CLI's default); without, in this process (the library default, and tests').
    ``progress`` hears a "scanning" stage with the number of walked entries, then each file.
    ``ignore`` says what the walk leaves out (the CLI's default list; nothing by default
    here); the report lists it in ``skipped``.
    """
    started, clock = datetime.now(UTC), time.perf_counter()
    # The walk is listed first so the bar knows its total; it is cheap next to the analysis.
    skipped: list[Skipped] = []
    entries = list_entries(root, ignore, skipped)
    progress.stage("scanning", len(entries))
    report = scan_entries(
        root, entries, settings, limits, progress, started=(started, clock), backend=backend
    )
    if ignore is NO_IGNORE:
        return report
    options = {**report.options, "ignore": ignore.options()}
    return replace(report, skipped=tuple(skipped), options=options)


def scan_entries(
    root: Path,
    entries: Iterable[Entry],
    settings: Settings | None,
    limits: Limits | None,
    progress: Progress,
    *,
    started: tuple[datetime, float] | None = None,
    backend: Backend = LOCAL,
) -> Report:
    """The report of already walked ``entries`` (a Listing, or any entries, listed here)
    under ``root``; ``progress`` hears each file (its stage is the caller's). ``started`` is
    when the scan began (wall clock, perf_counter), so the walk counts in the duration."""
    entries = entries if isinstance(entries, Listing) else Listing(entries)
    settings = settings or Settings()
    when, clock = started or (datetime.now(UTC), time.perf_counter())
    if limits is not None:
        limits = capped(limits, entries)
    results = _results(root, entries, settings, limits, backend)
    files = Results(_reported(results, progress))  # kept on disk past a size: see results
    return Report(
        root=str(root),
        files=files,
        tool_version=__version__,
        started=when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        duration_s=round(time.perf_counter() - clock, 3),
    )


def capped(limits: Limits, entries: Listing) -> Limits:
    """``limits`` with no more workers than files to read: each worker costs a process and
    its libraries' start-up, which an idle one never pays back (-j 50 on 3 files)."""
    jobs = max(1, min(limits.jobs, entries.readable))
    return limits if jobs == limits.jobs else replace(limits, jobs=jobs)


def _results(
    root: Path,
    entries: Listing,
    settings: Settings,
    limits: Limits | None,
    backend: Backend,
) -> Iterator[FileResult | Finished]:
    if backend.catalog is None or backend.stats is None:
        return analyse_entries(iter(entries), settings, limits, backend)
    from provscan.catalog.scan import catalogued  # only a catalogued run needs it (start-up)

    settings = replace(settings, identities=True)  # the catalog keeps hashes for the log
    return catalogued(root, entries, backend.catalog, backend.stats,
                      lambda todo: analyse_entries(todo, settings, limits, backend),
                      backend.context)  # fmt: skip


def _reported(
    results: Iterator[FileResult | Finished], progress: Progress
) -> Iterator[FileResult | Finished]:
    """``results`` passed through, compacted (repeated evidence shared) and each told to
    ``progress`` as it arrives (a finished entry a catalog kept, as it is)."""
    compactor = Compactor()
    for result in results:
        if isinstance(result, Finished):
            progress.advance(result.brief.path)
            yield result
            continue
        progress.advance(result.path)
        yield compactor.result(result)
