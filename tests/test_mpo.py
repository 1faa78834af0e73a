"""MPO (CIPA DC-007 Multi-Picture Format): recognised by its APP2 MPF segment, read as a JPEG
through its first picture, its MP Index listed by inspect."""

from __future__ import annotations

import json
import random
from pathlib import Path

from provscan import cli
from provscan.asset import Asset
from provscan.engine import scan
from provscan.extract.mpf import mp_index, parse_index
from provscan.sniff import extension_matches, mpf_segment
from typer.testing import CliRunner

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES

runner = CliRunner()
MPO_DIR = FIXTURES / "files" / "mpo"
PILLOW = "Pillow/Tests/images"


def test_mpf_segment_makes_an_mpo_whatever_its_name() -> None:
    """The MPF APP2 segment, not the name, decides: .mpo and .jpg names are both fine."""
    for name in ("stereo_camera.mpo", "stereo_named.jpg"):
        asset = Asset(MPO_DIR / name, name)
        assert (asset.format, asset.mime) == ("mpo", "image/jpeg")
        assert extension_matches("mpo", name)


def test_plain_jpeg_is_not_an_mpo(tmp_path: Path) -> None:
    """A JPEG without MPF stays a JPEG; named .mpo it is misnamed (SCN003)."""
    (tmp_path / "x.mpo").write_bytes(jpeg_bytes())
    (result,) = scan(tmp_path).files
    assert result.format == "jpeg"
    assert [f.rule.code for f in result.findings] == ["SCN003"]


def test_mp_index_lists_the_pictures_where_they_are() -> None:
    """The stereo fixture's index: two disparity pictures, the first representative and at
    offset 0, the second starting with a JPEG SOI right after the first one's end."""
    path = MPO_DIR / "stereo_camera.mpo"
    data = path.read_bytes()
    index = mp_index(Asset(path, path.name))
    assert index is not None and (index.version, index.declared, index.error) == ("0100", 2, "")
    first, second = index.pictures
    assert (first.type, first.offset, first.representative) == (
        "multi-frame disparity (stereo)", 0, True)  # fmt: skip
    assert second.type == "multi-frame disparity (stereo)" and not second.representative
    assert second.offset == first.size and data[second.offset : second.offset + 2] == b"\xff\xd8"
    assert second.offset + second.size == len(data)
    assert not first.problem and not second.problem


def test_inspect_reports_the_pictures() -> None:
    """inspect (text and JSON) has a Multi-picture section listing each picture."""
    path = str(MPO_DIR / "stereo_camera.mpo")
    text = runner.invoke(cli.app, ["inspect", path]).output
    assert "Multi-picture (MPO)" in text
    assert "pictures: 2 (the first is the one scanned)" in text
    assert "picture 2: multi-frame disparity (stereo)" in text
    data = json.loads(runner.invoke(cli.app, ["inspect", path, "-f", "json"]).stdout)
    (section,) = [s for s in data["sections"] if s["title"] == "Multi-picture (MPO)"]
    assert sum(line["label"].startswith("picture ") for line in section["lines"]) == 2


def test_detectors_read_the_first_picture() -> None:
    """XMP in the first picture of an MPO decides its verdict, as in a JPEG; the gate does not
    fail an MPO for its name."""
    result = runner.invoke(cli.app, ["scan", str(MPO_DIR), "--no-trace", "-f", "json"])
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    assert files["ai_generated.mpo"]["verdict"] == "ai-generated"
    assert files["ai_generated.mpo"]["decided_by"] == ["XMP001"]
    for name in ("stereo_camera.mpo", "stereo_named.jpg"):
        assert (files[name]["format"], files[name]["gate"]) == ("mpo", "pass")


def test_corpus_mpo_files_pass_as_mpo(corpus: Path) -> None:
    """The corpus's Nintendo 3DS and iPhone MPOs scan as MPO through the CLI, none misnamed;
    the Nikon Z 9 JPEG is a multi-picture file with its two large previews."""
    result = runner.invoke(cli.app, ["scan", str(corpus / PILLOW), "--no-trace", "-f", "json"])
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    for name in ("frozenpond.mpo", "frame_size.mpo", "sugarshack_ifd_offset.mpo",
                 "sugarshack_no_data.mpo", "sugarshack_bad_mpo_header.jpg"):  # fmt: skip
        assert files[name]["format"] == "mpo", name
        assert "SCN003" not in {f["rule"] for f in files[name]["findings"]}, name
    nikon = corpus / "public-testfiles/image/jpeg/nikon-20221019-building.jpeg"
    text = runner.invoke(cli.app, ["inspect", str(nikon)]).output
    assert "picture 2: large thumbnail (VGA)" in text
    assert "picture 3: large thumbnail (full HD)" in text


def test_broken_indexes_are_described_not_fatal(corpus: Path) -> None:
    """Pillow's broken MPO cases: a picture past the end of the file, one not where the index
    says, a header that is not TIFF: each said in words, the first picture still read."""
    cases = {
        "sugarshack_no_data.mpo": "runs past the end of the file",
        "sugarshack_ifd_offset.mpo": "no JPEG start-of-image marker",
    }
    for name, problem in cases.items():
        index = mp_index(Asset(corpus / PILLOW / name, name))
        assert index is not None and problem in index.pictures[1].problem
    bad = mp_index(Asset(corpus / PILLOW / "sugarshack_bad_mpo_header.jpg", "x.jpg"))
    assert bad is not None and "no TIFF header" in bad.error


def test_hostile_mpf_payloads_never_raise() -> None:
    """Truncated and bit-flipped MP Index payloads give an index or an error, never raise."""
    data = (MPO_DIR / "stereo_camera.mpo").read_bytes()
    found = mpf_segment(lambda at, size: data[at : at + size])
    assert found is not None
    start, payload = found
    rng = random.Random(19)
    for n in range(400):
        mutated = bytearray(payload[: rng.randrange(len(payload) + 1)] if n % 2 else payload)
        for _ in range(rng.randrange(1, 6)):
            if mutated:
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        index = parse_index(bytes(mutated), start, len(data), lambda at, s: data[at : at + s])
        # a picture said to be fine lies inside the file
        assert all(p.problem or p.offset + p.size <= len(data) for p in index.pictures)
