"""How the trace words a problem for a finding: one short line, never a traceback."""

from __future__ import annotations

MAX_CHARS = 300


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its type and its message, whitespace folded (OpenCV's
    messages span several lines and name the C++ source file)."""
    text = " ".join(str(exc).split())
    return (f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:MAX_CHARS]
