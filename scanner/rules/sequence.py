"""Rules about a frame sequence as a whole (SEQ): what no single frame shows."""

from __future__ import annotations

from provscan.model import Rule, Severity

GAP = Rule(
    "SEQ001", "sequence-frames-missing", Severity.WARNING,
    "Frame numbers are missing between the sequence's first and last frame: the shot was "
    "not delivered whole (or a frame was misnamed).",
)  # fmt: skip
DIFFERS = Rule(
    "SEQ002", "sequence-frame-differs", Severity.WARNING,
    "Frames whose header (size, channels, compression, writing software) or byte size "
    "differs from the rest of their sequence: a frame rendered or written apart.",
)  # fmt: skip
RULES: tuple[Rule, ...] = (GAP, DIFFERS)
