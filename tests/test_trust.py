"""Trust out of the box and explained: bundled dated lists, every trust option honoured,
which list trusted a signer or why none did, `provscan trust`, and catalog re-validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provscan import trustlists
from provscan.cli import app
from provscan.detectors.c2pa_trust import _why_not
from provscan.extract.c2pa_store import _anchor_entry
from provscan.model import TrustList
from typer.testing import CliRunner

from fixtures.testca import make_ca
from tests.conftest import FIXTURES

runner = CliRunner()
SIGNED = FIXTURES / "files" / "c2pa" / "ai_generated.jpg"  # signed by the fixtures' test CA
ROOT = FIXTURES / "files" / "c2pa" / "trust" / "root_ca.pem"


def _leaf_pem(label: str = "provscan") -> str:
    chain = make_ca(label).chain_pem.decode()
    return chain.split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"


def _c2pa(args: list[str], target: Path = SIGNED) -> dict[str, object]:
    """The C2P012 details of ``provscan inspect TARGET -f json ARGS``."""
    result = runner.invoke(app, ["inspect", str(target), "-f", "json", *args])
    assert result.exit_code == 0, result.output
    findings = json.loads(result.stdout)["file"]["findings"]
    details: dict[str, object] = next(f for f in findings if f["rule"] == "C2P012")["details"]
    return details


def test_given_anchors_trust_the_test_ca() -> None:
    """--trust-anchors makes the test CA's signature trusted, by the run's own options."""
    trusted = _c2pa(["--no-default-trust", "--trust-anchors", str(ROOT)])
    assert trusted["validation_state"] == "Trusted"
    assert trusted["trusted_by"] == "the trust options of this run"
    untrusted = _c2pa(["--no-default-trust"])
    assert untrusted["untrusted_because"] == "no trust list in use"


def test_allowed_list_alone_trusts_its_certificate(tmp_path: Path) -> None:
    """--allowed-list (end-entity certificates) reaches c2pa-rs: the signer's own certificate
    is trusted, another CA's certificate is not (a silently ignored list fails here)."""
    own, other = tmp_path / "own.pem", tmp_path / "other.pem"
    own.write_text(_leaf_pem())
    other.write_text(_leaf_pem("somebody-else"))
    assert _c2pa(["--no-default-trust", "--allowed-list", str(own)])["validation_state"] == (
        "Trusted"
    )
    assert _c2pa(["--no-default-trust", "--allowed-list", str(other)])["validation_state"] == (
        "Valid"
    )


def test_eku_config_reaches_the_sdk_and_is_checked(tmp_path: Path) -> None:
    """--trust-config goes into the list entry c2pa-rs reads; with anchors the signer is
    trusted; a config that is not OIDs is one line, exit 2 (c2pa-rs would accept it)."""
    config = tmp_path / "store.cfg"
    config.write_text("// C2PA claim signing\n1.3.6.1.4.1.62558.2.1\n1.3.6.1.5.5.7.3.4\n")
    entry = _anchor_entry(trustlists.given("PEM", None, config.read_text())[0])
    assert entry["trust_config"] == config.read_text() and entry["trust_kind"] == "manifest"
    args = ["--no-default-trust", "--trust-anchors", str(ROOT), "--trust-config", str(config)]
    assert _c2pa(args)["validation_state"] == "Trusted"
    config.write_text("emailProtection\n")
    bad = runner.invoke(app, ["inspect", str(SIGNED), *args])
    assert bad.exit_code == 2 and "line 1" in bad.output and "not an OID" in bad.output


def test_anchor_entries_use_the_current_settings_shape() -> None:
    """Each list is one trust.anchors entry with its kind, PEM and the URI reported back."""
    for trust in trustlists.bundled():
        entry = _anchor_entry(trust)
        assert entry["trust_kind"] in ("manifest", "tsa", "cawg")
        assert entry["trust_uri"] == f"provscan:trust/{trust.id}@{trust.date}"
        assert trustlists.certificates(entry["trust_anchors"]) > 0


def test_bundled_lists_are_dated_sourced_and_licensed() -> None:
    """Every bundled list names its source, snapshot date and licence, and holds anchors."""
    lists = {t.id: t for t in trustlists.bundled()}
    assert set(lists) == {"c2pa", "c2pa-tsa", "interim"}
    for trust in lists.values():
        assert trust.source.startswith("https://") and trust.licence and trust.date
    assert trustlists.certificates(lists["c2pa"].anchors) == 30
    assert lists["c2pa-tsa"].kind == "tsa"


@pytest.mark.parametrize(
    ("rel", "trusted_by"),
    [
        ("c2pa-rs/sdk/tests/fixtures/firefly.png",
         "the Content Credentials interim trust list of 2025-08-28"),
    ],
)  # fmt: skip
def test_real_vendor_signatures_trusted_out_of_the_box(
    corpus: Path, rel: str, trusted_by: str
) -> None:
    """With no trust option, a real Adobe Firefly signature is trusted by a bundled list."""
    details = _c2pa([], corpus / rel)
    assert details["validation_state"] == "Trusted" and details["trusted_by"] == trusted_by


def test_ai_vendor_outside_the_lists_is_identified_not_trusted(corpus: Path) -> None:
    """Without the lists, Amazon's signature reads "identified", never "trusted"."""
    titan = next(corpus.rglob("amazon-titan-g1.png"))
    details = _c2pa(["--no-default-trust"], titan)
    assert details["identified"] == "Amazon Web Services"
    assert "trusted_by" not in details
    answer = runner.invoke(app, ["inspect", str(titan), "--no-default-trust"]).stdout
    assert "identified: Amazon Web Services (not on a trust list)" in answer.splitlines()[0]


def test_untrusted_reason_says_when_the_lists_are_older_than_the_signature() -> None:
    """An unknown root signed after the newest list's snapshot points at updating the list."""
    old = (TrustList("c2pa", "C2PA trust list", "manifest", "2025-01-01", "PEM"),)
    assert "newer list may know its root" in _why_not("2026-03-04T10:00:00+00:00", old)
    assert _why_not("2024-03-04T10:00:00+00:00", old).startswith("unknown root: not on the")


def test_trust_command_lists_installs_and_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`provscan trust` shows the lists; `trust add` installs a dated list every later run
    uses; a file that is not PEM is one line, exit 2."""
    monkeypatch.setenv("PROVSCAN_TRUST_DIR", str(tmp_path / "trust"))
    shown = runner.invoke(app, ["trust"])
    assert shown.exit_code == 0 and "C2PA trust list (manifest anchors), snapshot 2026-08-21" in (
        shown.stdout
    )
    added = runner.invoke(app, ["trust", "add", str(ROOT), "--list", "studio",
                                "--name", "studio CA", "--date", "2026-11-02"])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert _c2pa([])["trusted_by"] == "the studio CA of 2026-11-02"
    assert "studio" in runner.invoke(app, ["trust"]).stdout
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    refused = runner.invoke(app, ["trust", "add", str(junk), "--list", "junk"])
    assert refused.exit_code == 2 and len(refused.output.strip().splitlines()) == 1


def test_catalog_revalidates_only_signed_files_when_lists_change(tmp_path: Path) -> None:
    """A catalogued re-scan under other trust lists reads the signed files again, and
    reuses every unsigned one."""
    folder = tmp_path / "delivery"
    folder.mkdir()
    for name in ("ai_generated.jpg", "capture.jpg"):
        (folder / name).write_bytes((FIXTURES / "files" / "c2pa" / name).read_bytes())
    for name in ("a1111.png", "camera.jpg"):
        (folder / name).write_bytes((FIXTURES / "files" / "generators" / name).read_bytes())
    db = tmp_path / "archive.db"

    def reused(*extra: str) -> int:
        args = ["scan", str(folder), "--no-trace", "--catalog", str(db), "-f", "json", *extra]
        result = runner.invoke(app, args)
        assert result.exit_code in (0, 1), result.output
        return int(json.loads(result.stdout)["options"]["catalog"]["reused"])

    assert reused() == 0
    assert reused() == 4
    assert reused("--trust-anchors", str(ROOT)) == 2  # the two unsigned files


def _scan_rules(path: Path) -> dict[str, list[str]]:
    result = runner.invoke(app, ["scan", str(path), "--no-trace", "-f", "json"])
    assert result.exit_code in (0, 1), result.output
    (entry,) = json.loads(result.stdout)["files"]
    found: dict[str, list[str]] = {}
    for finding in entry["findings"]:
        found.setdefault(finding["rule"], []).append(finding["message"])
    return found


def test_cawg_identities_are_shown_with_their_state(corpus: Path) -> None:
    """CAWG identity assertions name who, by what credential, and whether it holds
    (verified-identity credential and X.509 forms, both from the corpus)."""
    fixtures = corpus / "c2pa-rs" / "sdk" / "src" / "identity" / "tests" / "fixtures"
    ica = _scan_rules(fixtures / "claim_aggregation" / "ica_validation" / "success.jpg")
    (line,) = ica["C2P018"]
    assert "First-Name Last-Name (document verification, by Example ID Verifier)" in line
    assert "ICA issuer is not a trusted issuer (cawg.ica.untrusted_issuer)" in line
    x509 = _scan_rules(corpus / "c2pa-rs" / "cli" / "tests" / "fixtures" / "C_with_CAWG_data.jpg")
    assert x509["C2P018"] == ["identity: C2PA Signer, by X.509 certificate issued by C2PA Test "
                              "Signing Cert: signing certificate untrusted "
                              "(cawg.x509.credential.untrusted)"]  # fmt: skip


def test_soft_bindings_are_checked_against_the_registered_list(corpus: Path) -> None:
    """Declared watermarks and fingerprints are reported with their registration; an
    unregistered algorithm is a warning (c2pa-rs raises nothing for it)."""
    from provscan.detectors.c2pa_extras import registered_algorithms

    found = _scan_rules(corpus / "c2pa-rs" / "sdk" / "src" / "identity" / "tests" / "fixtures"
                        / "claim_aggregation" / "adobe_connected_identities.jpg")  # fmt: skip
    assert sorted(found["C2P016"]) == [
        "soft binding com.adobe.icn.dense (fingerprint, in the C2PA soft-binding algorithm list "
        "of 2026-04-15)",
        "soft binding com.adobe.trustmark.P (watermark, in the C2PA soft-binding algorithm list "
        "of 2026-04-15); a c2pa.watermarked action says it was embedded",
    ]
    assert len(registered_algorithms()) == 32 and "com.adobe.trustmark.Q" in registered_algorithms()


def test_unregistered_soft_binding_is_a_warning(tmp_path: Path) -> None:
    """A soft binding whose algorithm is not in the C2PA list gives C2P017 (warning)."""
    import io

    import c2pa
    from PIL import Image

    from fixtures.c2pa_images import _CONTEXT

    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 20, 30)).save(buf, "JPEG")
    manifest = {
        "claim_generator_info": [{"name": "watermark-tool", "version": "1.0"}],
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [{"action": "c2pa.created",
             "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/"
             "digitalCapture"}]}},
            {"label": "c2pa.soft-binding", "data": {
             "alg": "com.example.unregistered.1", "blocks": [{"scope": {}, "value": "0101"}]}},
        ],
    }  # fmt: skip
    out = io.BytesIO()
    with c2pa.Builder(json.dumps(manifest), context=c2pa.Context.from_dict(_CONTEXT)) as builder:
        builder.sign(make_ca().signer(), "image/jpeg", io.BytesIO(buf.getvalue()), out)
    (tmp_path / "marked.jpg").write_bytes(out.getvalue())
    found = _scan_rules(tmp_path / "marked.jpg")
    assert found["C2P017"] == ["soft binding com.example.unregistered.1 (not in the C2PA "
                               "soft-binding algorithm list of 2026-04-15)"]  # fmt: skip
