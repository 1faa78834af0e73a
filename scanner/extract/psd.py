"""The Photoshop file header (PSD/PSB), checked against Adobe's file-format specification.

The 26-byte header fixes version, channels, size, depth and colour mode to small sets;
fuzzed PSDs that hang or crash layer decoders usually break one of them already.
"""

from __future__ import annotations

import struct

_DEPTHS = frozenset({1, 8, 16, 32})
_MAX_SIDE = {1: 30_000, 2: 300_000}  # PSD, PSB (large document format)
_COLOR_MODES = frozenset({0, 1, 2, 3, 4, 7, 8, 9})


def psd_header_problem(head: bytes) -> str:
    """The first impossible header field in words, or an empty string."""
    if len(head) < 26 or head[:4] != b"8BPS":
        return "Photoshop header truncated or without its 8BPS signature"
    version, reserved, channels, height, width, depth, mode = struct.unpack(">H6sHIIHH", head[4:26])
    if version not in _MAX_SIDE:
        return f"Photoshop header version {version} is neither 1 (PSD) nor 2 (PSB)"
    if reserved != bytes(6):
        return "Photoshop header reserved bytes are not zero"
    if not 1 <= channels <= 56:
        return f"Photoshop header declares {channels} channels (1-56 allowed)"
    if not (1 <= height <= _MAX_SIDE[version] and 1 <= width <= _MAX_SIDE[version]):
        return f"Photoshop header declares an impossible size {width}x{height}"
    if depth not in _DEPTHS:
        return f"Photoshop header declares bit depth {depth}"
    if mode not in _COLOR_MODES:
        return f"Photoshop header declares unknown colour mode {mode}"
    return ""
