"""Rules the policy raises: the studio guidelines (POL) and the AI-use log's hygiene (LOG).

Detector rules say what a file carries; these say what that means for the delivery. Their
severity is the default level; a policy file may raise or lower it (violation, warning,
off), and the level it decided is carried on the finding (``Finding.gate``).
"""

from __future__ import annotations

from provscan.model import Rule, Severity

_E, _W = Severity.ERROR, Severity.WARNING

UNAPPROVED_AI = Rule(
    "POL001", "ai-in-final-without-approval", _E,
    "AI material in final content needs a log entry with scope 'final', status 'approved', a "
    "written approval (approved_by, approved_on, approval_ref) and no past expiry.",
)  # fmt: skip
SENSITIVE_USE = Rule(
    "POL002", "sensitive-use-without-approval", _E,
    "An AI use touching third-party IP, talent likeness, private data, or replacing talent or "
    "union work needs a written approval whatever its scope (replacing talent: consent too).",
)  # fmt: skip
UNSAFE_TOOL = Rule(
    "POL003", "training-or-unsecured-tool", _E,
    "A tool that trains on production inputs, or used outside an enterprise environment, needs "
    "a written approval for exactly that (approved_exceptions).",
)  # fmt: skip
SUSPECTED_AI = Rule(
    "POL004", "suspected-ai-for-review", _W,
    "Weak AI evidence (ai-suspected) with no log entry: a person should look.",
)  # fmt: skip
UNTRUSTED_PROVENANCE = Rule(
    "POL005", "invalid-provenance-in-final", _W,
    "An invalid or tampered C2PA manifest in final content: its provenance cannot be trusted.",
)  # fmt: skip
UNREADABLE_FINAL = Rule(
    "POL006", "unreadable-in-final", _E,
    "A file in final content could not be read (or fully analysed), so it cannot be cleared.",
)  # fmt: skip
UNVERIFIED_FINAL = Rule(
    "POL007", "unverified-file-in-final", _E,
    "A file in final content is misnamed, of a format provscan does not read, or not a regular "
    "file: its markers could not be checked as what it claims to be.",
)  # fmt: skip

UNCHECKED_PART = Rule(
    "POL008", "cut-part-not-checked", _W,
    "A clip of a final timeline, or a track file of an IMF composition, could not be checked: "
    "its source was not found among the scanned files, or could not be read; or a final could "
    "not be searched (fully) for AI stills.",
)  # fmt: skip
OUTSIDE_COMPOSITION = Rule(
    "POL009", "track-file-outside-composition", _W,
    "An IMF track file in the delivery that no composition playlist (CPL) of its package "
    "plays: stray material, or a CPL is missing.",
)  # fmt: skip
EDIT_NOT_FINAL = Rule(
    "POL010", "edit-does-not-match-final", _W,
    "The edit delivered with a final does not fit it (duration, frame rate), or the render does "
    "not show AI material where the edit places it: the edit checked may not be the final's.",
)  # fmt: skip
NOTHING_TO_CHECK = Rule(
    "POL011", "nothing-to-check", _E,
    "The delivery holds no file to check (an empty folder, or every file left out by the "
    "ignore lists): a mistyped path must not pass the gate.",
)  # fmt: skip

STALE_ENTRY = Rule(
    "LOG001", "log-entry-unused", _W,
    "A log entry matched no file with AI evidence (removed, renamed, or its markers stripped).",
)  # fmt: skip
EXPIRED_ENTRY = Rule(
    "LOG002", "log-entry-expired", _W, "A log entry's approval has expired.",
)  # fmt: skip
WEAK_MATCH = Rule(
    "LOG003", "log-entry-path-only", _W,
    "A log entry matched by path alone: a renamed or replaced file would still match.",
)  # fmt: skip
NOT_APPROVED = Rule(
    "LOG004", "log-entry-not-approved", _W,
    "A log entry's approval is pending or denied.",
)  # fmt: skip

PATH_MOVED = Rule(
    "LOG005", "log-entry-path-moved", _W,
    "A log entry matched a file by its content keys (sha256, C2PA instance id, pHash), but its "
    "path names another place: the file was renamed or moved. Update the path, or set "
    "require_path = true to make the path a condition.",
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    UNAPPROVED_AI, SENSITIVE_USE, UNSAFE_TOOL, SUSPECTED_AI, UNTRUSTED_PROVENANCE,
    UNREADABLE_FINAL, UNVERIFIED_FINAL, UNCHECKED_PART, OUTSIDE_COMPOSITION, EDIT_NOT_FINAL,
    NOTHING_TO_CHECK, STALE_ENTRY, EXPIRED_ENTRY, WEAK_MATCH, NOT_APPROVED, PATH_MOVED,
)  # fmt: skip
