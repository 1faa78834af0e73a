"""XMP packets from any container, parsed with defusedxml into flat ``prefix:Name`` values.

Where the container has a defined place for XMP we read exactly that (XMP spec part 3:
JPEG APP1 + ExtendedXMP, PNG iTXt, WebP 'XMP ' chunk, TIFF tag 700, BMFF 'uuid' box and
QuickTime 'XMP_' atom, RIFF '_PMX' chunk, a sidecar); elsewhere, or when the container is
broken, we look for the packet in the first and last megabytes, where writers put it.
Nested structures flatten to ``parent/child`` keys (``xmpMM:History/stEvt:softwareAgent``),
and every value remembers which packet it came from (``Xmp.items``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from provscan.asset import Asset
from provscan.extract import xmp_locate
from provscan.extract.xmp_locate import MAX_PACKET, Packet

__all__ = [
    "MAX_PACKET",
    "NAMESPACES",
    "Packet",
    "Xmp",
    "iter_embedded_packets",
    "parse_packet",
    "qname",
    "refusal_reason",
    "to_utf8",
    "xmp",
]

MAX_DEPTH = 32  # XMP structs nest a few levels; a hostile packet may nest thousands

# Canonical prefixes: documents may bind any prefix, so keys are built from the namespace URI.
NAMESPACES = {
    "adobe:ns:meta/": "x",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://ns.adobe.com/xap/1.0/": "xmp",
    "http://ns.adobe.com/xap/1.0/mm/": "xmpMM",
    "http://ns.adobe.com/xap/1.0/rights/": "xmpRights",
    "http://ns.adobe.com/xap/1.0/bj/": "xmpBJ",
    "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
    "http://ns.adobe.com/xap/1.0/sType/ResourceRef#": "stRef",
    "http://ns.adobe.com/photoshop/1.0/": "photoshop",
    "http://ns.adobe.com/tiff/1.0/": "tiff",
    "http://ns.adobe.com/exif/1.0/": "exif",
    "http://ns.adobe.com/exif/1.0/aux/": "aux",
    "http://cipa.jp/exif/1.0/": "exifEX",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/": "xmpDM",
    "http://ns.adobe.com/camera-raw-settings/1.0/": "crs",
    "http://ns.adobe.com/lightroom/1.0/": "lr",
    "http://ns.adobe.com/pdf/1.3/": "pdf",
    "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/": "Iptc4xmpCore",
    "http://iptc.org/std/Iptc4xmpExt/2008-02-29/": "Iptc4xmpExt",
    "http://ns.useplus.org/ldf/xmp/1.0/": "plus",
    "http://ns.google.com/photos/1.0/camera/": "GCamera",
    "http://ns.adobe.com/xmp/note/": "xmpNote",
    "http://c2pa.org/": "c2pa",
    "http://www.tc260.org.cn/ns/AIGC/1.0/": "TC260",  # GB 45438-2025 implicit AI label
}
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_XMPTK, _XAPTK = "{adobe:ns:meta/}xmptk", "{adobe:ns:meta/}xaptk"
_CONTAINERS = {_RDF + "Seq", _RDF + "Bag", _RDF + "Alt"}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# An empty struct, or a reference to a node elsewhere (plain RDF, not XMP): no text value.
_REFERENCE_ATTRS = {_RDF + "parseType", _RDF + "nodeID"}
# Before the root element: a DTD here is how entity bombs and XXE are delivered.
_DTD_RE = re.compile(rb"<!DOCTYPE|<!ENTITY")
_EXTERNAL_RE = re.compile(rb"<!ENTITY[^>]*\s(?:SYSTEM|PUBLIC)\s")
_DEFUSED_WORDS = {
    "DTDForbidden": "it declares a DTD (<!DOCTYPE>)",
    "EntitiesForbidden": "it declares XML entities (entity expansion, e.g. 'billion laughs')",
    "ExternalReferenceForbidden": "it references an external entity (XXE)",
}


@dataclass(slots=True)
class Xmp:
    """Flattened XMP properties of a file (all packets merged) and problems met parsing them.

    ``origins`` runs parallel to ``props``: the source of each value (``sidecar clip.xmp``).
    ``notes`` are facts about the container worth showing but not XMP problems.
    """

    props: dict[str, list[str]] = field(default_factory=dict)
    packets: int = 0
    sources: list[str] = field(default_factory=list)  # where each packet came from
    problems: list[str] = field(default_factory=list)
    origins: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        """Every value of ``prefix:Name`` (or ``parent/child``) across all packets."""
        return self.props.get(key, [])

    def first(self, key: str) -> str:
        """The first value of a property, or an empty string."""
        found = self.props.get(key)
        return found[0] if found else ""

    def items(self, key: str) -> list[tuple[str, str]]:
        """``(value, source)`` pairs of a property: which packet said what."""
        return list(zip(self.props.get(key, []), self.origins.get(key, []), strict=False))

    def add(self, key: str, value: str, source: str) -> None:
        """Record one value of a property and the packet it came from."""
        self.props.setdefault(key, []).append(value)
        self.origins.setdefault(key, []).append(source)


def xmp(asset: Asset) -> Xmp:
    """The asset's XMP (embedded packets plus a sidecar), parsed once and cached."""
    return asset.view("xmp", _read_xmp)


def _read_xmp(asset: Asset) -> Xmp:
    result = Xmp()
    packets = xmp_locate.embedded_packets(asset, result.problems, result.notes)
    if asset.sidecar is not None:
        label = f"sidecar {asset.sidecar.name}"
        try:
            with open(asset.sidecar, "rb") as f:  # read-only; bounded like any packet
                packets.append(Packet(label, f.read(MAX_PACKET + 1)))
        except OSError as exc:
            result.problems.append(f"{label} cannot be read: {exc.strerror}")
    for packet in packets:
        result.sources.append(packet.source)
        parse_packet(packet.data, result, packet.source)
    return result


def iter_embedded_packets(asset: Asset) -> list[tuple[str, bytes]]:
    """Raw XMP packets found in the file, each with a short description of where."""
    return [(p.source, p.data) for p in xmp_locate.embedded_packets(asset, [], [])]


def parse_packet(packet: bytes, into: Xmp, source: str = "") -> None:
    """Parse one packet with defusedxml and merge its properties into ``into``.

    A packet that declares a DTD or entities is refused before parsing, so entity bombs
    and external entities are reported, never expanded or fetched.
    """
    if len(packet) > MAX_PACKET:
        into.problems.append(f"XMP packet in {source} is larger than 16 MiB; not parsed")
        return
    text = to_utf8(packet)
    start = xmp_locate.root_start(text)
    prolog = text[: start if start >= 0 else len(text)]
    if _DTD_RE.search(prolog):
        why = refusal_reason(prolog)
        into.problems.append(f"XMP in {source} refused: {why}; nothing was expanded or fetched")
        return
    root = _parse(xmp_locate.strip_wrapper(text), into, source)
    if root is None:
        return
    into.packets += 1
    found: list[tuple[str, str]] = []
    toolkit = root.get(_XMPTK) or root.get(_XAPTK)
    if toolkit:  # the library that wrote the packet (XMP spec part 1, 7.3.3): a tool name
        found.append(("x:xmptk", toolkit))
    for rdf in root.iter(_RDF + "RDF"):
        for desc in rdf:
            # A typed node (``<cc:Work>``, as Inkscape writes an SVG's Dublin Core) is an
            # rdf:Description with a type (RDF/XML syntax, 2.13): its properties are read too.
            if isinstance(desc.tag, str) and desc.tag.startswith("{"):
                _flatten(desc, "", found, 0)
    if _TOO_DEEP in found:
        found = [item for item in found if item != _TOO_DEEP]
        into.problems.append(f"XMP in {source} nests deeper than {MAX_DEPTH} levels; cut there")
    for key, value in found:
        into.add(key, value, source)


def refusal_reason(prolog: bytes) -> str:
    """Why a DTD in front of a packet is refused, in words (XMP never needs one)."""
    if _EXTERNAL_RE.search(prolog):
        return "it declares an external entity (XXE: it would read a file or URL)"
    if b"<!ENTITY" in prolog:
        return "it declares XML entities (entity expansion, as in the 'billion laughs' attack)"
    return "it declares a DTD (<!DOCTYPE>), which XMP never uses"


def _parse(body: bytes, into: Xmp, source: str) -> Element | None:
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        why = _DEFUSED_WORDS.get(type(exc).__name__, type(exc).__name__)
        into.problems.append(f"XMP in {source} refused: {why}; nothing was expanded or fetched")
    # LookupError: the XML declaration names an encoding Python lacks ("UTF-6"; fuzzing).
    except (ParseError, ValueError, LookupError) as exc:
        into.problems.append(f"XMP in {source} is not well-formed XML ({exc})")
    return None


def to_utf8(packet: bytes) -> bytes:
    """The packet as UTF-8: XMP allows UTF-16 and UTF-32 packets (spec part 1, 7.3.2).

    The encoding shows in the bytes around the first ``<`` (NULs before or after it).
    """
    i = packet.find(b"<")
    if i < 0 or b"\x00" not in packet[max(0, i - 3) : i + 4]:
        return packet
    if packet[i + 1 : i + 4] == b"\x00\x00\x00":
        codec, start = "utf-32-le", i
    elif i >= 3 and packet[i - 3 : i] == b"\x00\x00\x00":
        codec, start = "utf-32-be", i - 3
    elif packet[i + 1 : i + 2] == b"\x00":
        codec, start = "utf-16-le", i
    else:
        codec, start = "utf-16-be", i - 1
    text = packet[start:].decode(codec, "replace").encode("utf-8")
    return re.sub(rb"^\s*<\?xml[^>]*\?>", b"", text)  # its encoding declaration no longer holds


def qname(tag: str) -> str:
    """``{uri}Local`` -> ``prefix:Local`` using canonical prefixes; unknown URIs kept."""
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        prefix = NAMESPACES.get(uri)
        return f"{prefix}:{local}" if prefix else tag
    return tag


Found = list[tuple[str, str]]
_TOO_DEEP = ("\x00too-deep", "")  # marker left in ``found`` when nesting was cut


def _fields(node: Element) -> list[tuple[str, str]]:
    """Attributes that are XMP properties (not rdf:*, xml:lang, or old XAP ``about``)."""
    return [
        (a, v)
        for a, v in node.attrib.items()
        if not a.startswith(_RDF) and a != _XML_LANG and a != "about"
    ]


def _flatten(node: Element, prefix: str, found: Found, depth: int) -> None:
    """Add attributes and child properties of a description/struct node under ``prefix``."""
    if depth > MAX_DEPTH:
        found.append(_TOO_DEEP)
        return
    for attr, value in _fields(node):
        found.append((prefix + qname(attr), value))
    for child in node:
        if child.tag == _RDF + "Description":  # a struct written as a nested description
            _flatten(child, prefix, found, depth + 1)
        elif child.tag == _RDF + "value" and prefix:  # qualified value: belongs to the parent
            found.append((prefix[:-1], (child.text or "").strip()))
        else:
            _flatten_property(child, prefix + qname(child.tag), found, depth + 1)


def _flatten_property(prop: Element, key: str, found: Found, depth: int) -> None:
    """One property: simple text, an rdf container of items, or a nested structure."""
    if depth > MAX_DEPTH:
        found.append(_TOO_DEEP)
        return
    resource = prop.attrib.get(_RDF + "resource")
    if resource is not None:
        found.append((key, resource))
    children = list(prop)
    if not children:
        if _fields(prop):  # struct written as attributes of the property element
            _flatten(prop, key + "/", found, depth)
        elif resource is None and not _REFERENCE_ATTRS & prop.attrib.keys():
            found.append((key, (prop.text or "").strip()))
        return
    for child in children:
        if child.tag in _CONTAINERS:
            for item in child.findall(_RDF + "li"):
                _flatten_item(item, key, found, depth + 1)
        elif child.tag == _RDF + "Description":
            _flatten(child, key + "/", found, depth + 1)
        elif child.tag == _RDF + "value":
            found.append((key, (child.text or "").strip()))
        else:  # rdf:parseType="Resource": fields are direct children
            _flatten_property(child, key + "/" + qname(child.tag), found, depth + 1)


def _flatten_item(item: Element, key: str, found: Found, depth: int) -> None:
    """An rdf:li: text, or a struct whose fields become ``key/field``."""
    if not list(item) and not _fields(item):
        resource = item.attrib.get(_RDF + "resource")
        found.append((key, resource or (item.text or "").strip()))
        return
    _flatten(item, key + "/", found, depth)
