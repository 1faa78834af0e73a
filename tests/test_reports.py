"""The JUnit, SARIF and CSV reports, on a hand-built report (no scanning).

Golden files live in tests/golden/ and are compared byte for byte. After an intended change
to a format, regenerate them and review the diff:

    PROVSCAN_REGEN_GOLDEN=1 python -m pytest -q tests/test_reports.py
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from provscan.model import (
    Confidence,
    Evidence,
    FileResult,
    Finding,
    Gate,
    MediaKind,
    Report,
    Source,
    Verdict,
)
from provscan.report import to_csv, to_junit, to_sarif
from provscan.rulebook import by_code
from provscan.rules import policy as policyrules

GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas"
REGEN = os.environ.get("PROVSCAN_REGEN_GOLDEN") == "1"
HOSTILE = "=cmd|' /C calc'!A0<script>bad\udcff.jpg"  # formula, markup and an undecodable byte
CSV_HEADER = "path,gate,verdict,approval,rule,severity,level,message,key,value,confidence"


def _finding(code: str, evidence: Evidence, fp: str, **extra: Any) -> Finding:
    return Finding(by_code()[code], evidence, fp, **extra)


def _file(path: str, verdict: Verdict, gate: Gate, *findings: Finding, **extra: Any) -> FileResult:
    return FileResult(
        path=path,
        kind=MediaKind.IMAGE,
        format="jpeg",
        mime="image/jpeg",
        size=2048,
        verdict=verdict,
        findings=findings,
        gate=gate,
        **extra,
    )


def make_report() -> Report:
    """Four files (approved AI, unlogged AI, a warning, a hostile clean name) and a log finding."""
    approved = _file(
        "stills/hero_matte.jpg",
        Verdict.AI_GENERATED,
        Gate.PASS,
        _finding(
            "C2P001",
            Evidence("C2P001", "C2PA: created by generative AI", "digitalSourceType", "tAM"),
            "0a" * 12,
            approval="AI-001",
        ),
        deciding=(0,),
        approval="AI-001",
        matched_by="sha256",
    )
    unlogged = _file(
        "stills/archival_photo.jpg",
        Verdict.AI_GENERATED,
        Gate.FAIL,
        _finding(
            "GEN001",
            Evidence(
                "GEN001",
                "AUTOMATIC1111 generation parameters",
                "parameters",
                "archival photo, 1950s street, film grain",
                details={"prompt": "archival photo, 1950s street", "seed": 1234},
            ),
            "1b" * 12,
        ),
        Finding(
            policyrules.UNAPPROVED_AI,
            Evidence("POL001", "AI material in final content without an approved log entry"),
            "2c" * 12,
            gate=Gate.FAIL,
        ),
        deciding=(0,),
    )
    suspected = _file(
        "plates/plate_014.jpg",
        Verdict.AI_SUSPECTED,
        Gate.WARN,
        Finding(
            policyrules.SUSPECTED_AI,
            Evidence(
                "POL004", "weak AI evidence with no log entry: review", confidence=Confidence.LOW
            ),
            "3d" * 12,
            gate=Gate.WARN,
        ),
    )
    clean = _file(HOSTILE, Verdict.NO_AI_MARKERS, Gate.PASS)
    stale = Finding(
        policyrules.STALE_ENTRY,
        Evidence("LOG001", "log entry AI-009 matched no file with AI evidence", "AI-009", "matte"),
        "4e" * 12,
        gate=Gate.WARN,
    )
    return Report(
        root="/srv/delivery/ep101",
        files=(approved, unlogged, suspected, clean),
        tool_version="0.1.0",
        started="2025-11-25T10:00:00Z",
        duration_s=1.234,
        log=Source("ai-use.toml", "ab" * 32, "3 entries"),
        policy=Source("", "cd" * 32, "final: **"),
        log_findings=(stale,),
    )


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` (as UTF-8; undecodable file-name bytes written back as they were, as
    the CLI does) with tests/golden/<name>, or rewrite it when regenerating."""
    path = GOLDEN / name
    data = text.encode("utf-8", "surrogateescape")
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(data)
        return
    assert path.is_file(), f"{path} missing: run with PROVSCAN_REGEN_GOLDEN=1 to create it"
    assert data == path.read_bytes(), f"{name} differs (PROVSCAN_REGEN_GOLDEN=1 regenerates)"


def sarif_results() -> list[dict[str, Any]]:
    """The results of the sample report's SARIF run."""
    results: list[dict[str, Any]] = to_sarif.to_sarif(make_report())["runs"][0]["results"]
    return results


def junit_root() -> Any:
    """The sample report's JUnit XML, parsed with defusedxml."""
    return SafeET.fromstring(to_junit.render(make_report()))


def csv_rows(report: Report | None = None) -> list[list[str]]:
    """The CSV text parsed back with csv.reader (header included)."""
    return list(csv.reader(io.StringIO(to_csv.render(report or make_report()), newline="")))


def test_junit_matches_golden() -> None:
    """The JUnit XML of the sample report is byte-for-byte the golden file."""
    check_golden("report.junit.xml", to_junit.render(make_report()))


def test_sarif_matches_golden() -> None:
    """The SARIF of the sample report is byte-for-byte the golden file."""
    check_golden("report.sarif.json", to_sarif.render(make_report()))


def test_csv_matches_golden() -> None:
    """The CSV of the sample report is byte-for-byte the golden file."""
    check_golden("report.csv", to_csv.render(make_report()))


def test_json_matches_golden_and_schema() -> None:
    """The JSON report of the same hand-built report matches its golden file and the schema."""
    import jsonschema
    from provscan.report import to_json

    text = to_json.render(make_report())
    check_golden("report.json", text)
    schema = json.loads((Path(to_json.__file__).parent / "schema.json").read_text())
    jsonschema.validate(json.loads(text), schema)


def test_text_matches_golden() -> None:
    """The terminal report of the same hand-built report matches its golden file."""
    from provscan.report import to_text

    check_golden("report.txt", to_text.render(make_report()))


def test_sarif_validates_against_the_schema() -> None:
    """The SARIF output is valid against the OASIS SARIF 2.1.0 JSON schema."""
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = SCHEMAS / "sarif-schema-2.1.0.json"
    if not schema_path.is_file():
        pytest.skip("../shared/schemas/sarif-schema-2.1.0.json is not present")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    sarif = json.loads(to_sarif.render(make_report()))
    jsonschema.Draft7Validator(schema).validate(sarif)
    empty = Report("/srv/x", (), "0.1.0", "2025-11-25T10:00:00Z", 0.0)
    jsonschema.Draft7Validator(schema).validate(json.loads(to_sarif.render(empty)))


def test_sarif_suppresses_exactly_the_approved_findings() -> None:
    """Approved findings carry an accepted external suppression naming the entry; no other does."""
    suppressed = {r["ruleId"]: r["suppressions"] for r in sarif_results() if "suppressions" in r}
    assert suppressed == {
        "C2P001": [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "approved in AI-use log entry AI-001",
            }
        ]
    }


def test_sarif_levels_follow_the_gate_then_the_severity() -> None:
    """Policy findings take their level from the gate, detector findings from the severity."""
    levels = {r["ruleId"]: r["level"] for r in sarif_results()}
    assert levels == {
        "C2P001": "error",
        "GEN001": "error",
        "POL001": "error",
        "POL004": "warning",
        "LOG001": "warning",
    }


def test_sarif_rules_cover_every_result() -> None:
    """driver.rules lists each rule used once, and every ruleIndex points at its ruleId."""
    run = to_sarif.to_sarif(make_report())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["C2P001", "GEN001", "LOG001", "POL001", "POL004"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert rules[3]["shortDescription"]["text"] == policyrules.UNAPPROVED_AI.summary
    assert {r["defaultConfiguration"]["level"] for r in rules} == {"error", "warning"}


def test_sarif_locations_and_fingerprints() -> None:
    """File results point at %SRCROOT%-relative URIs (raw bytes kept); log results at the log."""
    run = to_sarif.to_sarif(make_report())["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///srv/delivery/ep101/"
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris[3] == "%3Dcmd%7C%27%20/C%20calc%27%21A0%3Cscript%3Ebad%FF.jpg"
    first, *_, log = run["results"]
    where = first["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "stills/hero_matte.jpg", "uriBaseId": "%SRCROOT%", "index": 0}
    assert first["partialFingerprints"] == {"provscanFingerprint/v1": "0a" * 12}
    assert log["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "ai-use.toml"}
    assert log["locations"][0]["logicalLocations"][0]["name"] == "AI-009"
    assert run["properties"]["gate"] == "fail"
    assert run["properties"]["log"]["sha256"] == "ab" * 32


def test_sarif_text_has_no_lone_surrogates() -> None:
    """Undecodable names reach SARIF text as U+FFFD, so strict JSON parsers accept it."""
    evidence = Evidence("GEN001", "prompt in bad\udcff.txt", details={"file\udcff": ["x\udcff"]})
    finding = _finding("GEN001", evidence, "6a" * 12)
    report = Report(
        "r", (_file("bad\udcff.jpg", Verdict.AI_GENERATED, Gate.PASS, finding),), "v", "", 0
    )
    text = to_sarif.render(report)
    assert "\\udcff" not in text and text.count("\\ufffd") == 3
    result = json.loads(text)["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "bad%FF.jpg"


def test_junit_counts_agree_with_gates() -> None:
    """testsuite tests/failures/errors/skipped match the file gates plus one case per log entry."""
    root = junit_root()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    gates = [f.gate for f in make_report().files]
    assert root.tag == "testsuites" and suite.get("name") == "provscan"
    assert len(cases) == len(gates) + 1 == int(suite.get("tests"))
    assert len(failed) == gates.count(Gate.FAIL) == int(suite.get("failures"))
    assert suite.get("errors") == suite.get("skipped") == "0"
    assert suite.get("time") == root.get("time") == "1.234"
    assert root.get("tests") == suite.get("tests")


def test_junit_failure_names_policy_and_evidence() -> None:
    """A failing file's <failure> carries the POL codes as type, their messages and the evidence."""
    suite = junit_root().find("testsuite")
    case = suite.find("testcase[@name='stills/archival_photo.jpg']")
    failure = case.find("failure")
    assert case.get("classname") == "provscan.stills"
    assert failure.get("type") == "POL001"
    assert failure.get("message") == "AI material in final content without an approved log entry"
    assert "evidence: [error] GEN001 a1111-parameters" in failure.text


def test_junit_warnings_pass_with_system_out() -> None:
    """A warn file passes (no failure) and lists its warning in <system-out>."""
    suite = junit_root().find("testsuite")
    case = suite.find("testcase[@name='plates/plate_014.jpg']")
    assert case.find("failure") is None
    assert "[warn] POL004" in case.find("system-out").text


def test_junit_log_findings_are_cases_per_entry() -> None:
    """Log findings become cases of class provscan.ai-use-log named after the entry id."""
    suite = junit_root().find("testsuite")
    logs = suite.findall(f"testcase[@classname='{to_junit.LOG_CLASS}']")
    assert [c.get("name") for c in logs] == ["AI-009"]
    assert "[warn] LOG001" in logs[0].find("system-out").text


def test_junit_hostile_names_survive() -> None:
    """Markup, control characters and lone surrogates in names still give parseable XML."""
    root = junit_root()
    names = [c.get("name") for c in root.iter("testcase")]
    assert HOSTILE.replace("\udcff", "\ufffd") in names
    nasty = _file("a\x00b\x1b]]>--\udcff.jpg", Verdict.NO_AI_MARKERS, Gate.PASS)
    report = Report("r", (nasty,), "0.1.0", "not a date", 0.0)
    parsed: Any = SafeET.fromstring(to_junit.render(report))
    assert parsed.find("testsuite/testcase").get("name") == "a\ufffdb\ufffd]]>--\ufffd.jpg"
    assert parsed.find("testsuite").get("timestamp") is None


def test_junit_parses_with_junitparser() -> None:
    """junitparser (as CI tools use it) reads the same counts and results."""
    junitparser = pytest.importorskip("junitparser")
    xml = junitparser.JUnitXml.fromroot(junit_root())
    (suite,) = list(xml)
    assert (suite.name, suite.tests, suite.failures, suite.errors, suite.skipped) == (
        "provscan",
        5,
        1,
        0,
        0,
    )
    outcomes = {case.name: [type(r).__name__ for r in case.result] for case in suite}
    assert outcomes["stills/archival_photo.jpg"] == ["Failure"]
    assert sum(1 for r in outcomes.values() if not r) == 4


def test_csv_has_a_row_per_finding_and_per_clean_file() -> None:
    """One row per finding and per finding-less file; log findings use the log path."""
    report = make_report()
    header, *body = csv_rows(report)
    findings = sum(len(f.findings) for f in report.files) + len(report.log_findings)
    clean = sum(1 for f in report.files if not f.findings)
    assert ",".join(header) == CSV_HEADER
    assert len(body) == findings + clean == 6
    assert all(len(row) == len(header) for row in body)
    log_row = body[-1]
    assert log_row[:5] == ["ai-use.toml", "warn", "", "", "LOG001"]
    assert log_row[6] == "warn" and log_row[8] == "AI-009"
    approved = body[0]
    assert approved[3] == "AI-001" and approved[6] == "error"


def test_csv_neutralises_formula_injection() -> None:
    """Cells starting with = + - @ tab or CR get a leading quote; surrogates become U+FFFD."""
    body = csv_rows()[1:]
    assert ["'" + HOSTILE.replace("\udcff", "\ufffd"), "pass", "no-ai-markers", ""] in [
        row[:4] for row in body
    ]
    hostile = Evidence("GEN001", "-2+3", "@key", "\tvalue", details={})
    finding = _finding("GEN001", hostile, "5f" * 12)
    report = Report("r", (_file("+x.jpg", Verdict.AI_GENERATED, Gate.PASS, finding),), "v", "", 0)
    (row,) = csv_rows(report)[1:]
    assert row[0] == "'+x.jpg" and row[7:10] == ["'-2+3", "'@key", "'\tvalue"]
    for row in csv_rows():
        assert not any(cell.startswith(to_csv.FORMULA_STARTS) for cell in row)


def test_empty_report_renders_in_every_format() -> None:
    """A scan with no files gives zero JUnit cases, no SARIF results and a header-only CSV."""
    empty = Report("delivery", (), "0.1.0", "2025-11-25T10:00:00Z", 0.0)
    suite: Any = SafeET.fromstring(to_junit.render(empty)).find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("0", "0")
    run = to_sarif.to_sarif(empty)["runs"][0]
    assert run["results"] == [] and run["tool"]["driver"]["rules"] == []
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]  # a relative root is only described
    assert to_csv.render(empty) == CSV_HEADER + "\r\n"
