"""The consent ledger of a log entry: complete, and for this production.

A digital replica of a performer, or AI that replaces a performance, needs the performer's
informed consent for this production (SAG-AFTRA 2023 TV/Theatrical Agreement: consent with
a reasonably specific description of the intended use, obtained per project; California Labor
Code 927, AB 2602). The ledger records who (``performer``), which consent (``consent_ref``)
and when (``consent_date``), for which productions (``consent_scope``: a consent for one
project does not cover another), and whether the performer is a minor (``minor``, which must
be stated). A synthetic performer (no real person) records why instead
(``synthetic_justification``).
"""

from __future__ import annotations

from provscan.ailog.entry import LogEntry

_NEEDED = (
    ("performer", "the performer"),
    ("consent_ref", "the consent reference"),
    ("consent_date", "the consent date"),
    ("consent_scope", "the consent scope (production ids)"),
)


def needs_consent(entry: LogEntry) -> bool:
    """Whether the entry uses a likeness or replaces a performance (the ledger applies)."""
    return entry.talent_likeness or entry.replaces_talent_or_union_work


def consent_problems(entry: LogEntry, production: str) -> list[str]:
    """What the entry's consent record lacks, in words (empty when complete, or when the
    ledger does not apply); ``production``: this production's id ("" when the policy names
    none: the scope is then not checked against it)."""
    if not needs_consent(entry):
        return []
    if entry.synthetic_performer:
        if entry.synthetic_justification:
            return []
        return ["a synthetic performer without the documented justification "
                "(synthetic_justification)"]  # fmt: skip
    problems = [f"no {words} ({name})" for name, words in _NEEDED if not getattr(entry, name)]
    if entry.minor is None:
        problems.append("not stated whether the performer is a minor (minor)")
    scope = {s.casefold() for s in entry.consent_scope}
    if production and scope and production.casefold() not in scope:
        problems.append(f"the consent covers {', '.join(entry.consent_scope)}, not this "
                        f"production ({production})")  # fmt: skip
    return problems


def has_consent(entry: LogEntry) -> bool:
    """Whether consent was recorded at all (the ledger's reference, or ``talent_consent``)."""
    return entry.talent_consent or bool(entry.consent_ref)
