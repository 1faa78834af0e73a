"""The CI recipes are run, not only written: the GitHub Actions workflow's and the GitLab
job's steps run as a script in a repository holding a delivery (the install step aside:
provscan is already on PATH), and the pre-commit hooks run through `pre-commit try-repo`
(pre-commit from PyPI, as the test extras pin it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from defusedxml import ElementTree

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO

CI = REPO / "docs" / "ci"
SAMPLE = FIXTURES / "sample"
BIN = Path(sys.executable).parent
SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
_OUTPUT = re.compile(r"\$\{\{\s*steps\.(\w+)\.outputs\.(\w+)\s*\}\}")


def _repository(tmp_path: Path, *, clean: bool = False) -> Path:
    """A repository as a production keeps it: the delivery and its AI-use log at the top
    (the sample's, or one clean still with an empty log)."""
    repo = tmp_path / "repo"
    if clean:
        (repo / "delivery").mkdir(parents=True)
        (repo / "delivery" / "still.jpg").write_bytes(jpeg_bytes())
        (repo / "ai-use.toml").write_text("version = 1\n")
    else:
        shutil.copytree(SAMPLE / "delivery", repo / "delivery")
        shutil.copy(SAMPLE / "ai-use.toml", repo / "ai-use.toml")
    return repo


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **extra}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A step's script as a runner runs it: bash, stop at the first failing command."""
    return subprocess.run(["bash", "-eo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)  # fmt: skip


def _github(repo: Path) -> tuple[dict[str, subprocess.CompletedProcess[str]], list[Any]]:
    """Every step of the workflow's job, in order: run steps through bash (the install step
    skipped), action steps returned for the test to check what they would upload."""
    workflow = yaml.safe_load((CI / "github-workflow.yml").read_text())
    (job,) = workflow["jobs"].values()
    outputs = repo.parent / "github_output"
    outputs.write_text("")
    env = _env({**workflow["env"], "GITHUB_OUTPUT": str(outputs), "GITHUB_WORKSPACE": str(repo)})
    ran: dict[str, subprocess.CompletedProcess[str]] = {}
    actions = []
    for step in job["steps"]:
        if "uses" in step:
            actions.append(step)
            continue
        if step.get("id") == "install":
            assert "pip install" in step["run"]
            continue
        said = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
        script = _OUTPUT.sub(lambda m, said=said: said[m.group(2)], step["run"])
        ran[step["name"]] = _bash(script, repo, env)
    return ran, actions


def test_github_workflow_runs_and_fails_the_job_on_the_gate(tmp_path: Path) -> None:
    """The workflow on the sample: the log checks, the scan step writes annotations and
    every report the upload steps name (SARIF valid, paths from the repository's root),
    and the last step fails the job as the gate does."""
    repo = _repository(tmp_path)
    ran, actions = _github(repo)
    assert ran["Check the AI-use log"].returncode == 0
    scan = ran["Scan the delivery"]
    assert scan.returncode == 0, scan.stderr  # the gate decides later
    assert scan.stdout.startswith("::error file=delivery/")
    assert scan.stderr.splitlines()[-1].startswith("provscan: gate FAIL")
    assert ran["Gate"].returncode == 1
    sarif_step = next(a for a in actions if "upload-sarif" in a["uses"])
    sarif = json.loads((repo / sarif_step["with"]["sarif_file"]).read_text())
    for artifact in sarif["runs"][0]["artifacts"]:
        assert (repo / artifact["location"]["uri"]).is_file()
    if SARIF_SCHEMA.is_file():
        jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    kept = next(a for a in actions if "upload-artifact" in a["uses"])
    names = kept["with"]["path"].split()
    assert {"provscan.html", "provscan-junit.xml"} <= set(names)
    assert all((repo / name).is_file() for name in names)
    assert sarif_step["if"] == kept["if"] == "always()"  # uploaded whatever the gate says


def test_github_workflow_passes_a_clean_delivery(tmp_path: Path) -> None:
    """The same workflow on a delivery with nothing to object to: every step succeeds."""
    ran, _ = _github(_repository(tmp_path, clean=True))
    assert {name: r.returncode for name, r in ran.items()} == {
        "Check the AI-use log": 0, "Scan the delivery": 0, "Gate": 0,
    }  # fmt: skip


def test_gitlab_job_writes_its_reports_and_fails_on_the_gate(tmp_path: Path) -> None:
    """The GitLab job's script on the sample: exit 1 (the gate), a JUnit report whose failing
    cases are the failing files, a Code Quality report in GitLab's format, the HTML kept."""
    repo = _repository(tmp_path)
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text())["provscan"]
    env = _env({k: str(v) for k, v in job["variables"].items()})
    assert any("pip install" in line for line in job["before_script"])
    result = _bash("\n".join(job["script"]), repo, env)
    assert result.returncode == 1, result.stderr
    reports = job["artifacts"]["reports"]
    suite = ElementTree.parse(repo / reports["junit"]).getroot()
    assert suite.get("failures") == "3"  # the sample's failing files (no project media here)
    issues = json.loads((repo / reports["codequality"]).read_text())
    assert issues and all((repo / i["location"]["path"]).is_file() for i in issues)
    assert all({"description", "check_name", "fingerprint", "severity"} <= set(i) for i in issues)
    assert job["artifacts"]["when"] == "always"
    assert all((repo / path).is_file() for path in job["artifacts"]["paths"])


def _git(repo: Path, *args: str) -> None:
    env = _env({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"})  # fmt: skip
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _try_repo(repo: Path, home: Path, hook: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this checkout's hooks in ``repo``."""
    env = _env({"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"})
    return subprocess.run([str(BIN / "pre-commit"), "try-repo", str(REPO), hook, *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=1500,
                          check=False)  # fmt: skip


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: the hooks' environment is built once."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.mark.slow
def test_pre_commit_log_check_runs_when_the_log_changes(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    """provscan-log-check: passes a valid log, fails a broken one with the problem in one
    line, and is skipped when only media changed."""
    repo = _repository(tmp_path)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    ok = _try_repo(repo, pre_commit_home, "provscan-log-check", "--all-files")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout
    log = repo / "ai-use.toml"
    log.write_text(log.read_text().replace("approved_on = 2026-", "approved_on = 2026-13-", 1))
    broken = _try_repo(repo, pre_commit_home, "provscan-log-check", "--all-files")
    assert broken.returncode == 1 and "ai-use.toml:" in broken.stdout
    skipped = _try_repo(repo, pre_commit_home, "provscan-log-check", "--files",
                        "delivery/stills/key_art.jpg")  # fmt: skip
    assert skipped.returncode == 0 and "Skipped" in skipped.stdout


@pytest.mark.slow
def test_pre_commit_scan_gates_changed_media(tmp_path: Path, pre_commit_home: Path) -> None:
    """provscan-scan: a clean delivery passes; an AI still added without a log entry fails
    the hook with the violation in its output; a change to a text file does not run it."""
    repo = _repository(tmp_path, clean=True)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    clean = _try_repo(repo, pre_commit_home, "provscan-scan", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    shutil.copy(SAMPLE / "delivery" / "stills" / "archival_photo_1987.png", repo / "delivery")
    _git(repo, "add", ".")
    failed = _try_repo(repo, pre_commit_home, "provscan-scan", "--files",
                       "delivery/archival_photo_1987.png")  # fmt: skip
    assert failed.returncode == 1 and "POL001" in failed.stdout
    (repo / "notes.txt").write_text("not media\n")
    _git(repo, "add", ".")
    skipped = _try_repo(repo, pre_commit_home, "provscan-scan", "--files", "notes.txt")
    assert skipped.returncode == 0 and "Skipped" in skipped.stdout


def test_pre_commit_recipes_are_valid() -> None:
    """The hooks manifest and the documented config pass pre-commit's own validation."""
    for command, path in (("validate-manifest", REPO / ".pre-commit-hooks.yaml"),
                          ("validate-config", CI / "pre-commit-config.yaml")):  # fmt: skip
        done = subprocess.run([str(BIN / "pre-commit"), command, str(path)], capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
