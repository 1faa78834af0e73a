"""Vendors' AI records outside any standard: Samsung's SEF trailer (Galaxy AI), Grok
Imagine's EXIF pair, Hugging Face job ids, and GB 45438 labels in any text field."""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from provscan import cli
from provscan.asset import Asset
from provscan.extract.samsung_sef import sef_trailer
from typer.testing import CliRunner

from fixtures.generator_zoo import sef_trailer as write_trailer
from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES

ZOO = FIXTURES / "files" / "zoo"
VENDOR_FILES = {
    "galaxy_ai_generative_edit.jpg": ("ai-edited", "GEN014"),
    "galaxy_ai_genaitype_only.jpg": ("ai-edited", "GEN014"),
    "grok_imagine.jpg": ("ai-generated", "GEN015"),
    "apple_clean_up.jpg": ("ai-edited", "XMP013"),
    "hf_job.png": ("ai-suspected", "GEN016"),
    "aigc_png_text.png": ("ai-generated", "AIG001"),
    "aigc_exif_usercomment.jpg": ("ai-generated", "AIG001"),
    "aigc_service_description.jpg": ("ai-generated", "AIG001"),
    "galaxy_plain_edit.jpg": ("no-ai-markers", ""),
    "camera_signature_caption.jpg": ("no-ai-markers", ""),
    "camera_json_label_caption.jpg": ("no-ai-markers", ""),
}


def test_vendor_records_through_the_cli(tmp_path: Path) -> None:
    """provscan scan, as the README runs it, gives each vendor layout its verdict and rule,
    and leaves the controls (plain Galaxy edit, signature caption, JSON caption) clean."""
    for name in VENDOR_FILES:
        shutil.copy(ZOO / name, tmp_path / name)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli.app, ["scan", str(tmp_path), "--no-trace", "-o", str(out)])
    assert result.exit_code == 1, result.output
    files = {
        f["path"]: f for f in json.loads(out.read_text())["files"] if f["path"] in VENDOR_FILES
    }
    for name, (verdict, rule) in VENDOR_FILES.items():
        assert files[name]["verdict"] == verdict, name
        assert not rule or rule in {x["rule"] for x in files[name]["findings"]}, name


def _asset(tmp_path: Path, trailer: bytes) -> Asset:
    path = tmp_path / "galaxy.jpg"
    path.write_bytes(jpeg_bytes() + trailer)
    return Asset(path, path.name)


def test_trailer_blocks_are_read_by_name(tmp_path: Path) -> None:
    """A well-formed trailer gives every block's name and small data, in directory order."""
    blocks = [(0x0A01, "Image_UTC_Data", b"1718000000000"), (0x0D91, "PEg_Info", b"{}")]
    trailer = sef_trailer(_asset(tmp_path, write_trailer(blocks)))
    assert [(b.type, b.name, b.data) for b in trailer.blocks] == [
        (0x0A01, "Image_UTC_Data", b"1718000000000"), (0x0D91, "PEg_Info", b"{}")]  # fmt: skip


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-3],  # cut inside the final SEFT
        lambda t: t[:-8] + struct.pack("<I", 0xFFFFFFF0) + b"SEFT",  # length past the file
        lambda t: t.replace(b"SEFH", b"XXXX"),  # directory magic gone
        lambda t: t.replace(struct.pack("<II", 106, 1), struct.pack("<II", 106, 10**6)),  # count
        lambda t: t.replace(b"\x0e\x00\x00\x00Image", b"\xff\xff\x00\x00Image"),  # name length
    ],
)
def test_damaged_trailers_give_no_blocks_and_no_crash(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    """A cut, oversized, renamed or over-counted trailer, or a block whose name length lies,
    is read as no blocks."""
    good = write_trailer([(0x0A01, "Image_UTC_Data", b"1718000000000")])
    broken = damage(good)
    assert broken != good and sef_trailer(_asset(tmp_path, good)).blocks
    assert sef_trailer(_asset(tmp_path, broken)).blocks == ()
