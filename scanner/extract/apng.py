"""APNG frame-control consistency, from the chunk order alone (APNG 1.0 specification).

An animated PNG whose frame controls disagree with its animation control plays
differently in every player, or not at all; that is a broken deliverable, found
without decoding a pixel.
"""

from __future__ import annotations

import struct


def apng_problem(chunks: list[bytes], actl: bytes) -> str:
    """The first APNG sequencing problem in words, or an empty string (also for plain PNG)."""
    if b"acTL" not in chunks:
        return ""
    if len(actl) != 8:
        return f"APNG animation control (acTL) is {len(actl)} bytes, not 8"
    declared = struct.unpack(">I", actl[:4])[0]
    if declared == 0:
        return "APNG animation control declares zero frames"
    seen_control = False
    for tag in chunks:
        if tag == b"fcTL":
            seen_control = True
        elif tag == b"fdAT" and not seen_control:
            return "APNG frame data (fdAT) comes before any frame control (fcTL)"
    controls = chunks.count(b"fcTL")
    if controls != declared:
        return f"APNG declares {declared} frames but holds {controls} frame controls"
    return ""
