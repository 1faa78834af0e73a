"""Fuzz target: ``read_timeline`` on EDL, FCP 7 XML, FCPXML and OTIO JSON bytes.

The first byte picks the scratch file's name (low two bits: ``cut.edl``, ``cut.xml``,
``cut.fcpxml``, ``cut.otio``) and the rate passed for EDLs (next two bits: None, 24, 25,
30000/1001); the rest is the file. ``read_timeline`` decides the format from the bytes, so
the name only matters for messages. Its contract: a list of ``Cut`` or a ``TimelineError``
of one line that starts with the path; any other exception is a bug.

AAF is not fuzzed here. The smallest AAF pyaaf2 writes is ~380 KB (its metadictionary alone
is most of that), beyond the runner's 64 KiB inputs, and a read takes 0.1-0.2 s in-process, so
mutations would only ever reach the compound-file header of truncated files at ~5 runs/s.
Inputs that start with the compound-file signature are therefore skipped. In production the
AAF reader runs in ``provscan.timeline.isolated``'s child with a time and memory limit.

The readers run in that child too, so native crashes and hangs are contained there; this
target looks for Python-level escapes from our code and the adapters, and for inputs slow
enough to hit libFuzzer's timeout.

Known and skipped (``native_crash``), all found by this target: OpenTimelineIO 0.18.1's C++
JSON reader segfaults whenever it silently drops a schema object (a dict with OTIO_SCHEMA)
it has already built: (1) an extra field of a value type (RationalTime, TimeRange,
TimeTransform, V2d, Box2d), e.g. a TimeRange.1 with ``"x": {"OTIO_SCHEMA": "Gap.1"}``;
(2) the earlier value of a repeated key, e.g. ``{"a": {"OTIO_SCHEMA": "Gap.1"}, "a": 1}``;
(3) a field the Clip.1 -> Clip.2 upgrade overwrites (``media_references``,
``active_media_reference_key``). The isolated child reports these as "the reader crashed
(signal 11 ...)"; skipping them keeps the fuzzer from stopping on them again and again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import FunctionType, ModuleType

from tests.fuzz._common import scratch_file

_REPO = Path(__file__).resolve().parents[2]
_CORPUS = _REPO.parent / "shared" / "corpus"
MAX_SEED = 64 * 1024
SUFFIXES = (".edl", ".xml", ".fcpxml", ".otio")
RATES = (None, Fraction(24), Fraction(25), Fraction(30000, 1001))
_CFB = bytes.fromhex("d0cf11e0a1b11ae1")  # AAF: skipped (see the module docstring)
_VALUE_TYPES = frozenset({"RationalTime", "TimeRange", "TimeTransform", "V2d", "Box2d"})


def native_crash(body: bytes) -> bool:
    """Whether ``body`` is OTIO JSON of a kind that segfaults OpenTimelineIO's C++ reader
    (see the module docstring). Its reader is streaming, so JSON that breaks off after such
    a construct crashes too: a broken document is judged by its longest well-formed prefix."""
    text = body.decode("utf-8-sig", errors="replace")
    duplicate = False

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal duplicate
        found: dict[str, object] = {}
        for key, value in items:
            if key in found and (_has_schema(value) or _has_schema(found[key])):
                duplicate = True
            found[key] = value
        return found

    try:
        try:
            document = json.loads(text, object_pairs_hook=pairs)
        except json.JSONDecodeError as exc:
            document = json.loads(_closed_prefix(text, exc.pos), object_pairs_hook=pairs)
        return duplicate or _dropped_schema(document, inside=False)
    except (ValueError, RecursionError):  # not JSON (or too deep for us): not those crashes
        return False


def _closed_prefix(text: str, end: int) -> str:
    """``text[:end]`` cut back to its last ``,``, ``[`` or ``{`` and closed with the brackets
    still open there (a best effort: the result may still not parse)."""
    cut = max((i for i, char in _outside_strings(text[:end]) if char in ",[{"), default=-1)
    if cut < 0:
        raise ValueError("no well-formed prefix")
    kept = text[:cut] if text[cut] == "," else text[: cut + 1]
    stack: list[str] = []
    for _, char in _outside_strings(kept):
        if char in "[{":
            stack.append("]" if char == "[" else "}")
        elif char in "]}" and stack:
            stack.pop()
    return kept + "".join(reversed(stack))


def _outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """(index, character) of every character of JSON ``text`` outside its strings."""
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        else:
            yield index, char


def _has_schema(node: object) -> bool:
    """Whether a schema object (a dict with OTIO_SCHEMA) is ``node`` or anywhere inside it."""
    if isinstance(node, list):
        return any(_has_schema(item) for item in node)
    return isinstance(node, dict) and (
        "OTIO_SCHEMA" in node or any(_has_schema(v) for v in node.values())
    )


_CLIP1_OVERWRITTEN = ("media_references", "active_media_reference_key")


def _dropped_schema(node: object, inside: bool) -> bool:
    """Whether OTIO's reader would drop a schema object in ``node``: one inside a value
    type's object (``inside``: below one already), or in a field Clip.1's upgrade replaces."""
    if isinstance(node, list):
        return any(_dropped_schema(item, inside) for item in node)
    if not isinstance(node, dict):
        return False
    schema = node.get("OTIO_SCHEMA")
    kind = schema.split(".")[0] if isinstance(schema, str) else None
    if inside and kind is not None and kind not in _VALUE_TYPES:
        return True
    if schema == "Clip.1" and any(_has_schema(node.get(key)) for key in _CLIP1_OVERWRITTEN):
        return True
    inside = inside or kind in _VALUE_TYPES
    return any(_dropped_schema(value, inside) for value in node.values())


def one_input(data: bytes) -> None:
    """Read ``data[1:]`` as a timeline named and rated by ``data[0]``."""
    from provscan.timeline.cut import Cut, TimelineError
    from provscan.timeline.read import read_timeline

    if not data or data[1:].startswith(_CFB) or native_crash(data[1:]):
        return
    path = scratch_file(data[1:], "cut" + SUFFIXES[data[0] & 3])
    try:
        cuts = read_timeline(path, RATES[(data[0] >> 2) & 3])
    except TimelineError as exc:
        message = str(exc)
        assert "\n" not in message and "\r" not in message, repr(message)
        assert message.startswith(f"{path}: "), repr(message)
        return
    assert isinstance(cuts, list) and cuts and all(isinstance(c, Cut) for c in cuts)


def _selector(raw: bytes, name: str) -> int | None:
    """The suffix index for a timeline-looking seed file, None for anything else."""
    lower = name.lower()
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if lower.endswith(".edl"):
        return 0
    if lower.endswith(".otio") and head.startswith(b"{"):
        return 3
    if lower.endswith((".xml", ".fcpxml")) and head.startswith(b"<"):
        if b"<xmeml" in raw[:4096]:
            return 1
        if b"<fcpxml" in raw[:4096]:
            return 2
    return None


def seeds(raw: bytes, name: str) -> list[bytes]:
    """Timeline files among the seed files (EDL, xmeml, fcpxml, OTIO), each with a selector
    byte for its suffix (and no rate), plus EDLs once more with a rate of 25."""
    kind = _selector(raw, name)
    if kind is None:
        return []
    found = [bytes([kind]) + raw[:MAX_SEED]]
    if kind == 0:
        found.append(bytes([kind | 2 << 2]) + raw[:MAX_SEED])
    return found


_EDL = b"""TITLE: fuzz
FCM: NON-DROP FRAME

001  A001     V     C        01:00:00:00 01:00:02:00 00:00:00:00 00:00:02:00
* FROM CLIP NAME: a.mov
* SOURCE FILE: /media/a.mov
002  A001     V     C        01:00:02:00 01:00:02:00 00:00:02:00 00:00:02:00
002  A002     V     D    012 02:00:00:00 02:00:01:00 00:00:02:00 00:00:03:00
* FROM CLIP NAME: a.mov
* TO CLIP NAME: b.mov
003  A003     V     C        03:00:00:00 03:00:00:12 00:00:03:00 00:00:03:12
M2   A003       048.0                03:00:00:00
004  AX       A     C        00:00:00:00 00:00:00:12 00:00:03:12 00:00:04:00
* FROM CLIP NAME: vo.wav
"""
_XMEML = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE xmeml>
<xmeml version="4"><sequence id="s1"><name>seq</name><duration>48</duration>
<rate><timebase>24</timebase><ntsc>FALSE</ntsc></rate>
<timecode><rate><timebase>24</timebase></rate><string>01:00:00:00</string><frame>86400</frame>
<displayformat>NDF</displayformat></timecode>
<media><video><track><clipitem id="c1"><name>a</name><duration>48</duration>
<rate><timebase>24</timebase></rate><start>0</start><end>48</end><in>0</in><out>48</out>
<file id="f1"><name>a.mov</name><pathurl>file://localhost/media/a.mov</pathurl>
<rate><timebase>24</timebase></rate><duration>100</duration></file>
</clipitem><enabled>TRUE</enabled></track></video>
<audio><track><clipitem id="c2"><name>vo</name><start>0</start><end>24</end><in>0</in>
<out>24</out><file id="f1"/></clipitem></track></audio></media></sequence></xmeml>
"""
_FCPXML = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.8"><resources>
<format id="r1" name="FFVideoFormat1080p24" frameDuration="100/2400s" width="1920" height="1080"/>
<asset id="r2" name="a" src="file:///media/a.mov" start="0s" duration="10s" hasVideo="1"
 format="r1"/></resources><library><event name="e"><project name="p">
<sequence duration="4s" format="r1" tcStart="3600s" tcFormat="NDF"><spine>
<asset-clip name="a" ref="r2" offset="3600s" start="1s" duration="2s" format="r1"/>
<gap name="g" offset="3602s" duration="1s"/>
<clip name="b" offset="3603s" duration="1s" format="r1"><video ref="r2" offset="0s"
 duration="1s"/></clip></spine></sequence></project></event></library></fcpxml>
"""
_OTIO = b"""{"OTIO_SCHEMA": "Timeline.1", "name": "t",
 "global_start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 86400.0},
 "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "children": [
  {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "children": [
   {"OTIO_SCHEMA": "Clip.2", "name": "a", "enabled": true,
    "metadata": {"cmx_3600": {"reel": "A001"}},
    "source_range": {"OTIO_SCHEMA": "TimeRange.1",
     "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 10.0},
     "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 48.0}},
    "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1",
     "target_url": "file:///media/a%20b.mov"}},
    "active_media_reference_key": "DEFAULT_MEDIA"},
   {"OTIO_SCHEMA": "Gap.1", "name": "", "source_range": {"OTIO_SCHEMA": "TimeRange.1",
     "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 0.0},
     "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 12.0}}}]},
  {"OTIO_SCHEMA": "Track.1", "name": "A1", "kind": "Audio", "children": [
   {"OTIO_SCHEMA": "Clip.2", "name": "bars", "source_range": {"OTIO_SCHEMA": "TimeRange.1",
     "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 48000.0, "value": 0.0},
     "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 48000.0, "value": 96000.0}},
    "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "GeneratorReference.1",
     "generator_kind": "SMPTEBars", "parameters": {}}},
    "active_media_reference_key": "DEFAULT_MEDIA"}]}]}}
"""
EXTRA_SEEDS = [
    b"\x00" + _EDL,
    bytes([0 | 3 << 2]) + _EDL.replace(b"NON-DROP FRAME", b"DROP FRAME"),
    b"\x01" + _XMEML,
    b"\x02" + _FCPXML,
    b"\x03" + _OTIO,
]
SEED_FILES = [
    _REPO / "fixtures" / "sample" / "edit" / "final_cut.edl",
    _REPO / "fixtures" / "sample" / "edit" / "final_cut.fcpxml",
    *sorted(_CORPUS.glob("otio-*/tests/sample_data/*")),
    *sorted(_CORPUS.glob("OpenTimelineIO/tests/sample_data/*")),
]


ADAPTERS = ("cmx_3600", "fcp_xml", "fcpx_xml", "otio_json")


def _instrument_module(module: ModuleType) -> None:
    """Instrument, in place, the functions and methods ``module`` defines. OTIO loads its
    adapter plugins from file paths, past the import hook ``instrument_imports`` relies on."""
    import atheris

    def defined_here(value: object) -> bool:
        return getattr(value, "__module__", None) == module.__name__

    for value in list(vars(module).values()):
        if isinstance(value, FunctionType) and defined_here(value):
            atheris.instrument_func(value)
        elif isinstance(value, type) and defined_here(value):
            for attr in list(vars(value).values()):
                func = getattr(attr, "__func__", attr)  # staticmethod, classmethod
                if isinstance(attr, property):
                    func = attr.fget
                if isinstance(func, FunctionType):
                    atheris.instrument_func(func)


def main() -> None:
    """Run under atheris with our reader and the adapters instrumented for coverage."""
    import logging

    import atheris

    logging.disable(logging.CRITICAL)  # the adapters log warnings per input
    with atheris.instrument_imports(include=["provscan.timeline"]):
        import provscan.timeline.read  # noqa: F401
    import opentimelineio as otio

    for name in ADAPTERS:
        _instrument_module(otio.adapters.from_name(name).module())

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
