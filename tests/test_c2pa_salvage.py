"""A truncated file whose C2PA manifest is intact reports both the AI claim and the damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provscan.cli import app
from provscan.extract.c2pa_salvage import _png
from typer.testing import CliRunner

from tests.conftest import FIXTURES

SIGNED = FIXTURES / "files" / "c2pa"


def _cut(tmp_path: Path, name: str, keep: int) -> Path:
    data = (SIGNED / name).read_bytes()
    out = tmp_path / name
    out.write_bytes(data[:keep] if keep > 0 else data[: keep or None])
    return out


def _scan(folder: Path) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(app, ["scan", str(folder), "--no-trace", "--format", "json"])
    assert result.exit_code == 1, result.output
    return {f["path"]: f for f in json.loads(result.stdout)["files"]}


@pytest.mark.parametrize(
    ("name", "marker"), [("ai_generated.png", b"IDAT"), ("ai_generated.jpg", b"")]
)
def test_truncated_signed_file_reports_claim_and_damage(
    tmp_path: Path, name: str, marker: bytes
) -> None:
    """Cut inside the pixel data: ai-generated from C2P001, and SCN001 for the truncation."""
    data = (SIGNED / name).read_bytes()
    keep = data.find(marker) + 10 if marker else len(data) - 60
    _cut(tmp_path, name, keep)
    found = _scan(tmp_path)[name]
    rules = {f["rule"] for f in found["findings"]}  # type: ignore[attr-defined]
    assert found["verdict"] == "ai-generated"
    assert {"SCN001", "C2P001"} <= rules


def test_cut_through_the_manifest_stays_unreadable(tmp_path: Path) -> None:
    """When the cut falls inside the manifest itself there is no claim to report."""
    data = (SIGNED / "ai_generated.png").read_bytes()
    _cut(tmp_path, "ai_generated.png", data.find(b"caBX") + 40)
    assert _scan(tmp_path)["ai_generated.png"]["verdict"] == "unreadable"


def test_png_head_is_closed_with_iend() -> None:
    """The salvaged PNG keeps the complete chunks and ends with IEND; intact files give None."""
    data = (SIGNED / "ai_generated.png").read_bytes()
    head = _png(data[: data.find(b"IDAT") + 10])
    assert head is not None and head.endswith(b"IEND\xae\x42\x60\x82")
    assert _png(data) is None
