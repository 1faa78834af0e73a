"""Fuzz target: EXIF (the IFD walk of ``provscan.extract.exif``) on JPEG, TIFF, WebP and PNG.

The first byte picks a container whose magic (and, where it has one, size field) is put
in front of the rest, so the fuzzer spends its time inside the EXIF structures rather
than rediscovering signatures:

====  =========================================================
 0    the rest as it is (HEIF, AVIF, CR3, JPEG XL ... any format)
 1    JPEG: ``FF D8`` + rest (rest starts at the first marker)
 2    TIFF little-endian: ``II*\\0`` + rest
 3    TIFF big-endian: ``MM\\0*`` + rest
 4    WebP: ``RIFF <size> WEBP`` + rest (rest: the chunks)
 5    PNG: signature + rest (rest: the chunks)
 6    PNG whose only metadata is an ``eXIf`` chunk holding rest (a bare TIFF structure)
====  =========================================================

Through an Asset on a scratch file: ``exif`` (documents no exception: a broken structure's
errors become a problem), the integrity detector (JPEG frame, TIFF directory walk, Pillow
header), and the JPEG/TIFF/WebP XMP and IIM locators.
"""

from __future__ import annotations

import sys
import zlib

from tests.fuzz._common import be32, le32, make_asset

MAX_SEED = 64 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
_NAMES = ("fuzz.img", "fuzz.jpg", "fuzz.tif", "fuzz.tif", "fuzz.webp", "fuzz.png", "fuzz.png")


def _chunk(tag: bytes, payload: bytes) -> bytes:
    return be32(len(payload)) + tag + payload + be32(zlib.crc32(tag + payload))


_IHDR = _chunk(b"IHDR", bytes.fromhex("00000001000000010800000000"))
_IEND = _chunk(b"IEND", b"")


def build(data: bytes) -> tuple[bytes, str]:
    """The file bytes and a file name for one fuzz input (see the table above)."""
    if not data:
        return b"", _NAMES[0]
    kind, rest = data[0] % len(_NAMES), data[1:]
    if kind == 1:
        body = b"\xff\xd8" + rest
    elif kind == 2:
        body = b"II*\x00" + rest
    elif kind == 3:
        body = b"MM\x00*" + rest
    elif kind == 4:
        body = b"RIFF" + le32(len(rest) + 4) + b"WEBP" + rest
    elif kind == 5:
        body = PNG + rest
    elif kind == 6:
        body = PNG + _IHDR + _chunk(b"eXIf", rest) + _IEND
    else:
        body = rest
    return body, _NAMES[kind]


def one_input(data: bytes) -> None:
    """Read the built file's EXIF, integrity, XMP and IIM through an Asset."""
    from provscan.detectors.integrity import iter_problems
    from provscan.extract.exif import exif
    from provscan.extract.iptc_iim import iptc_iim
    from provscan.extract.xmp import xmp

    body, name = build(data)
    asset = make_asset(body, name)
    exif(asset)
    list(iter_problems(asset))
    xmp(asset)
    iptc_iim(asset)


def seeds(raw: bytes, name: str) -> list[bytes]:
    """Real files re-encoded with the selector byte; TIFF and JPEG EXIF also as bare eXIf."""
    out: list[bytes] = []
    if raw.startswith(b"\xff\xd8"):
        out.append(b"\x01" + raw[2:])
        at = raw.find(b"Exif\x00\x00")
        if 0 < at < 64:
            length = int.from_bytes(raw[at - 2 : at], "big")
            out.append(b"\x06" + raw[at + 6 : at - 2 + length])
    elif raw.startswith(b"II*\x00"):
        out += [b"\x02" + raw[4:], b"\x06" + raw]
    elif raw.startswith(b"MM\x00*"):
        out += [b"\x03" + raw[4:], b"\x06" + raw]
    elif raw.startswith(b"RIFF") and raw[8:12] == b"WEBP":
        out.append(b"\x04" + raw[12:])
    elif raw.startswith(PNG):
        out.append(b"\x05" + raw[8:])
    elif raw[4:8] == b"ftyp" or raw.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL ")):
        out.append(b"\x00" + raw)
    return [s for s in out if len(s) <= MAX_SEED]


def _tiff(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """A little-endian TIFF with one IFD whose values follow it."""
    ifd_size = 2 + 12 * len(entries) + 4
    data_at = 8 + ifd_size
    ifd, blob = len(entries).to_bytes(2, "little"), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            inline = value.ljust(4, b"\x00")
        else:
            inline = (data_at + len(blob)).to_bytes(4, "little")
            blob += value + b"\x00" * (len(value) & 1)
        ifd += tag.to_bytes(2, "little") + kind.to_bytes(2, "little")
        ifd += count.to_bytes(4, "little") + inline
    return b"II*\x00" + (8).to_bytes(4, "little") + ifd + b"\x00" * 4 + blob


_COMMENT = b"UNICODE\x00" + "steps: 20, sampler".encode("utf-16-be")
_SAMPLE_TIFF = _tiff(
    [
        (0x010F, 2, 6, b"Canon\x00"),
        (0x0131, 2, 12, b"Stable v1.0\x00"),
        (0x9286, 7, len(_COMMENT), _COMMENT),
        (0x9C9C, 1, 8, "hi!\x00".encode("utf-16-le")),
    ]
)
EXTRA_SEEDS = [b"\x06" + _SAMPLE_TIFF, b"\x02" + _SAMPLE_TIFF[4:]]


def main() -> None:
    """Run under atheris with the scanner instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["provscan", "provscan.detectors"]):
        import provscan.detectors.integrity
        import provscan.extract.exif
        import provscan.extract.iptc_iim
        import provscan.extract.xmp  # noqa: F401

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
