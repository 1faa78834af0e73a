"""The Photoshop header check follows Adobe's file-format specification."""

from __future__ import annotations

import struct

import pytest
from provscan.extract.psd import psd_header_problem


def _header(**fields: int) -> bytes:
    values = {"version": 1, "channels": 3, "height": 64, "width": 64, "depth": 8, "mode": 3}
    values.update(fields)
    return b"8BPS" + struct.pack(
        ">H6sHIIHH",
        values["version"],
        bytes(6),
        values["channels"],
        values["height"],
        values["width"],
        values["depth"],
        values["mode"],
    )


def test_valid_header_passes() -> None:
    """An RGB 8-bit 64x64 PSD header has no problem."""
    assert psd_header_problem(_header()) == ""


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"version": 3}, "version 3"),
        ({"channels": 0}, "0 channels"),
        ({"width": 40_000}, "impossible size"),
        ({"depth": 7}, "bit depth 7"),
        ({"mode": 5}, "colour mode 5"),
    ],
)
def test_impossible_fields_are_named(fields: dict[str, int], words: str) -> None:
    """Each out-of-range header field is reported in words."""
    assert words in psd_header_problem(_header(**fields))


def test_psb_allows_larger_sides_and_reserved_must_be_zero() -> None:
    """Version 2 (PSB) allows 300,000 px sides; non-zero reserved bytes are reported."""
    assert psd_header_problem(_header(version=2, width=40_000)) == ""
    broken = bytearray(_header())
    broken[8] = 1
    assert "reserved" in psd_header_problem(bytes(broken))
