"""Fuzz target: the PNG chunk walk, tEXt/zTXt/iTXt decoding and what is built on them.

The input is a PNG body: the 8-byte signature is put in front of the fuzz bytes, so every
mutation lands in the chunks. The bytes go to a scratch ``.png`` file read through an
Asset, as the scanner does: ``png_text`` (chunk walk, text decoding with the inflate cap),
the APNG sequencing check, the integrity detector's PNG checks (chunk walk + Pillow header),
the PNG XMP (iTXt) and IIM raw-profile readers. None of them documents an exception: a
broken PNG is a ``structure_error`` or a problem string.
"""

from __future__ import annotations

import sys
import zlib

from tests.fuzz._common import be32, make_asset

SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SEED = 64 * 1024


def one_input(data: bytes) -> None:
    """Read ``SIGNATURE + data`` as a PNG file through every PNG text reader."""
    from provscan.detectors.integrity import iter_problems
    from provscan.extract.apng import apng_problem
    from provscan.extract.containers import StructureError, iter_png_chunks
    from provscan.extract.iptc_iim import iptc_iim
    from provscan.extract.pngtext import png_text
    from provscan.extract.xmp import xmp

    asset = make_asset(SIGNATURE + data, "fuzz.png")
    text = png_text(asset)
    apng_problem(text.chunks, text.actl)
    list(iter_problems(asset))
    xmp(asset)
    iptc_iim(asset)
    with asset.open() as f:  # the walker on its own, every payload read (no skip list)
        try:
            for _ in iter_png_chunks(f, skip=frozenset()):
                pass
        except StructureError:
            pass  # documented: the walk stops at the first structural error


def seeds(raw: bytes, name: str) -> list[bytes]:
    """Real PNGs (and APNGs) with their signature cut off."""
    if raw.startswith(SIGNATURE) and len(raw) <= MAX_SEED:
        return [raw[len(SIGNATURE) :]]
    return []


def chunk(tag: bytes, payload: bytes) -> bytes:
    """One PNG chunk with a correct CRC."""
    return be32(len(payload)) + tag + payload + be32(zlib.crc32(tag + payload))


_IHDR = chunk(b"IHDR", bytes.fromhex("00000001000000010800000000"))
_IDAT = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
_IEND = chunk(b"IEND", b"")
_IPTC_HEX = (b"\x1c\x02\x78\x00\x05hello").hex().encode()

EXTRA_SEEDS = [
    _IHDR
    + chunk(b"tEXt", b"parameters\x00a cat, Steps: 20, Sampler: Euler")
    + chunk(b"zTXt", b"prompt\x00\x00" + zlib.compress(b'{"1": {"class_type": "KSampler"}}'))
    + chunk(
        b"iTXt",
        b"XML:com.adobe.xmp\x00\x01\x00\x00\x00"
        + zlib.compress(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>'),
    )
    + chunk(b"iTXt", b"Description\x00\x00\x00en\x00Beschreibung\x00caf\xc3\xa9")
    + chunk(b"tEXt", b"Raw profile type iptc\x00\niptc\n      12\n" + _IPTC_HEX + b"\n")
    + chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00")
    + _IDAT
    + chunk(b"tEXt", b"Software\x00after IDAT")
    + _IEND,
    _IHDR
    + chunk(b"acTL", be32(2) + be32(0))
    + chunk(b"fcTL", bytes(26))
    + _IDAT
    + chunk(b"fcTL", bytes(26))
    + chunk(b"fdAT", be32(3) + zlib.compress(b"\x00\x00"))
    + _IEND,
]


def main() -> None:
    """Run under atheris with the scanner instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["provscan", "provscan.detectors"]):
        import provscan.detectors.integrity
        import provscan.extract.apng
        import provscan.extract.iptc_iim
        import provscan.extract.pngtext
        import provscan.extract.xmp  # noqa: F401

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
