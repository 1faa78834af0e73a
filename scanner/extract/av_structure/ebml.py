"""EBML / Matroska / WebM: the EBML header, DocType and the Segment element."""

from __future__ import annotations

from typing import BinaryIO

from provscan.extract.av_structure._walk import (
    EBML_HEADER_CAP,
    MAX_ENTRIES,
    Defect,
    guarded,
    read_at,
)

_EBML_ID = 0x1A45DFA3
_SEGMENT_ID = 0x18538067
_VOID_ID = 0xEC
_DOCTYPE_ID = 0x4282


def ebml_problem(f: BinaryIO, size: int) -> str | None:
    """Matroska/WebM: an EBML header that fits and names DocType 'matroska' or 'webm', followed by
    a Segment whose declared size (unless unknown) fits in the file."""
    return guarded(f, "Matroska/WebM file", lambda: _ebml(f, size))


def _vint(buf: bytes, pos: int, base: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, all-ones) of the EBML variable-length integer at buf[pos] (file offset
    base + pos). IDs keep their length-marker bit; sizes drop it; all data bits set in a size
    means "unknown size"."""
    if pos >= len(buf):
        raise Defect(f"EBML element at offset {base + pos} is cut off (truncated)")
    if buf[pos] == 0:
        raise Defect(f"invalid EBML variable-length integer at offset {base + pos}")
    length = 9 - buf[pos].bit_length()
    if pos + length > len(buf):
        raise Defect(f"EBML element at offset {base + pos} is cut off (truncated)")
    value = int.from_bytes(buf[pos : pos + length], "big")
    data = value & ((1 << (7 * length)) - 1)
    return (value if keep_marker else data), length, data == (1 << (7 * length)) - 1


def _ebml_element(buf: bytes, pos: int, base: int = 0) -> tuple[int, int, int, bool]:
    """(id, data offset in buf, data size, unknown size) of the element at buf[pos]."""
    element_id, id_len, _ = _vint(buf, pos, base, keep_marker=True)
    if id_len > 4:
        raise Defect(f"EBML element id at offset {base + pos} is longer than 4 bytes")
    data_size, size_len, unknown = _vint(buf, pos + id_len, base, keep_marker=False)
    return element_id, pos + id_len + size_len, data_size, unknown


def _ebml(f: BinaryIO, size: int) -> None:
    """Check the EBML header and its DocType, then the Segment after it."""
    buf = read_at(f, 0, min(size, EBML_HEADER_CAP))
    if buf[:4] != _EBML_ID.to_bytes(4, "big"):
        raise Defect("no EBML header (file does not start with 1A 45 DF A3)")
    _, data, header_size, unknown = _ebml_element(buf, 0)
    header_end = data + header_size
    if unknown:
        raise Defect("EBML header has an unknown size (only a Segment or Cluster may)")
    if header_end > size:
        raise Defect(
            f"EBML header declares {header_size:,} bytes but the file has {size:,} (truncated)"
        )
    if header_end > len(buf):
        raise Defect(f"EBML header declares {header_size:,} bytes (implausibly large)")
    doctype = _ebml_doctype(buf[:header_end], data)
    if doctype not in ("matroska", "webm"):
        raise Defect(f"EBML DocType is {doctype!r}, not 'matroska' or 'webm'")
    _ebml_segment(f, header_end, size)


def _ebml_doctype(header: bytes, pos: int) -> str | None:
    """The DocType string among the EBML header's children (None when absent)."""
    doctype = None
    for _ in range(MAX_ENTRIES):
        if pos >= len(header):
            return doctype
        element_id, data, data_size, unknown = _ebml_element(header, pos)
        if unknown or data + data_size > len(header):
            raise Defect(f"EBML header element at offset {pos} runs past the end of the header")
        if element_id == _DOCTYPE_ID:
            doctype = header[data : data + data_size].rstrip(b"\0").decode("latin-1")
        pos = data + data_size
    raise Defect(f"more than {MAX_ENTRIES:,} elements in the EBML header")


def _ebml_segment(f: BinaryIO, pos: int, size: int) -> None:
    """After the header (and any Void elements) a Segment must follow and fit in the file."""
    for _ in range(MAX_ENTRIES):
        head = read_at(f, pos, 12)  # 4-byte id + up to 8-byte size
        if not head:
            raise Defect(f"no Segment after the EBML header (file ends at offset {pos})")
        element_id, data, data_size, unknown = _ebml_element(head, 0, pos)
        end = pos + data + data_size
        if element_id == _SEGMENT_ID:
            if not unknown and end > size:
                raise Defect(
                    f"Matroska Segment at offset {pos} declares {data_size:,} bytes but the file "
                    f"ends {size - pos - data:,} bytes after its header (truncated)"
                )
            return
        if element_id != _VOID_ID or unknown:
            raise Defect(f"EBML header is followed by element 0x{element_id:X}, not a Segment")
        pos = end
    raise Defect(f"more than {MAX_ENTRIES:,} Void elements before the Segment")
