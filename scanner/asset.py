"""Asset: one file under scan, opened read-only, with lazily computed and cached views.

Detectors never open files themselves: they ask the asset for bytes or for a view, and a
view computed for one detector (the XMP packets, the EXIF tags) is reused by the others.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from provscan.model import MediaKind, Settings
from provscan.sniff import MPO, Sniffed, id3_end, mpf_segment, sniff

T = TypeVar("T")

HEAD_SIZE = 64 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Identity of the bytes for fingerprints without hashing every byte: size + head + tail.
_QUICK_SPAN = 16 * 1024  # metadata lives in the head; the tail catches appended data


class Asset:
    """A file to scan: where it is, what its bytes say it is, and cached views of it."""

    def __init__(
        self,
        path: Path,
        rel: str,
        *,
        sidecar: Path | None = None,
        settings: Settings | None = None,
        manifest: Path | None = None,
    ) -> None:
        self.path = path
        self.rel = rel
        self.sidecar = sidecar  # an .xmp file next to the media, read as part of it
        self.manifest = manifest  # a detached C2PA manifest (.c2pa) next to the media
        self.settings = settings or Settings()
        stat = path.stat()
        self.size = stat.st_size
        self.mtime_ns = stat.st_mtime_ns
        self.inode = (stat.st_dev, stat.st_ino)  # a file swapped in by rename keeps neither
        self._views: dict[str, object] = {}
        self._head: bytes | None = None
        self._tail: bytes | None = None
        self._file: BinaryIO | None = None  # opened at the first read, kept until close()
        tag_end = id3_end(self.head(10))
        after_id3 = self.read_at(tag_end, 4) if tag_end else b""
        self.sniffed: Sniffed = sniff(self.head(512), path.name, after_id3)
        if self.sniffed.format == "jpeg" and mpf_segment(self.read_at) is not None:
            self.sniffed = MPO  # the MPF segment follows the Exif APP1: past 512 bytes

    @property
    def kind(self) -> MediaKind:
        """The media kind decided from the bytes."""
        return self.sniffed.kind

    @property
    def format(self) -> str:
        """Short container format name (``jpeg``, ``png``, ``mp4`` ...)."""
        return self.sniffed.format

    @property
    def mime(self) -> str:
        """MIME type for the format (what c2pa-python expects for streams)."""
        return self.sniffed.mime

    def open(self) -> BinaryIO:
        """Open the file for reading only; the scanner never writes to a scanned file.

        The path was a regular file when walked; if it has since been swapped for a symlink
        or a FIFO, O_NOFOLLOW refuses the link and O_NONBLOCK keeps a FIFO from blocking,
        and the type check refuses anything that is not a regular file.
        """
        fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "no longer a regular file")
            return os.fdopen(fd, "rb")  # the caller closes it
        except BaseException:
            os.close(fd)
            raise

    def __enter__(self) -> Asset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file the reads share (views already computed stay usable)."""
        if self._file is not None:
            self._closer()  # (the finalizer, called now: it runs once)
            self._file = None

    def _reader(self) -> BinaryIO:
        """The one handle every read of this asset goes through: the detectors ask for a
        dozen regions of a file, and an open, an fstat and a close for each was a fifth of
        a still's analysis."""
        if self._file is None:
            self._file = self.open()
            # An asset dropped without close() (a one-off quick_id) still closes its file.
            self._closer = weakref.finalize(self, self._file.close)
        return self._file

    def head(self, size: int = HEAD_SIZE) -> bytes:
        """The first ``size`` bytes (at most 64 KiB, read once and cached)."""
        if self._head is None:
            reader = self._reader()
            reader.seek(0)
            self._head = reader.read(HEAD_SIZE)
        return self._head[:size]

    def read_at(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes from ``offset``; short at the end of the file."""
        if offset + size <= len(self.head()) and offset >= 0:
            return self.head()[offset : offset + size]
        reader = self._reader()
        reader.seek(max(0, offset))
        return reader.read(size)

    def tail(self, size: int) -> bytes:
        """The last ``size`` bytes of the file (the last 16 KiB read once and cached: the
        integrity check, trailers and the quick identity each ask for a piece of them)."""
        if size > _QUICK_SPAN:
            return self.read_at(max(0, self.size - size), size)
        if self._tail is None:
            self._tail = self.read_at(max(0, self.size - _QUICK_SPAN), _QUICK_SPAN)
        return self._tail[-size:] if size else b""

    def view(self, name: str, factory: Callable[[Asset], T]) -> T:
        """Compute a named view once per asset and cache it (shared between detectors)."""
        if name not in self._views:
            self._views[name] = factory(self)
        return self._views[name]  # type: ignore[return-value]

    def sha256(self) -> str:
        """SHA-256 of every byte; costly, so only matching and reports that need it call it."""
        return self.view("sha256", _sha256)

    def quick_id(self) -> str:
        """A cheap identity of the bytes: size plus a hash of the first and last 16 KiB.

        Not a content hash: an edit deep inside the pixel data keeps it; use sha256() there.
        """
        return self.view("quick_id", _quick_id)


def _sha256(asset: Asset) -> str:
    digest = hashlib.sha256()
    with asset.open() as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _quick_id(asset: Asset) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(str(asset.size).encode())
    digest.update(asset.head(_QUICK_SPAN))
    if asset.size > _QUICK_SPAN:
        digest.update(asset.tail(_QUICK_SPAN))
    return digest.hexdigest()


def sidecar_names(name: str) -> tuple[str, ...]:
    """The names an XMP sidecar of a file called ``name`` may have, in order of preference:
    ``name.xmp`` (Lightroom), ``name.ext.xmp`` (darktable), ``name.XMP`` (some DAMs)."""
    stem = _stem(name)
    names = (stem + ".xmp", name + ".xmp") + ((stem + ".XMP",) if os.name != "nt" else ())
    return tuple(n for n in names if n != name)


def manifest_names(name: str) -> tuple[str, ...]:
    """The names a detached C2PA manifest of a file called ``name`` may have:
    ``name.ext.c2pa``, else ``name.c2pa`` (the two names c2patool and the SDKs write a
    sidecar under); none for a manifest or an XMP file itself."""
    if _suffix(name).lower() in _NOT_MEDIA:
        return ()
    return tuple(n for n in (name + MANIFEST_SUFFIX, _stem(name) + MANIFEST_SUFFIX) if n != name)


def find_sidecar(path: Path) -> Path | None:
    """An XMP sidecar for ``path`` (see :func:`sidecar_names`), probed on disk."""
    return _first_file(path, sidecar_names(path.name))


MANIFEST_SUFFIX = ".c2pa"
_NOT_MEDIA = frozenset({".c2pa", ".xmp"})


def find_manifest(path: Path) -> Path | None:
    """A detached C2PA manifest for ``path`` (see :func:`manifest_names`), probed on disk."""
    return _first_file(path, manifest_names(path.name))


def _first_file(path: Path, names: tuple[str, ...]) -> Path | None:
    """The first of ``names`` beside ``path`` that is a regular file (not a link)."""
    for name in names:
        candidate = path.with_name(name)
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None


def _suffix(name: str) -> str:
    """The name's extension as pathlib reads it (none for ``.bashrc`` or ``name.``)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _stem(name: str) -> str:
    return name[: len(name) - len(_suffix(name))]


def manifest_media(path: Path) -> Path | None:
    """The media a detached manifest ``path`` belongs to: ``name.ext`` for ``name.ext.c2pa``,
    else the first file ``name.*`` beside it (in name order) that is not a sidecar."""
    if path.suffix.lower() != MANIFEST_SUFFIX:
        return None
    inner = path.with_suffix("")
    if inner.suffix and inner.is_file() and not inner.is_symlink():
        return inner
    try:
        found = path.parent.glob(glob_escape(inner.name) + ".*")
        siblings = sorted(p for p in found if p.suffix.lower() not in _NOT_MEDIA
                          and p.stem == inner.name)  # fmt: skip
    except OSError:
        return None
    return next((p for p in siblings if p.is_file() and not p.is_symlink()), None)


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in name)
