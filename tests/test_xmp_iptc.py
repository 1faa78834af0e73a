"""The XMP / IPTC detector: source type classification, AI fields, tool fields, Google
credits, free-text hints, manifest pointers, data mining, refusals, sidecars, describe(),
the generated fixtures, and agreement with the real-world corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from provscan.analysis import analyse
from provscan.asset import Asset, find_sidecar
from provscan.detectors import xmp_iptc
from provscan.detectors.xmp_rules import RULES
from provscan.model import Confidence, Evidence, Signal, Verdict

from fixtures import xmp_images
from fixtures.xmp_images import BILLION_LAUGHS, app1_xmp, app13_iim, jpeg_with, packet

H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
DST = "Iptc4xmpExt:DigitalSourceType"


def _asset(tmp_path: Path, attrs: str = "", body: str = "", *extra: bytes) -> Asset:
    segments = (app1_xmp(packet(body, attrs)), *extra) if attrs or body else extra
    (tmp_path / "t.jpg").write_bytes(jpeg_with((9, 9, 9), *segments))
    return Asset(tmp_path / "t.jpg", "t.jpg", sidecar=find_sidecar(tmp_path / "t.jpg"))


def _found(asset: Asset) -> list[tuple[str, Confidence]]:
    return [(e.rule, e.confidence) for e in xmp_iptc.detect(asset)]


# value -> (rule, confidence): URI variants of the IPTC NewsCodes vocabulary.
SOURCE_TYPES = [
    (IPTC + "trainedAlgorithmicMedia", "XMP001", H),
    ("https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia/", "XMP001", H),
    ("trainedAlgorithmicMedia", "XMP001", H),
    ("TrainedAlgorithmicMedia", "XMP001", H),
    ("http://c2pa.org/digitalsourcetype/trainedAlgorithmicMedia", "XMP001", H),
    ("https://example.com/vocab/trainedAlgorithmicMedia", "XMP001", M),
    (IPTC + "compositeWithTrainedAlgorithmicMedia", "XMP002", H),
    (IPTC + "compositeSynthetic", "XMP002", M),
    (IPTC + "algorithmicMedia", "XMP008", H),
    (IPTC + "digitalCapture", "XMP008", H),
    (IPTC + "computationalCapture", "XMP008", H),
    (IPTC + "negativeFilm", "XMP008", H),
    (IPTC + "positiveFilm", "XMP008", H),
    (IPTC + "print", "XMP008", H),
    (IPTC + "humanEdits", "XMP008", H),
    (IPTC + "minorHumanEdits", "XMP008", H),
    (IPTC + "compositeCapture", "XMP008", H),
    (IPTC + "algorithmicallyEnhanced", "XMP008", H),
    (IPTC + "dataDrivenMedia", "XMP008", H),
    (IPTC + "digitalArt", "XMP008", H),
    (IPTC + "virtualRecording", "XMP008", H),
    (IPTC + "screenCapture", "XMP008", H),
    (IPTC + "softwareImage", "XMP008", H),
    (IPTC + "digitalCreation", "XMP008", H),
    ("https://exiftool.org", "XMP012", H),
]


@pytest.mark.parametrize(("value", "rule", "confidence"), SOURCE_TYPES)
def test_source_type_vocabulary(value: str, rule: str, confidence: Confidence) -> None:
    """Each NewsCodes term (full URI, https, trailing slash, bare) gets its rule and confidence."""
    ev = xmp_iptc.source_type_evidence(DST, value, "JPEG APP1 XMP")
    assert (ev.rule, ev.confidence) == (rule, confidence)


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("Iptc4xmpExt:DigitalSourcefileType", "XMP001"),  # IPTC Extension 1.0 name
        ("Iptc4xmpExt:DigitalSourceFileType", "XMP001"),  # Apple ImageIO / corpus Firefly PNG
        ("Iptc4xmpExt:ImageRegion/Iptc4xmpExt:DigitalSourceType", "XMP002"),  # a part only
    ],
)
def test_source_type_property_names(tmp_path: Path, key: str, rule: str) -> None:
    """Deprecated property names count; a source type inside a struct means a composite."""
    prefix, name = key.rsplit("/", 1) if "/" in key else ("", key)
    inner = f'{name}="{IPTC}trainedAlgorithmicMedia"'
    body = f"<{prefix}><rdf:Description {inner}/></{prefix}>" if prefix else ""
    asset = _asset(tmp_path, "" if prefix else inner, body)
    assert _found(asset) == [(rule, H)]


def test_digital_capture_is_info_not_capture_provenance(tmp_path: Path) -> None:
    """An unsigned digitalCapture claim never yields the capture-provenance verdict."""
    result = analyse(_asset(tmp_path, f'{DST}="{IPTC}digitalCapture"'))
    assert result.verdict is Verdict.NO_AI_MARKERS
    assert [f.rule.code for f in result.findings] == ["XMP008"]


AI_FIELDS = 'Iptc4xmpExt:AISystemUsed="Midjourney" Iptc4xmpExt:AIPromptInformation="a cat"'


@pytest.mark.parametrize(
    ("dst", "confidence"),
    [("", M), (f'{DST}="{IPTC}trainedAlgorithmicMedia"', H),
     (f'{DST}="{IPTC}compositeWithTrainedAlgorithmicMedia"', L)],
)  # fmt: skip
def test_ai_fields_confidence_follows_the_source_type(
    tmp_path: Path, dst: str, confidence: Confidence
) -> None:
    """IPTC 2025.1 AI fields: MEDIUM alone, HIGH when DST agrees, LOW beside a composite."""
    evidence = [
        e for e in xmp_iptc.detect(_asset(tmp_path, f"{AI_FIELDS} {dst}")) if e.rule == "XMP003"
    ]
    assert [e.confidence for e in evidence] == [confidence]
    assert evidence[0].details["prompt"] == "a cat" and evidence[0].details["tool"] == "Midjourney"


TOOLS = [
    ('xmp:CreatorTool="Adobe Firefly"', [("XMP004", M)]),  # HIGH in the table, capped
    ('xmp:CreatorTool="Adobe Photoshop 26.4 (Macintosh)"', []),
    ('xmp:CreatorTool="Runway"', [("XMP004", L)]),  # a LOW row stays LOW
    ('tiff:Software="ComfyUI"', [("XMP004", M)]),
]


@pytest.mark.parametrize(("attrs", "want"), TOOLS)
def test_tool_fields(tmp_path: Path, attrs: str, want: list[tuple[str, Confidence]]) -> None:
    """Generators in tool fields count at MEDIUM at most; other software does not."""
    assert _found(_asset(tmp_path, attrs)) == want


def test_iim_originating_program_is_a_tool_field(tmp_path: Path) -> None:
    """IIM 2:65 Originating Program naming a generator is XMP004."""
    asset = _asset(tmp_path, "", "", app13_iim([(2, 65, "Stable Diffusion")]))
    assert _found(asset) == [("XMP004", M)]


CREDITS = [
    ("Made with Google AI", [("XMP005", H)]),
    ("made  with google AI", [("XMP005", H)]),
    ("Edited with Google AI", [("XMP011", H)]),
    ("Jo Smith / Made with Google AI", [("XMP005", M)]),
    ("Jo Smith / Reuters", []),
]


@pytest.mark.parametrize(("credit", "want"), CREDITS)
def test_google_credit_lines(
    tmp_path: Path, credit: str, want: list[tuple[str, Confidence]]
) -> None:
    """Google's credit lines decide alone (no duplicate free-text hint); others do not."""
    assert _found(_asset(tmp_path, f'photoshop:Credit="{credit}"')) == want


FREE_TEXT = [
    ('<dc:description><rdf:Alt><rdf:li xml:lang="x-default">made in Midjourney</rdf:li>'
     "</rdf:Alt></dc:description>", [("XMP009", L)]),
    ("<dc:subject><rdf:Bag><rdf:li>AI-generated</rdf:li></rdf:Bag></dc:subject>",
     [("XMP009", L)]),
    ("<dc:subject><rdf:Bag><rdf:li>Gemini</rdf:li><rdf:li>runway</rdf:li></rdf:Bag></dc:subject>",
     []),
    ("<photoshop:Headline>Sunset over the harbour</photoshop:Headline>", []),
]  # fmt: skip


@pytest.mark.parametrize(("body", "want"), FREE_TEXT)
def test_free_text_hints(tmp_path: Path, body: str, want: list[tuple[str, Confidence]]) -> None:
    """Sure tool names and disclosure phrases hint; ambiguous words (Gemini, runway) do not."""
    assert _found(_asset(tmp_path, "", body)) == want


def test_remote_and_stripped_pointers_are_reported(tmp_path: Path) -> None:
    """A remote URL and a self#jumbf pointer with no manifest both give XMP006."""
    remote = _asset(tmp_path, 'dcterms:provenance="https://example.com/m.c2pa"')
    assert [e.rule for e in xmp_iptc.detect(remote)] == ["XMP006"]
    stripped = _asset(tmp_path, 'dcterms:provenance="self#jumbf=/c2pa/u:urn:uuid:1/c2pa.claim"')
    messages = [e.message for e in xmp_iptc.detect(stripped)]
    assert len(messages) == 1 and "stripped" in messages[0]


def test_self_pointer_with_its_manifest_is_silent(tmp_path: Path) -> None:
    """A signed file whose XMP points at its own embedded manifest raises nothing here."""
    from fixtures.c2pa_images import MANIFESTS, sign
    from fixtures.testca import make_ca

    pointer = 'dcterms:provenance="self#jumbf=/c2pa/u:urn:uuid:1/c2pa.claim"'
    plain = jpeg_with((9, 9, 9), app1_xmp(packet("", pointer)))
    (tmp_path / "s.jpg").write_bytes(sign(make_ca(), MANIFESTS["capture"][0], "jpg", plain))
    assert list(xmp_iptc.detect(Asset(tmp_path / "s.jpg", "s.jpg"))) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [("DMI-PROHIBITED-AIMLTRAINING", "prohibited for AI/ML training"),
     ("DMI-PROHIBITED-GENAIMLTRAINING", "prohibited for generative AI/ML training"),
     ("DMI-ALLOWED", "data mining allowed"), ("DMI-NONSENSE", "unrecognised")],
)  # fmt: skip
def test_plus_data_mining_in_words(tmp_path: Path, code: str, words: str) -> None:
    """plus:DataMining is INFO rights information, explained in words."""
    attrs = f'plus:DataMining="http://ns.useplus.org/ldf/vocab/{code}"'
    evidence = list(xmp_iptc.detect(_asset(tmp_path, attrs)))
    assert [e.rule for e in evidence] == ["XMP007"] and words in evidence[0].message


def test_billion_laughs_is_reported_not_expanded(tmp_path: Path) -> None:
    """The entity bomb becomes one XMP010 warning in words; nothing is expanded."""
    (tmp_path / "b.jpg").write_bytes(jpeg_with((1, 1, 1), app1_xmp(BILLION_LAUGHS)))
    evidence = list(xmp_iptc.detect(Asset(tmp_path / "b.jpg", "b.jpg")))
    assert [e.rule for e in evidence] == ["XMP010"] and "billion laughs" in evidence[0].message


def test_sidecar_evidence_names_the_sidecar(tmp_path: Path) -> None:
    """Evidence from clip.xmp next to clip.jpg says where it came from."""
    (tmp_path / "t.xmp").write_bytes(packet("", f'{DST}="{IPTC}trainedAlgorithmicMedia"'))
    evidence = list(xmp_iptc.detect(_asset(tmp_path)))
    assert [e.rule for e in evidence] == ["XMP001"]
    assert evidence[0].message.endswith("(from sidecar t.xmp)")


def test_garbage_never_escapes_detect(tmp_path: Path) -> None:
    """Truncated and random bytes with JPEG, PNG and XMP headers give evidence or nothing."""
    for name, data in [("a.jpg", b"\xff\xd8\xff\xe1\xff\xff" + bytes(range(256)) * 3),
                       ("a.png", b"\x89PNG\r\n\x1a\n" + b"\xff" * 40),
                       ("a.xmp", b"<x:xmpmeta" + b"\x00<" * 500)]:  # fmt: skip
        (tmp_path / name).write_bytes(data)
        assert all(isinstance(e, Evidence) for e in xmp_iptc.detect(Asset(tmp_path / name, name)))


def test_describe_shows_fields_in_words(tmp_path: Path) -> None:
    """inspect shows source type words, History events, rights and IIM fields."""
    body = xmp_images._HISTORY
    attrs = f'{DST}="{IPTC}trainedAlgorithmicMedia" plus:DataMining="DMI-PROHIBITED"'
    asset = _asset(tmp_path, attrs, body, app13_iim([(2, 110, "Jo Credit")]))
    sections = {
        s.title: {(line.label, line.value) for line in s.lines} for s in xmp_iptc.describe(asset)
    }
    assert (
        "digital source type",
        "trainedAlgorithmicMedia: created by a trained model (gen-AI)",
    ) in sections["XMP"]
    assert ("created", "Adobe Firefly at 2025-03-02T10:00:00Z") in sections["XMP"]
    assert ("data mining (PLUS)", "data mining prohibited (DMI-PROHIBITED)") in sections[
        "Rights (XMP)"
    ]
    assert ("Credit", "Jo Credit") in sections["IPTC IIM (legacy)"]


def test_rules_are_stable_and_signalled() -> None:
    """Codes are XMP + 3 digits, unique, and the AI rules carry AI signals."""
    codes = [r.code for r in RULES]
    assert codes == [f"XMP{i:03d}" for i in range(1, len(RULES) + 1)]
    signals = {r.code: r.signal for r in RULES}
    assert signals["XMP001"] is Signal.AI_GENERATED and signals["XMP002"] is Signal.AI_EDITED
    assert signals["XMP009"] is Signal.AI_HINT and signals["XMP008"] is Signal.NONE


AI_SIGNALS = {Signal.AI_GENERATED, Signal.AI_EDITED, Signal.AI_HINT}


@pytest.mark.slow
def test_corpus_firefly_pngs_come_out_ai(corpus: Path) -> None:
    """The Firefly PNGs whose XMP declares trainedAlgorithmicMedia give XMP001 at HIGH."""
    for rel in ("c2pa-rs/sdk/tests/fixtures/firefly.png",
                "c2pa-rs/sdk/tests/fixtures/thumbnail-in-databox.png"):  # fmt: skip
        found = _found(Asset(corpus / rel, rel))
        assert ("XMP001", H) in found


@pytest.mark.slow
def test_corpus_rows_without_ai_get_no_ai_evidence(
    corpus: Path, catalog: list[dict[str, str]]
) -> None:
    """No 'no AI marker', capture, or non-AI C2PA row gets AI evidence from this detector."""
    signal = {r.code: r.signal for r in RULES}
    wrong = {}
    for row in catalog:
        if row["expected_signals"].lstrip('"').startswith(("AI-generated", "AI-composite", "weak")):
            continue
        path = corpus / row["local_path"]
        if not path.is_file() or path.stat().st_size == 0:
            continue
        asset = Asset(path, row["local_path"], sidecar=find_sidecar(path))
        if asset.kind in xmp_iptc.KINDS:
            ai = [e.message for e in xmp_iptc.detect(asset) if signal[e.rule] in AI_SIGNALS]
            if ai:
                wrong[row["local_path"]] = ai
    assert wrong == {}
