"""Conformance over ../shared/corpus: every real file gets a result that agrees with its
catalog (CATALOG.tsv and CATALOG-2.tsv, by the same rules).

The catalog's first label is a careful human reading of each file. Where provscan
disagrees, the disagreement is listed in EXCEPTIONS with the reason proven from the bytes.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from provscan.engine import scan
from provscan.model import FileResult, Settings, Verdict

pytestmark = pytest.mark.slow

AI = {Verdict.AI_GENERATED, Verdict.AI_EDITED}
FLAGGED = AI | {Verdict.AI_SUSPECTED}
AI_LABELS = ("AI-generated", "AI-composite/edited")
NOT_AI_LABELS = (
    "no AI marker",
    "camera capture",
    "no AI claim in C2PA",
    "algorithmicMedia",
)

# local_path -> why provscan's verdict differs from the catalog label (proven from bytes).
EXCEPTIONS: dict[str, str] = {}


# Rows the catalog marks CORRUPT/MALFORMED that provscan reads, with the proof from bytes.
CORRUPT_EXCEPTIONS: dict[str, str] = {
    # The catalog's check wants FF D9 as the last two bytes; these files carry a documented
    # trailer after the end-of-image marker, which sits within the last 4 KiB.
    "exiftool/t/images/ExifTool.jpg": "EOI 674 bytes from the end, before an Android "
    "camera JSON trailer",
    "exiftool/t/images/PhotoMechanic.jpg": "EOI 77 bytes from the end, before a Photo Mechanic "
    "trailer ('cbipcbbl')",
    "exiftool/t/images/AFCP.jpg": "EOI 861 bytes from the end, before an AFCP trailer ('AXS!')",
    "exiftool/t/images/FotoStation.jpg": "EOI 4,071 bytes from the end, before a FotoStation "
    "trailer",
    # IFD0 is an OJPEG (Compression 6) preview of 26 bytes; every IFD and strip lies inside
    # the file. Only a pixel decode could tell, and provscan reads structure, not pixels.
    "exiftool/t/images/CanonRaw.cr2": "compressed strips inside the file; pixels not decoded",
}


def _label(row: dict[str, str]) -> str:
    return row["expected_signals"].lstrip('"').split(" ||")[0]


@pytest.fixture(scope="module", params=["CATALOG.tsv", "CATALOG-2.tsv"])
def catalog(request: pytest.FixtureRequest, corpus: Path) -> list[dict[str, str]]:
    """The rows of one catalog (each test runs once per catalog)."""
    with open(corpus / request.param, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def results(corpus: Path) -> dict[str, FileResult]:
    """The whole corpus scanned once, keyed by path relative to the corpus root."""
    report = scan(corpus, Settings())
    return {r.path: r for r in report.files}


def test_every_catalogued_file_has_a_result(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """No corpus file is skipped: each catalog row has exactly one result."""
    missing = [row["local_path"] for row in catalog if row["local_path"] not in results]
    assert missing == []


def test_no_detector_crashed(results: dict[str, FileResult]) -> None:
    """No detector raised on any real file (hostile bytes are handled as findings)."""
    crashed = {
        path: f.evidence.message
        for path, r in results.items()
        for f in r.findings
        if f.rule.code == "SCN002"
    }
    assert crashed == {}


def test_ai_rows_are_flagged(results: dict[str, FileResult], catalog: list[dict[str, str]]) -> None:
    """Every AI-generated or AI-composite row comes out ai-generated or ai-edited."""
    wrong = {
        row["local_path"]: results[row["local_path"]].verdict.value
        for row in catalog
        if _label(row).startswith(AI_LABELS)
        and row["local_path"] not in EXCEPTIONS
        and results[row["local_path"]].verdict not in AI
    }
    assert wrong == {}


def test_non_ai_rows_are_not_flagged(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """No 'no AI marker', capture, 'no AI claim' or algorithmicMedia row is flagged as AI."""
    wrong = {
        row["local_path"]: [
            f"{f.rule.code} {f.evidence.message}"
            for f in results[row["local_path"]].findings
            if f.rule.signal.value.startswith("ai")
        ]
        for row in catalog
        if _label(row).startswith(NOT_AI_LABELS)
        and row["local_path"] not in EXCEPTIONS
        and results[row["local_path"]].verdict in FLAGGED
    }
    assert wrong == {}


def test_exceptions_are_still_needed(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """Every listed exception still disagrees with the catalog (no stale exceptions)."""
    labels = {row["local_path"]: _label(row) for row in catalog}
    stale = []
    for path in (p for p in EXCEPTIONS if p in labels):
        verdict = results[path].verdict
        is_ai_label = labels[path].startswith(AI_LABELS)
        if (verdict in AI) == is_ai_label and not (not is_ai_label and verdict in FLAGGED):
            stale.append(path)
    assert stale == []


def test_corrupt_rows_are_unreadable(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """Every row the catalog marks CORRUPT/MALFORMED is unreadable, with its reason (SCN001)."""
    wrong = {
        row["local_path"]: results[row["local_path"]].verdict.value
        for row in catalog
        if "CORRUPT/MALFORMED" in row["expected_signals"]
        and row["local_path"] not in CORRUPT_EXCEPTIONS
        and not _unreadable_with_reason(results[row["local_path"]])
    }
    assert wrong == {}


def test_corrupt_exceptions_are_still_needed(results: dict[str, FileResult]) -> None:
    """Every corrupt-row exception is still read (no stale exceptions)."""
    assert [p for p in CORRUPT_EXCEPTIONS if results[p].verdict is Verdict.UNREADABLE] == []


def _unreadable_with_reason(result: FileResult) -> bool:
    return result.verdict is Verdict.UNREADABLE and any(
        f.rule.code == "SCN001" and f.evidence.message for f in result.findings
    )


# Video/audio rows whose bytes are broken: c2pa-rs robustness fixtures, and exiftool test
# files cut short after their metadata (exiftool keeps tags and drops the media).
UNREADABLE_AV: dict[str, str] = {
    "c2pa-rs/sdk/tests/fixtures/nested_moov_1000.mp4": "1,000 moov boxes nested in each other",
    "c2pa-rs/sdk/tests/fixtures/riff_bomb_1000.wav": "LIST chunks nested ~1,000 deep",
    "c2pa-rs/sdk/tests/fixtures/sample3.invalid.wav": "RIFF size 1,441,174; file 441,180 bytes",
    "c2pa-rs/sdk/tests/fixtures/id3v23_compression_underflow.mp3": "TIT2 flagged compressed "
    "with 3 bytes, too short for its 4-byte size field",
    "exiftool/t/images/Pentax.avi": "RIFF size 117,324,624; file 1,672 bytes",
    "exiftool/t/images/RIFF.avi": "RIFF size 2,767,798; file 1,262 bytes",
    "exiftool/t/images/Matroska.mkv": "Segment declares 17,890,863 bytes; file 507 bytes",
    "exiftool/t/images/Vorbis.ogg": "Ogg page 3's segment table runs past the end of the file",
    # CATALOG-2.tsv
    "atldotnet/ATL.unit-test/Resources/MP4/fragmented.mp4": "mdat declares 2,041,703 bytes; "
    "2,252 remain (a unit-test fixture cut short)",
    "atldotnet/ATL.unit-test/Resources/WAV/broadcastwave_bext_iXML.wav": "27 bytes after the "
    "iXML chunk are no chunk ('XTC\\x14', then QuickTime 'wide'/'mdat' atoms pasted in)",
    "exiftool-exiftool/t/images/DV.dv": "4,400 bytes: not one whole DIF sequence (12,000 "
    "bytes; a PAL frame is 144,000)",
}


def test_video_audio_unreadable_exactly_where_broken(
    results: dict[str, FileResult], catalog: list[dict[str, str]]
) -> None:
    """Video/audio rows are unreadable (SCN001 with a reason) exactly when listed as broken."""
    rows = [r["local_path"] for r in catalog if r["media_kind"] in ("video", "audio")]
    unreadable = {p for p in rows if _unreadable_with_reason(results[p])}
    assert unreadable == set(UNREADABLE_AV) & set(rows)


def test_isolated_corpus_scan_has_no_crash_or_timeout(
    corpus: Path, results: dict[str, FileResult]
) -> None:
    """The whole corpus in workers: one result per file, no crash or time-out, files unchanged."""
    from provscan.limits import Limits

    before = _snapshot(corpus)
    isolated = scan(corpus, Settings(), Limits())
    failed = {
        r.path: f.evidence.message
        for r in isolated.files
        for f in r.findings
        if f.rule.code in ("SCN007", "SCN008")
    }
    assert failed == {}
    assert sorted(r.path for r in isolated.files) == sorted(results)
    assert _snapshot(corpus) == before


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every file under ``root``."""
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }
