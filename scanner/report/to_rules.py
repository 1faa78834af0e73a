"""``provscan rules``: every rule as a table, one rule explained (as ``ruff rule CODE``
does), or JSON for scripts; the levels in the words a policy file uses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from provscan.model import Gating, Rule, Severity

POLICY_FAMILIES = ("POL", "LOG")


def default_level(rule: Rule) -> str:
    """The level a rule has without a policy: a POL/LOG rule's severity (error or warning)
    counts for the gate; a detector's rule is evidence ('info': the POL rules judge it)."""
    if rule.code[:3] in POLICY_FAMILIES:
        return "error" if rule.severity is Severity.ERROR else "warning"
    return "info"


def rule_dict(rule: Rule) -> dict[str, Any]:
    """One rule for scripts."""
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "signal": rule.signal.value,
        "gating": [(flag.name or "").lower() for flag in Gating if flag and flag in rule.gating],
        "default_level": default_level(rule),
    }


def render(rules: Sequence[Rule], *, fmt: str = "text", detail: bool = False) -> str:
    """The rules as text (a table, or each explained with ``detail``) or JSON (an array)."""
    if fmt == "json":
        return json.dumps([rule_dict(r) for r in rules], indent=2, ensure_ascii=True) + "\n"
    if detail:
        return "\n".join(_explained(rule) for rule in rules)
    return "".join(f"{r.code}  {r.name:<34} {r.severity.value:<8} {r.summary}\n" for r in rules)


def _explained(rule: Rule) -> str:
    level = default_level(rule)
    lines = [
        f"{rule.name} ({rule.code})",
        "",
        rule.summary,
        "",
        f"severity: {rule.severity.value}",
        f"what it says of the file: {rule.signal.value}",
        f"default level: {level}" + _level_words(level),
        "change it in a policy file (--policy):",
        "  [levels]",
        f'  {rule.code} = "off"        # or "warning", "error" (by name: {rule.name})',
    ]
    return "\n".join(lines) + "\n"


def _level_words(level: str) -> str:
    if level == "info":
        return " (evidence: the gate counts it only through the POL rules)"
    return " (the gate fails)" if level == "error" else " (the gate warns)"
