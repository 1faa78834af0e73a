"""IMF packages: parsing ASSETMAP/PKL/CPL (real photon packages, hostile XML) and the IMF stage's
findings on the fixture package, through apply_imf, the gate and the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import io
import json
import re
import shutil
import time
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from provscan import cli, pipeline
from provscan.ailog.load import load_log
from provscan.engine import scan
from provscan.imf.package import (
    AssetMap,
    Composition,
    ImfError,
    PackingList,
    parse_assetmap,
    parse_composition,
    parse_document,
    parse_packing_list,
    read_capped,
)
from provscan.model import Evidence, Finding, Gate, Report, Verdict
from provscan.policy import DEFAULT_POLICY
from provscan.rules import trace as trace_rules
from provscan.stages.gate import apply_gate
from provscan.stages.imf import apply_imf
from provscan.verdict import decide
from typer.testing import CliRunner

from fixtures import imf_package as fx
from tests.conftest import FIXTURES

FILES = FIXTURES / "files"
TODAY = dt.date(2026, 11, 25)
APPROVED = 'status = "approved"\napproved_by = "Legal"\napproved_on = 2026-09-01\n' \
           'approval_ref = "L-1"\n'  # fmt: skip
UNSAFE = "XML is unsafe (entity declarations are refused)"
runner = CliRunner()


def _file_name(prefix: str, asset_id: str) -> str:
    ext = "xml" if prefix in ("CPL", "PKL") else "mxf"
    return f"{prefix}_{asset_id.removeprefix('urn:uuid:')}.{ext}"


CPL_NAME = _file_name("CPL", fx.CPL)
AI_NAME = _file_name("AUDIO", fx.AI_AUDIO)
VIDEO_NAME = _file_name("VIDEO", fx.VIDEO)
AUDIO_NAME = _file_name("AUDIO", fx.AUDIO)
ALT_NAME = _file_name("VIDEO", fx.ALT_TAKE)


def _imf(root: Path) -> Report:
    return apply_imf(scan(root))


def _codes(report: Report, path: str, prefix: str = "IMF") -> list[str]:
    result = next(r for r in report.files if r.path == path)
    return sorted(f.rule.code for f in result.findings if f.rule.code.startswith(prefix))


def _findings(report: Report, path: str, code: str) -> list[Finding]:
    result = next(r for r in report.files if r.path == path)
    return [f for f in result.findings if f.rule.code == code]


def _all_imf(report: Report) -> dict[str, list[str]]:
    out = {r.path: _codes(report, r.path) for r in report.files}
    return {path: codes for path, codes in out.items() if codes}


def _units(*values: Fraction) -> list[int]:
    """Composition edit units that must be whole, as ints (exactly: a fraction fails)."""
    assert all(v.denominator == 1 for v in values)
    return [int(v) for v in values]


def _packages(report: Report) -> list[dict[str, Any]]:
    packages = report.options["imf"]
    assert isinstance(packages, list)
    return packages


def _cpl(body: str, *, rate: str = "24 1", timecode: str = "") -> bytes:
    """A minimal CPL in the 2013 namespace around a SegmentList body."""
    return (
        '<?xml version="1.0"?>\n<CompositionPlaylist '
        'xmlns="http://www.smpte-ra.org/schemas/2067-3/2013" '
        'xmlns:cc="http://www.smpte-ra.org/schemas/2067-2/2013">'
        f"<Id>urn:uuid:00000000-0000-4000-8000-000000000001</Id><ContentTitle>T</ContentTitle>"
        f"{timecode}<EditRate>{rate}</EditRate><SegmentList>{body}</SegmentList>"
        "</CompositionPlaylist>"
    ).encode()


def _resource(track: str = "urn:uuid:aa", **fields: str) -> str:
    values = {"IntrinsicDuration": "48", **fields}
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return f"<Resource>{inner}<TrackFileId>{track}</TrackFileId></Resource>"


def _segment(*sequences: tuple[str, str]) -> str:
    body = "".join(f"<cc:{kind}><ResourceList>{res}</ResourceList></cc:{kind}>"
                   for kind, res in sequences)  # fmt: skip
    return f"<Segment><SequenceList>{body}</SequenceList></Segment>"


# --- the photon corpus ------------------------------------------------------------------------


def _photon_documents(corpus: Path, root: bytes) -> list[Path]:
    """XML files of the photon corpus whose root element is ``root`` (by local name)."""
    found = []
    for path in sorted((corpus / "photon").rglob("*.xml")):
        first = re.search(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)", path.read_bytes()[:4096])
        if first and first.group(1) == root:
            found.append(path)
    return found


def test_photon_cpls_all_parse(corpus: Path) -> None:
    """Every photon CPL gives placements with record times, or an ImfError naming its file."""
    cpls = _photon_documents(corpus, b"CompositionPlaylist")
    assert len(cpls) >= 10
    parsed, failed = [], []
    for path in cpls:
        try:
            cpl = parse_composition(path.read_bytes(), path.name)
        except ImfError as exc:
            assert str(exc).startswith(f"{path.name}: ") and "\n" not in str(exc)
            failed.append(path.name)
            continue
        assert cpl.resources and cpl.duration > 0
        assert all(p.record_out > p.record_in >= 0 for p in cpl.resources)
        parsed.append(path.name)
    assert failed == []  # all 10 photon CPLs (2013, 2016 and 2020 schemas) are valid


def test_photon_assetmaps_and_packing_lists_parse(corpus: Path) -> None:
    """Every photon ASSETMAP and PKL parses, with every asset's path or size."""
    maps = [p for p in _photon_documents(corpus, b"AssetMap")]
    pkls = [p for p in _photon_documents(corpus, b"PackingList")]
    assert len(maps) >= 9 and len(pkls) >= 9
    for path in maps:
        assetmap = parse_assetmap(path.read_bytes(), path.name)
        assert assetmap.assets and all(paths for paths in assetmap.assets.values())
    for path in pkls:
        pkl = parse_packing_list(path.read_bytes(), path.name)
        assert pkl.assets and all(a.size is not None for a in pkl.assets.values())


def test_photon_cpl_with_start_timecode_places_by_hand(corpus: Path) -> None:
    """CPL_70176947 (00:59:30:00 at 24, 23.976 edit rate): 16200 frames and an audio resource
    entering at sample 18546528 for 32432400 samples both run 00:59:30:00-01:10:45:00."""
    path = corpus / "photon/src/test/resources/CPL_70176947-ea8e-41f9-b2cf-ae58ec8bdb78.xml"
    cpl = parse_composition(path.read_bytes(), path.name)
    assert (cpl.edit_rate, cpl.start_timecode, cpl.timecode_rate) == (
        Fraction(24000, 1001), "00:59:30:00", 24)  # fmt: skip
    image, audio = cpl.resources
    assert (image.sequence, _units(image.record_in, image.record_out)) == (
        "MainImageSequence", [0, 16200])  # fmt: skip
    # 32432400 samples at 48 kHz = 32432400 * (24000/1001) / 48000 = 16200 edit units
    assert (audio.sequence, audio.edit_rate, audio.entry_point) == (
        "MainAudioSequence", Fraction(48000), 18546528)  # fmt: skip
    assert audio.record_out == 16200
    # 16200 frames counted at 24 = 11:15 past 00:59:30:00
    assert [cpl.timecode(image.record_in), cpl.timecode(image.record_out)] == [
        "00:59:30:00", "01:10:45:00"]  # fmt: skip
    assert cpl.seconds(cpl.duration) == pytest.approx(675.675)


def test_photon_plugfest_cpl_lays_resources_end_to_end(corpus: Path) -> None:
    """The Netflix plugfest CPL: markers play nothing, image resources follow each other
    (900 + 48 frames, then 1915: 00:00:39:12-00:01:59:07), the segment is 5971 frames."""
    folder = corpus / "photon/src/test/resources/TestIMP/Netflix_Sony_Plugfest_2015"
    path = next(folder.glob("CPL_*.xml"))
    cpl = parse_composition(path.read_bytes(), path.name)
    assert "MarkerSequence" not in {p.sequence for p in cpl.resources}
    images = [p for p in cpl.resources if p.sequence == "MainImageSequence"]
    assert [(p.entry_point, p.source_duration) for p in images[:3]] == [
        (696, 900), (0, 48), (1644, 1915)]  # fmt: skip
    third = images[2]
    assert _units(third.record_in, third.record_out) == [948, 2863]
    assert (cpl.timecode(third.record_in), cpl.timecode(third.record_out)) == (
        "00:00:39:12", "00:01:59:07")  # fmt: skip
    assert cpl.duration == 5971


def test_photon_drop_frame_cpl_counts_drop_frame(corpus: Path) -> None:
    """MERIDIAN (59.94, TimecodeDropFrame 1) labels its timecode drop-frame, with ';'."""
    folder = corpus / "photon/src/test/resources/TestIMP/MERIDIAN_Netflix_Photon_161006"
    path = next(folder.glob("CPL_*.xml"))
    cpl = parse_composition(path.read_bytes(), path.name)
    assert cpl.drop_frame and cpl.timecode(cpl.duration) == "00:00:00;40"


def test_photon_packages_through_the_stage(corpus: Path) -> None:
    """Scanning photon's TestIMP: no document fails, every present track file is placed, and
    the header-only .mxf.hdr stand-in is an MXF no composition plays."""
    report = _imf(corpus / "photon/src/test/resources/TestIMP")
    codes = _all_imf(report)
    assert not any("IMF004" in c for c in codes.values())
    assert codes["HT/IMP/VIDEO_6ed567b7-c030-46d6-9c1c-0f09bab4b962.mxf"] == ["IMF005"]
    assert codes["HT/IMP/AUDIO_b285d8f3-0294-4207-8ea8-4f0b72314213.mxf"] == ["IMF005"]
    assert codes["Netflix_Sony_Plugfest_2015/Netflix_Plugfest_Oct2015.mxf.hdr"] == ["IMF002"]
    packages = _packages(report)
    assert len(packages) == 9
    json.dumps(packages)  # JSON-serialisable


# --- parsing: defaults, pointed errors, attacks --------------------------------------------


def test_cpl_defaults_and_segments() -> None:
    """Resource defaults (CPL EditRate, EntryPoint 0, SourceDuration = Intrinsic - Entry,
    RepeatCount 1); sequences lay resources end to end; segments follow the image's length."""
    body = _segment(
        ("MainImageSequence", _resource("urn:uuid:V", EntryPoint="8") + _resource("urn:uuid:W")),
        ("MainAudioSequence", _resource("urn:uuid:A", EditRate="48000 1", IntrinsicDuration="48000",
                                        RepeatCount="2")),
    ) + _segment(("MainImageSequence", _resource("urn:uuid:X", SourceDuration="10")))  # fmt: skip
    cpl = parse_composition(_cpl(body), "CPL_t.xml")
    v, w, a, x = cpl.resources
    assert (v.edit_rate, v.entry_point, v.source_duration, v.repeat_count) == (
        Fraction(24),
        8,
        40,
        1,
    )
    assert _units(v.record_in, v.record_out, w.record_in, w.record_out) == [0, 40, 40, 88]
    assert _units(a.record_in, a.record_out) == [0, 48]  # 2 x 48000 samples = 2 s = 48 frames
    assert (x.segment, _units(x.record_in, x.record_out)) == (2, [88, 98])
    assert cpl.start_timecode == "00:00:00:00" and cpl.timecode(x.record_in) == "00:00:03:16"
    assert v.track_file_id == "urn:uuid:v"  # ids compare lower-cased


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_cpl(_segment(("MainImageSequence", _resource() * 2 + _resource(SourceDuration="abc")))),
         "CPL_t.xml: Segment 1 / MainImageSequence / Resource 3, SourceDuration: 'abc' is not a "
         "non-negative integer"),
        (_cpl("", rate="24 0"), "CPL_t.xml: EditRate: '24 0' is not a rate"),
        (_cpl(_segment(("MainImageSequence", _resource(IntrinsicDuration="9" * 5000)))),
         "CPL_t.xml: Segment 1 / MainImageSequence / Resource 1, IntrinsicDuration: "
         "'9999999999999999999999999999999999999...' is too large"),
        (_cpl(_segment(("MainAudioSequence", _resource(EditRate="fast")))),
         "CPL_t.xml: Segment 1 / MainAudioSequence / Resource 1, EditRate: 'fast' is not a rate"),
        (_cpl(_segment(("MainImageSequence", _resource(EntryPoint="40", SourceDuration="9")))),
         "CPL_t.xml: Segment 1 / MainImageSequence / Resource 1, SourceDuration: EntryPoint 40 + "
         "SourceDuration 9 is past IntrinsicDuration 48"),
        (_cpl(_segment(("MainImageSequence", _resource(RepeatCount="0")))),
         "CPL_t.xml: Segment 1 / MainImageSequence / Resource 1, RepeatCount: '0' is not a "
         "positive integer"),
        (_cpl(_segment(("MainImageSequence", "<Resource><IntrinsicDuration>4</IntrinsicDuration>"
                                             "</Resource>"))),
         "CPL_t.xml: Segment 1 / MainImageSequence / Resource 1, TrackFileId: missing"),
        (_cpl("", timecode="<CompositionTimecode><TimecodeRate>25</TimecodeRate>"
                           "<TimecodeStartAddress>01:00:00:30</TimecodeStartAddress>"
                           "</CompositionTimecode>"),
         "CPL_t.xml: CompositionTimecode, TimecodeStartAddress: '01:00:00:30' is not a timecode "
         "at 25 fps"),
        (b"<CompositionPlaylist><Id>urn:uuid:1</Id></CompositionPlaylist>",
         "CPL_t.xml: EditRate: missing"),
        (b"<CompositionPlaylist>\n<Id>x</Id>\n  <EditRate>1 1</Edit>",
         "CPL_t.xml: is not well-formed XML: line 3, column 18 (mismatched tag)"),
        (b"<foo/>", "CPL_t.xml: not a CompositionPlaylist (root element is <foo>)"),
    ],
)  # fmt: skip
def test_cpl_errors_are_pointed(data: bytes, message: str) -> None:
    """A broken CPL gives one line naming the file, the element path and what is wrong."""
    with pytest.raises(ImfError) as exc:
        parse_composition(data, "CPL_t.xml")
    assert str(exc.value) == message


def test_assetmap_errors_are_pointed() -> None:
    """An ASSETMAP that is something else, or has an asset without a path, says so."""
    with pytest.raises(
        ImfError, match=r"^ASSETMAP.xml: not an AssetMap \(root element is <foo>\)$"
    ):
        parse_assetmap(b"<foo xmlns='urn:x'/>", "ASSETMAP.xml")
    bad = b"<AssetMap><AssetList><Asset><Id>urn:uuid:A</Id><ChunkList/></Asset></AssetList>" \
          b"</AssetMap>"  # fmt: skip
    with pytest.raises(ImfError, match=r"^ASSETMAP.xml: Asset 1, ChunkList: no Chunk with a Path$"):
        parse_assetmap(bad, "ASSETMAP.xml")


def test_packing_list_size_must_be_a_number() -> None:
    """A PKL Size that is not a number names the asset and the value."""
    bad = b"<PackingList><Id>urn:uuid:P</Id><AssetList><Asset><Id>urn:uuid:A</Id>" \
          b"<Size>12kb</Size></Asset></AssetList></PackingList>"  # fmt: skip
    with pytest.raises(ImfError, match=r"^PKL.xml: Asset 1, Size: '12kb' is not a non-negative"):
        parse_packing_list(bad, "PKL.xml")


def test_documents_are_recognised_by_root_element() -> None:
    """parse_document returns an AssetMap, PackingList or Composition by root, None otherwise."""
    assetmap = b"<AssetMap><AssetList><Asset><Id>urn:uuid:A</Id><ChunkList><Chunk>" \
               b"<Path>a.mxf</Path></Chunk></ChunkList></Asset></AssetList></AssetMap>"  # fmt: skip
    assert parse_document(assetmap, "x.xml") == AssetMap({"urn:uuid:a": ("a.mxf",)})
    pkl = parse_document(b"<PackingList><Id>urn:uuid:P</Id><AssetList/></PackingList>", "y")
    assert pkl == PackingList("urn:uuid:p", {})
    assert isinstance(parse_document(_cpl(""), "z.xml"), Composition)
    assert parse_document(b"<VolumeIndex><Index>1</Index></VolumeIndex>", "VOLINDEX.xml") is None


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE AssetMap [\n<!ENTITY a "lollollollollollollollollol">\n'
    + b"".join(b'<!ENTITY %s "%s">\n' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10)
               for i in range(9))
    + b"]>\n<AssetMap><Id>&j;</Id></AssetMap>"
)  # fmt: skip
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE CompositionPlaylist [<!ENTITY x SYSTEM '
    b'"file:///etc/passwd">]>\n<CompositionPlaylist><Id>&x;</Id></CompositionPlaylist>'
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?>\n<!DOCTYPE PackingList [<!ENTITY % p SYSTEM '
    b'"http://127.0.0.1:9/evil.dtd"> %p;]>\n<PackingList/>'
)


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, XXE, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
def test_xml_attacks_are_refused(data: bytes) -> None:
    """Entity declarations are refused at once: nothing is expanded, read or fetched."""
    clock = time.perf_counter()
    with pytest.raises(ImfError) as exc:
        parse_document(data, "ASSETMAP.xml")
    assert str(exc.value) == f"ASSETMAP.xml: {UNSAFE}"
    assert time.perf_counter() - clock < 1.0


def test_oversized_document_is_refused_before_parsing() -> None:
    """read_capped refuses a document over the cap without returning its bytes."""
    with pytest.raises(ImfError, match=r"^CPL_big.xml: larger than 1 MiB, not parsed$"):
        read_capped(io.BytesIO(b"<" + b"a" * (1 << 20)), "CPL_big.xml", limit=1 << 20)
    assert read_capped(io.BytesIO(b"<a/>"), "x", limit=4) == b"<a/>"


def test_unknown_encoding_is_an_imf_error() -> None:
    """An XML declaration naming an unknown encoding is an ImfError, not a LookupError."""
    with pytest.raises(ImfError, match=r"^PKL.xml: is not readable XML"):
        parse_document(b'<?xml version="1.0" encoding="x-nonesuch"?><PackingList/>', "PKL.xml")


# --- the fixture package through the stage ---------------------------------------------------


@pytest.fixture(scope="module")
def package_report() -> Report:
    """fixtures/files/imf scanned, then through the IMF stage."""
    return _imf(FILES / "imf")


def test_fixture_files_are_what_expected_toml_needs() -> None:
    """The per-file scan of the IMF fixtures (before the stage) gives the pinned verdicts."""
    got = {}
    for folder in sorted(FILES.glob("imf*")):
        for r in scan(folder).files:
            got[f"{folder.name}/{r.path}"] = (
                r.verdict.value,
                tuple(sorted({f.rule.code for f in r.findings})),
            )
    tracks = {p: v for p, v in got.items() if p.endswith(".mxf")}
    assert tracks == fx.TRACK_FILES
    assert {v for p, v in got.items() if p.endswith(".xml")} == {("no-ai-markers", ())}


def test_fixture_is_small() -> None:
    """The IMF fixtures stay under 1 MB in all."""
    size = sum(p.stat().st_size for p in FILES.glob("imf*/*") if p.is_file())
    assert 0 < size < 1_000_000


def test_ai_audio_track_is_named_on_the_cpl_at_composition_timecode(package_report: Report) -> None:
    """IMF001 on the CPL names the ElevenLabs audio track file, its evidence, the sequence and
    where it plays: segment 2, 01:00:00:05-01:00:00:15 (RepeatCount 2 of 5 frames)."""
    (finding,) = _findings(package_report, CPL_NAME, "IMF001")
    assert finding.evidence.message == (
        f"track file {AI_NAME} (ai-generated: MXF Identification 1 tool field identification "
        "names ElevenLabs (ElevenLabs): ElevenLabs ElevenLabs Studio 3.2 (Lavf)) plays in "
        'composition "Harbour Lights" at 01:00:00:05-01:00:00:15 (MainAudioSequence, segment 2)'
    )
    details = finding.evidence.details
    assert details["reference"] == AI_NAME
    assert details["reference_verdict"] == "ai-generated"
    assert details["composition"] == {"id": fx.CPL, "title": "Harbour Lights"}
    assert (details["sequence"], details["segment"]) == ("MainAudioSequence", 2)
    assert (details["record_in_tc"], details["record_out_tc"]) == ("01:00:00:05", "01:00:00:15")
    assert (details["record_in_s"], details["record_out_s"]) == (0.2, 0.6)
    assert "hits" not in details  # no trace hits on an audio file
    cpl = next(r for r in package_report.files if r.path == CPL_NAME)
    assert cpl.verdict is Verdict.AI_EDITED


def test_every_placement_gets_imf005(package_report: Report) -> None:
    """IMF005 says where each referenced track file plays; the picture plays in both segments."""
    video = _findings(package_report, VIDEO_NAME, "IMF005")
    assert [f.evidence.message for f in video] == [
        f'plays in composition "Harbour Lights" ({CPL_NAME}) at 01:00:00:00-01:00:00:05 '
        "(MainImageSequence, segment 1)",
        f'plays in composition "Harbour Lights" ({CPL_NAME}) at 01:00:00:05-01:00:00:15 '
        "(MainImageSequence, segment 2)",
    ]
    assert len({f.fingerprint for f in video}) == 2
    assert _codes(package_report, AUDIO_NAME) == ["IMF005"]
    assert _codes(package_report, AI_NAME) == ["IMF005"]


def test_stray_mxf_is_outside_the_composition(package_report: Report) -> None:
    """The alternate take (in the ASSETMAP and PKL, in no CPL) gets IMF002, and nothing else
    of the package gets IMF002, IMF003, IMF004 or IMF006."""
    assert _all_imf(package_report) == {
        CPL_NAME: ["IMF001"],
        VIDEO_NAME: ["IMF005", "IMF005"],
        AUDIO_NAME: ["IMF005"],
        AI_NAME: ["IMF005"],
        ALT_NAME: ["IMF002"],
    }
    (outside,) = _findings(package_report, ALT_NAME, "IMF002")
    assert outside.evidence.message.startswith("no composition of the IMF package . plays")


def test_summary_describes_the_package(package_report: Report) -> None:
    """options["imf"] lists the package, its composition's timing, and the stray file."""
    (package,) = _packages(package_report)
    (composition,) = package["compositions"]
    assert composition == {
        "file": CPL_NAME, "id": fx.CPL, "title": "Harbour Lights", "edit_rate": "25/1",
        "start_timecode": "01:00:00:00", "end_timecode": "01:00:00:15", "duration_s": 0.6,
        "duration_tc": "00:00:00:15", "resources": 4,
    }  # fmt: skip
    assert package["unreferenced"] == [ALT_NAME] and package["missing"] == []
    json.dumps(package_report.options["imf"])


def test_gate_fails_the_unapproved_ai_track_and_the_stray(package_report: Report) -> None:
    """Without a log entry the gate fails: POL001 on the CPL, POL009 on the stray MXF."""
    gated = apply_gate(package_report, FILES / "imf", None, DEFAULT_POLICY, TODAY)
    assert gated.gate is Gate.FAIL
    assert _codes(gated, CPL_NAME, "POL") == ["POL001"]
    assert _codes(gated, ALT_NAME, "POL") == ["POL009"]
    assert _codes(gated, VIDEO_NAME, "POL") == []


def test_track_file_log_entry_approves_the_cpl(tmp_path: Path) -> None:
    """A written final approval of the AI track file (by sha256) covers its IMF001 on the CPL."""
    root = tmp_path / "imf"
    shutil.copytree(FILES / "imf", root)
    (root / ALT_NAME).unlink()
    sha = hashlib.sha256((root / AI_NAME).read_bytes()).hexdigest()
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-7"\nscope = ["final"]\n{APPROVED}'
                   f'sha256 = "{sha}"\n', encoding="utf-8")  # fmt: skip
    gated = apply_gate(_imf(root), root, load_log(log), DEFAULT_POLICY, TODAY)
    (finding,) = _findings(gated, CPL_NAME, "IMF001")
    assert finding.approval == "AI-7"
    assert gated.gate is Gate.PASS


def _pipeline_runs_imf() -> bool:
    return "apply_imf" in inspect.getsource(pipeline)


def test_cli_scan_reports_the_ai_track_in_the_composition() -> None:
    """`provscan scan fixtures/files/imf --no-trace -f json` exits 1 with IMF001 on the CPL."""
    if not _pipeline_runs_imf():
        pytest.skip("provscan.pipeline does not call apply_imf yet")
    result = runner.invoke(cli.app, ["scan", str(FILES / "imf"), "--no-trace", "-f", "json"])
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(result.stdout)["files"]}
    rules = [x["rule"] for x in files[CPL_NAME]["findings"]]
    assert "IMF001" in rules and "POL001" in rules
    assert "01:00:00:05" in json.dumps(files[CPL_NAME])


# --- broken variants and hostile packages ----------------------------------------------------


def test_bad_cpl_gives_imf004_and_fails_closed() -> None:
    """imf_bad_cpl: IMF004 names the CPL, the element and the value; the gate fails (POL006)."""
    report = _imf(FILES / "imf_bad_cpl")
    (cpl,) = [r for r in report.files if r.path.startswith("CPL_")]
    (finding,) = _findings(report, cpl.path, "IMF004")
    assert finding.evidence.message == (
        f"{cpl.path}: Segment 2 / MainAudioSequence / Resource 1, SourceDuration: 'abc' is not "
        "a non-negative integer"
    )
    assert _all_imf(report) == {cpl.path: ["IMF004"]}
    gated = apply_gate(report, FILES / "imf_bad_cpl", None, DEFAULT_POLICY, TODAY)
    assert _codes(gated, cpl.path, "POL") == ["POL006"]


def test_xxe_cpl_is_refused() -> None:
    """imf_xxe: the CPL declaring an external entity is refused (IMF004), never resolved."""
    report = _imf(FILES / "imf_xxe")
    (cpl,) = [r for r in report.files if r.path.startswith("CPL_")]
    (finding,) = _findings(report, cpl.path, "IMF004")
    assert finding.evidence.message == f"{cpl.path}: {UNSAFE}"
    assert "root:" not in json.dumps(report.options["imf"])  # /etc/passwd never read


def test_missing_track_file_gives_imf003() -> None:
    """imf_missing: the CPL's audio id is in no ASSETMAP: IMF003 names it and its sequence,
    the present picture is still placed, and the gate says part was not checked (POL008)."""
    report = _imf(FILES / "imf_missing")
    (cpl,) = [r for r in report.files if r.path.startswith("CPL_")]
    (finding,) = _findings(report, cpl.path, "IMF003")
    assert finding.evidence.message.startswith(
        f"track file {fx.ABSENT} (MainAudioSequence, segment 1) is not in the package's ASSETMAP"
    )
    assert _codes(report, VIDEO_NAME) == ["IMF005"]
    gated = apply_gate(report, FILES / "imf_missing", None, DEFAULT_POLICY, TODAY)
    assert _codes(gated, cpl.path, "POL") == ["POL008"]


def test_track_file_absent_on_disk_gives_imf003(tmp_path: Path) -> None:
    """A track file listed in the ASSETMAP but missing from the folder is IMF003 on the CPL."""
    root = tmp_path / "imf"
    shutil.copytree(FILES / "imf", root)
    (root / AI_NAME).unlink()
    report = _imf(root)
    (finding,) = _findings(report, CPL_NAME, "IMF003")
    assert finding.evidence.message.startswith(
        f"track file {fx.AI_AUDIO} (MainAudioSequence, segment 2) is {AI_NAME} in the ASSETMAP, "
        "but that file was not scanned (absent on disk)"
    )
    assert "IMF001" not in _codes(report, CPL_NAME)


def test_size_differing_from_pkl_gives_imf006(tmp_path: Path) -> None:
    """A track file one byte longer than its PKL Size gets IMF006 with both sizes."""
    root = tmp_path / "imf"
    shutil.copytree(FILES / "imf", root)
    size = (root / AUDIO_NAME).stat().st_size
    with open(root / AUDIO_NAME, "ab") as f:
        f.write(b"\x00")
    (finding,) = _findings(_imf(root), AUDIO_NAME, "IMF006")
    assert (finding.evidence.details["declared"], finding.evidence.details["actual"]) == (
        size, size + 1)  # fmt: skip


def test_supplemental_package_plays_the_original_versions_files(tmp_path: Path) -> None:
    """A second package whose CPL plays the first's track files: resolved through the other
    ASSETMAP (no IMF003), and the first's alternate take is no longer outside (no IMF002)."""
    shutil.copytree(FILES / "imf", tmp_path / "ov")
    supplemental = fx.composition_xml("urn:uuid:5e5e5e5e-0000-4000-8000-000000000001", (
        (("MainImageSequence", (fx.Resource(fx.ALT_TAKE, 5, 0, "5"),)),),))  # fmt: skip
    fx.write_package(tmp_path / "vf", "urn:uuid:5e5e5e5e-0000-4000-8000-000000000001",
                     supplemental, {})  # fmt: skip
    report = _imf(tmp_path)
    codes = _all_imf(report)
    assert codes[f"ov/{ALT_NAME}"] == ["IMF005"]
    assert not any("IMF003" in c or "IMF002" in c for c in codes.values())


def test_billion_laughs_assetmap_in_a_scan_is_imf004(tmp_path: Path) -> None:
    """An ASSETMAP holding a billion-laughs bomb gets IMF004 quickly; nothing raises."""
    (tmp_path / "ASSETMAP.xml").write_bytes(BILLION_LAUGHS)
    (tmp_path / "CPL_x.xml").write_bytes(XXE)
    clock = time.perf_counter()
    report = _imf(tmp_path)
    assert time.perf_counter() - clock < 10
    assert _all_imf(report) == {"ASSETMAP.xml": ["IMF004"], "CPL_x.xml": ["IMF004"]}
    (finding,) = _findings(report, "ASSETMAP.xml", "IMF004")
    assert finding.evidence.message == f"ASSETMAP.xml: {UNSAFE}"


def test_assetmap_paths_leaving_the_package_are_not_followed(tmp_path: Path) -> None:
    """An ASSETMAP path with ../ is never resolved outside the package: IMF003 says so."""
    (tmp_path / "outside.mxf").write_bytes(b"x")
    package = tmp_path / "pkg"
    shutil.copytree(FILES / "imf", package)
    assetmap = (package / "ASSETMAP.xml").read_text(encoding="utf-8")
    (package / "ASSETMAP.xml").write_text(assetmap.replace(AI_NAME, "../outside.mxf"))
    report = _imf(tmp_path)
    (finding,) = _findings(report, f"pkg/{CPL_NAME}", "IMF003")
    assert "has ASSETMAP path '../outside.mxf', which leaves the package folder" in (
        finding.evidence.message)  # fmt: skip
    assert _codes(report, "outside.mxf") == []


def test_symlinked_cpl_is_not_followed(tmp_path: Path) -> None:
    """A CPL that is a symlink out of the root is never read: IMF004 says it cannot be read."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / CPL_NAME).write_bytes((FILES / "imf" / CPL_NAME).read_bytes())
    root = tmp_path / "root"
    shutil.copytree(FILES / "imf", root)
    (root / CPL_NAME).unlink()
    (root / CPL_NAME).symlink_to(outside / CPL_NAME)
    report = _imf(root)
    assert _codes(report, CPL_NAME) == ["IMF004"]
    (package,) = _packages(report)
    assert package["compositions"] == []


def test_trace_hits_on_a_track_file_map_to_composition_timecode(package_report: Report) -> None:
    """A trace hit at 0.24-0.36 s of the picture track (frames 6-9) lands in segment 2 (entry
    5) at 01:00:00:06-01:00:00:09 and again, repeated, at 01:00:00:11-01:00:00:14; segment 1
    (frames 0-4) gets an IMF001 without hits."""
    report = scan(FILES / "imf")
    hit = Evidence("TRC001", "AI still x.png appears", key="reference", value="x.png",
                   details={"ranges": [{"start": 0.24, "end": 0.36}]})  # fmt: skip
    files = []
    for result in report.files:
        if result.path == VIDEO_NAME:
            findings = (*result.findings, Finding(trace_rules.STILL_IN_VIDEO, hit, "f"))
            verdict, deciding = decide(findings)
            result = replace(result, findings=findings, verdict=verdict, deciding=deciding)
        files.append(result)
    traced = apply_imf(replace(report, files=tuple(files)))
    on_cpl = [f for f in _findings(traced, CPL_NAME, "IMF001")
              if f.evidence.details["reference"] == VIDEO_NAME]  # fmt: skip
    segment1, segment2 = sorted(on_cpl, key=lambda f: str(f.evidence.details["segment"]))
    assert "hits" not in segment1.evidence.details
    hits = segment2.evidence.details["hits"]
    assert isinstance(hits, list)
    assert [(h["start_tc"], h["end_tc"]) for h in hits] == [
        ("01:00:00:06", "01:00:00:09"), ("01:00:00:11", "01:00:00:14")]  # fmt: skip
    assert hits[0]["reference"] == "x.png"


def test_report_without_a_package_is_unchanged(tmp_path: Path) -> None:
    """A scan with no ASSETMAP comes back as the same report, with no "imf" summary."""
    (tmp_path / "CPL_lonely.xml").write_bytes(_cpl(""))
    report = scan(tmp_path)
    assert apply_imf(report) is report


def test_source_files_are_not_packages(tmp_path: Path) -> None:
    """Project media (role "source") are never read as IMF packages."""
    report = scan(FILES / "imf")
    sources = replace(report, files=tuple(replace(r, role="source") for r in report.files))
    assert apply_imf(sources) is sources


def test_inspect_lists_a_cpls_resources_at_composition_timecode() -> None:
    """inspect CPL.xml: title, edit rate, timecode span, then each resource where it plays."""
    from provscan import cli
    from typer.testing import CliRunner

    cpl = next((FIXTURES / "files" / "imf").glob("CPL_*.xml"))
    result = CliRunner().invoke(cli.app, ["inspect", str(cpl)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert '"Harbour Lights"' in lines[0] and "01:00:00:00-01:00:00:15, 4 resources" in lines[0]
    assert any("MainAudioSequence  01:00:00:05-01:00:00:15" in line and line.endswith("1003")
               for line in lines)  # fmt: skip
    doc = json.loads(CliRunner().invoke(cli.app, ["inspect", str(cpl), "-f", "json"]).output)
    assert [r["segment"] for r in doc["resources"]] == [1, 1, 2, 2]


def test_inspect_of_a_broken_cpl_is_one_line_and_exit_2() -> None:
    """inspect of a CPL that does not parse names the element and the problem, exit 2."""
    from provscan import cli
    from typer.testing import CliRunner

    cpl = next((FIXTURES / "files" / "imf_bad_cpl").glob("CPL_*.xml"))
    result = CliRunner().invoke(cli.app, ["inspect", str(cpl)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "SourceDuration: 'abc'" in result.output
