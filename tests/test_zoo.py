"""fixtures/zoo-expected.toml: the verdict each generator-zoo fixture should get.

The zoo (fixtures/generator_zoo.py, documented in docs/generators.md) holds one file per
metadata layout that current generators write, and false-positive controls. Every file must
get its verdict and exactly its rule codes.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from provscan.cli import app
from provscan.engine import scan
from provscan.model import FileResult, Settings
from typer.testing import CliRunner

from tests.conftest import FIXTURES

ZOO: dict[str, dict[str, object]] = tomllib.loads(
    (FIXTURES / "zoo-expected.toml").read_text(encoding="utf-8")
)["files"]
TRUST = FIXTURES / "files" / "c2pa" / "trust" / "root_ca.pem"


@pytest.fixture(scope="module")
def zoo_results() -> dict[str, FileResult]:
    """The committed zoo fixtures, scanned with the fixtures' test CA trusted."""
    report = scan(FIXTURES / "files" / "zoo", Settings(trust_anchors=TRUST.read_text()))
    return {f"zoo/{r.path}": r for r in report.files}


@pytest.mark.parametrize("rel", sorted(ZOO))
def test_zoo_fixture_gets_its_expected_verdict(
    zoo_results: dict[str, FileResult], rel: str
) -> None:
    """Each zoo file gets the verdict and the rule codes zoo-expected.toml states."""
    want, result = ZOO[rel], zoo_results[rel]
    assert result.verdict.value == want["verdict"]
    assert sorted({f.rule.code for f in result.findings}) == sorted(want["rules"])  # type: ignore[call-overload]


def test_zoo_covers_every_fixture_on_disk(zoo_results: dict[str, FileResult]) -> None:
    """Every file make.py writes under files/zoo/ has an expectation, and nothing else does."""
    assert sorted(zoo_results) == sorted(ZOO)


def test_controls_get_no_ai_verdict_from_the_cli(tmp_path: Path) -> None:
    """provscan scan, run as the README does, finds no AI marker in the no-ai-markers controls."""
    controls = sorted(rel for rel, want in ZOO.items() if want["verdict"] == "no-ai-markers")
    for rel in controls:
        (tmp_path / Path(rel).name).write_bytes((FIXTURES / "files" / rel).read_bytes())
    out = tmp_path / "report.json"
    args = ["scan", str(tmp_path), "--no-trace", "--quiet", "-f", "json", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    verdicts = {
        f["path"]: f["verdict"] for f in json.loads(out.read_text(encoding="utf-8"))["files"]
    }
    assert len(verdicts) == len(controls) >= 10
    assert set(verdicts.values()) == {"no-ai-markers"}
