"""The default command on a folder as users keep it: OS junk, renamed and half-written files,
a long frame sequence, tiny and odd-shaped pictures, links, a pipe and hostile names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO

CORPUS = REPO.parent / "shared" / "corpus"
FRAMES = 1500
NEWLINE_NAME = "new\nline.jpg"


def _half(source: Path, target: Path, fraction: float) -> None:
    """The first ``fraction`` of ``source``: a file still being copied or downloaded."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])


def _pictures(stills: Path) -> None:
    """Tiny, one-pixel-high, very tall, palette, 16-bit and alpha pictures by Pillow."""
    Image.new("RGB", (1, 1)).save(stills / "tiny.png")
    Image.new("L", (1, 20000)).save(stills / "tall.png")
    Image.new("RGB", (9000, 1)).save(stills / "wide.jpg")
    Image.new("RGBA", (3, 3)).save(stills / "alpha.webp")
    Image.new("P", (5, 5)).save(stills / "palette.gif")
    Image.new("I;16", (4, 4)).save(stills / "deep.tif")


def _junk(root: Path) -> None:
    """What macOS, Windows and archive tools leave behind."""
    for name in (".DS_Store", "Thumbs.db", "desktop.ini"):
        (root / name).write_bytes(b"\0\0\0\1Bud1")
    (root / "stills" / "._camera.jpg").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    for folder in (".Spotlight-V100", "__MACOSX"):
        (root / folder).mkdir()
        (root / folder / "camera.jpg").write_bytes(jpeg_bytes())


def _camera_card(root: Path) -> None:
    """What cameras write beside their clips: GoPro's thumbnail and low-resolution proxy,
    an AVCHD card's index and playlist, and an editor's peak file for the clip's audio."""
    card = root / "cards" / "A001"
    (card / "BDMV" / "PLAYLIST").mkdir(parents=True)
    (card / "GX010001.THM").write_bytes(jpeg_bytes())
    shutil.copy(FIXTURES / "files" / "trace" / "A001_street.mp4", card / "GL010001.LRV")
    (card / "BDMV" / "INDEX.BDM").write_bytes(b"INDX0200" + bytes(112))
    (card / "BDMV" / "PLAYLIST" / "00000.MPL").write_bytes(b"MPLS0200" + bytes(56))
    (card / "GX010001.pkf").write_bytes(b"\x01\x02peaks" + bytes(64))


def _sequence(root: Path) -> None:
    """A long EXR shot: hard links of one committed frame under a numbered pattern."""
    frame = FIXTURES / "files" / "studio" / "vfx" / "sh010" / "sh010_comp.1001.exr"
    shot = root / "vfx" / "sh030"
    shot.mkdir(parents=True)
    for number in range(1001, 1001 + FRAMES):
        os.link(frame, shot / f"sh030_comp.{number}.exr")


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder: junk, pictures, a renamed, an empty and half-written files (one of them an
    AI still whose head survives), a long sequence, links in and out, a pipe, odd names."""
    root = tmp_path_factory.mktemp("messy") / "delivery"
    stills = root / "stills"
    stills.mkdir(parents=True)
    (stills / "camera.jpg").write_bytes(jpeg_bytes())
    (stills / "renamed.png").write_bytes(jpeg_bytes())
    (stills / "empty.jpg").touch()
    _half(FIXTURES / "files" / "generators" / "a1111_usercomment.jpg", stills / "ai_half.jpg", 0.66)
    _half(FIXTURES / "files" / "trace" / "final_cut.mp4", root / "final_half.mp4", 0.5)
    _pictures(stills)
    _junk(root)
    _camera_card(root)
    _sequence(root)
    (root / "out_link.jpg").symlink_to("/etc/passwd")
    os.mkfifo(root / "pipe.jpg")
    (root / "Ünïcödé").mkdir()
    (root / "Ünïcödé" / NEWLINE_NAME).write_bytes(jpeg_bytes())
    (root / ("x" * 240 + ".jpg")).write_bytes(jpeg_bytes())
    with zipfile.ZipFile(root / "stills.zip", "w") as archive:
        archive.writestr("still.jpg", jpeg_bytes())
    return root


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """provscan as the README runs it, in a child process (no test harness in between)."""
    return subprocess.run([sys.executable, "-m", "provscan.cli", *args], capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def report(messy: Path) -> dict[str, Any]:
    """The default scan's JSON report of the folder."""
    before = _snapshot(messy)
    run = _cli("scan", str(messy), "-f", "json")
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    data["_before"] = before
    return data


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every entry's size and modification time, links and the pipe not followed."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in root.rglob("*")}  # fmt: skip


def test_every_item_is_judged_and_junk_is_skipped(report: dict[str, Any]) -> None:
    """Junk is listed as skipped, never scanned; everything else is one item with a verdict."""
    paths = {f["path"]: f for f in report["files"]}
    assert not [p for p in paths if "DS_Store" in p or "MACOSX" in p or "._" in p]
    skipped = {s["path"] for s in report["skipped"]}
    assert {".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX/", "stills/._camera.jpg"} <= skipped
    assert paths["Ünïcödé/" + NEWLINE_NAME]["verdict"] == "no-ai-markers"
    assert all(f["verdict"] != "unreadable" for p, f in paths.items() if p.startswith("stills/")
               and p.rsplit("/", 1)[1] in {"tiny.png", "tall.png", "wide.jpg", "alpha.webp",
                                           "palette.gif", "deep.tif", "camera.jpg"})  # fmt: skip


def test_broken_and_unopenable_files_fail_closed(report: dict[str, Any]) -> None:
    """Empty, half-written and pipe files are unreadable findings that fail the gate; an
    archive is named and fails (its files are unchecked); a link out of the root is not
    followed; a renamed file fails as a mismatch."""
    paths = {f["path"]: f for f in report["files"]}
    for path in ("stills/empty.jpg", "final_half.mp4", "pipe.jpg"):
        assert paths[path]["verdict"] == "unreadable" and paths[path]["gate"] == "fail", path
    assert "SCN003" in {x["rule"] for x in paths["stills/renamed.png"]["findings"]}
    (unread,) = [x for x in paths["stills.zip"]["findings"] if x["rule"] == "SCN004"]
    assert "ZIP archive" in unread["message"] and paths["stills.zip"]["gate"] == "fail"
    link = {x["rule"]: x for x in paths["out_link.jpg"]["findings"]}
    assert "not followed" in link["SCN006"]["message"]
    assert report["gate"] == "fail"


def test_a_half_written_ai_still_is_still_ai(report: dict[str, Any]) -> None:
    """The generation record in an AI still's surviving head is read: AI-generated and damaged."""
    still = next(f for f in report["files"] if f["path"] == "stills/ai_half.jpg")
    rules = {x["rule"] for x in still["findings"]}
    assert still["verdict"] == "ai-generated" and {"GEN001", "SCN001"} <= rules


def test_a_long_sequence_is_one_item(report: dict[str, Any]) -> None:
    """1,500 hard-linked EXR frames are one sequence with its range, not 1,500 items."""
    (item,) = [f for f in report["files"] if f["path"].startswith("vfx/")]
    sequence = item["sequence"]
    assert item["path"] == "vfx/sh030/sh030_comp.####.exr"
    assert (sequence["first"], sequence["last"], sequence["count"]) == (1001, 1000 + FRAMES, FRAMES)
    assert sequence["gaps"] == []


def test_text_report_keeps_one_line_per_item(messy: Path) -> None:
    """A newline in a file name is shown escaped: each item stays on one line of the text."""
    run = _cli("scan", str(messy))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("Ünïcödé/new\\nline.jpg ") for line in lines)
    assert not any(line.startswith("line.jpg") for line in lines)


def test_nothing_in_the_folder_changes(messy: Path, report: dict[str, Any]) -> None:
    """The scan writes nothing: every entry keeps its size and time, and none is added."""
    assert _snapshot(messy) == report["_before"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent")
def test_half_written_corpus_files(tmp_path: Path) -> None:
    """Real AI files cut at 90% (a copy in progress): their intact heads still say AI."""
    names = [
        "c2pa-rs/sdk/tests/fixtures/firefly.png",
        "c2pa-ts/tests/fixtures/amazon-titan-g1.png",
        "sd-parsers/tests/resources/parsers/ComfyUI/night_evening_day_morning_cropped.png",
    ]
    names = [n for n in names if (CORPUS / n).is_file()]
    if not names:
        pytest.skip("the corpus holds none of these files")
    for name in names:
        _half(CORPUS / name, tmp_path / Path(name).name, 0.9)
    shutil.copy(FIXTURES / "files" / "generators" / "camera.jpg", tmp_path / "camera.jpg")
    run = _cli("scan", str(tmp_path), "--no-trace", "-f", "json")
    files = {f["path"]: f for f in json.loads(run.stdout)["files"]}
    assert run.returncode == 1
    assert all(files[Path(n).name]["verdict"] == "ai-generated" for n in names)
    assert files["camera.jpg"]["verdict"] != "ai-generated"


def test_camera_card_companions_pass_and_caches_are_skipped(report: dict[str, Any]) -> None:
    """A camera's thumbnail and proxy are read under their own extensions (no mismatch), an
    AVCHD index and playlist are known (no unsupported format), an editor's peak cache is
    left out by the default list."""
    paths = {f["path"]: f for f in report["files"]}
    card = "cards/A001/"
    for name in ("GX010001.THM", "GL010001.LRV", "BDMV/INDEX.BDM", "BDMV/PLAYLIST/00000.MPL"):
        rules = {x["rule"] for x in paths[card + name]["findings"]}
        assert paths[card + name]["gate"] == "pass" and not rules & {"SCN003", "SCN004"}, name
    assert paths[card + "GL010001.LRV"]["format"] == "mp4"
    assert card + "GX010001.pkf" in {s["path"] for s in report["skipped"]}
