"""XMP extraction: packet shapes flatten to stable keys, every container's place is read,
hostile packets are refused and reported, and every corpus file with XMP yields it."""

from __future__ import annotations

import hashlib
import io
import re
import struct
from pathlib import Path

import pytest
from PIL import Image
from provscan.asset import Asset, find_sidecar
from provscan.extract import xmp as xmp_module
from provscan.extract import xmp_locate
from provscan.extract.xmp import Xmp, parse_packet, to_utf8, xmp

from fixtures.xmp_images import (
    BILLION_LAUGHS,
    XXE,
    app1_extended,
    app1_xmp,
    jpeg_with,
    packet,
    png_with,
    webp_with,
)

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'


def _asset(tmp_path: Path, name: str, data: bytes, sidecar: bytes | None = None) -> Asset:
    path = tmp_path / name
    path.write_bytes(data)
    side = None
    if sidecar is not None:
        side = path.with_suffix(".xmp")
        side.write_bytes(sidecar)
    return Asset(path, name, sidecar=side)


def _parsed(body: str, attrs: str = "") -> Xmp:
    into = Xmp()
    parse_packet(packet(body, attrs), into, "test")
    return into


HISTORY_ATTRS = """<xmpMM:History><rdf:Seq>
<rdf:li stEvt:action="created" stEvt:softwareAgent="Adobe Firefly"/>
<rdf:li rdf:parseType="Resource"><stEvt:action>saved</stEvt:action>
<stEvt:softwareAgent>Adobe Photoshop 26.4</stEvt:softwareAgent></rdf:li>
<rdf:li><rdf:Description stEvt:action="converted" stEvt:softwareAgent="Lightroom"/></rdf:li>
</rdf:Seq></xmpMM:History>"""

# (body, attributes, key, expected values): the shapes real writers use (XMP spec part 1).
SHAPES = [
    ("", 'xmp:CreatorTool="Tool A"', "xmp:CreatorTool", ["Tool A"]),
    ("<xmp:CreatorTool>Tool B</xmp:CreatorTool>", "", "xmp:CreatorTool", ["Tool B"]),
    ("<dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>", "",
     "dc:subject", ["a", "b"]),
    ("<dc:creator><rdf:Seq><rdf:li>Jo</rdf:li></rdf:Seq></dc:creator>", "", "dc:creator", ["Jo"]),
    ('<dc:title><rdf:Alt><rdf:li xml:lang="x-default">T</rdf:li>'
     '<rdf:li xml:lang="de">T2</rdf:li></rdf:Alt></dc:title>', "", "dc:title", ["T", "T2"]),
    (HISTORY_ATTRS, "", "xmpMM:History/stEvt:softwareAgent",
     ["Adobe Firefly", "Adobe Photoshop 26.4", "Lightroom"]),
    (HISTORY_ATTRS, "", "xmpMM:History/stEvt:action", ["created", "saved", "converted"]),
    ('<plus:Licensor rdf:parseType="Resource"><plus:LicensorURL>u</plus:LicensorURL>'
     "</plus:Licensor>", "", "plus:Licensor/plus:LicensorURL", ["u"]),
    ('<plus:Licensor><rdf:Description plus:LicensorURL="v"/></plus:Licensor>', "",
     "plus:Licensor/plus:LicensorURL", ["v"]),
    ('<plus:Licensor plus:LicensorURL="w"/>', "", "plus:Licensor/plus:LicensorURL", ["w"]),
    ('<Iptc4xmpExt:DigitalSourceType rdf:resource="http://x/y"/>', "",
     "Iptc4xmpExt:DigitalSourceType", ["http://x/y"]),
    ('<dc:rights rdf:parseType="Resource"><rdf:value>R</rdf:value>'
     "<xmp:Label>q</xmp:Label></dc:rights>", "", "dc:rights", ["R"]),
]  # fmt: skip


@pytest.mark.parametrize(("body", "attrs", "key", "want"), SHAPES)
def test_packet_shapes_flatten_to_keys(body: str, attrs: str, key: str, want: list[str]) -> None:
    """Attributes, Seq/Bag/Alt, parseType=Resource, nested Description, History events."""
    assert _parsed(body, attrs).values(key) == want


def test_prefixes_come_from_namespace_uris_not_the_document() -> None:
    """A packet binding xmp's URI to another prefix still yields xmp:CreatorTool."""
    data = (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}><rdf:Description '
        'xmlns:foo="http://ns.adobe.com/xap/1.0/" foo:CreatorTool="T" about="old-xap"/>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()
    into = Xmp()
    parse_packet(data, into, "t")
    assert into.props == {"xmp:CreatorTool": ["T"]}


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_packets_are_decoded(codec: str) -> None:
    """XMP allows UTF-16/32 packets (exiftool's ExifTool.jpg is UTF-16 BE); all parse."""
    raw = packet("", 'xmp:CreatorTool="Ünïcode"').decode().encode(codec)
    into = Xmp()
    parse_packet(raw, into, "t")
    assert (into.values("xmp:CreatorTool"), into.problems) == (["Ünïcode"], [])
    assert b"\x00" not in to_utf8(raw)


HOSTILE = [
    (BILLION_LAUGHS, "billion laughs"),
    (XXE, "external entity (XXE"),
    (b'<!DOCTYPE x:xmpmeta><x:xmpmeta xmlns:x="adobe:ns:meta/"/>', "declares a DTD"),
    (b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&undefined;</x:xmpmeta>', "not well-formed"),
    (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><unclosed></x:xmpmeta>', "not well-formed"),
]


@pytest.mark.parametrize(("data", "words"), HOSTILE)
def test_hostile_packets_are_refused_and_reported(data: bytes, words: str) -> None:
    """Entity bombs, XXE and broken XML give a problem in words and no values."""
    into = Xmp()
    parse_packet(data, into, "t")
    assert into.props == {} and into.packets == 0
    assert len(into.problems) == 1 and words in into.problems[0]


def test_deep_nesting_is_cut_and_reported() -> None:
    """A packet nested 5000 levels deep is cut at the depth bound, not a RecursionError."""
    deep = '<dc:x rdf:parseType="Resource">' * 5000 + "<dc:y>v</dc:y>" + "</dc:x>" * 5000
    result = _parsed(deep)
    assert any("nests deeper" in p for p in result.problems)


def test_oversized_packet_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A packet above the size bound is reported, not parsed."""
    monkeypatch.setattr(xmp_module, "MAX_PACKET", 100)
    into = Xmp()
    parse_packet(packet("", 'xmp:CreatorTool="T"'), into, "t")
    assert into.props == {} and "larger than" in into.problems[0]


def _tiff(xmp_bytes: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "TIFF", tiffinfo={700: xmp_bytes})
    return buf.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


PKT = packet("", 'xmp:CreatorTool="Located"')
UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
CONTAINERS = [
    ("a.jpg", jpeg_with((1, 2, 3), app1_xmp(PKT)), "JPEG APP1 XMP"),
    ("a.png", png_with((1, 2, 3), PKT), "PNG iTXt XML:com.adobe.xmp"),
    ("a.webp", webp_with((1, 2, 3), PKT), "RIFF XMP chunk"),
    ("a.tif", _tiff(PKT), "TIFF tag 700"),
    ("a.mp4", _box(b"ftyp", b"isom\0\0\0\0isom") + _box(b"uuid", UUID + PKT), "BMFF uuid XMP box"),
    ("a.mov", _box(b"ftyp", b"qt  \0\0\0\0qt  ")
     + _box(b"moov", _box(b"udta", _box(b"XMP_", PKT))), "QuickTime XMP_ atom"),
    ("a.wav", b"RIFF" + struct.pack("<I", 4 + 8 + len(PKT)) + b"WAVE"
     + b"_PMX" + struct.pack("<I", len(PKT)) + PKT, "RIFF _PMX chunk"),
    ("a.gif", b"GIF89a" + b"\0" * 20 + b"XMP DataXMP" + PKT + b"\x01\xff\0", "embedded packet"),
    ("a.xmp", PKT, "XMP file"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "source"), CONTAINERS)
def test_each_container_is_read_where_its_xmp_lives(
    tmp_path: Path, name: str, data: bytes, source: str
) -> None:
    """JPEG, PNG, WebP, TIFF, MP4, MOV, WAV, an unknown layout and a sidecar file."""
    result = xmp(_asset(tmp_path, name, data))
    assert result.sources == [source]
    assert result.items("xmp:CreatorTool") == [("Located", source)]


def test_broken_jpeg_falls_back_to_the_byte_scan(tmp_path: Path) -> None:
    """A JPEG whose segment chain breaks before its XMP still yields the packet."""
    good = jpeg_with((1, 2, 3), b"\xff\xec" + b"x" * 10, app1_xmp(PKT))
    i = good.index(b"\xff\xec")
    broken = good[:i] + b"\xff\xec\x00\x05" + good[i + 4 :]  # APP12 length now lies
    result = xmp(_asset(tmp_path, "b.jpg", broken))
    assert result.values("xmp:CreatorTool") == ["Located"]
    assert any("structure is broken" in n for n in result.notes)


def _extended_jpeg(order: list[int], *, drop: int | None = None, guid: str = "") -> bytes:
    ext = packet("<photoshop:History>" + "z" * 150_000 + "</photoshop:History>",
                 'Iptc4xmpExt:DigitalSourceType="trainedAlgorithmicMedia"')  # fmt: skip
    main, *chunks = app1_extended('xmp:CreatorTool="Main"', ext)
    if guid:
        main = main.replace(hashlib.md5(ext).hexdigest().upper().encode(), guid.encode())
    picked = [chunks[i] for i in order if i != drop]
    return jpeg_with((1, 2, 3), main, *picked)


def test_extended_xmp_is_reassembled_in_offset_order(tmp_path: Path) -> None:
    """ExtendedXMP chunks written out of order are joined by offset and parsed."""
    result = xmp(_asset(tmp_path, "e.jpg", _extended_jpeg([2, 0, 1])))
    assert result.sources == ["JPEG APP1 XMP", "JPEG ExtendedXMP"]
    assert result.values("Iptc4xmpExt:DigitalSourceType") == ["trainedAlgorithmicMedia"]
    assert result.values("xmp:CreatorTool") == ["Main"] and result.problems == []


def test_incomplete_extended_xmp_is_a_problem(tmp_path: Path) -> None:
    """A missing ExtendedXMP chunk is reported; the standard packet still counts."""
    result = xmp(_asset(tmp_path, "e.jpg", _extended_jpeg([0, 1, 2], drop=1)))
    assert result.values("xmp:CreatorTool") == ["Main"]
    assert any("incomplete" in p for p in result.problems)


def test_extended_xmp_with_another_guid_is_ignored(tmp_path: Path) -> None:
    """Chunks whose GUID the main packet does not name are left out (XMP spec part 3)."""
    result = xmp(_asset(tmp_path, "e.jpg", _extended_jpeg([0, 1, 2], guid="0" * 32)))
    assert result.values("Iptc4xmpExt:DigitalSourceType") == []
    assert any("not the one the main packet names" in n for n in result.notes)


def test_sidecar_values_keep_their_source(tmp_path: Path) -> None:
    """Values from name.xmp next to the media are merged and marked with the sidecar."""
    asset = _asset(
        tmp_path,
        "clip.jpg",
        jpeg_with((1, 2, 3), app1_xmp(PKT)),
        sidecar=packet("", 'dc:format="x"'),
    )
    result = xmp(asset)
    assert result.sources == ["JPEG APP1 XMP", "sidecar clip.xmp"]
    assert result.items("dc:format") == [("x", "sidecar clip.xmp")]


@pytest.mark.parametrize("side_name", ["clip.xmp", "clip.jpg.xmp"])
def test_find_sidecar_knows_both_naming_conventions(tmp_path: Path, side_name: str) -> None:
    """Lightroom's name.xmp and darktable's name.ext.xmp are both found."""
    media = tmp_path / "clip.jpg"
    media.write_bytes(b"")
    (tmp_path / side_name).write_bytes(PKT)
    assert find_sidecar(media) == tmp_path / side_name


_TOOL = re.compile(r"XMP CreatorTool=(.+?)(?: \|\||$)")
_BLOCKS = re.compile(r"blocks: [^|]*XMP")  # the catalog's list of metadata blocks found
# Catalogued XMP that is not the file's own (proven from the bytes), by path fragment.
NOT_OWN_XMP = {
    "ica_validation/": "the XMP sits inside the C2PA JUMBF (an ingredient's), not in APP1",
    "validation_method/": "the XMP sits inside the C2PA JUMBF (an ingredient's), not in APP1",
    "frame_size.mpo": "the XMP belongs to the second MPO frame, after the first image's EOI",
}


@pytest.mark.slow
def test_every_corpus_file_with_xmp_yields_it(corpus: Path, catalog: list[dict[str, str]]) -> None:
    """Each catalogued XMP block is found and parsed; listed CreatorTools match exactly."""
    missing, wrong = [], []
    for row in catalog:
        signals = row["expected_signals"]
        if not _BLOCKS.search(signals):
            continue
        if any(part in row["local_path"] for part in NOT_OWN_XMP):
            continue
        path = corpus / row["local_path"]
        result = xmp(Asset(path, row["local_path"], sidecar=find_sidecar(path)))
        if result.packets == 0 or result.problems:
            missing.append(row["local_path"])
        listed = _TOOL.search(signals)
        found = result.first("xmp:CreatorTool").strip()
        if listed and not found.startswith(listed.group(1).rstrip(".").strip()):
            wrong.append((row["local_path"], listed.group(1), found))
    assert (missing, wrong) == ([], [])


@pytest.mark.slow
def test_corpus_spot_checks(corpus: Path) -> None:
    """Known values from real files: Lightroom CreatorTool, UTF-16 XMP, Pixel ExtendedXMP."""

    def first(rel: str, key: str) -> str:
        return xmp(Asset(corpus / rel, rel)).first(key)

    assert first("public-testfiles/image/jpeg/adobe-20220124-A.jpg", "xmp:CreatorTool") == (
        "Adobe Lightroom 5.3 (Macintosh)"
    )
    assert first("exiftool/t/images/ExifTool.jpg", "dc:description") == (
        "UTF-16 (big-endian) encoded XMP"
    )
    assert first("exiftool/t/images/Google.jpg", "GCamera:HdrPlusMakernote").startswith("SERS")
    assert first("c2pa-rs/sdk/tests/fixtures/firefly.png", "Iptc4xmpExt:DigitalSourceType") == (
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )


def test_extended_xmp_storm_is_bounded(tmp_path: Path) -> None:
    """Thousands of ExtendedXMP GUIDs each claiming 16 MiB: a few problems, no allocation."""
    header = b"\xff\xe1http://ns.adobe.com/xmp/extension/\x00"
    segs = [
        header + f"{i:032X}".encode() + struct.pack(">II", 1 << 24, 0) + b"x" for i in range(500)
    ]
    result = xmp(_asset(tmp_path, "s.jpg", jpeg_with((1, 2, 3), *segs)))
    assert 1 < len(result.problems) <= 5 and result.packets == 0


_INKSCAPE_SVG = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:cc="http://creativecommons.org/ns#"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://www.w3.org/2000/svg"
   width="64" height="64" version="1.1">
  <metadata id="metadata5">
    <rdf:RDF>
      <cc:Work rdf:about="">
        <dc:format>image/svg+xml</dc:format>
        <dc:title>TITLE</dc:title>
      </cc:Work>
    </rdf:RDF>
  </metadata>
  <rect width="64" height="64" fill="#123456"/>
</svg>
"""


def test_svg_metadata_uses_the_namespaces_its_svg_element_declares(tmp_path: Path) -> None:
    """An Inkscape SVG's RDF (prefixes declared on <svg>, a cc:Work typed node) is read, not
    refused as "unbound prefix"; a packet declaring its own prefixes is left as it was."""
    svg = tmp_path / "logo.svg"
    svg.write_text(_INKSCAPE_SVG.replace("TITLE", "Title card logo"), encoding="utf-8")
    found = xmp(Asset(svg, svg.name))
    assert found.problems == []
    assert found.values("dc:title") == ["Title card logo"]
    assert found.values("dc:format") == ["image/svg+xml"]
    own = packet('<rdf:Description dc:title="x" xmlns:dc="http://purl.org/dc/elements/1.1/"/>')
    host = b'<svg xmlns:dc="urn:other">' + own + b"</svg>"
    match = re.search(rb"<x:xmpmeta.*</x:xmpmeta>", host, re.DOTALL)
    assert match is not None
    assert xmp_locate._with_inherited_namespaces(host, match) == match.group(0)


def test_scan_flags_an_ai_tool_named_in_svg_metadata(tmp_path: Path) -> None:
    """provscan scan, as the README runs it, reads the Dublin Core an Inkscape-style SVG
    carries: a title naming a generative tool is an AI statement; a plain one passes."""
    import json

    from provscan import cli
    from typer.testing import CliRunner

    folder = tmp_path / "graphics"
    folder.mkdir()
    ai = "Vector logo generated by Adobe Firefly (text to vector)"
    (folder / "ai.svg").write_text(_INKSCAPE_SVG.replace("TITLE", ai), encoding="utf-8")
    (folder / "plain.svg").write_text(_INKSCAPE_SVG.replace("TITLE", "Logo"), encoding="utf-8")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        cli.app, ["scan", str(folder), "--no-trace", "-f", "json", "-o", str(out)]
    )
    assert result.exit_code == 1, result.output
    files = {f["path"]: f for f in json.loads(out.read_text("utf-8"))["files"]}
    assert files["ai.svg"]["verdict"] == "ai-generated"
    assert files["plain.svg"]["verdict"] == "no-ai-markers"
    for entry in files.values():
        assert "XMP010" not in {f["rule"] for f in entry["findings"]}
