"""Findings about the delivery as a whole, decided after every file has been judged.

Today one: nothing to check (POL011). A CI job whose path was mistyped, or whose upload
left the folder empty, must not go green; neither must one where the ignore lists left
nothing to read.
"""

from __future__ import annotations

from dataclasses import replace

from provscan.findings import make_finding
from provscan.ignore import skipped_summary
from provscan.model import Evidence, Report
from provscan.policy import Policy
from provscan.results import briefs_of
from provscan.rules.policy import NOTHING_TO_CHECK

DELIVERABLE = "deliverable"


def judge_delivery(report: Report, policy: Policy) -> Report:
    """The report with its findings about the delivery as a whole (none when it is fine)."""
    if any(brief.role == DELIVERABLE for brief in briefs_of(report.files)):
        return report
    evidence = Evidence(NOTHING_TO_CHECK.code, nothing_message(report), key="root",
                        value=report.root, details={"skipped": len(report.skipped)})  # fmt: skip
    nothing = make_finding(
        NOTHING_TO_CHECK, evidence, report.root, gate=policy.level(NOTHING_TO_CHECK)
    )
    return replace(report, delivery_findings=(*report.delivery_findings, nothing))


def nothing_message(report: Report) -> str:
    """Why there is nothing to check, in words."""
    own = [s for s in report.skipped if not _in_sources(s.path, report)]
    if not own:
        return f"nothing to check: {report.root} holds no file"
    return (f"nothing to check: the ignore lists left out every entry of {report.root} "
            f"({skipped_summary(own)}); --no-default-excludes or fewer --exclude patterns "
            "scan them")  # fmt: skip


def _in_sources(path: str, report: Report) -> bool:
    sources = report.options.get("sources", {})
    return isinstance(sources, dict) and path.split("/", 1)[0] in sources
