"""fixtures/expected.toml pins the verdict and rule codes of every generated fixture
(the generator zoo under files/zoo/ is pinned in fixtures/zoo-expected.toml, tests/test_zoo.py)."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest
from provscan.engine import scan
from provscan.model import FileResult, Settings

from fixtures import make
from fixtures.probe import is_signed
from tests.conftest import FIXTURES

EXPECTED: dict[str, dict[str, object]] = tomllib.loads(
    (FIXTURES / "expected.toml").read_text(encoding="utf-8")
)["files"]
ZOO: dict[str, dict[str, object]] = tomllib.loads(
    (FIXTURES / "zoo-expected.toml").read_text(encoding="utf-8")
)["files"]
TRUST = Path("c2pa") / "trust"


def _results(root: Path) -> dict[str, FileResult]:
    anchors = (root / TRUST / "root_ca.pem").read_text()
    report = scan(root, Settings(trust_anchors=anchors))
    return {r.path: r for r in report.files if not r.path.startswith(TRUST.as_posix())}


def _outcome(result: FileResult) -> tuple[str, list[str]]:
    return result.verdict.value, sorted({f.rule.code for f in result.findings})


@pytest.fixture(scope="module")
def committed() -> dict[str, FileResult]:
    """The committed fixtures under fixtures/files, scanned with the test CA trusted."""
    return _results(FIXTURES / "files")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh run of fixtures/make.py into a temporary folder."""
    out = tmp_path_factory.mktemp("regen")
    make.build(out)
    return out


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_matches_expectation(committed: dict[str, FileResult], rel: str) -> None:
    """Each fixture gets exactly the verdict and rule codes expected.toml states."""
    want = EXPECTED[rel]
    assert _outcome(committed[rel]) == (want["verdict"], sorted(want["rules"]))  # type: ignore[call-overload]


def test_every_fixture_has_an_expectation(committed: dict[str, FileResult]) -> None:
    """No generated fixture goes unpinned, and no expectation names a missing file."""
    assert not [rel for rel in EXPECTED if rel.startswith("zoo/")]  # zoo/ lives in ZOO only
    assert all(rel.startswith("zoo/") for rel in ZOO)
    assert sorted(committed) == sorted({**EXPECTED, **ZOO})


def test_regenerated_fixtures_give_the_same_results(
    committed: dict[str, FileResult], regenerated: Path
) -> None:
    """make.py reproduces the committed fixtures: same verdicts and rules for every file."""
    fresh = _results(regenerated / "files")
    assert {k: _outcome(v) for k, v in fresh.items()} == {
        k: _outcome(v) for k, v in committed.items()
    }


def _comparable(path: Path, signed_digests: set[str]) -> bytes | None:
    """The bytes to compare, or None for C2PA-signed media (c2pa-rs salts every signing at
    random); the AI-use log's sha256 lines that name signed media are blanked the same way."""
    data = path.read_bytes()
    if is_signed(data):
        return None
    if path.name == "ai-use.toml":
        text = data.decode("utf-8")
        for digest in signed_digests:
            text = text.replace(digest, "<sha256 of signed media>")
        return text.encode("utf-8")
    return data


def _signed_digests(root: Path) -> set[str]:
    return {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and is_signed(p.read_bytes())
    }


def test_unsigned_fixtures_are_byte_identical(regenerated: Path) -> None:
    """Every fixture and sample file but C2PA-signed media is byte-for-byte what make.py writes."""
    differing = []
    ours, theirs = _signed_digests(FIXTURES), _signed_digests(regenerated)
    for folder in ("files", "sample"):
        for path in sorted((FIXTURES / folder).rglob("*")):
            fresh = regenerated / path.relative_to(FIXTURES)
            if not path.is_file():
                continue
            if not fresh.is_file() or _comparable(path, ours) != _comparable(fresh, theirs):
                differing.append(path.relative_to(FIXTURES).as_posix())
    assert differing == []
    assert (regenerated / "files" / TRUST / "root_ca.pem").read_bytes() == (
        FIXTURES / "files" / TRUST / "root_ca.pem"
    ).read_bytes()
