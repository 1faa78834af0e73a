"""ID3v2 tags at the start of MP3 (and FLAC) files: header and frame layout."""

from __future__ import annotations

from provscan.extract.av_structure._walk import (
    READ_ERRORS,
    Defect,
    check_count,
    fourcc_name,
    synchsafe,
)


def id3_problem(head: bytes) -> str | None:
    """ID3v2.2/2.3/2.4 tag at the start of ``head``: sizes are synchsafe and frames fit the tag,
    have valid ids and room for their flag fields. None when head does not start with 'ID3'."""
    if not head.startswith(b"ID3"):
        return None
    try:
        _id3(head)
        return None
    except Defect as defect:
        return str(defect)
    except READ_ERRORS as exc:
        return f"ID3v2 tag could not be read: {exc}"


def _id3(head: bytes) -> None:
    """Check the tag header, then walk the frames head holds."""
    if len(head) < 10:
        raise Defect(f"ID3v2 header is cut off ({len(head)} of 10 bytes)")
    major, flags = head[3], head[5]
    if major not in (2, 3, 4):
        raise Defect(f"unknown ID3v2 version 2.{major}")
    tag_size = synchsafe(head[6:10])
    body = head[10 : 10 + tag_size]
    partial = len(body) < tag_size  # head holds only part of the tag: check what it holds
    if major == 2 and flags & 0x40:
        return  # v2.2 'compression' has no defined scheme: readers skip such a tag whole
    if flags & 0x80 and major < 4:
        body = body.replace(b"\xff\x00", b"\xff")  # v2.2/2.3 unsynchronise the whole tag body
    tag_end = tag_size if partial else len(body)  # frames may run past head, not past the tag
    start = _id3_extended_header(body, major, flags)
    try:
        _id3_frames(body, start, major, tag_end, synchsafe_sizes=major == 4)
    except Defect:
        if major != 4:
            raise
        try:  # iTunes and others wrote v2.4 frame sizes as plain integers; readers accept both
            _id3_frames(body, start, major, tag_end, synchsafe_sizes=False)
        except Defect:
            pass
        else:
            return
        raise


def _id3_extended_header(body: bytes, major: int, flags: int) -> int:
    """Offset in body where frames start, past the extended header if the tag has one."""
    if major == 2 or not flags & 0x40:
        return 0
    if len(body) < 4:
        raise Defect("ID3v2 extended header is cut off")
    if major == 3:
        ext_len = 4 + int.from_bytes(body[:4], "big")  # v2.3: size excludes its own 4 bytes
    else:
        ext_len = synchsafe(body[:4])  # v2.4: synchsafe and includes itself
        if ext_len < 6:
            raise Defect(f"ID3v2.4 extended header declares {ext_len} bytes (minimum 6)")
    if ext_len > len(body):
        raise Defect(f"ID3v2 extended header declares {ext_len:,} bytes, more than the tag")
    return ext_len


def _id3_frames(body: bytes, pos: int, major: int, tag_end: int, synchsafe_sizes: bool) -> None:
    """Walk frames in body until padding or its end; each frame must end by tag_end (which is
    beyond body when head holds only part of the tag)."""
    partial = tag_end > len(body)
    id_len, header_len = (3, 6) if major == 2 else (4, 10)
    count = 0
    while pos < len(body) and body[pos] != 0:  # a zero byte where an id should be: padding
        count += 1
        check_count(count, "ID3v2 frames", "in the tag")
        if len(body) - pos < header_len:
            if partial:
                return  # head ends inside this header; the rest of the tag is not ours to see
            raise Defect(f"ID3v2 frame header at tag offset {pos + 10} is cut off by the tag end")
        frame_id = body[pos : pos + id_len]
        if not all(0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A for b in frame_id):
            raise Defect(
                f"ID3v2 frame id {frame_id!r} at tag offset {pos + 10} is not A-Z/0-9 "
                "(garbage before the padding)"
            )
        raw_size = body[pos + id_len : pos + header_len - (0 if major == 2 else 2)]
        frame_size = synchsafe(raw_size) if synchsafe_sizes else int.from_bytes(raw_size, "big")
        if pos + header_len + frame_size > tag_end:
            raise Defect(
                f"ID3v2 frame {fourcc_name(frame_id)} at tag offset {pos + 10} declares "
                f"{frame_size:,} bytes, running past the end of the tag"
            )
        if major > 2:
            _id3_frame_flags(frame_id, body[pos + 8 : pos + 10], frame_size, major)
        pos += header_len + frame_size


def _id3_frame_flags(frame_id: bytes, flags: bytes, frame_size: int, major: int) -> None:
    """Format flags add fields before the frame data; the frame must have room for them."""
    fmt = flags[1]
    if major == 3:  # 0x80 compressed (+4 decompressed size), 0x40 encrypted, 0x20 grouped (+1)
        needed = 4 * bool(fmt & 0x80) + bool(fmt & 0x40) + bool(fmt & 0x20)
    else:  # 0x01 data length indicator (+4), 0x04 encrypted, 0x40 grouped (+1)
        needed = 4 * bool(fmt & 0x01) + bool(fmt & 0x04) + bool(fmt & 0x40)
    if frame_size < needed:
        raise Defect(
            f"ID3v2.{major} frame {fourcc_name(frame_id)} has format flags 0x{fmt:02x} needing "
            f"{needed} bytes of extra fields but is only {frame_size} bytes long"
        )
