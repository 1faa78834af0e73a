"""C2PA integrity headlines: the story told from validation status codes, first in every report.

"INVALID" only for a claim signature or manifest hash mismatch, "TAMPERED" only for content
bindings that do not match, and an expired certificate, a remote manifest or an unverified
identity said as what they are, in inspect (text and JSON), the scan's JSON and text, and HTML.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import c2pa
import pytest
from provscan import cli, trustlists
from provscan.detectors.c2pa_integrity import Integrity, Story, remote, story
from provscan.extract.c2pa_store import context
from provscan.model import Settings
from provscan.report.facts import file_facts
from typer.testing import CliRunner

from tests.conftest import FIXTURES, REPO

runner = CliRunner()
A, ING = "active manifest", "ingredient"
UNTRUSTED = ("signingCredential.untrusted", "", A)


def _story(*failures: tuple[str, str, str], **kw: Any) -> Story:
    return story(failures, state=kw.pop("state", "Invalid"), **kw)


@pytest.mark.parametrize(
    ("failures", "kw", "category", "headline"),
    [
        ([UNTRUSTED, ("signingCredential.expired", "", A)], {},
         Integrity.CAVEAT, "Valid signature, untrusted root; the certificate had expired and no "
         "timestamp proves when it was signed"),
        ([("signingCredential.expired", "", A)], {"signed_at": "2022-10-25T11:27:32Z"},
         Integrity.CAVEAT, "Valid signature; the certificate had expired, and its time stamp "
         "(2022-10-25T11:27:32Z) does not prove it was signed while valid"),
        ([UNTRUSTED, ("assertion.dataHash.mismatch", "", A)], {},
         Integrity.TAMPERED, "TAMPERED: the bytes changed after signing "
         "(assertion.dataHash.mismatch)"),
        ([("assertion.bmffHash.mismatch", "", A), ("claimSignature.mismatch", "", A)], {},
         Integrity.TAMPERED, "TAMPERED: the bytes changed after signing "
         "(assertion.bmffHash.mismatch)"),
        ([("claimSignature.mismatch", "", A), ("algorithm.unsupported", "", A)], {},
         Integrity.INVALID, "INVALID signature: the claim signature does not match, the "
         "manifest was altered (claimSignature.mismatch)"),
        ([UNTRUSTED, ("assertion.hashedURI.mismatch", "", A)], {},
         Integrity.INVALID, "INVALID: an assertion changed after signing "
         "(assertion.hashedURI.mismatch)"),
        ([("signingCredential.ocsp.revoked", "certificate revoked", A)], {},
         Integrity.FAILED, "Content Credentials fail validation: certificate revoked "
         "(signingCredential.ocsp.revoked)"),
        ([("claimSignature.missing", "", A)], {},
         Integrity.FAILED, "Content Credentials fail validation: the claim has no signature "
         "(claimSignature.missing)"),
        ([UNTRUSTED, ("claimSignature.mismatch", "", ING)], {},
         Integrity.INGREDIENT, "Valid signature, untrusted root; an ingredient's Content "
         "Credentials are INVALID: the claim signature does not match: the manifest was "
         "altered (claimSignature.mismatch)"),
        ([UNTRUSTED, ("signingCredential.untrusted", "", ING)], {"state": "Valid"},
         Integrity.VALID, "Valid signature, untrusted root"),
        ([], {"state": "Trusted"}, Integrity.TRUSTED, "Valid signature, trusted signer"),
        ([UNTRUSTED, ("cawg.x509.credential.untrusted", "", A)], {"state": "Valid"},
         Integrity.VALID, "Valid signature, untrusted root"),
        ([UNTRUSTED, ("cawg.ica.did_unavailable", "", A)], {},
         Integrity.CAVEAT, "Valid signature, untrusted root; its identity assertion could not "
         "be verified (cawg.ica.did_unavailable)"),
        ([UNTRUSTED], {"state": "Valid", "notes": [("timeStamp.mismatch", "", A)]},
         Integrity.CAVEAT, "Valid signature, untrusted root; its time stamp does not match the "
         "claim (timeStamp.mismatch)"),
        ([UNTRUSTED], {"state": "Valid", "notes": [("timeStamp.untrusted", "", A)]},
         Integrity.VALID, "Valid signature, untrusted root"),
        ([UNTRUSTED, ("assertion.dataHash.mismatch", "", A)], {"detached": True},
         Integrity.DETACHED, "Valid signature, untrusted root; detached Content Credentials: "
         "the asset they describe is not here, so its hashes could not be checked"),
    ],
)  # fmt: skip
def test_story_from_codes(
    failures: list[tuple[str, str, str]], kw: dict[str, Any], category: Integrity, headline: str
) -> None:
    """Each combination of status codes gets its category and its words."""
    told = _story(*failures, **kw)
    assert (told.category, told.headline) == (category, headline)


def test_remote_story_names_the_url() -> None:
    """A remote manifest is said as stored elsewhere, at its URL, not checked offline."""
    told = remote("https://example.com/m.c2pa")
    assert told.headline == ("Content Credentials stored remotely at https://example.com/m.c2pa, "
                             "not checked (offline)")  # fmt: skip
    assert told.leads


# --- the corpus, through the CLI ------------------------------------------------------------

_BINDINGS = {"assertion.dataHash.mismatch", "assertion.bmffHash.mismatch",
             "assertion.boxesHash.mismatch", "assertion.collectionHash.mismatch"}  # fmt: skip
_MANIFEST_MISMATCH = {"claimSignature.mismatch", "assertion.hashedURI.mismatch",
                      "ingredient.hashedURI.mismatch", "ingredient.manifest.mismatch",
                      "ingredient.claimSignature.mismatch"}  # fmt: skip


def _soft(code: str) -> bool:
    """Codes about trust, time or identity: never tampering, never INVALID."""
    return (code.endswith(".untrusted") or code.startswith(("cawg.", "timeStamp."))
            or code == "signingCredential.expired")  # fmt: skip


def _expected(store: dict[str, Any], detached: bool) -> Integrity:
    """The category the C2PA codes call for, read straight from the SDK's JSON."""
    results = store.get("validation_results") or {}
    active = results.get("activeManifest") or {}
    failed = [s["code"] for s in active.get("failure") or []]
    notes = [s["code"] for s in active.get("informational") or []]
    ingredients = [s["code"] for d in results.get("ingredientDeltas") or []
                   for s in (d.get("validationDeltas") or {}).get("failure") or []]  # fmt: skip
    if any(c in _BINDINGS for c in failed) and not detached:
        return Integrity.TAMPERED
    if any(c in _MANIFEST_MISMATCH for c in failed):
        return Integrity.INVALID
    if any(not _soft(c) and c not in _BINDINGS for c in failed):
        return Integrity.FAILED
    if detached and any(c in _BINDINGS for c in failed):
        return Integrity.DETACHED
    if any(not _soft(c) for c in ingredients):
        return Integrity.INGREDIENT
    caveats = [
        c
        for c in failed + notes
        if c == "signingCredential.expired"
        or (c.startswith("timeStamp.") and c != "timeStamp.untrusted")
        or (c.startswith("cawg.") and not c.endswith(("untrusted", "untrusted_issuer")))
    ]
    if caveats:
        return Integrity.CAVEAT
    return Integrity.TRUSTED if store.get("validation_state") == "Trusted" else Integrity.VALID


def _sdk_store(path: Path, mime: str) -> dict[str, Any] | str | None:
    """The SDK's store JSON, 'remote' for a remote manifest, None when it reads nothing."""
    try:
        with open(path, "rb") as stream:
            # the lists a default run uses, so "trusted" is expected where the CLI says it
            lists = Settings(trust_lists=trustlists.in_use())
            reader = c2pa.Reader.try_create(mime, stream, context=context(lists))
            if reader is None:
                return None
            with reader:
                store: dict[str, Any] = json.loads(reader.json())
                return store
    except c2pa.C2paError as exc:
        return "remote" if str(exc).startswith("Remote:") else None


def _catalogued(corpus: Path) -> set[str]:
    paths: set[str] = set()
    for name in ("CATALOG.tsv", "CATALOG-2.tsv"):
        text = (corpus / name).read_text(encoding="utf-8", errors="replace")
        paths.update(line.split("\t", 1)[0] for line in text.splitlines()[1:] if line.strip())
    return paths


@pytest.fixture(scope="module")
def corpus_report(corpus: Path) -> dict[str, Any]:
    """`provscan scan ../shared/corpus --no-trace --format json`, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "provscan.cli", "scan", str(corpus), "--no-trace", "--format",
         "json", "--quiet"],
        capture_output=True, text=True, cwd=REPO, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.slow
def test_every_corpus_c2pa_headline_matches_its_codes(
    corpus: Path, corpus_report: dict[str, Any]
) -> None:
    """Both catalogs: every file whose store the SDK reads (or finds remote) gets the headline
    category its validation codes call for; INVALID and TAMPERED appear nowhere else."""
    catalogued = _catalogued(corpus)
    checked: dict[Integrity, int] = {}
    wrong = []
    for entry in corpus_report["files"]:
        if entry["path"] not in catalogued:
            continue
        told = next((f["details"] for f in entry["findings"] if "integrity" in f["details"]), None)
        sdk = _sdk_store(corpus / entry["path"], _mime(entry))
        if sdk is None:
            assert told is None or told["integrity"] == Integrity.UNREADABLE.value, entry["path"]
            continue
        expected = Integrity.REMOTE if sdk == "remote" else _expected(
            sdk, detached=entry["format"] == "c2pa")  # type: ignore[arg-type]  # fmt: skip
        got = told["integrity"] if told else None
        if got != expected.value:
            wrong.append((entry["path"], expected.value, got))
        checked[expected] = checked.get(expected, 0) + 1
        headline = told["headline"] if told else ""
        assert ("TAMPERED" in headline) == (expected is Integrity.TAMPERED), entry["path"]
        invalid = expected is Integrity.INVALID or (
            expected is Integrity.INGREDIENT and " are INVALID" in headline
        )
        assert ("INVALID" in headline) == invalid, entry["path"]
    assert wrong == []
    assert sum(checked.values()) >= 80  # both catalogs' signed, tampered and remote files
    assert {
        Integrity.TAMPERED,
        Integrity.INVALID,
        Integrity.CAVEAT,
        Integrity.REMOTE,
        Integrity.VALID,
        Integrity.DETACHED,
        Integrity.INGREDIENT,
    } <= set(checked)


def _mime(entry: dict[str, Any]) -> str:
    return "application/c2pa" if entry["format"] == "c2pa" else str(entry["mime"])


@pytest.mark.parametrize(
    ("rel", "answer"),
    [
        ("public-testfiles/image/jpeg/nikon-20221019-building.jpeg",
         "Valid signature, untrusted root (unknown root: not on the C2PA trust list of "
         "2026-08-21 or the Content Credentials interim trust list of 2025-08-28); the "
         "certificate had expired and no timestamp proves "
         "when it was signed. No AI markers found; Content Credentials by "
         "Nikon Z 9 Sample for Adobe MAX 2022, signed by NIKON CORPORATION (this "
         "does not prove the file is authentic)"),
        ("public-testfiles/image/jpeg/adobe-20220124-XCA.jpg",
         "TAMPERED: the bytes changed after signing (assertion.dataHash.mismatch). No AI markers "
         "found; Content Credentials by make_test_images 0.16.1, signed by C2PA "
         "Signer (C2PA Test Signing Cert) (this does not prove the file is authentic)"),
        ("c2pa-rs/sdk/tests/fixtures/cloud.jpg",
         "Content Credentials stored remotely at https://cai-manifests.adobe.com/manifests/"
         "adobe-urn-uuid-5f37e182-3687-462e-a7fb-573462780391, not checked (offline). No AI "
         "markers found (this does not prove the file is authentic)"),
        ("public-testfiles/image/jpeg/adobe-20220124-E-sig-CA.jpg",
         "INVALID signature: the claim signature does not match, the manifest was altered "
         "(claimSignature.mismatch). No AI markers found; Content Credentials by "
         "make_test_xxxxxx 0.16.1, signed by C2PA Signer (C2PA Test Signing "
         "Cert) (this does not prove the file is authentic)"),
        ("c2pa-rs/sdk/tests/fixtures/firefly.png",
         "AI-generated: Adobe Firefly, signed by Adobe Firefly C2PA (Adobe Inc.), valid "
         "signature, trusted by the Content Credentials interim trust list of 2025-08-28"),
    ],
)  # fmt: skip
def test_inspect_leads_with_the_integrity_story(corpus: Path, rel: str, answer: str) -> None:
    """inspect (text and JSON) starts with the integrity story when it is in doubt, and the
    C2PA validation section says the same words."""
    text = runner.invoke(cli.app, ["inspect", str(corpus / rel)])
    assert text.exit_code == 0 and text.stdout.splitlines()[0] == answer
    data = json.loads(runner.invoke(cli.app, ["inspect", str(corpus / rel), "-f", "json"]).stdout)
    assert data["answer"] == answer
    headline = answer.split(". ")[0] if not answer.startswith("AI-") else ""
    if headline:
        assert f"  integrity: {headline}" in text.stdout
        labels = {f["label"]: f["value"] for f in data["facts"]}
        assert headline.removeprefix("Content Credentials ") in (
            labels.get("Signature", "") + labels.get("Content Credentials", "")
        )


def test_scan_text_puts_the_story_first_and_html_says_it(corpus: Path, tmp_path: Path) -> None:
    """In the scan's text report the tampered file's first finding is its integrity story;
    the HTML report's card answer carries the same words."""
    root = tmp_path / "d"
    root.mkdir()
    for rel in ("public-testfiles/image/jpeg/adobe-20220124-XCA.jpg",
                "public-testfiles/image/jpeg/nikon-20221019-building.jpeg"):  # fmt: skip
        (root / Path(rel).name).write_bytes((corpus / rel).read_bytes())
    text = runner.invoke(cli.app, ["scan", str(root), "--no-trace"]).stdout.splitlines()
    nikon = text.index(next(ln for ln in text if ln.startswith("nikon-20221019-building.jpeg")))
    assert text[nikon + 1].startswith("  - C2P012 Valid signature, untrusted root (unknown "
                                      "root: not on the C2PA trust list")  # fmt: skip
    assert "; the certificate had expired" in text[nikon + 1]
    tampered = text.index(next(ln for ln in text if ln.startswith("adobe-20220124-XCA.jpg")))
    assert text[tampered + 1].startswith("  - C2P012 TAMPERED: the bytes changed after signing")
    html = runner.invoke(cli.app, ["scan", str(root), "--no-trace", "-f", "html"]).stdout
    assert "TAMPERED: the bytes changed after signing (assertion.dataHash.mismatch). No AI" in html


def test_fixture_tampered_answer(tmp_path: Path) -> None:
    """The generated tampered fixture (AI claims, bytes changed) leads with TAMPERED, not with
    what the broken manifest claims."""
    result = runner.invoke(cli.app, ["scan", str(FIXTURES / "files" / "c2pa" / "tampered.jpg"),
                                     "--no-trace", "-f", "json"])  # fmt: skip
    entry = json.loads(result.stdout)["files"][0]
    assert file_facts(entry).answer.startswith("TAMPERED: the bytes changed after signing")
    assert entry["verdict"] == "ai-generated"
