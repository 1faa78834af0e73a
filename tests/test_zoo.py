"""fixtures/zoo-expected.toml: the verdict each generator-zoo fixture should get.

The zoo (fixtures/generator_zoo.py, documented in docs/generators.md) holds one file per
metadata layout that current generators write, and false-positive controls. Files whose
expected verdict provscan does not reach yet are listed in NOT_YET and run as non-strict
xfail (see NOT_YET); the rest must match exactly, rule codes included.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.engine import scan
from scanner.model import FileResult, Settings
from tests.conftest import FIXTURES

ZOO: dict[str, dict[str, object]] = tomllib.loads(
    (FIXTURES / "zoo-expected.toml").read_text(encoding="utf-8")
)["files"]
TRUST = FIXTURES / "files" / "c2pa" / "trust" / "root_ca.pem"

# Expected verdict not reached by today's detectors (their "rules" are empty in the toml).
NOT_YET = frozenset(
    {
        "zoo/swarmui_be.jpg",  # sui_image_params JSON in a UNICODE UserComment: missed
        "zoo/swarmui_le.webp",  # the same, UTF-16LE in a little-endian TIFF
    }
)


@pytest.fixture(scope="module")
def zoo_results() -> dict[str, FileResult]:
    """The committed zoo fixtures, scanned with the fixtures' test CA trusted."""
    report = scan(FIXTURES / "files" / "zoo", Settings(trust_anchors=TRUST.read_text()))
    return {f"zoo/{r.path}": r for r in report.files}


def _case(rel: str) -> object:
    if rel in NOT_YET:
        return pytest.param(
            rel, marks=pytest.mark.xfail(strict=False, reason="detection does not reach it yet")
        )
    return rel


@pytest.mark.parametrize("rel", [_case(rel) for rel in sorted(ZOO)])
def test_zoo_fixture_gets_its_expected_verdict(
    zoo_results: dict[str, FileResult], rel: str
) -> None:
    """Each zoo file gets the verdict zoo-expected.toml states, and its rule codes where pinned."""
    want, result = ZOO[rel], zoo_results[rel]
    assert result.verdict.value == want["verdict"]
    if rel not in NOT_YET:  # rule codes are pinned only where today's verdict already agrees
        assert sorted({f.rule.code for f in result.findings}) == sorted(want["rules"])  # type: ignore[call-overload]


def test_not_yet_list_matches_the_empty_rule_lists() -> None:
    """Every file listed as not reached is in the toml with its rule list left empty."""
    assert {rel for rel, want in ZOO.items() if not want["rules"]} >= NOT_YET


def test_zoo_covers_every_fixture_on_disk(zoo_results: dict[str, FileResult]) -> None:
    """Every file make.py writes under files/zoo/ has an expectation, and nothing else does."""
    assert sorted(zoo_results) == sorted(ZOO)


def test_controls_get_no_ai_verdict_from_the_cli(tmp_path: Path) -> None:
    """provscan scan, run as the README does, finds no AI marker in the no-ai-markers controls
    (all of them but those listed in NOT_YET, which must still never be called AI)."""
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
    assert not {v for v in verdicts.values() if v in ("ai-generated", "ai-edited")}
    reached = {Path(rel).name for rel in controls if rel not in NOT_YET}
    assert {verdicts[name] for name in reached} == {"no-ai-markers"}
