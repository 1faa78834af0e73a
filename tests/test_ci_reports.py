"""A gate that fits CI: several reports from one scan, GitHub and GitLab formats, the text
report focused on decisions, rule levels for every rule, a baseline, SARIF for dashboards,
the one-line gate summary on stderr, and the command line's words (help, errors, rules)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from defusedxml import ElementTree
from provscan import __version__, cli, pipeline
from provscan.report import to_github
from provscan.rulebook import all_rules
from typer.testing import CliRunner

from tests.conftest import CORPUS, FIXTURES, REPO

SAMPLE = FIXTURES / "sample"
SAMPLE_ARGS = ["scan", str(SAMPLE / "delivery"), "--sources", str(SAMPLE / "project_media"),
               "--log", str(SAMPLE / "ai-use.toml"), "--timeline",
               str(SAMPLE / "edit" / "final_cut.edl")]  # fmt: skip
SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
ANNOTATION = re.compile(r"^::(error|warning) file=([^,:]+),title=([A-Z0-9]{6} [a-z0-9-]+)::(.+)$")
runner = CliRunner()


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str) -> tuple[int, str, str]:  # fmt: skip
    """Run the console entry point as the shell does: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["provscan", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out = capsys.readouterr()
    return int(exc.value.code or 0), out.out, out.err


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample scanned once into four reports, with the scans counted."""
    out = tmp_path_factory.mktemp("reports")
    calls = []
    real = pipeline.check_delivery  # (the CLI imports it when a scan runs)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "check_delivery", counted)
        result = runner.invoke(
            cli.app,
            [
                *SAMPLE_ARGS,
                "-o",
                str(out / "report.html"),
                "-o",
                str(out / "report.sarif"),
                "-o",
                str(out / "junit.xml"),
                "-o",
                str(out / "report.json"),
            ],
        )
    return {"out": out, "result": result, "scans": len(calls)}


def test_one_scan_writes_every_report_named_by_its_extension(reports: dict[str, Any]) -> None:
    """-o four times: one scan, four reports in the formats their extensions name, nothing on
    stdout, the gate's one line on stderr, exit 1 (the sample fails)."""
    out, result = reports["out"], reports["result"]
    assert result.exit_code == 1 and reports["scans"] == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.endswith("junit.xml, " + str(out / "report.json"))
    data = json.loads((out / "report.json").read_text())
    gates, files = data["summary"]["by_gate"], len(data["files"])
    assert data["gate"] == "fail" and files == data["summary"]["files"] == 20
    assert line.startswith(f"provscan: gate FAIL: {gates['fail']} fail, {gates['warn']} warn, "
                           f"{gates['pass']} pass of {files} files")  # fmt: skip
    suite = ElementTree.parse(out / "junit.xml").getroot()
    assert suite.get("tests") == str(files + len({f["key"] for f in data["log_findings"]}))
    assert suite.get("failures") == str(gates["fail"])  # one failing case per failing file
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    sarif = json.loads((out / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0"


def test_sarif_leaves_info_out_unless_asked_and_validates(
    reports: dict[str, Any], tmp_path: Path
) -> None:
    """SARIF keeps only results that need a decision (no level note) by default; --sarif-info
    keeps the info findings; both validate against the OASIS schema."""
    sarif = json.loads((reports["out"] / "report.sarif").read_text())
    levels = {r["level"] for r in sarif["runs"][0]["results"]}
    assert levels == {"error", "warning"}
    out = tmp_path / "all.sarif"
    runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "--sarif-info", "-o", str(out)])
    every = json.loads(out.read_text())
    assert "note" in {r["level"] for r in every["runs"][0]["results"]}
    if SARIF_SCHEMA.is_file():
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft7Validator(schema).validate(sarif)
        jsonschema.Draft7Validator(schema).validate(every)


def test_sarif_root_makes_uris_relative_to_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--sarif-root REPO: every artifact URI is the file's path from that folder, which
    %SRCROOT% names; a folder that does not hold the scan is refused in one line."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "r.sarif"
    runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "--sarif-root", ".", "-o", str(out)])
    run = json.loads(out.read_text())["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == REPO.as_uri() + "/"
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert "fixtures/sample/delivery/stills/key_art.jpg" in uris
    assert "fixtures/sample/project_media/stills/harbour_street_1987_sd.png" in uris
    assert all((REPO / uri).is_file() for uri in uris)
    refused = runner.invoke(cli.app, [*SAMPLE_ARGS, "--sarif-root", str(tmp_path)])
    assert refused.exit_code == 2 and "--sarif-root" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-f", "sarif", "-o", "report.html"], "--format sarif contradicts the extension .html"),
        (["-o", "report.out"], "the extension does not say which report to write"),
        (["-o", "a.json", "-o", "a.json"], "names it twice"),
        (["-f", "xml"], "--format: 'xml' is not one of text, json, junit"),
        (["--jobs", "0"], "--jobs: 0 is too small: at least 1 worker"),
        (["--timeout", "0"], "--timeout: 0 is too small: at least 0.1 second"),
    ],
)
def test_usage_errors_are_one_line_and_exit_two(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    args: list[str], said: str,
) -> None:  # fmt: skip
    """A report format that contradicts its file, an unknown format, an out-of-range number:
    one line naming the option and what is wrong, exit 2, before any file is read."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _main(monkeypatch, capsys, "scan", str(SAMPLE / "delivery"), *args)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert said in line and line.startswith("provscan")
    assert "Value error" not in line and "Usage:" not in line
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_format_named_before_the_path_wins(tmp_path: Path) -> None:
    """gitlab:PATH writes GitLab's report into a .json file; -f gitlab -o x.json agrees with
    the extension; -o - writes to stdout beside the files."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    result = runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "-o", f"gitlab:{a}",
                                     "-o", str(b), "-o", "github:-"])  # fmt: skip
    assert isinstance(json.loads(a.read_text()), list)
    assert json.loads(b.read_text())["schema_version"] == "1.6"
    assert result.stdout.startswith("::error file=")
    same = runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "-f", "gitlab", "-o", str(b)])
    assert same.exit_code == 1 and isinstance(json.loads(b.read_text()), list)


def test_github_annotations_one_per_finding_the_gate_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--format github: an ::error per failing and a ::warning per warning finding, each with
    the file (from the current folder, where a workflow runs), as GitHub documents them."""
    monkeypatch.chdir(REPO)
    rel = ["scan", "fixtures/sample/delivery", "--sources", "fixtures/sample/project_media",
           "--log", "fixtures/sample/ai-use.toml", "--no-trace"]  # fmt: skip
    data = json.loads(runner.invoke(cli.app, [*rel, "-f", "json"]).stdout)
    counted = [f for e in data["files"] for f in e["findings"] if f["gate"] in ("fail", "warn")]
    counted += [f for f in data["log_findings"] if f["gate"] in ("fail", "warn")]
    lines = runner.invoke(cli.app, [*rel, "-f", "github"]).stdout.splitlines()
    assert len(lines) == len(counted) > 0
    for line in lines:
        match = ANNOTATION.match(line)
        assert match, line
        assert (REPO / match.group(2)).is_file()
    kinds = [ANNOTATION.match(line).group(1) for line in lines]  # type: ignore[union-attr]
    assert kinds.count("error") == sum(1 for f in counted if f["gate"] == "fail")


def test_github_escaping_keeps_hostile_text_inside_its_annotation() -> None:
    """Newlines, percent signs, colons and commas from files cannot end an annotation or
    start a command: they are escaped as the workflow-command syntax requires."""
    assert to_github.escape_data("a%b\r\n::error::x") == "a%25b%0D%0A::error::x"
    assert to_github.escape_property("x,y:z\n") == "x%2Cy%3Az%0A"


def test_gitlab_code_quality_issues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--format gitlab: an array of issues with every member GitLab's report format lists,
    severities from its scale, fingerprints unique, paths of files that exist."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "gl-code-quality-report.json"
    runner.invoke(
        cli.app,
        [
            "scan",
            "fixtures/sample/delivery",
            "--log",
            "fixtures/sample/ai-use.toml",
            "--no-trace",
            "-o",
            f"gitlab:{out}",
        ],
    )
    issues = json.loads(out.read_text())
    assert issues
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["lines"]["begin"] == 1
        assert (REPO / issue["location"]["path"]).is_file()
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_show_fail_lists_only_what_fails(tmp_path: Path) -> None:
    """--show fail: the files that fail with the findings that decide; --show warn adds the
    warnings; the summary stays whole and says how many files were not listed."""
    every = runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace"]).stdout
    focused = runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "--show", "FAIL"]).stdout
    heads = [line for line in focused.splitlines() if "  gate: " in line]
    assert heads and all("gate: FAIL" in line for line in heads)
    assert len(focused.splitlines()) < len(every.splitlines())
    assert "not shown: --show all lists every file" in focused
    assert focused.splitlines()[-4:] == every.splitlines()[-4:]  # the duration aside
    assert " - " not in "".join(line for line in focused.splitlines() if line.startswith("  "))


def _policy(tmp_path: Path, levels: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(f"version = 1\n[levels]\n{levels}")
    return path


def test_levels_silence_or_raise_any_rule(tmp_path: Path) -> None:
    """[levels] takes every rule by code or name: MED005 off leaves its findings out; the
    untrusted-signer rule raised to a warning makes its files warn (exit 1 at --fail-on
    warning), named by its rule name."""
    base = [*SAMPLE_ARGS, "--no-trace", "-f", "json"]
    plain = json.loads(runner.invoke(cli.app, base).stdout)
    rules = {f["rule"] for e in plain["files"] for f in e["findings"]}
    assert {"MED005", "C2P006"} <= rules
    policy = _policy(tmp_path, 'med005 = "off"\nc2pa-signer-untrusted = "warning"\n')
    result = runner.invoke(cli.app, [*base, "--policy", str(policy)])
    data = json.loads(result.stdout)
    found = [(e, f) for e in data["files"] for f in e["findings"]]
    assert not any(f["rule"] == "MED005" for _, f in found)
    raised = [(e, f) for e, f in found if f["rule"] == "C2P006"]
    assert raised and all(f["gate"] == "warn" for _, f in raised)
    assert all(e["gate"] in ("warn", "fail") for e, _ in raised)
    assert "C2P006=warning" in data["policy"]["summary"]
    assert "MED005=off" in data["policy"]["summary"]


def test_baseline_accepts_known_findings_and_fails_on_new_ones(tmp_path: Path) -> None:
    """--write-baseline then --baseline: the same delivery passes (its findings accepted and
    marked, in SARIF as baselineState unchanged); a new AI file fails alone; a JSON report
    serves as a baseline too."""
    delivery = tmp_path / "delivery"
    shutil.copytree(SAMPLE / "delivery", delivery)
    args = ["scan", str(delivery), "--log", str(SAMPLE / "ai-use.toml"), "--no-trace"]
    baseline, report = tmp_path / "baseline.json", tmp_path / "report.json"
    first = runner.invoke(cli.app, [*args, "--write-baseline", str(baseline), "-o", str(report)])
    assert first.exit_code == 1
    written = json.loads(baseline.read_text())
    assert written["format"] == "provscan-baseline" and written["findings"]
    sarif = tmp_path / "again.sarif"
    again = runner.invoke(cli.app, [*args, "--baseline", str(baseline), "-o", "-", "-o",
                                    str(sarif), "--sarif-info"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "[accepted by the baseline]" in again.stdout
    assert "more accepted by the baseline" in again.stderr
    states = {r.get("baselineState") for r in json.loads(sarif.read_text())["runs"][0]["results"]}
    assert "unchanged" in states
    shutil.copy(FIXTURES / "sample" / "project_media" / "stills" / "harbour_street_1987_sd.png",
                delivery / "new_ai.png")  # fmt: skip
    new = runner.invoke(cli.app, [*args, "--baseline", str(report), "-f", "json"])
    assert new.exit_code == 1
    failing = [e["path"] for e in json.loads(new.stdout)["files"] if e["gate"] == "fail"]
    assert failing == ["new_ai.png"]
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    refused = runner.invoke(cli.app, [*args, "--baseline", str(bad)])
    assert refused.exit_code == 2 and len(refused.stderr.splitlines()) == 1


def test_version_and_short_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """provscan --version prints the version; -h is help, on every command."""
    assert _main(monkeypatch, capsys, "--version") == (0, f"provscan {__version__}\n", "")
    code, out, _ = _main(monkeypatch, capsys, "-h")
    assert code == 0 and "Usage: provscan" in out
    code, out, _ = _main(monkeypatch, capsys, "scan", "-h")
    assert code == 0 and "Usage: provscan scan [OPTIONS] TARGET" in out


def _helps(app: Any, prefix: list[str]) -> list[tuple[str, str]]:
    """The help text of every command and group below ``prefix``."""
    result = runner.invoke(app, [*prefix, "--help"], env={"COLUMNS": "200"})
    found = [(" ".join(prefix), result.stdout)]
    for name in re.findall(r"^│ (\w+)\s{2,}", result.stdout.split("Commands")[-1], re.M):
        if "Commands" in result.stdout:
            found += _helps(app, [*prefix, name])
    return found


def test_help_reads_in_words_everywhere() -> None:
    """No help text shows a Python type: no <bool>, <path>, list[...], ranges or {target};
    values are words (TARGET, PATH, N, SECONDS) and choices their values."""
    helps = _helps(cli.app, [])
    assert len(helps) >= 10
    for name, text in helps:
        for leak in ("<bool>", "<path>", "list[", "x>=", "{", "<int", "<float", "<str>"):
            assert leak not in text, f"provscan {name} --help shows {leak}"
    scan_help = dict(helps)["scan"]
    for word in ("TARGET", "PATH", "SECONDS", " N ", "text|json|junit|sarif|csv|html|github"):
        assert word in scan_help


def test_choices_take_any_case(tmp_path: Path) -> None:
    """-f JSON, --fail-on WARNING and --show WARN read as their lower-case values."""
    result = runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "-f", "JSON",
                                     "--fail-on", "NONE"])  # fmt: skip
    assert result.exit_code == 0 and json.loads(result.stdout)["gate"] == "fail"
    legacy = runner.invoke(cli.app, [*SAMPLE_ARGS, "--no-trace", "--fail-on", "violation"])
    assert legacy.exit_code == 1


def test_rules_explains_a_code_and_lists_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """rules CODE explains one rule (any case, or by name) with how a policy changes it;
    rules --format json lists every rule; an unknown code is one line, exit 2."""
    code, out, _ = _main(monkeypatch, capsys, "rules", "med005")
    assert code == 0 and out.startswith("media-writing-software (MED005)")
    assert 'MED005 = "off"' in out and "default level: info" in out
    code, out, _ = _main(monkeypatch, capsys, "rules", "ai-in-final-without-approval")
    assert code == 0 and "default level: error (the gate fails)" in out
    code, out, _ = _main(monkeypatch, capsys, "rules", "--format", "json")
    listed = json.loads(out)
    assert [r["code"] for r in listed] == [r.code for r in all_rules()]
    assert {r["default_level"] for r in listed} == {"error", "warning", "info"}
    code, out, err = _main(monkeypatch, capsys, "rules", "E501")
    assert code == 2 and out == "" and len(err.splitlines()) == 1


def test_severity_words_are_one_vocabulary(tmp_path: Path) -> None:
    """Severities (error, warning, info), policy levels and --fail-on use the same words:
    a policy 'error' fails, --fail-on error exits 1 on it; 'violation' is still read."""
    policy = _policy(tmp_path, 'log-entry-unused = "error"\n')
    args = [*SAMPLE_ARGS, "--no-trace", "--policy", str(policy), "-f", "json"]
    data = json.loads(runner.invoke(cli.app, args).stdout)
    assert {f["gate"] for f in data["log_findings"] if f["rule"] == "LOG001"} == {"fail"}
    old = _policy(tmp_path, 'log-entry-unused = "violation"\n')
    again = json.loads(runner.invoke(cli.app, [*args[:-4], "--policy", str(old),
                                               "-f", "json"]).stdout)  # fmt: skip
    assert {f["gate"] for f in again["log_findings"] if f["rule"] == "LOG001"} == {"fail"}


def test_pipeline_plans_its_stages_for_the_progress(tmp_path: Path) -> None:
    """check_delivery tells a progress that listens which stages will run, in order."""
    import datetime as dt

    from provscan.limits import Limits
    from provscan.model import Settings
    from provscan.policy import DEFAULT_POLICY

    heard: list[object] = []

    class Listening:
        def plan(self, stages: list[str]) -> None:
            heard.append(list(stages))

        def stage(self, name: str, total: int) -> None:
            heard.append(name)

        def advance(self, label: str) -> None:
            """Not recorded."""

        def close(self) -> None:
            """Not recorded."""

    pipeline.check_delivery(SAMPLE / "delivery", sources=[SAMPLE / "project_media"], log=None,
                            policy=DEFAULT_POLICY, settings=Settings(), limits=Limits(jobs=1),
                            today=dt.date(2026, 12, 1), progress=Listening())  # fmt: skip
    assert heard[0] == ["scanning", "sources", "tracing"]
    assert heard[1:] == ["scanning", "sources", "tracing"]


@pytest.mark.slow
def test_corpus_in_ci_formats(tmp_path: Path, corpus: Path) -> None:
    """The shared corpus, as a CI job would scan it: SARIF valid with no note results, one
    GitHub annotation per finding the gate counts, GitLab issues with unique fingerprints,
    and the focused text report far shorter than the full one."""
    out = tmp_path
    args = ["scan", str(corpus), "--no-trace", "--sarif-root", str(corpus.parent)]
    result = runner.invoke(
        cli.app,
        [
            *args,
            "-o",
            str(out / "r.sarif"),
            "-o",
            str(out / "r.json"),
            "-o",
            f"github:{out / 'gh.txt'}",
            "-o",
            f"gitlab:{out / 'gl.json'}",
            "-o",
            str(out / "all.txt"),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads((out / "r.json").read_text())
    counted = sum(1 for e in data["files"] for f in e["findings"] if f["gate"] in ("fail", "warn"))
    assert len((out / "gh.txt").read_text().splitlines()) == counted
    issues = json.loads((out / "gl.json").read_text())
    assert len(issues) == counted == len({i["fingerprint"] for i in issues})
    sarif = json.loads((out / "r.sarif").read_text())
    assert "note" not in {r["level"] for r in sarif["runs"][0]["results"]}
    if SARIF_SCHEMA.is_file():
        schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft7Validator(schema).validate(sarif)
    focused = runner.invoke(cli.app, [*args, "--show", "fail"]).stdout
    assert len(focused.splitlines()) < len((out / "all.txt").read_text().splitlines()) / 2
    assert CORPUS.name in sarif["runs"][0]["artifacts"][0]["location"]["uri"]


def test_new_options_come_from_provscan_toml_too(tmp_path: Path) -> None:
    """show, baseline and fail_on = "error" in provscan.toml apply as their options do (the
    command line still wins)."""
    delivery = tmp_path / "delivery"
    shutil.copytree(SAMPLE / "delivery", delivery)
    args = ["scan", str(delivery), "--no-trace"]
    runner.invoke(cli.app, [*args, "--write-baseline", str(tmp_path / "b.json")])
    (delivery / "provscan.toml").write_text(
        f'show = "fail"\nbaseline = "{tmp_path / "b.json"}"\nfail_on = "error"\n'
    )
    configured = runner.invoke(cli.app, args)
    assert configured.exit_code == 0 and "--show all lists every file" in configured.stdout
    overridden = runner.invoke(cli.app, [*args, "--show", "all"])
    assert "not shown" not in overridden.stdout
