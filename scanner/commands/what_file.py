"""Which of ``inspect``'s paths a file takes, from its first bytes (and, for the EDL and
AAF formats that have no telling bytes, its name): an IMF composition playlist, an edit,
or media. Kept apart from the readers so that inspecting a photo loads neither the IMF
nor the timeline code."""

from __future__ import annotations

from pathlib import Path

_HEAD = 4096
_COMPOSITION = b"CompositionPlaylist"
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD)
    except OSError:
        return b""


def is_composition(path: Path) -> bool:
    """Whether a file's first 4 KiB open a CompositionPlaylist element."""
    head = _head(path)
    return _COMPOSITION in head and b"<" in head


def looks_like_timeline(path: Path) -> bool:
    """Whether a file is an edit (by its first bytes, and its name for EDLs and AAFs)."""
    head = _head(path)
    suffix = path.suffix.lower()
    if head.startswith(_OLE2):
        return suffix == ".aaf"
    text = head.decode("utf-8", "replace")
    if "OTIO_SCHEMA" in text or "<xmeml" in text or "<fcpxml" in text:
        return True
    return suffix == ".edl"
