"""Fuzz target: XMP packet parsing (defusedxml) and the whole XMP path of an .xmp file.

``parse_packet`` documents no exception: every hostile packet (DTD, entity bomb, bad XML,
bad encoding, deep nesting) must end as a problem string. The same bytes are then read
as an ``.xmp`` file through an Asset (locator, wrapper stripping, sidecar read), which
must not raise either.
"""

from __future__ import annotations

import re
import sys

from tests.fuzz._common import scratch_file

_PACKET = re.compile(rb"<([A-Za-z_][\w.-]*):x[am]pmeta[\s>].*?</\1:x[am]pmeta\s*>", re.DOTALL)
MAX_SEED = 64 * 1024


def one_input(data: bytes) -> None:
    """Parse ``data`` as one packet, then as an XMP file that is its own sidecar."""
    from provscan.asset import Asset
    from provscan.extract.xmp import Xmp, iter_embedded_packets, parse_packet, xmp

    parse_packet(data, Xmp(), "fuzz")
    path = scratch_file(data, "clip.xmp")
    asset = Asset(path, "clip.xmp", sidecar=path)
    xmp(asset)
    iter_embedded_packets(asset)


def seeds(raw: bytes, name: str) -> list[bytes]:
    """Seed inputs from one real file: sidecars whole, packets cut out of anything else."""
    if name.lower().endswith(".xmp"):
        return [raw[:MAX_SEED]]
    return [m.group(0) for m in _PACKET.finditer(raw) if len(m.group(0)) <= MAX_SEED][:4]


EXTRA_SEEDS = [
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
    b'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
    b'xmp:CreatorTool="Adobe Firefly"><xmpMM:History><rdf:Seq><rdf:li '
    b'stEvt:action="created" stEvt:softwareAgent="Firefly"/><rdf:li><rdf:Description>'
    b"<stEvt:action>saved</stEvt:action></rdf:Description></rdf:li></rdf:Seq>"
    b'</xmpMM:History><xmp:Label><rdf:Alt><rdf:li xml:lang="x-default">a</rdf:li>'
    b'</rdf:Alt></xmp:Label><xmp:Rating rdf:parseType="Resource"><rdf:value>3</rdf:value>'
    b"</xmp:Rating></rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>',
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf="
    "'http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
    "xmlns:dc='http://purl.org/dc/elements/1.1/' dc:format='image/png'/>"
    "</rdf:RDF></x:xmpmeta>".encode("utf-16-le"),
    b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x:xmpmeta '
    b'xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>',
    b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description>"
    + b"<a:b xmlns:a='u:'>" * 40
    + b"</a:b>" * 40
    + b"</rdf:Description></rdf:RDF>",
]


def main() -> None:
    """Run under atheris with the scanner instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["provscan", "defusedxml"]):
        import provscan.extract.xmp  # noqa: F401

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
