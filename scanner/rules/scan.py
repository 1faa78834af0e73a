"""Rules the scanner itself raises about files (not about their provenance): SCN codes.

Per-file trouble never stops a run: it becomes one of these findings, so the gate fails
closed and nothing is silently skipped.
"""

from __future__ import annotations

from provscan.model import Gating, Rule, Severity, Signal

UNREADABLE = Rule(
    "SCN001",
    "unreadable-media",
    Severity.ERROR,
    "The file could not be read as the media it claims to be (empty, truncated, corrupt).",
    Signal.UNREADABLE,
)
DETECTOR_FAILED = Rule(
    "SCN002",
    "detector-failed",
    Severity.ERROR,
    "A detector failed on this file, so its signals could not be checked.",
    Signal.UNREADABLE,
)
EXTENSION_MISMATCH = Rule(
    "SCN003",
    "extension-mismatch",
    Severity.WARNING,
    "The file name's extension does not match the format its bytes show.",
    gating=Gating.UNVERIFIED,
)
UNSUPPORTED = Rule(
    "SCN004",
    "unsupported-format",
    Severity.WARNING,
    "The format is not one provscan reads; no markers could be looked for.",
    gating=Gating.UNVERIFIED,
)
NOT_REGULAR = Rule(
    "SCN005",
    "not-a-regular-file",
    Severity.ERROR,
    "A FIFO, socket or device file sits in the tree; it was not opened.",
    Signal.UNREADABLE,
    gating=Gating.UNVERIFIED,
)
SYMLINK = Rule(
    "SCN006",
    "symlink-not-followed",
    Severity.WARNING,
    "A symbolic link was not followed (it leaves the scan root, or its target is scanned).",
)

CRASHED = Rule(
    "SCN007",
    "analysis-crashed",
    Severity.ERROR,
    "Analysing the file crashed its worker process (native code); the scan went on.",
    Signal.UNREADABLE,
)
TIMED_OUT = Rule(
    "SCN008",
    "analysis-timed-out",
    Severity.ERROR,
    "Analysing the file exceeded the per-file time limit and was stopped.",
    Signal.UNREADABLE,
)
CHANGED = Rule(
    "SCN009",
    "changed-during-scan",
    Severity.ERROR,
    "The file changed or vanished while it was being scanned; its findings may not hold.",
    Signal.UNREADABLE,
)
RULES: tuple[Rule, ...] = (
    UNREADABLE,
    DETECTOR_FAILED,
    EXTENSION_MISMATCH,
    UNSUPPORTED,
    NOT_REGULAR,
    SYMLINK,
    CRASHED,
    TIMED_OUT,
    CHANGED,
)
