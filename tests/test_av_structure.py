"""Structural checks for video/audio containers: the real corpus, and hostile bytes built here."""

from __future__ import annotations

import io
import random
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from provscan.extract.av_structure.checks import (
    aiff_problem,
    bmff_problem,
    ebml_problem,
    flac_problem,
    id3_problem,
    ogg_problem,
    riff_problem,
)

FileCheck = Callable[[BinaryIO, int], "str | None"]


def run(check: FileCheck, data: bytes) -> str | None:
    """Run a file check over in-memory bytes."""
    return check(io.BytesIO(data), len(data))


def id3_check(f: BinaryIO, size: int) -> str | None:
    """id3_problem as a file check: the first 64 KiB, as the integrity detector passes it."""
    return id3_problem(f.read(64 * 1024))


class CountingIO(io.BytesIO):
    """BytesIO that counts the bytes handed out by read()."""

    bytes_read = 0

    def read(self, n: int | None = -1) -> bytes:
        """Read as BytesIO does, counting what was returned."""
        data = super().read(n)
        self.bytes_read += len(data)
        return data


# --- corpus --------------------------------------------------------------------------------

CHECK_FOR_FORMAT: dict[str, FileCheck] = {
    "mp4": bmff_problem,
    "mov": bmff_problem,
    "m4a": bmff_problem,
    "3gp": bmff_problem,
    "mp4-fragment(m4s)": bmff_problem,
    "heif": bmff_problem,  # HEIF/AVIF/CR3 are ISO BMFF too: extra coverage for the walker
    "avif": bmff_problem,
    "cr3": bmff_problem,
    "wav": riff_problem,
    "wav (BWF)": riff_problem,
    "avi": riff_problem,
    "webp": riff_problem,
    "mp3": id3_check,  # id3_problem returns None when the file does not start with ID3
    "flac": flac_problem,
    "ogg-flac": ogg_problem,
    "ogg-opus": ogg_problem,
    "ogg-vorbis": ogg_problem,
    "matroska": ebml_problem,
    "webm": ebml_problem,
    "aiff": aiff_problem,
}

# Corpus files whose bytes really are broken: local_path -> words the problem must contain.
EXPECTED_PROBLEMS: dict[str, str] = {
    # Robustness fixture: ftyp, then 1000 'moov' boxes each wrapping the next (sizes 0x1f51,
    # 0x1f49, 0x1f41 ... at offsets 24, 32, 40 ...), innermost 'free' "INNERMOST".
    "c2pa-rs/sdk/tests/fixtures/nested_moov_1000.mp4": "nested deeper than 32 levels",
    # Robustness fixture: 'fmt ', empty 'data', then LIST in LIST in LIST ... (1000 deep).
    "c2pa-rs/sdk/tests/fixtures/riff_bomb_1000.wav": "LIST chunks nested deeper than 8 levels",
    # Robustness fixture: RIFF size bytes 96 FD 15 00 = 1,441,174 but the file has 441,180 bytes.
    "c2pa-rs/sdk/tests/fixtures/sample3.invalid.wav": "1,441,174 bytes after its 8-byte header",
    # Robustness fixture: at offset 10 'TIT2' size 00 00 00 03 flags 00 80 (compressed): 3 bytes
    # cannot hold the 4-byte decompressed-size field.
    "c2pa-rs/sdk/tests/fixtures/id3v23_compression_underflow.mp3": "frame TIT2 has format flags",
    # exiftool stub, truly truncated: Segment (18 53 80 67) at offset 24 has size vint
    # 01 00 00 00 01 10 FE 2F = 17,890,863 bytes; the file has 507.
    "exiftool/t/images/Matroska.mkv": "Segment at offset 24 declares 17,890,863 bytes",
    # exiftool stub, truly truncated: RIFF size bytes 50 3B FE 06 = 117,324,624; file 1,672 bytes.
    "exiftool/t/images/Pentax.avi": "117,324,624 bytes after its 8-byte header",
    # exiftool stub, truly truncated: RIFF size bytes B6 3B 2A 00 = 2,767,798; file 1,262 bytes.
    "exiftool/t/images/RIFF.avi": "2,767,798 bytes after its 8-byte header",
    # exiftool stub, truly truncated: page 3 'OggS' at offset 5343 has segment count 0xAE (174)
    # but only 1 byte of segment table follows before the end of the 5,371-byte file.
    "exiftool/t/images/Vorbis.ogg": "Ogg page 3 segment table at offset 5343 is cut off",
}


def _corpus_results(corpus: Path, catalog: list[dict[str, str]]) -> dict[str, str | None]:
    """local_path -> problem for every catalog row with a structural check."""
    results: dict[str, str | None] = {}
    for row in catalog:
        check = CHECK_FOR_FORMAT.get(row["format"])
        if check is None:
            continue
        path = corpus / row["local_path"]
        with open(path, "rb") as f:
            results[row["local_path"]] = check(f, path.stat().st_size)
    return results


def test_corpus_av_files_are_structurally_sound(
    corpus: Path, catalog: list[dict[str, str]]
) -> None:
    """Every real video/audio file outside EXPECTED_PROBLEMS passes its structural check."""
    results = _corpus_results(corpus, catalog)
    assert len(results) >= 60  # the sweep really ran over the corpus
    wrong = {p: r for p, r in results.items() if p not in EXPECTED_PROBLEMS and r is not None}
    assert wrong == {}


def test_corpus_broken_files_are_reported(corpus: Path, catalog: list[dict[str, str]]) -> None:
    """Each deliberately broken or truly truncated corpus file gets its specific problem."""
    results = _corpus_results(corpus, catalog)
    for path, words in EXPECTED_PROBLEMS.items():
        assert path in results, f"{path} left the catalog: update EXPECTED_PROBLEMS"
        assert words in (results[path] or ""), (path, results[path])


# --- ISO BMFF ------------------------------------------------------------------------------


def box(kind: bytes, payload: bytes = b"") -> bytes:
    """An ISO BMFF box with a 32-bit size."""
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def nest(kind: bytes, depth: int, inner: bytes = b"") -> bytes:
    """``depth`` boxes of ``kind``, each wrapping the next."""
    for _ in range(depth):
        inner = box(kind, inner)
    return inner


FTYP = box(b"ftyp", b"isom\0\0\0\0isom")
MOVIE = FTYP + box(b"moov", box(b"mvhd", bytes(100))) + box(b"mdat", bytes(64))


def test_bmff_minimal_movie_passes() -> None:
    """ftyp + moov + mdat whose sizes add up is sound."""
    assert run(bmff_problem, MOVIE) is None


def test_bmff_truncated_mdat() -> None:
    """A top-level box declaring more bytes than the file has is reported as truncated."""
    problem = run(bmff_problem, MOVIE[:-10])
    assert problem is not None and "'mdat'" in problem and "truncated" in problem


def test_bmff_size_zero_runs_to_end() -> None:
    """Size 0 means the box extends to the end of the file."""
    assert run(bmff_problem, FTYP + box(b"moov") + b"\0\0\0\0mdat" + bytes(500)) is None


def test_bmff_largesize() -> None:
    """Size 1 takes the 64-bit largesize; a huge largesize is truncation, not a crash."""
    good = FTYP + box(b"moov") + struct.pack(">I4sQ", 1, b"mdat", 16 + 40) + bytes(40)
    assert run(bmff_problem, good) is None
    huge = FTYP + box(b"moov") + struct.pack(">I4sQ", 1, b"mdat", 2**64 - 1) + bytes(40)
    assert "truncated" in (run(bmff_problem, huge) or "")
    cut = FTYP + box(b"moov") + struct.pack(">I4s", 1, b"mdat") + b"\0\0"
    assert "64-bit size is cut off" in (run(bmff_problem, cut) or "")


def test_bmff_sizes_smaller_than_header() -> None:
    """Box sizes 2..7 (and a largesize under 16) cannot hold their own header."""
    assert "less than its own" in (run(bmff_problem, MOVIE + struct.pack(">I4s", 4, b"free")) or "")
    small_large = MOVIE + struct.pack(">I4sQ", 1, b"free", 12)
    assert "less than its own 16-byte header" in (run(bmff_problem, small_large) or "")


def test_bmff_child_running_past_parent() -> None:
    """A child box whose size overruns its container is a problem even if the file is longer."""
    bad_trak = struct.pack(">I4s", 500, b"trak") + bytes(20)
    data = FTYP + box(b"moov", box(b"mvhd", bytes(10)) + bad_trak) + box(b"mdat", bytes(1000))
    problem = run(bmff_problem, data)
    assert problem is not None and "'trak'" in problem and "inside 'moov'" in problem


def test_bmff_nesting_limit() -> None:
    """32 nested containers pass, 33 fail, and 100,000 fail quickly without recursion errors."""
    assert run(bmff_problem, FTYP + nest(b"moov", 32)) is None
    problem = run(bmff_problem, FTYP + nest(b"moov", 33))
    assert problem == (
        "ISO BMFF boxes nested deeper than 32 levels (moov inside moov inside moov ...)"
    )
    deep = FTYP + b"".join(struct.pack(">I4s", 8 * (100_000 - i), b"trak") for i in range(100_000))
    assert "nested deeper than 32 levels" in (run(bmff_problem, deep) or "")


def test_bmff_no_movie_header() -> None:
    """A file with no moov and no moof is reported."""
    problem = run(bmff_problem, FTYP + box(b"mdat", bytes(64)))
    assert problem is not None and problem.startswith("no movie header (moov)")
    assert run(bmff_problem, b"") == "no ISO BMFF boxes (empty file)"


@pytest.mark.parametrize("first", [b"styp", b"sidx", b"moof"])
def test_bmff_dash_segment_needs_no_moov(first: bytes) -> None:
    """A media segment starting with styp/sidx/moof is fine without a moov."""
    segment = box(first, bytes(12)) + box(b"moof", box(b"mfhd", bytes(8))) + box(b"mdat", bytes(9))
    assert run(bmff_problem, segment) is None


def test_bmff_heif_image_needs_no_moov() -> None:
    """A HEIF/AVIF still image (items in a top-level 'meta') needs no movie header."""
    heif = box(b"ftyp", b"heic\0\0\0\0mif1heic") + box(b"meta", bytes(4) + box(b"hdlr", bytes(25)))
    assert run(bmff_problem, heif + box(b"mdat", bytes(30))) is None


def test_bmff_meta_full_box_and_quicktime_meta() -> None:
    """ISO 'meta' skips 4 bytes of version/flags, QuickTime 'meta' has none; both are walked."""
    hdlr = box(b"hdlr", bytes(25))
    iso = FTYP + box(b"moov", box(b"udta", box(b"meta", bytes(4) + hdlr)))
    quicktime = FTYP + box(b"moov", box(b"meta", hdlr + box(b"keys", bytes(8))))
    assert run(bmff_problem, iso) is None
    assert run(bmff_problem, quicktime) is None
    overrun = FTYP + box(b"moov", box(b"meta", bytes(4) + struct.pack(">I4s", 99, b"hdlr")))
    assert "inside 'meta'" in (run(bmff_problem, overrun) or "")


def test_bmff_quicktime_udta_zero_terminator() -> None:
    """QuickTime's 32-bit zero at the end of 'udta' is fine; 4 stray non-zero bytes are not."""
    udta = box(b"udta", box(b"\xa9nam", bytes(12)) + bytes(4))
    assert run(bmff_problem, FTYP + box(b"moov", udta)) is None
    stray = box(b"udta", box(b"\xa9nam", bytes(12)) + b"junk")
    assert "cut off inside 'udta'" in (run(bmff_problem, FTYP + box(b"moov", stray)) or "")


def test_bmff_million_flat_boxes_inside_moov() -> None:
    """A container with 1,000,000 empty children stops at the per-level cap with a problem."""
    problem = run(bmff_problem, FTYP + box(b"moov", box(b"free") * 1_000_000))
    assert problem == "more than 10,000 ISO BMFF boxes inside 'moov'"


def test_bmff_million_flat_top_level_boxes() -> None:
    """1,000,000 top-level boxes: the walk stops at the cap; with no moov that is a problem."""
    problem = run(bmff_problem, FTYP + box(b"free") * 1_000_000)
    assert problem is not None and problem.startswith("no movie header")


def test_bmff_long_fragmented_stream_is_not_a_problem() -> None:
    """More than 10,000 top-level boxes after a moov (long fMP4) is checked up to the cap only."""
    fragments = (box(b"moof", box(b"mfhd", bytes(8))) + box(b"mdat", bytes(4))) * 6_000
    assert run(bmff_problem, MOVIE + fragments) is None


def test_bmff_total_box_budget() -> None:
    """Nesting cannot multiply the per-level cap: 100,000 boxes in total is the limit."""
    trak = box(b"trak", box(b"free") * 9_000)
    problem = run(bmff_problem, FTYP + box(b"moov", trak * 12))
    assert problem == "more than 100,000 ISO BMFF boxes in total"


def test_bmff_seeks_past_media_payload() -> None:
    """An 8 MiB mdat is skipped: only headers are read."""
    f = CountingIO(MOVIE + box(b"mdat", bytes(8 * 1024 * 1024)))
    assert bmff_problem(f, len(f.getvalue())) is None
    assert f.bytes_read < 1024


# --- RIFF ----------------------------------------------------------------------------------


def chunk(chunk_id: bytes, payload: bytes = b"") -> bytes:
    """A RIFF chunk, padded to an even length."""
    return struct.pack("<4sI", chunk_id, len(payload)) + payload + bytes(len(payload) & 1)


def riff(form: bytes, body: bytes, magic: bytes = b"RIFF", size: int | None = None) -> bytes:
    """A RIFF file whose header size counts the form type and body (unless given)."""
    return magic + struct.pack("<I", 4 + len(body) if size is None else size) + form + body


def list_chunk(list_type: bytes, body: bytes) -> bytes:
    """A LIST chunk of the given type."""
    return chunk(b"LIST", list_type + body)


WAV_BODY = chunk(b"fmt ", bytes(16)) + chunk(b"data", bytes(100))
WAV = riff(b"WAVE", WAV_BODY)


def test_riff_minimal_wav_passes() -> None:
    """fmt + data + a LIST INFO whose sizes add up is sound."""
    info = list_chunk(b"INFO", chunk(b"INAM", b"title\0") + chunk(b"ISFT", b"x\0\0"))
    assert run(riff_problem, riff(b"WAVE", WAV_BODY + info)) is None


def test_riff_truncated_file() -> None:
    """A RIFF size promising more than the file holds is truncation."""
    problem = run(riff_problem, WAV[:-20])
    assert problem is not None and "truncated" in problem


def test_riff_missing_final_pad_byte_is_fine() -> None:
    """One byte short (the odd last chunk's pad byte) is tolerated."""
    odd = riff(b"WAVE", chunk(b"fmt ", bytes(16)) + chunk(b"data", bytes(101)))
    assert run(riff_problem, odd[:-1]) is None
    assert "truncated" in (run(riff_problem, odd[:-2]) or "")


def test_riff_size_counting_its_own_header_is_fine() -> None:
    """A RIFF size equal to the file size (writer counted the 8-byte header) is tolerated."""
    assert run(riff_problem, riff(b"WAVE", WAV_BODY, size=len(WAV))) is None


def test_riff_stale_small_size_and_trailing_data() -> None:
    """A chunk straddling a too-small RIFF size is accepted; data after the RIFF is not walked."""
    straddling = chunk(b"LIST", b"INFO" + bytes(20))
    stale = riff(b"WAVE", WAV_BODY + straddling, size=4 + len(WAV_BODY) + 10)
    assert run(riff_problem, stale) is None
    id3v1 = WAV + b"TAG" + bytes(125)  # an appended ID3v1 tag is no chunk
    assert run(riff_problem, id3v1) is None


def test_riff_unknown_sizes_of_streamed_files() -> None:
    """RIFF and data sizes of 0xFFFFFFFF (streamed writer) mean "to the end of the file"."""
    body = chunk(b"fmt ", bytes(16)) + struct.pack("<4sI", b"data", 0xFFFFFFFF) + bytes(300)
    assert run(riff_problem, riff(b"WAVE", body, size=0xFFFFFFFF)) is None


def test_riff_rf64_sizes_come_from_ds64() -> None:
    """RF64/BW64 'data' sizes come from ds64; a ds64 size past the end is truncation."""

    def rf64(data_size: int, magic: bytes = b"RF64") -> bytes:
        """An RF64/BW64 WAV whose ds64 gives the 'data' size."""
        ds64 = chunk(b"ds64", struct.pack("<QQQI", 0, data_size, 0, 0))
        data = struct.pack("<4sI", b"data", 0xFFFFFFFF) + bytes(200)
        return riff(b"WAVE", ds64 + chunk(b"fmt ", bytes(16)) + data, magic, size=0xFFFFFFFF)

    assert run(riff_problem, rf64(200)) is None
    assert run(riff_problem, rf64(200, b"BW64")) is None
    problem = run(riff_problem, rf64(10**12))
    assert problem is not None and "'data'" in problem


def test_riff_chunk_past_end_of_file() -> None:
    """A chunk whose size runs past the file is reported, also with a huge 32-bit size."""
    bad = riff(b"WAVE", chunk(b"fmt ", bytes(16)) + struct.pack("<4sI", b"data", 0xFFFFFFF0))
    problem = run(riff_problem, bad)
    assert problem is not None and "'data'" in problem and "truncated" in problem


def test_riff_list_child_past_parent() -> None:
    """A LIST child overrunning its LIST is a problem even though the file is long enough."""
    bad_list = chunk(b"LIST", b"INFO" + struct.pack("<4sI", b"INAM", 40) + bytes(8))
    problem = run(riff_problem, riff(b"WAVE", WAV_BODY + bad_list + bytes(100)))
    assert problem is not None and "inside LIST 'INFO'" in problem


def test_riff_list_nesting_limit() -> None:
    """8 nested LISTs pass, 9 fail, 100,000 fail quickly."""

    def nested(depth: int) -> bytes:
        """A WAV with ``depth`` LIST chunks each wrapping the next."""
        inner = chunk(b"INAM", b"x\0")
        for _ in range(depth):
            inner = list_chunk(b"INFO", inner)
        return riff(b"WAVE", WAV_BODY + inner)

    assert run(riff_problem, nested(8)) is None
    assert run(riff_problem, nested(9)) == "RIFF LIST chunks nested deeper than 8 levels"
    levels = (
        struct.pack("<4sI4s", b"LIST", 12 * (100_000 - i) - 8, b"INFO") for i in range(100_000)
    )
    deep = riff(b"WAVE", b"".join(levels))
    assert run(riff_problem, deep) == "RIFF LIST chunks nested deeper than 8 levels"


def test_riff_million_flat_chunks() -> None:
    """1,000,000 empty chunks stop at the per-level cap with a problem."""
    problem = run(riff_problem, riff(b"WAVE", chunk(b"JUNK") * 1_000_000))
    assert problem == "more than 10,000 RIFF chunks in the file"


def test_riff_avi_movi_payload_is_not_walked() -> None:
    """AVI 'movi' (frame chunks) is skipped, so garbage inside it is not our business."""
    movi = list_chunk(b"movi", b"\xff" * 64)
    avi = riff(b"AVI ", list_chunk(b"hdrl", chunk(b"avih", bytes(56))) + movi)
    assert run(riff_problem, avi) is None


def test_riff_header_defects() -> None:
    """Not RIFF, a cut-off header, a size too small for the form, a LIST without a type."""
    assert "no RIFF header" in (run(riff_problem, b"RIFX" + bytes(20)) or "")
    assert "cut off" in (run(riff_problem, b"RIFF\x04\0") or "")
    assert "too few for the form type" in (run(riff_problem, riff(b"WAVE", b"", size=2)) or "")
    tiny_list = riff(b"WAVE", struct.pack("<4sI", b"LIST", 2) + b"IN")
    assert "too small to hold its list type" in (run(riff_problem, tiny_list) or "")


# --- ID3v2 ---------------------------------------------------------------------------------


def synchsafe(n: int) -> bytes:
    """n as a 4-byte synchsafe integer."""
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def id3(major: int, frames: bytes, padding: int = 0, flags: int = 0) -> bytes:
    """An ID3v2 tag around the given frames."""
    return (
        b"ID3"
        + bytes([major, 0, flags])
        + synchsafe(len(frames) + padding)
        + frames
        + bytes(padding)
    )


def frame23(frame_id: bytes, data: bytes, flags: bytes = b"\0\0") -> bytes:
    """An ID3v2.3 frame (plain 32-bit size)."""
    return frame_id + struct.pack(">I", len(data)) + flags + data


def frame24(frame_id: bytes, data: bytes, flags: bytes = b"\0\0") -> bytes:
    """An ID3v2.4 frame (synchsafe size)."""
    return frame_id + synchsafe(len(data)) + flags + data


def test_id3_valid_tags_pass() -> None:
    """Well-formed v2.2, v2.3 and v2.4 tags with padding pass; non-ID3 input is not ours."""
    v22 = id3(2, b"TT2" + (6).to_bytes(3, "big") + b"\0title", padding=20)
    assert id3_problem(v22 + b"\xff\xfb") is None
    assert id3_problem(id3(3, frame23(b"TIT2", b"\0title"), padding=50)) is None
    assert id3_problem(id3(4, frame24(b"TIT2", b"\3title") + frame24(b"TDRC", b"\0002024"))) is None
    assert id3_problem(b"\xff\xfb\x90\x00" + bytes(100)) is None
    assert id3_problem(b"") is None


def test_id3_frame_past_tag_end() -> None:
    """A frame declaring more bytes than the tag holds is reported."""
    tag = bytearray(id3(3, frame23(b"TIT2", b"\0title")))
    tag[14:18] = struct.pack(">I", 500)
    problem = id3_problem(bytes(tag) + bytes(600))  # the file goes on, the tag does not
    assert problem is not None and "running past the end of the tag" in problem


def test_id3_v23_compressed_frame_too_small() -> None:
    """v2.3 compression flag needs 4 bytes of decompressed size: size 3 fails, 8 passes."""
    assert "only 3 bytes" in (id3_problem(id3(3, frame23(b"TIT2", b"abc", b"\0\x80"))) or "")
    assert id3_problem(id3(3, frame23(b"TIT2", struct.pack(">I", 9) + b"zlib", b"\0\x80"))) is None


def test_id3_v23_encrypted_and_grouped_frames_need_their_bytes() -> None:
    """v2.3 encryption and grouping each add one byte; an empty frame cannot hold them."""
    assert id3_problem(id3(3, frame23(b"TIT2", b"", b"\0\x40"))) is not None
    assert id3_problem(id3(3, frame23(b"TIT2", b"\x01", b"\0\x40"))) is None
    assert id3_problem(id3(3, frame23(b"TIT2", b"\x01", b"\0\xe0"))) is not None  # needs 6


def test_id3_v24_data_length_indicator_too_small() -> None:
    """v2.4 data-length-indicator flag needs 4 bytes: size 3 fails, 4 passes."""
    assert id3_problem(id3(4, frame24(b"TIT2", b"abc", b"\0\x01"))) is not None
    assert id3_problem(id3(4, frame24(b"TIT2", synchsafe(0), b"\0\x01"))) is None


def test_id3_invalid_frame_id() -> None:
    """Lower-case or control characters in a frame id before the padding are a problem."""
    problem = id3_problem(id3(3, frame23(b"TIT2", b"\0a") + frame23(b"ti\x01x", b"\0b")))
    assert problem is not None and "not A-Z/0-9" in problem


def test_id3_header_defects() -> None:
    """A cut-off header, a non-synchsafe size and an unknown version are problems."""
    assert "cut off" in (id3_problem(b"ID3\x03\x00") or "")
    assert "not synchsafe" in (id3_problem(b"ID3\x03\x00\x00\x00\x00\x80\x00") or "")
    assert id3_problem(b"ID3\x05\x00\x00" + bytes(4)) == "unknown ID3v2 version 2.5"


def test_id3_head_shorter_than_tag_checks_what_it_holds() -> None:
    """A frame running past head but within the declared tag is fine; past the tag is not."""
    tag = id3(3, frame23(b"TIT2", b"\0t") + frame23(b"APIC", bytes(200_000)))
    assert id3_problem(tag[: 64 * 1024]) is None
    assert id3_problem(tag[:15]) is None  # head ends inside the first frame header
    lying = b"ID3\x03\x00\x00" + synchsafe(100) + frame23(b"APIC", bytes(500))
    assert id3_problem(lying[:64]) is not None


def test_id3_v24_itunes_plain_sizes() -> None:
    """v2.4 frames written with plain (not synchsafe) sizes are read the way players read them."""
    plain = b"TIT2" + struct.pack(">I", 200) + b"\0\0" + bytes(200)  # 0xC8 is not synchsafe
    assert id3_problem(id3(4, plain + frame23(b"TALB", b"\0x"))) is None


def test_id3_unsynchronised_v23_tag() -> None:
    """A v2.3 tag with the unsynchronisation flag is decoded before its frames are walked."""
    frames = frame23(b"TIT2", b"\0\xff\xe0abc")
    encoded = frames.replace(b"\xff", b"\xff\x00")
    assert id3_problem(b"ID3\x03\x00\x80" + synchsafe(len(encoded)) + encoded) is None


def test_id3_extended_header() -> None:
    """Extended headers are skipped; one longer than the tag is a problem."""
    ext23 = struct.pack(">I", 6) + bytes(6)
    assert id3_problem(id3(3, ext23 + frame23(b"TIT2", b"\0x"), flags=0x40)) is None
    ext24 = synchsafe(6) + b"\x01\x00"
    assert id3_problem(id3(4, ext24 + frame24(b"TIT2", b"\0x"), flags=0x40)) is None
    assert id3_problem(id3(3, struct.pack(">I", 999) + bytes(6), flags=0x40)) is not None
    assert id3_problem(id3(4, synchsafe(2) + bytes(6), flags=0x40)) is not None


def test_id3_many_empty_frames_stop_at_cap() -> None:
    """20,000 empty frames stop at the 10,000-frame cap with a problem."""
    problem = id3_problem(id3(3, frame23(b"PRIV", b"") * 20_000))
    assert problem == "more than 10,000 ID3v2 frames in the tag"


# --- FLAC ----------------------------------------------------------------------------------


def block(block_type: int, data: bytes, last: bool = False) -> bytes:
    """A FLAC metadata block."""
    return bytes([block_type | (0x80 if last else 0)]) + len(data).to_bytes(3, "big") + data


FLAC = b"fLaC" + block(0, bytes(34)) + block(4, bytes(40), last=True) + b"\xff\xf8" + bytes(98)


def test_flac_valid_passes() -> None:
    """STREAMINFO first, blocks that fit, last-block flag: sound; a leading ID3v2 is skipped."""
    assert run(flac_problem, FLAC) is None
    assert run(flac_problem, id3(3, frame23(b"TIT2", b"\0x")) + FLAC) is None


def test_flac_first_block_must_be_streaminfo() -> None:
    """A first block that is not a 34-byte STREAMINFO is a problem."""
    assert "not a 34-byte STREAMINFO" in (run(flac_problem, b"fLaC" + block(1, bytes(34))) or "")
    assert "not a 34-byte STREAMINFO" in (run(flac_problem, b"fLaC" + block(0, bytes(0))) or "")


def test_flac_block_past_end() -> None:
    """A block longer than the rest of the file is truncation; so is a file with no last block."""
    huge = b"fLaC" + block(0, bytes(34)) + b"\x84\xff\xff\xff" + bytes(10)
    assert "truncated" in (run(flac_problem, huge) or "")
    no_last = b"fLaC" + block(0, bytes(34)) + block(1, bytes(0))
    assert "cut off" in (run(flac_problem, no_last) or "")


def test_flac_header_defects() -> None:
    """Missing signature, invalid block type 127, and a tag larger than the file are problems."""
    assert "no 'fLaC'" in (run(flac_problem, b"OggS" + bytes(40)) or "")
    bad_type = b"fLaC" + block(0, bytes(34)) + block(127, b"", last=True)
    assert "invalid type 127" in (run(flac_problem, bad_type) or "")
    assert "leading ID3v2" in (run(flac_problem, b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f") or "")


def test_flac_too_many_blocks() -> None:
    """20,000 empty padding blocks without a last flag stop at the cap with a problem."""
    data = b"fLaC" + block(0, bytes(34)) + block(1, b"") * 20_000
    assert run(flac_problem, data) == "more than 10,000 FLAC metadata blocks"


# --- Ogg -----------------------------------------------------------------------------------


def page(payload: bytes, seq: int = 0, version: int = 0, flags: int = 0) -> bytes:
    """An Ogg page holding one packet (no CRC: the check does not verify it)."""
    lacing = [255] * (len(payload) // 255) + [len(payload) % 255]
    head = b"OggS" + bytes([version, flags]) + bytes(8) + struct.pack("<II", 1, seq) + bytes(4)
    return head + bytes([len(lacing)]) + bytes(lacing) + payload


OGG = page(b"\x01vorbis" + bytes(23), flags=2) + page(bytes(600), 1) + page(bytes(40), 2, flags=4)


def test_ogg_valid_passes() -> None:
    """Pages whose segment tables add up to the file size are sound."""
    assert run(ogg_problem, OGG) is None


def test_ogg_truncated_last_page() -> None:
    """A last page cut short, or a header/segment table cut off, is truncation."""
    assert "truncated" in (run(ogg_problem, OGG[:-5]) or "")
    assert "header at offset" in (run(ogg_problem, OGG + b"OggS\0") or "")
    assert "segment table" in (run(ogg_problem, OGG[: len(OGG) - 40 - 1]) or "")


def test_ogg_page_defects() -> None:
    """Lost capture pattern, unknown version and an empty file are problems."""
    assert "no Ogg capture pattern" in (run(ogg_problem, OGG + b"junkjunk" * 5) or "")
    assert "unknown version 1" in (run(ogg_problem, page(b"x", version=1)) or "")
    assert run(ogg_problem, b"") == "no Ogg page (empty file)"


def test_ogg_stops_after_64_pages() -> None:
    """Only the first 64 pages are walked: garbage after them is not looked at."""
    pages = b"".join(page(bytes(10), i) for i in range(64))
    assert run(ogg_problem, pages + b"garbage" * 10) is None
    assert run(ogg_problem, pages[:-3]) is not None  # the 64th page itself is still checked


# --- EBML ----------------------------------------------------------------------------------


def element(element_id: bytes, payload: bytes) -> bytes:
    """An EBML element with an 8-byte size vint."""
    return element_id + b"\x01" + len(payload).to_bytes(7, "big") + payload


EBML_ID, SEGMENT_ID = b"\x1a\x45\xdf\xa3", b"\x18\x53\x80\x67"


def ebml_header(doctype: bytes | None = b"webm") -> bytes:
    """An EBML header element naming the DocType."""
    version = element(b"\x42\x86", b"\x01")
    return element(EBML_ID, version + (b"" if doctype is None else element(b"\x42\x82", doctype)))


SEGMENT = element(SEGMENT_ID, element(b"\x15\x49\xa9\x66", bytes(20)))


def test_ebml_valid_passes() -> None:
    """matroska/webm header + a Segment that fits (or has unknown size) is sound."""
    assert run(ebml_problem, ebml_header() + SEGMENT) is None
    assert run(ebml_problem, ebml_header(b"matroska\0") + SEGMENT) is None
    live = SEGMENT_ID + b"\x01\xff\xff\xff\xff\xff\xff\xff" + bytes(50)
    assert run(ebml_problem, ebml_header() + live) is None
    void = b"\xec\x83" + bytes(3)  # a Void element between header and Segment is allowed
    assert run(ebml_problem, ebml_header() + void + SEGMENT) is None


def test_ebml_segment_larger_than_file() -> None:
    """A Segment declaring more than the file holds is truncation, also with a huge size."""
    problem = run(ebml_problem, ebml_header() + SEGMENT[:-5])
    assert problem is not None and "truncated" in problem
    huge = SEGMENT_ID + b"\x01\xff\xff\xff\xff\xff\xff\xfe" + bytes(10)
    assert "truncated" in (run(ebml_problem, ebml_header() + huge) or "")


def test_ebml_doctype() -> None:
    """A DocType other than matroska/webm, or none at all, is a problem."""
    assert "'avi'" in (run(ebml_problem, ebml_header(b"avi") + SEGMENT) or "")
    assert "None" in (run(ebml_problem, ebml_header(None) + SEGMENT) or "")


def test_ebml_header_defects() -> None:
    """Header size past the file, unknown size, bad vints and no Segment are problems."""
    header = ebml_header()
    assert "no EBML header" in (run(ebml_problem, b"\x1a\x45\xdf" + bytes(20)) or "")
    assert "truncated" in (run(ebml_problem, header[:-3]) or "")
    assert "unknown size" in (run(ebml_problem, EBML_ID + b"\xff" + bytes(10)) or "")
    assert "invalid EBML" in (run(ebml_problem, EBML_ID + b"\x00" + bytes(10)) or "")
    assert "no Segment" in (run(ebml_problem, header) or "")
    assert "not a Segment" in (run(ebml_problem, header + element(b"\x1f\x43\xb6\x75", b"")) or "")
    child_overrun = element(EBML_ID, b"\x42\x82\x88webm")
    assert "runs past the end of the header" in (run(ebml_problem, child_overrun + SEGMENT) or "")


def test_ebml_many_void_elements() -> None:
    """20,000 Void elements before the Segment stop at the cap with a problem."""
    data = ebml_header() + b"\xec\x80" * 20_000 + SEGMENT
    assert run(ebml_problem, data) == "more than 10,000 Void elements before the Segment"


# --- AIFF ----------------------------------------------------------------------------------


def iff_chunk(chunk_id: bytes, payload: bytes) -> bytes:
    """A big-endian IFF chunk, padded to an even length."""
    return struct.pack(">4sI", chunk_id, len(payload)) + payload + bytes(len(payload) & 1)


def form(kind: bytes, body: bytes) -> bytes:
    """An IFF FORM around the body."""
    return b"FORM" + struct.pack(">I", 4 + len(body)) + kind + body


AIFF = form(
    b"AIFF",
    iff_chunk(b"COMM", bytes(18)) + iff_chunk(b"NAME", b"odd") + iff_chunk(b"SSND", bytes(108)),
)


def test_aiff_valid_passes() -> None:
    """COMM + odd-sized chunk with pad + SSND whose sizes add up is sound; AIFC too."""
    assert run(aiff_problem, AIFF) is None
    assert run(aiff_problem, b"FORM" + AIFF[4:8] + b"AIFC" + AIFF[12:]) is None


def test_aiff_defects() -> None:
    """Truncated FORM, a chunk past the end, no COMM and a non-AIFF header are problems."""
    assert "truncated" in (run(aiff_problem, AIFF[:-10]) or "")
    overrun = form(b"AIFF", iff_chunk(b"COMM", bytes(18)) + struct.pack(">4sI", b"SSND", 2**31))
    assert "'SSND'" in (run(aiff_problem, overrun) or "")
    assert "no COMM" in (run(aiff_problem, form(b"AIFF", iff_chunk(b"SSND", bytes(8)))) or "")
    assert "no AIFF header" in (run(aiff_problem, form(b"8SVX", b"")) or "")


def test_aiff_million_flat_chunks() -> None:
    """1,000,000 empty chunks stop at the per-level cap with a problem."""
    problem = run(aiff_problem, form(b"AIFF", iff_chunk(b"COMM", b"") * 1_000_000))
    assert problem == "more than 10,000 AIFF chunks in the FORM"


# --- all checks ----------------------------------------------------------------------------

FILE_CHECKS: list[FileCheck] = [
    bmff_problem,
    riff_problem,
    flac_problem,
    ogg_problem,
    ebml_problem,
    aiff_problem,
    id3_check,
]
SAMPLES = [MOVIE, WAV, FLAC, OGG, ebml_header() + SEGMENT, AIFF, id3(3, frame23(b"TIT2", b"\0x"))]


def test_hostile_bytes_never_raise() -> None:
    """Random and mutated inputs give None or a problem string from every check, never raise."""
    rng = random.Random(20240601)
    inputs = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 200))) for _ in range(100)]
    for sample in SAMPLES:
        for _ in range(60):
            mutated = bytearray(sample)
            for _ in range(rng.randrange(1, 6)):
                mutated[rng.randrange(len(mutated))] = rng.getrandbits(8)
            inputs.append(bytes(mutated[: rng.randrange(len(mutated) + 1)]))
            inputs.append(bytes(mutated))
    for data in inputs:
        for check in FILE_CHECKS:
            assert isinstance(run(check, data), (str, type(None)))
        assert isinstance(id3_problem(b"ID3" + data), (str, type(None)))


def test_every_check_reports_truncation_and_zero_sizes() -> None:
    """Each sample passes whole and fails when cut inside its structure, or with zero sizes."""
    cuts = [-10, -10, 60, -10, -10, -10]  # FLAC audio frames are not checked: cut the metadata
    for check, sample, cut in zip(FILE_CHECKS, SAMPLES, cuts, strict=False):
        assert run(check, sample) is None, check
        assert run(check, sample[:cut]) is not None, check
    assert id3_problem(SAMPLES[-1]) is None
    assert run(bmff_problem, bytes(8)) is not None  # one zero-size, zero-type box: no moov
    assert run(riff_problem, b"RIFF" + bytes(8)) is not None  # RIFF size 0
    assert run(flac_problem, b"fLaC" + bytes(4)) is not None  # STREAMINFO of length 0
    assert run(ogg_problem, bytes(27)) is not None
    assert run(ebml_problem, bytes(12)) is not None
    assert run(aiff_problem, b"FORM" + bytes(4) + b"AIFF") is not None  # FORM size 0


class BrokenIO(io.BytesIO):
    """A file whose reads fail, like a network share going away."""

    def read(self, n: int | None = -1) -> bytes:
        """Fail like a vanished network share."""
        raise OSError("I/O error")


def test_read_errors_become_problems() -> None:
    """OSError while reading is returned as a problem, not raised."""
    for check in FILE_CHECKS[:-1]:
        problem = check(BrokenIO(b"x" * 100), 100)
        assert problem is not None and "could not be read: I/O error" in problem


def test_file_position_is_restored() -> None:
    """A check leaves the file where it found it, so callers can share the handle."""
    for check, sample in zip(FILE_CHECKS[:-1], SAMPLES, strict=False):
        f = io.BytesIO(sample)
        f.seek(3)
        check(f, len(sample))
        assert f.tell() == 3


def test_bombs_read_little() -> None:
    """Nesting and flat bombs stop after reading well under a few MiB of headers."""
    bombs = [
        (bmff_problem, FTYP + box(b"moov", box(b"free") * 1_000_000)),
        (bmff_problem, FTYP + box(b"moov", box(b"trak", box(b"free") * 9_000) * 12)),
        (riff_problem, riff(b"WAVE", chunk(b"JUNK") * 1_000_000)),
        (aiff_problem, form(b"AIFF", iff_chunk(b"COMM", b"") * 1_000_000)),
    ]
    for check, data in bombs:
        f = CountingIO(data)
        assert check(f, len(data)) is not None
        assert f.bytes_read < 2 * 1024 * 1024
