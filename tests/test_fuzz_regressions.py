"""Fuzz regressions: every saved finding and a few hand-written hostile inputs, replayed.

Each file in ``tests/fuzz/crashes/<target>/`` (written there by ``python -m tests.fuzz.run``)
goes through its target's ``one_input``, which must return: the bug it exposed is fixed.
The replay needs no atheris; only ``test_target_runs_under_atheris`` does, and it skips
when atheris is not installed.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path
from types import ModuleType

import pytest
from provscan.ailog.load import LogError, load_log
from provscan.extract.exif import exif
from provscan.extract.pngtext import MAX_TEXT_TOTAL, png_text
from provscan.extract.riff_meta import riff_tags
from provscan.extract.xmp import Xmp, parse_packet
from provscan.imf.package import MAX_DENOMINATOR_BITS, ImfError, parse_composition
from provscan.limits import Limits
from provscan.timeline.cut import TimelineError
from provscan.timeline.isolated import read_isolated
from provscan.timeline.read import read_timeline

from tests.fuzz import (
    fuzz_ailog,
    fuzz_container_tags,
    fuzz_exif,
    fuzz_imf,
    fuzz_pngtext,
    fuzz_timeline,
    fuzz_xmp,
)
from tests.fuzz._common import make_asset
from tests.fuzz.run import ARTIFACT_KINDS, CRASHES, TARGETS

REPO = Path(__file__).resolve().parents[1]
REPLAY_SECONDS = 5.0  # a saved timeout input must now finish far inside libFuzzer's 10 s

# What each saved finding pinned, by "<target>/<file>": a new artifact must be added here
# once its bug is fixed, so the suite says what every input guards against.
FINDINGS: dict[str, str] = {
    "fuzz_container_tags/crash-d6f3d07a91835356682b4c69dc1f1c0721a9ae36": (
        "iXML declaring encoding='UTF-6' raised LookupError out of riff_tags/media_tags"
    ),
    "fuzz_container_tags/minimized-crash-d6f3d07a": (
        "minimised: a WAV whose only chunk is iXML with an unknown XML encoding"
    ),
    "fuzz_xmp/crash-2f3c10020dfdbf7caf29e072ac02024c41707f17": (
        "XMP whose XML declaration names encoding 'Uault' raised LookupError out of parse_packet"
    ),
    "fuzz_xmp/crash-c108333337b1cae88707b71b9d6792df3ad40502": (
        "the same LookupError through encoding 'UTF616' (found again before the fix landed)"
    ),
    "fuzz_exif/timeout-f5f775bcbc8c9dfb74f93d38f346bdf978773b75": (
        "EXIF MakerNote declaring ~4 billion values made exifread (the former reader) read "
        "past EOF for hours"
    ),
    "fuzz_timeline/crash-53c562da9a2934b19bedf38e71309ced3a54f2aa": (
        "OTIO JSON Clip.1 that already has media_references segfaults OpenTimelineIO 0.18.1's "
        "Clip.1 upgrade (third-party): contained by the isolated child, skipped by the target"
    ),
    "fuzz_timeline/crash-96b6e2ea6ae50bf9c0d8b6c25e191a67bc7c8b63": (
        "broken OTIO JSON repeating a key whose value holds a Clip.1 segfaults OpenTimelineIO "
        "0.18.1's C++ reader (third-party): contained by the isolated child, skipped by the target"
    ),
    "fuzz_timeline/crash-c53f741dd3652e39678e438c3f10652b98f3a753": (
        "OTIO clip with a GeneratorReference and no source_range: OTIO's "
        "CannotComputeAvailableRangeError escaped read_timeline from cuts_of"
    ),
    "fuzz_timeline/crash-8dbb8399fa20bbb9861fdb1463ab980edc3744b0": (
        "the same CannotComputeAvailableRangeError through a clip with a MissingReference"
    ),
    "fuzz_timeline/crash-13da63392132ffcac8169c622f934ca8a4b0c3f2": (
        "OTIO JSON whose TimeRange.1 holds a MissingReference.1 segfaults OpenTimelineIO "
        "0.18.1's C++ reader (third-party): contained by the isolated child, skipped by the target"
    ),
    "fuzz_timeline/crash-d82a15eb1586d58d04976cc60173511371ae0627": (
        "FCPXML whose frameDuration made OTIO times NaN: ValueError from round() in _frames"
    ),
}


def _artifacts() -> list[Path]:
    if not CRASHES.is_dir():
        return []
    return sorted(
        p
        for p in CRASHES.glob("*/*")
        if p.is_file() and p.name.startswith((*ARTIFACT_KINDS, "minimized-"))
    )


def _module(target: str) -> ModuleType:
    return importlib.import_module(f"tests.fuzz.{target}")


def _key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", _artifacts(), ids=_key)
def test_saved_finding_is_fixed(path: Path) -> None:
    """A saved fuzz finding (crash, timeout or oom input) now runs through its target."""
    assert _key(path) in FINDINGS, f"describe {_key(path)} in FINDINGS once its bug is fixed"
    module = _module(path.parent.name)
    started = time.monotonic()
    module.one_input(path.read_bytes())
    assert time.monotonic() - started < REPLAY_SECONDS


def test_every_finding_has_its_file() -> None:
    """FINDINGS lists no artifact that is missing from tests/fuzz/crashes."""
    assert sorted(FINDINGS) == sorted(_key(p) for p in _artifacts())


def test_each_target_exposes_one_input_and_main() -> None:
    """Every target named by the runner exists with one_input, main and seeds."""
    for target in TARGETS:
        module = _module(target)
        assert callable(module.one_input) and callable(module.main) and callable(module.seeds)


@pytest.mark.parametrize(
    "module",
    [fuzz_xmp, fuzz_pngtext, fuzz_exif, fuzz_container_tags, fuzz_ailog, fuzz_timeline, fuzz_imf],
)
def test_extra_seeds_and_trivial_inputs_pass(module: ModuleType) -> None:
    """Built-in seeds, empty input and a few bytes of each selector run cleanly."""
    for data in [*module.EXTRA_SEEDS, b"", *(bytes([k]) * 9 for k in range(12))]:
        module.one_input(data)


# --- hand-written hostile inputs -----------------------------------------------------------


def _riff_chunk(tag: bytes, payload: bytes) -> bytes:
    return tag + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def _wav_input(*chunks: bytes) -> bytes:
    """A fuzz_container_tags input: selector 1 (RIFF WAVE) followed by ``chunks``."""
    return b"\x01" + _riff_chunk(b"fmt ", bytes(16)) + b"".join(chunks)


def test_ixml_with_an_unknown_encoding_is_a_problem() -> None:
    """iXML naming an encoding Python lacks is reported as not well-formed, not raised."""
    xml = b'<?xml version="1.0" encoding="UTF-6"?><BWFXML><NOTE>n</NOTE></BWFXML>'
    fuzz_container_tags.one_input(_wav_input(_riff_chunk(b"iXML", xml)))
    wav = fuzz_container_tags.build(_wav_input(_riff_chunk(b"iXML", xml)))[0]
    assert riff_tags(io.BytesIO(wav)) == [
        ("iXML", "problem", "iXML chunk is not well-formed (or declares a DTD)")
    ]


def test_deeply_nested_ixml_is_walked_in_bounded_time() -> None:
    """100,000 nested iXML elements (700 KB) are walked to a capped depth, not quadratically."""
    depth = 100_000
    xml = b"<BWFXML>" + b"<A>x" * depth + b"</A>" * depth + b"</BWFXML>"
    started = time.monotonic()
    wav = fuzz_container_tags.build(_wav_input(_riff_chunk(b"iXML", xml)))[0]
    tags = riff_tags(io.BytesIO(wav))
    assert time.monotonic() - started < 2.0
    assert 0 < len(tags) <= 16 and all(len(key) < 100 for _, key, _ in tags)


def test_many_ztxt_bombs_are_bounded_per_file() -> None:
    """40 zTXt bombs (8 MiB each, distinct keywords) keep at most MAX_TEXT_TOTAL of text."""
    bomb = zlib.compress(b"\x00" * (8 * 1024 * 1024), 9)
    chunks = b"".join(fuzz_pngtext.chunk(b"zTXt", b"k%d\x00\x00" % i + bomb) for i in range(40))
    data = fuzz_pngtext._IHDR + chunks + fuzz_pngtext._IDAT + fuzz_pngtext._IEND
    started = time.monotonic()
    fuzz_pngtext.one_input(data)
    text = png_text(make_asset(fuzz_pngtext.SIGNATURE + data, "bomb.png"))
    assert time.monotonic() - started < 10.0
    assert sum(len(v) for v in text.text.values()) <= MAX_TEXT_TOTAL
    assert any("all text chunks together" in p for p in text.problems)


@pytest.mark.parametrize("tag", [0x927C, 0x9286])  # MakerNote, UserComment (UNDEFINED)
def test_impossible_count_is_bounded(tag: int) -> None:
    """A 44-byte TIFF whose tag declares 0xFFFFFFFF values is read in well under 5 s."""
    entry = struct.pack("<HHII", tag, 7, 0xFFFFFFFF, 8)
    exif_ifd = struct.pack("<H", 1) + entry + b"\x00" * 4
    ifd0 = struct.pack("<H", 1) + struct.pack("<HHII", 0x8769, 4, 1, 26) + b"\x00" * 4
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd0 + exif_ifd
    started = time.monotonic()
    fuzz_exif.one_input(b"\x06" + tiff)
    found = exif(make_asset(*fuzz_exif.build(b"\x06" + tiff)))
    assert time.monotonic() - started < REPLAY_SECONDS
    if tag == 0x9286:  # text is read up to the end of the block, and the cut is said
        assert any("UserComment runs past the end" in p for p in found.problems)


def test_xmp_declaring_an_unknown_encoding_is_a_problem() -> None:
    """An XMP packet whose XML declaration names an unknown encoding is a problem string."""
    packet = b'<?xml version="1.0" encoding="UTF-6"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    fuzz_xmp.one_input(packet)
    into = Xmp()
    parse_packet(packet, into, "test")
    assert into.packets == 0 and "not well-formed" in into.problems[0]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nested.toml", "a = " + "[" * 1000 + "]" * 1000),
        ("inline.toml", "a = " + "{b = " * 1000 + "1" + "}" * 1000),
        ("decimal.toml", "version = " + "1" * 5000),
        (
            "hex-id.toml",
            "version = 1\n[[entry]]\nid = 0x" + "f" * 5000 + '\nscope = "final"\n'
            'status = "pending"\npath = "a"\n',
        ),
        (
            "hex-distance.toml",
            'version = 1\n[[entry]]\nid = "A"\nscope = "final"\n'
            'status = "pending"\npath = "a"\nphash_max_distance = 0x' + "f" * 5000 + "\n",
        ),
        ("int64.toml", "version = 9223372036854775808\n"),
        ("superscript.csv", "id,scope,status,path,phash_max_distance\nA,final,pending,a,\u00b2\n"),
        ("digits.csv", "id,scope,status,path,phash_max_distance\nA,final,pending,a," + "1" * 5000),
    ],
)
def test_hostile_log_is_a_log_error(tmp_path: Path, name: str, text: str) -> None:
    """Deep TOML nesting, integers past 64 bits and odd CSV digits are LogErrors, not crashes."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LogError) as refused:
        load_log(path)
    assert refused.value.errors and all(len(e) < 500 for e in refused.value.errors)
    fuzz_ailog.one_input((b"\x01" if name.endswith(".csv") else b"\x00") + text.encode())


def _one_line_timeline_error(path: Path) -> str:
    """The TimelineError message read_timeline gives for ``path`` (checked to be one line)."""
    with pytest.raises(TimelineError) as refused:
        read_timeline(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def test_timeline_xml_declaring_an_unknown_encoding_is_a_timeline_error(tmp_path: Path) -> None:
    """An xmeml declaring an encoding expat lacks is judged on its decoded text: one line."""
    for encoding in ("UTF-4", "utf-32"):  # were LookupError, then ValueError, out of expat
        path = tmp_path / f"{encoding}.xml"
        path.write_text(f'<?xml version="1.0" encoding="{encoding}"?><xmeml version="4"/>')
        assert "No top-level sequences found" in _one_line_timeline_error(path)
        fuzz_timeline.one_input(b"\x01" + path.read_bytes())


def _otio_doc(clip: dict[str, object], start: object = None) -> str:
    return json.dumps(
        {
            "OTIO_SCHEMA": "Timeline.1",
            "name": "t",
            "global_start_time": start,
            "tracks": {
                "OTIO_SCHEMA": "Stack.1",
                "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [clip]}],
            },
        }
    )


def _rational(value: float, rate: float) -> dict[str, object]:
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value}


def test_otio_clip_without_an_available_range_is_a_timeline_error(tmp_path: Path) -> None:
    """A clip with neither source_range nor available_range is a TimelineError, not OTIO's."""
    bars = {"OTIO_SCHEMA": "GeneratorReference.1", "generator_kind": "SMPTEBars", "parameters": {}}
    clip = {
        "OTIO_SCHEMA": "Clip.2",
        "name": "bars",
        "media_references": {"DEFAULT_MEDIA": bars},
        "active_media_reference_key": "DEFAULT_MEDIA",
    }
    path = tmp_path / "bars.otio"
    path.write_text(_otio_doc(clip))
    assert "Cannot compute available range" in _one_line_timeline_error(path)
    fuzz_timeline.one_input(b"\x03" + path.read_bytes())


@pytest.mark.parametrize(
    ("value", "rate", "start"),
    [(48.0, 0.0, None), (48.0, 0.0, _rational(0, 24.0)), (1e308, 24.0, None)],
    ids=["rate-0", "rate-0-with-start", "overflow"],
)
def test_otio_time_that_is_no_frame_count_is_a_timeline_error(
    tmp_path: Path, value: float, rate: float, start: object
) -> None:
    """OTIO times at rate 0 (NaN frames) or past float range are a TimelineError."""
    source_range = {
        "OTIO_SCHEMA": "TimeRange.1",
        "start_time": _rational(value, rate),
        "duration": _rational(value, rate),
    }
    clip = {
        "OTIO_SCHEMA": "Clip.2",
        "name": "a",
        "source_range": source_range,
        "media_references": {},
        "active_media_reference_key": "DEFAULT_MEDIA",
    }
    path = tmp_path / "nan.otio"
    path.write_text(_otio_doc(clip, start))
    assert "is not a number of frames" in _one_line_timeline_error(path)


_SEGV_OTIO = {
    "schema-in-value-type": json.dumps(
        {
            "OTIO_SCHEMA": "Gap.1",
            "source_range": {
                "OTIO_SCHEMA": "TimeRange.1",
                "start_time": _rational(8, 24.0),
                "duration": _rational(8, 24.0),
                "media_reference": {"OTIO_SCHEMA": "MissingReference.1"},
            },
        }
    ),
    "repeated-key": '{"children": [{"media_reference": {"duration": {}}}], '
    '"children": [{"OTIO_SCHEMA": "Clip.1", "media_reference": {}}]}',
    "clip1-upgrade": json.dumps(
        {
            "OTIO_SCHEMA": "Clip.1",
            "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "MissingReference.1"}},
        }
    ),
}


@pytest.mark.parametrize("text", list(_SEGV_OTIO.values()), ids=list(_SEGV_OTIO))
def test_otio_json_that_segfaults_otio_is_contained_by_the_isolated_reader(
    tmp_path: Path, text: str
) -> None:
    """OTIO JSON that segfaults OTIO is a one-line TimelineError isolated; the target skips it."""
    assert fuzz_timeline.native_crash(text.encode())
    assert fuzz_timeline.native_crash(text[:-1].encode() + b",")  # broken off: still skipped
    assert not fuzz_timeline.native_crash(fuzz_timeline.EXTRA_SEEDS[-1][1:])
    path = tmp_path / "segv.otio"
    path.write_text(text)
    with pytest.raises(TimelineError, match=r"the reader crashed \(signal 11") as refused:
        read_isolated(path, None, Limits(timeout_s=10.0))
    assert "\n" not in str(refused.value)


_CPL = fuzz_imf._CPL  # a valid drop-frame composition with start timecode 00:59:59;28


@pytest.mark.parametrize("start", ["00:59:59;2\u00b2", "9" * 5000 + ":00:00:00"])
def test_cpl_start_timecode_that_int_refuses_is_an_imf_error(start: str) -> None:
    """A TimecodeStartAddress with a superscript digit or 5,000 digits is an ImfError."""
    data = _CPL.replace(b"00:59:59;28", start.encode())
    with pytest.raises(ImfError, match=r"TimecodeStartAddress: .* is not a timecode"):
        parse_composition(data, "CPL.xml")
    fuzz_imf.one_input(b"\x02" + data)


def _odd_primes(count: int, start: int) -> list[int]:
    found: list[int] = []
    n = start | 1
    while len(found) < count:
        if all(n % d for d in range(3, int(n**0.5) + 1, 2)):
            found.append(n)
        n += 2
    return found


def test_cpl_with_many_distinct_edit_rates_is_refused_before_it_is_slow() -> None:
    """Hundreds of distinct EditRates (ever-growing Fractions) are an ImfError, not a crawl."""
    rates = _odd_primes(400, 10**6)  # each adds ~20 bits: the bound is met near 205
    started = time.monotonic()
    with pytest.raises(ImfError, match="too many different edit rates") as refused:
        parse_composition(_cpl_with_rates(rates), "CPL.xml")
    assert time.monotonic() - started < 2.0
    number = int(str(refused.value).split("Resource ")[1].split(",")[0])
    assert 20 * number > MAX_DENOMINATOR_BITS - 64  # the bound, not an earlier check, refused
    few = parse_composition(_cpl_with_rates([rates[n % 4] for n in range(400)]), "CPL.xml")
    assert len(few.resources) == 400  # as many resources at a few rates still parse


def _cpl_with_rates(rates: list[int]) -> bytes:
    """A CPL with one image resource (1 edit unit long) per rate in ``rates``."""
    resources = b"".join(
        b"<Resource><EditRate>%d 1</EditRate><SourceDuration>1</SourceDuration>"
        b"<TrackFileId>urn:uuid:x</TrackFileId></Resource>" % rate
        for rate in rates
    )
    return (
        b"<CompositionPlaylist><Id>urn:uuid:c</Id><EditRate>24 1</EditRate><SegmentList>"
        b"<Segment><SequenceList><MainImageSequence><ResourceList>" + resources + b"</ResourceList>"
        b"</MainImageSequence></SequenceList></Segment></SegmentList></CompositionPlaylist>"
    )


# --- the running part (needs atheris) -----------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_target_runs_under_atheris(tmp_path: Path, target: str) -> None:
    """Each target starts under atheris and runs 50 mutated inputs without a finding."""
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, seed in enumerate(_module(target).EXTRA_SEEDS):
        (corpus / f"seed{n}").write_bytes(seed)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            f"tests.fuzz.{target}",
            str(corpus),
            "-runs=50",
            "-seed=1",
            "-timeout=10",
            f"-artifact_prefix={tmp_path}/",
        ],
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Done 50 runs" in proc.stderr
