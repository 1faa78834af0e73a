"""Video/audio tag readers: RIFF INFO, bext, iXML, AIFF text chunks, mutagen and FFmpeg tags."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from provscan.asset import Asset
from provscan.extract.media_tags import Tag, media_tags
from provscan.extract.riff_meta import coding_history_tools


def _chunk(tag: bytes, data: bytes) -> bytes:
    return tag + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def _wav(*chunks: bytes) -> bytes:
    fmt = _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 48000, 96000, 2, 16))
    body = b"WAVE" + fmt + b"".join(chunks) + _chunk(b"data", b"\x00\x00" * 8)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _bext(originator: str, history: str) -> bytes:
    fixed = bytearray(602)
    fixed[0:11] = b"Interview 3"
    fixed[256 : 256 + len(originator)] = originator.encode()
    fixed[320:330] = b"2025-03-01"
    return bytes(fixed) + history.encode()


def _tags(tmp_path: Path, name: str, data: bytes) -> list[Tag]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(media_tags(Asset(path, name)).tags)


def _pairs(tags: list[Tag], source: str) -> dict[str, str]:
    return {t.key: t.value for t in tags if t.source == source}


def test_riff_info_bext_and_ixml_are_read(tmp_path: Path) -> None:
    """A Broadcast WAV gives its INFO fields, bext fixed fields, coding history and iXML."""
    info = _chunk(
        b"LIST", b"INFO" + _chunk(b"ISFT", b"Stable Audio 2.0\x00") + _chunk(b"ICMT", b"x\x00")
    )
    bext = _chunk(b"bext", _bext("Sound Devices 788T", "A=PCM,F=48000,W=24,M=mono,T=788T\r\n"))
    ixml = _chunk(b"iXML", b"<BWFXML><PROJECT>Doc</PROJECT><SPEED><NOTE>n</NOTE></SPEED></BWFXML>")
    tags = _tags(tmp_path, "a.wav", _wav(info, bext, ixml))
    assert _pairs(tags, "RIFF INFO") == {"ISFT": "Stable Audio 2.0", "ICMT": "x"}
    bext_fields = _pairs(tags, "bext")
    assert bext_fields["Originator"] == "Sound Devices 788T"
    assert bext_fields["Description"] == "Interview 3"
    assert bext_fields["OriginationDate"] == "2025-03-01"
    assert bext_fields["CodingHistory"].startswith("A=PCM")
    assert _pairs(tags, "iXML") == {"PROJECT": "Doc", "SPEED/NOTE": "n"}


def test_nested_list_in_info_is_not_text(tmp_path: Path) -> None:
    """A LIST nested inside INFO (a RIFF bomb's shape) is not reported as a text field."""
    inner = _chunk(b"LIST", b"INFO" + _chunk(b"INAM", b"deep\x00"))
    tags = _tags(tmp_path, "b.wav", _wav(_chunk(b"LIST", b"INFO" + inner)))
    assert [t for t in tags if t.source == "RIFF INFO"] == []


def test_ixml_with_a_dtd_is_refused(tmp_path: Path) -> None:
    """iXML declaring a DTD (how entity bombs arrive) is refused, never expanded."""
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><BWFXML><NOTE>&a;</NOTE></BWFXML>'
    tags = _tags(tmp_path, "c.wav", _wav(_chunk(b"iXML", bomb)))
    assert _pairs(tags, "iXML") == {"problem": "iXML chunk is not well-formed (or declares a DTD)"}


def test_aiff_text_chunks_are_read(tmp_path: Path) -> None:
    """AIFF NAME, ANNO and COMT comments are read from the big-endian IFF walk."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return tag + struct.pack(">I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")

    comm = chunk(b"COMM", struct.pack(">hIh", 1, 0, 16) + b"\x40\x0e\xbb\x80" + b"\x00" * 6)
    comt = chunk(b"COMT", struct.pack(">HIhH", 1, 0, 0, 5) + b"hello\x00")
    body = b"AIFF" + comm + chunk(b"NAME", b"take 1") + chunk(b"ANNO", b"Udio render") + comt
    tags = _tags(tmp_path, "d.aiff", b"FORM" + struct.pack(">I", len(body)) + body)
    assert _pairs(tags, "AIFF") == {"NAME": "take 1", "ANNO": "Udio render", "COMT": "hello"}


def test_coding_history_tools_are_the_t_parts() -> None:
    """Each CodingHistory line's T= part is one tool in the signal chain."""
    history = "A=PCM,F=48000,W=24,M=mono,T=Sound Devices 788T\r\nA=PCM,F=48000,T=ElevenLabs\r\n"
    assert coding_history_tools(history) == ["Sound Devices 788T", "ElevenLabs"]


@pytest.mark.parametrize(
    ("path", "source", "key", "value"),
    [
        ("wavinfo/tests/test_files/protools/PT A101_4.A1.wav", "bext", "Originator",
         "Sound Dev: 702T S#GR1112089007"),
        ("wavinfo/tests/test_files/sound_grinder_pro/new_camera bumb 1.wav", "RIFF INFO", "ISFT",
         "Sound Grinder Pro"),
        ("wavinfo/tests/test_files/sound_grinder_pro/new_camera bumb 1.wav", "ID3v2.3", "TENC",
         "Sound Grinder Pro 2.1.7"),
        ("exiftool/t/images/QuickTime.m4a", "MP4 ilst", "©too", "iTunes v4.9, QuickTime 7.0.1"),
        ("exiftool/t/images/FLAC.flac", "Vorbis comment", "TITLE", "ExifTool test"),
        ("exiftool/t/images/AIFF.aif", "AIFF", "AUTH", "Phil Harvey"),
        ("exiftool/t/images/Opus.opus", "Vorbis comment", "ENCODER",
         "opusenc from opus-tools 0.1.9"),
        ("c2pa-rs/sdk/tests/fixtures/c.mov", "container", "com.apple.quicktime.software",
         "macOS 14.6.1 (23G93)"),
        ("regxmllib/src/test/resources/mxf-files/open-incomplete-header.mxf",
         "MXF Identification 1", "identification", "BBC bmx 0.1.3 (scm snap1607) (libMXF (Win32))"),
    ],
)  # fmt: skip
def test_real_files_give_their_tags(
    corpus: Path, path: str, source: str, key: str, value: str
) -> None:
    """Tags catalogued for real files are read from the right place with the right value."""
    tags = media_tags(Asset(corpus / path, path)).tags
    assert Tag(source, key, value) in tags


def test_same_value_from_two_readers_is_kept_once(corpus: Path) -> None:
    """ISFT read by our RIFF walk and again by FFmpeg as ``software`` is one tag, not two."""
    path = "exiftool/t/images/RIFF.avi"
    tags = media_tags(Asset(corpus / path, path)).tags
    assert [t.source for t in tags if t.value == "CanonMVI01"] == ["RIFF INFO"]


@pytest.mark.parametrize(
    "path",
    ["c2pa-rs/sdk/tests/fixtures/video1.mp4", "c2pa-rs/sdk/tests/fixtures/legacy.mp4"],
)
def test_mp4_xmp_agrees_with_ffmpeg_export_xmp(corpus: Path, path: str) -> None:
    """The XMP our box walk finds in an MP4 is the packet FFmpeg exports with export_xmp."""
    import av
    from provscan.extract.xmp import iter_embedded_packets

    with av.open(str(corpus / path), options={"export_xmp": "1"}) as container:
        exported = container.metadata["xmp"]
    ours = [data for _, data in iter_embedded_packets(Asset(corpus / path, path))]
    assert len(ours) == 1
    assert ours[0].decode("utf-8").strip("\x00 \n") == exported.strip("\x00 \n")
