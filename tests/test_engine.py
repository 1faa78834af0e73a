"""The engine: every file gets a result, detector failures and lying names become findings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from provscan import analysis, engine
from provscan.asset import Asset
from provscan.model import Evidence, MediaKind, Section, Settings, Verdict

from tests.builders import jpeg_bytes

JPEG = jpeg_bytes()


def _codes(result: engine.FileResult) -> list[str]:
    return [f.rule.code for f in result.findings]


def _crashing_detector() -> SimpleNamespace:
    def detect(asset: Asset) -> Iterator[Evidence]:
        raise RuntimeError("boom")

    def describe(asset: Asset) -> Iterator[Section]:
        return iter(())

    return SimpleNamespace(
        NAME="crasher", KINDS=frozenset(MediaKind), RULES=(), detect=detect, describe=describe
    )


def test_detector_exception_becomes_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detector raising on a file yields SCN002 on that file and the verdict fails closed."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    monkeypatch.setattr(analysis, "DETECTORS", (_crashing_detector(),))
    (result,) = engine.scan(tmp_path).files
    assert _codes(result) == ["SCN002"]
    assert "crasher failed: RuntimeError: boom" in result.findings[0].evidence.message
    assert result.verdict is Verdict.UNREADABLE


def test_extension_mismatch_reported(tmp_path: Path) -> None:
    """JPEG bytes named .png give SCN003 naming both."""
    (tmp_path / "photo.png").write_bytes(JPEG)
    (result,) = engine.scan(tmp_path).files
    assert "SCN003" in _codes(result)
    assert result.format == "jpeg"


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    """A 0-byte file is unreadable with the reason in words."""
    (tmp_path / "empty.png").write_bytes(b"")
    (result,) = engine.scan(tmp_path).files
    assert result.verdict is Verdict.UNREADABLE
    assert "empty" in result.findings[0].evidence.message


def test_unknown_format_reported(tmp_path: Path) -> None:
    """Bytes no sniffer recognises give SCN004 instead of being skipped."""
    (tmp_path / "notes.bin").write_bytes(b"\x01\x02\x03 hello")
    (result,) = engine.scan(tmp_path).files
    assert _codes(result) == ["SCN004"]


def test_every_entry_gets_a_result(tmp_path: Path) -> None:
    """N walked entries give N results, problems included, in walk order."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    (tmp_path / "b.bin").write_bytes(b"zz")
    (tmp_path / "c").symlink_to("/etc/hostname")
    report = engine.scan(tmp_path)
    assert [f.path for f in report.files] == ["a.jpg", "b.bin", "c"]


def test_fingerprint_ignores_path(tmp_path: Path) -> None:
    """The same bytes under two names give the same fingerprints (approvals follow bytes)."""
    (tmp_path / "one.png").write_bytes(JPEG)
    (tmp_path / "two.png").write_bytes(JPEG)
    one, two = engine.scan(tmp_path).files
    assert [f.fingerprint for f in one.findings] == [f.fingerprint for f in two.findings]


def test_describe_only_when_asked(tmp_path: Path) -> None:
    """Sections are built for inspect (describe=True) and skipped for scans."""
    (tmp_path / "empty.jpg").write_bytes(b"")
    plain = engine.scan(tmp_path).files[0]
    described = engine.scan(tmp_path, Settings(describe=True)).files[0]
    assert plain.sections == ()
    assert any(s.title == "Integrity" for s in described.sections)


def test_same_fact_twice_is_one_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Evidence repeated with the same rule, key and value gives one finding (one fingerprint)."""

    def detect(asset: Asset) -> Iterator[Evidence]:
        yield Evidence("EXF001", "first", key="Software", value="Midjourney")
        yield Evidence("EXF001", "again", key="Software", value="Midjourney")
        yield Evidence("EXF001", "other", key="Software", value="DALL-E")

    repeater = SimpleNamespace(
        NAME="repeater", KINDS=frozenset(MediaKind), RULES=(), detect=detect,
        describe=lambda asset: iter(()),
    )  # fmt: skip
    (tmp_path / "a.jpg").write_bytes(JPEG)
    monkeypatch.setattr(analysis, "DETECTORS", (repeater,))
    (result,) = engine.scan(tmp_path).files
    assert [f.evidence.message for f in result.findings] == ["first", "other"]
    assert len({f.fingerprint for f in result.findings}) == 2
