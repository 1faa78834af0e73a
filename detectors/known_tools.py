"""Known generative-AI tools and the names they leave in tool fields, shared by detectors.

A C2PA claim generator, a software agent, XMP CreatorTool, EXIF Software or a container's
encoder tag that names one of these is evidence of generative AI even when no digital
source type is declared (older Firefly and Bing Image Creator files do exactly that).

Each row: a regex matched case-insensitively on word boundaries, the tool's display name,
its vendor, and how sure a match is. ``HIGH``/``MEDIUM`` rows are tools whose output is
generated content; ``LOW`` rows are names that also belong to non-generative products
(a reviewer must look). Sources are named per row.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from provscan.model import Confidence


# A NamedTuple, not a frozen dataclass: the same fields, equality and immutability, defined
# at a tenth of the cost at every start (a dataclass's methods are compiled each time).
class Tool(NamedTuple):
    """A generative tool: what to look for, what to call it, who makes it, how sure."""

    pattern: str
    name: str
    vendor: str
    confidence: Confidence
    media: str = "image"  # image / video / audio / multi


_H, _M, _L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW

TOOLS: tuple[Tool, ...] = (
    # Adobe: claim_generator "Adobe_Firefly" (corpus c2pa-rs cai.jpg, firefly.png, firefly-1.jpg)
    Tool(r"adobe[\s_]?firefly|firefly", "Adobe Firefly", "Adobe", _H, "multi"),
    # OpenAI: C2PA on DALL-E 3 / ChatGPT images (help.openai.com "C2PA in ChatGPT Images")
    Tool(r"dall[\s\-·.]?e(?:[\s\-]?[23])?", "DALL-E", "OpenAI", _H),
    Tool(
        r"gpt-image-1(?:\.\d)?|gpt-4o(?:\s?image)?|chatgpt",
        "ChatGPT image generation",
        "OpenAI",
        _H,
    ),
    Tool(r"openai[\s_]?sora|sora\s?2", "Sora", "OpenAI", _H, "video"),
    Tool(r"sora", "Sora", "OpenAI", _M, "video"),
    Tool(r"openai", "OpenAI (product not named)", "OpenAI", _M, "multi"),
    # Google: "Made with Google AI" credit, Imagen/Gemini C2PA (blog.google SynthID + C2PA)
    Tool(r"made with google ai", "Google AI", "Google", _H, "multi"),
    Tool(r"imagen(?:\s?[234])?", "Imagen", "Google", _H),
    Tool(r"gemini(?:\s?(?:app|flash image|\d(?:\.\d)?))?", "Gemini", "Google", _M, "multi"),
    Tool(r"nano[\s\-]?banana", "Gemini image (Nano Banana)", "Google", _H),
    Tool(r"google[\s_]?veo|\bveo(?:\s?[23](?:\.\d)?)?\b", "Veo", "Google", _M, "video"),
    Tool(
        r"google\s?ai\s?studio|vertex\s?ai", "Google AI Studio / Vertex AI", "Google", _M, "multi"
    ),
    # Microsoft: Bing Image Creator / Designer sign as "Microsoft Responsible AI" (corpus-free:
    # Microsoft Learn "Content Credentials" docs), claim generator "Bing Image Creator"
    Tool(
        r"bing\s?image\s?creator|image\s?creator\s?from\s?(?:microsoft\s?)?designer",
        "Bing Image Creator",
        "Microsoft",
        _H,
    ),
    Tool(
        r"microsoft\s?designer|microsoft\s?responsible\s?ai|copilot\s?(?:designer|image)",
        "Microsoft Designer / Copilot",
        "Microsoft",
        _H,
    ),
    Tool(r"azure\s?openai", "Azure OpenAI", "Microsoft", _H),
    # Amazon: claim_generator "Amazon_Bedrock" (corpus c2pa-ts amazon-titan-g1.png)
    Tool(
        r"amazon[\s_]?titan|titan\s?image\s?generator|nova\s?canvas|nova\s?reel",
        "Amazon Titan / Nova",
        "Amazon",
        _H,
        "multi",
    ),
    Tool(r"amazon[\s_]?bedrock", "Amazon Bedrock", "Amazon", _M, "multi"),
    # Stability AI and Stable Diffusion front-ends (corpus sd-parsers; Stability C2PA docs)
    Tool(
        r"stability\s?ai|stable\s?diffusion|sdxl|sd\s?3(?:\.5)?\b|stable\s?image|dreamstudio",
        "Stable Diffusion",
        "Stability AI",
        _H,
    ),
    Tool(r"stable\s?audio", "Stable Audio", "Stability AI", _H, "audio"),
    Tool(r"stable\s?video\s?diffusion", "Stable Video Diffusion", "Stability AI", _H, "video"),
    Tool(
        r"automatic1111|stable-diffusion-webui|sd-webui|forge\s?webui",
        "AUTOMATIC1111 / Forge",
        "community",
        _H,
    ),
    Tool(r"comfyui", "ComfyUI", "community", _H, "multi"),
    Tool(r"sd\.next|sdnext|vladmandic", "SD.Next", "community", _H, "multi"),
    Tool(r"invokeai", "InvokeAI", "Invoke", _H),
    Tool(r"fooocus", "Fooocus", "community", _H),
    Tool(r"swarmui|stableswarmui", "SwarmUI", "community", _H),
    Tool(r"draw\s?things", "Draw Things", "community", _H),
    Tool(r"diffusionbee", "DiffusionBee", "community", _H),
    Tool(r"novelai", "NovelAI", "Anlatan", _H),
    # Other image services (vendors' own docs on metadata they write)
    Tool(r"midjourney", "Midjourney", "Midjourney", _H),
    Tool(r"leonardo\.?ai", "Leonardo.Ai", "Leonardo", _H),
    Tool(r"ideogram", "Ideogram", "Ideogram", _H),
    Tool(
        r"black\s?forest\s?labs|flux\.?1|flux\s?(?:pro|dev|schnell|kontext)",
        "FLUX",
        "Black Forest Labs",
        _H,
    ),
    Tool(r"craiyon|dall-e\s?mini", "Craiyon", "Craiyon", _H),
    Tool(r"nightcafe", "NightCafe", "NightCafe", _H),
    Tool(r"playground\s?ai|playground\s?v[23]", "Playground", "Playground", _H),
    Tool(r"recraft", "Recraft", "Recraft", _H),
    Tool(r"krea\.?ai|\bkrea\b", "Krea", "Krea", _M, "multi"),
    Tool(r"meta\s?ai|imagine\s?with\s?meta|\bemu\s?video", "Meta AI", "Meta", _M, "multi"),
    Tool(r"grok\s?imagine|xai\s?aurora|grok-2-image", "Grok / Aurora", "xAI", _H),
    Tool(r"seedream|seedance|dreamina|jimeng", "Seedream / Seedance", "ByteDance", _H, "multi"),
    Tool(r"hunyuan", "Hunyuan", "Tencent", _M, "multi"),
    Tool(r"tongyi\s?wanxiang|\bwan\s?2\.\d", "Wan", "Alibaba", _H, "multi"),
    Tool(r"canva\s?(?:magic\s?media|dream\s?lab|ai)", "Canva Magic Media", "Canva", _H),
    # Services that sign or tag their outputs under their own name (C2PA signer organisations
    # and claim generators seen on public files; vendors' model pages for the model names)
    Tool(r"bria[\s\-]?ai|bria\.ai|bria[\s\-]?\d(?:\.\d)?", "Bria", "Bria AI", _H),
    Tool(r"fal\.ai|fal-ai", "fal.ai (model not named)", "fal.ai", _M, "multi"),
    Tool(r"higgsfield(?:\s?ai)?", "Higgsfield", "Higgsfield AI", _H, "video"),
    Tool(r"producer\.ai", "Producer.ai", "Producer.ai", _H, "audio"),
    Tool(r"reve\.com|reve\s?image", "Reve Image", "Reve", _H),
    Tool(r"image\s?playground", "Image Playground", "Apple", _H),
    Tool(r"mai[\s\-]image(?:[\s\-]?\d)?", "MAI-Image", "Microsoft", _H),
    Tool(r"qwen[\s\-]?image", "Qwen-Image", "Alibaba", _H),
    Tool(r"doubao", "Doubao", "ByteDance", _H, "multi"),
    Tool(r"kolors", "Kolors", "Kuaishou", _M),
    Tool(r"\bvidu\b", "Vidu", "Shengshu", _H, "video"),
    Tool(r"cogview\d?|cogvideox?", "CogView / CogVideo", "Zhipu AI", _H, "multi"),
    Tool(r"ernie[\s\-]?vilg|wenxin\s?yige|文心一格", "ERNIE-ViLG", "Baidu", _H),
    Tool(
        r"shutterstock\s?ai|getty\s?images?\s?generative", "stock generative AI", "stock agency", _H
    ),
    # Video generators (vendors' docs; Runway and Luma add C2PA to generations)
    Tool(
        r"runway(?:ml)?\s?(?:gen[\s\-]?[234]|act[\s\-]?one|aleph)|runwayml",
        "Runway",
        "Runway",
        _H,
        "video",
    ),
    Tool(r"\brunway\b", "Runway (product not named)", "Runway", _L, "video"),
    Tool(r"pika(?:\s?labs|\.art|\s?\d(?:\.\d)?)\b", "Pika", "Pika Labs", _H, "video"),
    Tool(
        r"luma\s?(?:ai\s?)?dream\s?machine|luma\s?ray\s?\d|\bray2\b",
        "Luma Dream Machine",
        "Luma AI",
        _H,
        "video",
    ),
    Tool(r"\bluma\s?ai\b|lumalabs", "Luma AI (product not named)", "Luma AI", _L, "video"),
    Tool(r"\bkling(?:\s?ai)?\b|kuaishou", "Kling", "Kuaishou", _H, "video"),
    Tool(r"hailuo|minimax\s?video", "Hailuo", "MiniMax", _H, "video"),
    Tool(r"synthesia", "Synthesia", "Synthesia", _H, "video"),
    Tool(r"heygen", "HeyGen", "HeyGen", _H, "video"),
    Tool(r"\bd-id\b", "D-ID", "D-ID", _H, "video"),
    Tool(r"invideo\s?ai", "InVideo AI", "InVideo", _M, "video"),
    # Audio generators and voice cloning (vendors' docs; ElevenLabs C2PA + AI speech classifier)
    Tool(r"elevenlabs|eleven\s?labs", "ElevenLabs", "ElevenLabs", _H, "audio"),
    Tool(r"\bsuno(?:\.ai|\s?ai|\s?v\d(?:\.\d)?)?\b", "Suno", "Suno", _H, "audio"),
    Tool(r"\budio\b", "Udio", "Udio", _H, "audio"),
    Tool(r"resemble\s?ai|resemble\.ai", "Resemble AI", "Resemble AI", _H, "audio"),
    Tool(r"descript\s?overdub|\boverdub\b", "Descript Overdub", "Descript", _H, "audio"),
    Tool(r"murf\.?ai|\bmurf\b", "Murf", "Murf AI", _M, "audio"),
    Tool(r"wellsaid", "WellSaid", "WellSaid Labs", _H, "audio"),
    Tool(r"play\.ht|playht", "PlayHT", "PlayHT", _H, "audio"),
    Tool(r"\baiva\b", "AIVA", "AIVA", _M, "audio"),
    Tool(r"mubert", "Mubert", "Mubert", _H, "audio"),
    Tool(r"soundraw", "Soundraw", "Soundraw", _H, "audio"),
    Tool(r"musicgen|audiocraft", "MusicGen", "Meta", _H, "audio"),
    Tool(r"riffusion", "Riffusion", "Riffusion", _H, "audio"),
    Tool(
        r"voice\s?clon(?:e|ing)|tts\s?model|text[\s\-]to[\s\-]speech",
        "voice synthesis (unnamed)",
        "unknown",
        _L,
        "audio",
    ),
)

# Open-weight model families and the front-ends that run them on one's own machines: a log
# naming the family ("Stable Diffusion") and a file naming its front-end ("AUTOMATIC1111")
# describe one use, since a front-end names itself and seldom the model family it ran.
LOCAL_GENERATORS = frozenset({
    "Stable Diffusion", "Stable Video Diffusion", "AUTOMATIC1111 / Forge", "ComfyUI",
    "SD.Next", "InvokeAI", "Fooocus", "SwarmUI", "Draw Things", "DiffusionBee", "FLUX",
})  # fmt: skip

# Each pattern is one group, so that the word bounds hold for every one of its alternatives
# ("xfirefly" is no Firefly), not only for the first and the last.
_COMPILED = tuple(
    (re.compile(rf"(?<![\w])(?:{t.pattern})(?![\w])", re.IGNORECASE), t) for t in TOOLS
)


class ToolMatch(NamedTuple):  # (a NamedTuple: see Tool)
    """A known tool named in a text, and the exact words that named it."""

    tool: Tool
    matched: str


def match_tools(text: str) -> list[ToolMatch]:
    """Every known generative tool named in ``text``, most specific first ("Stable Diffusion
    (AUTOMATIC1111)" names two)."""
    sample = text[:4096]
    found = ((regex.search(sample), tool) for regex, tool in _COMPILED) if text else iter(())
    return [ToolMatch(tool, hit.group(0)) for hit, tool in found if hit]


# Tool names that are also ordinary words or names in some language ("imagen" is Spanish for
# image, "sora" Japanese for sky, Gemini a star sign, Firefly a TV series, an overdub a
# recording take). In a tool field they name the tool; in free text (a caption, a comment)
# they count only with their vendor just before them or a version after them.
AMBIGUOUS_WORDS = frozenset({
    "imagen", "firefly", "gemini", "sora", "veo", "runway", "krea", "flux", "kling", "luma",
    "suno", "udio", "pika", "vidu", "kolors", "overdub", "murf", "aiva", "hunyuan",
})  # fmt: skip
_QUALIFIER_WINDOW = 24  # characters before a word in which its vendor's name qualifies it


@lru_cache(maxsize=4096)
def mention_tool(text: str) -> ToolMatch | None:
    """A generative tool that free text names unmistakably, or None.

    Only tools the table is sure of (HIGH) count, and a name that is also a common word
    counts only when qualified: "Google Imagen", "Imagen 3", "Adobe Firefly" are mentions,
    "Imagen de la playa" and "a firefly in the garden" are not.
    """
    sample = text[:4096]
    for regex, tool in _COMPILED:
        if tool.confidence is not Confidence.HIGH:
            continue
        for hit in regex.finditer(sample):
            if _qualified(sample, hit.start(), hit.group(0), tool):
                return ToolMatch(tool, hit.group(0))
    return None


def _qualified(text: str, start: int, matched: str, tool: Tool) -> bool:
    """Whether a match is more than a bare common word: a longer name, a version, or its
    vendor's name just before it."""
    if " ".join(matched.lower().split()) not in AMBIGUOUS_WORDS:
        return True
    before = text[max(0, start - _QUALIFIER_WINDOW) : start].lower()
    vendor = tool.vendor.lower().split()[0] if tool.vendor else ""
    return bool(vendor) and vendor in before


@lru_cache(maxsize=4096)
def match_tool(text: str) -> ToolMatch | None:
    """The first (most specific) known generative tool named in ``text``, or None (cached:
    the frames of a sequence, and files of one tool, repeat the same field values)."""
    if not text:
        return None
    sample = text[:4096]  # tool names sit at the start of tool fields; prompts can be huge
    for regex, tool in _COMPILED:
        found = regex.search(sample)
        if found:
            return ToolMatch(tool, found.group(0))
    return None
