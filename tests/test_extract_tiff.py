"""The TIFF structure check: impossible directories are found without decoding pixels."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image
from provscan.extract.tiff import check_tiff


def _tiff() -> bytearray:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buf, "TIFF")
    return bytearray(buf.getvalue())


def _first_entry_offset(data: bytes) -> int:
    ifd = struct.unpack("<I", data[4:8])[0]
    return ifd + 2


def _check(data: bytes) -> str:
    return check_tiff(io.BytesIO(bytes(data)), len(data))


def test_valid_tiff_passes() -> None:
    """A TIFF written by Pillow has no structural problem."""
    assert _check(_tiff()) == ""


def test_unknown_field_type() -> None:
    """An entry with a field type outside TIFF 6.0 / BigTIFF is named with its index and tag."""
    data = _tiff()
    entry = _first_entry_offset(data)
    data[entry + 2 : entry + 4] = struct.pack("<H", 4099)
    assert "entry 0" in _check(data) and "unknown type 4099" in _check(data)


def test_value_past_end_of_file() -> None:
    """An entry whose out-of-line value runs past the file end is reported with sizes."""
    data = _tiff()
    entry = _first_entry_offset(data)
    # turn the first entry into 1000 LONGs stored at offset 8
    data[entry + 2 : entry + 12] = struct.pack("<HII", 4, 1000, 8)
    assert "past the end of the file" in _check(data)


def test_ifd_loop_detected() -> None:
    """An IFD whose next-IFD link points back at itself is a loop, not an endless walk."""
    data = _tiff()
    ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[ifd : ifd + 2])[0]
    next_at = ifd + 2 + count * 12
    data[next_at : next_at + 4] = struct.pack("<I", ifd)
    assert "loops" in _check(data)


@pytest.mark.parametrize("cut", [10, 30, 60])
def test_truncated_directory(cut: int) -> None:
    """A file cut inside its directory is reported, never raises."""
    data = _tiff()
    ifd = struct.unpack("<I", data[4:8])[0]
    assert _check(data[: ifd + cut]) != ""


def test_huge_entry_count() -> None:
    """A directory declaring tens of thousands of entries is refused."""
    data = _tiff()
    ifd = struct.unpack("<I", data[4:8])[0]
    data[ifd : ifd + 2] = struct.pack("<H", 61457)
    assert "declares 61457 entries" in _check(data)


def _set_strip_byte_count(data: bytearray, value: int) -> None:
    ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[ifd : ifd + 2])[0]
    for i in range(count):
        at = ifd + 2 + i * 12
        tag, ftype, n = struct.unpack("<HHI", data[at : at + 8])
        if tag == 279 and n == 1:
            code = {3: "<H", 4: "<I"}[ftype]
            data[at + 8 : at + 8 + struct.calcsize(code)] = struct.pack(code, value)
            return
    raise AssertionError("no single StripByteCounts entry")


def test_uncompressed_strips_shorter_than_header() -> None:
    """Uncompressed strips that hold fewer bytes than width x height x samples are reported."""
    data = _tiff()
    _set_strip_byte_count(data, 18)
    assert "holds 18 bytes" in _check(data) and "8x8" in _check(data) and "192" in _check(data)
