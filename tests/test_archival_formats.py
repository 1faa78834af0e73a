"""Archival, broadcast and VFX formats provscan knows by their bytes: MPEG program and
elementary streams (DVD, archive footage), AC-3 and Core Audio files, JPEG 2000 (JP2 and
bare codestreams), Radiance HDR, PostScript/EPS. Each is written by its real writer (FFmpeg
through PyAV, Pillow, OpenCV), recognised and passed by the default scan; each cut or
corrupt one is unreadable (the gate fails closed), never "not recognised" (SCN004)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image
from provscan import cli
from provscan.sniff import sniff
from typer.testing import CliRunner

runner = CliRunner()


def _video(path: Path, container: str) -> None:
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream("mpeg2video", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(10):
            picture = np.full((240, 320, 3), 20 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _audio(path: Path, container: str, codec: str) -> None:
    with av.open(str(path), "w", format=container) as out:
        stream = out.add_stream(codec, rate=48000)
        stream.layout = "stereo"
        planar = stream.codec_context.format.is_planar
        tone = (np.sin(np.arange(1536) * 2 * np.pi * 440 / 48000) * 0.3).astype(np.float32)
        for _ in range(20):
            both = np.stack([tone, tone])
            data = both if planar else both.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(data, format="fltp" if planar else "flt",
                                               layout="stereo")  # fmt: skip
            frame.sample_rate = 48000
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file of each format, from its real writer."""
    folder = tmp_path_factory.mktemp("archival")
    _video(folder / "archive.mpg", "mpeg")
    _video(folder / "VTS_01_1.VOB", "vob")
    _video(folder / "reel.m2v", "mpeg2video")
    _audio(folder / "mix.ac3", "ac3", "ac3")
    _audio(folder / "take.caf", "caf", "pcm_s16le")
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "master.jp2")
    Image.fromarray(noise).save(folder / "frame.j2k")
    Image.fromarray(noise).save(folder / "logo.eps")
    hdr = np.random.default_rng(2).random((32, 64, 3)).astype(np.float32)
    assert cv2.imwrite(str(folder / "sky.hdr"), hdr)
    return folder


def _scan(folder: Path) -> dict[str, dict[str, object]]:
    result = runner.invoke(cli.app, ["scan", str(folder), "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    return {f["path"]: f for f in json.loads(result.stdout)["files"]}


def _codes(entry: dict[str, object]) -> set[str]:
    findings = entry["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings}


FORMATS = {"archive.mpg": "mpegps", "VTS_01_1.VOB": "mpegps", "reel.m2v": "mpegvideo",
           "mix.ac3": "ac3", "take.caf": "caf", "master.jp2": "jp2", "frame.j2k": "j2k",
           "logo.eps": "postscript", "sky.hdr": "hdr"}  # fmt: skip


def test_real_writers_output_is_recognised_and_passes(made: Path) -> None:
    """provscan scan, as the README runs it, names each format and passes every file: no
    SCN004 "not recognised", no SCN003 "misnamed", nothing unreadable."""
    files = _scan(made)
    for name, fmt in FORMATS.items():
        entry = files[name]
        assert (entry["format"], entry["gate"]) == (fmt, "pass"), (name, entry)
        assert not {"SCN001", "SCN003", "SCN004", "MED006"} & _codes(entry), name


def test_cut_and_corrupt_ones_are_unreadable(made: Path, tmp_path: Path) -> None:
    """The same files with garbage after their signature, and the JP2 and codestream cut in
    half, fail the gate as unreadable (SCN001): never "not recognised", never a pass."""
    rng = np.random.default_rng(3)
    for name in ("archive.mpg", "reel.m2v", "mix.ac3", "take.caf", "master.jp2", "frame.j2k",
                 "sky.hdr"):  # fmt: skip
        data = (made / name).read_bytes()
        head = {".jp2": 12, ".ac3": 6, ".hdr": 11, ".caf": 6}.get(Path(name).suffix, 4)
        noise = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
        (tmp_path / f"garbage_{name}").write_bytes(data[:head] + noise)
        # (a stream cut anywhere still plays; a Radiance file's scanlines are not walked)
        if not name.endswith((".mpg", ".m2v", ".ac3", ".caf", ".hdr")):
            (tmp_path / f"cut_{name}").write_bytes(data[: len(data) // 2])
    for name, entry in _scan(tmp_path).items():
        assert entry["verdict"] == "unreadable", (name, entry)
        assert "SCN001" in _codes(entry) and "SCN004" not in _codes(entry), name


def test_ac3_needs_more_than_its_sync_word() -> None:
    """Two bytes 0B 77 alone do not make an AC-3 file: the header after them must be one."""
    assert sniff(b"\x0b\x77\x9b\xde\x14\x40" + bytes(32), "mix.ac3").format == "ac3"
    assert sniff(b"\x0b\x77\xff\xff\xff\xff" + bytes(32), "x.bin").format != "ac3"


def test_motion_jpeg2000_is_a_movie_and_jpx_needs_no_jp2c() -> None:
    """The JPEG 2000 signature box followed by the Motion JPEG 2000 brand is a movie (checked
    as ISO BMFF, moov and all); a JPX (Part 2) is not required to have a 'jp2c' box."""
    import io

    from provscan.extract.av_structure.checks import CHECKS

    signature = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
    mj2 = signature + b"\x00\x00\x00\x14ftypmjp2\x00\x00\x00\x00mjp2"
    assert (sniff(mj2, "scan.mj2").format, sniff(mj2, "scan.mj2").kind.value) == ("mj2", "video")
    jpx = signature + b"\x00\x00\x00\x14ftypjpx \x00\x00\x00\x00jpx "
    assert CHECKS["jp2"](io.BytesIO(jpx), len(jpx)) is None
    jp2 = jpx.replace(b"jpx ", b"jp2 ")
    assert "jp2c" in (CHECKS["jp2"](io.BytesIO(jp2), len(jp2)) or "")


_AI_XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
    b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
_XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")  # XMP spec part 3, JP2 and BMFF


def test_ai_declared_in_the_xmp_of_jp2_and_eps_is_flagged(made: Path, tmp_path: Path) -> None:
    """An XMP digital source type in a JP2's XMP uuid box (JPEG 2000 Part 1 I.7.2) or in an
    EPS's XML block is read: the file is AI-generated, not an unknown format with no AI
    markers (before these formats were known, both were)."""
    import struct

    jp2 = (made / "master.jp2").read_bytes()
    after_ftyp = 12 + struct.unpack(">I", jp2[12:16])[0]
    box = struct.pack(">I", 24 + len(_AI_XMP)) + b"uuid" + _XMP_UUID + _AI_XMP
    (tmp_path / "still.jp2").write_bytes(jp2[:after_ftyp] + box + jp2[after_ftyp:])
    eps = (made / "logo.eps").read_bytes().split(b"\n")
    xml = [b"%begin_xml_code", _AI_XMP, b"%end_xml_code"]
    (tmp_path / "logo.eps").write_bytes(b"\n".join(eps[:3] + xml + eps[3:]))
    for name, entry in _scan(tmp_path).items():
        assert entry["verdict"] == "ai-generated", (name, entry)
        assert "XMP001" in _codes(entry) and "SCN004" not in _codes(entry), name
