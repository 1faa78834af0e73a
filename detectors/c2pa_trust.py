"""Who vouches for a C2PA signer: which trust list trusted it, or why none did.

c2pa-rs reports ``Trusted`` and the URI of the list whose anchors matched
(``validation_results.trustListUri``; provscan gives each list a URI naming it and its
snapshot date). When no list trusts the signer there are three answers a reader needs:

- identified: the signer or its issuer is a generative-AI vendor known to sign under roots
  on no C2PA trust list (``scanner/trust_data/ai-signers.toml``, each row sourced). That
  names who signed; it is never "trusted", since only a list vouches for a name.
- the lists are older than the signature: the signer may have joined a list since (a
  newer snapshot can be installed with ``provscan trust update``).
- unknown root: not on the lists in use (or no list is in use at all).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from provscan.extract.c2pa_store import StoreRead
from provscan.model import TrustList


@dataclass(frozen=True, slots=True)
class Trust:
    """The trust answer for one store: by which list, or who and why not."""

    trusted_by: str = ""  # the label of the list that trusted the signer
    identified: str = ""  # a known AI vendor named by the certificate, when untrusted
    why_not: str = ""  # when untrusted: in words

    @property
    def words(self) -> str:
        """The answer as the headline puts it after "Valid signature"."""
        if self.trusted_by:
            return f", trusted by {self.trusted_by}"
        if self.identified:
            return f"; identified: {self.identified} (not on a trust list)"
        return f", untrusted root ({self.why_not})" if self.why_not else ", untrusted root"


@dataclass(frozen=True, slots=True)
class _Signer:
    vendor: str
    match: re.Pattern[str]
    source: str


@lru_cache(maxsize=1)
def known_ai_signers() -> tuple[_Signer, ...]:
    """The sourced list of AI vendors that sign outside the trust lists."""
    text = (resources.files("provscan") / "trust_data" / "ai-signers.toml").read_text("utf-8")
    rows = tomllib.loads(text)["signer"]
    return tuple(_Signer(r["vendor"], re.compile(r["match"], re.I), r["source"]) for r in rows)


def trust_of(read: StoreRead, lists: tuple[TrustList, ...]) -> Trust | None:
    """The trust answer for a store that was read (None when it was not, or says nothing
    about trust: a manifest with no signature information)."""
    active = read.active_manifest
    if active is None:
        return None
    if read.state == "Trusted":
        return Trust(trusted_by=_trusted_by(read.trust_list, lists))
    codes = {code for code, _, scope in read.failures if scope in ("active manifest", "store")}
    if "signingCredential.untrusted" not in codes:
        return None
    names = " | ".join((active.signer, active.issuer))
    vendor = next((s.vendor for s in known_ai_signers() if s.match.search(names)), "")
    if vendor:
        return Trust(identified=vendor)
    return Trust(why_not=_why_not(active.signed_at, lists))


def _trusted_by(uri: str, lists: tuple[TrustList, ...]) -> str:
    """The list that trusted the signer. c2pa-rs names the list of the anchor a chain ends
    at; a certificate trusted through an allowed (end-entity) list comes back without a URI,
    so it is the list with an allowed list, when only one has one."""
    named = next((t.label for t in lists if t.uri == uri), "")
    if named:
        return named
    allowing = [t.label for t in lists if t.allowed]
    if len(allowing) == 1:
        return f"{allowing[0]} (its allowed certificates)"
    return "allowed certificates of " + " or ".join(allowing) if allowing else "trust lists in use"


def _why_not(signed_at: str, lists: tuple[TrustList, ...]) -> str:
    signers = [t for t in lists if t.kind == "manifest"]
    if not signers:
        return "no trust list in use"
    newest = max((t.date for t in signers if t.date), default="")
    if newest and signed_at[:10] > newest:
        return (f"signed {signed_at[:10]}, after the newest trust list in use ({newest}): a "
                "newer list may know its root (provscan trust update)")  # fmt: skip
    shown = " or ".join(t.label for t in signers[:3])
    return f"unknown root: not on {shown}"
