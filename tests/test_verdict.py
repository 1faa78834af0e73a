"""The verdict ladder: strongest signal wins, low confidence only ever makes a suspicion."""

from __future__ import annotations

import pytest
from provscan.model import Confidence, Evidence, Finding, Rule, Severity, Signal, Verdict
from provscan.verdict import decide


def _finding(signal: Signal, confidence: Confidence = Confidence.HIGH) -> Finding:
    rule = Rule("TST001", "test", Severity.INFO, "test rule", signal)
    return Finding(rule, Evidence("TST001", "m", confidence=confidence), "fp")


H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW


@pytest.mark.parametrize(
    ("signals", "verdict"),
    [
        ([], Verdict.NO_AI_MARKERS),
        ([(Signal.NONE, H)], Verdict.NO_AI_MARKERS),
        ([(Signal.CAPTURE, H)], Verdict.CAPTURE_PROVENANCE),
        ([(Signal.CAPTURE, H), (Signal.AI_EDITED, M)], Verdict.AI_EDITED),
        ([(Signal.AI_EDITED, H), (Signal.AI_GENERATED, M)], Verdict.AI_GENERATED),
        ([(Signal.AI_GENERATED, L)], Verdict.AI_SUSPECTED),
        ([(Signal.AI_HINT, H)], Verdict.AI_SUSPECTED),
        ([(Signal.UNREADABLE, H), (Signal.CAPTURE, H)], Verdict.UNREADABLE),
        ([(Signal.UNREADABLE, H), (Signal.AI_HINT, L)], Verdict.AI_SUSPECTED),
    ],
)
def test_ladder(signals: list[tuple[Signal, Confidence]], verdict: Verdict) -> None:
    """Each combination of signals gives the verdict of the strongest one."""
    found, _ = decide([_finding(s, c) for s, c in signals])
    assert found is verdict


def test_deciding_indexes_point_at_the_deciding_findings() -> None:
    """The verdict names which findings decided it, and only those."""
    findings = [_finding(Signal.NONE), _finding(Signal.AI_GENERATED), _finding(Signal.AI_HINT)]
    assert decide(findings) == (Verdict.AI_GENERATED, (1,))
