"""A throwaway C2PA signing setup for benchmark folders: a test CA, a leaf, a signer.

The chain follows ``docs/snippets/make_test_certs.py``: an ES256 root CA and a leaf with
digitalSignature, EKU emailProtection and SKI/AKI. Signing uses no timestamp authority (no
network) and no thumbnails (about 3 ms per file instead of 69 ms).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
_NO_THUMBNAILS = {"builder": {"thumbnail": {"enabled": False}}}


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provscan bench (throwaway)"),
        ]
    )


def make_test_ca(outdir: Path) -> Path:
    """Write ``root_ca.pem``, ``chain.pem`` (leaf + root) and ``signer.key``; return ``outdir``.

    Existing files are kept, so a cached benchmark folder stays verifiable with its root.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    if all((outdir / n).is_file() for n in ("root_ca.pem", "chain.pem", "signer.key")):
        return outdir
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ee_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("provscan bench root CA"))
        .issuer_name(_name("provscan bench root CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ee = (
        x509.CertificateBuilder()
        .subject_name(_name("provscan bench signer"))
        .issuer_name(ca.subject)
        .public_key(ee_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ee_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    def pem(cert: x509.Certificate) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    (outdir / "root_ca.pem").write_bytes(pem(ca))
    (outdir / "chain.pem").write_bytes(pem(ee) + pem(ca))
    (outdir / "signer.key").write_bytes(
        ee_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return outdir


class BenchSigner:
    """Signs media bytes with the throwaway chain in ``certdir``; one per process."""

    def __init__(self, certdir: Path) -> None:
        """Load the chain and key written by :func:`make_test_ca`."""
        info = c2pa.C2paSignerInfo(
            c2pa.C2paSigningAlg.ES256,
            (certdir / "chain.pem").read_bytes(),
            (certdir / "signer.key").read_bytes(),
            None,  # no timestamp authority: signing stays offline
        )
        self._signer = c2pa.Signer.from_info(info)
        self._context = c2pa.Context.from_dict(_NO_THUMBNAILS)

    def sign(self, data: bytes, mime: str, manifest: dict[str, Any]) -> bytes:
        """Return ``data`` with an embedded manifest (a Builder is single-use)."""
        src, dst = io.BytesIO(data), io.BytesIO()
        with c2pa.Builder(manifest, context=self._context) as builder:
            builder.sign(self._signer, mime, src, dst)
        return dst.getvalue()


def manifest(title: str, source_type: str, agent: str) -> dict[str, Any]:
    """A minimal ``c2pa.created`` manifest with the given digital source type."""
    return {
        "claim_generator_info": [{"name": "provscan-bench", "version": "1"}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": source_type,
                            "softwareAgent": {"name": agent, "version": "1.0"},
                        }
                    ]
                },
            }
        ],
    }
