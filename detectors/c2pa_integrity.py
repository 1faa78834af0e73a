"""The integrity story of a file's Content Credentials, from C2PA validation status codes.

c2pa-rs reports one state (Trusted, Valid, Invalid) and a list of codes; "Invalid" covers
bytes edited after signing, a forged claim, an expired certificate and an unverifiable
identity alike. A reader needs to know which. The codes are the C2PA specification's
(Technical Specification 2.x, "Standard Status Codes") and the CAWG identity codes:

- TAMPERED: a content binding (``assertion.dataHash|bmffHash|boxesHash|collectionHash
  .mismatch``) of the active manifest does not match: the bytes changed after signing.
- INVALID: the claim signature (``claimSignature.mismatch``) or a hash inside the manifest
  (``assertion.hashedURI.mismatch``, ``ingredient.*.mismatch``) does not match.
- failed: any other failure of the active manifest (a revoked or unfit certificate, a missing
  or malformed assertion, an unsupported algorithm ...).
- an ingredient's manifest failing while the file's own signature holds.
- valid with caveats: an expired certificate (with or without a time stamp that proves when
  it was signed), a time stamp that does not hold, an identity assertion not verified.
- valid (trusted signer, or a signer not on the configured trust list: the usual offline
  answer for real vendors, not a problem).
- detached: a manifest store read without its asset (a ``.c2pa`` file), whose content hashes
  cannot match anything; remote: only a URL, not fetched (offline); unreadable.

The same words feed the C2PA finding (C2P012/C2P009/C2P010), ``inspect``'s validation
section, and the short answer of ``inspect`` and the HTML report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from provscan.detectors.c2pa_trust import Trust, trust_of
from provscan.detectors.c2pa_vocab import LEADING, Integrity, explain
from provscan.extract.c2pa_store import ReadOutcome, StoreRead
from provscan.model import TrustList

_BINDING = re.compile(r"assertion\.(?!hashedURI)\w+Hash\.mismatch")
_MISMATCH = frozenset({"claimSignature.mismatch", "assertion.hashedURI.mismatch",
                       "ingredient.hashedURI.mismatch", "ingredient.manifest.mismatch",
                       "ingredient.claimSignature.mismatch"})  # fmt: skip
_TIME_WORDS = {
    "timeStamp.mismatch": "its time stamp does not match the claim",
    "timeStamp.malformed": "its time stamp is malformed",
    "timeStamp.outsideValidity": "its time stamp lies outside the certificate's validity",
}
ACTIVE = "active manifest"

Status = tuple[str, str, str]  # (code, explanation, scope) as c2pa_store reads them


@dataclass(frozen=True, slots=True)
class Story:
    """The integrity category, its headline, and the codes it rests on."""

    category: Integrity
    headline: str  # a sentence start: "TAMPERED: ...", "Valid signature, untrusted root"
    codes: tuple[str, ...] = ()

    @property
    def leads(self) -> bool:
        """Whether a reader must see it first (anything but a plain valid signature)."""
        return self.category in LEADING

    @property
    def inline(self) -> str:
        """The headline inside a sentence ("valid signature, untrusted root")."""
        first = self.headline.split(" ", 1)[0].rstrip(":;,")
        return self.headline if first.isupper() else self.headline[:1].lower() + self.headline[1:]


def story(
    failures: Sequence[Status],
    *,
    state: str,
    signed_at: str = "",
    notes: Sequence[Status] = (),
    detached: bool = False,
    trust: Trust | None = None,
) -> Story:
    """The story of a manifest store that was read: ``failures`` are its failure codes,
    ``notes`` its active manifest's informational codes (time stamps), ``signed_at`` the
    time stamp's time (empty: none), ``detached`` for a store read without its asset."""
    active = [code for code, _, scope in failures if scope == ACTIVE or scope == "store"]
    binding = [c for c in active if _BINDING.fullmatch(c)]
    if binding and not detached:
        return Story(Integrity.TAMPERED, f"TAMPERED: the bytes changed after signing "
                     f"({', '.join(dict.fromkeys(binding))})", tuple(binding))  # fmt: skip
    mismatch = [c for c in active if c in _MISMATCH]
    if mismatch:
        return _invalid(mismatch[0])
    failed = [c for c in active if _serious(c) and not _BINDING.fullmatch(c)]
    if failed:
        code = failed[0]
        return Story(Integrity.FAILED, f"Content Credentials fail validation: "
                     f"{_words(code, failures)} ({code})", (code,))  # fmt: skip
    valid = _valid_words(state, active, trust)
    if detached and binding:
        return Story(Integrity.DETACHED, f"{valid}; detached Content Credentials: the asset "
                     "they describe is not here, so its hashes could not be checked",
                     tuple(binding))  # fmt: skip
    ingredient = [c for c, _, scope in failures if scope != ACTIVE and _serious(c)]
    if ingredient:
        code = ingredient[0]
        kind = "are INVALID" if code in _MISMATCH or _BINDING.fullmatch(code) else "fail validation"
        return Story(Integrity.INGREDIENT, f"{valid}; an ingredient's Content Credentials "
                     f"{kind}: {_words(code, failures)} ({code})", (code,))  # fmt: skip
    caveats = _caveats(active, [c for c, _, s in notes if s in (ACTIVE, "store")], signed_at)
    if caveats:
        words = "; ".join(text for _, text in caveats)
        return Story(Integrity.CAVEAT, f"{valid}; {words}", tuple(c for c, _ in caveats))
    trusted = state == "Trusted"
    return Story(Integrity.TRUSTED if trusted else Integrity.VALID, valid)


def trust_facts(read: StoreRead, lists: tuple[TrustList, ...]) -> dict[str, object]:
    """Which list trusted the signer, or who signed and why no list did, for reports' JSON
    (empty when the store says nothing about trust)."""
    trust = trust_of(read, lists) if read.outcome is ReadOutcome.READ else None
    if trust is None:
        return {}
    facts = {"trusted_by": trust.trusted_by, "identified": trust.identified,
             "untrusted_because": trust.why_not}  # fmt: skip
    return {key: value for key, value in facts.items() if value}


def story_of(
    read: StoreRead, *, detached: bool = False, lists: tuple[TrustList, ...] = ()
) -> Story | None:
    """The story of a store as read (None when there is no manifest, or no C2PA support);
    ``lists`` are the trust lists it was validated against, to say which one trusted it."""
    if read.outcome is ReadOutcome.REMOTE:
        return remote(read.detail)
    if read.outcome is ReadOutcome.UNREADABLE:
        return unreadable(read.detail)
    if read.outcome is not ReadOutcome.READ:
        return None
    active = read.active_manifest
    return story(read.failures, state=read.state, notes=read.notes, detached=detached,
                 signed_at=active.signed_at if active else "",
                 trust=trust_of(read, lists))  # fmt: skip


def remote(url: str) -> Story:
    """A manifest stored elsewhere, which provscan does not fetch."""
    where = f" at {url}" if url else ""
    return Story(Integrity.REMOTE, f"Content Credentials stored remotely{where}, not checked "
                 "(offline)")  # fmt: skip


def unreadable(detail: str) -> Story:
    """Manifest bytes present that the SDK could not read."""
    return Story(Integrity.UNREADABLE, f"Content Credentials present but unreadable: "
                 f"{detail or 'the C2PA SDK could not read them'}")  # fmt: skip


def _invalid(code: str) -> Story:
    if code == "claimSignature.mismatch":
        text = "INVALID signature: the claim signature does not match, the manifest was altered"
    else:
        text = f"INVALID: {explain(code)}"
    return Story(Integrity.INVALID, f"{text} ({code})", (code,))


def _serious(code: str) -> bool:
    """A failure that says something is wrong, not who is trusted or when it was signed."""
    if code.endswith(".untrusted") or code.startswith(("cawg.", "timeStamp.")):
        return False
    return code != "signingCredential.expired"


def _words(code: str, failures: Sequence[Status]) -> str:
    sdk = next((text for c, text, _ in failures if c == code), "")
    return explain(code, sdk)


def _valid_words(state: str, active: Sequence[str], trust: Trust | None) -> str:
    if trust is not None:
        return f"Valid signature{trust.words}"
    if state == "Trusted":
        return "Valid signature, trusted signer"
    if "signingCredential.untrusted" in active:
        return "Valid signature, untrusted root"
    return "Valid signature"


def _caveats(active: Sequence[str], notes: Sequence[str], signed_at: str) -> list[tuple[str, str]]:
    """(code, words) for what weakens a valid signature: expiry, time stamps, identity."""
    found: list[tuple[str, str]] = []
    if "signingCredential.expired" in active:
        if signed_at:
            words = (f"the certificate had expired, and its time stamp ({signed_at}) does not "
                     "prove it was signed while valid")  # fmt: skip
        else:
            words = "the certificate had expired and no timestamp proves when it was signed"
        found.append(("signingCredential.expired", words))
    for code in dict.fromkeys([*active, *notes]):
        if code.startswith("timeStamp.") and code != "timeStamp.untrusted":
            # (an authority missing from the trust list is the usual offline answer, as for
            # signers: not a weakness of this file)
            found.append((code, f"{_TIME_WORDS.get(code, explain(code))} ({code})"))
        elif code.startswith("cawg.") and not code.endswith((".untrusted", "untrusted_issuer")):
            found.append((code, f"its identity assertion could not be verified ({code})"))
    return found
