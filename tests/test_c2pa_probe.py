"""The header probe: it must never say "no manifest" where the Reader finds one."""

from __future__ import annotations

from pathlib import Path

import c2pa
import pytest
from provscan.asset import Asset
from provscan.extract.c2pa_probe import Embedded, probe
from provscan.extract.c2pa_store import context
from provscan.extract.xmp import xmp
from provscan.model import MediaKind, Settings


def _reader_finds_manifest(asset: Asset) -> bool:
    try:
        with asset.open() as stream:
            reader = c2pa.Reader.try_create(asset.mime, stream, context=context(Settings()))
    except c2pa.C2paError as exc:
        return str(exc).startswith(("Remote", "Other: prerelease"))
    if reader is None:
        return False
    reader.close()
    return True


@pytest.mark.slow
def test_probe_never_misses_a_manifest_in_corpus(corpus: Path) -> None:
    """On every corpus file a probe 'no' means the Reader finds nothing (remote XMP: Reader)."""
    media = (MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.AUDIO)
    missed, said_no = [], 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.stat().st_size):
        asset = Asset(path, path.name)
        if asset.kind not in media or probe(asset) is not Embedded.NO:
            continue
        if xmp(asset).first("dcterms:provenance"):
            continue
        said_no += 1
        if _reader_finds_manifest(asset):
            missed.append(str(path.relative_to(corpus)))
    assert said_no > 100  # the probe does spare the Reader most files
    assert missed == []


def test_probe_yes_on_signed_and_no_on_plain(tmp_path: Path) -> None:
    """A signed JPEG probes 'yes'; the same pixels unsigned probe 'no'."""
    from fixtures.c2pa_images import MANIFESTS, sign
    from fixtures.testca import make_ca
    from tests.builders import jpeg_bytes

    plain = jpeg_bytes()
    (tmp_path / "plain.jpg").write_bytes(plain)
    (tmp_path / "signed.jpg").write_bytes(sign(make_ca(), MANIFESTS["capture"][0], "jpg", plain))
    assert probe(Asset(tmp_path / "plain.jpg", "plain.jpg")) is Embedded.NO
    assert probe(Asset(tmp_path / "signed.jpg", "signed.jpg")) is Embedded.YES


def test_probe_unknown_for_formats_it_does_not_walk(tmp_path: Path) -> None:
    """Formats without a walker here (GIF, TIFF...) are 'unknown' so the Reader decides."""
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "a.gif")
    assert probe(Asset(tmp_path / "a.gif", "a.gif")) is Embedded.UNKNOWN
