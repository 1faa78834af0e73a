"""Findings are built here, and only here: the rule looked up by its code, the fingerprint.

A fingerprint identifies one finding across runs, renames and moves: rule, key, value and
an identity of the file's bytes, never its path.
"""

from __future__ import annotations

import hashlib

from scanner.model import Evidence, FileResult, Finding, MediaKind, Rule
from scanner.rulebook import by_code
from scanner.verdict import decide


def finding_for(evidence: Evidence, identity: str) -> Finding:
    """The finding of ``evidence`` on the file whose bytes ``identity`` names."""
    rule = by_code()[evidence.rule]
    return Finding(rule, evidence, fingerprint(rule, evidence, identity))


def fingerprint(rule: Rule, evidence: Evidence, identity: str) -> str:
    """A stable id for a finding: rule, key, value and the bytes' identity, never the path.

    The path is left out on purpose: deliverables are renamed and moved, and an approval
    should follow the bytes (detect-secrets keeps line numbers out of secret ids likewise).
    """
    digest = hashlib.blake2b(digest_size=12)
    for part in (rule.code, evidence.key, evidence.value, identity):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    return digest.hexdigest()


def problem_result(rel: str, code: str, message: str) -> FileResult:
    """A result for an entry that could not be analysed at all (special file, permissions,
    a crash or a time-out in its worker)."""
    rule = by_code()[code]
    evidence = Evidence(rule.code, message, key="path")
    findings = (Finding(rule, evidence, fingerprint(rule, evidence, message)),)
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
