"""provscan.toml, [tool.provscan] and PROVSCAN_* variables: what they set, which wins, how a
bad file is refused, and what `provscan config` shows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from provscan.cli import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "sample"
ROOT_CA = FIXTURES / "files" / "c2pa" / "trust" / "root_ca.pem"


@pytest.fixture()
def delivery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of two sample stills with the sample's AI-use log beside them, and no
    PROVSCAN_* variable or explicit config file from the environment the tests run in."""
    for name in list(__import__("os").environ):
        if name.startswith("PROVSCAN_") and name not in ("PROVSCAN_TRUST_DIR",
                                                         "PROVSCAN_START_METHOD"):  # fmt: skip
            monkeypatch.delenv(name)
    folder = tmp_path / "delivery" / "stills"
    folder.mkdir(parents=True)
    for name in ("title_card.jpg", "archival_photo_1987.png"):
        shutil.copy(SAMPLE / "delivery" / "stills" / name, folder / name)
    shutil.copy(SAMPLE / "ai-use.toml", tmp_path / "delivery" / "ai-use.toml")
    return tmp_path / "delivery"


def _scan(target: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scan", str(target), "--no-trace", *args], env=env)
    return result.exit_code, result.output


def _report(target: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """The report a scan prints on stdout (stderr ends with the gate's summary line)."""
    result = CliRunner().invoke(app, ["scan", str(target), "--no-trace", *args], env=env)
    return result.stdout


def test_file_in_the_scan_root_sets_options(delivery: Path) -> None:
    """provscan.toml gives the log, the report format and file, and the fail-on level."""
    (delivery / "provscan.toml").write_text(
        'log = "ai-use.toml"\nformat = "json"\noutput = "out/report.json"\nfail_on = "none"\n'
        'exclude = ["*.toml"]\n'
    )
    (delivery / "out").mkdir()
    code, _ = _scan(delivery)
    report = json.loads((delivery / "out" / "report.json").read_text())
    assert code == 0  # fail_on = none
    assert report["log"]["path"].endswith("ai-use.toml")
    assert {f["path"] for f in report["files"]} == {"stills/title_card.jpg",
                                                    "stills/archival_photo_1987.png"}  # fmt: skip


def test_command_line_beats_environment_beats_file(delivery: Path, tmp_path: Path) -> None:
    """--format on the command line wins over PROVSCAN_FORMAT, which wins over the file."""
    (delivery / "provscan.toml").write_text('format = "csv"\n')
    assert _report(delivery).lstrip("\ufeff").startswith("path,")  # the file: CSV
    env = {"PROVSCAN_FORMAT": "json"}
    assert json.loads(_report(delivery, env=env))["files"]  # the environment: JSON
    _, text = _scan(delivery, "--format", "text", env=env)
    assert "gate:" in text and not text.startswith("{")  # the command line: text


def test_pyproject_table_in_a_parent_folder(delivery: Path) -> None:
    """[tool.provscan] in a pyproject.toml above the scan root applies, paths relative to it."""
    (delivery.parent / "pyproject.toml").write_text(
        '[project]\nname = "film"\n[tool.provscan]\nlog = "delivery/ai-use.toml"\n'
        'trust-anchors = "root_ca.pem"\n'
    )
    shutil.copy(ROOT_CA, delivery.parent / "root_ca.pem")
    report = json.loads(_report(delivery / "stills", "--format", "json"))
    assert report["log"]["path"].endswith("delivery/ai-use.toml")
    title = next(f for f in report["files"] if f["path"] == "title_card.jpg")
    assert any(x["details"].get("validation_state") == "Trusted" for x in title["findings"])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('polcy = "p.toml"\n', "unknown key 'polcy'"),
        (
            'fail_on = "maybe"\n',
            "key 'fail_on': 'maybe' is not one of error, warning, none, violation",
        ),
        ("jobs = 0\n", "key 'jobs': expected a whole number of at least 1"),
        ('exclude = "*.tmp"\n', "key 'exclude': expected a list of strings"),
        ("log = [\n", "not valid TOML"),
    ],
)
def test_bad_file_is_one_line_naming_file_and_key(delivery: Path, content: str, words: str) -> None:
    """A configuration file that cannot be used: exit 2, one line with the file and key."""
    (delivery / "provscan.toml").write_text(content)
    code, text = _scan(delivery)
    assert code == 2 and words in text and "provscan.toml" in text
    assert len(text.strip().splitlines()) == 1


def test_bad_variable_is_one_line(delivery: Path) -> None:
    """A PROVSCAN_* variable of the wrong type is refused like a bad file."""
    code, text = _scan(delivery, env={"PROVSCAN_TIMEOUT": "soon"})
    assert code == 2 and "PROVSCAN_TIMEOUT" in text


def test_config_command_shows_values_and_origins(delivery: Path) -> None:
    """`provscan config DIR` lists every setting with its value and where it comes from."""
    (delivery / "provscan.toml").write_text('log = "ai-use.toml"\nno_trace = true\n')
    result = CliRunner().invoke(app, ["config", str(delivery)], env={"PROVSCAN_JOBS": "3"})
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "ai-use.toml" in lines["log"] and "(provscan.toml;" in lines["log"]
    assert "3" in lines["jobs"] and "(PROVSCAN_JOBS;" in lines["jobs"]
    assert "(default;" in lines["policy"]
    assert result.stdout.startswith(f"configuration file: {delivery.resolve() / 'provscan.toml'}")
