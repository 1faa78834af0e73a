"""Read an editorial timeline with OpenTimelineIO and its adapters, safely.

The format is decided from the bytes, not the name: OTIO JSON, CMX 3600 EDL, FCP 7 XML
(``<xmeml>``), FCPXML (``<fcpxml>``) or AAF (a compound file). XML is parsed with defusedxml
first: the FCP adapters use the standard library's parser, which expands entities, so they
only ever see a document defusedxml accepted, handed over as text (never re-read from disk).
Any failure becomes a ``TimelineError`` of one line naming the file and the problem. Call
this in an isolated process (``provscan.timeline.isolated``): the adapters parse hostile bytes.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from provscan.timeline.cut import Cut, TimelineError
from provscan.timeline.otio_cut import TimeError, cuts_of

MAX_BYTES = 64 * 1024 * 1024  # a text timeline this big is not an edit (AAF has no cap)
_CFB = bytes.fromhex("d0cf11e0a1b11ae1")  # AAF files are Microsoft compound files
_EDL_LINE = re.compile(r"^\s*(TITLE:|FCM:|\d{3,}\s+\S+\s+\S+\s+\S+)", re.M)
_TIMECODE = re.compile(r"\b\d{2}[:;.]\d{2}[:;.]\d{2}[:;.](\d{2,3})\b")
_XML_ADAPTERS = {"xmeml": ("fcp_xml", "FCP 7 XML"), "fcpxml": ("fcpx_xml", "FCPXML")}


def read_timeline(path: Path, rate: Fraction | None = None) -> list[Cut]:
    """Every timeline in the file at ``path``. ``rate`` is for EDLs, which carry none: when
    it is None an EDL's rate is guessed from its timecodes (and the cut says so)."""
    if _head(path).startswith(_CFB):
        return _aaf(path)  # pyaaf2 reads the compound file's sectors as it needs them
    text = _text(path, _read(path))
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml(path, text)
    if stripped.startswith("{"):
        return _adapt(path, "OTIO", lambda otio: otio.adapters.read_from_string(
            text, adapter_name="otio_json"))  # fmt: skip
    if _EDL_LINE.search(text):
        return _edl(path, text, rate)
    raise TimelineError(f"{path}: not a timeline (expected a CMX 3600 EDL, FCP 7 XML, FCPXML, "
                        "AAF or OTIO file)")  # fmt: skip


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_CFB))
    except OSError as exc:
        raise TimelineError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _read(path: Path) -> bytes:
    """A text timeline whole: EDL, XML and OTIO readers need all of it (capped)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise TimelineError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise TimelineError(f"{path}: larger than {MAX_BYTES // 2**20} MiB, not read as a timeline")
    if not data.strip():
        raise TimelineError(f"{path}: empty file")
    return data


def _text(path: Path, data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    try:
        return data.decode("cp1252")  # old EDLs from Windows NLEs
    except UnicodeDecodeError:
        raise TimelineError(f"{path}: not text, and not an AAF compound file") from None


_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(["'])[^"']*\2""")


def _xml(path: Path, text: str) -> list[Cut]:
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    # The text is already decoded (UTF-8, or UTF-16 with its BOM): a declared encoding
    # would now be wrong for both parsers, so it goes.
    text = _DECLARED_ENCODING.sub(r"\1", text, count=1)
    try:
        root = safe_et.fromstring(text.encode("utf-8"))
    except DefusedXmlException as exc:
        what = type(exc).__name__
        raise TimelineError(f"{path}: unsafe XML refused ({what}: entity declarations and "
                            "external references are not read)") from None  # fmt: skip
    except safe_et.ParseError as exc:
        raise TimelineError(f"{path}: not well-formed XML ({exc})") from None
    except (LookupError, ValueError) as exc:  # an encoding declaration expat cannot use
        raise TimelineError(f"{path}: not readable XML ({_line(exc)})") from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag not in _XML_ADAPTERS:
        raise TimelineError(f"{path}: XML root element <{tag}> is not a timeline (expected "
                            "<xmeml> for FCP 7 XML or <fcpxml> for FCPXML)")  # fmt: skip
    adapter, label = _XML_ADAPTERS[tag]
    return _adapt(path, label, lambda otio: otio.adapters.read_from_string(
        text, adapter_name=adapter))  # fmt: skip


def _edl(path: Path, text: str, rate: Fraction | None) -> list[Cut]:
    source = "guessed" if rate is None else "--rate"
    if rate is None:
        rate = _guess_edl_rate(text)
    _check_edl_timecodes(path, text, rate)
    value = float(rate)
    cuts = _adapt(path, "CMX 3600 EDL", lambda otio: otio.adapters.read_from_string(
        text, adapter_name="cmx_3600", rate=value), rate)  # fmt: skip
    from dataclasses import replace

    return [replace(cut, rate_source=source) for cut in cuts]


_EVENT = re.compile(r"^\s*\d{1,6}\s")
_VALID_TC = re.compile(r"^(\d{2})[:;.](\d{2})[:;.](\d{2})[:;.](\d{2,3})$")


def _check_edl_timecodes(path: Path, text: str, rate: Fraction) -> None:
    """Every event's four timecodes (source in/out, record in/out) are timecodes at
    ``rate``; the adapter alone lets some nonsense through as other numbers."""
    nominal = max(1, round(rate))
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not _EVENT.match(line) or len(fields) < 8:
            continue
        for field in fields[-4:]:
            match = _VALID_TC.match(field)
            if match is None:
                raise TimelineError(f"{path}: line {number}: {field!r} is not a timecode "
                                    "(HH:MM:SS:FF)")  # fmt: skip
            _, mm, ss, ff = (int(g) for g in match.groups())
            if mm > 59 or ss > 59:
                raise TimelineError(f"{path}: line {number}: {field} has minutes or seconds "
                                    "above 59")  # fmt: skip
            if ff >= nominal:
                fps = _fps(rate)
                raise TimelineError(f"{path}: line {number}: frame {ff} is out of range at "
                                    f"{fps} fps in {field} (pass the right --rate)")  # fmt: skip


def _fps(rate: Fraction) -> str:
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def _guess_edl_rate(text: str) -> Fraction:
    """The lowest common rate every frame field fits: an EDL names no rate, only drop frame."""
    if re.search(r"^\s*FCM:\s*DROP\s+FRAME", text, re.M | re.I):
        return Fraction(30000, 1001)
    highest = max((int(m.group(1)) for m in _TIMECODE.finditer(text)), default=0)
    return next((Fraction(r) for r in (24, 25, 30, 50, 60) if highest < r), Fraction(120))


def _aaf(path: Path) -> list[Cut]:
    return _adapt(path, "AAF", lambda otio: otio.adapters.read_from_file(
        str(path), adapter_name="AAF"))  # fmt: skip


def _adapt(path: Path, label: str, read: Any, rate: Fraction | None = None) -> list[Cut]:
    """Run an adapter; its result as cuts, or its failure as one line."""
    import opentimelineio as otio

    try:
        result = read(otio)
    except otio.exceptions.UnsupportedSchemaError as exc:
        version = otio.__version__
        raise TimelineError(f"{path}: {label}: a schema this OpenTimelineIO ({version}) "
                            f"does not know: {_line(exc)}") from None  # fmt: skip
    except RecursionError:
        raise TimelineError(f"{path}: {label}: nested too deeply to read") from None
    except Exception as exc:  # adapters raise anything; a bad file must not be a traceback
        raise TimelineError(f"{path}: {label}: {_explain(exc)}") from None
    try:
        cuts = cuts_of(result, str(path), label, rate)
    except (otio.exceptions.OTIOError, TimeError) as exc:  # no times in what the adapter built
        raise TimelineError(f"{path}: {label}: {_line(exc)}") from None
    if not cuts:
        raise TimelineError(f"{path}: {label}: holds no timeline (no sequence or project)")
    return cuts


def _explain(exc: Exception) -> str:
    """What went wrong, in one line; adapter-internal errors say so."""
    text = _line(exc)
    if isinstance(exc, AttributeError | TypeError | KeyError | IndexError):
        return f"the adapter could not read it ({type(exc).__name__}: {text})"
    return text or type(exc).__name__


def _line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] + ("..." if len(text) > 300 else "")
