"""One AI-use log entry, as the production recorded it, and the vocabulary it uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SCOPES = ("final", "temp", "previs", "marketing", "internal")
STATUSES = ("approved", "pending", "denied")
# The guideline flags (Netflix partner guidance on generative AI); all default to false.
RISK_FLAGS = (
    "third_party_ip",
    "talent_likeness",
    "private_data",
    "replaces_talent_or_union_work",
    "tool_trains_on_inputs",
)
CONSENT_FLAGS = ("talent_consent",)
# How the audience is told that AI material depicting real persons, places or events is not
# authentic (EU AI Act Article 50(4)): an on-screen card, the credits, or not at all.
DISCLOSURES = ("on-screen-card", "credits", "none")
# The consent ledger of a digital replica or a replaced performance (SAG-AFTRA 2023
# TV/Theatrical Agreement; California Labor Code 927): who, which consent, when, for which
# productions, whether a minor; a synthetic performer records why instead.
CONSENT_FIELDS = ("performer", "consent_ref", "consent_date", "consent_scope", "minor")
# Risks a written approval can explicitly accept (the entry lists them in approved_exceptions).
EXCEPTIONS = ("tool_trains_on_inputs", "non_enterprise_environment")
# Match keys from strongest to weakest: the report names the strongest that matched.
MATCH_KEYS = ("sha256", "c2pa_instance_id", "phash", "path")
# The keys that identify content: when an entry gives any, they decide (a renamed file with
# the same bytes keeps its approval); its path then only warns when it no longer agrees,
# unless the entry sets require_path.
CONTENT_KEYS = ("sha256", "c2pa_instance_id", "phash")
DEFAULT_PHASH_DISTANCE = 8
MAX_PHASH_DISTANCE = 32
# What `provscan log init` writes where people must decide; `log check` refuses it.
PLACEHOLDER = "TO BE COMPLETED"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A registered generative-AI use, its written approval, and the keys that find its files."""

    id: str
    place: str  # where it was written, for messages: '[[entry]] #3' or 'row 4'
    tool: str = ""
    vendor: str = ""
    purpose: str = ""
    scope: tuple[str, ...] = ()
    third_party_ip: bool = False
    talent_likeness: bool = False
    private_data: bool = False
    replaces_talent_or_union_work: bool = False
    talent_consent: bool = False
    tool_trains_on_inputs: bool | None = None  # None: not declared
    enterprise_environment: bool | None = None  # None: not declared
    performer: str = ""  # whose likeness or performance (the consent ledger)
    consent_ref: str = ""  # the signed consent: document or contract reference
    consent_date: dt.date | None = None
    consent_scope: tuple[str, ...] = ()  # production ids the consent covers
    minor: bool | None = None  # None: not stated
    synthetic_performer: bool = False  # a performer that is no real person
    synthetic_justification: str = ""  # why a synthetic performer (documented)
    depicts_real: bool = False  # depicts real persons, places or events as if authentic
    disclosure: str = ""  # how the audience is told (DISCLOSURES); "" when not stated
    approved_by: str = ""
    approved_on: dt.date | None = None
    approval_ref: str = ""
    status: str = "pending"
    expires: dt.date | None = None
    approved_exceptions: tuple[str, ...] = ()
    c2pa_instance_id: str = ""
    sha256: str = ""
    phash: str = ""
    phash_max_distance: int = DEFAULT_PHASH_DISTANCE
    path: str = ""
    require_path: bool = False  # the path must agree too, not only the content keys
    notes: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """The match keys this entry gives, strongest first."""
        return tuple(k for k in MATCH_KEYS if getattr(self, k))

    @property
    def content_keys(self) -> tuple[str, ...]:
        """The content keys this entry gives (sha256, C2PA instance id, pHash), strongest first."""
        return tuple(k for k in CONTENT_KEYS if getattr(self, k))

    @property
    def has_written_approval(self) -> bool:
        """Approved, with who, when and the approving document all recorded."""
        return (
            self.status == "approved"
            and bool(self.approved_by)
            and self.approved_on is not None
            and bool(self.approval_ref)
        )

    def expired(self, today: dt.date) -> bool:
        """Whether the approval's expiry date has passed."""
        return self.expires is not None and self.expires < today

    @property
    def risks(self) -> tuple[str, ...]:
        """The guideline flags this entry raises."""
        return tuple(f for f in RISK_FLAGS if getattr(self, f))
