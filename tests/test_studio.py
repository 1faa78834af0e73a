"""Studio deliveries: frame headers (EXR, DPX, Cineon), frame sequences as one item, detached
C2PA manifests, camera originals, captions and documents (issue 22)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from provscan import cli
from provscan.asset import Asset
from provscan.extract.camera import camera_file
from provscan.extract.dpx import frame_header
from provscan.extract.exr import exr_header
from provscan.sniff import sniff
from typer.testing import CliRunner

from fixtures import studio_media
from tests.conftest import FIXTURES

runner = CliRunner()
STUDIO = FIXTURES / "files" / "studio"
TRUST = FIXTURES / "files" / "c2pa" / "trust" / "root_ca.pem"
APPROVED = 'status = "approved"\napproved_by = "Legal"\napproved_on = 2026-09-01\n' \
           'approval_ref = "L-22"\nscope = ["final"]\n'  # fmt: skip


def _scan(target: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(cli.app, ["scan", str(target), "-f", "json", "--no-trace", *args])
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _files(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in data["files"]}


def _codes(entry: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in entry["findings"]}


@pytest.fixture(scope="module")
def studio() -> dict[str, dict[str, Any]]:
    """The studio fixtures scanned the way the README runs a scan (test CA trusted)."""
    return _files(_scan(STUDIO, "--trust-anchors", str(TRUST)))


# ---------------------------------------------------------------- sniffing and headers


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"\x76\x2f\x31\x01\x02\x00\x00\x00", "exr"),
        (b"SDPX\x00\x00\x08\x00V2.0", "dpx"),
        (b"XPDS\x00\x08\x00\x00V2.0", "dpx"),
        (b"\x80\x2a\x5f\xd7\x00\x00\x08\x00", "cineon"),
        (b"\x00\x00\x04\x88RED2\x05\x10R2", "r3d"),
        (b"ARRI\x12\x34\x56\x78\x00\x00", "arriraw"),
        (b"1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n", "srt"),
        (b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n", "webvtt"),
        (b'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml"><body/></tt>', "ttml"),
        (b"Scenarist_SCC V1.0\n\n01:00:00:00\t9420", "scc"),
        (b"850STL25.01" + b" " * 40, "ebu-stl"),
        (bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 24, "ole2"),
        (b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml", "ooxml"),
    ],
)
def test_studio_formats_are_sniffed_from_their_bytes(head: bytes, fmt: str) -> None:
    """Frame formats, camera originals, captions and Office files are recognised by bytes."""
    assert sniff(head, "unnamed").format == fmt


def test_exr_header_reads_every_attribute_of_every_part(corpus: Path) -> None:
    """The EXR reader gives standard and custom attributes, and every part of a multi-part."""
    grid = exr_header(Asset(corpus / "OpenImageIO/testsuite/common/grid-small.exr", "g"))
    assert grid.first.get("Software").startswith("OpenImageIO 2.6.0.0spi")
    assert grid.first.get("capDate") == "2023:10:11 11:45:14"
    assert grid.size == (256, 256)
    crypto = exr_header(Asset(corpus / "OpenImageIO/testsuite/cryptomatte/src/cryptoasset.exr",
                              "c"))  # fmt: skip
    assert crypto.first.get("cryptomatte/d593dd7/hash") == "MurmurHash3_32"
    multi = exr_header(Asset(corpus / "openexr/src/test/bin/test_images/multipart.0001.exr", "m"))
    assert multi.multipart and len(multi.parts) == 10
    assert multi.parts[1].get("name") == "depth_left"
    fog = exr_header(Asset(corpus / "openexr/OpenEXR-images/MultiView/Fog.exr", "f"))
    assert fog.first.get("comments") == "Fog in the Presidio of San Francisco"
    assert fog.first.get("multiView") == "left\nright"


def test_broken_and_cut_exr_headers_are_problems_not_crashes(corpus: Path) -> None:
    """A header running past its data and chunks past the end of the file are said."""
    early = exr_header(Asset(corpus / "openexr/src/test/OpenEXRTest/comp_early_eof_piz.exr", "e"))
    assert early.problem
    unfinished = Asset(corpus / "openexr/src/wrappers/python/tests/unfinished_multipart.exr", "u")
    assert "past the end of the file" in exr_header(unfinished).truncated


def test_dpx_header_fields_as_smpte_268_places_them(corpus: Path) -> None:
    """DPX file, orientation, film and television headers read at their fixed offsets."""
    dpx = frame_header(Asset(corpus / "exiftool-exiftool/t/images/DPX.dpx", "d"))
    assert (dpx.get("creator"), dpx.get("project"), dpx.get("copyright")) == (
        "Creator", "Project name", "Copyright info")  # fmt: skip
    assert dpx.get("input device") == "SPIRIT-4K DATACINE"
    assert dpx.get("input serial") == "01018"
    assert dpx.timecode == "00:00:10:15"
    assert (dpx.width, dpx.height, dpx.endian) == (2048, 1556, ">")
    cineon = frame_header(Asset(corpus / "OpenImageIO/testsuite/cineon/src/bomb-46341.cin", "c"))
    assert cineon.get("image filename") == "/net/homedirs/lg/test.cin"
    assert (cineon.width, cineon.height) == (46341, 46341)


def test_r3d_header_directory_names_the_camera(corpus: Path) -> None:
    """RED R3D: camera model, serial, reel and start timecode from the header directory."""
    red = camera_file(Asset(corpus / "exiftool-exiftool/t/images/Red.r3d", "r"))
    assert red.system == "RED R3D" and red.deep
    assert red.get("model") == "S-WEAPON"
    assert red.get("start timecode") == "21:36:16:18"
    assert red.get("frame size") == "5120x2560"


@pytest.mark.parametrize("magic", [b"\x76\x2f\x31\x01\x02\x00\x00\x00", b"SDPX", b"XPDS",
                                   b"\x80\x2a\x5f\xd7", b"\x00\x00\x04\x88RED2"])  # fmt: skip
def test_hostile_frame_headers_are_findings_never_crashes(tmp_path: Path, magic: bytes) -> None:
    """Cut, zeroed, all-ones and self-referencing headers after a frame magic: a scan
    finishes, and a broken frame is unreadable rather than a detector failure."""
    bodies = {
        "cut": b"",
        "zeros": b"\x00" * 3000,
        "ones": b"\xff" * 3000,
        "attr": b"name\x00string\x00\xff\xff\xff\x7f" + b"A" * 100,
        "loop": b"a\x00string\x00\x04\x00\x00\x00abcd" * 5000,
    }
    for name, body in bodies.items():
        (tmp_path / f"{name}.frame").write_bytes(magic + body)
    data = _scan(tmp_path, "--fail-on", "none")
    assert len(data["files"]) == len(bodies)
    for entry in data["files"]:
        assert "SCN002" not in _codes(entry), entry


# ---------------------------------------------------------------- sequences in reports


def test_a_sequence_is_one_item_with_its_frames_addressable(studio: dict[str, Any]) -> None:
    """Frames of one shot are one item: pattern, range, gaps, differing frames, each frame."""
    generated = studio["vfx/sh020/sh020_gen.####.exr"]
    sequence = generated["sequence"]
    assert (sequence["first"], sequence["last"], sequence["count"]) == (1001, 1005, 4)
    assert sequence["gaps"] == [[1003, 1003]]
    assert [d["frame"] for d in sequence["differing"]] == [1005]
    assert sequence["frames"][0]["path"] == "vfx/sh020/sh020_gen.1001.exr"
    assert all(f["frame"] and f["findings"] for f in sequence["frames"])
    assert not any(p.startswith("vfx/sh020/sh020_gen.100") for p in studio)
    comp = studio["vfx/sh010/sh010_comp.####.exr"]
    assert comp["sequence"]["timecode"] == "01:00:00:00"
    assert comp["sequence"]["frame_rate"] == "24"
    assert studio["reel/A001C003_########.dpx"]["sequence"]["count"] == 4


def test_generative_tool_and_comfy_graph_in_exr_header_flag_the_sequence(
    studio: dict[str, Any],
) -> None:
    """software=ComfyUI flags like any writing-software field; the Flux graph in comments is
    recognised as a ComfyUI generation; the gate judges the sequence whole."""
    generated = studio["vfx/sh020/sh020_gen.####.exr"]
    assert generated["verdict"] == "ai-generated" and generated["gate"] == "fail"
    assert {"FRM001", "GEN002", "SEQ001", "SEQ002", "POL001"} <= _codes(generated)
    graph = next(f for f in generated["findings"] if f["rule"] == "GEN002")
    assert "lighthouse" in graph["message"]
    assert graph["details"]["frames"] == "1001-1002, 1004-1005"
    comp = studio["vfx/sh010/sh010_comp.####.exr"]
    assert comp["verdict"] == "no-ai-markers" and comp["gate"] == "pass"


def test_the_ai_use_log_approves_a_sequence_by_its_pattern(tmp_path: Path) -> None:
    """A log entry whose path is the sequence's pattern covers the whole sequence."""
    log = tmp_path / "ai-use.toml"
    log.write_text('version = 1\n[[entry]]\nid = "AI-22"\ntool = "ComfyUI"\n'
                   'path = "vfx/sh020/sh020_gen.####.exr"\n' + APPROVED)  # fmt: skip
    data = _files(_scan(STUDIO / "..", "--log", str(log)))
    generated = data["studio/vfx/sh020/sh020_gen.####.exr"]
    assert generated["approval"] is None  # the pattern is relative to the scan root
    data = _files(_scan(STUDIO, "--log", str(log)))
    generated = data["vfx/sh020/sh020_gen.####.exr"]
    assert generated["approval"] == "AI-22" and "POL001" not in _codes(generated)


def test_log_init_drafts_one_entry_per_sequence() -> None:
    """`log init` drafts a sequence once, by its pattern, not once per frame."""
    result = runner.invoke(cli.app, ["log", "init", str(STUDIO / "vfx")])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("[[entry]]") == 1
    assert 'path = "sh020/sh020_gen.####.exr"' in result.stdout


def test_every_report_format_shows_the_sequence_once(tmp_path: Path) -> None:
    """Text, CSV, JUnit, SARIF and HTML name the sequence by its pattern, one item each."""
    vfx = STUDIO / "vfx"
    out = {fmt: tmp_path / f"r.{fmt}" for fmt in ("text", "csv", "junit", "sarif", "html")}
    for fmt, path in out.items():
        runner.invoke(cli.app, ["scan", str(vfx), "--no-trace", "-f", fmt, "-o", str(path)])
    text = out["text"].read_text()
    assert "sh020/sh020_gen.####.exr" in text and "frame sequence: 4 frames 1001-1005" in text
    assert "sh020_gen.1002.exr" not in text.split("sh020_gen.####.exr", 1)[0]
    rows = list(csv.reader(io.StringIO(out["csv"].read_text())))
    assert {r[0] for r in rows[1:]} == {"sh010/sh010_comp.####.exr", "sh020/sh020_gen.####.exr"}
    cases = ET.fromstring(out["junit"].read_text()).iter("testcase")
    assert sorted(c.get("name", "") for c in cases) == ["sh010/sh010_comp.####.exr",
                                                        "sh020/sh020_gen.####.exr"]  # fmt: skip
    sarif = json.loads(out["sarif"].read_text())
    uris = {a["location"]["uri"] for a in sarif["runs"][0]["artifacts"]}
    assert uris == {"sh010/sh010_comp.%23%23%23%23.exr", "sh020/sh020_gen.%23%23%23%23.exr"}
    page = out["html"].read_text()
    assert page.count('class="sequence"') == 2 and page.count("data:image/") >= 2


def test_a_long_sequence_is_written_in_pieces_and_lists_every_frame(tmp_path: Path) -> None:
    """A 1,500-frame shot: the JSON report lists every frame, as its whole-report form does,
    in chunks far smaller than the sequence's line (a reel's line is never one string); the
    HTML card lists 400 frames and counts the rest; the text names the shot once."""
    import datetime as dt

    from provscan.limits import Limits
    from provscan.model import Settings
    from provscan.pipeline import check_delivery
    from provscan.policy import DEFAULT_POLICY
    from provscan.report.to_json import iter_chunks, to_dict

    shot = tmp_path / "sh030"
    shot.mkdir()
    frame = (STUDIO / "vfx" / "sh020" / "sh020_gen.1001.exr").read_bytes()
    for number in range(1, 1501):
        (shot / f"sh030_gen.{number:05d}.exr").write_bytes(frame)
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    for path in (out, page):
        result = runner.invoke(cli.app, ["scan", str(shot), "--no-trace", "-o", str(path)])
        assert result.exit_code == 1, result.output
    (entry,) = json.loads(out.read_text())["files"]
    frames = entry["sequence"]["frames"]
    assert entry["sequence"]["count"] == len(frames) == 1500 and frames[-1]["frame"] == 1500
    assert {f["verdict"] for f in frames} == {"ai-generated"}
    line = next(t for t in out.read_text().splitlines() if "sh030_gen.#####.exr" in t)
    report = check_delivery(
        shot,
        log=None,
        policy=DEFAULT_POLICY,
        settings=Settings(),
        limits=Limits(jobs=2),
        today=dt.date(2026, 12, 1),
        trace=False,
    )
    assert json.loads(out.read_text())["files"] == to_dict(report)["files"]
    assert max(len(chunk) for chunk in iter_chunks(report)) < len(line) / 2
    html = page.read_text()
    assert "Frames (1500)" in html and "and 1100 more frames" in html
    text = runner.invoke(cli.app, ["scan", str(shot), "--no-trace"]).stdout
    assert text.count("sh030_gen.#####.exr") == 1 and "1500 frames 1-1500" in text


def test_the_trace_finds_an_ai_still_in_a_dpx_reel_by_frame_and_timecode(tmp_path: Path) -> None:
    """An AI still cut into a DPX reel is found as in a video: frame numbers, time codes."""
    delivery = tmp_path / "delivery"
    reel = studio_media.traced_reel(delivery / "reel")
    result = runner.invoke(cli.app, ["scan", str(delivery), "-f", "json"])
    data = _files(json.loads(result.stdout))
    sequence = data["reel/B002C001_########.dpx"]
    hit = next(f for f in sequence["findings"] if f["rule"] == "TRC001")
    assert hit["details"]["reference"] == "still.png"
    (found,) = hit["details"]["ranges"]
    assert abs(found["start_frame"] - 86412) <= 1 and abs(found["end_frame"] - 86423) <= 1
    assert found["start_tc"].startswith("00:00:00:1")
    assert "frames 864" in hit["message"] and sequence["gate"] == "fail"
    assert reel.is_dir()


# ---------------------------------------------------------------- detached manifests


def test_detached_manifests_are_validated_against_their_media(studio: dict[str, Any]) -> None:
    """plate.exr.c2pa validates with plate.exr; matte.c2pa does not match matte.exr; an
    orphan and a manifest naming another asset are findings; the .c2pa files say whose."""
    plate = studio["c2pa/plate.exr"]
    assert {"C2P001", "C2P012"} <= _codes(plate) and "C2P005" not in _codes(plate)
    present = next(f for f in plate["findings"] if f["rule"] == "C2P012")
    assert present["details"]["detached_manifest"] == "plate.exr.c2pa"
    assert "C2P005" in _codes(studio["c2pa/matte.exr"])
    assert "C2P019" in _codes(studio["c2pa/orphan.exr.c2pa"])
    assert "C2P020" in _codes(studio["c2pa/other.exr"])
    assert _codes(studio["c2pa/plate.exr.c2pa"]) == {"C2P021"}
    assert studio["c2pa/plate.exr.c2pa"]["gate"] == "pass"


def test_a_detached_manifest_follows_its_frame_into_the_sequence(tmp_path: Path) -> None:
    """A frame's detached manifest is that frame's result, merged into its sequence."""
    shot = tmp_path / "shot"
    shutil.copytree(STUDIO / "vfx" / "sh010", shot)
    shutil.copy(STUDIO / "c2pa" / "plate.exr", shot / "sh010_comp.1005.exr")
    shutil.copy(STUDIO / "c2pa" / "plate.exr.c2pa", shot / "sh010_comp.1005.exr.c2pa")
    data = _files(_scan(tmp_path, "--trust-anchors", str(TRUST)))
    sequence = data["shot/sh010_comp.####.exr"]
    c2pa = next(f for f in sequence["findings"] if f["rule"] == "C2P001")
    assert c2pa["details"]["frames"] == "1005"
    frame = next(f for f in sequence["sequence"]["frames"] if f["frame"] == 1005)
    assert "C2P012" in _codes(frame)


# ---------------------------------------------------------------- the corpus, as a user runs it


def test_corpus_frame_sequences_and_frames_are_read(corpus: Path) -> None:
    """kombi's 6-frame EXR sequence is one item; no corpus EXR, DPX or Cineon is SCN004."""
    kombi = _files(_scan(corpus / "kombi"))
    assert kombi["data/tests/testSeq.####.exr"]["sequence"]["count"] == 6
    for folder in ("openexr", "OpenImageIO", "kombi"):
        for entry in _scan(corpus / folder)["files"]:
            assert "SCN004" not in _codes(entry), entry["path"]
            assert "POL007" not in _codes(entry), entry["path"]


def test_corpus_captions_documents_and_camera_originals_are_recognised(corpus: Path) -> None:
    """ttconv captions, exiftool's PDFs and R3D: recognised, no SCN004 and no POL007."""
    captions = _scan(corpus / "ttconv")["files"]
    assert {f["format"] for f in captions} >= {"srt", "webvtt", "ttml", "scc", "ebu-stl"}
    assert all(not {"SCN004", "POL007"} & _codes(f) for f in captions)
    images = _files(_scan(corpus / "exiftool-exiftool" / "t" / "images"))
    red = images["Red.r3d"]
    assert red["format"] == "r3d" and "CAM001" in _codes(red) and "MED006" not in _codes(red)
    for name in ("PDF.pdf", "PDF2.pdf"):
        assert images[name]["gate"] == "pass" and "POL007" not in _codes(images[name])


def test_corpus_camera_raws_and_containers_are_not_called_misnamed(corpus: Path) -> None:
    """Real camera raws and vendors' containers are read as what their bytes are, never
    SCN003 "misnamed" or SCN004 "not recognised": a Phase One IIQ (TIFF) passes with its
    camera named; a Panasonic RW2 (TIFF under magic 'IIU') has its EXIF read; a Fujifilm RAF
    has its EXIF read from its JPEG preview, and Canon CRW and Sigma X3F are recognised camera
    originals (CAM002, as ARRIRAW); a Capture One EIP is a ZIP and an AAF a Structured Storage
    composition, each said so."""
    images = corpus / "exiftool-exiftool" / "t" / "images"
    iiq = _files(_scan(images / "PhaseOne.iiq"))["PhaseOne.iiq"]
    assert (iiq["format"], iiq["gate"]) == ("tiff", "pass")
    assert "EXF003" in _codes(iiq) and "SCN003" not in _codes(iiq)
    rw2 = _files(_scan(images / "Panasonic.rw2"))["Panasonic.rw2"]
    assert rw2["format"] == "tiff" and not {"SCN003", "SCN004"} & _codes(rw2)
    camera = [f for f in rw2["findings"] if f["rule"] == "EXF003"]
    assert camera and "Panasonic DMC-LX3" in camera[0]["message"]
    raf = _files(_scan(images / "FujiFilm.raf"))["FujiFilm.raf"]
    assert (raf["format"], raf["gate"]) == ("raf", "pass") and "CAM002" in _codes(raf)
    camera = [f for f in raf["findings"] if f["rule"] == "EXF003"]  # from its JPEG preview
    assert camera and "FUJIFILM FinePix S5Pro" in camera[0]["message"]
    for name, fmt in (("CanonRaw.crw", "crw"), ("Sigma.x3f", "x3f")):
        entry = _files(_scan(images / name))[name]
        assert (entry["format"], entry["gate"]) == (fmt, "pass"), name
        assert "CAM002" in _codes(entry) and not {"SCN003", "SCN004"} & _codes(entry)
    eip = _files(_scan(images / "CaptureOne.eip"))["CaptureOne.eip"]
    assert eip["format"] == "zip" and "SCN003" not in _codes(eip)
    aaf_file = corpus / "otio-aaf-adapter" / "tests" / "sample_data" / "simple.aaf"
    aaf = _files(_scan(aaf_file))["simple.aaf"]
    assert aaf["format"] == "aaf" and "SCN003" not in _codes(aaf)
    unread = [f for f in aaf["findings"] if f["rule"] == "SCN004"]
    assert unread and "AAF composition" in unread[0]["message"]


def test_a_raf_cut_short_is_unreadable_not_passed(corpus: Path, tmp_path: Path) -> None:
    """A Fujifilm RAF whose header or sections run past the end of the file (half-written,
    cut) is SCN001 and fails the gate; the whole corpus file is not."""
    whole = (corpus / "exiftool-exiftool" / "t" / "images" / "FujiFilm.raf").read_bytes()
    (tmp_path / "header.raf").write_bytes(whole[:60])
    (tmp_path / "cut.raf").write_bytes(whole[: len(whole) // 2])
    files = _files(_scan(tmp_path))
    for name in ("header.raf", "cut.raf"):
        assert files[name]["verdict"] == "unreadable", name
        assert "SCN001" in _codes(files[name]) and files[name]["gate"] == "fail"


def _dv_stream(path: Path, frames: int = 3) -> None:
    """A PAL DV stream written by FFmpeg's DV encoder and muxer (through PyAV)."""
    import av
    import numpy as np

    with av.open(str(path), "w", format="dv") as out:
        stream = out.add_stream("dvvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = 720, 576, "yuv420p"
        for i in range(frames):
            picture = np.full((576, 720, 3), 40 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_dv_streams_are_video_and_a_cut_one_is_unreadable(corpus: Path, tmp_path: Path) -> None:
    """A DV stream (MiniDV/DVCAM capture) is recognised video, read by FFmpeg, and passes
    the default scan; one cut inside a DIF sequence (a capture not fully written, such as
    ExifTool's 4,400-byte sample) is SCN001, not SCN004 "not recognised"."""
    folder = tmp_path / "tapes"
    folder.mkdir()
    _dv_stream(folder / "tape01.dv")
    (folder / "tape02.dv").write_bytes((folder / "tape01.dv").read_bytes()[:200_000])
    result = runner.invoke(cli.app, ["scan", str(folder), "-f", "json"])
    files = _files(json.loads(result.stdout))
    assert (files["tape01.dv"]["format"], files["tape01.dv"]["gate"]) == ("dv", "pass")
    assert files["tape02.dv"]["verdict"] == "unreadable" and "SCN001" in _codes(files["tape02.dv"])
    sample = _files(_scan(corpus / "exiftool-exiftool" / "t" / "images" / "DV.dv"))["DV.dv"]
    assert sample["format"] == "dv" and "SCN004" not in _codes(sample)
    assert "SCN001" in _codes(sample)
