"""Video and audio tags: generative tools in tool fields, hints in free text, generator links,
recording devices, writing software, and files FFmpeg cannot open. (MED001-MED006)

Tags come from every reader at once (:mod:`provscan.extract.media_tags`); which key means
what is in :mod:`provscan.detectors.av_markers`. Generation parameters in tags (ComfyUI, A1111) are
the generator family's, and China's AIGC label is :mod:`provscan.detectors.aigc_label`'s, so the
same fact is never reported twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from provscan.asset import Asset
from provscan.detectors.av_markers import DEVICE_KEYS, URL_KEYS, is_free_key, is_tool_key, site_of
from provscan.detectors.generator_media import bare_key
from provscan.detectors.generator_parsers import clip, load_json
from provscan.detectors.known_tools import ToolMatch, match_tool, mention_tool
from provscan.model import Confidence, Evidence, Line, MediaKind, Rule, Section, Severity, Signal
from provscan.sniff import FFMPEG_ONLY

# The tag readers and PyAV's view load with the first video or audio file (start-up: the
# registry imports every detector, and a photo's analysis needs none of them).
if TYPE_CHECKING:
    from fractions import Fraction

    from provscan.extract.avinfo import AvInfo, StreamInfo
    from provscan.extract.media_tags import Tag

NAME = "media"
KINDS = frozenset({MediaKind.VIDEO, MediaKind.AUDIO})

TOOL = Rule("MED001", "media-generative-tool", Severity.ERROR,
            "A video/audio tool field (encoder, software, ISFT, TSSE, ©too, bext, MXF "
            "identification) names a generative-AI tool.", Signal.AI_GENERATED)  # fmt: skip
FREE_TEXT = Rule("MED002", "media-generator-in-free-text", Severity.WARNING,
                 "A video/audio free-text tag names a generative-AI tool (a hint, not proof).",
                 Signal.AI_HINT)  # fmt: skip
SITE = Rule("MED003", "media-generator-source-url", Severity.ERROR,
            "A source-URL tag links the file to a generative-AI service.",
            Signal.AI_GENERATED)  # fmt: skip
DEVICE = Rule("MED004", "media-device-identity", Severity.INFO,
              "Tags name a recording device (unsigned: not capture provenance).")  # fmt: skip
WRITER = Rule("MED005", "media-writing-software", Severity.INFO,
              "Tags name the software or device that wrote the file.")  # fmt: skip
NOT_OPENED = Rule("MED006", "media-not-demuxable", Severity.WARNING,
                  "FFmpeg's demuxer cannot open the file (it may not play).")  # fmt: skip
RULES: tuple[Rule, ...] = (TOOL, FREE_TEXT, SITE, DEVICE, WRITER, NOT_OPENED)

MAX_WRITERS = 6
# Camera originals FFmpeg has no demuxer for: the camera family describes them (CAM001/2).
CAMERA_ONLY = frozenset({"r3d", "arriraw"})
MAX_DESCRIBED_TAGS = 80


def detect(asset: Asset) -> Iterator[Evidence]:
    """Evidence from the tags of a video or audio file and from FFmpeg's view of it."""
    from provscan.extract.avinfo import av_info
    from provscan.extract.media_tags import media_tags

    tags = media_tags(asset).tags
    yield from _tools(tags)
    yield from _free_text(tags)
    yield from _sites(tags)
    yield from _devices(tags)
    yield from _writers(tags)
    info = av_info(asset)
    if info.error and asset.format not in CAMERA_ONLY | FFMPEG_ONLY:  # (those: SCN001)
        yield Evidence(NOT_OPENED.code, f"FFmpeg cannot open this {asset.format.upper()} file: "
                       f"{info.error}", key="ffmpeg", value=clip(info.error))  # fmt: skip


def describe(asset: Asset) -> Iterator[Section]:
    """ "Media" (container and streams) and "Media tags" sections for ``provscan inspect``."""
    from provscan.extract.avinfo import av_info
    from provscan.extract.media_tags import media_tags

    info = av_info(asset)
    yield Section("Media", tuple(_media_lines(info)))
    found = media_tags(asset)
    lines = [Line(f"{t.source} {t.key}", clip(" ".join(t.value.split()), 120)) for t in found.tags]
    lines = lines[:MAX_DESCRIBED_TAGS] + [Line("problem", p) for p in found.problems]
    if lines:
        yield Section("Media tags", tuple(lines))


def _tool_values(tag: Tag) -> list[str]:
    """The tool names a tool-field tag holds (CodingHistory: each ``T=`` part)."""
    if bare_key(tag.key) in ("codinghistory", "coding_history"):
        from provscan.extract.riff_meta import coding_history_tools

        return coding_history_tools(tag.value)
    return [tag.value]


def _tools(tags: Sequence[Tag]) -> Iterator[Evidence]:
    for tag in tags:
        if not is_tool_key(bare_key(tag.key)):
            continue
        for value in _tool_values(tag):
            match = match_tool(value)
            if match is not None:
                yield _tool_evidence(TOOL.code, tag, value, match, _cap(match.tool.confidence))


def _free_text(tags: Sequence[Tag]) -> Iterator[Evidence]:
    """One MED002 at most: the first free-text tag naming a generator (JSON is not prose)."""
    for tag in tags:
        bare = bare_key(tag.key)
        if is_tool_key(bare) or not is_free_key(bare) or isinstance(load_json(tag.value), dict):
            continue
        match = mention_tool(tag.value)
        if match is not None:
            yield _tool_evidence(FREE_TEXT.code, tag, tag.value, match, Confidence.LOW)
            return


def _tool_evidence(
    rule: str, tag: Tag, value: str, match: ToolMatch, confidence: Confidence
) -> Evidence:
    where = "free text" if rule == FREE_TEXT.code else "tool field"
    return Evidence(
        rule,
        f"{tag.source} {where} {tag.key} names {match.tool.name} ({match.tool.vendor}): "
        f"{clip(' '.join(value.split()), 80)}",
        key=f"{tag.source} {tag.key}",
        value=clip(value),
        confidence=confidence,
        details={"tool": match.tool.name, "vendor": match.tool.vendor, "matched": match.matched},
    )


def _sites(tags: Sequence[Tag]) -> Iterator[Evidence]:
    for tag in tags:
        bare = bare_key(tag.key)
        if bare not in URL_KEYS and not bare.startswith("wxxx"):
            continue
        site = site_of(tag.value)
        if site is not None:
            yield Evidence(
                SITE.code,
                f"{tag.source} {tag.key} links to {site.tool} ({site.domain}): {clip(tag.value)}",
                key=f"{tag.source} {tag.key}",
                value=clip(tag.value),
                confidence=Confidence.MEDIUM,
                details={"tool": site.tool, "vendor": site.vendor, "url": clip(tag.value)},
            )


def _devices(tags: Sequence[Tag]) -> Iterator[Evidence]:
    values = {tag.key.strip().lower(): tag.value.strip() for tag in tags}
    for make_key, model_key in DEVICE_KEYS:
        make, model = values.get(make_key, ""), values.get(model_key, "")
        if make or model:
            name = model if make and model.lower().startswith(make.lower()) else f"{make} {model}"
            yield Evidence(DEVICE.code, f"recording device: {name.strip()} ({make_key})",
                           key=make_key, value=clip(name.strip()),
                           details={"make": clip(make), "model": clip(model)})  # fmt: skip
            return


def _writers(tags: Sequence[Tag]) -> Iterator[Evidence]:
    seen: set[str] = set()
    for tag in tags:
        if not is_tool_key(bare_key(tag.key)):
            continue
        for value in _tool_values(tag):
            text = " ".join(value.split())
            if text and text.lower() not in seen and match_tool(text) is None:
                seen.add(text.lower())
                where = f"{tag.source} {tag.key}"
                message = f"writing software {clip(text, 80)} ({where})"
                yield Evidence(WRITER.code, message, key=where, value=clip(text))
            if len(seen) >= MAX_WRITERS:
                return


def _cap(confidence: Confidence) -> Confidence:
    """A bare tool name is at most MEDIUM: it says which tool saved, not what it made."""
    return Confidence.MEDIUM if confidence.rank > Confidence.MEDIUM.rank else confidence


def _media_lines(info: AvInfo) -> Iterator[Line]:
    if info.error:
        yield Line("FFmpeg", f"cannot open: {info.error}")
        return
    yield Line("container", info.format_name)
    if info.duration_s is not None:
        yield Line("duration", f"{info.duration_s:.3f} s")
    if info.bit_rate:
        yield Line("bit rate", f"{info.bit_rate / 1000:.0f} kbit/s")
    for stream in info.streams:
        yield Line(f"stream {stream.index}", _stream_text(stream))


def _stream_text(stream: StreamInfo) -> str:
    parts = [stream.kind, stream.codec]
    if stream.width and stream.height:
        parts.append(f"{stream.width}x{stream.height}")
    if stream.frame_rate:
        parts.append(f"{format_rate(stream.frame_rate)} fps")
    if stream.sample_rate:
        parts.append(f"{stream.sample_rate} Hz")
    if stream.channels:
        parts.append(f"{stream.channels} ch")
    if stream.duration_s is not None:
        parts.append(f"{stream.duration_s:.3f} s")
    return " ".join(parts)


def format_rate(rate: Fraction) -> str:
    """A frame rate as people write it: 25, 23.976, 29.97."""
    if rate.denominator == 1:
        return str(rate.numerator)
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")
