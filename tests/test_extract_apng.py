"""APNG frame-control consistency is judged from the chunk order alone."""

from __future__ import annotations

import struct

from provscan.extract.apng import apng_problem

ACTL_TWO = struct.pack(">II", 2, 0)


def test_plain_png_has_no_animation_problem() -> None:
    """A PNG without acTL is not an animation and never fails this check."""
    assert apng_problem([b"IHDR", b"IDAT", b"IEND"], b"") == ""


def test_consistent_animation_passes() -> None:
    """Two declared frames, two fcTL, fdAT after its fcTL: no problem."""
    chunks = [b"IHDR", b"acTL", b"fcTL", b"IDAT", b"fcTL", b"fdAT", b"IEND"]
    assert apng_problem(chunks, ACTL_TWO) == ""


def test_zero_frames_is_broken() -> None:
    """acTL with num_frames 0 is invalid by the APNG specification."""
    assert "zero frames" in apng_problem([b"acTL", b"fcTL", b"IDAT"], bytes(8))


def test_frame_data_before_control_is_broken() -> None:
    """fdAT before any fcTL cannot be placed on screen."""
    chunks = [b"acTL", b"IDAT", b"fdAT", b"fcTL", b"fcTL"]
    assert "before any frame control" in apng_problem(chunks, ACTL_TWO)


def test_frame_count_mismatch_is_broken() -> None:
    """The number of fcTL chunks must equal acTL's num_frames."""
    assert "declares 2 frames but holds 1" in apng_problem([b"acTL", b"fcTL", b"IDAT"], ACTL_TWO)


def test_short_actl_is_broken() -> None:
    """An acTL payload that is not 8 bytes is reported with its length."""
    assert "is 3 bytes" in apng_problem([b"acTL"], b"abc")
