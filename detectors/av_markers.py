"""Which video/audio tags name a tool, which are free text, and which generators' sites they link.

Tag keys are compared bare and lower-cased (``TXXX:Software`` -> ``software``; see
:func:`provscan.detectors.generator_media.bare_key`). Tool names themselves live in
:mod:`provscan.detectors.known_tools` (one table for stills, video and audio); this module says
where in a video or audio file a name counts as "the tool that made this" and where it is
only somebody's words. ComfyUI's ``prompt``/``workflow`` tags are parsed by
:mod:`provscan.detectors.generator_media`; China's ``AIGC`` label by
:mod:`provscan.detectors.aigc_label`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Keys whose value is, by the format's definition, the software or device that wrote the file.
TOOL_KEYS = frozenset(
    {
        "encoder",  # FFmpeg's name for MP4 ©too, Matroska ENCODER/WRITING_APP, Vorbis ENCODER
        "encoded_by",  # ID3 TENC / RIFF IENG as FFmpeg maps them; bext Originator (wav demuxer)
        "encoded-by",
        "software",  # RIFF ISFT as FFmpeg maps it, QuickTime ©swr
        "com.apple.quicktime.software",  # QuickTime metadata keys (Apple QTFF "Metadata")
        "writing_app",
        "muxing_app",
        "handler_name",  # hdlr name: the muxer or app that wrote the track
        "©too",  # MP4 ilst encoding tool (mutagen key)
        "©swr",
        "tsse",  # ID3v2 "Software/Hardware and settings used for encoding"
        "tenc",  # ID3v2 "Encoded by"
        "tss",  # ID3v2.2 spelling of TSSE
        "ten",
        "isft",  # RIFF INFO "Software"
        "originator",  # bext Originator (EBU Tech 3285)
        "codinghistory",  # bext CodingHistory: T= names each device/software in the chain
        "coding_history",
        "company_name",  # MXF Identification set, as FFmpeg exports it
        "product_name",
        "application_platform",
        "identification",  # MXF Identification set (company, product, version, platform)
        "tool",
        "creator_tool",
        "generator",
        "application",
    }
)

# Keys whose value is somebody's words: a generator named here is a hint, not proof.
FREE_KEYS = frozenset(
    {
        "title", "comment", "description", "synopsis", "subject", "keywords", "artist",
        "album_artist", "album", "composer", "lyrics", "performer", "publisher", "copyright",
        "genre", "grouping", "show", "episode_id", "network",
        "com.apple.quicktime.comment", "com.apple.quicktime.description",
        "com.apple.quicktime.title", "com.apple.quicktime.keywords",
        "com.apple.quicktime.artist", "com.apple.quicktime.author",
        "tit1", "tit2", "tit3", "tpe1", "tpe2", "tcom", "comm", "uslt", "txxx",
        "©nam", "©cmt", "©des", "©art", "©alb", "©lyr", "desc", "ldes",
        "inam", "icmt", "iart", "ikey", "isbj", "iprd", "icop", "ieng",
        "name", "auth", "anno", "comt", "(c)",
        "note", "project", "scene",  # iXML production notes
    }
)  # fmt: skip

# Keys that hold a web address: where the file says it came from (ID3 W-frames, MP4 purl).
URL_KEYS = frozenset({"woas", "woaf", "woar", "wpub", "wxxx", "wcom", "purl", "url", "website"})

# Keys that name the capturing device (informational: unsigned, anyone can write them).
DEVICE_KEYS = (
    ("com.apple.quicktime.make", "com.apple.quicktime.model"),  # iPhone/iPad/Mac recordings
    ("com.android.manufacturer", "com.android.model"),  # Android camera app
    ("make", "model"),
)


# A NamedTuple, not a frozen dataclass: the same fields, equality and immutability, defined
# at a tenth of the cost at every start (a dataclass's methods are compiled each time).
class Site(NamedTuple):
    """A generator's web domain, and which tool a link to it names."""

    domain: str
    tool: str
    vendor: str


# Each domain is the vendor's own (from its site); a link to one in a file's source-URL
# field means the file was downloaded from that generator.
SITES: tuple[Site, ...] = (
    Site("suno.com", "Suno", "Suno"),  # Suno downloads: ID3 WOAS https://suno.com/song/<id>
    Site("suno.ai", "Suno", "Suno"),
    Site("udio.com", "Udio", "Udio"),
    Site("elevenlabs.io", "ElevenLabs", "ElevenLabs"),
    Site("stableaudio.com", "Stable Audio", "Stability AI"),
    Site("aiva.ai", "AIVA", "AIVA"),
    Site("mubert.com", "Mubert", "Mubert"),
    Site("soundraw.io", "Soundraw", "Soundraw"),
    Site("sora.com", "Sora", "OpenAI"),
    Site("sora.chatgpt.com", "Sora", "OpenAI"),
    Site("runwayml.com", "Runway", "Runway"),
    Site("lumalabs.ai", "Luma Dream Machine", "Luma AI"),
    Site("pika.art", "Pika", "Pika Labs"),
    Site("klingai.com", "Kling", "Kuaishou"),
    Site("hailuoai.video", "Hailuo", "MiniMax"),
    Site("hailuoai.com", "Hailuo", "MiniMax"),
    Site("labs.google", "Google Labs (Flow / VideoFX)", "Google"),
    Site("heygen.com", "HeyGen", "HeyGen"),
    Site("synthesia.io", "Synthesia", "Synthesia"),
    Site("d-id.com", "D-ID", "D-ID"),
    Site("midjourney.com", "Midjourney", "Midjourney"),
    Site("higgsfield.ai", "Higgsfield", "Higgsfield"),
    Site("vidu.com", "Vidu", "ShengShu"),
    Site("hedra.com", "Hedra", "Hedra"),
)

# Compiled by re when first used, and kept in its cache (start-up: only video and audio
# files have source-URL tags).
_HOST = r"(?i)\b(?:https?://)?(?:www\.)?([a-z0-9.-]+\.[a-z]{2,})(?:[/:?#]|$)"


def site_of(url: str) -> Site | None:
    """The generator whose domain (or a subdomain of it) the URL points at, or None."""
    for host in re.findall(_HOST, url[:2048]):
        host = host.lower()
        for site in SITES:
            if host == site.domain or host.endswith("." + site.domain):
                return site
    return None


def is_tool_key(bare: str) -> bool:
    """Whether a bare key names the software or device that wrote the file."""
    return bare in TOOL_KEYS


def is_free_key(bare: str) -> bool:
    """Whether a bare key holds free text (title, comment, description ...)."""
    return bare in FREE_KEYS or any(w in bare for w in ("comment", "descr", "title", "note"))
