"""Fuzz target: the IMF package document parsers (ASSETMAP, PKL, CPL).

The first byte's low two bits pick the parser: ``parse_assetmap``, ``parse_packing_list``,
``parse_composition`` or ``parse_document`` (by root element); the rest is the document.
Their contract: the parsed dataclass (or None from ``parse_document`` for other XML), or an
``ImfError`` of one line that starts with the document's name; nothing else may escape, and
no input may be slow (libFuzzer's timeout catches a quadratic blow-up). A composition that
parses is then labelled the way the IMF stage reports it (``timecode``/``seconds`` of every
placement and of its duration, ``duration_timecode``), which must not raise either.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parents[2]
_CORPUS = _REPO.parent / "shared" / "corpus"
MAX_SEED = 64 * 1024
NAME = "DOC.xml"
ROOTS = (b"AssetMap", b"PackingList", b"CompositionPlaylist")


def _parsers() -> tuple[Callable[[bytes, str], Any], ...]:
    from provscan.imf.package import (
        parse_assetmap,
        parse_composition,
        parse_document,
        parse_packing_list,
    )

    return (parse_assetmap, parse_packing_list, parse_composition, parse_document)


def one_input(data: bytes) -> None:
    """Parse ``data[1:]`` with the parser ``data[0]`` picks; label a composition."""
    from provscan.imf.package import Composition, ImfError

    if not data:
        return
    try:
        document = _parsers()[data[0] & 3](data[1:], NAME)
    except ImfError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, repr(message)
        assert message.startswith(f"{NAME}: "), repr(message)
        return
    if isinstance(document, Composition):
        _label(document)


def _label(cpl: Any) -> None:
    """What the IMF stage derives from a composition, for every placement."""
    points: list[Fraction] = [Fraction(0), cpl.duration]
    for placement in cpl.resources:
        points += [placement.record_in, placement.record_out]
        placement.to_composition(Fraction(placement.source_duration), cpl.edit_rate)
    for units in points:
        assert isinstance(cpl.timecode(units), str)
        cpl.seconds(units)
    cpl.duration_timecode()


def seeds(raw: bytes, name: str) -> list[bytes]:
    """ASSETMAPs, PKLs and CPLs among the seed files, each with its own parser's selector
    and once more through ``parse_document``."""
    if not name.lower().endswith(".xml"):
        return []
    head = raw[:2048]
    for kind, root in enumerate(ROOTS):
        if b"<" + root in head or b":" + root in head:
            return [bytes([kind]) + raw[:MAX_SEED], b"\x03" + raw[:MAX_SEED]]
    return []


_ASSETMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<AssetMap xmlns="http://www.smpte-ra.org/schemas/429-9/2007/AM"><Id>urn:uuid:1</Id>
<AssetList><Asset><Id>urn:uuid:A</Id><PackingList>true</PackingList><ChunkList><Chunk>
<Path>PKL.xml</Path></Chunk></ChunkList></Asset><Asset><Id>urn:uuid:B</Id><ChunkList>
<Chunk><Path>v1.mxf</Path></Chunk><Chunk><Path>v2.mxf</Path></Chunk></ChunkList></Asset>
</AssetList></AssetMap>
"""
_PKL = b"""<?xml version="1.0" encoding="UTF-8"?>
<PackingList xmlns="http://www.smpte-ra.org/schemas/2067-2/2016/PKL"><Id>urn:uuid:A</Id>
<AssetList><Asset><Id>urn:uuid:B</Id><Hash>qWhgEqYJ0m5gQdM2gxkNv2iG5MA=</Hash><Size>16953</Size>
<Type>application/mxf</Type><OriginalFileName>v.mxf</OriginalFileName></Asset>
<Asset><Id>urn:uuid:C</Id><Type>text/xml</Type></Asset></AssetList></PackingList>
"""
_CPL = b"""<?xml version="1.0" encoding="UTF-8"?>
<CompositionPlaylist xmlns="http://www.smpte-ra.org/schemas/2067-3/2016"
 xmlns:cc="http://www.smpte-ra.org/schemas/2067-2/2016"><Id>urn:uuid:C</Id>
<ContentTitle>t</ContentTitle><EditRate>30000 1001</EditRate>
<CompositionTimecode><TimecodeDropFrame>true</TimecodeDropFrame><TimecodeRate>30</TimecodeRate>
<TimecodeStartAddress>00:59:59;28</TimecodeStartAddress></CompositionTimecode>
<SegmentList><Segment><Id>urn:uuid:S</Id><SequenceList>
<cc:MainImageSequence><ResourceList><Resource><EditRate>30000 1001</EditRate>
<IntrinsicDuration>100</IntrinsicDuration><EntryPoint>10</EntryPoint>
<SourceDuration>50</SourceDuration><RepeatCount>2</RepeatCount>
<TrackFileId>urn:uuid:B</TrackFileId></Resource></ResourceList></cc:MainImageSequence>
<cc:MainAudioSequence><ResourceList><Resource><EditRate>48000 1</EditRate>
<IntrinsicDuration>160160</IntrinsicDuration><TrackFileId>urn:uuid:D</TrackFileId>
</Resource></ResourceList></cc:MainAudioSequence>
<cc:MarkerSequence><ResourceList><Resource><IntrinsicDuration>100</IntrinsicDuration>
<Marker><Label>FFOC</Label><Offset>0</Offset></Marker></Resource></ResourceList>
</cc:MarkerSequence></SequenceList></Segment></SegmentList></CompositionPlaylist>
"""
EXTRA_SEEDS = [
    b"\x00" + _ASSETMAP,
    b"\x01" + _PKL,
    b"\x02" + _CPL,
    b"\x03" + _CPL.replace(b"true", b"false").replace(b";", b":"),
    b"\x03<VolumeIndex><Index>1</Index></VolumeIndex>",
]
SEED_FILES = sorted((_CORPUS / "photon" / "src" / "test" / "resources").rglob("*.xml"))


def main() -> None:
    """Run under atheris with the IMF parsers and defusedxml instrumented for coverage."""
    import atheris

    with atheris.instrument_imports(include=["provscan.imf", "provscan.timecode", "defusedxml"]):
        import provscan.imf.package  # noqa: F401

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
