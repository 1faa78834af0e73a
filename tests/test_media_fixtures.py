"""fixtures/media_files.py: stable bytes, files every reader opens, and the tags each one claims."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any

import av
import c2pa
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from fixtures import media_files
from fixtures.media_files import EXPECTED, MIME
from fixtures.testca import make_ca

DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
SIGNED = sorted(rel for rel in EXPECTED if Path(rel).name.startswith("c2pa_"))
UNSIGNED = sorted(set(EXPECTED) - set(SIGNED))
_OFFLINE = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}

# Container and track tags as PyAV (FFmpeg's demuxers) reports them, merged.
TAGS: dict[str, dict[str, str]] = {
    "media/plain.mp4": {"title": "Plain clip", "comment": "no AI here"},
    "media/camera.mov": {
        "com.apple.quicktime.make": "Apple",
        "com.apple.quicktime.model": "iPhone 15 Pro",
        "com.apple.quicktime.software": "17.1",
        "com.apple.quicktime.creationdate": "2025-03-01T10:21:06+0100",
        "major_brand": "qt  ",
    },
    "media/runway_tool.mp4": {"encoder": "Runway Gen-4"},
    "media/comfyui_vhs.mp4": {"creation_time": "2025-03-01T10:21:06.000000Z"},
    "media/plain.mkv": {"title": "Plain clip", "encoder": "libebml v1.4.5 + libmatroska v1.7.1"},
    "media/bwf_recorder.wav": {
        "encoder": "Sound Devices 788T",
        "comment": "boom mic",
        "encoded_by": "Sound Devices 788T",
        "date": "2025-03-01",
        "time_reference": str((10 * 3600 + 21 * 60 + 6) * 48_000),
        "coding_history": "A=PCM,F=48000,W=24,M=mono,T=Sound Devices 788T\r\n",
    },
    "media/stable_audio.wav": {"encoder": "Stable Audio 2.0"},
    "media/elevenlabs.mp3": {
        "encoder": "ElevenLabs",
        "title": "Narration take 3",
        "comment": "voice: Rachel",
    },
    "media/suno.mp3": {"title": "Neon Rain", "comment": "made with Suno v4.5"},
    "media/id3_ai_strings.mp3": {"Software": "Suno", "encoded_by": "Udio"},
    "media/udio.m4a": {"encoder": "Udio", "ai_model": "udio-32", "major_brand": "M4A "},
    "media/plain.opus": {"ENCODER": "opusenc from opus-tools 0.2", "TITLE": "Courtyard ambience"},
    "media/plain.aiff": {"title": "Courtyard ambience", "comment": "field ambience"},
    "media/c2pa_ai.mov": {"major_brand": "qt  "},
}

# Signed file -> (validation state offline with no trust list, source types its actions declare).
SOURCES: dict[str, tuple[str, list[str]]] = {
    "media/c2pa_ai.mp4": ("Valid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_ai.mov": ("Valid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_capture.mp4": ("Valid", ["digitalCapture"]),
    "media/c2pa_edited.mp4": ("Valid", ["digitalCapture", "compositeWithTrainedAlgorithmicMedia"]),
    "media/c2pa_tampered.mp4": ("Invalid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_ai.wav": ("Valid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_ai.mp3": ("Valid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_ai.m4a": ("Valid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_ai.flac": ("Valid", ["trainedAlgorithmicMedia"]),
    "media/c2pa_capture.wav": ("Valid", ["digitalCapture"]),
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two independent builds of the media fixtures."""
    first, second = tmp_path_factory.mktemp("media_a"), tmp_path_factory.mktemp("media_b")
    media_files.build(first)
    media_files.build(second)
    return first, second


@pytest.fixture(scope="module")
def root(builds: tuple[Path, Path]) -> Path:
    """The first build."""
    return builds[0]


def _tags(path: Path) -> dict[str, str]:
    with av.open(str(path)) as container:
        tags = dict(container.metadata)
        for stream in container.streams:
            tags.update(stream.metadata)
    return tags


def _manifest(path: Path) -> dict[str, Any]:
    context = c2pa.Context.from_dict(_OFFLINE)
    with (
        open(path, "rb") as f,
        c2pa.Reader(MIME[path.suffix], f, context=context) as reader,
    ):
        return dict(json.loads(reader.json()))


def _riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, size = struct.unpack_from("<4sI", data, pos)
        chunks.append((kind, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return chunks


def test_build_writes_exactly_the_expected_files(root: Path) -> None:
    """build() writes every file EXPECTED names and nothing else, each under 60 KB."""
    written = {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*")}
    assert sorted(written) == sorted(["media", *EXPECTED])
    assert max(size for rel, size in written.items() if rel != "media") < 60_000
    assert set(SOURCES) == set(SIGNED)


@pytest.mark.parametrize("rel", UNSIGNED)
def test_unsigned_files_are_byte_identical(builds: tuple[Path, Path], rel: str) -> None:
    """Every file without a C2PA manifest comes out byte for byte the same on each build."""
    first, second = builds
    assert (first / rel).read_bytes() == (second / rel).read_bytes()


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_every_file_opens_and_decodes(root: Path, rel: str) -> None:
    """FFmpeg (through PyAV) opens each file and decodes its first stream."""
    with av.open(str(root / rel)) as container:
        frames = sum(1 for _ in container.decode(container.streams[0]))
    assert frames > 0


@pytest.mark.parametrize("rel", sorted(TAGS))
def test_tags_read_back(root: Path, rel: str) -> None:
    """Each file carries the tags it claims, as FFmpeg's demuxers report them."""
    tags = _tags(root / rel)
    assert {k: tags.get(k) for k in TAGS[rel]} == TAGS[rel]


@pytest.mark.parametrize(
    ("rel", "prompt_key", "workflow_key"),
    [
        ("media/comfyui_savevideo.mp4", "prompt", "workflow"),
        ("media/comfyui.webm", "PROMPT", "WORKFLOW"),
        ("media/comfyui.flac", "prompt", "workflow"),
    ],
)
def test_comfyui_tags_hold_the_graphs(
    root: Path, rel: str, prompt_key: str, workflow_key: str
) -> None:
    """ComfyUI's prompt (API graph) and workflow (UI graph) tags parse as the JSON it writes."""
    tags = _tags(root / rel)
    prompt, workflow = json.loads(tags[prompt_key]), json.loads(tags[workflow_key])
    assert prompt["3"]["class_type"] == "KSampler"
    assert prompt["3"]["inputs"]["model"] == ["4", 0]
    assert {"nodes", "links"} <= set(workflow)


def test_vhs_comment_holds_prompt_string_and_workflow_object(root: Path) -> None:
    """Video Helper Suite's single comment: prompt is a JSON string, workflow an object."""
    comment = json.loads(_tags(root / "media/comfyui_vhs.mp4")["comment"])
    prompt = json.loads(comment["prompt"])
    assert prompt["4"]["inputs"]["ckpt_name"] == "wan2.1_t2v_14B.safetensors"
    assert prompt["6"]["inputs"]["text"] == "archival photo of a woman, 1998, film grain"
    assert isinstance(comment["workflow"], dict)


def test_aigc_label_is_the_gb45438_json(root: Path) -> None:
    """The AIGC tag holds the GB 45438-2025 fields with Label 1."""
    label = json.loads(_tags(root / "media/aigc_label.mp4")["AIGC"])
    assert label["Label"] == "1"
    assert label["ContentProducer"] == "001191110108MA01KP2T5U00000"
    assert set(label) == {
        "Label", "ContentProducer", "ProduceID", "ReservedCode1",
        "ContentPropagator", "PropagateID", "ReservedCode2",
    }  # fmt: skip


def test_xmp_uuid_box_is_top_level(root: Path) -> None:
    """xmp_dst.mp4 ends in a top-level uuid box of Adobe's XMP type with the source type."""
    data = (root / "media/xmp_dst.mp4").read_bytes()
    boxes = {kind: (start, end) for kind, start, end in media_files._boxes(data)}
    start, end = boxes[b"uuid"]
    assert end == len(data)
    assert data[start + 8 : start + 24].hex() == "be7acfcb97a942e89c71999491e3afac"
    body = data[start + 24 : end]
    assert f'DigitalSourceType="{DST}trainedAlgorithmicMedia"'.encode() in body
    assert b'xmp:CreatorTool="Adobe Premiere Pro 2025.0"' in body


def test_bwf_chunks_follow_tech_3285_v2(root: Path) -> None:
    """bwf_recorder.wav has fmt, bext v2 (loudness set), iXML, LIST/INFO and data, in order."""
    chunks = _riff_chunks((root / "media/bwf_recorder.wav").read_bytes())
    assert [kind for kind, _ in chunks] == [b"fmt ", b"bext", b"iXML", b"LIST", b"data"]
    bext, ixml, info = chunks[1][1], chunks[2][1], chunks[3][1]
    assert bext[256:288].rstrip(b"\0") == b"Sound Devices 788T"
    assert bext[320:338] == b"2025-03-0110:21:06"
    assert struct.unpack_from("<H", bext, 346)[0] == 2  # Version
    assert struct.unpack_from("<h", bext, 412)[0] == -2300  # LoudnessValue, after the UMID
    assert bext[602:] == b"A=PCM,F=48000,W=24,M=mono,T=Sound Devices 788T\r\n"
    assert b"<BWFXML><PROJECT>Doc</PROJECT><SCENE>12</SCENE><TAKE>3</TAKE></BWFXML>" in ixml
    assert b"ISFT" in info and b"ICMT" in info and b"boom mic" in info


def test_id3_versions_and_frames(root: Path) -> None:
    """The MP3 tags have the ID3 versions and frames the tools write (read with mutagen)."""
    eleven = ID3(root / "media/elevenlabs.mp3")
    assert eleven.version[:2] == (2, 4)
    assert str(eleven["TSSE"]) == "ElevenLabs"
    suno = ID3(root / "media/suno.mp3")
    assert suno.version[:2] == (2, 3)
    assert suno["WOAS"].url == "https://suno.com/song/1b2c3d"
    assert str(suno.getall("COMM")[0]) == "made with Suno v4.5"
    odd = ID3(root / "media/id3_ai_strings.mp3")
    assert odd.version[:2] == (2, 3)
    assert str(odd["TXXX:Software"]) == "Suno" and str(odd["TENC"]) == "Udio"
    geob = odd.getall("GEOB")[0]
    assert (geob.desc, geob.data) == ("prompt", b"lofi beat, generated")


def test_m4a_atoms(root: Path) -> None:
    """udio.m4a has ©too and the iTunes freeform ai_model atom (read with mutagen)."""
    tags = MP4(root / "media/udio.m4a").tags
    assert tags is not None
    assert tags["\xa9too"] == ["Udio"]
    assert bytes(tags["----:com.apple.iTunes:ai_model"][0]) == b"udio-32"


def test_matroska_doctypes(root: Path) -> None:
    """comfyui.webm is DocType webm and plain.mkv DocType matroska with mkvmerge's WritingApp."""
    assert b"\x42\x82\x84webm" in (root / "media/comfyui.webm").read_bytes()[:64]
    mkv = (root / "media/plain.mkv").read_bytes()
    assert b"\x42\x82\x88matroska" in mkv[:64]
    assert b"mkvmerge v88.0 ('All I Know') 64-bit" in mkv


def test_no_library_idents_leak(root: Path) -> None:
    """No FFmpeg version ident or x264 banner gets into any file."""
    for rel in EXPECTED:
        data = (root / rel).read_bytes()
        assert b"Lavf6" not in data and b"Lavc6" not in data and b"x264 - core" not in data, rel


@pytest.mark.parametrize("rel", SIGNED)
def test_signed_files_declare_their_source_type(root: Path, rel: str) -> None:
    """Each C2PA file reads back offline with its state and declared digital source types."""
    state, sources = SOURCES[rel]
    store = _manifest(root / rel)
    assert store["validation_state"] == state
    manifest = store["manifests"][store["active_manifest"]]
    actions = next(a for a in manifest["assertions"] if a["label"] == "c2pa.actions.v2")
    assert [a["digitalSourceType"] for a in actions["data"]["actions"]] == [
        DST + s for s in sources
    ]


def test_tampered_file_fails_the_bmff_hash(root: Path) -> None:
    """The flipped mdat byte is reported as a BMFF hash mismatch, not a signature fault."""
    store = _manifest(root / "media/c2pa_tampered.mp4")
    codes = {f["code"] for f in store["validation_results"]["activeManifest"]["failure"]}
    assert "assertion.bmffHash.mismatch" in codes


def test_sign_media_round_trips(root: Path) -> None:
    """sign_media embeds a manifest c2pa.Reader finds in a file it was not given before."""
    source = (root / "media/plain.mp4").read_bytes()
    signed = media_files.sign_media(
        make_ca(),
        media_files._created("Test", "digitalCapture"),
        "video/mp4",
        source,
    )
    context = c2pa.Context.from_dict(_OFFLINE)
    with c2pa.Reader("video/mp4", io.BytesIO(signed), context=context) as reader:
        assert json.loads(reader.json())["validation_state"] == "Valid"
