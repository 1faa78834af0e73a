"""Every text tag a video or audio file carries, from every place it keeps them, as one list.

Sources, each read by the component that knows it best:
- FFmpeg's demuxer (through :mod:`provscan.extract.avinfo`): format and stream tags of every
  container FFmpeg reads (QuickTime ``udta``/``mdta`` keys, Matroska tags, AVI INFO, MXF
  identification, Vorbis comments...);
- mutagen: ID3v2 frames (MP3, and the ``ID3`` chunk of WAV and AIFF) with their frame ids
  (APIC: the picture's description), MP4 ``ilst`` atoms incl. freeform ``----`` keys, Vorbis
  comments of FLAC and Ogg with the vendor string;
- our own bounded walkers: an MP3's ID3v1 tag; QuickTime ``moov/udta`` text atoms; WAV/AVI
  ``LIST``/``INFO``/``adtl``/``exif``, Broadcast WAV ``bext`` (EBU Tech 3285), ``iXML`` and
  ``axml``; AIFF ``NAME``/``AUTH``/``ANNO``/``(c) ``/``COMT`` chunks.
The same value seen by two readers is kept once (the more specific source wins).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

from provscan.asset import Asset
from provscan.extract.avinfo import MAX_TAG_VALUE, av_info
from provscan.extract.containers import StructureError, iso_boxes
from provscan.extract.mxf import MxfInfo, read_mxf
from provscan.extract.riff_meta import riff_tags

MUTAGEN_FORMATS = frozenset({"mp3", "m4a", "mp4", "mov", "flac", "ogg", "wav", "aiff"})
MAX_IFF_CHUNKS = 10_000
_FFMPEG_MXF_KEYS = frozenset(
    {"company_name", "product_name", "product_version", "product_version_num",
     "toolkit_version_num", "application_platform", "product_uid"}
)  # fmt: skip
_IFF_TEXT = {b"NAME": "NAME", b"AUTH": "AUTH", b"ANNO": "ANNO", b"(c) ": "(c)"}


@dataclass(frozen=True, slots=True)
class Tag:
    """One text tag: where it was read, its key as the format names it, and its value."""

    source: str
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class MediaTags:
    """All tags of a file plus problems the tag readers met (not structural verdicts)."""

    tags: tuple[Tag, ...]
    problems: tuple[str, ...] = ()


def media_tags(asset: Asset) -> MediaTags:
    """The asset's tags from every reader (cached view)."""
    return asset.view("media_tags", _collect)


def _collect(asset: Asset) -> MediaTags:
    tags: list[Tag] = []
    problems: list[str] = []
    for reader in (_riff, _iff, _mxf, _udta, _mutagen, _ffmpeg):
        try:
            tags.extend(reader(asset))
        except (StructureError, OSError, struct.error, ValueError) as exc:
            problems.append(f"{reader.__name__.strip('_')}: {exc}")
    return MediaTags(_unique(tags), tuple(problems))


def _unique(tags: list[Tag]) -> tuple[Tag, ...]:
    """Empty values dropped; a value FFmpeg repeats under its own key name (ISFT is its
    ``software``, TSSE its ``encoder``) is kept only from the reader that knows the format."""
    specific = {t.value.strip() for t in tags if not _from_ffmpeg(t)}
    seen: set[tuple[str, str, str]] = set()
    out = []
    for tag in tags:
        value = tag.value.strip()
        ident = (tag.source, tag.key, value)
        if not value or ident in seen or (_from_ffmpeg(tag) and value in specific):
            continue
        seen.add(ident)
        out.append(tag)
    return tuple(out)


def _from_ffmpeg(tag: Tag) -> bool:
    return tag.source == "container" or tag.source.startswith("stream ")


def _ffmpeg(asset: Asset) -> list[Tag]:
    info = av_info(asset)
    # FFmpeg keeps only the last MXF Identification set; _mxf reports every one of them.
    skip = _FFMPEG_MXF_KEYS if asset.format == "mxf" else frozenset()
    out = [Tag("container", k, v) for k, v in info.tags if k not in skip]
    for stream in info.streams:
        where = f"stream {stream.index} ({stream.kind})"
        out.extend(Tag(where, k, v) for k, v in stream.tags)
    return out


def mxf_info(asset: Asset) -> MxfInfo:
    """The MXF header metadata of the asset (cached view)."""
    return asset.view("mxf", _read_mxf)


def _read_mxf(asset: Asset) -> MxfInfo:
    with asset.open() as f:
        return read_mxf(f, asset.size)


def _mxf(asset: Asset) -> list[Tag]:
    """One ``identification`` tag per MXF Identification set: the tool chain, oldest first."""
    if asset.format != "mxf":
        return []
    out = []
    for n, ident in enumerate(mxf_info(asset).identifications, 1):
        version = ident.version or ident.product_version
        words = [ident.company, ident.product, version]
        text = " ".join(w for w in words if w)
        if ident.platform:
            text += f" ({ident.platform})"
        out.append(Tag(f"MXF Identification {n}", "identification", text))
    return out


def _riff(asset: Asset) -> list[Tag]:
    if asset.format not in ("wav", "avi"):
        return []
    with asset.open() as f:
        return [Tag(source, key, value) for source, key, value in riff_tags(f)]


_UDTA_FORMATS = frozenset({"mp4", "mov", "m4a"})
MAX_UDTA = 1 << 20


def _udta(asset: Asset) -> list[Tag]:
    """QuickTime ``moov/udta`` international text atoms (``\xa9inf``, ``\xa9cmt``...):
    entries of 16-bit size, 16-bit language code, then text (QuickTime File Format, User
    Data Atoms). FFmpeg maps only the atoms it knows; this keeps every one."""
    if asset.format not in _UDTA_FORMATS:
        return []
    out: list[Tag] = []
    with asset.open() as f:
        for kind, start, end in iso_boxes(f, 0, asset.size):
            if kind != b"moov":
                continue
            for udta in (b for b in iso_boxes(f, start, end) if b[0] == b"udta"):
                for atom, s, e in iso_boxes(f, udta[1], udta[2]):
                    if atom[:1] == b"\xa9" and e - s <= MAX_UDTA:
                        f.seek(s)
                        key = atom.decode("latin-1")
                        out.extend(Tag("QuickTime udta", key, t) for t in _intl_text(f.read(e - s)))
    return out


def _intl_text(data: bytes) -> list[str]:
    """The strings of one international text atom; none when it holds other atoms."""
    texts: list[str] = []
    pos = 0
    while pos + 4 <= len(data):
        size = struct.unpack(">H", data[pos : pos + 2])[0]
        if pos + 4 + size > len(data) or data[pos + 4 : pos + 8] == b"data":
            return texts
        raw = data[pos + 4 : pos + 4 + size]
        encoding = "utf-16" if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else "utf-8"
        texts.append(raw.decode(encoding, "replace").rstrip("\x00")[:MAX_TAG_VALUE])
        pos += 4 + size
    return texts


def _iff(asset: Asset) -> list[Tag]:
    """AIFF/AIFC text chunks (big-endian IFF, chunks padded to even length)."""
    if asset.format != "aiff":
        return []
    out: list[Tag] = []
    with asset.open() as f:
        for tag, data in _iff_chunks(f, asset.size):
            if tag in _IFF_TEXT:
                out.append(Tag("AIFF", _IFF_TEXT[tag], _text(data)))
            elif tag == b"COMT" and len(data) >= 2:
                out.extend(Tag("AIFF", "COMT", text) for text in _comments(data))
    return out


def _iff_chunks(f: BinaryIO, size: int) -> list[tuple[bytes, bytes]]:
    f.seek(12)
    pos, out = 12, list[tuple[bytes, bytes]]()
    while pos + 8 <= size and len(out) < MAX_IFF_CHUNKS:
        tag, length = struct.unpack(">4sI", f.read(8))
        wanted = tag in _IFF_TEXT or tag == b"COMT"
        out.append((tag, f.read(min(length, 1 << 20)) if wanted else b""))
        pos += 8 + length + (length & 1)
        f.seek(pos)
    return out


def _comments(data: bytes) -> list[str]:
    """COMT: count, then (timestamp u32, marker id i16, length u16, text padded to even)."""
    (count,), pos, out = struct.unpack(">H", data[:2]), 2, []
    for _ in range(min(count, 256)):
        if pos + 8 > len(data):
            break
        (length,) = struct.unpack(">H", data[pos + 6 : pos + 8])
        out.append(_text(data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    return out


def _text(data: bytes) -> str:
    return data.split(b"\x00", 1)[0].decode("utf-8", "replace").strip()[:MAX_TAG_VALUE]


def _mutagen(asset: Asset) -> list[Tag]:
    if asset.format not in MUTAGEN_FORMATS:
        return []
    import mutagen  # lazily: image scans never need it
    import mutagen.id3

    with asset.open() as f:
        try:
            if asset.format == "mp3":  # the tags alone: no need to sync to an MPEG frame
                v2 = _mutagen_tags(mutagen.id3.ID3(f)) if asset.head(3) == b"ID3" else []  # type: ignore[no-untyped-call]
                return v2 + _id3v1(asset.tail(128))
            found = mutagen.File(f)
        except Exception as exc:  # mutagen raises many types on hostile bytes (ID3, MP4, Ogg)
            raise ValueError(f"{type(exc).__name__}: {exc}") from exc
    if found is None or found.tags is None:
        return []
    return _mutagen_tags(found.tags)


def _mutagen_tags(tags: Any) -> list[Tag]:
    kind = type(tags).__name__
    if kind in ("ID3", "_WaveID3", "_IFFID3"):
        return [tag for frame in tags.values() for tag in _id3_frame(frame, tags.version)]
    if kind == "MP4Tags":
        # mutagen names 'mdta' items (QuickTime keys, ComfyUI's prompt) by index, not by
        # key: those are left to FFmpeg, which resolves the names through the 'keys' box.
        named = ((k, v) for k, v in tags.items() if k.isprintable() and not k.startswith("\x00"))
        return [Tag("MP4 ilst", key, _value(v)) for key, v in named]
    # Vorbis comments (FLAC, Ogg Vorbis/Opus/FLAC): the vendor string (the encoder that
    # wrote the stream, Vorbis I spec 5.2.1), then a list of (key, value) pairs
    vendor = [Tag("Vorbis comment", "vendor", str(tags.vendor)[:MAX_TAG_VALUE])]
    return vendor + [Tag("Vorbis comment", str(k), str(v)[:MAX_TAG_VALUE]) for k, v in tags]


# ID3v1 (and v1.1): the last 128 bytes, "TAG" then fixed-width Latin-1 fields.
_ID3V1_FIELDS = (("title", 3, 33), ("artist", 33, 63), ("album", 63, 93), ("year", 93, 97))


def _id3v1(tail: bytes) -> list[Tag]:
    """Title, artist, album, year and comment of an ID3v1 tag at the end of an MP3."""
    if len(tail) != 128 or not tail.startswith(b"TAG"):
        return []
    comment = tail[97:125] if tail[125] == 0 and tail[126] else tail[97:127]  # v1.1: track
    fields = [(key, tail[start:end]) for key, start, end in _ID3V1_FIELDS]
    fields.append(("comment", comment))
    out = []
    for key, raw in fields:
        text = raw.split(b"\x00", 1)[0].decode("latin-1").strip()
        if text:
            out.append(Tag("ID3v1", key, text))
    return out


def _id3_frame(frame: Any, version: tuple[int, int, int]) -> list[Tag]:
    source = f"ID3v2.{version[1]}"
    key = str(frame.HashKey)
    if frame.FrameID == "GEOB":
        text = frame.data[:MAX_TAG_VALUE].decode("utf-8", "replace")
        printable = text.isprintable() or "\n" in text
        label = f"{frame.desc} ({frame.mime})" if frame.mime else frame.desc
        return [Tag(source, key, text if printable else f"[{len(frame.data)} bytes] {label}")]
    if frame.FrameID == "PRIV":
        return []  # binary by definition; XMP and C2PA in PRIV/GEOB are read by their detectors
    if frame.FrameID in ("APIC", "PIC"):  # the picture is binary; its description is text
        return [Tag(source, key, frame.desc[:MAX_TAG_VALUE])]
    if hasattr(frame, "url"):
        return [Tag(source, key, str(frame.url))]
    if hasattr(frame, "text"):
        return [Tag(source, key, _value(frame.text))]
    return []


def _value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " / ".join(_value(v) for v in value)[:MAX_TAG_VALUE]
    if isinstance(value, bytes | bytearray):
        return bytes(value[:MAX_TAG_VALUE]).decode("utf-8", "replace")
    return str(value)[:MAX_TAG_VALUE]
