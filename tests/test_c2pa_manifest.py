"""C2PA detector: source types, named tools, validation kept apart from trust, the chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provscan.asset import Asset
from provscan.detectors.c2pa_vocab import Problem, classify_code
from provscan.detectors.source_types import SourceClass, classify
from provscan.engine import scan
from provscan.extract.c2pa_store import ReadOutcome, read_store
from provscan.model import FileResult, Settings, Verdict

from fixtures import c2pa_images


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The signed C2PA fixtures, generated once for this module."""
    out = tmp_path_factory.mktemp("fx")
    c2pa_images.build(out)
    return out / "c2pa"


def _trusted(folder: Path) -> Settings:
    return Settings(trust_anchors=(folder / "trust" / "root_ca.pem").read_text())


def _scan_one(path: Path, settings: Settings | None = None) -> FileResult:
    return scan(path, settings or Settings()).files[0]


def _codes(result: FileResult) -> set[str]:
    return {f.rule.code for f in result.findings}


@pytest.mark.parametrize(
    ("value", "term", "cls"),
    [
        ("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
         "trainedAlgorithmicMedia", SourceClass.AI_GENERATED),
        ("https://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia/",
         "compositeWithTrainedAlgorithmicMedia", SourceClass.AI_COMPOSITE),
        ("compositeSynthetic", "compositeSynthetic", SourceClass.AI_COMPOSITE),
        ("http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia",
         "algorithmicMedia", SourceClass.NON_GENERATIVE),
        ("digitalcapture", "digitalCapture", SourceClass.CAPTURE),
        ("http://cv.iptc.org/newscodes/digitalsourcetype/computationalCapture",
         "computationalCapture", SourceClass.CAPTURE),
        ("http://example.com/made-up", "made-up", SourceClass.UNKNOWN),
    ],
)  # fmt: skip
def test_source_type_classification(value: str, term: str, cls: SourceClass) -> None:
    """Source types are classified by meaning, whatever URI form or case they come in."""
    assert classify(value)[:2] == (term, cls)


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("signingCredential.untrusted", Problem.UNTRUSTED),
        ("timeStamp.untrusted", Problem.UNTRUSTED),
        ("signingCredential.expired", Problem.EXPIRED),
        ("cawg.ica.did_unavailable", Problem.IDENTITY),
        ("cawg.x509.credential.untrusted", Problem.IDENTITY),  # the identity, not the signer
        ("assertion.dataHash.mismatch", Problem.TAMPERED),
        ("claimSignature.mismatch", Problem.TAMPERED),
        ("signingCredential.invalid", Problem.TAMPERED),
    ],
)
def test_validation_codes_keep_trust_apart_from_tampering(code: str, problem: Problem) -> None:
    """An untrusted or expired signer is never reported as tampering."""
    assert classify_code(code) is problem


EXPECTED = {
    "ai_generated.jpg": (Verdict.AI_GENERATED, {"C2P001", "C2P012"}),
    "ai_generated.png": (Verdict.AI_GENERATED, {"C2P001", "C2P012"}),
    "ai_generated.webp": (Verdict.AI_GENERATED, {"C2P001", "C2P012"}),
    "ai_edited.jpg": (Verdict.AI_EDITED, {"C2P002", "C2P012"}),
    "ai_ingredient.jpg": (Verdict.AI_EDITED, {"C2P002", "C2P012", "C2P013"}),
    "capture.jpg": (Verdict.CAPTURE_PROVENANCE, {"C2P008", "C2P012"}),
    "algorithmic.jpg": (Verdict.NO_AI_MARKERS, {"C2P013", "C2P012"}),
    "tool_named.jpg": (Verdict.AI_GENERATED, {"C2P003", "C2P012"}),
    "vendor_field.jpg": (Verdict.AI_GENERATED, {"C2P001", "C2P012"}),
    "training_mining.jpg": (Verdict.CAPTURE_PROVENANCE, {"C2P008", "C2P011", "C2P012"}),
    "tampered.jpg": (Verdict.AI_GENERATED, {"C2P001", "C2P005", "C2P012"}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_signed_fixture_verdicts(signed: Path, name: str) -> None:
    """With the test CA trusted, each signed fixture gets its verdict and exactly its rules."""
    result = _scan_one(signed / name, _trusted(signed))
    assert (result.verdict, _codes(result)) == EXPECTED[name]


def test_without_anchors_signer_is_untrusted_not_tampered(signed: Path) -> None:
    """With no trust list, a good signature reads 'untrusted' (C2P006), never invalid."""
    result = _scan_one(signed / "capture.jpg")
    assert "C2P006" in _codes(result) and "C2P005" not in _codes(result)
    assert result.verdict is Verdict.CAPTURE_PROVENANCE


def test_tampered_capture_loses_capture_verdict(signed: Path, tmp_path: Path) -> None:
    """A capture manifest whose image changed after signing is no longer capture provenance."""
    broken = tmp_path / "capture.jpg"
    broken.write_bytes(c2pa_images.tamper((signed / "capture.jpg").read_bytes()))
    result = _scan_one(broken, _trusted(signed))
    assert "C2P005" in _codes(result) and "C2P008" not in _codes(result)
    assert result.verdict is Verdict.NO_AI_MARKERS


def test_instance_id_and_signer_in_details(signed: Path) -> None:
    """The main finding carries the active manifest's instance id, signer and generator."""
    result = _scan_one(signed / "ai_generated.jpg", _trusted(signed))
    (present,) = [f for f in result.findings if f.rule.code == "C2P012"]
    details = present.evidence.details
    assert str(details["instance_id"]).startswith("xmp")
    assert details["signer"] == "provscan Test C2PA Signer"
    assert details["validation_state"] == "Trusted"


def test_describe_shows_chain_actions_and_validation(signed: Path) -> None:
    """inspect's C2PA sections name generator, signer and time, actions, ingredient, validation."""
    result = _scan_one(signed / "ai_ingredient.jpg", Settings(describe=True))
    text = "\n".join(f"{ln.label}: {ln.value}" for s in result.sections for ln in s.lines)
    for expected in ("claim generator: Layout Tool", "signed by: provscan Test C2PA Signer",
                     "ingredient: ai_generated.jpg: componentOf", "trainedAlgorithmicMedia",
                     "software agent ExampleGen 2", "signingCredential.untrusted",
                     "no timestamp: signing time unknown"):  # fmt: skip
        assert expected in text


def test_unsigned_file_never_reaches_reader(tmp_path: Path) -> None:
    """A plain JPEG is answered by the header probe: absent, with no C2PA findings."""
    from tests.builders import jpeg_bytes

    (tmp_path / "plain.jpg").write_bytes(jpeg_bytes())
    asset = Asset(tmp_path / "plain.jpg", "plain.jpg")
    assert read_store(asset).outcome is ReadOutcome.ABSENT
    assert not [c for c in _codes(_scan_one(tmp_path / "plain.jpg")) if c.startswith("C2P")]


CORPUS_CASES = {
    "c2pa-rs/sdk/tests/fixtures/cloud.jpg": "C2P009",  # remote manifest, not fetched
    "c2pa-rs/sdk/tests/fixtures/prerelease.jpg": "C2P010",  # prerelease claim: unreadable
    "c2pa-rs/sdk/tests/fixtures/cai.jpg": "C2P001",  # Firefly text-to-image
    "c2pa-rs/sdk/tests/fixtures/ocsp.jpg": "C2P002",  # Photoshop composite with Firefly
    "c2pa-content-credentials-extension/c2pa-wc/node_modules/@contentauth/testing/fixtures/"
    "images/firefly-1.jpg": "C2P003",  # Firefly 1.0: tool named, no source type
    "public-testfiles/image/jpeg/nikon-20221019-building.jpeg": "C2P007",  # expired cert
    "public-testfiles/image/jpeg/adobe-20220124-E-dat-CA.jpg": "C2P005",  # data hash mismatch
    "c2pa-rs/cli/tests/fixtures/C_with_CAWG_data.jpg": "C2P008",  # signed capture
}


@pytest.mark.parametrize("rel", sorted(CORPUS_CASES))
def test_corpus_cases(corpus: Path, rel: str) -> None:
    """Real files give the expected C2PA rule: remote, unreadable, AI, expired, tampered."""
    assert CORPUS_CASES[rel] in _codes(_scan_one(corpus / rel))


def test_corpus_nikon_expired_is_not_tampered(corpus: Path) -> None:
    """Nikon's expired certificate (state Invalid) is not reported as a tampered manifest."""
    result = _scan_one(corpus / "public-testfiles/image/jpeg/nikon-20221019-building.jpeg")
    assert "C2P005" not in _codes(result)


def test_official_trust_list_accepted(corpus: Path) -> None:
    """The official C2PA trust list loads as anchors; an Adobe-signed file still reads."""
    anchors = corpus.parent / "trust" / "C2PA-TRUST-LIST.pem"
    if not anchors.is_file():
        pytest.skip("../shared/trust is not present")
    settings = Settings(trust_anchors=anchors.read_text())
    result = _scan_one(corpus / "c2pa-rs/sdk/tests/fixtures/cai.jpg", settings)
    assert "C2P001" in _codes(result) and "C2P005" not in _codes(result)


def test_c2patool_reports_agree(corpus: Path) -> None:
    """Our parse of each public-testfiles JPEG matches c2patool's generator and ingredients."""
    reports = sorted(
        (corpus / "public-testfiles/image/jpeg/manifests").glob("*/manifest_store.json")
    )
    assert reports
    for report in reports:
        truth = json.loads(report.read_text())
        media = report.parent.parent.parent / f"{report.parent.name}.jpg"
        if not media.is_file():
            continue
        read = read_store(Asset(media, media.name))
        expected = truth["manifests"][truth["active_manifest"]]
        active = read.active_manifest
        assert active is not None, media.name
        assert active.claim_generator == expected["claim_generator"], media.name
        assert len(active.ingredients) == len(expected.get("ingredients", [])), media.name


def _signed_by(tmp_path: Path, label: str) -> Path:
    """A JPEG whose manifest records c2pa.opened with no source type and no named tool,
    signed by a certificate whose common name starts with ``label``."""
    from fixtures.c2pa_images import _action, _manifest, _opens, _parent, _pixels, sign
    from fixtures.testca import make_ca

    manifest = _manifest("c2pa-rs", [_action("c2pa.opened")], v1=True)
    parents = _parent("jpg", (10, 90, 160)) if _opens(manifest) else ()
    path = tmp_path / f"{label.split()[0].lower()}.jpg"
    path.write_bytes(sign(make_ca(label), manifest, "jpg", _pixels("jpg", (10, 90, 160)), parents))
    return path


def test_a_signer_named_like_a_generative_service_names_its_tool(tmp_path: Path) -> None:
    """provscan scan: a manifest with no source type, signed as Ideogram, is C2P003 (medium,
    the signer named the tool); the same manifest signed by a studio names none."""
    from provscan import cli
    from typer.testing import CliRunner

    _signed_by(tmp_path, "Ideogram")
    _signed_by(tmp_path, "Northwind Studio")
    out = tmp_path / "report.json"
    CliRunner().invoke(cli.app, ["scan", str(tmp_path), "--no-trace", "-o", str(out)])
    files = {f["path"]: f for f in json.loads(out.read_text())["files"]}
    (named,) = [x for x in files["ideogram.jpg"]["findings"] if x["rule"] == "C2P003"]
    assert named["key"] == "signer" and named["confidence"] == "medium"
    assert files["ideogram.jpg"]["verdict"] == "ai-generated"
    assert files["northwind.jpg"]["verdict"] == "no-ai-markers"
