"""How much one file may cost, and how many worker processes run at once."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MEMORY_MB = 4096


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-file limits (wall-clock seconds for one file, address space of a worker) and how
    many workers run at once."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    jobs: int = 1  # worker processes analysing files in parallel (results still in walk order)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
