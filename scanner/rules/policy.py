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
    "written approval (approved_by, approved_on, approval_ref) and no past expiry, from an entry "
    "whose declared tool is the one that made the file (Netflix partner guidance on generative "
    "AI: approval in writing for final content).",
)  # fmt: skip
SENSITIVE_USE = Rule(
    "POL002", "sensitive-use-without-approval", _E,
    "An AI use touching third-party IP, talent likeness, private data, or replacing talent or "
    "union work needs a written approval whatever its scope (replacing talent: consent too); "
    "so does a prompt naming a protected person, character, title or brand of the policy's "
    "list (Netflix partner guidance on generative AI).",
)  # fmt: skip
UNSAFE_TOOL = Rule(
    "POL003", "training-or-unsecured-tool", _E,
    "A tool that trains on production inputs, or used outside an enterprise environment, needs "
    "a written approval for exactly that (approved_exceptions); the policy's tool registry "
    "decides over what an entry says of its tool (Netflix partner guidance on generative AI: "
    "no training on production data, enterprise environments).",
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

# The guidelines provscan checks against what the files say and what the studio knows (the
# policy's tool registry, protected names, production id and jurisdictions), not only what a
# log entry says about itself. Each summary names the guideline or law it comes from.
TOOL_NOT_APPROVED = Rule(
    "POL012", "tool-not-approved", _E,
    "The tool identified from the file (or, when the file names none, the tool its log entry "
    "declares) is not in the policy's tool registry, its registration has expired, or it is "
    "not approved for the scope it is used in (studio guidance on generative AI: use only "
    "approved tools, under reviewed data terms).",
)  # fmt: skip
CONSENT_INCOMPLETE = Rule(
    "POL013", "consent-incomplete", _E,
    "A log entry marking talent likeness or replaced talent or union work lacks a complete "
    "consent record (performer, consent reference and date, whether a minor, consent scope "
    "naming this production; for a synthetic performer the documented justification): "
    "SAG-AFTRA 2023 TV/Theatrical Agreement (digital replicas: informed consent per project), "
    "California Labor Code 927 (AB 2602).",
)  # fmt: skip
UNDISCLOSED_DEPICTION = Rule(
    "POL014", "synthetic-depiction-undisclosed", _E,
    "AI material in final content depicting real persons, places or events as if authentic "
    "without a disclosure to the audience (on-screen card or credits), with the EU among the "
    "policy's jurisdictions: EU AI Act (Regulation (EU) 2024/1689) Article 50(4), deep fakes.",
)  # fmt: skip
MARKING_LOST = Rule(
    "POL015", "marking-lost-in-post", _W,
    "An AI source carried a C2PA manifest but its copy in a final carries none: the "
    "machine-readable marking was lost in post (EU AI Act Article 50(2); California AI "
    "Transparency Act, Bus. & Prof. Code 22757.3).",
)  # fmt: skip
LATENT_DISCLOSURE = Rule(
    "POL016", "latent-disclosure-missing", _W,
    "With us-ca among the policy's jurisdictions, AI material in final content lacks (part "
    "of) the provider's latent disclosure: provider, system name and version, time of "
    "creation, unique identifier (California AI Transparency Act, SB 942 as amended by AB "
    "853, Bus. & Prof. Code 22757.3(b)).",
)  # fmt: skip
IMPLICIT_LABEL = Rule(
    "POL017", "implicit-label-missing", _W,
    "With cn among the policy's jurisdictions, AI material in final content lacks a well-formed "
    "GB 45438-2025 implicit label (Label 1-3, ContentProducer, ProduceID): Measures for "
    "Labelling AI-Generated Synthetic Content (CAC, 2025), Article 5.",
)  # fmt: skip
PROVENANCE_LEAK = Rule(
    "POL018", "provenance-leak", _W,
    "A final deliverable's metadata leaks production information: a prompt, an internal file "
    "path, a user name, a project code name the policy lists, or thumbnails of other material "
    "in its C2PA ingredients (studio confidentiality; GDPR Article 5(1)(c), data minimisation).",
)  # fmt: skip
TRAINING_RESERVATION = Rule(
    "POL019", "training-reservation-missing", _W,
    "The policy requires finals to reserve their use for AI training and data mining (a C2PA "
    "training-and-data-mining assertion, or the IPTC PLUS data-mining field, saying not "
    "allowed) and this one does not: EU Directive 2019/790 Article 4(3) (a machine-readable "
    "reservation), EU AI Act Article 53(1)(c).",
)  # fmt: skip
MARKING_LAYERS = Rule(
    "POL020", "marking-layers", Severity.INFO,
    "The machine-readable marking an AI asset in final content carries: C2PA manifest, "
    "XMP/IPTC digital source type or AI fields, vendor tags and generation records, a "
    "declared watermark or soft binding, the GB 45438 label (EU AI Act Article 50(2)).",
)  # fmt: skip
TOOL_MISMATCH = Rule(
    "LOG006", "log-entry-tool-mismatch", _W,
    "A log entry matched a file made by another tool than the one it declares: the entry does "
    "not approve that file (correct the entry's tool, or the match keys).",
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    UNAPPROVED_AI, SENSITIVE_USE, UNSAFE_TOOL, SUSPECTED_AI, UNTRUSTED_PROVENANCE,
    UNREADABLE_FINAL, UNVERIFIED_FINAL, UNCHECKED_PART, OUTSIDE_COMPOSITION, EDIT_NOT_FINAL,
    NOTHING_TO_CHECK, TOOL_NOT_APPROVED, CONSENT_INCOMPLETE, UNDISCLOSED_DEPICTION,
    MARKING_LOST, LATENT_DISCLOSURE, IMPLICIT_LABEL, PROVENANCE_LEAK, TRAINING_RESERVATION,
    MARKING_LAYERS, STALE_ENTRY, EXPIRED_ENTRY, WEAK_MATCH, NOT_APPROVED, PATH_MOVED,
    TOOL_MISMATCH,
)  # fmt: skip
