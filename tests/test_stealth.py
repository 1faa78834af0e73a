"""Stealth pnginfo decoding: alpha and RGB variants, plain and gzip, the corpus sample,
the generated fixture, and bounded behaviour on hostile payloads."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from provscan.asset import Asset
from provscan.extract import stealth, stealth_pixels
from provscan.extract.stealth import stealth_info

from fixtures import generator_images

STEALTH_SAMPLE = "sd-parsers/tests/resources/parsers/AUTOMATIC1111/automatic1111_stealth.png"


def encode_bits(text: str, *, compressed: bool, mode: str = "alpha") -> np.ndarray:
    """The bits a writer embeds for ``text``."""
    stream = stealth.encode_stream(text, compressed=compressed, mode=mode)
    return np.unpackbits(np.frombuffer(stream, dtype=np.uint8))


def decode_pixels(pixels: np.ndarray) -> stealth.Stealth | None:
    """The stealth text of an (H, W, C) array, read as a scan reads a picture's."""
    return stealth.decode_streams(stealth_pixels.streams(pixels))


def _embed(bits: np.ndarray, mode: str = "RGBA", size: int = 48) -> np.ndarray:
    """An image whose LSBs (alpha, or R,G,B in order) carry ``bits`` column by column."""
    channels = 4 if mode == "RGBA" else 3
    pixels = np.full((size, size, channels), 200, dtype=np.uint8)
    columns = pixels.transpose(1, 0, 2)
    flat = columns[:, :, 3].reshape(-1) if mode == "RGBA" else columns[:, :, :3].reshape(-1)
    flat[: bits.size] = (flat[: bits.size] & 0xFE) | bits
    if mode == "RGBA":
        columns[:, :, 3] = flat.reshape(size, size)
    else:
        columns[:, :, :3] = flat.reshape(size, size, 3)
    return pixels


def _asset(tmp_path: Path, pixels: np.ndarray, name: str = "s.png") -> Asset:
    path = tmp_path / name
    Image.fromarray(pixels).save(path)
    return Asset(path, name)


def test_corpus_a1111_stealth_decodes(corpus: Path) -> None:
    """The sd-parsers stealth sample hides gzip A1111 infotext in its alpha LSBs."""
    path = corpus / STEALTH_SAMPLE
    found = stealth_info(Asset(path, path.name))
    assert found is not None
    assert (found.mode, found.signature, found.problem) == ("alpha", "stealth_pngcomp", "")
    assert "Steps: 20" in found.text and found.text.startswith("a circle")


def test_fixture_novelai_stealth_decodes(tmp_path: Path) -> None:
    """The NovelAI stealth fixture yields its JSON payload from the alpha channel."""
    generator_images.novelai_stealth(tmp_path)
    found = stealth_info(Asset(tmp_path / "novelai_stealth.png", "novelai_stealth.png"))
    assert found is not None and '"Software": "NovelAI"' in found.text


@pytest.mark.parametrize(
    ("mode", "compressed", "signature"),
    [
        ("RGBA", False, "stealth_pnginfo"),
        ("RGBA", True, "stealth_pngcomp"),
        ("RGB", False, "stealth_rgbinfo"),
        ("RGB", True, "stealth_rgbcomp"),
    ],
)
def test_round_trip_every_variant(mode: str, compressed: bool, signature: str) -> None:
    """Each of the four signatures decodes back to the embedded text."""
    bits = encode_bits(
        "hello\nSteps: 5", compressed=compressed, mode="alpha" if mode == "RGBA" else "rgb"
    )
    found = decode_pixels(_embed(bits, mode))
    assert found is not None and (found.signature, found.text) == (signature, "hello\nSteps: 5")


def test_plain_pixels_have_no_stealth(tmp_path: Path) -> None:
    """An ordinary RGBA image gives None, not a false signature."""
    assert stealth_info(_asset(tmp_path, np.full((32, 32, 4), 255, dtype=np.uint8))) is None


def test_declared_length_out_of_range_is_a_problem() -> None:
    """A length field larger than the image reports a problem and no text."""
    header = b"stealth_pnginfo" + (10**9).to_bytes(4, "big")
    found = decode_pixels(_embed(np.unpackbits(np.frombuffer(header, np.uint8))))
    assert found is not None and found.text == "" and "out of range" in found.problem


def test_truncated_gzip_is_a_problem() -> None:
    """A gzip payload cut short decodes what it can and says it is truncated."""
    body = gzip.compress(b"x" * 400, mtime=0)[:-12]
    header = b"stealth_pngcomp" + (len(body) * 8).to_bytes(4, "big")
    found = decode_pixels(_embed(np.unpackbits(np.frombuffer(header + body, np.uint8))))
    assert found is not None and "truncated" in found.problem


def test_gzip_bomb_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inflation stops at MAX_TEXT and says so (a bomb in the alpha channel)."""
    monkeypatch.setattr(stealth, "MAX_TEXT", 1000)
    bits = encode_bits("A" * 100_000, compressed=True)
    found = decode_pixels(_embed(bits, size=64))
    assert found is not None and len(found.text) == 1000 and "cap" in found.problem


def test_images_above_pixel_cap_are_not_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above MAX_PIXELS the pixels are not read at all, even with a valid signature."""
    monkeypatch.setattr(stealth, "MAX_PIXELS", 100)
    pixels = _embed(encode_bits("p\nSteps: 1", compressed=False))
    assert stealth_info(_asset(tmp_path, pixels)) is None


def test_jpeg_is_not_decoded(tmp_path: Path) -> None:
    """JPEG cannot carry LSB data, so it is never decoded."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG")
    (tmp_path / "a.jpg").write_bytes(buf.getvalue())
    assert stealth_info(Asset(tmp_path / "a.jpg", "a.jpg")) is None


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_first_column_matches_full_decode(tmp_path: Path, mode: str) -> None:
    """The partial inflate + unfilter of column 0 equals Pillow's full decode (all filters)."""
    rng = np.random.default_rng(7)
    channels = len(mode)
    noise = rng.integers(0, 256, (150, 90, channels), dtype=np.uint8)
    noise[:, :45] //= 16  # smooth half: Pillow's adaptive filtering picks varied filter types
    asset = _asset(tmp_path, noise)
    column = stealth._png_first_column(asset, 120)
    assert column is not None
    assert np.array_equal(np.array([list(pixel) for pixel in column]), noise[:120, 0, :])


@pytest.mark.parametrize(("mode", "bits_mode"), [("RGBA", "alpha"), ("RGB", "rgb")])
def test_tall_image_passes_precheck_and_decodes(tmp_path: Path, mode: str, bits_mode: str) -> None:
    """An image tall enough for the column-0 pre-check still decodes its hidden text."""
    bits = encode_bits("tall\nSteps: 3", compressed=True, mode=bits_mode)
    found = stealth_info(_asset(tmp_path, _embed(bits, mode, size=160)))
    assert found is not None and found.text == "tall\nSteps: 3"


def test_precheck_rejects_plain_tall_png(tmp_path: Path) -> None:
    """A tall PNG without a signature is rejected from column 0 alone."""
    pixels = np.random.default_rng(1).integers(0, 256, (200, 64, 4), dtype=np.uint8)
    assert stealth._png_may_carry(_asset(tmp_path, pixels)) is False


def _webp(tmp_path: Path, pixels: np.ndarray, name: str, **options: object) -> Asset:
    path = tmp_path / name
    Image.fromarray(pixels).save(path, "WEBP", **options)
    return Asset(path, name)


@pytest.mark.parametrize(("mode", "bits_mode"), [("RGBA", "alpha"), ("RGB", "rgb")])
def test_lossless_webp_carries_stealth_text(tmp_path: Path, mode: str, bits_mode: str) -> None:
    """A lossless WebP (VP8L) keeps its pixels' low bits: the hidden text is decoded."""
    bits = encode_bits("webp\nSteps: 4", compressed=False, mode=bits_mode)
    asset = _webp(tmp_path, _embed(bits, mode, size=64), "s.webp", lossless=True)
    found = stealth_info(asset)
    assert found is not None and (found.mode, found.text) == (bits_mode, "webp\nSteps: 4")


def test_lossy_webp_without_alpha_is_not_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lossy WebP without an alpha plane (one VP8 chunk) is passed over from its chunk
    list, its pixels never decoded; with an alpha plane (ALPH) it is still looked at."""
    pixels = _embed(encode_bits("x", compressed=False, mode="rgb"), "RGB", size=64)
    lossy = _webp(tmp_path, pixels, "lossy.webp", quality=90)
    assert stealth._webp_may_carry(lossy) is False
    monkeypatch.setattr(stealth_pixels, "_pixels", lambda im: pytest.fail("pixels decoded"))
    assert stealth_info(lossy) is None
    alpha = np.dstack([pixels, np.full((64, 64), 255, dtype=np.uint8)])
    alpha[0, 0, 3] = 7  # an alpha plane that is not all opaque, so the encoder keeps it
    assert stealth._webp_may_carry(_webp(tmp_path, alpha, "alpha.webp", quality=90)) is True
    broken = tmp_path / "broken.webp"
    broken.write_bytes(b"RIFF\xff\xff\x00\x00WEBPVP8 \xff\xff\xff\x00")
    assert stealth._webp_may_carry(Asset(broken, "broken.webp")) is True


def test_scan_flags_a_lossless_webp_with_stealth_text(tmp_path: Path) -> None:
    """provscan scan, as the README runs it, flags A1111 text hidden in a lossless WebP's
    alpha bits and says nothing of a lossy WebP with the same picture."""
    import json

    from provscan import cli
    from typer.testing import CliRunner

    text = "a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64, Model: sd"
    pixels = _embed(encode_bits(text, compressed=True), "RGBA", size=96)
    folder = tmp_path / "d"
    folder.mkdir()
    Image.fromarray(pixels).save(folder / "still.webp", "WEBP", lossless=True)
    Image.fromarray(pixels[:, :, :3]).save(folder / "lossy.webp", "WEBP", quality=90)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(cli.app, ["scan", str(folder), "-f", "json", "-o", str(out)])
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(out.read_text("utf-8"))["files"]}
    assert "GEN005" in {x["rule"] for x in files["still.webp"]["findings"]}
    assert files["lossy.webp"]["verdict"] == "no-ai-markers"
