"""The MXF reader: Identification sets from real files, and hostile bytes become a problem."""

from __future__ import annotations

import io
import re
import struct
import time
from pathlib import Path

import pytest
from provscan.extract import mxf
from provscan.extract.mxf import MAX_KLVS, Identification, MxfInfo, read_mxf

PACK_PREFIX = bytes.fromhex("060e2b34020501010d01020101")
PRIMER_KEY = bytes.fromhex("060e2b34020501010d01020101050100")
IDENT_KEY = bytes.fromhex("060e2b34025301010d01010101013000")
PREFACE_KEY = bytes.fromhex("060e2b34025301010d01010101012f00")
FILL_KEY = bytes.fromhex("060e2b34010101020301021001000000")  # FFmpeg's version-02 fill key
RIP_KEY = bytes.fromhex("060e2b34020501010d01020101110100")
OP1A = bytes.fromhex("060e2b34040101010d01020101010100")
WAVE_CLIP = bytes.fromhex("060e2b34040101010d01030102060200")
HEADER, FOOTER = 2, 4
OPEN_INCOMPLETE, CLOSED_COMPLETE = 1, 4


# --- byte builders -------------------------------------------------------------------------


def _klv(key: bytes, value: bytes) -> bytes:
    return key + b"\x83" + len(value).to_bytes(3, "big") + value


def _pack(kind: int, status: int, header_bytes: int, footer: int = 0, this: int = 0) -> bytes:
    value = struct.pack(">HHIQQQQQIQI", 1, 3, 1, this, 0, footer, header_bytes, 0, 0, 0, 1)
    value += OP1A + struct.pack(">II", 1, 16) + WAVE_CLIP
    return _klv(PACK_PREFIX + bytes([kind, status, 0]), value)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


def _ident(company: str = "Acme", product: str = "Wrapper", **extra: bytes) -> bytes:
    items = {
        0x3C01: _utf16(company),
        0x3C02: _utf16(product),
        0x3C04: extra.get("version", _utf16("1.2 beta")),
        0x3C03: extra.get("product_version", struct.pack(">5H", 1, 2, 3, 4, 5)),
        0x3C07: extra.get("toolkit_version", struct.pack(">5H", 9, 8, 7, 6, 1)),
        0x3C08: extra.get("platform", _utf16("Linux\x00")),
        0x3C06: extra.get("modified", struct.pack(">H6B", 2024, 3, 9, 13, 5, 59, 125)),
        0x3C05: extra.get("uid", bytes(range(16))),
    }
    body = b"".join(struct.pack(">HH", tag, len(v)) + v for tag, v in items.items())
    return _klv(IDENT_KEY, body)


def _metadata(*sets: bytes) -> bytes:
    primer = _klv(PRIMER_KEY, struct.pack(">II", 0, 18))
    preface = _klv(PREFACE_KEY, struct.pack(">HH", 0x3B02, 8) + bytes(8))
    return primer + preface + b"".join(sets)


def _mxf(
    metadata: bytes,
    *,
    status: int = CLOSED_COMPLETE,
    run_in: bytes = b"",
    footer_metadata: bytes | None = None,
    footer_field: bool = True,
    essence: bytes = b"",
) -> bytes:
    """A minimal MXF file: header partition, optional essence, optional footer and RIP."""
    size = len(_pack(HEADER, status, 0))
    footer_at = size + len(metadata) + len(essence)
    footer_offset = footer_at if footer_metadata is not None and footer_field else 0
    data = _pack(HEADER, status, len(metadata), footer_offset) + metadata + essence
    if footer_metadata is not None:
        data += _pack(FOOTER, CLOSED_COMPLETE, len(footer_metadata), footer_at, footer_at)
        data += footer_metadata
        rip_value = struct.pack(">IQIQ", 0, 0, 0, footer_at)
        rip_value += struct.pack(">I", 16 + 4 + len(rip_value) + 4)
        data += _klv(RIP_KEY, rip_value)
    return run_in + data


def _read(data: bytes) -> MxfInfo:
    return read_mxf(io.BytesIO(data), len(data))


# --- the real-world corpus ----------------------------------------------------------------

# A value may itself contain "; ", so it ends only where the next known field name starts.
_ID_FIELD = re.compile(
    r"(Company|Product|Version|Platform)=(.*?)(?=; (?:Product|Version|Platform)=|$)"
)


def _catalog_identifications(signals: str) -> set[tuple[str, ...]]:
    """Identification entries of a catalog row; the catalog writes '-' for an absent field."""
    found = set()
    for entry in signals.split(" || "):
        if entry.startswith("Identification: "):
            fields = dict(_ID_FIELD.findall(entry.removeprefix("Identification: ")))
            values = (fields.get(k, "") for k in ("Company", "Product", "Version", "Platform"))
            found.add(tuple("" if v == "-" else v for v in values))
    return found


def _mxf_rows(catalog: list[dict[str, str]]) -> list[dict[str, str]]:
    # Case-sensitive on purpose: "RegXML ... dump of MXF header metadata" is an XML file.
    rows = [row for row in catalog if "mxf" in row["format"]]
    assert rows, "the catalog lists no MXF files"
    return rows


def _info(corpus: Path, row: dict[str, str]) -> MxfInfo:
    path = corpus / row["local_path"]
    with open(path, "rb") as f:
        return read_mxf(f, path.stat().st_size)


def test_corpus_identifications_match_catalog(corpus: Path, catalog: list[dict[str, str]]) -> None:
    """Every catalogued MXF file yields exactly the catalog's Identification sets, no problem."""
    mismatches = []
    for row in _mxf_rows(catalog):
        info = _info(corpus, row)
        got = {(i.company, i.product, i.version, i.platform) for i in info.identifications}
        want = _catalog_identifications(row["expected_signals"])
        if not want or got != want or info.problem:
            mismatches.append((row["local_path"], got, want, info.problem))
    assert mismatches == []


def test_corpus_status_and_pattern_match_catalog(
    corpus: Path, catalog: list[dict[str, str]]
) -> None:
    """Header partition status and operational pattern UL agree with the catalog."""
    mismatches = []
    for row in _mxf_rows(catalog):
        info = _info(corpus, row)
        signals = row["expected_signals"]
        status = re.search(r"header partition ((?:open|closed)-(?:in)?complete)", signals)
        pattern = re.search(r"OperationalPattern UL ([0-9a-f]{32})", signals)
        if status and status.group(1) != info.partition_status:
            mismatches.append((row["local_path"], status.group(1), info.partition_status))
        if pattern and pattern.group(1) != info.operational_pattern:
            mismatches.append((row["local_path"], pattern.group(1), info.operational_pattern))
    assert mismatches == []


def test_open_header_reads_footer_found_through_rip(corpus: Path) -> None:
    """ExifTool's MXF.mxf: open header, FooterPartition 0, footer found via the RIP."""
    info = _info(corpus, {"local_path": "exiftool/t/images/MXF.mxf"})
    assert info.partition_status == "open-incomplete"
    # Header holds the set stamped .224; the footer repeats it and adds one stamped .228.
    assert [i.modified for i in info.identifications] == [
        "2010-12-20T00:14:40.224",
        "2010-12-20T00:14:40.228",
    ]
    assert info.identifications[0].toolkit_version == "1.0.1.16.1"


def test_fill_before_primer_not_counted(corpus: Path) -> None:
    """FFmpeg and Avid count HeaderByteCount from the primer; the walk accepts that."""
    # sample.mxf (FFmpeg, KAG 512): pack ends at 154, a 338-byte fill runs to 512, the primer
    # starts there and 512 + HeaderByteCount 4608 = 5120, where the body partition follows.
    # Counted from 154 the metadata would end at 4762, inside a SourceClip KLV at 4722.
    # indirect.mxf (Avid, KAG 256): pack ends at 129, fill to 256, 256 + 261920 = 262176,
    # exactly the body partition pack. So neither file is defective.
    for name in (
        "bmx/test/d10_qt_klv/sample.mxf",
        "regxmllib/src/test/resources/mxf-files/indirect.mxf",
    ):
        info = _info(corpus, {"local_path": name})
        assert info.problem == ""
        assert len(info.identifications) == 1


# --- synthetic files ------------------------------------------------------------------------


def test_synthetic_file_decodes_every_field() -> None:
    """All eight Identification fields, status, pattern and essence containers are decoded."""
    info = _read(_mxf(_metadata(_ident())))
    assert info.problem == ""
    assert info.partition_status == "closed-complete"
    assert info.operational_pattern == OP1A.hex()
    assert info.essence_containers == (WAVE_CLIP.hex(),)
    assert info.identifications == (
        Identification(
            company="Acme",
            product="Wrapper",
            version="1.2 beta",
            product_version="1.2.3.4.5",
            toolkit_version="9.8.7.6.1",
            platform="Linux",
            modified="2024-03-09T13:05:59.500",
            product_uid="00010203-0405-0607-0809-0a0b0c0d0e0f",
        ),
    )


def test_identical_sets_reported_once_in_order() -> None:
    """Repeated Identification sets collapse to one; distinct ones keep file order."""
    info = _read(_mxf(_metadata(_ident("B"), _ident("A"), _ident("B"))))
    assert [i.company for i in info.identifications] == ["B", "A"]


def test_odd_and_unknown_values_do_not_raise() -> None:
    """Odd-length UTF-16, NUL padding, zero dates and short version structs decode quietly."""
    odd = _ident(
        version=b"\x00v\x00",
        platform=_utf16("Win\x00junk"),
        modified=bytes(8),
        product_version=b"\x00\x01",
        uid=b"\x01",
    )
    (ident,) = _read(_mxf(_metadata(odd))).identifications
    assert ident.version.startswith("v")
    assert ident.platform == "Win"
    assert ident.modified == ident.product_version == ident.product_uid == ""


def test_run_in_before_partition_pack() -> None:
    """A run-in under 64 KiB before the header partition is allowed (ST 377-1)."""
    info = _read(_mxf(_metadata(_ident()), run_in=b"\x00RUNIN" * 1000))
    assert info.problem == ""
    assert [i.company for i in info.identifications] == ["Acme"]


def test_run_in_of_64_kib_is_not_mxf() -> None:
    """A partition pack starting at byte 65536 or later is not found."""
    info = _read(_mxf(_metadata(_ident()), run_in=bytes(65_536)))
    assert info.problem == "no MXF partition pack in the first 64 KiB"


@pytest.mark.parametrize(
    "data",
    [b"", b"\x89PNG\r\n\x1a\n" + bytes(200), b"RIFF\x00\x00\x00\x00WAVEfmt ", bytes(100_000)],
)
def test_non_mxf_file(data: bytes) -> None:
    """Files without a partition pack report it and return nothing else."""
    assert _read(data) == MxfInfo(problem="no MXF partition pack in the first 64 KiB")


def test_first_partition_must_be_header() -> None:
    """A file opening with a footer partition pack is a structural problem."""
    data = _pack(FOOTER, CLOSED_COMPLETE, 0)
    assert "is a footer partition" in _read(data).problem


def test_truncated_klv_is_a_problem_but_earlier_sets_survive() -> None:
    """Cutting the file inside the second Identification keeps the first and names the KLV."""
    data = _mxf(_metadata(_ident("First"), _ident("Second")))
    cut = data.rindex(IDENT_KEY) + 30
    info = _read(data[:cut])
    assert [i.company for i in info.identifications] == ["First"]
    assert info.problem == f"MXF KLV at offset {cut - 30} runs past the end of the file"


def test_header_only_file_is_fine() -> None:
    """A header partition followed by EOF (photon's *.mxf.hdr) has no problem."""
    data = _mxf(_metadata(_ident()), footer_metadata=_metadata())
    header_only = data[: data.index(PACK_PREFIX + bytes([FOOTER]))]
    info = _read(header_only)
    assert info.problem == ""
    assert [i.company for i in info.identifications] == ["Acme"]


def test_header_byte_count_past_eof_is_a_problem() -> None:
    """Header metadata declared longer than the file is truncation, reported in words."""
    data = _mxf(_metadata(_ident()))
    info = _read(data[: data.rindex(IDENT_KEY)])
    assert "declares" in info.problem and "file ends first" in info.problem


def test_huge_ber_length_is_bounded() -> None:
    """A BER length of 2**60 on a set, or on the partition pack itself, fails fast."""
    huge = IDENT_KEY + b"\x88" + (2**60).to_bytes(8, "big") + bytes(64)
    data = _mxf(_metadata(huge))
    started = time.perf_counter()
    offset = data.index(huge)
    assert _read(data).problem == (
        f"MXF KLV at offset {offset} runs past the end of the header metadata"
    )
    pack = PACK_PREFIX + b"\x02\x04\x00" + b"\x88" + (2**60).to_bytes(8, "big") + bytes(200)
    assert _read(pack).problem == (
        f"MXF partition pack at offset 0 has an impossible length {2**60}"
    )
    assert time.perf_counter() - started < 2


def test_indefinite_ber_length_is_a_problem() -> None:
    """BER 0x80 (indefinite) and lengths wider than 8 bytes are rejected, not guessed."""
    for bad in (b"\x80", b"\x89" + bytes(9)):
        data = _mxf(_metadata(IDENT_KEY + bad + bytes(40)))
        assert "invalid BER length byte" in _read(data).problem


def test_zero_length_flood_stops_at_klv_cap() -> None:
    """Endless zero-length KLVs end at the KLV cap instead of looping."""
    flood = (PREFACE_KEY + b"\x00") * (MAX_KLVS + 10)
    started = time.perf_counter()
    info = _read(_mxf(_metadata(_ident(), flood)))
    assert info.problem == f"MXF file has more than {MAX_KLVS} KLV items in its metadata"
    assert [i.company for i in info.identifications] == ["Acme"]
    assert time.perf_counter() - started < 5


def test_header_metadata_without_primer_is_a_problem() -> None:
    """Header metadata has to open with the primer pack."""
    data = _mxf(_ident())
    assert "lacks its primer pack" in _read(data).problem


def test_garbage_key_is_a_problem() -> None:
    """Bytes that are not a SMPTE UL where a KLV should start mean the walk lost sync."""
    data = _mxf(_metadata(bytes(40)))
    assert "does not start with a SMPTE UL key" in _read(data).problem


ESSENCE = _klv(bytes.fromhex("060e2b34010201010d01030116010101"), bytes(5000))


@pytest.mark.parametrize("counted_from", ["primer", "partition pack"])
@pytest.mark.parametrize("follower", [ESSENCE, _pack(3, CLOSED_COMPLETE, 0) + ESSENCE])
def test_both_header_byte_count_conventions(counted_from: str, follower: bytes) -> None:
    """HeaderByteCount with or without the leading KAG fill both read cleanly."""
    fill = _klv(FILL_KEY, bytes(300))
    metadata = _metadata(_ident())
    declared = len(metadata) + (len(fill) if counted_from == "partition pack" else 0)
    data = _pack(HEADER, CLOSED_COMPLETE, declared) + fill + metadata + follower
    info = _read(data)
    assert info.problem == ""
    assert [i.company for i in info.identifications] == ["Acme"]


def test_read_cap_is_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Header metadata larger than the byte budget is a problem, not a big read."""
    monkeypatch.setattr(mxf, "MAX_READ", 30_000)
    big = _klv(PREFACE_KEY, bytes(20_000))
    info = _read(_mxf(_metadata(_ident(), big)))
    assert info.problem == "MXF metadata exceeds this reader's 30000-byte read cap"


def test_open_header_merges_footer_via_footer_partition_field() -> None:
    """An open header's FooterPartition leads to the footer metadata; sets merge in order."""
    data = _mxf(
        _metadata(_ident("Early")),
        status=OPEN_INCOMPLETE,
        footer_metadata=_metadata(_ident("Early"), _ident("Late")),
        essence=_klv(bytes.fromhex("060e2b34010201010d01030116010101"), bytes(500)),
    )
    info = _read(data)
    assert info.problem == ""
    assert info.partition_status == "open-incomplete"
    assert [i.company for i in info.identifications] == ["Early", "Late"]


def test_open_header_finds_footer_through_rip() -> None:
    """With FooterPartition 0 (unknown), the random index pack locates the footer."""
    data = _mxf(
        _metadata(),
        status=OPEN_INCOMPLETE,
        footer_metadata=_metadata(_ident("FromFooter")),
        footer_field=False,
    )
    info = _read(data)
    assert info.problem == ""
    assert [i.company for i in info.identifications] == ["FromFooter"]


def test_closed_header_with_identification_skips_footer() -> None:
    """A closed-complete header with an Identification set is authoritative."""
    data = _mxf(_metadata(_ident("Header")), footer_metadata=_metadata(_ident("Footer")))
    assert [i.company for i in _read(data).identifications] == ["Header"]


def test_footer_pointer_to_non_footer_is_a_problem() -> None:
    """A FooterPartition that points at a header partition pack is reported."""
    data = _mxf(_metadata(), status=OPEN_INCOMPLETE, footer_metadata=_metadata())
    footer_at = data.index(PACK_PREFIX + bytes([FOOTER]))
    data = data[:footer_at] + PACK_PREFIX + bytes([HEADER]) + data[footer_at + 14 :]
    assert "points at a non-footer partition" in _read(data).problem


def test_truncations_and_bit_flips_never_raise() -> None:
    """Every prefix of a valid file, and every single-byte flip of it, returns an MxfInfo."""
    data = _mxf(
        _metadata(_ident("Early")), status=OPEN_INCOMPLETE, footer_metadata=_metadata(_ident())
    )
    for cut in range(len(data)):
        assert isinstance(_read(data[:cut]), MxfInfo)
    for pos in range(len(data)):
        flipped = data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1 :]
        assert isinstance(_read(flipped), MxfInfo)
