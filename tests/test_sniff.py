"""Sniffing: magic bytes decide the format, names only break ties."""

from __future__ import annotations

import pytest
from provscan.model import MediaKind
from provscan.sniff import EMPTY, NOT_READ, UNKNOWN, extension_matches, sniff

CASES = [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg", MediaKind.IMAGE),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png", MediaKind.IMAGE),
    (b"GIF89a\x01\x00", "gif", MediaKind.IMAGE),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp", MediaKind.IMAGE),
    (b"RIFF\x10\x00\x00\x00WAVEfmt ", "wav", MediaKind.AUDIO),
    (b"RIFF\x10\x00\x00\x00AVI LIST", "avi", MediaKind.VIDEO),
    (b"II*\x00\x08\x00\x00\x00", "tiff", MediaKind.IMAGE),
    (b"IIU\x00\x18\x00\x00\x00", "tiff", MediaKind.IMAGE),  # Panasonic RW2
    (b"IIRO\x08\x00\x00\x00", "tiff", MediaKind.IMAGE),  # Olympus ORF
    (b"MMOR\x00\x00\x00\x08", "tiff", MediaKind.IMAGE),
    (b"FUJIFILMCCD-RAW 0201FF", "raf", MediaKind.IMAGE),
    (b"II\x1a\x00\x00\x00HEAPCCDR", "crw", MediaKind.IMAGE),
    (b"FOVb\x02\x00\x02\x00", "x3f", MediaKind.IMAGE),
    (b"\x00MRM\x00\x00\x00\x10", "mrw", MediaKind.IMAGE),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heif", MediaKind.IMAGE),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "avif", MediaKind.IMAGE),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "mov", MediaKind.VIDEO),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4", MediaKind.VIDEO),
    (b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00", "m4a", MediaKind.AUDIO),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "matroska", MediaKind.VIDEO),
    (bytes.fromhex("060e2b34020501010d01020101020400"), "mxf", MediaKind.VIDEO),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3", MediaKind.AUDIO),
    (b"\xff\xfb\x90\x64", "mp3", MediaKind.AUDIO),
    (b"fLaC\x00\x00\x00\x22", "flac", MediaKind.AUDIO),
    (b"OggS\x00\x02", "ogg", MediaKind.AUDIO),
    (b"FORM\x00\x00\x10\x00AIFFCOMM", "aiff", MediaKind.AUDIO),
    (b"%PDF-1.7\n", "pdf", MediaKind.DOCUMENT),
    (b"\x00\x00\x00\x20jumb\x00\x00\x00\x1ejumd", "c2pa", MediaKind.SIDECAR),
    (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta', "xmp", MediaKind.SIDECAR),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">', "svg", MediaKind.IMAGE),
    (
        b'<svg><metadata><?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/">',
        "svg",
        MediaKind.IMAGE,
    ),
    (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf',
        "xmp",
        MediaKind.SIDECAR,
    ),
]


@pytest.mark.parametrize(("head", "fmt", "kind"), CASES)
def test_sniff_recognises_format_from_magic(head: bytes, fmt: str, kind: MediaKind) -> None:
    """Each container is recognised from its first bytes alone, whatever the name."""
    found = sniff(head, "misleading.bin")
    assert (found.format, found.kind) == (fmt, kind)


def test_sniff_empty_unknown_and_text() -> None:
    """Zero bytes are 'empty', plain text is 'text', other bytes 'unknown' (never from the name)."""
    assert sniff(b"", "a.jpg") is EMPTY
    assert sniff(b"\x01\x02binary\x00", "a.jpg") is UNKNOWN
    assert sniff(b"-----BEGIN CERTIFICATE-----\nMIIB\n", "a.jpg").format == "text"


@pytest.mark.parametrize(
    ("fmt", "name", "ok"),
    [
        ("jpeg", "photo.JPG", True),
        ("jpeg", "photo.png", False),
        ("png", "render.png", True),
        ("mp4", "clip.mov", True),
        ("mov", "clip.mp4", True),
        ("wav", "take.bwf", True),
        ("wav", "take.mp3", False),
        ("jpeg", "noextension", True),
        ("tiff", "CF000123.IIQ", True),  # camera raws laid out as TIFF
        ("tiff", "B0000042.3FR", True),
        ("tiff", "P1010001.RW2", True),
        ("zip", "scene.usdz", True),  # ZIP containers under their own names
        ("zip", "lib.jar", True),
        ("zip", "layout.idml", True),
        ("gzip", "edit.prproj", True),  # Premiere Pro projects are gzip streams
        ("gzip", "logo.svgz", True),
        ("ole2", "setup.msi", True),
        ("ole2", "cut.aaf", False),  # an AAF is sniffed as "aaf" (see below)
        ("zip", "photo.jpg", False),
        ("mov", "A001_08151200_C001.braw", True),  # camera originals under their own names
        ("cr3", "A001C001_230815AB.CRM", True),
        ("mp4", "VID_20240101_120000_00_001.insv", True),
        ("jpeg", "IMG_20240101_120000_00_002.insp", True),
    ],
)
def test_extension_matches(fmt: str, name: str, ok: bool) -> None:
    """A name's extension agrees with the sniffed format; ISO BMFF flavours interchange."""
    assert extension_matches(fmt, name) is ok


def test_utf16_text_is_text_not_mpeg_audio() -> None:
    """Text with a UTF-16 byte-order mark (Windows' desktop.ini) is text: its FF FE mark
    also reads as an MPEG-1 Layer I sync word, so it used to sniff as MP3."""
    ini = "[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\SHELL32.dll,317\r\n"
    assert sniff(b"\xff\xfe" + ini.encode("utf-16-le"), "desktop.ini").format == "text"
    assert sniff(b"\xfe\xff" + ini.encode("utf-16-be"), "notes.txt").format == "text"
    layer3 = b"\xff\xfb\x90\x64" + bytes(400)
    assert sniff(layer3, "a.mp3").format == "mp3"


def test_os_metadata_is_recognised_by_its_bytes() -> None:
    """AppleDouble, AppleSingle and Finder's Bud1 store are named formats, not unknown."""
    cases = {
        b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ": "appledouble",
        b"\x00\x05\x16\x00\x00\x02\x00\x00": "applesingle",
        b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00": "ds_store",
    }
    for head, fmt in cases.items():
        found = sniff(head, "MacOS.macos")
        assert (found.format, found.kind) == (fmt, MediaKind.OTHER)


def test_archives_and_midi_are_named_not_unknown() -> None:
    """ZIP (but not an Office file), 7z, RAR, gzip, bzip2, xz, zstd, tar and MIDI are known by
    their magic, as formats whose contents are not read; a text starting "BZh" stays text."""
    tar = b"a.txt".ljust(257, b"\0") + b"ustar\x0000"
    heads = {b"PK\x03\x04\x14\x00\x00\x00": "zip", b"PK\x05\x06" + b"\0" * 18: "zip",
             b"7z\xbc\xaf\x27\x1c\x00\x04": "7z", b"Rar!\x1a\x07\x01\x00": "rar",
             b"\x1f\x8b\x08\x00\x00\x00": "gzip", b"BZh91AY&SY\x00": "bzip2",
             b"\xfd7zXZ\x00\x00\x04": "xz", b"\x28\xb5\x2f\xfd\x04\x58": "zstd", tar: "tar",
             b"MThd\x00\x00\x00\x06\x00\x01": "midi"}  # fmt: skip
    for head, fmt in heads.items():
        assert sniff(head).format == fmt, fmt
        assert sniff(head).kind is MediaKind.OTHER
    office = b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml word/document.xml"
    assert sniff(office, "script.docx").format == "ooxml"
    assert sniff(b"BZh is how this note starts\n").format == "text"


def test_bdmv_card_files_are_known() -> None:
    """AVCHD/Blu-ray index, movie object, playlist and clip information files are known."""
    for magic in (b"INDX0200", b"MOBJ0100", b"MPLS0300", b"HDMV0200"):
        assert sniff(magic + bytes(32)).format == "bdmv-index"
    assert extension_matches("bdmv-index", "00001.CPI") and extension_matches("mp4", "x.LRV")


def test_aaf_is_named_from_its_structured_storage() -> None:
    """An OLE2 file named .aaf is an AAF composition, a format whose contents are not read
    (the media it may embed); an OLE2 file with another name stays OLE2."""
    ole2 = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    assert sniff(ole2, "reel1_cut.AAF").format == "aaf"
    assert sniff(ole2, "script.doc").format == "ole2"
    assert "AAF" in NOT_READ["aaf"] and "--timeline" in NOT_READ["aaf"]
