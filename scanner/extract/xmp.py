"""XMP packets from any container, parsed with defusedxml into flat ``prefix:Name`` values.

Where the container has a defined place for XMP (JPEG APP1 and ExtendedXMP, PNG iTXt,
WebP 'XMP ' chunk, TIFF tag 700, a sidecar) we read exactly that; elsewhere we look for
the ``<x:xmpmeta`` packet in the first and last megabytes, which is where writers put it.
Nested structures flatten to ``parent/child`` keys (``xmpMM:History/stEvt:softwareAgent``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from scanner.asset import Asset
from scanner.extract.containers import StructureError, iter_jpeg_segments, iter_riff_chunks
from scanner.extract.pngtext import png_text

MAX_PACKET = 16 * 1024 * 1024
SCAN_HEAD = 2 * 1024 * 1024
SCAN_TAIL = 1024 * 1024

# Canonical prefixes: documents may bind any prefix, so keys are built from the namespace URI.
NAMESPACES = {
    "adobe:ns:meta/": "x",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/": "xmpDM",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
    "http://c2pa.org/": "c2pa",
}
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_CONTAINERS = {_RDF + "Seq", _RDF + "Bag", _RDF + "Alt"}
_SKIP_ATTRS = {_RDF + "about", _RDF + "parseType", "{http://www.w3.org/XML/1998/namespace}lang"}
_PACKET_RE = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta>", re.DOTALL)
_RDF_RE = re.compile(rb"<rdf:RDF[\s>].*?</rdf:RDF>", re.DOTALL)
_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_EXT_XMP = b"http://ns.adobe.com/xmp/extension/\x00"


@dataclass(slots=True)
class Xmp:
    """Flattened XMP properties of a file (all packets merged) and problems met parsing them."""

    props: dict[str, list[str]] = field(default_factory=dict)
    packets: int = 0
    sources: list[str] = field(default_factory=list)  # where each packet came from
    problems: list[str] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        """Every value of ``prefix:Name`` (or ``parent/child``) across all packets."""
        return self.props.get(key, [])

    def first(self, key: str) -> str:
        """The first value of a property, or an empty string."""
        found = self.props.get(key)
        return found[0] if found else ""


def xmp(asset: Asset) -> Xmp:
    """The asset's XMP (embedded packets plus a sidecar), parsed once and cached."""
    return asset.view("xmp", _read_xmp)


def _read_xmp(asset: Asset) -> Xmp:
    result = Xmp()
    packets: list[tuple[str, bytes]] = []
    try:
        packets.extend(iter_embedded_packets(asset))
    except (StructureError, OSError) as exc:
        result.problems.append(f"could not read XMP: {exc}")
    if asset.sidecar is not None:
        packets.append((f"sidecar {asset.sidecar.name}", _read_bounded(asset.sidecar)))
    for source, packet in packets:
        result.sources.append(source)
        parse_packet(packet, result, source)
    return result


def _read_bounded(path: object) -> bytes:
    with open(str(path), "rb") as f:
        return f.read(MAX_PACKET + 1)


def iter_embedded_packets(asset: Asset) -> list[tuple[str, bytes]]:
    """Raw XMP packets found in the file, each with a short description of where."""
    fmt = asset.format
    if fmt == "jpeg":
        return _jpeg_packets(asset)
    if fmt == "png":
        text = png_text(asset).text.get("XML:com.adobe.xmp")
        return [("PNG iTXt XML:com.adobe.xmp", text.encode())] if text else []
    if fmt == "webp":
        with asset.open() as f:
            chunks = [c.data for c in iter_riff_chunks(f, skip=frozenset({b"VP8 ", b"VP8L"}))]
        return [("WebP XMP chunk", c) for c in chunks if _looks_like_xmp(c)] or _scan(asset)
    if fmt == "xmp":
        return [("sidecar", asset.read_at(0, MAX_PACKET + 1))]
    return _scan(asset)


def _looks_like_xmp(data: bytes) -> bool:
    return b"<x:xmpmeta" in data[:4096] or b"<rdf:RDF" in data[:4096] or b"xpacket" in data[:200]


def _jpeg_packets(asset: Asset) -> list[tuple[str, bytes]]:
    """Standard XMP in APP1, plus ExtendedXMP chunks reassembled by GUID and offset."""
    packets: list[tuple[str, bytes]] = []
    extended: dict[bytes, dict[int, bytes]] = {}
    with asset.open() as f:
        for seg in iter_jpeg_segments(f, want=frozenset({0xE1})):
            if seg.data.startswith(_JPEG_XMP):
                packets.append(("JPEG APP1 XMP", seg.data[len(_JPEG_XMP) :]))
            elif seg.data.startswith(_JPEG_EXT_XMP):
                body = seg.data[len(_JPEG_EXT_XMP) :]
                guid, offset = body[:32], int.from_bytes(body[36:40], "big")
                extended.setdefault(guid, {})[offset] = body[40:]
    for parts in extended.values():
        joined = b"".join(parts[k] for k in sorted(parts))
        packets.append(("JPEG ExtendedXMP", joined[: MAX_PACKET + 1]))
    return packets


def _scan(asset: Asset) -> list[tuple[str, bytes]]:
    """Find packets by their markers in the head and tail of a file of unknown layout."""
    head = asset.read_at(0, SCAN_HEAD)
    regions = [head]
    if asset.size > SCAN_HEAD:
        regions.append(asset.tail(min(SCAN_TAIL, asset.size - SCAN_HEAD)))
    found: list[tuple[str, bytes]] = []
    for region in regions:
        matches = list(_PACKET_RE.finditer(region)) or list(_RDF_RE.finditer(region))
        found.extend(("embedded packet", m.group(0)) for m in matches)
    return found


def parse_packet(packet: bytes, into: Xmp, source: str = "") -> None:
    """Parse one packet with defusedxml and merge its properties into ``into``."""
    if len(packet) > MAX_PACKET:
        into.problems.append(f"XMP packet in {source} is larger than 16 MiB; not parsed")
        return
    body = _strip_packet_wrapper(packet)
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        into.problems.append(f"XMP in {source} refused: {type(exc).__name__} (DTD or entities)")
        return
    except (ParseError, ValueError) as exc:
        into.problems.append(f"XMP in {source} is not well-formed XML ({exc})")
        return
    into.packets += 1
    for desc in root.iter(_RDF + "Description"):
        if _is_top_level(root, desc):
            _flatten(desc, "", into.props)


def _strip_packet_wrapper(packet: bytes) -> bytes:
    """Drop bytes around the xmpmeta/RDF element (padding, xpacket PIs, trailing NULs)."""
    match = _PACKET_RE.search(packet) or _RDF_RE.search(packet)
    return match.group(0) if match else packet.strip(b"\x00 \r\n\t")


def _is_top_level(root: Element, desc: Element) -> bool:
    """True for rdf:Description elements that are direct children of rdf:RDF."""
    for rdf in root.iter(_RDF + "RDF"):
        if desc in list(rdf):
            return True
    return False


def qname(tag: str) -> str:
    """``{uri}Local`` -> ``prefix:Local`` using canonical prefixes; unknown URIs kept."""
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        prefix = NAMESPACES.get(uri)
        return f"{prefix}:{local}" if prefix else tag
    return tag


def _flatten(node: Element, prefix: str, props: dict[str, list[str]]) -> None:
    """Add attributes and child properties of a description/struct node under ``prefix``."""
    for attr, value in node.attrib.items():
        if attr not in _SKIP_ATTRS:
            props.setdefault(prefix + qname(attr), []).append(value)
    for child in node:
        if child.tag == _RDF + "Description":  # a struct written as a nested description
            _flatten(child, prefix, props)
        else:
            _flatten_property(child, prefix + qname(child.tag), props)


def _flatten_property(prop: Element, key: str, props: dict[str, list[str]]) -> None:
    """One property: simple text, an rdf container of items, or a nested structure."""
    resource = prop.attrib.get(_RDF + "resource")
    if resource is not None:
        props.setdefault(key, []).append(resource)
    children = list(prop)
    if not children:
        if _has_fields(prop):  # struct written as attributes of the property element
            _flatten(prop, key + "/", props)
        elif resource is None:
            props.setdefault(key, []).append((prop.text or "").strip())
        return
    for child in children:
        if child.tag in _CONTAINERS:
            for item in child.findall(_RDF + "li"):
                _flatten_item(item, key, props)
        elif child.tag == _RDF + "Description":
            _flatten(child, key + "/", props)
        else:  # rdf:parseType="Resource": fields are direct children
            _flatten_property(child, key + "/" + qname(child.tag), props)


def _flatten_item(item: Element, key: str, props: dict[str, list[str]]) -> None:
    """An rdf:li: text, or a struct whose fields become ``key/field``."""
    if not list(item) and not _has_fields(item):
        resource = item.attrib.get(_RDF + "resource")
        props.setdefault(key, []).append(resource or (item.text or "").strip())
        return
    _flatten(item, key + "/", props)


def _has_fields(node: Element) -> bool:
    return any(a not in _SKIP_ATTRS and a != _RDF + "resource" for a in node.attrib)
