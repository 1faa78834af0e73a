"""Fuzz target: audio/video container walks and tag readers (ours, mutagen, PyAV/FFmpeg).

The first byte picks a container whose magic (and size field, for RIFF and IFF) is put in
front of the rest, so mutations land inside the structure:

====  ==============================================
 0    the rest as it is (any container)
 1    ``RIFF <size> WAVE`` + rest (chunks)
 2    ``RIFF <size> AVI `` + rest (chunks)
 3    ``FORM <size> AIFF`` + rest (chunks)
 4    a fixed 24-byte ``ftyp`` box + rest (boxes)
 5    ``ID3`` + rest (an MP3 with an ID3v2 tag)
 6    ``fLaC`` + rest (metadata blocks)
 7    ``OggS`` + rest (first page)
 8    ``1A 45 DF A3`` + rest (EBML header)
 9    MXF partition-pack key prefix + rest
====  ==============================================

Every structural check of ``provscan.extract.av_structure`` and ``read_mxf`` runs on an
in-memory file; none of them documents an exception. ``riff_tags`` may raise
``StructureError`` (the RIFF walker's documented failure). ``media_tags`` runs on a
scratch file, which puts the bytes through mutagen and PyAV (FFmpeg, native code: a crash
there kills this process, which is itself the finding); it documents no exception.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys

from tests.fuzz._common import be32, le32, make_asset

MAX_SEED = 64 * 1024
HEAD = 64 * 1024  # the integrity detector hands id3_problem the asset's 64 KiB head
_FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
_MXF = bytes.fromhex("060e2b34020501010d010201")
_EBML = b"\x1a\x45\xdf\xa3"
_NAMES = (
    "fuzz.bin",
    "fuzz.wav",
    "fuzz.avi",
    "fuzz.aiff",
    "fuzz.mp4",
    "fuzz.mp3",
    "fuzz.flac",
    "fuzz.ogg",
    "fuzz.mkv",
    "fuzz.mxf",
)


def build(data: bytes) -> tuple[bytes, str]:
    """The file bytes and a file name for one fuzz input (see the table above)."""
    if not data:
        return b"", _NAMES[0]
    kind, rest = data[0] % len(_NAMES), data[1:]
    prefix = {
        1: b"RIFF" + le32(len(rest) + 4) + b"WAVE",
        2: b"RIFF" + le32(len(rest) + 4) + b"AVI ",
        3: b"FORM" + be32(len(rest) + 4) + b"AIFF",
        4: _FTYP,
        5: b"ID3",
        6: b"fLaC",
        7: b"OggS",
        8: _EBML,
        9: _MXF,
    }.get(kind, b"")
    return prefix + rest, _NAMES[kind]


def one_input(data: bytes) -> None:
    """Run every container check and tag reader over the built file."""
    from provscan.extract.av_structure import checks as av
    from provscan.extract.containers import StructureError
    from provscan.extract.media_tags import media_tags
    from provscan.extract.mxf import read_mxf
    from provscan.extract.riff_meta import riff_tags

    body, name = build(data)
    f = io.BytesIO(body)
    for check in (
        av.bmff_problem,
        av.riff_problem,
        av.flac_problem,
        av.ogg_problem,
        av.ebml_problem,
        av.aiff_problem,
    ):
        check(f, len(body))
    av.id3_problem(body[:HEAD])
    with contextlib.suppress(StructureError):  # documented: the walk stops at a broken chunk
        riff_tags(f)
    read_mxf(f, len(body))
    media_tags(make_asset(body, name))


_PREFIX_OF_KIND = {
    1: (b"RIFF", b"WAVE"),
    2: (b"RIFF", b"AVI "),
    3: (b"FORM", b"AIFF"),
}


def seeds(raw: bytes, name: str) -> list[bytes]:
    """Heads of real audio/video files re-encoded with their selector byte."""
    raw = raw[: MAX_SEED - 1]
    for kind, (magic, form) in _PREFIX_OF_KIND.items():
        if raw[:4] == magic and raw[8:12] == form:
            return [bytes([kind]) + raw[12:]]
    if raw[4:8] == b"ftyp":
        size = int.from_bytes(raw[:4], "big")
        return [bytes([4]) + raw[size:], b"\x00" + raw] if 8 <= size <= len(raw) else []
    for kind, magic in ((5, b"ID3"), (6, b"fLaC"), (7, b"OggS"), (8, _EBML), (9, _MXF)):
        if raw.startswith(magic):
            return [bytes([kind]) + raw[len(magic) :]]
    if raw[4:8] in (b"moov", b"mdat", b"wide", b"free", b"styp", b"sidx", b"moof"):
        return [b"\x00" + raw]
    if raw.startswith((b"RIFF", b"RF64", b"BW64", b"FORM", b"FLV", b"\x30\x26\xb2\x75")):
        return [b"\x00" + raw]
    if b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02\x01\x01" in raw[:65536]:
        return [b"\x00" + raw]  # MXF with a run-in
    return []


def _riff_chunk(tag: bytes, payload: bytes) -> bytes:
    return tag + le32(len(payload)) + payload + b"\x00" * (len(payload) & 1)


_BEXT = b"Recorder".ljust(256, b"\x00") + b"Sound Devices".ljust(346, b"\x00")
EXTRA_SEEDS = [
    # Broadcast WAV: fmt, bext with a coding history, iXML, LIST/INFO, a tiny data chunk
    b"\x01"
    + _riff_chunk(b"fmt ", bytes.fromhex("0100010044ac00008858010002001000"))
    + _riff_chunk(b"bext", _BEXT + b"A=PCM,T=MixPre-6 II\r\n")
    + _riff_chunk(b"iXML", b"<BWFXML><PROJECT>p</PROJECT><NOTE>n</NOTE></BWFXML>")
    + _riff_chunk(b"LIST", b"INFO" + _riff_chunk(b"ISFT", b"Suno\x00"))
    + _riff_chunk(b"data", bytes(4)),
    # ID3v2.3 with a TSSE and a COMM frame
    b"\x05\x03\x00\x00\x00\x00\x00\x29"
    + b"TSSE\x00\x00\x00\x08\x00\x00\x00Lavf60\x00"
    + b"COMM\x00\x00\x00\x0d\x00\x00\x00eng\x00udio.com",
]

_INSTRUMENTED = (
    "mutagen",
    "mutagen.aiff",
    "mutagen.flac",
    "mutagen.id3",
    "mutagen.mp3",
    "mutagen.mp4",
    "mutagen.oggflac",
    "mutagen.oggopus",
    "mutagen.oggvorbis",
    "mutagen.wave",
    "provscan.extract.av_structure",
    "provscan.extract.media_tags",
    "provscan.extract.mxf",
    "provscan.extract.riff_meta",
)


def main() -> None:
    """Run under atheris with the scanner and mutagen instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["provscan", "mutagen"]):
        for module in _INSTRUMENTED:
            importlib.import_module(module)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
