"""Text metadata of RIFF files (WAV, Broadcast WAV, AVI): ``LIST``/``INFO``, ``bext``, ``iXML``.

- ``LIST``/``INFO`` subchunks (RIFF 1991 spec): ``ISFT`` software, ``ICMT`` comment,
  ``INAM`` title, ``IART`` artist, ``IENG`` engineer, ``ICRD`` date ... zero-terminated text;
  ``LIST``/``adtl`` cue labels, notes and labelled text (marker names and comments);
  ``LIST``/``exif`` (JEITA CP-3451: camera make, model, related image, user comment).
- ``axml`` (EBU Tech 3285 supplement 5): the ADM XML document, kept as text.
- ``bext`` (EBU Tech 3285 v2): fixed-width ASCII fields then free ``CodingHistory`` lines
  whose ``T=`` part names the device or software at each step of the signal chain.
- ``iXML`` (iXML spec 2.x): production-sound XML (project, scene, take, note, recorder),
  parsed with defusedxml only.
Only LIST chunks of type INFO, adtl and exif are read; ``movi`` and ``data`` payloads are never
touched.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from provscan.extract.containers import iter_riff_chunks
from provscan.extract.exif_ifd import decode_user_comment

MAX_TEXT_CHUNK = 1 << 20  # INFO, bext and iXML are a few KiB; more is not metadata
MAX_XML_FIELDS = 200
# iXML nests 3-4 levels (BWFXML/TRACK_LIST/TRACK/NAME). Without these caps a 1 MiB chunk of
# nested elements built a key per element as long as its whole path: quadratic time and
# memory (20,000 levels took 1.4 s and 400 MB; a 1 MiB chunk would take minutes and GiB).
MAX_XML_DEPTH = 16
MAX_XML_ELEMENTS = 10_000
MAX_XML_NAME = 128  # characters of one element name kept in a key
_BULK = frozenset({b"data", b"movi", b"idx1", b"LIST", b"JUNK", b"PAD ", b"fmt "})
# bext fields: (name, offset, width) per EBU Tech 3285 v2 (602-byte fixed part)
_BEXT_FIELDS = (
    ("Description", 0, 256),
    ("Originator", 256, 32),
    ("OriginatorReference", 288, 32),
    ("OriginationDate", 320, 10),
    ("OriginationTime", 330, 8),
)
_BEXT_CODING_HISTORY = 602

Triple = tuple[str, str, str]  # (source, key, value)


def riff_tags(f: BinaryIO) -> list[Triple]:
    """Every INFO, bext and iXML text field of the RIFF file open in ``f``."""
    out: list[Triple] = []
    for chunk in iter_riff_chunks(f, skip=_BULK):
        if chunk.tag == b"LIST":
            out.extend(_list_info(f, chunk.offset, chunk.size))
        elif chunk.tag == b"bext":
            out.extend(_bext(chunk.data))
        elif chunk.tag == b"iXML":
            out.extend(_ixml(chunk.data))
        elif chunk.tag == b"axml" and (xml := _text(chunk.data[:MAX_TEXT_CHUNK])):  # ADM
            out.append(("axml", "axml", xml))
    return out


def _list_info(f: BinaryIO, offset: int, size: int) -> list[Triple]:
    f.seek(offset)
    kind = f.read(4)
    if size < 4 or kind not in (b"INFO", b"adtl", b"exif") or size > MAX_TEXT_CHUNK:
        return []
    body = f.read(size - 4)
    if kind == b"adtl":
        return [("RIFF adtl", key, value) for key, value in _cue_texts(body)]
    return [(f"RIFF {kind.decode()}", key, value) for key, value in _subchunks(body)]


def _cue_texts(body: bytes) -> Iterator[tuple[str, str]]:
    """Cue point labels and notes (``labl``, ``note``: cue id then text) and labelled text
    (``ltxt``: cue id, length, purpose, country, language, dialect, code page, then text)
    of an associated-data list (RIFF 1991 spec, 3-18): marker names and comments."""
    pos = 0
    while pos + 8 <= len(body):
        tag, length = body[pos : pos + 4], int.from_bytes(body[pos + 4 : pos + 8], "little")
        data = body[pos + 8 : pos + 8 + length]
        skip = {b"labl": 4, b"note": 4, b"ltxt": 20}.get(tag)
        if skip is not None and (value := _text(data[skip:])):
            yield f"{tag.decode('latin-1')}:{int.from_bytes(data[:4], 'little')}", value
        pos += 8 + length + (length & 1)


def _subchunks(body: bytes) -> Iterator[tuple[str, str]]:
    pos = 0
    while pos + 8 <= len(body):
        tag, length = body[pos : pos + 4], int.from_bytes(body[pos + 4 : pos + 8], "little")
        data = body[pos + 8 : pos + 8 + length]
        # LIST 'exif' (JEITA CP-3451 for WAV) 'eucm' is a UserComment: 8-byte charset code first
        value = decode_user_comment(data, "<") if tag == b"eucm" else _text(data)
        if value and tag.isalnum() and tag != b"LIST":  # nested LISTs: a RIFF bomb, not text
            yield tag.decode("latin-1"), value
        pos += 8 + length + (length & 1)


def _bext(data: bytes) -> list[Triple]:
    out = [("bext", name, _text(data[at : at + width])) for name, at, width in _BEXT_FIELDS]
    history = _text(data[_BEXT_CODING_HISTORY:])
    if history:
        out.append(("bext", "CodingHistory", history))
    return [t for t in out if t[2]]


def coding_history_tools(history: str) -> list[str]:
    """The ``T=`` (free text: device or software) part of each CodingHistory line."""
    tools = []
    for line in history.replace("\r", "\n").split("\n"):
        for part in line.split(","):
            if part.strip().upper().startswith("T="):
                tools.append(part.strip()[2:].strip())
    return [t for t in tools if t]


def _ixml(data: bytes) -> list[Triple]:
    body = data.split(b"\x00", 1)[0]
    if len(body) > MAX_TEXT_CHUNK:
        return [("iXML", "problem", f"iXML chunk is larger than {MAX_TEXT_CHUNK:,} bytes")]
    try:
        root = fromstring(body, forbid_dtd=True)
    # LookupError: an XML declaration naming an unknown encoding ("UTF-6", found by fuzzing)
    except (ParseError, DefusedXmlException, ValueError, LookupError):
        return [("iXML", "problem", "iXML chunk is not well-formed (or declares a DTD)")]
    return [("iXML", key, value) for key, value in islice(_leaves(root), MAX_XML_FIELDS)]


def _leaves(root: Element) -> Iterator[tuple[str, str]]:
    """``PARENT/CHILD`` paths of elements that hold text, breadth first, bounded in depth
    and in elements visited (iXML nests a few levels only)."""
    queue: deque[tuple[Element, str, int]] = deque([(root, "", 0)])
    visited = 0
    while queue:
        current, where, depth = queue.popleft()
        for child in current:
            visited += 1
            if visited > MAX_XML_ELEMENTS:
                return
            name = str(child.tag)[:MAX_XML_NAME]
            key = f"{where}/{name}" if where else name
            text = (child.text or "").strip()
            if text:
                yield key, text
            if depth + 1 < MAX_XML_DEPTH and len(queue) < MAX_XML_FIELDS:
                queue.append((child, key, depth + 1))


def _text(data: bytes) -> str:
    """Zero-terminated text: UTF-8 where valid, Latin-1 otherwise (older writers)."""
    raw = data.split(b"\x00", 1)[0].strip()
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()
