"""The policy's levels for the detectors' rules (``[levels]`` by code or name): a rule
turned ``off`` is left out before the gate, as if it had not fired (the verdict is decided
again without it); a rule set to ``warning`` or ``error`` counts for the gate after it, each
of its findings in final content warning or failing its file unless the AI-use log approved
it. The policy's own rules (POL, LOG) keep their levels in the gate itself."""

from __future__ import annotations

from dataclasses import replace

from provscan.model import FileResult, Finding, Gate, Report, evolve
from provscan.policy import Policy
from provscan.verdict import decide


def silence(report: Report, policy: Policy) -> Report:
    """The report without the findings of rules the policy turns off (before the gate)."""
    off = {code for code, gate in policy.levels.items() if gate is Gate.PASS}
    off = {code for code in off if policy.override(code) is Gate.PASS}
    if not off:
        return report
    return replace(report, files=tuple(_without(result, off) for result in report.files))


def _without(result: FileResult, off: set[str]) -> FileResult:
    kept = tuple(f for f in result.findings if f.rule.code not in off)
    if len(kept) == len(result.findings):
        return result
    verdict, deciding = decide(kept)
    return evolve(result, findings=kept, verdict=verdict, deciding=deciding)


def count(report: Report, policy: Policy) -> Report:
    """The report with the findings of rules the policy raises (warning, error) counted by
    the gate of their final-content files (after the gate)."""
    raised = {code for code, gate in policy.levels.items()
              if gate is not Gate.PASS and policy.override(code) is not None}  # fmt: skip
    if not raised:
        return report
    return replace(report, files=tuple(_counted(r, raised, policy) for r in report.files))


def _counted(result: FileResult, raised: set[str], policy: Policy) -> FileResult:
    if not result.final or not any(f.rule.code in raised for f in result.findings):
        return result
    findings = tuple(_leveled(f, raised, policy) for f in result.findings)
    gate = max((f.gate or Gate.PASS for f in findings), key=lambda g: g.rank)
    gate = max(gate, result.gate, key=lambda g: g.rank)
    return evolve(result, findings=findings, gate=gate)


def _leveled(finding: Finding, raised: set[str], policy: Policy) -> Finding:
    level = policy.override(finding.rule.code)
    if finding.rule.code not in raised or level is None or finding.approval or finding.gate:
        return finding
    return evolve(finding, gate=level)
