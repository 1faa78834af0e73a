"""Findings are built here, and only here: the rule (looked up by the evidence's code when
the caller does not hold it) and the fingerprint.

A fingerprint identifies one finding across runs, renames and moves: rule, key, value and
an identity of the file's bytes, never its path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from provscan.model import Evidence, FileResult, Finding, Gate, MediaKind, Rule
from provscan.rulebook import by_code
from provscan.verdict import decide


def make_finding(
    rule: Rule, evidence: Evidence, identity: str, gate: Gate | None = None
) -> Finding:
    """The finding of ``evidence`` under ``rule`` on the file (or log entry, or delivery)
    ``identity`` names; ``gate``: what the policy decided, for the policy's own findings."""
    return Finding(rule, evidence, fingerprint(rule, evidence, identity), gate=gate)


def finding_for(evidence: Evidence, identity: str) -> Finding:
    """The finding of ``evidence``, its rule looked up by code (an unknown code is a
    programming error: KeyError)."""
    return make_finding(by_code()[evidence.rule], evidence, identity)


def findings_for(evidence: Iterable[Evidence], identity: str) -> tuple[Finding, ...]:
    """The findings of ``evidence`` on one file; evidence of no known rule is dropped."""
    rules = by_code()
    return tuple(make_finding(rules[ev.rule], ev, identity) for ev in evidence if ev.rule in rules)


def fingerprint(rule: Rule, evidence: Evidence, identity: str) -> str:
    """A stable id for a finding: rule, key, value and the bytes' identity, never the path.

    The path is left out on purpose: deliverables are renamed and moved, and an approval
    should follow the bytes (detect-secrets keeps line numbers out of secret ids likewise).
    """
    digest = hashlib.blake2b(digest_size=12)
    for part in (rule.code, evidence.key, evidence.value, identity):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    return digest.hexdigest()


def problem_result(rel: str, rule: Rule, message: str) -> FileResult:
    """A result for an entry that could not be analysed at all (special file, permissions,
    a crash or a time-out in its worker): one finding of ``rule`` saying why."""
    evidence = Evidence(rule.code, message, key="path")
    findings = (make_finding(rule, evidence, message),)
    verdict, deciding = decide(findings)
    return FileResult(
        path=rel,
        kind=MediaKind.OTHER,
        format="unknown",
        mime="application/octet-stream",
        size=0,
        verdict=verdict,
        findings=findings,
        deciding=deciding,
    )
