"""Text for a terminal: file-derived strings made safe to print, and column widths.

Shared by the reports, the progress bar and the commands' tables: a file name or a tag
value is hostile input and must never drive the terminal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence


def safe(text: str) -> str:
    """Control characters made visible: a file name or a tag value must not drive the
    terminal (an ESC sequence in a name could rewrite what the reviewer sees)."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_line(text: str) -> str:
    """``safe`` on one line: newline and tab shown as ``\\n`` and ``\\t`` too, so a file
    name or a prompt holding them cannot split a report line that tools read line by line."""
    return safe(text).replace("\n", "\\n").replace("\t", "\\t")


def cells(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters two, combining marks none."""
    return sum(cell(ch) for ch in text)


def cell(ch: str) -> int:
    """Terminal columns one character takes."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def aligned(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Rows as lines of columns padded to their widest cell (the last column unpadded)."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [indent + "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)),
                                row[-1]]).rstrip() for row in rows]  # fmt: skip
