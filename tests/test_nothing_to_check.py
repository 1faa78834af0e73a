"""Nothing to check is a failure (POL011): an empty folder, or one whose every entry the
ignore lists left out, fails the gate with a line saying so."""

from __future__ import annotations

import json
from pathlib import Path

from provscan import cli
from typer.testing import CliRunner

from tests.builders import jpeg_bytes

runner = CliRunner()


def test_empty_folder_fails_with_a_line(tmp_path: Path) -> None:
    """An empty folder: exit 1, a POL011 line in the text report and a FAIL gate."""
    result = runner.invoke(cli.app, ["scan", str(tmp_path)])
    assert result.exit_code == 1
    assert f"X POL011 nothing to check: {tmp_path} holds no file" in result.output
    assert "gate: FAIL" in result.output


def test_everything_excluded_fails_and_says_why(tmp_path: Path) -> None:
    """A folder whose files are all left out: exit 1, the finding counts what was skipped;
    with the report in a file the line goes to stderr."""
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    out = tmp_path.parent / f"{tmp_path.name}.json"
    args = ["scan", str(tmp_path), "--exclude", "*.jpg", "-f", "json", "-o", str(out)]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 1
    assert "provscan: nothing to check: the ignore lists left out every entry" in result.output
    data = json.loads(out.read_text())
    assert data["gate"] == "fail"
    (finding,) = data["delivery_findings"]
    assert (finding["rule"], finding["gate"], finding["details"]) == (
        "POL011",
        "fail",
        {"skipped": 2},
    )


def test_nothing_to_check_in_junit_sarif_and_csv(tmp_path: Path) -> None:
    """The finding reaches the CI formats: a failing JUnit case, a SARIF error, a CSV row."""
    args = ["scan", str(tmp_path), "-f"]
    junit = runner.invoke(cli.app, [*args, "junit"]).output
    assert 'classname="provscan.delivery" name="nothing-to-check"' in junit
    assert 'failures="1"' in junit
    sarif = json.loads(runner.invoke(cli.app, [*args, "sarif"]).stdout)
    (result,) = sarif["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("POL011", "error")
    csv_out = runner.invoke(cli.app, [*args, "csv"]).output
    assert f"{tmp_path},fail,,,POL011," in csv_out


def test_policy_and_fail_on_can_relax_it(tmp_path: Path) -> None:
    """--fail-on none exits 0; a policy can lower POL011 to a warning."""
    assert runner.invoke(cli.app, ["scan", str(tmp_path), "--fail-on", "none"]).exit_code == 0
    policy = tmp_path.parent / f"{tmp_path.name}-policy.toml"
    policy.write_text('version = 1\n[levels]\nnothing-to-check = "warning"\n')
    relaxed = runner.invoke(cli.app, ["scan", str(tmp_path), "--policy", str(policy)])
    assert relaxed.exit_code == 0 and "! POL011" in relaxed.output


def test_a_folder_with_one_file_is_not_empty(tmp_path: Path) -> None:
    """One scanned file is something to check: no POL011, exit 0."""
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    result = runner.invoke(cli.app, ["scan", str(tmp_path)])
    assert result.exit_code == 0 and "POL011" not in result.output


def test_rule_is_listed() -> None:
    """provscan rules documents POL011."""
    assert "POL011  nothing-to-check" in runner.invoke(cli.app, ["rules"]).output
