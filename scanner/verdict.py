"""From findings to the per-file verdict, and which findings decided it.

The strongest signal wins, in this order: AI generated, AI edited, AI suspected (weak
evidence, or strong kinds of evidence held with low confidence), unreadable, signed
capture, and otherwise "no AI markers" (never "authentic": absence proves nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from provscan.model import Confidence, FileResult, Finding, Signal, Verdict, evolve


def decide(findings: Sequence[Finding]) -> tuple[Verdict, tuple[int, ...]]:
    """The verdict for one file and the indexes of the findings that decided it."""
    for verdict, accepts in _LADDER:
        deciding = tuple(i for i, f in enumerate(findings) if accepts(f))
        if deciding:
            return verdict, deciding
    return Verdict.NO_AI_MARKERS, ()


def with_findings(result: FileResult, new: Sequence[Finding]) -> FileResult:
    """The result with ``new`` findings appended and its verdict decided again (the stages
    after the scan, trace, IMF and timeline, add findings about other files' material)."""
    if not new:
        return result
    findings = (*result.findings, *new)
    verdict, deciding = decide(findings)
    return evolve(result, findings=findings, verdict=verdict, deciding=deciding)


def _strong(signal: Signal) -> Callable[[Finding], bool]:
    def accepts(f: Finding) -> bool:
        return f.rule.signal is signal and f.evidence.confidence.rank >= Confidence.MEDIUM.rank

    return accepts


def _weak_ai(f: Finding) -> bool:
    if f.rule.signal is Signal.AI_HINT:
        return True
    return f.rule.signal in (Signal.AI_GENERATED, Signal.AI_EDITED) and (
        f.evidence.confidence is Confidence.LOW
    )


def _signal(signal: Signal) -> Callable[[Finding], bool]:
    def accepts(f: Finding) -> bool:
        return f.rule.signal is signal

    return accepts


_LADDER: tuple[tuple[Verdict, Callable[[Finding], bool]], ...] = (
    (Verdict.AI_GENERATED, _strong(Signal.AI_GENERATED)),
    (Verdict.AI_EDITED, _strong(Signal.AI_EDITED)),
    (Verdict.AI_SUSPECTED, _weak_ai),
    (Verdict.UNREADABLE, _signal(Signal.UNREADABLE)),
    (Verdict.CAPTURE_PROVENANCE, _signal(Signal.CAPTURE)),
)
