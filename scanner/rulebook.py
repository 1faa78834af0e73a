"""The catalogue of every rule: the scanner's own and each detector's, looked up by code."""

from __future__ import annotations

from functools import cache

from provscan.detectors.registry import DETECTORS
from provscan.model import Rule
from provscan.rules import imf as imfrules
from provscan.rules import policy as policyrules
from provscan.rules import scan as scanrules
from provscan.rules import sequence as sequencerules
from provscan.rules import timeline as timelinerules
from provscan.rules import trace as tracerules


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule: the scanner's, each detector's in registry order, the sequences', the
    trace's, the timeline's, the IMF stage's, the policy's."""
    rules = list(scanrules.RULES)
    for detector in DETECTORS:
        rules.extend(detector.RULES)
    rules.extend(sequencerules.RULES)
    rules.extend(tracerules.RULES)
    rules.extend(timelinerules.RULES)
    rules.extend(imfrules.RULES)
    rules.extend(policyrules.RULES)
    return tuple(rules)


@cache
def by_code() -> dict[str, Rule]:
    """Rules keyed by code; a duplicate code is a programming error caught at import."""
    table: dict[str, Rule] = {}
    for rule in all_rules():
        if rule.code in table:
            raise RuntimeError(f"rule code {rule.code} is defined twice")
        table[rule.code] = rule
    return table
