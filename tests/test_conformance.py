"""Conformance over ../shared/corpus: every real file gets a result that agrees with the catalog.

The catalog's first label is a careful human reading of each file. Where provscan
disagrees, the disagreement is listed in EXCEPTIONS with the reason proven from the bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.engine import scan
from scanner.model import FileResult, Settings, Verdict

pytestmark = pytest.mark.slow

AI = {Verdict.AI_GENERATED, Verdict.AI_EDITED}
FLAGGED = AI | {Verdict.AI_SUSPECTED}
AI_LABELS = ("AI-generated", "AI-composite/edited")
NOT_AI_LABELS = (
    "no AI marker",
    "camera capture",
    "no AI claim in C2PA",
    "algorithmicMedia",
)

# local_path -> why provscan's verdict differs from the catalog label (proven from bytes).
EXCEPTIONS: dict[str, str] = {}


def _label(row: dict[str, str]) -> str:
    return row["expected_signals"].lstrip('"').split(" ||")[0]


@pytest.fixture(scope="module")
def results(corpus: Path) -> dict[str, FileResult]:
    """The whole corpus scanned once, keyed by path relative to the corpus root."""
    report = scan(corpus, Settings())
    return {r.path: r for r in report.files}


def test_every_catalogued_file_has_a_result(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """No corpus file is skipped: each catalog row has exactly one result."""
    missing = [row["local_path"] for row in catalog if row["local_path"] not in results]
    assert missing == []


def test_no_detector_crashed(results: dict[str, FileResult]) -> None:
    """No detector raised on any real file (hostile bytes are handled as findings)."""
    crashed = {
        path: f.evidence.message
        for path, r in results.items()
        for f in r.findings
        if f.rule.code == "SCN002"
    }
    assert crashed == {}


def test_ai_rows_are_flagged(results: dict[str, FileResult], catalog: list[dict[str, str]]) -> None:
    """Every AI-generated or AI-composite row comes out ai-generated or ai-edited."""
    wrong = {
        row["local_path"]: results[row["local_path"]].verdict.value
        for row in catalog
        if _label(row).startswith(AI_LABELS)
        and row["local_path"] not in EXCEPTIONS
        and results[row["local_path"]].verdict not in AI
    }
    assert wrong == {}


def test_non_ai_rows_are_not_flagged(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """No 'no AI marker', capture, 'no AI claim' or algorithmicMedia row is flagged as AI."""
    wrong = {
        row["local_path"]: [
            f"{f.rule.code} {f.evidence.message}"
            for f in results[row["local_path"]].findings
            if f.rule.signal.value.startswith("ai")
        ]
        for row in catalog
        if _label(row).startswith(NOT_AI_LABELS)
        and row["local_path"] not in EXCEPTIONS
        and results[row["local_path"]].verdict in FLAGGED
    }
    assert wrong == {}


def test_exceptions_are_still_needed(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """Every listed exception still disagrees with the catalog (no stale exceptions)."""
    labels = {row["local_path"]: _label(row) for row in catalog}
    stale = []
    for path in EXCEPTIONS:
        verdict = results[path].verdict
        is_ai_label = labels[path].startswith(AI_LABELS)
        if (verdict in AI) == is_ai_label and not (not is_ai_label and verdict in FLAGGED):
            stale.append(path)
    assert stale == []
