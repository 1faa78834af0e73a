"""C2PA validation status codes: which kind of problem each is, and what it means in words.

Source: C2PA Technical Specification 2.x, "Validation" -> "Standard status codes"
(success / informational / failure codes), plus the CAWG identity assertion codes
(``cawg.*``) that c2pa-rs reports. Untrusted and expired signers are kept apart from
tampering on purpose: a real vendor's valid signature reads "untrusted" whenever the
user has not configured that vendor's root, and many real certificates have expired.

Also the integrity categories those codes are told in (:mod:`provscan.detectors.c2pa_integrity`
tells the story; the reports put its leading categories first), and the date of the bundled
snapshot of the C2PA soft-binding algorithm list (:mod:`provscan.detectors.c2pa_extras`): kept
here, with the words, so that the rules and the renderers name them without loading the
readers of a manifest (start-up: most files carry none).
"""

from __future__ import annotations

from enum import StrEnum

SOFTBINDING_LIST_DATE = "2026-04-15"  # c2pa-org/softbinding-algorithm-list @ 68246ada


class Integrity(StrEnum):
    """What the validation codes say about the Content Credentials, worst first."""

    TAMPERED = "tampered"
    INVALID = "invalid"
    FAILED = "failed"
    INGREDIENT = "ingredient-failed"
    CAVEAT = "valid-with-caveats"
    DETACHED = "detached"
    VALID = "valid"
    TRUSTED = "trusted"
    REMOTE = "remote"
    UNREADABLE = "unreadable"


# Categories a reader must see before anything the manifest claims.
LEADING = frozenset(Integrity) - {Integrity.VALID, Integrity.TRUSTED}


class Problem(StrEnum):
    """What a failure code says about the manifest."""

    UNTRUSTED = "untrusted"  # signature fine, signer not in the configured trust list
    EXPIRED = "expired"  # signer certificate outside its validity at validation time
    IDENTITY = "identity"  # a CAWG identity assertion could not be verified
    TAMPERED = "tampered"  # content or manifest changed after signing, or bad signature


# code -> plain words. Codes not listed are explained by the SDK's own text.
WORDS: dict[str, str] = {
    "signingCredential.untrusted": "the signer's certificate is not on the configured trust list",
    "signingCredential.expired": "the signer's certificate had expired when validated",
    "signingCredential.invalid": "the signer's certificate is not valid for signing C2PA claims",
    "signingCredential.revoked": "the signer's certificate has been revoked",
    "claimSignature.mismatch": "the claim signature does not match: the manifest was altered",
    "claimSignature.missing": "the claim has no signature",
    "assertion.dataHash.mismatch": "the image/audio bytes changed after signing",
    "assertion.bmffHash.mismatch": "the media boxes changed after signing",
    "assertion.boxesHash.mismatch": "the file's boxes changed after signing",
    "assertion.collectionHash.mismatch": "a file of the collection changed after signing",
    "assertion.hashedURI.mismatch": "an assertion changed after signing",
    "assertion.missing": "an assertion the claim lists is missing",
    "assertion.required.missing": "a required assertion is missing or unreadable",
    "assertion.undeclared": "the manifest holds an assertion the claim does not list",
    "assertion.cbor.invalid": "an assertion is not valid CBOR",
    "assertion.action.ingredientMismatch": "an action names an ingredient that does not match",
    "ingredient.manifest.missing": "an ingredient's manifest is missing",
    "ingredient.manifest.mismatch": "an ingredient's manifest does not match its hash",
    "ingredient.claimSignature.mismatch": "an ingredient's claim signature does not match",
    "manifest.multipleParents": "the manifest lists more than one parent ingredient",
    "manifest.timestamp.invalid": "the manifest's time-stamp is invalid",
    "timeStamp.mismatch": "the time-stamp does not match the signature",
    "timeStamp.outsideValidity": "the time-stamp lies outside the certificate's validity",
    "timeStamp.untrusted": "the time-stamp authority is not trusted",
    "algorithm.unsupported": "the signature algorithm is not supported",
    "general.error": "the manifest could not be validated",
}


def classify_code(code: str) -> Problem:
    """The kind of problem a failure code reports."""
    if code.startswith("cawg."):  # before '.untrusted': cawg.x509.credential.untrusted
        return Problem.IDENTITY  # is about the identity assertion, not the C2PA signer
    if code.endswith(".untrusted"):
        return Problem.UNTRUSTED
    if code == "signingCredential.expired":
        return Problem.EXPIRED
    return Problem.TAMPERED


def explain(code: str, sdk_text: str = "") -> str:
    """Plain words for a failure code (the SDK's explanation when the code is not listed)."""
    return WORDS.get(code) or sdk_text or code
