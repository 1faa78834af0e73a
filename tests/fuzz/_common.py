"""Helpers shared by the fuzz targets: fuzz bytes to a scratch file or an Asset.

The readers under test take an ``Asset`` (a path on disk) or a binary file object. Where a
reader accepts a file object the targets pass ``io.BytesIO``; otherwise the bytes go to one
scratch file per name in a private temporary directory (``TMPDIR``: the runner points it at
a RAM-backed folder it removes afterwards), rewritten on every input.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provscan.asset import Asset

_scratch: Path | None = None


def scratch_file(data: bytes, name: str) -> Path:
    """``data`` written to ``name`` in this process's scratch directory."""
    global _scratch
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="provscan-fuzz-"))
        atexit.register(shutil.rmtree, _scratch, True)
    path = _scratch / name
    path.write_bytes(data)
    return path


def make_asset(data: bytes, name: str) -> Asset:
    """A fresh Asset (no cached views) over ``data`` written to the scratch file ``name``."""
    from provscan.asset import Asset

    return Asset(scratch_file(data, name), name)


def le32(n: int) -> bytes:
    """Little-endian uint32 (clipped), for RIFF sizes in synthesised headers."""
    return min(n, 0xFFFFFFFF).to_bytes(4, "little")


def be32(n: int) -> bytes:
    """Big-endian uint32 (clipped), for IFF/BMFF sizes in synthesised headers."""
    return min(n, 0xFFFFFFFF).to_bytes(4, "big")
